/**
 * The local provider against real PostgreSQL 15 clusters: instances, snapshots, copies,
 * restores, read replicas, deletion. One primary is shared across the file (each cluster
 * costs seconds); every test says what it relies on. Needs the PostgreSQL server binaries
 * (PG_BIN or /usr/lib/postgresql/<v>/bin); as root, the `postgres` OS user.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckFailed, ConflictError, Interrupted, NotFoundError, UsageError } from '../../../../src/lib/errors.js';
import type { Provider } from '../../../../src/lib/providers/types.js';
import {
  corruptTarMember,
  dataDirsUnder,
  destroyLocalHome,
  errorText,
  exists,
  filesUnder,
  instanceInput,
  localProvider,
  makeLocalHome,
  pgCtlStatus,
  pidAlive,
  runPgBinary,
  withPg,
} from '../../../_helpers/local.js';

const PRIMARY = 'db1';
const EAST = 'us-east-2';
const WEST = 'us-west-2';

let home: string;
let east: Provider;
let west: Provider;
/** Every error a test provoked, so the last test can prove none of them carries the password. */
const seenErrors: string[] = [];

const instanceDir = (region: string, id: string): string => join(home, 'local', region, 'instances', id);
const snapshotDir = (region: string, id: string): string => join(home, 'local', region, 'snapshots', id);

async function caught(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    seenErrors.push(errorText(e));
    return e as Error;
  }
  throw new Error('expected the call to fail');
}

async function query<T = Record<string, unknown>>(p: Provider, id: string, sql: string): Promise<T[]> {
  return withPg(await p.connectionInfo(id), async (c) => (await c.query(sql)).rows as T[]);
}

async function postmasterPid(region: string, id: string): Promise<number> {
  const text = await readFile(join(instanceDir(region, id), 'data', 'postmaster.pid'), 'utf8');
  return Number(text.split('\n')[0]);
}

/** Flips bytes in the middle of a data file inside a tar (not in a header or padding, which tar would forgive). */

beforeAll(async () => {
  home = await makeLocalHome();
  east = localProvider(home, EAST);
  west = east.forRegion(WEST);
  await east.createInstance(instanceInput(PRIMARY, { tags: { 'dbops:purpose': 'test', team: 'data' } }));
  await withPg(await east.connectionInfo(PRIMARY), async (c) => {
    await c.query('CREATE TABLE canary (id int PRIMARY KEY, note text NOT NULL)');
    await c.query("INSERT INTO canary SELECT g, 'row ' || g FROM generate_series(1, 500) g");
  });
});

afterAll(async () => {
  if (home) await destroyLocalHome(home);
});

