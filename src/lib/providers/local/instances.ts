/**
 * Instance lifecycle on the local provider: create (initdb + start + first database),
 * delete (optional final snapshot, stop, remove), reboot (restart, or start a stopped
 * one), tags.
 */
import { randomBytes } from 'node:crypto';
import { ConflictError, EnvironmentError, UsageError } from '../../errors.js';
import { Secret, registerSecret } from '../../secret.js';
import type { CreateInstanceInput, DeleteInstanceInput, Instance } from '../types.js';
import { checkEngineVersion } from './binaries.js';
import { configureCluster, createDatabase, initCluster, startCluster, stopCluster, restartCluster, guardStartedServer } from './cluster.js';
import { throwIfAborted } from './process.js';
import { prepareRegion, type RegionContext } from './context.js';
import {
  claimInstanceDir,
  describeInstance,
  forgetReplica,
  instanceCredential,
  readInstance,
  refuseFenced,
  requireInstance,
  serverRunning,
  updateInstance,
  writeInstance,
} from './instance-store.js';
import { giveTo } from './os-user.js';
import { LocalPgbouncer } from './pgbouncer.js';
import { assertPortFree, freePort } from './ports.js';
import { managedTags, type InstanceRecord, type StandInServer } from './records.js';
import {
  createMysqlInstance,
  deleteMysqlInstance,
  rebootMysqlInstance,
  startMysqlInstance,
  stopMysqlInstance,
} from './mariadb-instances.js';
import { snapshotMysqlInstance } from './mariadb-snapshots.js';
import { promoteReadReplica } from './replicas.js';
import { removeTree } from './remove-tree.js';
import { orDiscard } from './rollback.js';
import { deleteSnapshot, listSnapshotRecords, readSnapshot, snapshotInstance } from './snapshots.js';
import { validateInstanceId, validateSnapshotId, validateSqlName, validateTags } from './validate.js';
import { instanceSettings, refreshArchiveSettings } from './wal-archive.js';

function validateCreate(input: CreateInstanceInput): void {
  validateInstanceId(input.id);
  if (input.engine !== 'postgres' && input.engine !== 'mysql') {
    throw new UsageError(`The local provider runs PostgreSQL and MySQL (as MariaDB) only, not ${String(input.engine)}.`, {
      hint: 'Use engine postgres or mysql, or the aws provider for other engines.',
    });
  }
  validateSqlName('user', input.masterUsername);
  validateSqlName('database', input.dbName);
  validateTags(input.tags);
}

/** A generated (URL-safe, 192 bits) or given password; a given one must survive initdb's one-line pwfile. */
function masterPassword(input: CreateInstanceInput): Secret {
  const pw = input.masterPassword.kind === 'value' ? input.masterPassword.value : new Secret(randomBytes(24).toString('base64url'));
  const value = pw.reveal();
  if (value.length < 8 || value.length > 128 || /[\r\n\0]/.test(value)) {
    throw new UsageError('The master password must be 8–128 characters with no line breaks.', {
      hint: 'Use masterPassword { kind: "managed" } to have dbops generate one.',
    });
  }
  registerSecret(pw);
  return pw;
}

/**
 * A new instance's record. PostgreSQL records the binaries' version; a mysql instance the
 * MySQL version asked for, and the MariaDB server that stands in for it.
 */
function newRecord(
  rc: RegionContext,
  input: CreateInstanceInput,
  port: number,
  engine: { engineVersion: string; server?: StandInServer },
): InstanceRecord {
  return {
    version: 1,
    id: input.id,
    region: rc.region,
    engine: input.engine,
    ...engine,
    instanceClass: input.instanceClass,
    status: 'creating',
    port,
    allocatedStorageGb: input.allocatedStorageGb,
    maxAllocatedStorageGb: input.maxAllocatedStorageGb,
    storageType: input.storageType,
    storageEncrypted: input.storageEncrypted,
    kmsKeyId: input.kmsKeyId,
    multiAz: input.multiAz,
    publiclyAccessible: input.publiclyAccessible,
    deletionProtection: input.deletionProtection,
    backupRetentionDays: input.backupRetentionDays,
    backupWindow: input.backupWindow,
    maintenanceWindow: input.maintenanceWindow,
    autoMinorVersionUpgrade: input.autoMinorVersionUpgrade,
    copyTagsToSnapshot: input.copyTagsToSnapshot,
    dbName: input.dbName,
    masterUsername: input.masterUsername,
    vpcSecurityGroupIds: input.vpcSecurityGroupIds ?? [],
    subnetGroup: input.subnetGroup,
    parameterGroup: input.parameterGroup,
    replicaIds: [],
    tags: managedTags(input.tags),
    createdAt: rc.shared.now().toISOString(),
  };
}

