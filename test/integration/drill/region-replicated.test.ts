/**
 * Cross-region automated backup replication on the local provider, for real (PostgreSQL
 * 15): with snapshots.crossRegion.replicateAutomatedBackups on, `backup run` ships the base
 * backups and the archive_command puts every segment into us-west-2's backup area too; a
 * region drill then restores there to the latest restorable time of the replicated
 * backups, and its measured RPO is what this test computes from its heartbeat rows, far
 * below the age of the last weekly copy. The DR copy never overwrites a different file,
 * and pruning there follows the retention. The weekly copy carries the WAL it needs: it
 * restores in us-west-2 with us-east-2's archive gone.
 */
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAutomatedBackups } from '../../../src/lib/backups/automated.js';
import { drDrill } from '../../../src/lib/drill/drill.js';
import { instanceStatus } from '../../../src/lib/instances/instances.js';
import { backupStatus } from '../../../src/lib/snapshots/status.js';
import type { Provider, ReplicatedBackups } from '../../../src/lib/providers/types.js';
import { localProvider, withPg } from '../../_helpers/local.js';
import { config, restoreTestContext } from '../../unit/restore/_context.js';
import { startSource, type Source } from '../restore/_setup.js';

const DAY = 24 * 60 * 60 * 1000;
let src: Source;
let west: Provider;
/** The newest heartbeat the last weekly copy holds. */
let copyNewest: Date;

const crossRegion = { enabled: true, region: 'us-west-2', retentionWeeks: 2, replicateAutomatedBackups: true };
const drWal = () => join(src.home, 'local', 'us-west-2', 'replicated-backups', 'us-east-2', src.id, 'wal');
const primaryWal = () => join(src.home, 'local', 'us-east-2', 'wal-archive', src.id);
const segments = async (dir: string) => (await readdir(dir)).filter((n) => /^[0-9A-F]{24}$/.test(n)).sort();

async function context(provider: Provider = src.provider) {
  return restoreTestContext({
    config: config({ provider: 'local', database: { identifier: src.id }, snapshots: { crossRegion } }),
    provider,
    home: src.home,
  });
}

async function heartbeat(): Promise<Date> {
  return withPg(
    src.info,
    async (c) => (await c.query<{ t: Date }>('INSERT INTO dbops.heartbeat (beat_at) VALUES (now()) RETURNING beat_at AS t')).rows[0]!.t,
  );
}

/** Until the DR region's replicated window reaches `t` (the switched segment is in its archive). */
async function drReaches(t: Date): Promise<ReplicatedBackups> {
  for (let i = 0; i < 300; i++) {
    const r = await west.findReplicatedBackups!(src.id);
    if (r?.latestRestorableTime && r.latestRestorableTime >= t) return r;
    await sleep(100);
  }
  throw new Error(`the replicated window never reached ${t.toISOString()}`);
}

beforeAll(async () => {
  src = await startSource('dbops-drill-repl-');
  west = src.provider.forRegion('us-west-2');
  // The last weekly copy: its newest heartbeat two days old.
  copyNewest = await withPg(src.info, async (c) => {
    await c.query(`UPDATE dbops.heartbeat SET beat_at = beat_at - interval '2 days'`);
    return (await c.query<{ t: Date }>('SELECT max(beat_at) AS t FROM dbops.heartbeat')).rows[0]!.t;
  });
  await src.provider.createSnapshot({ instanceId: src.id, snapshotId: 'weekly', tags: {} });
  await src.provider.copySnapshot({
    snapshotId: 'weekly',
    targetRegion: 'us-west-2',
    targetSnapshotId: 'weekly-copy',
    copyTags: true,
    tags: {},
  });
});

afterAll(async () => {
  await src?.destroy();
});

