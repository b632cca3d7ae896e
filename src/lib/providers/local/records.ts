/**
 * The JSON records the local provider keeps (instance.json, snapshot.json) and their
 * mapping to the port's Instance and Snapshot. Records hold no password: that lives
 * only in the 0600 secrets file.
 */
import type { FenceRecord } from '../failover-types.js';
import { TAG, type Engine, type Instance, type InstanceStatus, type RestoreFromSnapshotInput, type Snapshot, type Tags } from '../types.js';

export const LOCAL_HOST = '127.0.0.1';

/**
 * The server that really runs a local instance when it is not the engine named: a local
 * `mysql` instance is a MariaDB server (Debian 12 has no MySQL 8.0), recorded so that every
 * listing and report can say so.
 */
export interface StandInServer {
  product: 'MariaDB';
  /** `mariadbd --version`, e.g. "10.11.19". */
  version: string;
}

/** "MariaDB 10.11 standing in for MySQL 8.0": what `instances`, `status` and reports show. */
export function standInLabel(server: StandInServer, engineVersion: string): string {
  const minor = server.version.split('.').slice(0, 2).join('.');
  const mysql = engineVersion.split('.').slice(0, 2).join('.');
  return `${server.product} ${minor} standing in for MySQL ${mysql}`;
}

/** What a mysql snapshot holds besides the backup: how to prove it is whole and prepared. */
export interface MariaSnapshotInfo {
  /** SHA-256 of the snapshot's manifest (mariadb-manifest.json), which lists every file with its size and SHA-256. */
  manifestSha256: string;
}

/** instance.json: what an RDS instance would know about itself, plus the local port. */
export interface InstanceRecord {
  version: 1;
  id: string;
  region: string;
  engine: Engine;
  engineVersion: string;
  /** mysql: the MariaDB server standing in for MySQL (engineVersion is the MySQL version it stands in for). */
  server?: StandInServer;
  instanceClass: string;
  status: InstanceStatus;
  port: number;
  allocatedStorageGb: number;
  maxAllocatedStorageGb?: number;
  storageType: string;
  storageEncrypted: boolean;
  kmsKeyId?: string;
  multiAz: boolean;
  publiclyAccessible: boolean;
  deletionProtection: boolean;
  backupRetentionDays: number;
  backupWindow?: string;
  maintenanceWindow?: string;
  autoMinorVersionUpgrade: boolean;
  copyTagsToSnapshot: boolean;
  dbName: string;
  masterUsername: string;
  vpcSecurityGroupIds: string[];
  subnetGroup?: string;
  parameterGroup?: string;
  replicaSourceId?: string;
  replicaIds: string[];
  restoredFrom?: { region: string; snapshotId: string; pointInTime?: string; sourceInstanceId?: string };
  /**
   * Cross-region automated backup replication (snapshots.crossRegion.replicateAutomatedBackups):
   * its base backups and archived WAL are also kept in this region's backup area
   * (backup-replication.ts). Never inherited by a copy, a replica or a restore.
   */
  backupReplication?: { region: string };
  /** Set by a failover: this old primary must never take writes again (dbops refuses to start it). */
  fenced?: FenceRecord;
  /** A member of a local Aurora cluster (clusters.ts): the writer, or a reader streaming from it. */
  clusterId?: string;
  /** A cluster member's failover priority, 0 (first) to 15. */
  promotionTier?: number;
  tags: Tags;
  createdAt: string;
}

/** The WAL range a base backup needs, from its manifest. */
export interface SnapshotWal {
  timeline: number;
  startLsn: string;
  endLsn: string;
}

/** snapshot.json: the snapshot plus what a restore needs to rebuild the instance record. */
export interface SnapshotRecord {
  version: 1;
  id: string;
  region: string;
  instanceId: string;
  /** automated: a daily base backup taken by `dbops backup run` (pruned after backupRetentionDays). */
  type: 'manual' | 'automated';
  status: string;
  createdAt: string;
  /** When the base backup was complete (verified): a point-in-time restore from it reaches times after this. */
  completedAt?: string;
  /** The WAL the backup needs (backup_manifest's WAL-Ranges): where replay from the archive starts. */
  wal?: SnapshotWal;
  sizeBytes?: number;
  engine: Engine;
  engineVersion: string;
  /** mysql: the MariaDB server the backup was taken from (mariadb-backup; restored with the same major). */
  server?: StandInServer;
  /** mysql: the manifest that proves the prepared backup whole. */
  mariadb?: MariaSnapshotInfo;
  masterUsername: string;
  dbName: string;
  allocatedStorageGb: number;
  maxAllocatedStorageGb?: number;
  storageType: string;
  storageEncrypted: boolean;
  backupRetentionDays: number;
  copyTagsToSnapshot: boolean;
  sourceRegion?: string;
  sourceSnapshotId?: string;
  /** A cluster snapshot (a base backup of the cluster's writer, `instanceId`): the cluster it belongs to. */
  clusterId?: string;
  tags: Tags;
}

