/**
 * Read replicas are streaming standbys (`pg_basebackup -R -X stream`), and promotion is
 * a real `pg_ctl promote`. The standby's password lives in a libpq passfile beside
 * PGDATA, not in primary_conninfo, so no backup of the replica ever carries it.
 */
import { rm, writeFile } from 'node:fs/promises';
import { UsageError } from '../../errors.js';
import type { CreateReadReplicaInput, Instance } from '../types.js';
import { configureCluster, isRunning, promoteCluster, setAutoConf, startCluster } from './cluster.js';
import { instanceSettings } from './wal-archive.js';
import { prepareRegion, type RegionContext } from './context.js';
import {
  claimInstanceDir,
  describeInstance,
  forgetReplica,
  instanceCredential,
  readInstance,
  refuseFenced,
  requireInstance,
  requireRunning,
  updateInstance,
  writeInstance,
} from './instance-store.js';
import { giveTo } from './os-user.js';
import { freePort } from './ports.js';
import { LOCAL_HOST, managedTags, type InstanceRecord } from './records.js';
import { orDiscard } from './rollback.js';
import type { MasterCredential } from './secrets.js';
import { takeStandbyBackup } from './snapshot.js';
import type { Toolbox } from './toolbox.js';
import { validateInstanceId, validateTags } from './validate.js';
import { mysqlUnsupported } from './mariadb-instances.js';

/** A libpq conninfo value, quoted when it has anything but plain characters. */
export function conninfoValue(v: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(v) ? v : `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A .pgpass field: backslash and colon escaped. */
function pgpassField(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
}

export async function writePassFile(tb: Toolbox, file: string, port: number, cred: MasterCredential): Promise<void> {
  const line = [LOCAL_HOST, String(port), '*', cred.masterUsername, cred.password.reveal()].map(pgpassField).join(':');
  await rm(file, { force: true });
  await writeFile(file, `${line}\n`, { mode: 0o600, flag: 'wx' });
  await giveTo(tb.runAs, file);
}

function replicaRecord(rc: RegionContext, src: InstanceRecord, input: CreateReadReplicaInput, port: number): InstanceRecord {
  return {
    ...src,
    id: input.replicaId,
    status: 'creating',
    port,
    instanceClass: input.instanceClass ?? src.instanceClass,
    publiclyAccessible: input.publiclyAccessible ?? src.publiclyAccessible,
    multiAz: false,
    deletionProtection: false,
    replicaSourceId: src.id,
    replicaIds: [],
    restoredFrom: undefined,
    backupReplication: undefined,
    tags: managedTags(input.tags),
    createdAt: rc.shared.now().toISOString(),
  };
}

export async function createReadReplica(rc: RegionContext, input: CreateReadReplicaInput): Promise<Instance> {
  validateInstanceId(input.replicaId);
  validateTags(input.tags);
  const src = await requireInstance(rc, input.sourceInstanceId);
  if (src.engine === 'mysql') throw mysqlUnsupported(src.id, 'a read replica');
  const tb = await prepareRegion(rc);
  await requireRunning(rc, src, 'a read replica is copied from the running server');
  const cred = await instanceCredential(rc, src.id);
  const port = await freePort(rc.shared.opts.home);
  const id = input.replicaId;
  await claimInstanceDir(rc, id);
  await orDiscard(rc, tb, id, async () => {
    await giveTo(tb.runAs, rc.layout.instanceDir(id));
    await writeInstance(rc, replicaRecord(rc, src, input, port));
    await rc.shared.secrets.put('instances', rc.region, id, cred);
    await takeStandbyBackup(tb, { instanceId: src.id, port: src.port, cred }, rc.layout.dataDir(id), id);
    await writePassFile(tb, rc.layout.passFile(id), src.port, cred);
    await configureCluster(tb, rc.layout.dataDir(id), {
      // A standby does not archive (archive_mode on); promoted, it archives into its own archive.
      ...(await instanceSettings(rc, tb, { id, port, backupRetentionDays: src.backupRetentionDays })),
      ...standbySettings(rc, id, src, cred),
    });
    await startCluster(tb, id, rc.layout.dataDir(id), rc.layout.logFile(id), rc.layout.failedLog(id));
    await updateInstance(rc, id, (r) => ({ ...r, status: 'available' }));
    await updateInstance(rc, src.id, (r) => ({ ...r, replicaIds: [...r.replicaIds.filter((x) => x !== id), id] }));
  });
  return describeInstance(rc, id);
}

/** primary_conninfo without a password (pg_basebackup -R put one there): the passfile has it. */
export function standbySettings(rc: RegionContext, id: string, src: InstanceRecord, cred: MasterCredential): Record<string, string> {
  const conninfo = [
    `host=${LOCAL_HOST}`,
    `port=${src.port}`,
    `user=${conninfoValue(cred.masterUsername)}`,
    `passfile=${conninfoValue(rc.layout.passFile(id))}`,
    `application_name=${conninfoValue(id)}`,
  ].join(' ');
  return { primary_conninfo: conninfo };
}

export async function promoteReadReplica(rc: RegionContext, id: string): Promise<Instance> {
  const rec = await requireInstance(rc, id);
  if (!rec.replicaSourceId) {
    throw new UsageError(`Instance ${id} is not a read replica; there is nothing to promote.`, {
      hint: 'dbops instances shows which instances are replicas.',
    });
  }
  refuseFenced(rec);
  const tb = await prepareRegion(rc);
  const dataDir = rc.layout.dataDir(id);
  if (!(await isRunning(tb, dataDir))) await startCluster(tb, id, dataDir, rc.layout.logFile(id));
  await promoteCluster(tb, id, dataDir);
  await setAutoConf(tb, dataDir, { primary_conninfo: undefined });
  await rm(rc.layout.passFile(id), { force: true });
  await updateInstance(rc, id, (r) => ({ ...r, status: 'available', replicaSourceId: undefined }));
  if (await readInstance(rc, rec.replicaSourceId)) await forgetReplica(rc, rec.replicaSourceId, id);
  return describeInstance(rc, id);
}
