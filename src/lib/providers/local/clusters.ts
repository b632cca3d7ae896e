/**
 * Aurora clusters on the local provider (the port's ClusterApi). A local cluster is a
 * PostgreSQL primary (the writer) and its streaming replicas (the readers), each an
 * ordinary local instance whose instance.json names the cluster; the cluster itself is a
 * record and a pgbouncer:
 *
 *   $DBOPS_HOME/local/<region>/clusters/<id>/cluster.json   settings, capacity (recorded), a pending restore
 *   $DBOPS_HOME/local/<region>/poolers/<id>/                 the cluster endpoint: pgbouncer in front of the writer
 *
 * - roles come from the members' records: the writer is the member that replicates from
 *   nothing, the readers replicate from it;
 * - the cluster endpoint follows the writer (pgbouncer retargeted by a failover); the
 *   reader endpoint is the first reader in failover order (the writer when there is none);
 * - the serverless capacity range is recorded and shown, but nothing scales here;
 * - a cluster snapshot is a base backup of the writer recorded as the cluster's (every
 *   snapshot of a member is), so point-in-time restore and copies work as for instances;
 * - as RDS does, a restored cluster holds the data without an instance: the restore is
 *   recorded and carried out when its writer is added (createClusterInstance);
 * - failover: the failover port's steps (failover.ts): writes stopped, the reader caught
 *   up and promoted, the endpoint retargeted, the old writer fenced and rejoined as a reader.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, EnvironmentError, NotFoundError, UsageError } from '../../errors.js';
import { Secret, registerSecret } from '../../secret.js';
import {
  TAG,
  type Cluster,
  type ClusterApi,
  type ClusterMember,
  type ConnectionInfo,
  type CopySnapshotInput,
  type CreateClusterInput,
  type CreateClusterInstanceInput,
  type CreateClusterSnapshotInput,
  type DeleteInstanceInput,
  type Endpoint,
  type Instance,
  type ListClusterSnapshotsInput,
  type ModifyClusterInput,
  type RestoreClusterInput,
  type ServerlessCapacity,
  type Snapshot,
  type Tags,
  type WaitOptions,
} from '../types.js';
import { prepareRegion, type RegionContext } from './context.js';
import { LocalFailover } from './failover.js';
import { describeInstance, instanceCredential, listResourceDirs, readInstance, serverRunning, updateInstance } from './instance-store.js';
import { createInstance, startInstance } from './instances.js';
import { findPgbouncer, LocalPgbouncer, type PoolerRecord, poolersDir } from './pgbouncer.js';
import { restorableWindow, restoreToPointInTime } from './pitr.js';
import { LOCAL_HOST, managedTags, toSnapshot, type InstanceRecord } from './records.js';
import { createReadReplica } from './replicas.js';
import { restoreFromSnapshot } from './restore.js';
import type { MasterCredential } from './secrets.js';
import { clusterRecordSchema, DamagedStateError, parseState } from './state-schema.js';
import { readJson, updateJson, writeJsonAtomic, type StateCheck } from './state.js';
import * as snapshots from './snapshots.js';
import { validateInstanceId, validateSnapshotId, validateSqlName, validateTags } from './validate.js';
import { waitUntil, type Look } from './wait.js';

/** The RDS engine name a local cluster stands for. */
const RDS_ENGINE = 'aurora-postgresql';
/** Secrets-file key of a cluster's master credential (beside its instances'; `:` is no identifier character). */
const SECRET_PREFIX = 'cluster:';
/** How long a failover may wait for the reader to replay the writer's last WAL. */
const CATCH_UP_SECONDS = 60;
/** How long the cluster endpoint may take to pause (transactions finishing). */
const PAUSE_MS = 30_000;
/** The tag of a cluster's kept volume (a base backup no listing shows). */
const VOLUME_PURPOSE = 'cluster-volume';

function volumeId(clusterId: string): string {
  return `${clusterId}-volume`;
}

function isVolume(tags: Tags): boolean {
  return tags[TAG.purpose] === VOLUME_PURPOSE;
}

export type ClusterRestore =
  | { kind: 'snapshot'; snapshotId: string }
  | { kind: 'point-in-time'; sourceClusterId: string; time: string | 'latest' };