export function toInstance(r: InstanceRecord, status: InstanceStatus = r.status): Instance {
  return {
    id: r.id,
    engine: r.engine,
    engineVersion: r.engineVersion,
    ...(r.server ? { engineLabel: standInLabel(r.server, r.engineVersion) } : {}),
    instanceClass: r.instanceClass,
    status,
    endpoint: { host: LOCAL_HOST, port: r.port },
    region: r.region,
    allocatedStorageGb: r.allocatedStorageGb,
    maxAllocatedStorageGb: r.maxAllocatedStorageGb,
    storageType: r.storageType,
    storageEncrypted: r.storageEncrypted,
    kmsKeyId: r.kmsKeyId,
    multiAz: r.multiAz,
    publiclyAccessible: r.publiclyAccessible,
    deletionProtection: r.deletionProtection,
    backupRetentionDays: r.backupRetentionDays,
    preferredBackupWindow: r.backupWindow,
    preferredMaintenanceWindow: r.maintenanceWindow,
    masterUsername: r.masterUsername,
    dbName: r.dbName,
    createdAt: new Date(r.createdAt),
    vpcSecurityGroupIds: [...r.vpcSecurityGroupIds],
    subnetGroup: r.subnetGroup,
    replicaSourceId: r.replicaSourceId,
    replicaIds: [...r.replicaIds],
    ...(r.clusterId ? { clusterId: r.clusterId } : {}),
    tags: { ...r.tags },
  };
}

export function toSnapshot(r: SnapshotRecord): Snapshot {
  return {
    id: r.id,
    // A cluster snapshot is the cluster's, as on RDS (its writer is an implementation detail).
    instanceId: r.clusterId ?? r.instanceId,
    ...(r.clusterId ? { of: 'cluster' as const } : {}),
    type: r.type,
    status: r.status,
    createdAt: new Date(r.createdAt),
    sizeBytes: r.sizeBytes,
    encrypted: false,
    engine: r.engine,
    engineVersion: r.engineVersion,
    ...(r.server ? { engineLabel: standInLabel(r.server, r.engineVersion) } : {}),
    region: r.region,
    sourceRegion: r.sourceRegion,
    sourceSnapshotId: r.sourceSnapshotId,
    progressPercent: r.status === 'available' ? 100 : undefined,
    tags: { ...r.tags },
  };
}

/** Tags of everything dbops creates. */
export function managedTags(tags: Tags): Tags {
  return { ...tags, [TAG.managed]: 'true' };
}

/**
 * The record of an instance restored from `snap`: the snapshot's settings, the request's
 * class and network, a port of its own; `engine` says what runs it.
 */
export function restoredRecord(
  rc: { region: string; shared: { now(): Date } },
  snap: SnapshotRecord,
  input: RestoreFromSnapshotInput,
  port: number,
  engine: Pick<InstanceRecord, 'engine' | 'engineVersion' | 'server'>,
): InstanceRecord {
  return {
    version: 1,
    id: input.instanceId,
    region: rc.region,
    ...engine,
    instanceClass: input.instanceClass,
    status: 'creating',
    port,
    allocatedStorageGb: snap.allocatedStorageGb,
    maxAllocatedStorageGb: snap.maxAllocatedStorageGb,
    storageType: snap.storageType,
    storageEncrypted: snap.storageEncrypted,
    multiAz: input.multiAz ?? false,
    publiclyAccessible: input.publiclyAccessible,
    deletionProtection: false,
    backupRetentionDays: snap.backupRetentionDays,
    autoMinorVersionUpgrade: true,
    copyTagsToSnapshot: snap.copyTagsToSnapshot,
    dbName: snap.dbName,
    masterUsername: snap.masterUsername,
    vpcSecurityGroupIds: input.vpcSecurityGroupIds ?? [],
    subnetGroup: input.subnetGroup,
    replicaIds: [],
    restoredFrom: { region: rc.region, snapshotId: snap.id },
    tags: managedTags(input.tags),
    createdAt: rc.shared.now().toISOString(),
  };
}
