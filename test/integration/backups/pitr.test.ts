/**
 * Continuous WAL archiving, automated backups and point-in-time restore on the local
 * provider, for real (PostgreSQL 15): rows written with their times, a restore to a time
 * between two of them finds exactly the rows before it; the latest restorable time after a
 * segment switch loses nothing; the archive refuses to overwrite a different segment;
 * pruning keeps what the retention needs (and manual snapshots stay restorable); a time
 * outside the window is one sentence naming the window (exit 2); a missing segment caps
 * the window. Small data: a few rows per table.
 */
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, type DbopsError } from '../../../src/lib/errors.js';
import type { Provider, RestorableWindow } from '../../../src/lib/providers/types.js';
import { killStragglers } from '../../../src/lib/providers/local/cluster.js';
import { destroyLocalHome, instanceInput, localProvider, makeLocalHome, pidAlive, withPg } from '../../_helpers/local.js';

const SRC = 'pitr-src';
const DAY = 24 * 60 * 60 * 1000;
let home: string;
let p: Provider;

const archiveDir = (id: string) => join(home, 'local', 'us-east-2', 'wal-archive', id);

async function rejection(x: Promise<unknown>): Promise<DbopsError> {
  try {
    await x;
  } catch (e) {
    return e as DbopsError;
  }
  throw new Error('expected a failure');
}

async function window(id: string): Promise<RestorableWindow> {
  return p.restorableWindow!(id);
}

/** Until the archive's window reaches `t` (the archiver has copied the switched segment). */
async function waitRestorable(id: string, t: Date): Promise<RestorableWindow> {
  for (let i = 0; i < 300; i++) {
    const w = await window(id);
    if (w.latestRestorableTime && w.latestRestorableTime >= t) return w;
    await sleep(100);
  }
  throw new Error(`the window of ${id} never reached ${t.toISOString()}`);
}

async function insertRows(id: string, from: number, to: number): Promise<Date> {
  const info = await p.connectionInfo(id);
  return withPg(info, async (c) => {
    let last = new Date(0);
    for (let i = from; i <= to; i++) {
      const r = await c.query<{ at: Date }>('INSERT INTO rows_t (n) VALUES ($1) RETURNING at', [i]);
      last = r.rows[0]!.at;
    }
    return last;
  });
}

async function rowsOf(id: string): Promise<number[]> {
  return withPg(await p.connectionInfo(id), async (c) =>
    (await c.query<{ n: number }>('SELECT n FROM rows_t ORDER BY n')).rows.map((r) => r.n),
  );
}

async function switchWal(id: string): Promise<void> {
  await withPg(await p.connectionInfo(id), (c) => c.query('SELECT pg_switch_wal()'));
}

beforeAll(async () => {
  home = await makeLocalHome('dbops-pitr-');
  p = localProvider(home, 'us-east-2', undefined, { archiveTimeoutSeconds: 60 });
  await p.createInstance(instanceInput(SRC));
  await withPg(await p.connectionInfo(SRC), (c) =>
    c.query('CREATE TABLE rows_t (n int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())'),
  );
});

afterAll(async () => {
  await destroyLocalHome(home);
});