export async function createInstance(rc: RegionContext, input: CreateInstanceInput): Promise<Instance> {
  validateCreate(input);
  const password = masterPassword(input);
  if (input.engine === 'mysql') {
    return createMysqlInstance(rc, input, password, (tb, port) =>
      newRecord(rc, input, port, { engineVersion: input.engineVersion, server: { product: 'MariaDB', version: tb.bins.version } }),
    );
  }
  const tb = await prepareRegion(rc);
  checkEngineVersion(tb.bins, input.engineVersion);
  if (input.port !== undefined) await assertPortFree(rc.shared.opts.home, input.port);
  const port = input.port ?? (await freePort(rc.shared.opts.home));
  const { id } = input;
  const { layout } = rc;
  const signal = rc.shared.opts.signal;
  await claimInstanceDir(rc, id);
  const release = guardStartedServer(layout.dataDir(id));
  await orDiscard(rc, tb, id, async () => {
    await giveTo(tb.runAs, layout.instanceDir(id));
    await writeInstance(rc, newRecord(rc, input, port, { engineVersion: tb.bins.version }));
    const cred = { masterUsername: input.masterUsername, password };
    await rc.shared.secrets.put('instances', rc.region, id, cred);
    await initCluster(tb, { id, instanceDir: layout.instanceDir(id), dataDir: layout.dataDir(id), ...cred, signal });
    await configureCluster(
      tb,
      layout.dataDir(id),
      await instanceSettings(rc, tb, { id, port, backupRetentionDays: input.backupRetentionDays }),
    );
    await startCluster(tb, id, layout.dataDir(id), layout.logFile(id), layout.failedLog(id), signal);
    throwIfAborted(signal);
    await createDatabase({ port, user: input.masterUsername, password, database: 'postgres' }, input.dbName);
    await updateInstance(rc, id, (r) => ({ ...r, status: 'available' }));
  }).finally(release);
  return describeInstance(rc, id);
}

function checkDeletable(rec: InstanceRecord, input: DeleteInstanceInput): void {
  if (rec.deletionProtection) {
    throw new UsageError(`Instance ${rec.id} has deletion protection on; dbops will not delete it.`, {
      hint: 'Turn deletion protection off first (local provider: set deletionProtection to false in its instance.json).',
    });
  }
  if (!input.skipFinalSnapshot) {
    if (!input.finalSnapshotId) {
      throw new UsageError(`Deleting instance ${rec.id} needs a final snapshot id (or skipFinalSnapshot).`);
    }
    validateSnapshotId(input.finalSnapshotId);
  }
}

export async function deleteInstance(rc: RegionContext, id: string, input: DeleteInstanceInput): Promise<void> {
  let rec = await requireInstance(rc, id);
  checkDeletable(rec, input);
  if (input.finalSnapshotId && !input.skipFinalSnapshot && (await readSnapshot(rc, input.finalSnapshotId))) {
    throw new ConflictError(`Snapshot ${input.finalSnapshotId} already exists in ${rc.region} (local provider).`, {
      hint: 'Choose another final snapshot identifier.',
    });
  }
  if (rec.engine === 'mysql') {
    if (!input.skipFinalSnapshot && input.finalSnapshotId) await finalSnapshot(rc, rec, input.finalSnapshotId);
    return deleteMysqlInstance(rc, rec);
  }
  const tb = await prepareRegion(rc);
  if (!input.skipFinalSnapshot && input.finalSnapshotId) await finalSnapshot(rc, rec, input.finalSnapshotId);
  // As on RDS, deleting a source promotes its read replicas to standalone instances.
  for (const replicaId of rec.replicaIds) {
    if (await readInstance(rc, replicaId)) await promoteReadReplica(rc, replicaId);
  }
  rec = await updateInstance(rc, id, (r) => ({ ...r, status: 'deleting' }));
  // The connection pool in front of it goes with it (its only target).
  await new LocalPgbouncer(rc, undefined).removeFor(id);
  // Whatever state the server is in (running, hung, killed, never started): stopped, then removed.
  await stopCluster(tb, id, rc.layout.dataDir(id), { mode: 'immediate' });
  // The directory and the secret are independent: removed at the same time.
  await Promise.all([removeTree(rc.layout.instanceDir(id)), rc.shared.secrets.remove('instances', rc.region, id)]);
  await removeAutomatedBackups(rc, id);
  if (rec.replicaSourceId) await forgetReplica(rc, rec.replicaSourceId, id);
}