/** cluster.json */
export interface ClusterRecord {
  version: 1;
  id: string;
  region: string;
  engineVersion: string;
  status: string;
  /** Recorded and shown; nothing scales on this machine. */
  serverless: ServerlessCapacity;
  storageEncrypted: boolean;
  deletionProtection: boolean;
  backupRetentionDays: number;
  backupWindow?: string;
  maintenanceWindow?: string;
  copyTagsToSnapshot: boolean;
  dbName: string;
  masterUsername: string;
  vpcSecurityGroupIds: string[];
  subnetGroup?: string;
  /** The writer's port when it is created (CreateDBCluster's Port). */
  port?: number;
  /** A restored cluster before its writer exists: what the writer is restored from. */
  restoreFrom?: ClusterRestore;
  /**
   * A cluster whose last instance was deleted keeps its data, as Aurora's storage outlives
   * its instances: a base backup of the last writer (this snapshot id), which its next
   * writer is restored from and which becomes its final snapshot (or goes) when it is deleted.
   */
  volume?: string;
  tags: Tags;
  createdAt: string;
}

export function clustersDir(rc: RegionContext): string {
  return join(rc.layout.regionDir, 'clusters');
}

function clusterDir(rc: RegionContext, id: string): string {
  validateInstanceId(id);
  return join(clustersDir(rc), id);
}

function clusterJson(rc: RegionContext, id: string): string {
  return join(clusterDir(rc, id), 'cluster.json');
}

function checkCluster(id: string): StateCheck<ClusterRecord> {
  return (v, file) => parseState(clusterRecordSchema, file, v, id) as ClusterRecord;
}

export function readCluster(rc: RegionContext, id: string): Promise<ClusterRecord | undefined> {
  return readJson<ClusterRecord>(clusterJson(rc, id), checkCluster(id));
}

function clusterNotFound(rc: RegionContext, id: string): NotFoundError {
  return new NotFoundError(`No Aurora cluster ${id} in ${rc.region} (local provider).`, {
    hint: '`dbops instances clusters` lists them.',
  });
}

async function requireCluster(rc: RegionContext, id: string): Promise<ClusterRecord> {
  const rec = await readCluster(rc, id);
  if (!rec) throw clusterNotFound(rc, id);
  return rec;
}

async function updateCluster(rc: RegionContext, id: string, mutate: (r: ClusterRecord) => ClusterRecord): Promise<ClusterRecord> {
  const next = await updateJson<ClusterRecord>(clusterJson(rc, id), mutate, 0o644, checkCluster(id));
  if (!next) throw clusterNotFound(rc, id);
  return next;
}

/** The cluster's members (instance records naming it), writer first, then readers by failover order. */
export async function clusterMembers(rc: RegionContext, id: string): Promise<InstanceRecord[]> {
  const out: InstanceRecord[] = [];
  for (const name of await listResourceDirs(rc.layout.instancesDir)) {
    const rec = await readInstance(rc, name).catch((e: unknown) => {
      if (e instanceof DamagedStateError) return undefined;
      throw e;
    });
    if (rec?.clusterId === id) out.push(rec);
  }
  return out.sort((a, b) => roleOrder(a) - roleOrder(b) || (a.promotionTier ?? 1) - (b.promotionTier ?? 1) || a.id.localeCompare(b.id));
}

function isWriter(r: InstanceRecord): boolean {
  return !r.replicaSourceId && !r.fenced;
}

function roleOrder(r: InstanceRecord): number {
  return isWriter(r) ? 0 : 1;
}

/** The cluster endpoint's pgbouncer record (named after the cluster), when there is one. */
async function endpointPooler(rc: RegionContext, id: string): Promise<PoolerRecord | undefined> {
  return readJson<PoolerRecord>(join(poolersDir(rc), id, 'pooler.json')).catch(() => undefined);
}

