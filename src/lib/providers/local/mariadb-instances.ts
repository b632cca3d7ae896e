/**
 * The lifecycle of a local `mysql` instance: a MariaDB 10.11 server of its own standing in
 * for MySQL 8.0 (Debian 12 has no MySQL 8.0 server). Same records, secrets and statuses
 * as a PostgreSQL instance (instances.ts dispatches here on the record's engine); what
 * PostgreSQL-only features need (replicas, WAL archive, PITR, pgbouncer) is refused.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UsageError } from '../../errors.js';
import { Secret, registerSecret } from '../../secret.js';
import type { CreateInstanceInput, Instance } from '../types.js';
import { prepareMariaRegion, type RegionContext } from './context.js';
import {
  claimInstanceDir,
  describeInstance,
  instanceCredential,
  refuseFenced,
  requireInstance,
  updateInstance,
  writeInstance,
} from './instance-store.js';
import { checkMysqlVersion } from './mariadb-binaries.js';
import {
  checkAnswers,
  guardMariaServer,
  installDb,
  isServerRunning,
  mariaPaths,
  startServer,
  stopServer,
  writeServerConfig,
  type MariaPaths,
} from './mariadb-server.js';
import { giveTo } from './os-user.js';
import { assertPortFree, freePort } from './ports.js';
import { throwIfAborted } from './process.js';
import type { InstanceRecord } from './records.js';
import { removeTree } from './remove-tree.js';
import type { MariaToolbox } from './toolbox.js';

/** Whether a mysql instance's server runs (its pid file names a live mariadbd working in its data directory). */
export function mariaRunning(rc: RegionContext, id: string): Promise<boolean> {
  return isServerRunning(mariaPaths(rc.layout, id));
}

/** A generated root password (root@localhost, socket only): never shown, kept in the secrets file. */
function newRootPassword(): Secret {
  const pw = new Secret(randomBytes(24).toString('base64url'));
  registerSecret(pw);
  return pw;
}

/** Input checks that only concern a mysql instance (the common ones were made by the caller). */
export function validateMysqlCreate(input: CreateInstanceInput): void {
  checkMysqlVersion(input.engineVersion);
  if (input.masterUsername.toLowerCase() === 'root' || input.masterUsername.toLowerCase() === 'mysql') {
    throw new UsageError(
      `The master user of a mysql instance cannot be "${input.masterUsername}"; MariaDB keeps that account for itself.`,
      {
        hint: 'Choose another database.masterUsername, e.g. dbadmin.',
      },
    );
  }
}

/**
 * Undo of a half-made mysql instance (create, restore): kill its server, keep its log
 * under failed/, remove its directory, socket and secret. Best effort: an undo failure
 * never hides the error that caused it.
 */
export async function discardMaria(rc: RegionContext, p: MariaPaths): Promise<void> {
  await stopServer(p, { mode: 'immediate' }).catch(() => undefined);
  await keepLog(rc, p).catch(() => undefined);
  await Promise.all([
    removeTree(p.instanceDir).catch(() => undefined),
    rm(p.socket, { force: true }).catch(() => undefined),
    rc.shared.secrets.remove('instances', rc.region, p.id).catch(() => undefined),
  ]);
}

async function keepLog(rc: RegionContext, p: MariaPaths): Promise<void> {
  const kept = rc.layout.failedLog(p.id);
  await mkdir(dirname(kept), { recursive: true });
  await rename(p.log, kept);
}

/** Runs `work`; on failure (an interrupt included) discards the instance and rethrows. */
export async function orDiscardMaria<T>(rc: RegionContext, p: MariaPaths, work: () => Promise<T>): Promise<T> {
  const release = guardMariaServer(p);
  try {
    return await work();
  } catch (e) {
    await discardMaria(rc, p);
    throw e;
  } finally {
    release();
  }
}