/**
 * As RDS deletes an instance's automated backups with it (DeleteAutomatedBackups): its
 * automated snapshots, which need its archive, and its WAL archive. Manual snapshots
 * (the final one included) carry their own WAL and stay.
 */
async function removeAutomatedBackups(rc: RegionContext, id: string): Promise<void> {
  for (const snap of await listSnapshotRecords(rc, { instanceId: id, type: 'automated' })) await deleteSnapshot(rc, snap.id);
  await removeTree(rc.layout.walArchiveDir(id));
}

/** A final snapshot needs a running server: a stopped instance is started for it. */
async function finalSnapshot(rc: RegionContext, rec: InstanceRecord, snapshotId: string): Promise<void> {
  if (rec.engine === 'mysql') {
    await startMysqlInstance(rc, rec);
    await snapshotMysqlInstance(rc, rec, await instanceCredential(rc, rec.id), snapshotId, {});
    return;
  }
  const tb = await prepareRegion(rc);
  if (!(await serverRunning(rc, rec.id))) {
    refuseFenced(rec);
    await startCluster(tb, rec.id, rc.layout.dataDir(rec.id), rc.layout.logFile(rec.id));
  }
  const cred = await instanceCredential(rc, rec.id);
  await snapshotInstance(rc, tb, rec, cred, snapshotId, {});
}

export async function rebootInstance(rc: RegionContext, id: string, opts: { forceFailover: boolean }): Promise<Instance> {
  if (opts.forceFailover) {
    throw new UsageError('The local provider has no Multi-AZ standby to fail over to.', {
      hint: 'Create a read replica and promote it: dbops failover',
    });
  }
  const rec = await requireInstance(rc, id);
  if (rec.engine === 'mysql') return rebootMysqlInstance(rc, id);
  refuseFenced(rec);
  const tb = await prepareRegion(rc);
  await refreshArchiveSettings(rc, tb, rec);
  await updateInstance(rc, id, (r) => ({ ...r, status: 'rebooting' }));
  try {
    await restartCluster(tb, id, rc.layout.dataDir(id), rc.layout.logFile(id));
  } finally {
    const running = await serverRunning(rc, id);
    await updateInstance(rc, id, (r) => ({ ...r, status: running ? 'available' : 'stopped' }));
  }
  return describeInstance(rc, id);
}

/** Starts a stopped local instance (pg_ctl start); a running one is left as it is. */
export async function startInstance(rc: RegionContext, id: string): Promise<Instance> {
  const rec = await requireInstance(rc, id);
  if (rec.status === 'deleting' || rec.status === 'creating') {
    throw new EnvironmentError(`Instance ${id} is ${rec.status}; it cannot be started.`, {
      hint:
        rec.status === 'creating'
          ? 'A run may still be creating it; if none is, delete it: dbops instances delete ' + id + ' --yes --skip-final-snapshot'
          : 'Finish the deletion: dbops instances delete ' + id + ' --yes --skip-final-snapshot',
    });
  }
  if (rec.engine === 'mysql') return startMysqlInstance(rc, rec);
  const tb = await prepareRegion(rc);
  if (!(await serverRunning(rc, id))) {
    // Instances made before WAL archiving existed get it here (archive_mode needs a start).
    await refreshArchiveSettings(rc, tb, rec);
    await updateInstance(rc, id, (r) => ({ ...r, status: 'starting' }));
    try {
      await startCluster(tb, id, rc.layout.dataDir(id), rc.layout.logFile(id));
    } finally {
      const running = await serverRunning(rc, id);
      await updateInstance(rc, id, (r) => ({ ...r, status: running ? 'available' : 'stopped' }));
    }
  } else if (rec.status !== 'available') {
    await updateInstance(rc, id, (r) => ({ ...r, status: 'available' }));
  }
  return describeInstance(rc, id);
}

/** Stops a local instance (pg_ctl stop -m fast; immediate and then a kill if it will not stop). */
export async function stopInstance(rc: RegionContext, id: string): Promise<Instance> {
  const rec = await requireInstance(rc, id);
  if (rec.engine === 'mysql') return stopMysqlInstance(rc, id);
  const tb = await prepareRegion(rc);
  await updateInstance(rc, id, (r) => ({ ...r, status: 'stopping' }));
  try {
    await stopCluster(tb, id, rc.layout.dataDir(id));
  } finally {
    const running = await serverRunning(rc, id);
    await updateInstance(rc, id, (r) => ({ ...r, status: running ? 'available' : 'stopped' }));
  }
  return describeInstance(rc, id);
}