describe('WAL archiving and point-in-time restore (local provider)', () => {
  let noted: Date;
  let lastWrite: Date;

  it('archives WAL from creation on, and the first automated backup is due at once', async () => {
    const conf = await readFile(join(home, 'local', 'us-east-2', 'instances', SRC, 'data', 'postgresql.auto.conf'), 'utf8');
    expect(conf).toMatch(/archive_mode = 'on'/);
    expect(conf).toMatch(/archive_timeout = '60s'/);
    const run = await p.runAutomatedBackups!(SRC, { force: false });
    expect(run.snapshotId).toMatch(new RegExp(`^${SRC}-auto-\\d{8}-\\d{6}$`));
    expect(run.restarted).toBe(false);
    const again = await p.runAutomatedBackups!(SRC, { force: false });
    expect(again.snapshotId).toBeUndefined();
    const snaps = await p.listSnapshots({ instanceId: SRC, type: 'automated' });
    expect(snaps.map((s) => [s.id, s.type])).toEqual([[run.snapshotId, 'automated']]);
    expect(await p.listSnapshots({ instanceId: SRC, type: 'manual' })).toEqual([]);
  });

  it('restores to a noted time: exactly the rows written before it', async () => {
    const before = await insertRows(SRC, 1, 5);
    await sleep(30);
    noted = new Date();
    await sleep(30);
    lastWrite = await insertRows(SRC, 6, 10);
    expect(before < noted && noted < lastWrite).toBe(true);
    await switchWal(SRC);
    const w = await waitRestorable(SRC, lastWrite);
    expect(w.archiving).toBe(true);
    expect(w.earliestRestorableTime!.getTime()).toBeLessThan(noted.getTime());
    expect(w.gap).toBeUndefined();
    expect(w.archiver?.failedCount).toBe(0);
    await p.restoreToPointInTime({
      sourceInstanceId: SRC,
      instanceId: 'pitr-at',
      time: noted,
      instanceClass: 'db.t3.micro',
      publiclyAccessible: false,
      tags: {},
    });
    expect(await rowsOf('pitr-at')).toEqual([1, 2, 3, 4, 5]);
    // A primary that archives into its own archive, not its source's.
    await withPg(await p.connectionInfo('pitr-at'), async (c) => {
      expect((await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]!.r).toBe(false);
      await c.query('INSERT INTO rows_t (n) VALUES (100)');
    });
    const conf = await readFile(join(home, 'local', 'us-east-2', 'instances', 'pitr-at', 'data', 'postgresql.auto.conf'), 'utf8');
    expect(conf).toContain(archiveDir('pitr-at'));
    expect(conf).not.toContain('restore_command');
    expect(await p.describeInstance('pitr-at')).toMatchObject({ status: 'available' });
    await p.deleteInstance('pitr-at', { skipFinalSnapshot: true });
  });

  it('--latest-restorable after a segment switch loses nothing', async () => {
    await p.restoreToPointInTime({
      sourceInstanceId: SRC,
      instanceId: 'pitr-latest',
      time: 'latest',
      instanceClass: 'db.t3.micro',
      publiclyAccessible: false,
      tags: {},
    });
    expect(await rowsOf('pitr-latest')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await p.deleteInstance('pitr-latest', { skipFinalSnapshot: true });
  });

  it('refuses a time outside the window in one sentence naming it (exit 2), and leaves nothing', async () => {
    const w = await window(SRC);
    const future = new Date(w.latestRestorableTime!.getTime() + 3_600_000);
    const e = await rejection(
      p.restoreToPointInTime({
        sourceInstanceId: SRC,
        instanceId: 'pitr-late',
        time: future,
        instanceClass: 'db.t3.micro',
        publiclyAccessible: false,
        tags: {},
      }),
    );
    expect(e.exitCode).toBe(ExitCode.usage);
    expect(e.message).toBe(
      `${future.toISOString()} is outside the restorable window of ${SRC}: ${w.earliestRestorableTime!.toISOString()} to ${w.latestRestorableTime!.toISOString()}.`,
    );
    expect(await p.findInstance('pitr-late')).toBeUndefined();
    const early = await rejection(
      p.restoreToPointInTime({
        sourceInstanceId: SRC,
        instanceId: 'pitr-early',
        time: new Date(w.earliestRestorableTime!.getTime() - DAY),
        instanceClass: 'db.t3.micro',
        publiclyAccessible: false,
        tags: {},
      }),
    );
    expect(early.exitCode).toBe(ExitCode.usage);
    expect(early.message).toMatch(/is outside the restorable window of pitr-src: .+ to .+\.$/);
  });

  it('a missing segment in the middle caps the window and is reported as a gap', async () => {
    const before = await window(SRC);
    // Two more switched segments with commits; then the first of them disappears.
    await insertRows(SRC, 11, 11);
    await switchWal(SRC);
    const t12 = await insertRows(SRC, 12, 12);
    await switchWal(SRC);
    await waitRestorable(SRC, t12);
    const segs = (await readdir(archiveDir(SRC))).filter((n) => /^[0-9A-F]{24}$/.test(n)).sort();
    const victim = segs[segs.length - 2]!;
    await rm(join(archiveDir(SRC), victim));
    const after = await window(SRC);
    expect(after.gap).toBe(victim);
    expect(after.latestRestorableTime!.getTime()).toBeLessThan(t12.getTime());
    expect(after.latestRestorableTime!.getTime()).toBeGreaterThanOrEqual(before.latestRestorableTime!.getTime());
  });
});

describe('the archive_command', () => {
  it('refuses to overwrite a different file with the same name (pg_stat_archiver counts the failure)', async () => {
    const id = 'arch-refuse';
    await p.createInstance(instanceInput(id));
    const info = await p.connectionInfo(id);
    const current = await withPg(
      info,
      async (c) => (await c.query<{ f: string }>('SELECT pg_walfile_name(pg_current_wal_lsn()) AS f')).rows[0]!.f,
    );
    const planted = Buffer.alloc(16 * 1024 * 1024, 7);
    await writeFile(join(archiveDir(id), current), planted);
    await withPg(info, async (c) => {
      await c.query('CREATE TABLE x (n int)');
      await c.query('SELECT pg_switch_wal()');
    });
    let w = await window(id);
    for (let i = 0; i < 100 && (w.archiver?.failedCount ?? 0) === 0; i++) {
      await sleep(100);
      w = await window(id);
    }
    expect(w.archiver?.failedCount).toBeGreaterThan(0);
    expect(w.archiver?.lastFailedWal).toBe(current);
    expect((await readFile(join(archiveDir(id), current))).equals(planted)).toBe(true);
    const log = await readFile(join(home, 'local', 'us-east-2', 'instances', id, 'postgresql.log'), 'utf8');
    expect(log).toContain('already exists with different contents: refusing to overwrite it');
    await p.deleteInstance(id, { skipFinalSnapshot: true });
  });
});

describe('pruning after the retention', () => {
  it('keeps the newest base the retention needs and the WAL from it on; manual snapshots stay restorable', async () => {
    const id = 'prune-db';
    await p.createInstance(instanceInput(id, { backupRetentionDays: 7 }));
    const at = (days: number) =>
      localProvider(home, 'us-east-2', { now: () => new Date(Date.now() - days * DAY) }, { archiveTimeoutSeconds: 60 });
    const b10 = await at(10).runAutomatedBackups!(id, { force: true });
    const manual = await at(10).createSnapshot({ instanceId: id, snapshotId: 'prune-manual', tags: {} });
    const b9 = await at(9).runAutomatedBackups!(id, { force: true });
    await switchWal(id);
    const firstSegs = (await readdir(archiveDir(id))).filter((n) => /^[0-9A-F]{24}$/.test(n)).sort();
    const now = await p.runAutomatedBackups!(id, { force: false });
    expect(now.snapshotId).toBeDefined();
    expect(now.prunedSnapshots).toEqual([b10.snapshotId]);
    expect(now.prunedWalFiles).toBeGreaterThan(0);
    const left = (await p.listSnapshots({ instanceId: id, type: 'all' })).map((s) => s.id).sort();
    expect(left).toEqual([b9.snapshotId, now.snapshotId, manual.id].sort());
    const segs = (await readdir(archiveDir(id))).filter((n) => /^[0-9A-F]{24}$/.test(n)).sort();
    expect(segs[0]! > firstSegs[0]!).toBe(true);
    // The manual snapshot carries its own WAL: the pruned archive does not matter to it.
    await p.restoreFromSnapshot({
      snapshotId: manual.id,
      instanceId: 'prune-restored',
      instanceClass: 'db.t3.micro',
      publiclyAccessible: false,
      tags: {},
    });
    expect(await p.describeInstance('prune-restored')).toMatchObject({ status: 'available' });
    await p.deleteInstance('prune-restored', { skipFinalSnapshot: true });
    await p.deleteInstance(id, { skipFinalSnapshot: true });
  });
});

describe('timelines', () => {
  it('a promoted replica archives on its new timeline (history file included) and restores to a point in time on it', async () => {
    const id = 'tl-primary';
    const replica = 'tl-replica';
    await p.createInstance(instanceInput(id));
    await withPg(await p.connectionInfo(id), (c) =>
      c.query('CREATE TABLE rows_t (n int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())'),
    );
    await insertRows(id, 1, 2);
    await p.createReadReplica({ sourceInstanceId: id, replicaId: replica, tags: {} });
    // The standby has the rows once it has replayed them; then it is promoted (timeline 2).
    for (let i = 0; i < 100 && (await rowsOf(replica).catch(() => [])).length < 2; i++) await sleep(100);
    await p.promoteReadReplica(replica);
    const run = await p.runAutomatedBackups!(replica, { force: false });
    expect(run.snapshotId).toBeDefined();
    await insertRows(replica, 3, 4);
    await sleep(30);
    const noted = new Date();
    await sleep(30);
    const last = await insertRows(replica, 5, 6);
    await switchWal(replica);
    await waitRestorable(replica, last);
    const files = await readdir(archiveDir(replica));
    expect(files).toContain('00000002.history');
    expect(files.some((f) => /^00000002[0-9A-F]{16}$/.test(f))).toBe(true);
    await p.restoreToPointInTime({
      sourceInstanceId: replica,
      instanceId: 'tl-restored',
      time: noted,
      instanceClass: 'db.t3.micro',
      publiclyAccessible: false,
      tags: {},
    });
    expect(await rowsOf('tl-restored')).toEqual([1, 2, 3, 4]);
    // The restored copy picked a timeline above the archive's (3) and archives into its own archive.
    const log = await readFile(join(home, 'local', 'us-east-2', 'instances', 'tl-restored', 'postgresql.log'), 'utf8');
    expect(log).toMatch(/selected new timeline ID: 3/);
    for (const x of ['tl-restored', replica, id]) await p.deleteInstance(x, { skipFinalSnapshot: true });
  });
});

describe('a crash of the instance', () => {
  it('kill -9 of the postmaster: after the restart no segment is lost or duplicated, and the latest restorable time has every row', async () => {
    const id = 'crash-db';
    await p.createInstance(instanceInput(id));
    await p.runAutomatedBackups!(id, { force: false });
    await withPg(await p.connectionInfo(id), (c) =>
      c.query('CREATE TABLE rows_t (n int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())'),
    );
    await insertRows(id, 1, 3);
    await switchWal(id);
    await insertRows(id, 4, 6);
    const dataDir = join(home, 'local', 'us-east-2', 'instances', id, 'data');
    const pid = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100 && pidAlive(pid); i++) await sleep(50);
    // The orphaned children (archiver included) die with it, as on a host that loses the
    // postmaster; PID 1 here does not reap the killed postmaster, so its stale lock file goes
    // as init's reaping would let PostgreSQL decide by itself.
    await killStragglers(dataDir);
    await rm(join(dataDir, 'postmaster.pid'), { force: true });
    await p.startInstance(id);
    const last = await insertRows(id, 7, 8);
    await switchWal(id);
    const w = await waitRestorable(id, last);
    expect(w.gap).toBeUndefined();
    const names = (await readdir(archiveDir(id))).filter((n) => /^[0-9A-F]{24}$/.test(n));
    expect(new Set(names.map((n) => n.slice(8))).size).toBe(names.length);
    expect((await readdir(archiveDir(id))).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
    await p.restoreToPointInTime({
      sourceInstanceId: id,
      instanceId: 'crash-latest',
      time: 'latest',
      instanceClass: 'db.t3.micro',
      publiclyAccessible: false,
      tags: {},
    });
    expect(await rowsOf('crash-latest')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const x of ['crash-latest', id]) await p.deleteInstance(x, { skipFinalSnapshot: true });
  });
});
