/**
 * The snapshot commands' lib functions on the local provider, for real: pg_basebackup
 * tars verified by pg_verifybackup, cross-region copies into another namespace, prune,
 * gc, run-policy and backup status, and a snapshot altered after it was taken. One
 * PostgreSQL 15 instance is shared by the file; each test says what it relies on.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckFailed, type DbopsError } from '../../../src/lib/errors.js';
import { type Provider, TAG } from '../../../src/lib/providers/types.js';
import { reportOf } from '../../../src/lib/runbook/runner.js';
import { copySnapshotToRegion } from '../../../src/lib/snapshots/copy.js';
import { deleteSnapshotById } from '../../../src/lib/snapshots/delete.js';
import { gc } from '../../../src/lib/snapshots/gc.js';
import { pruneSnapshots } from '../../../src/lib/snapshots/prune.js';
import { runSnapshotPolicy } from '../../../src/lib/snapshots/run-policy.js';
import { createManualSnapshot, latestSnapshot, listSnapshots, manualSnapshotTags } from '../../../src/lib/snapshots/snapshots.js';
import { backupStatus } from '../../../src/lib/snapshots/status.js';
import { corruptTarMember, destroyLocalHome, exists, instanceInput, localProvider, makeLocalHome, withPg } from '../../_helpers/local.js';
import { snapshotContext, type ContextOptions } from '../../unit/snapshots/_context.js';

const DB = 'snap-db';
const EAST = 'us-east-2';
const WEST = 'us-west-2';
const DAY = 24 * 60 * 60 * 1000;

let home: string;
let east: Provider;

const snapshotDir = (region: string, id: string) => join(home, 'local', region, 'snapshots', id);
const instanceDir = (region: string, id: string) => join(home, 'local', region, 'instances', id);

function context(o: Partial<ContextOptions> = {}) {
  return snapshotContext({
    provider: east,
    now: () => new Date(),
    env: { DBOPS_HOME: home },
    config: { database: { identifier: DB } },
    ...o,
  });
}

/** A provider whose clock is `days` in the past: what it makes is that old. */
function pastProvider(days: number, region = EAST): Provider {
  return localProvider(home, region, { now: () => new Date(Date.now() - days * DAY) });
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

async function rejection(p: Promise<unknown>): Promise<DbopsError> {
  try {
    await p;
  } catch (e) {
    return e as DbopsError;
  }
  throw new Error('expected a failure');
}

/** Flips bytes in the middle of a data file inside a tar (not a header or padding, which tar would forgive). */

beforeAll(async () => {
  home = await makeLocalHome('dbops-snapshots-');
  east = localProvider(home, EAST);
  await east.createInstance(instanceInput(DB));
  await withPg(await east.connectionInfo(DB), async (c) => {
    await c.query('CREATE TABLE recipes (id int PRIMARY KEY, title text)');
    await c.query("INSERT INTO recipes SELECT g, 'recipe ' || g FROM generate_series(1, 5000) g");
  });
});

afterAll(async () => {
  await destroyLocalHome(home);
});

describe('create, list, latest, copy on real PostgreSQL', () => {
  let snapId = '';

  it('creates a verified pg_basebackup tar snapshot, tagged, and lists it newest first', async () => {
    // GIVEN the running instance WHEN dbops snapshots it with --wait
    const { ctx } = await context();
    const r = await createManualSnapshot(ctx, { instanceId: DB, wait: true });
    snapId = r.snapshotId;
    // THEN the snapshot is a tar backup with its manifest, available, with its real size and tags
    expect(snapId).toMatch(/^snap-db-manual-\d{8}-\d{6}$/);
    expect((await readdir(snapshotDir(EAST, snapId))).sort()).toEqual(['backup_manifest', 'base.tar', 'pg_wal.tar', 'snapshot.json']);
    expect(r.snapshot).toMatchObject({ status: 'available', region: EAST, type: 'manual' });
    expect(r.snapshot!.sizeBytes).toBeGreaterThan(1_000_000);
    expect(r.snapshot!.tags).toMatchObject({ [TAG.managed]: 'true', [TAG.purpose]: 'manual', [TAG.sourceInstance]: DB });
    // AND it is the newest in the list and the latest
    const listed = await listSnapshots(ctx, { type: 'all' });
    expect(listed[0]?.id).toBe(snapId);
    expect((await latestSnapshot(ctx, { instanceId: DB, type: 'manual' })).id).toBe(snapId);
  });

  it('copies it into the DR namespace, verified there, with its tags; a second copy is a no-op', async () => {
    // GIVEN the snapshot of the previous test
    const { ctx } = await context();
    // WHEN copied to us-west-2
    const r = await copySnapshotToRegion(ctx, { snapshotId: snapId, toRegion: WEST });
    // THEN the same bytes sit in the DR namespace under the same id, and the copy says where it came from
    for (const f of ['base.tar', 'pg_wal.tar', 'backup_manifest']) {
      expect(await sha256(join(snapshotDir(WEST, snapId), f))).toBe(await sha256(join(snapshotDir(EAST, snapId), f)));
    }
    expect(r.copy).toMatchObject({ id: snapId, region: WEST, status: 'available', sourceRegion: EAST, sourceSnapshotId: snapId });
    expect(r.copy!.tags).toMatchObject({
      [TAG.managed]: 'true',
      [TAG.purpose]: 'cross-region-copy',
      [TAG.sourceSnapshot]: snapId,
      [TAG.sourceInstance]: DB,
    });
    // AND it is the latest snapshot of the instance in the DR region
    const { ctx: westCtx } = await snapshotContext({ provider: east.forRegion(WEST), now: () => new Date() });
    expect((await latestSnapshot(westCtx, { instanceId: DB, type: 'manual' })).id).toBe(snapId);
    // WHEN copied again THEN nothing new is made
    const again = await copySnapshotToRegion(ctx, { snapshotId: snapId, toRegion: WEST });
    expect(again.alreadyExisted).toBe(true);
    expect((await readdir(join(home, 'local', WEST, 'snapshots'))).filter((n) => !n.startsWith('.'))).toEqual([snapId]);
  });

  it('restores the DR copy to a working instance with the data (the copy is usable, not just present)', async () => {
    const west = east.forRegion(WEST);
    await west.restoreFromSnapshot({
      snapshotId: snapId,
      instanceId: 'dr-check',
      instanceClass: 'db.t3.micro',
      publiclyAccessible: false,
      tags: {},
    });
    try {
      const rows = await withPg(
        await west.connectionInfo('dr-check'),
        async (c) => (await c.query('SELECT count(*)::int AS n FROM recipes')).rows,
      );
      expect(rows).toEqual([{ n: 5000 }]);
    } finally {
      await west.deleteInstance('dr-check', { skipFinalSnapshot: true });
    }
  });

  it('refuses bad input: same region (2), unknown region (2), unknown snapshot (2)', async () => {
    const { ctx } = await context();
    expect((await rejection(copySnapshotToRegion(ctx, { snapshotId: snapId, toRegion: EAST }))).exitCode).toBe(2);
    expect((await rejection(copySnapshotToRegion(ctx, { snapshotId: snapId, toRegion: 'us-west-9' }))).message).toBe(
      'Destination region "us-west-9" is not an AWS region.',
    );
    const missing = await rejection(copySnapshotToRegion(ctx, { snapshotId: 'nope', toRegion: WEST }));
    expect([missing.exitCode, missing.message]).toEqual([2, `No snapshot nope in ${EAST} (local provider).`]);
  });
});

describe('a snapshot altered after it was taken', () => {
  it('is reported corrupt by copy (exit 1) and by restore, and leaves nothing behind', async () => {
    // GIVEN a good snapshot whose base.tar is then altered on disk
    const { ctx } = await context();
    const id = 'snap-db-altered';
    await east.createSnapshot({ instanceId: DB, snapshotId: id, tags: manualSnapshotTags(DB, 'r1') });
    const member = await corruptTarMember(join(snapshotDir(EAST, id), 'base.tar'));
    expect(member).toMatch(/^base\//);

    // WHEN copied to the DR region THEN the copy is refused as corrupt (pg_verifybackup), and no copy exists there
    const copyErr = await rejection(copySnapshotToRegion(ctx, { snapshotId: id, toRegion: WEST }));
    expect(copyErr).toBeInstanceOf(CheckFailed);
    expect(copyErr.exitCode).toBe(1);
    expect(copyErr.message).toMatch(/^Snapshot snap-db-altered is corrupt: .*checksum mismatch/);
    expect(await exists(snapshotDir(WEST, id))).toBe(false);
    expect((await readdir(join(home, 'local', WEST, 'snapshots'))).filter((n) => n.startsWith('.'))).toEqual([]);

    // WHEN restored through the provider THEN refused as corrupt too, and no instance is left
    const restoreErr = await rejection(
      east.restoreFromSnapshot({
        snapshotId: id,
        instanceId: 'from-altered',
        instanceClass: 'db.t3.micro',
        publiclyAccessible: false,
        tags: {},
      }),
    );
    expect(restoreErr).toBeInstanceOf(CheckFailed);
    expect(restoreErr.message).toMatch(/^Snapshot snap-db-altered is corrupt: /);
    expect(await east.findInstance('from-altered')).toBeUndefined();
    expect(await exists(instanceDir(EAST, 'from-altered'))).toBe(false);
    await east.deleteSnapshot(id);
  });
});

describe('prune, delete and gc for real', () => {
  it('prunes what is past retention in both regions and keeps the newest', async () => {
    // GIVEN policy snapshots made 30 and 40 days ago, and a copy made 20 days ago in DR
    const old = pastProvider(40);
    await old.createSnapshot({ instanceId: DB, snapshotId: 'snap-db-manual-40d', tags: manualSnapshotTags(DB, 'r40') });
    await pastProvider(30).createSnapshot({ instanceId: DB, snapshotId: 'snap-db-manual-30d', tags: manualSnapshotTags(DB, 'r30') });
    await pastProvider(20).copySnapshot({
      snapshotId: 'snap-db-manual-30d',
      targetRegion: WEST,
      targetSnapshotId: 'snap-db-manual-30d',
      copyTags: true,
      tags: { [TAG.purpose]: 'cross-region-copy' },
    });
    const { ctx: dry } = await context({ dryRun: true });
    // WHEN planned THEN exactly the old ones would go, and nothing is gone yet
    const plan = await pruneSnapshots(dry, { instanceId: DB });
    expect(plan.plan.deletes.map((d) => `${d.region}/${d.id}`)).toEqual([
      `${EAST}/snap-db-manual-40d`,
      `${EAST}/snap-db-manual-30d`,
      `${WEST}/snap-db-manual-30d`,
    ]);
    expect(await exists(snapshotDir(EAST, 'snap-db-manual-40d'))).toBe(true);
    // WHEN pruned with --yes THEN their directories are gone; the newer ones stay
    const { ctx } = await context({ yes: true });
    const r = await pruneSnapshots(ctx, { instanceId: DB });
    expect(r.deleted).toHaveLength(3);
    expect(await exists(snapshotDir(EAST, 'snap-db-manual-40d'))).toBe(false);
    expect(await exists(snapshotDir(EAST, 'snap-db-manual-30d'))).toBe(false);
    expect(await exists(snapshotDir(WEST, 'snap-db-manual-30d'))).toBe(false);
    expect((await listSnapshots(ctx, { instanceId: DB, type: 'all' })).length).toBeGreaterThanOrEqual(1);
  });

  it('deletes one snapshot by id after --yes', async () => {
    await east.createSnapshot({ instanceId: DB, snapshotId: 'snap-db-scratch', tags: manualSnapshotTags(DB, 'r') });
    const { ctx } = await context({ yes: true });
    expect(await deleteSnapshotById(ctx, { id: 'snap-db-scratch' })).toMatchObject({ deleted: true });
    expect(await exists(snapshotDir(EAST, 'snap-db-scratch'))).toBe(false);
  });

  it('gc removes an expired temporary instance and snapshot (cluster stopped, files gone) and nothing else', async () => {
    // GIVEN what a crashed restore test leaves: a snapshot and a restored instance, both expired an hour ago
    const expired = new Date(Date.now() - 3_600_000).toISOString();
    const temp = { [TAG.purpose]: 'restore-test', [TAG.expiresAt]: expired, [TAG.runId]: 'crashed' };
    await east.createSnapshot({ instanceId: DB, snapshotId: 'rt-crashed-snap', tags: temp });
    await east.restoreFromSnapshot({
      snapshotId: 'rt-crashed-snap',
      instanceId: 'rt-crashed',
      instanceClass: 'db.t3.micro',
      publiclyAccessible: false,
      tags: temp,
    });
    // AND one that has not expired yet
    await east.createSnapshot({
      instanceId: DB,
      snapshotId: 'rt-live-snap',
      tags: { ...temp, [TAG.expiresAt]: new Date(Date.now() + 3_600_000).toISOString() },
    });
    // WHEN gc runs with --dry-run THEN it lists them and deletes nothing
    const { ctx: dry } = await context({ dryRun: true });
    const planned = await gc(dry);
    expect(planned.items.map((i) => [i.kind, i.id, i.action])).toEqual([
      ['instance', 'rt-crashed', 'delete'],
      ['snapshot', 'rt-crashed-snap', 'delete'],
      ['snapshot', 'rt-live-snap', 'keep'],
    ]);
    expect(await east.findInstance('rt-crashed')).toBeDefined();
    // WHEN gc runs with --yes THEN the expired ones are gone, the primary and the live one stay
    const { ctx } = await context({ yes: true });
    const r = await gc(ctx);
    expect(r.deleted.map((i) => i.id)).toEqual(['rt-crashed', 'rt-crashed-snap']);
    expect(await east.findInstance('rt-crashed')).toBeUndefined();
    expect(await exists(instanceDir(EAST, 'rt-crashed'))).toBe(false);
    expect(await exists(snapshotDir(EAST, 'rt-crashed-snap'))).toBe(false);
    expect(await exists(snapshotDir(EAST, 'rt-live-snap'))).toBe(true);
    expect((await east.describeInstance(DB)).status).toBe('available');
    await east.deleteSnapshot('rt-live-snap');
  });
});

describe('run-policy and backup status for real', () => {
  it('runs the weekly job end to end, resumes on a rerun, and backup status then holds', async () => {
    // GIVEN an instance whose newest policy snapshot is older than 24 h (so the run takes a new one)
    const { ctx } = await context({ yes: true });
    const before = new Set((await listSnapshots(ctx, { instanceId: DB, type: 'all' })).map((s) => s.id));
    // WHEN the job runs
    const r = await runSnapshotPolicy(ctx, { instanceId: DB });
    // THEN all seven steps ran, with a new snapshot and its verified copy in DR
    expect(r.report.steps.map((s) => [s.id, s.status])).toEqual([
      ['SN-1', 'ok'],
      ['SN-2', r.snapshot!.reused ? 'skipped' : 'ok'],
      ['SN-3', 'ok'],
      ['SN-4', 'ok'],
      ['SN-5', 'ok'],
      ['SN-6', 'ok'],
      ['SN-7', 'ok'],
    ]);
    expect(await exists(join(snapshotDir(WEST, r.copy!.id), 'base.tar'))).toBe(true);
    // WHEN it runs again THEN it reuses both and creates nothing
    const again = await runSnapshotPolicy(ctx, { instanceId: DB });
    expect([again.snapshot, again.copy].map((x) => [x?.id, x?.reused])).toEqual([
      [r.snapshot!.id, true],
      [r.copy!.id, true],
    ]);
    const after = (await listSnapshots(ctx, { instanceId: DB, type: 'all' })).map((s) => s.id).filter((id) => !before.has(id));
    expect(after.length).toBeLessThanOrEqual(1);
    // AND backup status holds; with no automated backup yet (`dbops backup run`) there is no
    // restorable window, a note while the instance is younger than the RPO
    const status = await backupStatus(ctx, { instanceId: DB });
    expect(status.violations.map((v) => v.code)).toEqual([]);
    expect(status.notes.join('\n')).toMatch(/No latest restorable time yet: .* under the RPO of 24 h/);
    expect(status.automated).toMatchObject({ available: true, retentionDays: 7, archive: { archiving: true, baseBackups: [] } });
    expect(status.newestManualSnapshot?.id).toBe(r.snapshot!.id);
    expect(status.newestCrossRegionCopy).toMatchObject({ id: r.copy!.id, region: WEST });
  });

  it('a failed copy (corrupt source) fails SN-4; the report names it; backup status shows the violation', async () => {
    // GIVEN a separate instance whose only policy snapshot gets altered after it is taken
    await east.createInstance(instanceInput('bad-db'));
    const { ctx } = await context({ yes: true, config: { database: { identifier: 'bad-db' } } });
    const e = await rejection(
      (async () => {
        await createManualSnapshot(ctx, { instanceId: 'bad-db', wait: true });
        const [snap] = await listSnapshots(ctx, { instanceId: 'bad-db', type: 'manual' });
        await corruptTarMember(join(snapshotDir(EAST, snap!.id), 'base.tar'));
        return runSnapshotPolicy(ctx, { instanceId: 'bad-db' });
      })(),
    );
    // THEN the run failed at the copy, as corrupt (exit 1)
    expect([e.step, e.exitCode]).toEqual(['SN-4', 1]);
    expect(reportOf(e)?.steps.map((s) => s.status)).toEqual(['ok', 'skipped', 'ok', 'failed', 'not-run', 'not-run', 'not-run']);
    const status = await backupStatus(ctx, { instanceId: 'bad-db' });
    expect(status.violations.map((v) => v.code)).toEqual(['no-recent-cross-region-copy']);
    await east.deleteInstance('bad-db', { skipFinalSnapshot: true });
  });
});