function generatedPassword(input: CreateClusterInput): Secret {
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

function notAClusterSnapshot(id: string, of: string): UsageError {
  return new UsageError(
    `${id} is a snapshot of the DB instance ${of}, not a cluster snapshot: an Aurora cluster restores and copies only cluster snapshots.`,
    { hint: 'Pass a snapshot of the cluster (`dbops snapshot list` shows each snapshot with its database and kind).' },
  );
}

/** The error for a cluster snapshot where an instance snapshot was expected (the port's instance calls). */
export function notAnInstanceSnapshot(id: string, clusterId: string): UsageError {
  return new UsageError(
    `${id} is a snapshot of the Aurora cluster ${clusterId}, not a DB instance snapshot: instance snapshots and cluster snapshots are not interchangeable.`,
    { hint: 'Pass a snapshot of the instance (`dbops snapshot list` shows each snapshot with its database and kind).' },
  );
}

export class LocalClusters implements ClusterApi {
  constructor(private readonly rc: RegionContext) {}

  // ---- the cluster ----

  async #view(rec: ClusterRecord): Promise<Cluster> {
    const members = await clusterMembers(this.rc, rec.id);
    const writer = members.find(isWriter);
    const readers = members.filter((m) => !isWriter(m));
    const pooler = await endpointPooler(this.rc, rec.id);
    const at = (port: number): Endpoint => ({ host: LOCAL_HOST, port });
    const endpoint = pooler ? at(pooler.port) : writer ? at(writer.port) : undefined;
    const readerEndpoint = readers[0] ? at(readers[0].port) : writer ? at(writer.port) : undefined;
    const window = writer ? await restorableWindow(this.rc, writer.id).catch(() => undefined) : undefined;
    return {
      id: rec.id,
      engine: 'postgres',
      rdsEngine: RDS_ENGINE,
      engineVersion: writer?.engineVersion ?? rec.engineVersion,
      status: rec.status,
      region: rec.region,
      ...(endpoint ? { endpoint } : {}),
      ...(readerEndpoint ? { readerEndpoint } : {}),
      members: members.map(
        (m): ClusterMember => ({
          instanceId: m.id,
          role: isWriter(m) ? 'writer' : 'reader',
          ...(m.promotionTier !== undefined ? { promotionTier: m.promotionTier } : {}),
        }),
      ),
      serverless: { ...rec.serverless },
      storageEncrypted: rec.storageEncrypted,
      deletionProtection: rec.deletionProtection,
      backupRetentionDays: rec.backupRetentionDays,
      copyTagsToSnapshot: rec.copyTagsToSnapshot,
      ...(rec.backupWindow ? { preferredBackupWindow: rec.backupWindow } : {}),
      ...(rec.maintenanceWindow ? { preferredMaintenanceWindow: rec.maintenanceWindow } : {}),
      ...(window?.earliestRestorableTime ? { earliestRestorableTime: window.earliestRestorableTime } : {}),
      ...(window?.latestRestorableTime ? { latestRestorableTime: window.latestRestorableTime } : {}),
      masterUsername: rec.masterUsername,
      managedPassword: true,
      dbName: rec.dbName,
      createdAt: new Date(rec.createdAt),
      vpcSecurityGroupIds: [...rec.vpcSecurityGroupIds],
      ...(rec.subnetGroup ? { subnetGroup: rec.subnetGroup } : {}),
      tags: { ...rec.tags },
    };
  }

  async #claim(id: string): Promise<void> {
    await prepareRegion(this.rc);
    await mkdir(clustersDir(this.rc), { recursive: true, mode: 0o755 });
    try {
      await mkdir(clusterDir(this.rc, id), { mode: 0o755 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      throw new ConflictError(`Aurora cluster ${id} already exists in ${this.rc.region} (local provider).`, {
        hint: 'Choose another identifier, or delete it first.',
      });
    }
  }

  /** Writes the record and the credential of a new cluster; the directory goes again when that fails. */
  async #record(rec: ClusterRecord, cred: MasterCredential): Promise<Cluster> {
    try {
      await this.rc.shared.secrets.put('instances', this.rc.region, SECRET_PREFIX + rec.id, cred);
      await writeJsonAtomic(clusterJson(this.rc, rec.id), rec);
    } catch (e) {
      await this.#forget(rec.id);
      throw e;
    }
    return this.#view(rec);
  }

  async #forget(id: string): Promise<void> {
    await rm(clusterDir(this.rc, id), { recursive: true, force: true });
    await this.rc.shared.secrets.remove('instances', this.rc.region, SECRET_PREFIX + id);
  }

  async createCluster(input: CreateClusterInput): Promise<Cluster> {
    validateInstanceId(input.id);
    validateSqlName('user', input.masterUsername);
    validateSqlName('database', input.dbName);
    validateTags(input.tags);
    const password = generatedPassword(input);
    await this.#claim(input.id);
    return this.#record(
      {
        version: 1,
        id: input.id,
        region: this.rc.region,
        engineVersion: input.engineVersion,
        status: 'available',
        serverless: { ...input.serverless },
        storageEncrypted: input.storageEncrypted,
        deletionProtection: input.deletionProtection,
        backupRetentionDays: input.backupRetentionDays,
        backupWindow: input.backupWindow,
        maintenanceWindow: input.maintenanceWindow,
        copyTagsToSnapshot: input.copyTagsToSnapshot,
        dbName: input.dbName,
        masterUsername: input.masterUsername,
        vpcSecurityGroupIds: input.vpcSecurityGroupIds ?? [],
        subnetGroup: input.subnetGroup,
        ...(input.port !== undefined ? { port: input.port } : {}),
        tags: managedTags(input.tags),
        createdAt: this.rc.shared.now().toISOString(),
      },
      { masterUsername: input.masterUsername, password },
    );
  }

  /** RestoreDBClusterFromSnapshot / RestoreDBClusterToPointInTime: recorded now, carried out when the writer is added. */
  async restoreCluster(input: RestoreClusterInput): Promise<Cluster> {
    validateInstanceId(input.clusterId);
    validateTags(input.tags);
    const from = input.from;
    let base: Pick<
      ClusterRecord,
      'engineVersion' | 'dbName' | 'masterUsername' | 'storageEncrypted' | 'backupRetentionDays' | 'copyTagsToSnapshot'
    >;
    let cred: MasterCredential;
    let restoreFrom: ClusterRestore;
    if (from.kind === 'snapshot') {
      validateSnapshotId(from.snapshotId);
      await this.describeClusterSnapshot(from.snapshotId);
      const usable = await snapshots.usableSnapshot(this.rc, from.snapshotId);
      base = usable.snap;
      cred = usable.cred;
      restoreFrom = { kind: 'snapshot', snapshotId: from.snapshotId };
    } else {
      const source = await requireCluster(this.rc, from.sourceClusterId);
      const writer = await this.#writer(source.id, "a point-in-time restore replays its writer's WAL archive");
      base = source;
      cred = await instanceCredential(this.rc, writer.id);
      restoreFrom = {
        kind: 'point-in-time',
        sourceClusterId: source.id,
        time: from.time === 'latest' ? 'latest' : from.time.toISOString(),
      };
    }
    await this.#claim(input.clusterId);
    return this.#record(
      {
        version: 1,
        id: input.clusterId,
        region: this.rc.region,
        engineVersion: input.engineVersion ?? base.engineVersion,
        status: 'available',
        serverless: { ...input.serverless },
        storageEncrypted: base.storageEncrypted,
        deletionProtection: false,
        backupRetentionDays: base.backupRetentionDays,
        copyTagsToSnapshot: base.copyTagsToSnapshot,
        dbName: base.dbName,
        masterUsername: base.masterUsername,
        vpcSecurityGroupIds: input.vpcSecurityGroupIds ?? [],
        subnetGroup: input.subnetGroup,
        restoreFrom,
        tags: managedTags(input.tags),
        createdAt: this.rc.shared.now().toISOString(),
      },
      cred,
    );
  }

  async #writer(id: string, why: string): Promise<InstanceRecord> {
    const writer = (await clusterMembers(this.rc, id)).find(isWriter);
    if (!writer) {
      throw new UsageError(`Aurora cluster ${id} has no writer instance; ${why}.`, {
        hint: `Add its writer first (\`dbops provision apply\` creates it).`,
      });
    }
    return writer;
  }

  /** The first member is the writer (created, or restored from what the cluster records); later ones are readers. */
  async createClusterInstance(input: CreateClusterInstanceInput): Promise<Instance> {
    validateInstanceId(input.instanceId);
    validateTags(input.tags);
    const cluster = await requireCluster(this.rc, input.clusterId);
    const members = await clusterMembers(this.rc, cluster.id);
    const writer = members.find(isWriter);
    const id = input.instanceId;
    if (writer) {
      await createReadReplica(this.rc, {
        sourceInstanceId: writer.id,
        replicaId: id,
        instanceClass: input.instanceClass,
        publiclyAccessible: input.publiclyAccessible,
        tags: input.tags,
      });
    } else if (members.length > 0) {
      throw new EnvironmentError(`Aurora cluster ${cluster.id} has members but no writer (${members.map((m) => m.id).join(', ')}).`, {
        hint: `Fail over to a reader (\`dbops failover ${cluster.id}\`) or delete the members, then add the instance again.`,
      });
    } else {
      await this.#firstWriter(cluster, input);
    }
    await updateInstance(this.rc, id, (r) => ({
      ...r,
      clusterId: cluster.id,
      promotionTier: input.promotionTier ?? (writer ? 1 : 0),
      autoMinorVersionUpgrade: input.autoMinorVersionUpgrade,
    }));
    if (!writer) {
      if (cluster.restoreFrom) await updateCluster(this.rc, cluster.id, (r) => ({ ...r, restoreFrom: undefined, volume: undefined }));
      if (cluster.volume) await snapshots.deleteSnapshot(this.rc, cluster.volume);
      await this.#endpoint(cluster, id);
    }
    return describeInstance(this.rc, id);
  }

  async #firstWriter(cluster: ClusterRecord, input: CreateClusterInstanceInput): Promise<void> {
    const placement = {
      instanceId: input.instanceId,
      instanceClass: input.instanceClass,
      publiclyAccessible: input.publiclyAccessible,
      vpcSecurityGroupIds: cluster.vpcSecurityGroupIds,
      ...(cluster.subnetGroup ? { subnetGroup: cluster.subnetGroup } : {}),
      tags: input.tags,
    };
    const from = cluster.restoreFrom;
    if (from?.kind === 'snapshot') {
      await restoreFromSnapshot(this.rc, { ...placement, snapshotId: from.snapshotId });
      return;
    }
    if (from?.kind === 'point-in-time') {
      const source = await this.#writer(from.sourceClusterId, "a point-in-time restore replays its writer's WAL archive");
      await restoreToPointInTime(this.rc, {
        ...placement,
        sourceInstanceId: source.id,
        time: from.time === 'latest' ? 'latest' : new Date(from.time),
      });
      return;
    }
    const cred = await this.#credential(cluster.id);
    await createInstance(this.rc, {
      id: input.instanceId,
      engine: 'postgres',
      engineVersion: cluster.engineVersion,
      instanceClass: input.instanceClass,
      // Aurora storage grows by itself; nothing is allocated.
      allocatedStorageGb: 0,
      storageType: 'aurora',
      storageEncrypted: cluster.storageEncrypted,
      multiAz: false,
      publiclyAccessible: input.publiclyAccessible,
      deletionProtection: false,
      backupRetentionDays: cluster.backupRetentionDays,
      backupWindow: cluster.backupWindow ?? '03:00-04:00',
      maintenanceWindow: cluster.maintenanceWindow ?? 'sun:04:00-sun:05:00',
      autoMinorVersionUpgrade: input.autoMinorVersionUpgrade,
      copyTagsToSnapshot: cluster.copyTagsToSnapshot,
      dbName: cluster.dbName,
      masterUsername: cred.masterUsername,
      masterPassword: { kind: 'value', value: cred.password },
      vpcSecurityGroupIds: cluster.vpcSecurityGroupIds,
      ...(cluster.subnetGroup ? { subnetGroup: cluster.subnetGroup } : {}),
      ...(cluster.port !== undefined ? { port: cluster.port } : {}),
      tags: input.tags,
    });
  }

  async #credential(id: string): Promise<MasterCredential> {
    const cred = await this.rc.shared.secrets.get('instances', this.rc.region, SECRET_PREFIX + id);
    if (!cred) {
      throw new EnvironmentError(`The secrets file has no master password for Aurora cluster ${id} in ${this.rc.region}.`, {
        hint: `It should be in ${this.rc.shared.secrets.file}; was the file removed or replaced?`,
      });
    }
    return cred;
  }

  /** The cluster endpoint: pgbouncer (session pooling) in front of the writer, when pgbouncer is installed. */
  async #endpoint(cluster: ClusterRecord, writerId: string): Promise<void> {
    const binary = await findPgbouncer(this.rc.shared.opts.env);
    if (!binary) return;
    const pooler = new LocalPgbouncer(this.rc, binary);
    try {
      await pooler.ensure({
        name: cluster.id,
        targetId: writerId,
        poolMode: 'session',
        defaultPoolSize: 20,
        minPoolSize: 0,
        maxDbConnections: 0,
        reservePoolSize: 0,
        requireTls: false,
        tags: cluster.tags,
      });
    } finally {
      await pooler.release();
    }
  }

  async describeCluster(id: string): Promise<Cluster> {
    return this.#view(await requireCluster(this.rc, id));
  }

  async findCluster(id: string): Promise<Cluster | undefined> {
    const rec = await readCluster(this.rc, id);
    return rec ? this.#view(rec) : undefined;
  }

  async listClusters(): Promise<Cluster[]> {
    const out: Cluster[] = [];
    for (const id of await listResourceDirs(clustersDir(this.rc))) {
      const rec = await readCluster(this.rc, id);
      if (rec) out.push(await this.#view(rec));
    }
    return out;
  }

  /** The settings are recorded (capacity, retention, windows, protection); nothing else changes here. */
  async modifyCluster(id: string, input: ModifyClusterInput): Promise<Cluster> {
    const next = await updateCluster(this.rc, id, (r) => ({
      ...r,
      ...(input.serverless ? { serverless: { ...input.serverless } } : {}),
      ...(input.deletionProtection !== undefined ? { deletionProtection: input.deletionProtection } : {}),
      ...(input.backupRetentionDays !== undefined ? { backupRetentionDays: input.backupRetentionDays } : {}),
      ...(input.backupWindow !== undefined ? { backupWindow: input.backupWindow } : {}),
      ...(input.maintenanceWindow !== undefined ? { maintenanceWindow: input.maintenanceWindow } : {}),
      ...(input.copyTagsToSnapshot !== undefined ? { copyTagsToSnapshot: input.copyTagsToSnapshot } : {}),
      ...(input.vpcSecurityGroupIds !== undefined ? { vpcSecurityGroupIds: input.vpcSecurityGroupIds } : {}),
    }));
    return this.#view(next);
  }

  /** As RDS: its instances must be gone first. A local cluster holds no data of its own, so it has no final snapshot. */
  async deleteCluster(id: string, input: DeleteInstanceInput): Promise<void> {
    const rec = await requireCluster(this.rc, id);
    if (rec.deletionProtection) {
      throw new UsageError(`Aurora cluster ${id} has deletion protection on; dbops will not delete it.`, {
        hint: 'Turn deletion protection off first (`dbops provision apply` with environment other than production, or edit its cluster.json).',
      });
    }
    const members = await clusterMembers(this.rc, id);
    if (members.length > 0) {
      throw new ConflictError(`Aurora cluster ${id} still has instances (${members.map((m) => m.id).join(', ')}); delete them first.`, {
        hint: `dbops instances delete <id> --yes --skip-final-snapshot for each, readers first.`,
      });
    }
    if (!input.skipFinalSnapshot) {
      if (!input.finalSnapshotId) throw new UsageError(`Deleting Aurora cluster ${id} needs a final snapshot id (or skipFinalSnapshot).`);
      validateSnapshotId(input.finalSnapshotId);
      if (!rec.volume) {
        throw new UsageError(`Aurora cluster ${id} never held data (it never had a writer): there is nothing for a final snapshot.`, {
          hint: 'Delete it with --skip-final-snapshot.',
        });
      }
      if (await snapshots.readSnapshot(this.rc, input.finalSnapshotId)) throw snapshots.snapshotExists(this.rc, input.finalSnapshotId);
    }
    await updateCluster(this.rc, id, (r) => ({ ...r, status: 'deleting' }));
    if (rec.volume && (await snapshots.readSnapshot(this.rc, rec.volume))) {
      if (input.finalSnapshotId && !input.skipFinalSnapshot) await this.#volumeAsSnapshot(rec.volume, input.finalSnapshotId);
      else await snapshots.deleteSnapshot(this.rc, rec.volume);
    }
    await new LocalPgbouncer(this.rc, undefined).remove(id);
    await this.#forget(id);
  }

  /** The kept volume becomes the final cluster snapshot: renamed into place, with its password. */
  async #volumeAsSnapshot(volume: string, snapshotId: string): Promise<void> {
    const cred = await snapshots.usableSnapshot(this.rc, volume);
    await rename(this.rc.layout.snapshotDir(volume), this.rc.layout.snapshotDir(snapshotId));
    await updateJson(this.rc.layout.snapshotJson(snapshotId), (r: { id: string; tags: Tags }) => ({
      ...r,
      id: snapshotId,
      tags: { ...r.tags, [TAG.purpose]: 'final' },
    }));
    await this.rc.shared.secrets.put('snapshots', this.rc.region, snapshotId, cred.cred);
    await this.rc.shared.secrets.remove('snapshots', this.rc.region, volume);
  }

  /**
   * Before the last instance of a lasting cluster is deleted: its data is kept as the
   * cluster's volume (a base backup), as Aurora's storage outlives the cluster's instances.
   * Temporary clusters (restore tests, drills: dbops:expires-at) keep nothing.
   */
  async keepVolume(instanceId: string): Promise<void> {
    const rec = await readInstance(this.rc, instanceId);
    if (!rec?.clusterId || !isWriter(rec)) return;
    const cluster = await readCluster(this.rc, rec.clusterId);
    if (!cluster || cluster.status === 'deleting' || cluster.tags[TAG.expiresAt] !== undefined) return;
    if ((await clusterMembers(this.rc, cluster.id)).some((m) => m.id !== rec.id)) return;
    const snapshotId = volumeId(cluster.id);
    if (await snapshots.readSnapshot(this.rc, snapshotId)) await snapshots.deleteSnapshot(this.rc, snapshotId);
    // A base backup needs a running server: a stopped writer is started for it (as a final snapshot is).
    if (!(await serverRunning(this.rc, rec.id))) await startInstance(this.rc, rec.id);
    await snapshots.createSnapshot(this.rc, { instanceId: rec.id, snapshotId, tags: { [TAG.purpose]: VOLUME_PURPOSE } });
    await updateCluster(this.rc, cluster.id, (r) => ({ ...r, volume: snapshotId, restoreFrom: { kind: 'snapshot', snapshotId } }));
  }

  async waitForCluster(id: string, target: 'available' | 'deleted', opts: WaitOptions): Promise<Cluster | undefined> {
    return waitUntil(`Aurora cluster ${id} to be ${target}`, () => this.#look(id, target), opts);
  }

  async #look(id: string, target: 'available' | 'deleted'): Promise<Look<Cluster>> {
    const c = await this.findCluster(id);
    if (target === 'deleted') return c ? { status: c.status, done: false } : { status: 'deleted', done: true, value: undefined };
    if (!c) return { status: 'not-found', done: false, fatal: clusterNotFound(this.rc, id) };
    return c.status === 'available' ? { status: c.status, done: true, value: c } : { status: c.status, done: false };
  }

  /**
   * FailoverDBCluster locally, with the failover port's steps: the endpoint paused, the
   * writer stopped cleanly (its last WAL reaches the reader), the reader caught up and
   * promoted, the other readers repointed, the endpoint retargeted and resumed, the old
   * writer fenced, then rejoined as a reader (pg_rewind; it stays fenced if that fails).
   * A writer that is down is not waited for: the reader is promoted as it is.
   */
  async failoverCluster(id: string, targetInstanceId: string): Promise<Cluster> {
    await requireCluster(this.rc, id);
    const members = await clusterMembers(this.rc, id);
    const writer = members.find(isWriter);
    const target = members.find((m) => m.id === targetInstanceId);
    if (!writer) throw new EnvironmentError(`Aurora cluster ${id} has no writer to fail over from.`);
    if (!target || target.id === writer.id || target.replicaSourceId !== writer.id || target.fenced) {
      throw new UsageError(`${targetInstanceId} is not a reader of Aurora cluster ${id} streaming from its writer ${writer.id}.`, {
        hint: `\`dbops status ${id}\` shows its members.`,
      });
    }
    const binary = await findPgbouncer(this.rc.shared.opts.env);
    const fo = new LocalFailover(this.rc, binary);
    const pooler = (await endpointPooler(this.rc, id)) && fo.pooler ? fo.pooler : undefined;
    await updateCluster(this.rc, id, (r) => ({ ...r, status: 'failing-over' }));
    const runId = `failover-${randomBytes(4).toString('hex')}`;
    try {
      const planned = (await fo.role(writer.id)) === 'primary';
      if (planned) {
        await fo.prepare(writer.id, target.id);
        if (pooler) await pooler.pause(id, { timeoutMs: PAUSE_MS });
        const { lsn } = await fo.stopWrites(writer.id);
        await fo.waitForReplay(target.id, lsn, { maxWaitSeconds: CATCH_UP_SECONDS });
        await fo.demote(writer.id, target.id);
      }
      await fo.promote(target.id);
      for (const other of members) {
        if (other.id !== writer.id && other.id !== target.id && other.replicaSourceId === writer.id) await fo.repoint(other.id, target.id);
      }
      if (pooler) {
        await pooler.retarget(id, target.id, { maxWaitSeconds: CATCH_UP_SECONDS });
        await pooler.resume(id);
      }
      await fo.fence(writer.id, { at: this.rc.shared.now().toISOString(), runId, newPrimaryId: target.id });
      // Back as a reader, as Aurora's old writer comes back; still fenced when it cannot (a dbops start refuses it).
      if (planned) await fo.follow(writer.id, target.id).catch(() => undefined);
    } catch (e) {
      if (pooler) await pooler.resume(id).catch(() => undefined);
      throw e;
    } finally {
      await fo.close();
      await updateCluster(this.rc, id, (r) => ({ ...r, status: 'available' }));
    }
    return this.describeCluster(id);
  }

  /** The writer's instance id of cluster `id`; undefined when there is no such cluster or it has no writer. */
  async writerOf(id: string): Promise<string | undefined> {
    if (!(await readCluster(this.rc, id))) return undefined;
    return (await clusterMembers(this.rc, id)).find(isWriter)?.id;
  }

  /** Before the writer of a cluster with readers is deleted: a failover to the first reader, as Aurora does. */
  async handOverWriter(instanceId: string): Promise<void> {
    const rec = await readInstance(this.rc, instanceId);
    if (!rec?.clusterId || !isWriter(rec)) return;
    const reader = (await clusterMembers(this.rc, rec.clusterId)).find((m) => m.replicaSourceId === rec.id && !m.fenced);
    if (reader) await this.failoverCluster(rec.clusterId, reader.id);
  }

  /** Where and as whom to connect to the cluster: its endpoint (which follows the writer). */
  async connectionInfo(id: string): Promise<ConnectionInfo> {
    const cluster = await this.describeCluster(id);
    const writer = await this.#writer(id, 'its endpoint leads to nothing');
    if (!cluster.endpoint) throw new EnvironmentError(`Aurora cluster ${id} has no endpoint.`);
    const cred = await instanceCredential(this.rc, writer.id);
    return {
      host: cluster.endpoint.host,
      port: cluster.endpoint.port,
      user: cred.masterUsername,
      database: writer.dbName,
      password: cred.password,
      ssl: 'disable',
    };
  }

  // ---- cluster snapshots ----

  async createClusterSnapshot(input: CreateClusterSnapshotInput): Promise<Snapshot> {
    validateSnapshotId(input.snapshotId);
    await requireCluster(this.rc, input.clusterId);
    const writer = await this.#writer(input.clusterId, 'a local cluster snapshot is a base backup of its writer');
    // The writer's snapshot records its cluster (newSnapshotRecord): it is the cluster's.
    return snapshots.createSnapshot(this.rc, { instanceId: writer.id, snapshotId: input.snapshotId, tags: input.tags });
  }

  async describeClusterSnapshot(id: string): Promise<Snapshot> {
    const rec = await snapshots.readSnapshot(this.rc, id);
    if (!rec) {
      throw new NotFoundError(`No cluster snapshot ${id} in ${this.rc.region} (local provider).`, {
        hint: '`dbops snapshot list` lists them.',
      });
    }
    if (!rec.clusterId) throw notAClusterSnapshot(id, rec.instanceId);
    return toSnapshot(rec);
  }

  async findClusterSnapshot(id: string): Promise<Snapshot | undefined> {
    const rec = await snapshots.readSnapshot(this.rc, id);
    return rec?.clusterId ? toSnapshot(rec) : undefined;
  }

  async listClusterSnapshots(input: ListClusterSnapshotsInput = {}): Promise<Snapshot[]> {
    const recs = await snapshots.listSnapshotRecords(this.rc, input.type ? { type: input.type } : {});
    return recs
      .filter((r) => r.clusterId && !isVolume(r.tags) && (input.clusterId === undefined || r.clusterId === input.clusterId))
      .map(toSnapshot);
  }

  async deleteClusterSnapshot(id: string): Promise<void> {
    await this.describeClusterSnapshot(id);
    await snapshots.deleteSnapshot(this.rc, id);
  }

  async copyClusterSnapshot(input: CopySnapshotInput): Promise<Snapshot> {
    await this.describeClusterSnapshot(input.snapshotId);
    return snapshots.copySnapshot(this.rc, input);
  }

  async waitForClusterSnapshot(id: string, target: 'available' | 'deleted', opts: WaitOptions): Promise<Snapshot | undefined> {
    return waitUntil(
      `cluster snapshot ${id} to be ${target}`,
      async (): Promise<Look<Snapshot>> => {
        const s = await this.findClusterSnapshot(id);
        if (target === 'deleted') return s ? { status: s.status, done: false } : { status: 'deleted', done: true, value: undefined };
        if (!s)
          return {
            status: 'not-found',
            done: false,
            fatal: await this.describeClusterSnapshot(id).then(
              () => new Error(id),
              (e: Error) => e,
            ),
          };
        if (s.status === 'available') return { status: s.status, done: true, value: s };
        if (s.status === 'failed') return { status: s.status, done: false, fatal: new EnvironmentError(`Cluster snapshot ${id} failed.`) };
        return { status: s.status, done: false };
      },
      opts,
    );
  }

  async tagClusterSnapshot(id: string, tags: Tags): Promise<void> {
    await this.describeClusterSnapshot(id);
    await snapshots.tagSnapshot(this.rc, id, tags);
  }
}