describe('local provider: instances', () => {
  it('creates an instance that can be described, listed and connected to', async () => {
    // GIVEN the primary created in beforeAll
    // WHEN it is described and listed
    const inst = await east.describeInstance(PRIMARY);
    const listed = await east.listInstances();
    const info = await east.connectionInfo(PRIMARY);
    // THEN it is an available PostgreSQL 15 cluster on its own loopback port, recorded as asked
    expect(inst).toMatchObject({
      id: PRIMARY,
      engine: 'postgres',
      status: 'available',
      region: EAST,
      instanceClass: 'db.t3.micro',
      allocatedStorageGb: 20,
      masterUsername: 'dbops_admin',
      dbName: 'app',
      replicaIds: [],
    });
    expect(inst.engineVersion).toMatch(/^15\.\d+$/);
    expect(inst.endpoint?.host).toBe('127.0.0.1');
    expect(inst.endpoint?.port).not.toBe(5432);
    expect(inst.tags).toMatchObject({ 'dbops:managed': 'true', 'dbops:purpose': 'test', team: 'data' });
    expect(listed.map((i) => i.id)).toEqual([PRIMARY]);
    expect(info).toMatchObject({
      host: '127.0.0.1',
      port: inst.endpoint?.port,
      user: 'dbops_admin',
      database: 'app',
      ssl: 'disable',
    });
    expect(String(info.password)).toBe('[redacted]');
    // AND SELECT 1 works with the connection info, over SCRAM, in the database it made
    const rows = await withPg(info, async (c) => (await c.query('SELECT 1 AS one, current_database() AS db')).rows);
    expect(rows).toEqual([{ one: 1, db: 'app' }]);
    const checksums = await query<{ data_checksums: string }>(east, PRIMARY, 'SHOW data_checksums');
    expect(checksums[0]?.data_checksums).toBe('on');
  });

  it('refuses a duplicate identifier with ConflictError and leaves the existing instance alone', async () => {
    // GIVEN db1 exists
    // WHEN another db1 is asked for
    const err = await caught(east.createInstance(instanceInput(PRIMARY)));
    // THEN ConflictError, and db1 still serves
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.message).toBe(`Instance ${PRIMARY} already exists in ${EAST} (local provider).`);
    expect((await east.describeInstance(PRIMARY)).status).toBe('available');
  });

  it('refuses identifiers RDS would refuse, before touching the disk', async () => {
    // GIVEN identifiers breaking each RDS rule
    for (const bad of ['1db', 'db-', 'db--x', 'db_x', '', 'a'.repeat(64), '../etc']) {
      // WHEN creating with it THEN UsageError, and nothing is made
      const err = await caught(east.createInstance(instanceInput(bad)));
      expect(err, bad).toBeInstanceOf(UsageError);
    }
    expect(await readdir(join(home, 'local', EAST, 'instances'))).toEqual([PRIMARY]);
  });

  it('answers NotFoundError / undefined for an instance that does not exist', async () => {
    // GIVEN no instance "nope"
    // WHEN it is looked up THEN find answers undefined and describe a NotFoundError with a hint
    expect(await east.findInstance('nope')).toBeUndefined();
    const err = await caught(east.describeInstance('nope'));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toBe(`No instance nope in ${EAST} (local provider).`);
    expect((err as NotFoundError).hint).toBe('dbops instances lists them.');
    // AND a name that could escape its directory is refused, not looked up
    expect(await caught(east.findInstance('../../etc'))).toBeInstanceOf(UsageError);
    expect(await caught(east.deleteSnapshot('../instances/db1'))).toBeInstanceOf(UsageError);
  });

  it('reports a cluster whose server is gone as stopped, and reboot starts it again', async () => {
    // GIVEN db1's server stopped behind dbops' back (as after a reboot of the machine)
    const dataDir = join(instanceDir(EAST, PRIMARY), 'data');
    expect((await runPgBinary('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop'])).code).toBe(0);
    // WHEN it is described
    // THEN it is reported stopped, and waiting for it to become available fails at once
    expect((await east.describeInstance(PRIMARY)).status).toBe('stopped');
    const waitErr = await caught(east.waitForInstance(PRIMARY, 'available', { maxWaitSeconds: 30 }));
    expect(waitErr.message).toContain('is stopped');
    // WHEN it is rebooted THEN it is available and serves again
    const rebooted = await east.rebootInstance(PRIMARY, { forceFailover: false });
    expect(rebooted.status).toBe('available');
    expect(await query(east, PRIMARY, 'SELECT count(*)::int AS n FROM canary')).toEqual([{ n: 500 }]);
    // AND a reboot of a running server restarts it (new postmaster)
    const before = await postmasterPid(EAST, PRIMARY);
    await east.rebootInstance(PRIMARY, { forceFailover: false });
    expect(await postmasterPid(EAST, PRIMARY)).not.toBe(before);
  });

  it('refuses a forced failover: there is no Multi-AZ standby locally', async () => {
    const err = await caught(east.rebootInstance(PRIMARY, { forceFailover: true }));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe('The local provider has no Multi-AZ standby to fail over to.');
    expect((err as UsageError).hint).toBe('Create a read replica and promote it: dbops failover');
  });

  it('resolves waits at once, honouring the abort signal', async () => {
    // GIVEN db1 available: a wait for it resolves on the first look, reporting progress
    const progress: string[] = [];
    const waited = await east.waitForInstance(PRIMARY, 'available', {
      maxWaitSeconds: 5,
      onProgress: (s) => progress.push(s),
    });
    expect(waited?.id).toBe(PRIMARY);
    expect(progress).toEqual(['available']);
    expect(await east.waitForInstance('gone', 'deleted', { maxWaitSeconds: 5 })).toBeUndefined();
    const aborted = AbortSignal.abort();
    expect(await caught(east.waitForInstance(PRIMARY, 'available', { maxWaitSeconds: 5, signal: aborted }))).toBeInstanceOf(Interrupted);
  });

  it('refuses point-in-time restore before the first automated backup, saying how to take it', async () => {
    const err = await caught(
      east.restoreToPointInTime({
        sourceInstanceId: PRIMARY,
        instanceId: 'db1-pitr',
        time: 'latest',
        instanceClass: 'db.t3.micro',
        publiclyAccessible: false,
        tags: {},
      }),
    );
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toBe(
      `Instance ${PRIMARY} has no restorable window yet: no base backup that its WAL archive continues.`,
    );
    expect((err as UsageError).hint).toBe(`Take the first automated backup: dbops backup run --instance ${PRIMARY}`);
    expect(await east.findInstance('db1-pitr')).toBeUndefined();
  });
});

