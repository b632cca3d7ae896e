/**
 * `dbops dr-drill` (region scenario) for real on the local provider: a PostgreSQL 15
 * source in us-east-2 with heartbeats, a verified snapshot copied to us-west-2, the drill
 * recovering there and checking against the source. The measured RPO is what this test
 * computes from its own heartbeat rows; a missing copy and a copy older than the RPO fail.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drDrill } from '../../../src/lib/drill/drill.js';
import { verifyRecord } from '../../../src/lib/drill/evidence.js';
import { readDrills } from '../../../src/lib/drill/history.js';
import type { Provider } from '../../../src/lib/providers/types.js';
import { withPg } from '../../_helpers/local.js';
import { config, restoreTestContext } from '../../unit/restore/_context.js';
import { startSource, type Source } from '../restore/_setup.js';

let src: Source;
let west: Provider;
const COPY = 'src-db-snap-1-copy';

async function newestHeartbeat(): Promise<Date> {
  return withPg(src.info, async (c) => new Date((await c.query<{ t: Date }>('SELECT max(beat_at) AS t FROM dbops.heartbeat')).rows[0]!.t));
}

async function copyToWest(snapshotId: string, targetSnapshotId: string): Promise<void> {
  await src.provider.copySnapshot({
    snapshotId,
    targetRegion: 'us-west-2',
    targetSnapshotId,
    copyTags: true,
    tags: { 'dbops:purpose': 'cross-region-copy' },
  });
  await west.waitForSnapshot(targetSnapshotId, 'available', { maxWaitSeconds: 120 });
}

async function context(over: Parameters<typeof config>[0] = {}, now?: () => Date) {
  return restoreTestContext({
    config: config({ provider: 'local', database: { identifier: src.id }, ...over }),
    provider: src.provider,
    home: src.home,
    ...(now ? { clock: { now } } : {}),
  });
}

beforeAll(async () => {
  src = await startSource('dbops-drill-int-');
  west = src.provider.forRegion('us-west-2');
});

afterAll(async () => {
  await src?.destroy();
});

describe('dr-drill --scenario region on the local provider', () => {
  it('no copy in the DR region: exit 1 with the finding and its fix, nothing created', async () => {
    const { ctx } = await context();
    const { record, error } = await drDrill(ctx, {});
    expect(error?.message).toBe('no copy in us-west-2: a regional disaster today loses everything');
    expect(record.verdict).toBe('failed');
    expect(record.findings[0]).toMatchObject({
      kind: 'no-dr-copy',
      step: 'DR-2',
      message: 'no copy in us-west-2: a regional disaster today loses everything',
    });
    expect(record.findings[0]!.remedy).toContain(`dbops snapshot copy ${src.snapshotId} --to-region us-west-2`);
    expect((await west.listInstances()).map((i) => i.id)).toEqual([]);
  });

  it('passes: recovered in us-west-2, every check passed, RPO = T0 minus the newest heartbeat, record sealed, nothing left', async () => {
    await copyToWest(src.snapshotId, COPY);
    const newest = await newestHeartbeat();
    const { ctx, output } = await context();
    const { record, error } = await drDrill(ctx, { participants: ['A. Ops'], reportFile: join(src.home, 'drill.md') });
    expect(error, output.stderr()).toBeUndefined();
    expect(record.verdict).toBe('passed');
    expect(record.environment).toMatchObject({
      provider: 'local',
      primaryRegion: 'us-east-2',
      recoveryRegion: 'us-west-2',
      backup: { kind: 'snapshot', snapshotId: COPY, region: 'us-west-2' },
    });
    expect(record.checks.map((c) => [c.step, c.id, c.status])).toEqual([
      ['DR-7', 'server', 'passed'],
      ['DR-8', 'amcheck', 'passed'],
      ['DR-8', 'invalid-indexes', 'passed'],
      ['DR-9', 'schema', 'passed'],
      ['DR-10', 'row-counts', 'passed'],
      ['DR-11', 'rpo', 'passed'],
      ['DR-12', 'pgvector', 'skipped'],
      ['DR-13', 'performance', 'passed'],
    ]);
    // RPO: T0 minus the newest heartbeat row the test wrote (the snapshot holds all of them)
    expect(record.rpo).toEqual({
      targetHours: 24,
      seconds: Math.round((Date.parse(record.t0) - newest.getTime()) / 1000),
      newestData: newest.toISOString(),
      basis: 'heartbeat',
      withinTarget: true,
    });
    expect(record.rto.recovered).toBe(true);
    expect(record.rto.withinTarget).toBe(true);
    expect(record.rto.covers).toBe('automated-only');
    expect(record.rto.seconds).toBe(Math.round(Date.parse(record.rto.recoveredAt!) - Date.parse(record.t0)) / 1000);
    expect(record.phases.map((p) => p.name)).toEqual(['find', 'restore', 'wait', 'start', 'verify', 'writes']);
    expect(record.steps.find((s) => s.id === 'DR-14')!.detail).toMatch(/^accepts writes: /);
    expect(record.steps.filter((s) => s.manual).map((s) => s.status)).toEqual(['not-exercised', 'not-exercised']);
    expect(record.findings.map((f) => f.kind)).toEqual(['not-exercised']);
    expect(record.recovery).toMatchObject({ region: 'us-west-2', created: true, deleted: true, kept: false });
    expect(record.participants).toEqual(['A. Ops']);
    expect(verifyRecord('x', JSON.parse(JSON.stringify(record))).ok).toBe(true);
    expect(await readFile(join(src.home, 'drill.md'), 'utf8')).toMatch(/^# DR drill \w+: PASSED\n/);
    expect((await readDrills(src.home)).map((d) => d.verdict)).toEqual(['failed', 'passed']);
    // nothing left in either region; production unchanged
    expect((await west.listInstances()).map((i) => i.id)).toEqual([]);
    expect((await src.provider.listInstances()).map((i) => i.id)).toEqual([src.id]);
  });

  it('--dry-run: the backup and the recovery it would create, nothing created, nothing recorded', async () => {
    const { ctx } = await restoreTestContext({
      config: config({ provider: 'local', database: { identifier: src.id } }),
      provider: src.provider,
      home: src.home,
      dryRun: true,
    });
    const before = (await readDrills(src.home)).length;
    const { record, error } = await drDrill(ctx, {});
    expect(error).toBeUndefined();
    expect(record.verdict).toBe('dry-run');
    expect(record.recovery).toMatchObject({ region: 'us-west-2', created: false });
    expect(record.steps.slice(2).every((s) => s.status === 'skipped')).toBe(true);
    expect((await west.listInstances()).map((i) => i.id)).toEqual([]);
    expect((await readDrills(src.home)).length).toBe(before);
  });

  it('editing one byte of the JSON record makes verify fail', async () => {
    const { ctx } = await context();
    const { record } = await drDrill(ctx, { participants: ['B'] });
    const file = join(src.home, 'drill.json');
    const text = JSON.stringify(record, null, 2);
    await writeFile(file, text.replace('"participants": [\n    "B"', '"participants": [\n    "C"'));
    const edited = verifyRecord(file, JSON.parse(await readFile(file, 'utf8')));
    expect(edited.ok).toBe(false);
    expect(edited.problems).toEqual(['the record does not match its sha256: it was changed after the drill']);
    const evidence = JSON.parse(text) as typeof record;
    evidence.checks[1]!.summary = evidence.checks[1]!.summary.replace('No', 'Some');
    expect(verifyRecord(file, evidence).problems).toContain('the evidence of DR-8 amcheck does not match its sha256');
  });

  it('a copy older than the RPO: exit 1, RPO actual > target', async () => {
    // GIVEN only heartbeats two days old in a new snapshot, and its copy the newest in us-west-2
    await withPg(src.info, (c) => c.query(`UPDATE dbops.heartbeat SET beat_at = beat_at - interval '2 days'`));
    try {
      await src.provider.createSnapshot({ instanceId: src.id, snapshotId: 'src-db-snap-old', tags: {} });
      await copyToWest('src-db-snap-old', 'src-db-snap-old-copy');
      await withPg(src.info, (c) => c.query(`INSERT INTO dbops.heartbeat (beat_at) VALUES (now())`));
      const { ctx } = await context();
      const { record } = await drDrill(ctx, {});
      expect(record.environment.backup).toMatchObject({ snapshotId: 'src-db-snap-old-copy' });
      expect(record.verdict).toBe('failed');
      expect(record.rpo.withinTarget).toBe(false);
      expect(record.rpo.seconds!).toBeGreaterThan(24 * 3600);
      expect(record.findings.find((f) => f.kind === 'objective-missed')).toMatchObject({ step: 'DR-11' });
      expect((await west.listInstances()).map((i) => i.id)).toEqual([]);
    } finally {
      await withPg(src.info, (c) =>
        c.query(
          `DELETE FROM dbops.heartbeat WHERE beat_at > now() - interval '1 minute'; UPDATE dbops.heartbeat SET beat_at = beat_at + interval '2 days'`,
        ),
      );
    }
  });

  it('the source unreachable: the comparisons are "could not verify" and the drill fails; --keep keeps the recovery and says how to remove it', async () => {
    await src.provider.stopInstance(src.id);
    try {
      const { ctx } = await context();
      const { record, error } = await drDrill(ctx, { keep: true });
      expect(error).toBeUndefined();
      expect(record.verdict).toBe('failed');
      const cnv = record.findings.filter((f) => f.kind === 'could-not-verify').map((f) => f.step);
      expect(cnv).toEqual(['DR-7', 'DR-9', 'DR-10', 'DR-12', 'DR-13']);
      expect(record.checks.find((c) => c.id === 'amcheck')?.status).toBe('passed');
      expect(record.recovery).toMatchObject({
        kept: true,
        deleted: false,
        connectCommand: `dbops psql ${record.recovery!.instanceId} --region us-west-2`,
      });
      expect((await west.listInstances()).map((i) => i.id)).toEqual([record.recovery!.instanceId]);
      await west.deleteInstance(record.recovery!.instanceId, { skipFinalSnapshot: true });
      await west.waitForInstance(record.recovery!.instanceId, 'deleted', { maxWaitSeconds: 60 });
    } finally {
      await src.provider.startInstance(src.id);
    }
  });
});