describe('replicated automated backups (local provider)', () => {
  it('backup run ships the base backup and the WAL to us-west-2; the archive_command keeps the DR archive in step', async () => {
    const { ctx } = await context();
    const r = await runAutomatedBackups(ctx, { instanceId: src.id, force: false });
    expect(r.problems).toEqual([]);
    const shipped = r.run!.replication!;
    expect(shipped.region).toBe('us-west-2');
    expect(shipped.shippedBaseBackups).toEqual([r.run!.snapshotId]);
    expect(shipped.conflicts).toEqual([]);
    expect((await src.provider.describeInstance(src.id)).id).toBe(src.id);
    // WHEN rows are written and the segment switched THEN the DR archive has it without another backup run
    const t = await heartbeat();
    await withPg(src.info, (c) => c.query('SELECT pg_switch_wal()'));
    const repl = await drReaches(t);
    expect(repl).toMatchObject({
      id: `us-east-2/${src.id}`,
      sourceRegion: 'us-east-2',
      region: 'us-west-2',
      status: 'replicating',
      retentionDays: 7,
    });
    expect(repl.window!.baseBackups).toEqual([r.run!.snapshotId]);
    expect(await segments(drWal())).toEqual(await segments(primaryWal()));
    // AND backup status and status show the DR region's own window, in step with the primary
    const status = await backupStatus(ctx, { instanceId: src.id });
    expect(status.automated).toMatchObject({
      replicated: {
        region: 'us-west-2',
        status: 'replicating',
        behindSeconds: 0,
        allowanceSeconds: 300,
        latestRestorableTime: repl.latestRestorableTime,
      },
    });
    expect(status.violations.map((v) => v.code)).not.toContain('backup-replication-gap');
    expect((await instanceStatus(ctx, src.id)).replicatedBackups).toMatchObject({ region: 'us-west-2', behindSeconds: 0 });
  });

  it('a region drill restores the replicated backups to their latest restorable time: RPO from the heartbeats, far below the copy', async () => {
    const newest = await heartbeat();
    await withPg(src.info, (c) => c.query('SELECT pg_switch_wal()'));
    await drReaches(newest);
    const { ctx, output } = await context();
    const { record, error } = await drDrill(ctx, {});
    expect(error, output.stderr()).toBeUndefined();
    expect(record.verdict).toBe('passed');
    expect(record.environment.backup).toMatchObject({
      kind: 'point-in-time',
      time: 'latest',
      region: 'us-west-2',
      source: 'replicated-automated-backups',
      replicated: { id: `us-east-2/${src.id}`, sourceRegion: 'us-east-2' },
    });
    expect(record.steps.find((s) => s.id === 'DR-2')!.detail).toContain('replicated automated backups: preferred over the newest copy');
    expect(record.rpo).toMatchObject({
      seconds: Math.round((Date.parse(record.t0) - newest.getTime()) / 1000),
      newestData: newest.toISOString(),
      basis: 'heartbeat',
      withinTarget: true,
    });
    // The weekly copy's newest data is two days old: the replicated backups lose minutes instead.
    expect(record.rpo.seconds!).toBeLessThan(600);
    expect(Date.parse(record.t0) - copyNewest.getTime()).toBeGreaterThan(2 * DAY - 600_000);
    expect((await west.listInstances()).map((i) => i.id)).toEqual([]);
  });

  it('never overwrites a different file in the DR archive: a conflict, reported', async () => {
    const [first] = await segments(drWal());
    const foreign = join(drWal(), first!);
    await rename(foreign, `${foreign}.orig`);
    await writeFile(foreign, Buffer.alloc(16 * 1024 * 1024, 7));
    try {
      const { ctx } = await context();
      const r = await runAutomatedBackups(ctx, { instanceId: src.id, force: false });
      expect(r.run!.replication!.conflicts).toEqual([first]);
      expect(r.problems).toEqual([
        `The DR region us-west-2 holds 1 WAL file of ${src.id} with other contents (${first}): not overwritten.`,
      ]);
      expect((await readFile(foreign))[0]).toBe(7);
    } finally {
      await rename(`${foreign}.orig`, foreign);
    }
  });

  it("the DR archive unreachable never blocks the primary's; backup run ships what the archive_command could not", async () => {
    const wal = drWal();
    await rename(wal, `${wal}.gone`);
    try {
      const t = await heartbeat();
      await withPg(src.info, (c) => c.query('SELECT pg_switch_wal()'));
      // THEN the primary archive goes on (its window reaches the new heartbeat) ...
      for (let i = 0; i < 300; i++) {
        const w = await src.provider.restorableWindow!(src.id);
        if (w.latestRestorableTime && w.latestRestorableTime >= t) break;
        await sleep(100);
      }
      expect((await src.provider.restorableWindow!(src.id)).latestRestorableTime!.getTime()).toBeGreaterThanOrEqual(t.getTime());
      expect((await src.provider.restorableWindow!(src.id)).archiver!.failedCount).toBe(0);
      // ... AND backup run makes the DR archive whole again
      const { ctx } = await context();
      const r = await runAutomatedBackups(ctx, { instanceId: src.id, force: false });
      expect(r.problems).toEqual([]);
      expect(r.run!.replication!.shippedWalFiles).toBeGreaterThan(0);
      await drReaches(t);
      expect(await segments(wal)).toEqual(await segments(primaryWal()));
    } finally {
      await rm(`${wal}.gone`, { recursive: true, force: true });
    }
  });

  it('pruning in us-west-2 follows the retention: bases older than the one the window needs, and their WAL', async () => {
    const { ctx } = await context();
    const second = await runAutomatedBackups(ctx, { instanceId: src.id, force: true });
    const later = localProvider(src.home, 'us-east-2', { now: () => new Date(Date.now() + 9 * DAY) });
    const third = await later.runAutomatedBackups!(src.id, { force: true, replicateTo: 'us-west-2' });
    const repl = third.replication!;
    expect(repl.prunedBaseBackups).toHaveLength(1);
    expect(third.prunedSnapshots).toEqual(repl.prunedBaseBackups);
    const window = (await west.findReplicatedBackups!(src.id))!.window!;
    expect(window.baseBackups).toEqual([second.run!.snapshotId, third.snapshotId]);
    expect(await segments(drWal())).toEqual(await segments(primaryWal()));
    await later.close();
  });

  it('the weekly copy carries the WAL it needs: it restores in us-west-2 with the us-east-2 archive gone', async () => {
    await rename(primaryWal(), `${primaryWal()}.away`);
    try {
      await west.restoreFromSnapshot({
        snapshotId: 'weekly-copy',
        instanceId: 'from-copy',
        instanceClass: 'db.t3.micro',
        publiclyAccessible: false,
        tags: {},
      });
      await west.waitForInstance('from-copy', 'available', { maxWaitSeconds: 120 });
      const n = await withPg(
        await west.connectionInfo('from-copy'),
        async (c) => (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM recipes')).rows[0]!.n,
      );
      expect(n).toBe(3000);
    } finally {
      await west.deleteInstance('from-copy', { skipFinalSnapshot: true }).catch(() => undefined);
      await rename(`${primaryWal()}.away`, primaryWal());
    }
  });
});
