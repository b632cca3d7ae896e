/**
 * Local mysql instances: a real MariaDB 10.11 server of its own standing in for MySQL 8.0,
 * through the local provider. Create, write rows, snapshot (mariadb-backup --backup then
 * --prepare, manifest), restore into a new instance (--copy-back) and read the rows there;
 * a cross-region copy; a damaged snapshot found by verification (exit 1); interrupts
 * during a snapshot and a restore leave nothing; the missing-binaries message; the label
 * in listings. Needs mariadb-server and mariadb-backup; as root, the `mysql` OS user.
 * One source instance is shared across the file (each server costs seconds).
 */
import { readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Chalk } from 'chalk';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckFailed, EnvironmentError, Interrupted, UsageError, type DbopsError } from '../../../../src/lib/errors.js';
import { renderInstanceDetail, renderInstanceTable } from '../../../../src/lib/instances/render.js';
import { isRoot } from '../../../../src/lib/providers/local/os-user.js';
import { createLocalProvider } from '../../../../src/lib/providers/local/provider.js';
import type { ConnectionInfo, Provider } from '../../../../src/lib/providers/types.js';
import {
  destroyLocalHome,
  errorText,
  exists,
  instanceInput,
  localProvider,
  makeLocalHome,
  pidAlive,
  processesUnder,
  TEST_OS_USER,
} from '../../../_helpers/local.js';

const EAST = 'us-east-2';
const WEST = 'us-west-2';
const SOURCE = 'shop-db';
const LABEL = /^MariaDB 10\.11 standing in for MySQL 8\.0$/;

let home: string;
let east: Provider;
const seenErrors: string[] = [];

const instanceDir = (region: string, id: string): string => join(home, 'local', region, 'instances', id);
const snapshotDir = (region: string, id: string): string => join(home, 'local', region, 'snapshots', id);

function mysqlInput(id: string) {
  return instanceInput(id, { engine: 'mysql', engineVersion: '8.0', masterUsername: 'dbadmin', dbName: 'shop' });
}

async function caught(p: Promise<unknown>): Promise<DbopsError> {
  try {
    await p;
  } catch (e) {
    seenErrors.push(errorText(e));
    return e as DbopsError;
  }
  throw new Error('expected the call to fail');
}

async function withMysql<T>(info: ConnectionInfo, fn: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const c = await mysql.createConnection({
    host: info.host,
    port: info.port,
    user: info.user,
    password: info.password?.reveal(),
    database: info.database,
  });
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function rows(p: Provider, id: string, sql: string): Promise<Record<string, unknown>[]> {
  return withMysql(await p.connectionInfo(id), async (c) => (await c.query(sql))[0] as Record<string, unknown>[]);
}

async function serverPid(region: string, id: string): Promise<number> {
  return Number((await readFile(join(instanceDir(region, id), 'mariadbd.pid'), 'utf8')).trim());
}

/** Processes whose command line names `text` (a mariadb-backup writing into a snapshot directory). */
async function processesNaming(text: string): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmd = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(text) && pidAlive(Number(entry))) out.push(Number(entry));
  }
  return out;
}

/** A provider bound to a run's abort signal, as a command's Ctrl-C handler holds it. */
function interruptible(signal: AbortSignal): Provider {
  return createLocalProvider({ home, region: EAST, osUser: TEST_OS_USER, env: { ...process.env }, signal });
}