export async function createMysqlInstance(
  rc: RegionContext,
  input: CreateInstanceInput,
  password: Secret,
  newRecord: (tb: MariaToolbox, port: number) => InstanceRecord,
): Promise<Instance> {
  validateMysqlCreate(input);
  const tb = await prepareMariaRegion(rc);
  if (input.port !== undefined) await assertPortFree(rc.shared.opts.home, input.port);
  const port = input.port ?? (await freePort(rc.shared.opts.home));
  const { id } = input;
  const signal = rc.shared.opts.signal;
  const p = mariaPaths(rc.layout, id);
  await claimInstanceDir(rc, id);
  await orDiscardMaria(rc, p, async () => {
    await giveTo(tb.runAs, p.instanceDir);
    await writeInstance(rc, newRecord(tb, port));
    const cred = { masterUsername: input.masterUsername, password, rootPassword: newRootPassword() };
    await rc.shared.secrets.put('instances', rc.region, id, cred);
    await installDb(tb, p, { ...cred, dbName: input.dbName }, signal);
    await writeServerConfig(tb, p, port);
    throwIfAborted(signal);
    await startServer(tb, p, { signal, keptLog: rc.layout.failedLog(id) });
    throwIfAborted(signal);
    await checkAnswers({ port, user: cred.masterUsername, password, database: input.dbName }, id);
    await updateInstance(rc, id, (r) => ({ ...r, status: 'available' }));
  });
  return describeInstance(rc, id);
}

/** Stops (clean shutdown, a kill if it will not stop) and removes the instance, its socket and its secret. */
export async function deleteMysqlInstance(rc: RegionContext, rec: InstanceRecord): Promise<void> {
  await prepareMariaRegion(rc);
  const p = mariaPaths(rc.layout, rec.id);
  await updateInstance(rc, rec.id, (r) => ({ ...r, status: 'deleting' }));
  await stopServer(p, { mode: 'immediate' });
  await Promise.all([removeTree(p.instanceDir), rm(p.socket, { force: true }), rc.shared.secrets.remove('instances', rc.region, rec.id)]);
}

async function settle(rc: RegionContext, id: string): Promise<void> {
  const running = await mariaRunning(rc, id);
  await updateInstance(rc, id, (r) => ({ ...r, status: running ? 'available' : 'stopped' }));
}

/** Starts a stopped mysql instance and waits until it answers its master user. */
export async function startMysqlInstance(rc: RegionContext, rec: InstanceRecord): Promise<Instance> {
  const tb = await prepareMariaRegion(rc);
  const p = mariaPaths(rc.layout, rec.id);
  if (!(await isServerRunning(p))) {
    refuseFenced(rec);
    await updateInstance(rc, rec.id, (r) => ({ ...r, status: 'starting' }));
    try {
      await startServer(tb, p);
      const cred = await instanceCredential(rc, rec.id);
      await checkAnswers({ port: rec.port, user: cred.masterUsername, password: cred.password, database: rec.dbName }, rec.id);
    } finally {
      await settle(rc, rec.id);
    }
  } else if (rec.status !== 'available') {
    await updateInstance(rc, rec.id, (r) => ({ ...r, status: 'available' }));
  }
  return describeInstance(rc, rec.id);
}

export async function stopMysqlInstance(rc: RegionContext, id: string): Promise<Instance> {
  await prepareMariaRegion(rc);
  await updateInstance(rc, id, (r) => ({ ...r, status: 'stopping' }));
  try {
    await stopServer(mariaPaths(rc.layout, id));
  } finally {
    await settle(rc, id);
  }
  return describeInstance(rc, id);
}

export async function rebootMysqlInstance(rc: RegionContext, id: string): Promise<Instance> {
  const rec = await requireInstance(rc, id);
  refuseFenced(rec);
  const tb = await prepareMariaRegion(rc);
  const p = mariaPaths(rc.layout, id);
  await updateInstance(rc, id, (r) => ({ ...r, status: 'rebooting' }));
  try {
    await stopServer(p);
    await startServer(tb, p);
  } finally {
    await settle(rc, id);
  }
  return describeInstance(rc, id);
}

/** One sentence for what only local PostgreSQL instances do (replicas, WAL archive, point-in-time restore, pgbouncer). */
export function mysqlUnsupported(id: string, what: string): UsageError {
  return new UsageError(
    `Instance ${id} is a local mysql instance (MariaDB standing in for MySQL 8.0); ${what} is not available for it locally.`,
    {
      hint: 'Use snapshots (dbops snapshot create / restore-test) locally, or the aws provider for this feature on MySQL.',
    },
  );
}