describe('local provider: snapshots, copies and restores', () => {
  it('takes a verified snapshot of the running instance and lists it', async () => {
    // GIVEN db1 holding 500 canary rows
    // WHEN a snapshot is taken
    const snap = await east.createSnapshot({
      instanceId: PRIMARY,
      snapshotId: 'snap1',
      tags: { 'dbops:run-id': 'r1' },
    });
    // THEN it is available, manual, sized as its tars, and tagged (instance tags copied: copyTagsToSnapshot)
    const dir = snapshotDir(EAST, 'snap1');
    const tarBytes = (await stat(join(dir, 'base.tar'))).size + (await stat(join(dir, 'pg_wal.tar'))).size;
    expect(snap).toMatchObject({
      id: 'snap1',
      instanceId: PRIMARY,
      type: 'manual',
      status: 'available',
      region: EAST,
      encrypted: false,
    });
    expect(snap.sizeBytes).toBe(tarBytes);
    expect(snap.engineVersion).toMatch(/^15\.\d+$/);
    expect(snap.tags).toMatchObject({ 'dbops:managed': 'true', 'dbops:run-id': 'r1', team: 'data' });
    expect((await readdir(dir)).sort()).toEqual(['backup_manifest', 'base.tar', 'pg_wal.tar', 'snapshot.json']);
    // AND it is listed as manual, not as automated
    expect((await east.listSnapshots({ instanceId: PRIMARY })).map((s) => s.id)).toEqual(['snap1']);
    expect(await east.listSnapshots({ type: 'automated' })).toEqual([]);
    expect(await east.waitForSnapshot('snap1', 'available', { maxWaitSeconds: 5 })).toMatchObject({ id: 'snap1' });
    // AND the scratch directory used to verify it is gone
    expect(await readdir(join(home, 'local', EAST, 'tmp'))).toEqual([]);
    // AND a second snapshot with the same id is a conflict
    expect(await caught(east.createSnapshot({ instanceId: PRIMARY, snapshotId: 'snap1', tags: {} }))).toBeInstanceOf(ConflictError);
  });

  it('copies a snapshot to another region and verifies the copy', async () => {
    // GIVEN snap1 in us-east-2
    // WHEN it is copied to us-west-2 with its tags
    const copy = await east.copySnapshot({
      snapshotId: 'snap1',
      targetRegion: WEST,
      targetSnapshotId: 'snap1-west',
      kmsKeyId: 'ignored-locally',
      copyTags: true,
      tags: { 'dbops:purpose': 'dr-copy' },
    });
    // THEN us-west-2 has it, recorded as a copy, with the source's tags merged with the new ones
    expect(copy).toMatchObject({
      id: 'snap1-west',
      region: WEST,
      sourceRegion: EAST,
      sourceSnapshotId: 'snap1',
      status: 'available',
      encrypted: false,
    });
    expect(copy.tags).toMatchObject({ 'dbops:run-id': 'r1', 'dbops:purpose': 'dr-copy', 'dbops:managed': 'true' });
    expect((await west.listSnapshots()).map((s) => s.id)).toEqual(['snap1-west']);
    expect(await east.findSnapshot('snap1-west')).toBeUndefined();
    // AND its bytes are the source's
    for (const f of ['base.tar', 'pg_wal.tar', 'backup_manifest']) {
      expect((await readFile(join(snapshotDir(WEST, 'snap1-west'), f))).equals(await readFile(join(snapshotDir(EAST, 'snap1'), f)))).toBe(
        true,
      );
    }
    // AND copying again to the same target id is a conflict that leaves no temporary copy behind
    const again = await caught(
      east.copySnapshot({
        snapshotId: 'snap1',
        targetRegion: WEST,
        targetSnapshotId: 'snap1-west',
        copyTags: false,
        tags: {},
      }),
    );
    expect(again).toBeInstanceOf(ConflictError);
    expect(await readdir(join(home, 'local', WEST, 'snapshots'))).toEqual(['snap1-west']);
  });

  it('restores the cross-region copy into a new instance with the same data', async () => {
    // GIVEN snap1-west, the us-west-2 copy of a snapshot of db1 (500 canary rows)
    // WHEN it is restored in us-west-2
    const restored = await west.restoreFromSnapshot({
      snapshotId: 'snap1-west',
      instanceId: 'db1-restored',
      instanceClass: 'db.t3.small',
      publiclyAccessible: false,
      tags: { 'dbops:purpose': 'restore-test' },
    });
    // THEN it is a new, available, standalone instance on another port, with the source's database and user
    const primary = await east.describeInstance(PRIMARY);
    expect(restored).toMatchObject({
      id: 'db1-restored',
      region: WEST,
      status: 'available',
      instanceClass: 'db.t3.small',
      dbName: 'app',
      masterUsername: 'dbops_admin',
    });
    expect(restored.endpoint?.port).not.toBe(primary.endpoint?.port);
    expect(restored.tags).toEqual({ 'dbops:purpose': 'restore-test', 'dbops:managed': 'true' });
    // AND it holds the same rows, and is not in recovery
    const rows = await query<{ n: number; s: string }>(
      west,
      'db1-restored',
      "SELECT count(*)::int AS n, string_agg(note, ',' ORDER BY id) AS s FROM canary",
    );
    const source = await query<{ n: number; s: string }>(
      east,
      PRIMARY,
      "SELECT count(*)::int AS n, string_agg(note, ',' ORDER BY id) AS s FROM canary",
    );
    expect(rows).toEqual(source);
    expect(await query(west, 'db1-restored', 'SELECT pg_is_in_recovery() AS r')).toEqual([{ r: false }]);
    // WHEN it is deleted without a final snapshot
    const pid = await postmasterPid(WEST, 'db1-restored');
    const dataDir = join(instanceDir(WEST, 'db1-restored'), 'data');
    await west.deleteInstance('db1-restored', { skipFinalSnapshot: true });
    // THEN no process and no directory remain, and it is gone from the provider
    expect(pidAlive(pid)).toBe(false);
    expect(await pgCtlStatus(dataDir)).toBe(4);
    expect(await exists(instanceDir(WEST, 'db1-restored'))).toBe(false);
    expect(await west.findInstance('db1-restored')).toBeUndefined();
    expect(await west.waitForInstance('db1-restored', 'deleted', { maxWaitSeconds: 5 })).toBeUndefined();
  });

  it('reports a damaged snapshot as corrupt on restore and on copy, leaving nothing behind', async () => {
    // GIVEN a fresh snapshot whose base.tar has bytes flipped inside a data file
    await east.createSnapshot({ instanceId: PRIMARY, snapshotId: 'snap-damaged', tags: {} });
    const member = await corruptTarMember(join(snapshotDir(EAST, 'snap-damaged'), 'base.tar'));
    // WHEN it is restored
    const restoreErr = await caught(
      east.restoreFromSnapshot({
        snapshotId: 'snap-damaged',
        instanceId: 'db1-bad',
        instanceClass: 'db.t3.micro',
        publiclyAccessible: false,
        tags: {},
      }),
    );
    // THEN CheckFailed names the snapshot and pg_verifybackup's finding, and no instance is left
    expect(restoreErr).toBeInstanceOf(CheckFailed);
    expect(restoreErr.message).toMatch(/^Snapshot snap-damaged is corrupt: .*checksum mismatch/);
    expect(restoreErr.message).toContain(member);
    expect(await exists(instanceDir(EAST, 'db1-bad'))).toBe(false);
    expect(await east.findInstance('db1-bad')).toBeUndefined();
    // WHEN it is copied to another region
    const copyErr = await caught(
      east.copySnapshot({
        snapshotId: 'snap-damaged',
        targetRegion: WEST,
        targetSnapshotId: 'snap-damaged-west',
        copyTags: true,
        tags: {},
      }),
    );
    // THEN the copy is refused as corrupt, and no copy (nor temporary copy) exists there
    expect(copyErr).toBeInstanceOf(CheckFailed);
    expect(copyErr.message).toMatch(/^Snapshot snap-damaged is corrupt: /);
    expect(await readdir(join(home, 'local', WEST, 'snapshots'))).toEqual(['snap1-west']);
    expect(await readdir(join(home, 'local', WEST, 'tmp'))).toEqual([]);
    // AND the damaged snapshot can be deleted
    await east.deleteSnapshot('snap-damaged');
    expect(await east.findSnapshot('snap-damaged')).toBeUndefined();
  });

  it('refuses unknown snapshots', async () => {
    const err = await caught(east.describeSnapshot('nope'));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toBe(`No snapshot nope in ${EAST} (local provider).`);
  });
});