/** Waits (polling) until `check` holds; fails the test after 60 s, or at once when `op` settles first. */
async function until(what: string, check: () => Promise<boolean>, op: Promise<unknown>): Promise<void> {
  let settled: string | undefined;
  op.then(
    () => (settled = 'it succeeded'),
    (e: unknown) => (settled = `it failed: ${errorText(e)}`),
  );
  for (let i = 0; i < 6000; i++) {
    if (await check()) return;
    if (settled) throw new Error(`the operation ended before ${what}: ${settled}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  home = await makeLocalHome('dbops-mariadb-');
  east = localProvider(home, EAST);
  await east.createInstance(mysqlInput(SOURCE));
  await rows(east, SOURCE, 'CREATE TABLE orders (id INT PRIMARY KEY, item VARCHAR(40) NOT NULL) ENGINE=InnoDB');
  await rows(east, SOURCE, "INSERT INTO orders VALUES (1, 'flour'), (2, 'yeast'), (3, 'salt')");
});

afterAll(async () => {
  if (home) await destroyLocalHome(home);
});

describe('local mysql instance: a MariaDB server of its own', () => {
  it('runs on its own port and socket, labelled as MariaDB standing in for MySQL 8.0', async () => {
    const inst = await east.describeInstance(SOURCE);
    expect(inst).toMatchObject({ engine: 'mysql', engineVersion: '8.0', status: 'available', masterUsername: 'dbadmin', dbName: 'shop' });
    expect(inst.engineLabel).toMatch(LABEL);
    expect(inst.endpoint?.host).toBe('127.0.0.1');
    expect(inst.endpoint?.port).not.toBe(3306);
    // The server answers the master user on its database, and it is MariaDB with MySQL 8.0's sql_mode.
    const [v] = await rows(east, SOURCE, 'SELECT VERSION() AS v, @@sql_mode AS mode, DATABASE() AS db');
    expect(String(v?.v)).toMatch(/^10\.11\.\d+-MariaDB/);
    expect(String(v?.mode)).toContain('ONLY_FULL_GROUP_BY');
    expect(v?.db).toBe('shop');
    // Its own socket and data directory; as root, the server runs as the mysql user.
    const cnf = await readFile(join(instanceDir(EAST, SOURCE), 'my.cnf'), 'utf8');
    expect(cnf).toContain(`socket=${join(instanceDir(EAST, SOURCE), 'mariadbd.sock')}`);
    expect(cnf).toContain(`datadir=${join(instanceDir(EAST, SOURCE), 'data')}`);
    const pid = await serverPid(EAST, SOURCE);
    expect(pidAlive(pid)).toBe(true);
    if (isRoot()) {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      const passwd = await readFile('/etc/passwd', 'utf8');
      expect(passwd).toMatch(new RegExp(`^mysql:[^:]*:${uid}:`, 'm'));
    }
  });

  it('keeps its root and master passwords in the 0600 secrets file; root has no password-less TCP account', async () => {
    const secrets = JSON.parse(await readFile(join(home, 'secrets.json'), 'utf8')) as {
      instances: Record<string, { masterUsername: string; password: string; rootPassword?: string }>;
    };
    const entry = secrets.instances[`${EAST}/${SOURCE}`];
    expect(entry?.masterUsername).toBe('dbadmin');
    expect(entry?.rootPassword?.length).toBeGreaterThanOrEqual(24);
    expect(entry?.rootPassword).not.toBe(entry?.password);
    const info = await east.connectionInfo(SOURCE);
    const err = await mysql.createConnection({ host: info.host, port: info.port, user: 'root', password: '' }).then(
      async (c) => {
        await c.end();
        return undefined;
      },
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/Access denied/);
    // Nothing on disk but the secrets file carries a password.
    for (const name of await readdir(instanceDir(EAST, SOURCE))) {
      if (name === 'data') continue;
      const text = await readFile(join(instanceDir(EAST, SOURCE), name), 'utf8').catch(() => '');
      expect(text).not.toContain(entry!.password);
      expect(text).not.toContain(entry!.rootPassword!);
    }
  });

  it('is listed with the MariaDB label by `instances` and `status`', async () => {
    const c = new Chalk({ level: 0 });
    const list = await east.listInstances();
    const table = renderInstanceTable(list, c);
    expect(table).toMatch(/shop-db\s+mysql 8\.0 \(MariaDB 10\.11 standing in for MySQL 8\.0\)/);
    expect(renderInstanceDetail(await east.describeInstance(SOURCE), c)).toMatch(
      /^Engine\s+mysql 8\.0 \(MariaDB 10\.11 standing in for MySQL 8\.0\)$/m,
    );
  });
});

describe('local mysql snapshots: mariadb-backup, prepared and verified', () => {
  it('snapshot -> restore into a new instance -> the rows are there', async () => {
    // GIVEN a snapshot of the source
    const snap = await east.createSnapshot({ instanceId: SOURCE, snapshotId: 'shop-snap-1', tags: {} });
    expect(snap).toMatchObject({ status: 'available', engine: 'mysql', engineVersion: '8.0', instanceId: SOURCE });
    expect(snap.engineLabel).toMatch(LABEL);
    // It is prepared, and its manifest lists every file with a SHA-256
    const dir = snapshotDir(EAST, 'shop-snap-1');
    expect(await readFile(join(dir, 'backup', 'xtrabackup_checkpoints'), 'utf8')).toMatch(/^backup_type = log-applied$/m);
    const manifest = JSON.parse(await readFile(join(dir, 'mariadb-manifest.json'), 'utf8')) as {
      files: { path: string; sha256: string }[];
    };
    expect(manifest.files.map((f) => f.path)).toContain('shop/orders.ibd');
    expect(manifest.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256))).toBe(true);
    expect((await east.listSnapshots({ instanceId: SOURCE })).map((s) => s.id)).toContain('shop-snap-1');
    // AND a row written after the snapshot
    await rows(east, SOURCE, "INSERT INTO orders VALUES (4, 'sugar')");
    // WHEN it is restored into a new instance
    const restored = await east.restoreFromSnapshot({
      snapshotId: 'shop-snap-1',
      instanceId: 'shop-restored',
      instanceClass: 'db.t3.micro',
      publiclyAccessible: false,
      tags: {},
    });
    // THEN the new instance is a MariaDB of its own, with the rows of the snapshot (not the later one)
    expect(restored).toMatchObject({ engine: 'mysql', status: 'available', masterUsername: 'dbadmin', dbName: 'shop' });
    expect(restored.engineLabel).toMatch(LABEL);
    expect(restored.endpoint?.port).not.toBe((await east.describeInstance(SOURCE)).endpoint?.port);
    expect(await rows(east, 'shop-restored', 'SELECT id, item FROM orders ORDER BY id')).toEqual([
      { id: 1, item: 'flour' },
      { id: 2, item: 'yeast' },
      { id: 3, item: 'salt' },
    ]);
    const [check] = await rows(east, 'shop-restored', 'CHECK TABLE orders EXTENDED');
    expect(check?.Msg_text).toBe('OK');
  });

  it('copies a snapshot to another region, verified, and it restores there', async () => {
    const copy = await east.copySnapshot({
      snapshotId: 'shop-snap-1',
      targetSnapshotId: 'shop-snap-1-west',
      targetRegion: WEST,
      copyTags: true,
      tags: {},
    });
    expect(copy).toMatchObject({ status: 'available', engine: 'mysql', region: WEST, sourceRegion: EAST, sourceSnapshotId: 'shop-snap-1' });
    const west = east.forRegion(WEST);
    await west.restoreFromSnapshot({
      snapshotId: 'shop-snap-1-west',
      instanceId: 'shop-west',
      instanceClass: 'db.t3.micro',
      publiclyAccessible: false,
      tags: {},
    });
    expect(await rows(west, 'shop-west', 'SELECT COUNT(*) AS n FROM orders')).toEqual([{ n: 3 }]);
    await west.deleteInstance('shop-west', { skipFinalSnapshot: true });
    expect(await exists(instanceDir(WEST, 'shop-west'))).toBe(false);
  });

  it('finds a damaged snapshot file by verification: a failed check (exit 1), and nothing is restored', async () => {
    // GIVEN a copy of the snapshot whose table file has 16 bytes flipped
    await east.copySnapshot({ snapshotId: 'shop-snap-1', targetSnapshotId: 'shop-snap-bad', targetRegion: EAST, copyTags: true, tags: {} });
    const ibd = join(snapshotDir(EAST, 'shop-snap-bad'), 'backup', 'shop', 'orders.ibd');
    const bytes = await readFile(ibd);
    for (let i = 0; i < 16; i++) bytes[20000 + i] = bytes[20000 + i]! ^ 0xff;
    await writeFile(ibd, bytes);
    // WHEN it is restored
    const err = await caught(
      east.restoreFromSnapshot({
        snapshotId: 'shop-snap-bad',
        instanceId: 'shop-bad',
        instanceClass: 'db.t3.micro',
        publiclyAccessible: false,
        tags: {},
      }),
    );
    // THEN verification names the file; exit 1; no instance, no server
    expect(err).toBeInstanceOf(CheckFailed);
    expect(err.exitCode).toBe(1);
    expect(err.message).toBe("Snapshot shop-snap-bad is corrupt: shop/orders.ibd: its SHA-256 differs from the manifest's");
    expect(err.hint).toMatch(/Take a new snapshot/);
    expect(await exists(instanceDir(EAST, 'shop-bad'))).toBe(false);
    // AND a cross-region copy of it refuses too, leaving nothing in the target region
    const copyErr = await caught(
      east.copySnapshot({
        snapshotId: 'shop-snap-bad',
        targetSnapshotId: 'shop-snap-bad-west',
        targetRegion: WEST,
        copyTags: true,
        tags: {},
      }),
    );
    expect(copyErr).toBeInstanceOf(CheckFailed);
    expect((await readdir(join(home, 'local', WEST, 'snapshots'))).filter((n) => n.includes('bad'))).toEqual([]);
  });

  it('refuses a snapshot whose backup is not prepared', async () => {
    await east.copySnapshot({
      snapshotId: 'shop-snap-1',
      targetSnapshotId: 'shop-snap-unprepared',
      targetRegion: EAST,
      copyTags: true,
      tags: {},
    });
    const file = join(snapshotDir(EAST, 'shop-snap-unprepared'), 'backup', 'xtrabackup_checkpoints');
    await writeFile(file, (await readFile(file, 'utf8')).replace('log-applied', 'full-backuped'));
    const err = await caught(
      east.restoreFromSnapshot({
        snapshotId: 'shop-snap-unprepared',
        instanceId: 'shop-unprep',
        instanceClass: 'db.t3.micro',
        publiclyAccessible: false,
        tags: {},
      }),
    );
    expect(err).toBeInstanceOf(CheckFailed);
    expect(err.message).toMatch(
      /^Snapshot shop-snap-unprepared is corrupt: xtrabackup_checkpoints says backup_type full-backuped: the backup is not prepared/,
    );
  });
});

describe('local mysql: interrupts leave nothing', () => {
  it('an interrupt during a snapshot removes the snapshot and stops mariadb-backup', async () => {
    const stop = new AbortController();
    const provider = interruptible(stop.signal);
    const dir = snapshotDir(EAST, 'shop-snap-int');
    const running = provider.createSnapshot({ instanceId: SOURCE, snapshotId: 'shop-snap-int', tags: {} });
    running.catch(() => undefined);
    // WHEN Ctrl-C arrives while mariadb-backup writes the backup
    await until('mariadb-backup to run', async () => (await processesNaming(join(dir, '.partial'))).length > 0, running);
    stop.abort('SIGINT');
    const err = await caught(running);
    // THEN an interruption; no snapshot directory, no mariadb-backup, no secret
    expect(err).toBeInstanceOf(Interrupted);
    expect(await exists(dir)).toBe(false);
    expect(await processesNaming(dir)).toEqual([]);
    expect(await east.findSnapshot('shop-snap-int')).toBeUndefined();
    const secrets = await readFile(join(home, 'secrets.json'), 'utf8');
    expect(secrets).not.toContain(`${EAST}/shop-snap-int`);
    // AND the source still answers
    expect(await rows(east, SOURCE, 'SELECT COUNT(*) AS n FROM orders')).toEqual([{ n: 4 }]);
  });

  it('an interrupt during a restore removes the new instance and its server', async () => {
    const stop = new AbortController();
    const provider = interruptible(stop.signal);
    const dir = instanceDir(EAST, 'shop-int');
    const running = provider.restoreFromSnapshot({
      snapshotId: 'shop-snap-1',
      instanceId: 'shop-int',
      instanceClass: 'db.t3.micro',
      publiclyAccessible: false,
      tags: {},
    });
    running.catch(() => undefined);
    // WHEN Ctrl-C arrives once the copy-back has written the data directory
    await until('the copy-back to start', () => exists(join(dir, 'data')), running);
    stop.abort('SIGINT');
    const err = await caught(running);
    // THEN an interruption; no instance directory, no process working in it, no secret
    expect(err).toBeInstanceOf(Interrupted);
    expect(await exists(dir)).toBe(false);
    expect(processesUnder(dir)).toEqual([]);
    expect(await processesNaming(dir)).toEqual([]);
    expect(await east.findInstance('shop-int')).toBeUndefined();
    expect(await readFile(join(home, 'secrets.json'), 'utf8')).not.toContain(`${EAST}/shop-int`);
  });
});

describe('local mysql: an interrupted create leaves nothing', () => {
  it('an interrupt while mariadb-install-db runs removes the instance, its server and its secret', async () => {
    const stop = new AbortController();
    const provider = interruptible(stop.signal);
    const dir = instanceDir(EAST, 'shop-new');
    const running = provider.createInstance(mysqlInput('shop-new'));
    running.catch(() => undefined);
    await until('mariadb-install-db to run', async () => (await processesNaming(join(dir, 'data'))).length > 0, running);
    stop.abort('SIGINT');
    const err = await caught(running);
    expect(err).toBeInstanceOf(Interrupted);
    expect(await exists(dir)).toBe(false);
    expect(await processesNaming(dir)).toEqual([]);
    expect(processesUnder(dir)).toEqual([]);
    const secrets = JSON.parse(await readFile(join(home, 'secrets.json'), 'utf8')) as { instances: object };
    expect(Object.keys(secrets.instances)).not.toContain(`${EAST}/shop-new`);
  });
});

describe('local mysql: lifecycle', () => {
  it('stops, starts with its rows, reboots, and is deleted (final snapshot first) with its server, socket and secret', async () => {
    const pid = await serverPid(EAST, 'shop-restored');
    expect((await east.stopInstance('shop-restored')).status).toBe('stopped');
    expect(pidAlive(pid)).toBe(false);
    expect((await east.describeInstance('shop-restored')).status).toBe('stopped');
    expect((await east.startInstance('shop-restored')).status).toBe('available');
    expect(await rows(east, 'shop-restored', 'SELECT COUNT(*) AS n FROM orders')).toEqual([{ n: 3 }]);
    // A reboot restarts the server (a new process) and it answers again
    const pid2 = await serverPid(EAST, 'shop-restored');
    expect((await east.rebootInstance('shop-restored', { forceFailover: false })).status).toBe('available');
    const pid3 = await serverPid(EAST, 'shop-restored');
    expect(pid3).not.toBe(pid2);
    expect(pidAlive(pid2)).toBe(false);
    expect(await rows(east, 'shop-restored', 'SELECT COUNT(*) AS n FROM orders')).toEqual([{ n: 3 }]);
    // Deleted with a final snapshot: the snapshot is taken first and stays, prepared and verified
    await east.deleteInstance('shop-restored', { skipFinalSnapshot: false, finalSnapshotId: 'shop-restored-final' });
    expect(pidAlive(pid3)).toBe(false);
    expect(await east.describeSnapshot('shop-restored-final')).toMatchObject({
      status: 'available',
      engine: 'mysql',
      instanceId: 'shop-restored',
    });
    expect(await exists(instanceDir(EAST, 'shop-restored'))).toBe(false);
    const secrets = JSON.parse(await readFile(join(home, 'secrets.json'), 'utf8')) as { instances: object; snapshots: object };
    expect(Object.keys(secrets.instances)).not.toContain(`${EAST}/shop-restored`);
    expect(Object.keys(secrets.snapshots)).toContain(`${EAST}/shop-restored-final`);
  });

  it('refuses what local mysql instances do not have, in one sentence', async () => {
    const err = await caught(
      east.createReadReplica!({ sourceInstanceId: SOURCE, replicaId: 'shop-replica', instanceClass: 'db.t3.micro', tags: {} }),
    );
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(
      'Instance shop-db is a local mysql instance (MariaDB standing in for MySQL 8.0); a read replica is not available for it locally.',
    );
  });
});

describe('local mysql: bad input and a machine without MariaDB', () => {
  it('says exactly what to install when the MariaDB binaries are missing (exit 3), and leaves nothing', async () => {
    const empty = join(home, 'empty-mariadb-bin');
    await mkdir(empty, { recursive: true });
    const provider = localProvider(home, 'eu-west-1', { mariadbSearch: { binDir: empty, dirs: [] } });
    const err = await caught(provider.createInstance(mysqlInput('nomaria')));
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err.exitCode).toBe(3);
    expect(err.message).toBe(
      `The MariaDB binaries that run local mysql instances (mariadb-install-db, mariadbd, mariadb-backup) were not found in MARIADB_BIN ${empty}.`,
    );
    expect(err.hint).toContain('apt-get install mariadb-server mariadb-backup');
    const nowhere = localProvider(home, 'eu-west-1', { mariadbSearch: { dirs: [empty] } });
    const err2 = await caught(nowhere.createInstance(mysqlInput('nomaria')));
    expect(err2.message).toBe(
      'The MariaDB binaries that run local mysql instances (mariadb-install-db, mariadbd, mariadb-backup) were not found on this machine.',
    );
    expect(err2.hint).toContain('apt-get install mariadb-server mariadb-backup');
    expect(await exists(instanceDir('eu-west-1', 'nomaria'))).toBe(false);
  });

  it('refuses a MySQL version other than 8.0.x (exit 2)', async () => {
    const err = await caught(east.createInstance(instanceInput('my57', { engine: 'mysql', engineVersion: '5.7' })));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe('MySQL 5.7 was asked for, but local mysql instances are MariaDB standing in for MySQL 8.0.');
    expect(await exists(instanceDir(EAST, 'my57'))).toBe(false);
  });

  it('no error carried a password', async () => {
    const secrets = JSON.parse(await readFile(join(home, 'secrets.json'), 'utf8')) as {
      instances: Record<string, { password: string; rootPassword?: string }>;
    };
    const entry = secrets.instances[`${EAST}/${SOURCE}`]!;
    expect(seenErrors.length).toBeGreaterThan(3);
    for (const text of seenErrors) {
      expect(text).not.toContain(entry.password);
      expect(text).not.toContain(entry.rootPassword!);
    }
  });
});