describe('local provider: read replicas and deletion', () => {
  it('creates a streaming read replica, then promotes it to a standalone instance', async () => {
    // GIVEN db1 running
    // WHEN a read replica is made
    const replica = await east.createReadReplica({
      sourceInstanceId: PRIMARY,
      replicaId: 'db1-replica',
      tags: { role: 'reader' },
    });
    // THEN it is available, linked both ways, and in recovery (a standby)
    expect(replica).toMatchObject({ id: 'db1-replica', status: 'available', replicaSourceId: PRIMARY });
    expect((await east.describeInstance(PRIMARY)).replicaIds).toEqual(['db1-replica']);
    expect(await query(east, 'db1-replica', 'SELECT pg_is_in_recovery() AS r')).toEqual([{ r: true }]);
    // AND its primary_conninfo names a 0600 passfile outside PGDATA instead of carrying the password
    const password = (await east.connectionInfo(PRIMARY)).password?.reveal() ?? '';
    const autoConf = await readFile(join(instanceDir(EAST, 'db1-replica'), 'data', 'postgresql.auto.conf'), 'utf8');
    expect(autoConf).toContain(`passfile=${join(instanceDir(EAST, 'db1-replica'), 'replication.pgpass')}`);
    expect(autoConf).not.toContain(password);
    expect((await stat(join(instanceDir(EAST, 'db1-replica'), 'replication.pgpass'))).mode & 0o777).toBe(0o600);
    // AND a row written on the primary appears on the replica
    await query(east, PRIMARY, "INSERT INTO canary VALUES (1001, 'streamed')");
    await expect
      .poll(async () => query(east, 'db1-replica', 'SELECT note FROM canary WHERE id = 1001'), { timeout: 15_000 })
      .toEqual([{ note: 'streamed' }]);
    const senders = await query(east, PRIMARY, 'SELECT application_name FROM pg_stat_replication');
    expect(senders).toEqual([{ application_name: 'db1-replica' }]);
    // WHEN it is promoted
    const promoted = await east.promoteReadReplica('db1-replica');
    // THEN it is standalone: out of recovery, writable, unlinked from the primary
    expect(promoted.replicaSourceId).toBeUndefined();
    expect(promoted.status).toBe('available');
    expect((await east.describeInstance(PRIMARY)).replicaIds).toEqual([]);
    expect(await query(east, 'db1-replica', 'SELECT pg_is_in_recovery() AS r')).toEqual([{ r: false }]);
    await query(east, 'db1-replica', "INSERT INTO canary VALUES (2001, 'after promotion')");
    // AND promoting it again is a usage error
    expect(await caught(east.promoteReadReplica('db1-replica'))).toBeInstanceOf(UsageError);
  });

  it('deletes an instance after a final snapshot, leaving no process and no directory', async () => {
    // GIVEN the promoted replica db1-replica, running
    const pid = await postmasterPid(EAST, 'db1-replica');
    const dataDir = join(instanceDir(EAST, 'db1-replica'), 'data');
    // WHEN deleting it without a final snapshot id THEN UsageError, and it still runs
    expect(await caught(east.deleteInstance('db1-replica', { skipFinalSnapshot: false }))).toBeInstanceOf(UsageError);
    expect(pidAlive(pid)).toBe(true);
    // WHEN deleting it with a final snapshot
    await east.deleteInstance('db1-replica', { skipFinalSnapshot: false, finalSnapshotId: 'db1-replica-final' });
    // THEN the final snapshot exists, and no process, directory or listing remains
    expect(await east.describeSnapshot('db1-replica-final')).toMatchObject({
      instanceId: 'db1-replica',
      status: 'available',
    });
    expect(pidAlive(pid)).toBe(false);
    expect(await pgCtlStatus(dataDir)).toBe(4);
    expect(await exists(instanceDir(EAST, 'db1-replica'))).toBe(false);
    expect((await east.listInstances()).map((i) => i.id)).toEqual([PRIMARY]);
    // AND only db1's cluster is left under this home
    expect(await dataDirsUnder(home)).toEqual([join(instanceDir(EAST, PRIMARY), 'data')]);
  });

  it('never writes the master password anywhere but the 0600 secrets file', async () => {
    // GIVEN every file dbops wrote under this home, and every error the tests provoked
    const password = (await east.connectionInfo(PRIMARY)).password?.reveal() ?? '';
    expect(password.length).toBeGreaterThanOrEqual(24);
    const secrets = join(home, 'secrets.json');
    expect((await stat(secrets)).mode & 0o777).toBe(0o600);
    expect(await readFile(secrets, 'utf8')).toContain(password);
    // WHEN they are searched for the password
    const holders: string[] = [];
    for (const file of await filesUnder(home)) {
      if (file === secrets) continue;
      // A running server removes files (pg_internal.init, temp files) while we walk.
      const bytes = await readFile(file).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return undefined;
        throw e;
      });
      if (bytes?.includes(password)) holders.push(file);
    }
    // THEN none holds it: not instance.json, snapshot.json, server logs, data, tars, nor error messages
    expect(holders).toEqual([]);
    expect(seenErrors.length).toBeGreaterThan(5);
    expect(seenErrors.filter((e) => e.includes(password))).toEqual([]);
  });

  it('promotes the read replicas of a deleted source, as RDS does', async () => {
    // GIVEN db1 (501 canary rows) with a read replica
    await east.createReadReplica({ sourceInstanceId: PRIMARY, replicaId: 'db1-reader', tags: {} });
    const primaryPid = await postmasterPid(EAST, PRIMARY);
    // WHEN db1 is deleted
    await east.deleteInstance(PRIMARY, { skipFinalSnapshot: true });
    // THEN db1's server and directory are gone, and the replica is a standalone instance with the data
    expect(pidAlive(primaryPid)).toBe(false);
    expect(await exists(instanceDir(EAST, PRIMARY))).toBe(false);
    const reader = await east.describeInstance('db1-reader');
    expect(reader).toMatchObject({ status: 'available', replicaIds: [] });
    expect(reader.replicaSourceId).toBeUndefined();
    expect(await query(east, 'db1-reader', 'SELECT pg_is_in_recovery() AS r, count(*)::int AS n FROM canary')).toEqual([
      { r: false, n: 501 },
    ]);
  });
});
