/**
 * The Provider port: everything dbops' domain code may ask of "the cloud".
 *
 * Domain code (snapshots, restore tests, drills, provisioning) depends only on this
 * interface, so the same commands and runbooks run on AWS (`providers/aws/`, the AWS
 * SDK v3) and on this machine (`providers/local/`, real PostgreSQL clusters). Only the
 * aws adapter imports `@aws-sdk/*`; only the local adapter spawns PostgreSQL binaries.
 *
 * Conventions every adapter keeps:
 * - "not found" is a `NotFoundError`, a name clash a `ConflictError`, anything the
 *   machine or cloud refuses an `EnvironmentError` (see src/lib/errors.ts);
 * - everything created carries the tags it was given plus `dbops:managed=true`;
 * - waits honour `WaitOptions.maxWaitSeconds` and `signal`, and report progress.
 */
import type { Secret } from '../secret.js';

export type ProviderName = 'aws' | 'local';

/** Tags as a plain map; adapters convert to their own shape (RDS: [{Key, Value}]). */
export type Tags = Record<string, string>;

/** Tag keys dbops writes (design.md, Providers). */
export const TAG = {
  managed: 'dbops:managed',
  runId: 'dbops:run-id',
  purpose: 'dbops:purpose',
  expiresAt: 'dbops:expires-at',
  sourceInstance: 'dbops:source-instance',
  sourceSnapshot: 'dbops:source-snapshot',
} as const;

export type Engine = 'postgres' | 'mysql';

/**
 * A database is an instance or a cluster (design.md): an RDS instance, or an Aurora
 * cluster whose instances (a writer and readers) share one storage volume.
 */
export type DatabaseKind = 'instance' | 'cluster';

/** The config's `database.engine`: an instance engine, or Aurora PostgreSQL (a cluster). */
export type DatabaseEngine = Engine | 'aurora-postgresql';

/** Instance status words are the RDS ones; the local adapter uses the same vocabulary. */
export type InstanceStatus =
  | 'creating'
  | 'available'
  | 'backing-up'
  | 'modifying'
  | 'rebooting'
  | 'starting'
  | 'stopping'
  | 'stopped'
  | 'deleting'
  | 'failed'
  | 'storage-full'
  | 'incompatible-restore'
  | (string & {});

export interface Endpoint {
  host: string;
  port: number;
}

/** One database instance as dbops sees it, whatever the provider. */
export interface Instance {
  id: string;
  arn?: string;
  engine: Engine;
  engineVersion: string;
  /**
   * What really runs when it is not the engine named: the local provider's mysql
   * instances are "MariaDB 10.11 standing in for MySQL 8.0" (Debian has no MySQL 8.0
   * server). Shown beside the engine wherever an instance is listed or reported.
   */
  engineLabel?: string;
  instanceClass: string;
  status: InstanceStatus;
  endpoint?: Endpoint;
  region: string;
  availabilityZone?: string;
  allocatedStorageGb: number;
  maxAllocatedStorageGb?: number;
  storageType?: string;
  storageEncrypted: boolean;
  kmsKeyId?: string;
  multiAz: boolean;
  publiclyAccessible: boolean;
  deletionProtection: boolean;
  backupRetentionDays: number;
  preferredBackupWindow?: string;
  preferredMaintenanceWindow?: string;
  latestRestorableTime?: Date;
  masterUsername: string;
  dbName?: string;
  createdAt?: Date;
  vpcSecurityGroupIds: string[];
  subnetGroup?: string;
  /** The DB parameter group the instance uses (RDS); a restore test gives its copy the same one. */
  parameterGroup?: string;
  /** Set on a read replica: the instance it replicates. */
  replicaSourceId?: string;
  replicaIds: string[];
  /** Set on a member of an Aurora cluster: the cluster (its storage, backups and snapshots are the cluster's). */
  clusterId?: string;
  tags: Tags;
}

/** How the master password is chosen when an instance is created. */
export type MasterPassword =
  /** AWS: RDS-managed master password in Secrets Manager. Local: generated, kept in the 0600 secrets file. */
  | { kind: 'managed' }
  /** A password given by the caller (never logged). */
  | { kind: 'value'; value: Secret };

export interface CreateInstanceInput {
  id: string;
  engine: Engine;
  engineVersion: string;
  instanceClass: string;
  allocatedStorageGb: number;
  maxAllocatedStorageGb?: number;
  storageType: string;
  storageEncrypted: boolean;
  kmsKeyId?: string;
  multiAz: boolean;
  publiclyAccessible: boolean;
  deletionProtection: boolean;
  backupRetentionDays: number;
  backupWindow: string;
  maintenanceWindow: string;
  autoMinorVersionUpgrade: boolean;
  copyTagsToSnapshot: boolean;
  dbName: string;
  masterUsername: string;
  masterPassword: MasterPassword;
  vpcSecurityGroupIds?: string[];
  subnetGroup?: string;
  parameterGroup?: string;
  /** Local provider: the port to listen on (default: a free one). */
  port?: number;
  tags: Tags;
}

export interface DeleteInstanceInput {
  /** true: no final snapshot (temporary instances). */
  skipFinalSnapshot: boolean;
  /** Required when skipFinalSnapshot is false. */
  finalSnapshotId?: string;
}

export type SnapshotType = 'manual' | 'automated';

export interface Snapshot {
  id: string;
  arn?: string;
  /** The database it was taken of: the instance, or the cluster for a cluster snapshot. */
  instanceId: string;
  /** 'cluster': an Aurora cluster snapshot (DBClusterSnapshot); absent: an instance snapshot. */
  of?: DatabaseKind;
  type: SnapshotType;
  status: 'creating' | 'available' | 'copying' | 'deleting' | 'failed' | (string & {});
  createdAt?: Date;
  /** Size of the data the snapshot holds, in bytes (AWS reports whole GiB). */
  sizeBytes?: number;
  encrypted: boolean;
  kmsKeyId?: string;
  engine: Engine;
  engineVersion: string;
  /** As Instance.engineLabel: the server the snapshot was taken from, when it stands in for another. */
  engineLabel?: string;
  region: string;
  /** For a cross-region copy: where it came from. */
  sourceRegion?: string;
  sourceSnapshotId?: string;
  progressPercent?: number;
  tags: Tags;
}

export interface CreateSnapshotInput {
  instanceId: string;
  snapshotId: string;
  tags: Tags;
}

export interface ListSnapshotsInput {
  instanceId?: string;
  type?: SnapshotType | 'all';
}

export interface CopySnapshotInput {
  /** The snapshot id in this provider's region. */
  snapshotId: string;
  targetRegion: string;
  targetSnapshotId: string;
  /** Required for an encrypted snapshot: a KMS key valid in the target region. */
  kmsKeyId?: string;
  copyTags: boolean;
  tags: Tags;
}

export interface RestoreFromSnapshotInput {
  snapshotId: string;
  instanceId: string;
  instanceClass: string;
  subnetGroup?: string;
  vpcSecurityGroupIds?: string[];
  /** The source's DB parameter group, so the copy runs with the same server settings (RDS; same region only). */
  parameterGroup?: string;
  publiclyAccessible: boolean;
  multiAz?: boolean;
  tags: Tags;
}

export interface RestoreToPointInTimeInput {
  sourceInstanceId: string;
  instanceId: string;
  /** A time, or 'latest' for the latest restorable time. */
  time: Date | 'latest';
  /**
   * Restore from the source's automated backups replicated into this provider's region
   * (ReplicatedBackups.id; AWS: SourceDBInstanceAutomatedBackupsArn) instead of the source
   * instance itself: what a region drill does when the source region is lost.
   */
  sourceAutomatedBackupsId?: string;
  instanceClass: string;
  subnetGroup?: string;
  vpcSecurityGroupIds?: string[];
  /** The source's DB parameter group (RDS; same region only). */
  parameterGroup?: string;
  publiclyAccessible: boolean;
  tags: Tags;
}

/**
 * The point-in-time window of an instance and the health of its WAL archive (local
 * provider: the archive dbops keeps; RDS reports LatestRestorableTime on the instance).
 */
export interface RestorableWindow {
  instanceId: string;
  /** Set when the instance has no point-in-time recovery at all, saying why (a local mysql instance: MariaDB, no binary-log archive). */
  unsupported?: string;
  /** Whether the instance archives its WAL (backupRetentionDays > 0 and archive_mode on). */
  archiving: boolean;
  /** The oldest time a restore can reach: the completion of the oldest base backup the archive connects to now. */
  earliestRestorableTime?: Date;
  /** The newest: the last commit in the archive (or the newest base backup's completion, when nothing was committed since). */
  latestRestorableTime?: Date;
  /** The base backups (snapshot ids) a point-in-time restore can start from, oldest first. */
  baseBackups: string[];
  /** WAL files in the archive and their bytes. */
  segments: number;
  bytes: number;
  /** pg_stat_archiver, when the server runs. */
  archiver?: {
    archivedCount: number;
    lastArchivedWal?: string;
    lastArchivedAt?: Date;
    failedCount: number;
    lastFailedWal?: string;
    lastFailedAt?: Date;
  };
  /** The first missing segment after which the archive holds more (the window stops before it). */
  gap?: string;
  /** archive_timeout in seconds. */
  archiveTimeoutSeconds?: number;
}

/**
 * An instance's automated backups replicated into another region (RDS cross-region
 * automated backup replication; local: its base backups and WAL archive shipped to the DR
 * region's backup area), as that region sees them: what a region drill restores from.
 */
export interface ReplicatedBackups {
  /** What RestoreToPointInTimeInput.sourceAutomatedBackupsId takes (AWS: DBInstanceAutomatedBackupsArn; local: <source region>/<id>). */
  id: string;
  sourceInstanceId: string;
  sourceRegion: string;
  /** The region holding the replica of the backups. */
  region: string;
  /** RDS: replicating, active, retained, pending; local: replicating. */
  status: string;
  retentionDays?: number;
  earliestRestorableTime?: Date;
  latestRestorableTime?: Date;
  kmsKeyId?: string;
  /** Local: the replicated archive itself (segments, bytes, gap). */
  window?: RestorableWindow;
}

/** What one `dbops backup run` shipped to (and pruned in) the DR region (local provider). */
export interface BackupReplicationRun {
  region: string;
  /** Base backups copied (verified) into the DR region's backup area. */
  shippedBaseBackups: string[];
  /** WAL files the archive_command had not put there yet. */
  shippedWalFiles: number;
  prunedBaseBackups: string[];
  prunedWalFiles: number;
  /** Names the DR region holds with different contents: never overwritten. */
  conflicts: string[];
}

/** What one `dbops backup run` did for an instance (local provider). */
export interface AutomatedBackupRun {
  instanceId: string;
  /** Why nothing was done (retention 0, a read replica, stopped). */
  skipped?: string;
  /** archive_mode was off and the server was restarted to turn it on. */
  restarted: boolean;
  /** The automated snapshot taken, when one was due. */
  snapshotId?: string;
  /** When the next one is due (the next backup window's start). */
  nextDueAt?: Date;
  prunedSnapshots: string[];
  prunedWalFiles: number;
  /** With snapshots.crossRegion.replicateAutomatedBackups: what was shipped to the DR region. */
  replication?: BackupReplicationRun;
  /** Replication was on for this instance and has been stopped (the key was turned off). */
  replicationStopped?: string;
}

/** StartDBInstanceAutomatedBackupsReplication: the source's ARN, the retention, the DR region's key when encrypted. */
export interface StartBackupReplicationInput {
  sourceInstanceArn: string;
  retentionDays: number;
  /** A KMS key of the DR region (this provider's region); required for an encrypted source. */
  kmsKeyId?: string;
}

/** What `backup run` (or a command that touches the instance) asks of the local provider. */
export interface AutomatedBackupOptions {
  /** Take the base backup now, due or not. */
  force: boolean;
  dryRun?: boolean;
  /** Ship the automated backups to this DR region too (snapshots.crossRegion.replicateAutomatedBackups); absent: replication off. */
  replicateTo?: string;
  /**
   * A command that merely touches the instance asks: return at once (files read, nothing
   * started) unless a base backup is due and the instance's automated backups have begun
   * (an automated backup exists).
   */
  onlyIfDue?: boolean;
}

export interface CreateReadReplicaInput {
  sourceInstanceId: string;
  replicaId: string;
  instanceClass?: string;
  publiclyAccessible?: boolean;
  tags: Tags;
}

export interface WaitOptions {
  /** Give up after this long (EnvironmentError). */
  maxWaitSeconds: number;
  /** Called on every poll with the current status. */
  onProgress?: (status: string, elapsedMs: number, detail?: string) => void;
  signal?: AbortSignal;
}

/** One RDS account quota in a region, as DescribeAccountAttributes reports it. */
export interface AccountQuota {
  /** DBInstances, ManualSnapshots, AllocatedStorage, … */
  name: string;
  used: number;
  max: number;
}

export type MetricStat = 'Average' | 'Sum' | 'Maximum' | 'Minimum' | 'SampleCount';

export interface MetricQuery {
  /** Caller-chosen id, unique in one call; echoed in the result. Must match /^[a-z][a-zA-Z0-9_]*$/. */
  id: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  stat: MetricStat;
  periodSeconds: number;
}

export interface MetricSeries {
  id: string;
  timestamps: Date[];
  values: number[];
}

export interface MetricDatum {
  metricName: string;
  value: number;
  unit?: 'Seconds' | 'Count' | 'Percent' | 'Bytes' | 'None';
  dimensions?: Record<string, string>;
  timestamp?: Date;
}

/** How to reach a database; the password is a Secret so it cannot be printed by accident. */
export interface ConnectionInfo {
  host: string;
  port: number;
  user: string;
  database: string;
  password?: Secret;
  /** TLS: 'require' on AWS; 'disable' on local loopback clusters. */
  ssl: 'disable' | 'require' | 'verify-full';
  caBundlePath?: string;
  /** The engine behind the endpoint; absent means PostgreSQL. engines/ picks the client from it. */
  engine?: Engine;
}

/** Aurora Serverless v2 capacity range, in ACUs (Aurora capacity units, about 2 GiB of memory each). */
export interface ServerlessCapacity {
  minCapacity: number;
  maxCapacity: number;
  /** With minCapacity 0: how long the cluster idles before it pauses. */
  secondsUntilAutoPause?: number;
}

/** A member's part in its cluster: the one writer, or a reader failover can promote. */
export type ClusterRole = 'writer' | 'reader';

export interface ClusterMember {
  instanceId: string;
  role: ClusterRole;
  /** Failover priority, 0 (first) to 15. */
  promotionTier?: number;
}

/** One Aurora cluster as dbops sees it. */
export interface Cluster {
  id: string;
  arn?: string;
  /** The data-plane engine (Aurora PostgreSQL speaks PostgreSQL). */
  engine: Engine;
  /** The RDS engine name, e.g. aurora-postgresql. */
  rdsEngine: string;
  engineVersion: string;
  status: InstanceStatus;
  region: string;
  /** The cluster (writer) endpoint: it follows the writer through a failover. */
  endpoint?: Endpoint;
  /** The reader endpoint: load-balanced over the readers (the writer when there is none). */
  readerEndpoint?: Endpoint;
  members: ClusterMember[];
  /** Aurora Serverless v2 range; undefined on a provisioned cluster. */
  serverless?: ServerlessCapacity;
  storageEncrypted: boolean;
  kmsKeyId?: string;
  deletionProtection: boolean;
  backupRetentionDays: number;
  copyTagsToSnapshot?: boolean;
  preferredBackupWindow?: string;
  preferredMaintenanceWindow?: string;
  /** The point-in-time window. */
  earliestRestorableTime?: Date;
  latestRestorableTime?: Date;
  masterUsername: string;
  /** Master password kept by RDS in Secrets Manager. */
  managedPassword: boolean;
  dbName?: string;
  createdAt?: Date;
  vpcSecurityGroupIds: string[];
  subnetGroup?: string;
  tags: Tags;
}

/** CreateDBCluster: the cluster alone; its writer is added with createClusterInstance. */
export interface CreateClusterInput {
  id: string;
  engine: 'postgres';
  engineVersion: string;
  /** Set before any instance is added (a db.serverless instance needs it). */
  serverless: ServerlessCapacity;
  storageEncrypted: boolean;
  kmsKeyId?: string;
  deletionProtection: boolean;
  backupRetentionDays: number;
  backupWindow: string;
  maintenanceWindow: string;
  copyTagsToSnapshot: boolean;
  dbName: string;
  masterUsername: string;
  masterPassword: MasterPassword;
  vpcSecurityGroupIds?: string[];
  subnetGroup?: string;
  port?: number;
  tags: Tags;
}

/** CreateDBInstance of a cluster member (the first one is the writer). */
export interface CreateClusterInstanceInput {
  clusterId: string;
  instanceId: string;
  /** db.serverless for Aurora Serverless v2. */
  instanceClass: string;
  publiclyAccessible: boolean;
  autoMinorVersionUpgrade: boolean;
  promotionTier?: number;
  tags: Tags;
}

/** ModifyDBCluster: only the fields to change are set. */
export interface ModifyClusterInput {
  serverless?: ServerlessCapacity;
  engineVersion?: string;
  allowMajorVersionUpgrade?: boolean;
  deletionProtection?: boolean;
  backupRetentionDays?: number;
  backupWindow?: string;
  maintenanceWindow?: string;
  copyTagsToSnapshot?: boolean;
  vpcSecurityGroupIds?: string[];
  /** false: RDS holds what it can (engine version) until the maintenance window. */
  applyImmediately: boolean;
}

export interface CreateClusterSnapshotInput {
  clusterId: string;
  snapshotId: string;
  tags: Tags;
}

/**
 * RestoreDBClusterFromSnapshot or RestoreDBClusterToPointInTime: the cluster alone, with
 * its serverless range (RDS restores no instance; the writer is added with
 * createClusterInstance once the cluster is available).
 */
export interface RestoreClusterInput {
  clusterId: string;
  /** A cluster snapshot of this region, or a point in time of a cluster of this region. */
  from: { kind: 'snapshot'; snapshotId: string } | { kind: 'point-in-time'; sourceClusterId: string; time: Date | 'latest' };
  /** The source's version (a snapshot restores to its own when absent). */
  engineVersion?: string;
  serverless: ServerlessCapacity;
  subnetGroup?: string;
  vpcSecurityGroupIds?: string[];
  tags: Tags;
}

export interface ListClusterSnapshotsInput {
  clusterId?: string;
  type?: SnapshotType | 'all';
}

/**
 * Aurora clusters: what differs from instances (the RDS DBCluster* API family). A provider
 * without clusters leaves `Provider.clusters` undefined.
 */
export interface ClusterApi {
  createCluster(input: CreateClusterInput): Promise<Cluster>;
  /** Adds an instance to a cluster (the first is the writer). */
  createClusterInstance(input: CreateClusterInstanceInput): Promise<Instance>;
  /** Throws NotFoundError when it does not exist. */
  describeCluster(id: string): Promise<Cluster>;
  findCluster(id: string): Promise<Cluster | undefined>;
  listClusters(): Promise<Cluster[]>;
  modifyCluster(id: string, input: ModifyClusterInput): Promise<Cluster>;
  /** Its instances must be deleted first (RDS refuses otherwise). */
  deleteCluster(id: string, input: DeleteInstanceInput): Promise<void>;
  waitForCluster(id: string, target: 'available' | 'deleted', opts: WaitOptions): Promise<Cluster | undefined>;
  /** FailoverDBCluster to `targetInstanceId` (a reader); returns the cluster as it is now. */
  failoverCluster(id: string, targetInstanceId: string): Promise<Cluster>;
  /** A temporary cluster from a cluster snapshot or a point in time (restore tests, drills); no instance yet. */
  restoreCluster(input: RestoreClusterInput): Promise<Cluster>;

  createClusterSnapshot(input: CreateClusterSnapshotInput): Promise<Snapshot>;
  describeClusterSnapshot(id: string): Promise<Snapshot>;
  findClusterSnapshot(id: string): Promise<Snapshot | undefined>;
  listClusterSnapshots(input?: ListClusterSnapshotsInput): Promise<Snapshot[]>;
  deleteClusterSnapshot(id: string): Promise<void>;
  /** Starts a copy into targetRegion (source named by ARN there); returns the copy as the target region sees it. */
  copyClusterSnapshot(input: CopySnapshotInput): Promise<Snapshot>;
  waitForClusterSnapshot(id: string, target: 'available' | 'deleted', opts: WaitOptions): Promise<Snapshot | undefined>;
  tagClusterSnapshot(id: string, tags: Tags): Promise<void>;
}

/** The port. */
export interface Provider {
  readonly name: ProviderName;
  readonly region: string;

  /** The same provider bound to another region (a namespace on the local provider). */
  forRegion(region: string): Provider;

  /** Aurora clusters; undefined where the provider has none. The local provider's: a primary and its streaming replicas (local/clusters.ts). */
  readonly clusters?: ClusterApi;

  createInstance(input: CreateInstanceInput): Promise<Instance>;
  /** Throws NotFoundError when it does not exist. */
  describeInstance(id: string): Promise<Instance>;
  /** Like describeInstance but undefined when it does not exist. */
  findInstance(id: string): Promise<Instance | undefined>;
  listInstances(): Promise<Instance[]>;
  deleteInstance(id: string, input: DeleteInstanceInput): Promise<void>;
  /** Wait until available (returns it) or deleted (returns undefined). */
  waitForInstance(id: string, target: 'available' | 'deleted', opts: WaitOptions): Promise<Instance | undefined>;
  /** Kept for failover (issue 14): a Multi-AZ failover is a reboot with forceFailover. No command calls it yet. */
  rebootInstance(id: string, opts: { forceFailover: boolean }): Promise<Instance>;
  /**
   * Starts a stopped instance (`dbops instances start`); returns it as it is now
   * ('starting' on AWS, 'available' locally). A running one is returned as it is.
   */
  startInstance(id: string): Promise<Instance>;
  /**
   * Stops a running instance (`dbops instances stop`); returns it as it is now. AWS starts
   * a stopped RDS instance again by itself after 7 days.
   */
  stopInstance(id: string): Promise<Instance>;

  createSnapshot(input: CreateSnapshotInput): Promise<Snapshot>;
  describeSnapshot(id: string): Promise<Snapshot>;
  findSnapshot(id: string): Promise<Snapshot | undefined>;
  listSnapshots(input?: ListSnapshotsInput): Promise<Snapshot[]>;
  deleteSnapshot(id: string): Promise<void>;
  /** Starts a copy into targetRegion; returns the copy as the target region sees it. */
  copySnapshot(input: CopySnapshotInput): Promise<Snapshot>;
  waitForSnapshot(id: string, target: 'available' | 'deleted', opts: WaitOptions): Promise<Snapshot | undefined>;
  /** Retags a snapshot: a final snapshot inherits its instance's tags and is then tagged as what it is. */
  tagSnapshot(id: string, tags: Tags): Promise<void>;

  restoreFromSnapshot(input: RestoreFromSnapshotInput): Promise<Instance>;
  restoreToPointInTime(input: RestoreToPointInTimeInput): Promise<Instance>;
  /** Local provider only: the archive's health and the restorable window (RDS puts LatestRestorableTime on the instance). */
  restorableWindow?(id: string): Promise<RestorableWindow>;
  /** AWS only: the account's RDS quotas in this region (DBInstances, ManualSnapshots, …), used against max. */
  accountQuotas?(): Promise<AccountQuota[]>;
  /** Local provider only: archiving on, the daily automated base backup when due, pruning after the retention (RDS does this itself). */
  runAutomatedBackups?(id: string, opts: AutomatedBackupOptions): Promise<AutomatedBackupRun>;
  /**
   * The automated backups of `sourceInstanceId` (an instance of another region) replicated
   * into this provider's region, or undefined when there are none (AWS:
   * DescribeDBInstanceAutomatedBackups in this region; local: the shipped archive).
   */
  findReplicatedBackups?(sourceInstanceId: string): Promise<ReplicatedBackups | undefined>;
  /**
   * AWS only, called on the DR region's provider: StartDBInstanceAutomatedBackupsReplication
   * of an instance in another region (the local provider replicates from `backup run`).
   */
  startBackupReplication?(input: StartBackupReplicationInput): Promise<ReplicatedBackups | undefined>;
  createReadReplica(input: CreateReadReplicaInput): Promise<Instance>;
  /** Kept for failover (issue 14): promoting a read replica is how dbops fails over to it. No command calls it yet. */
  promoteReadReplica(id: string): Promise<Instance>;

  /** Metrics (CloudWatch on aws, JSON lines on local): the free-tier report reads, restore tests and the report publish. */
  getMetricData(queries: MetricQuery[], range: { start: Date; end: Date }): Promise<MetricSeries[]>;
  putMetricData(namespace: string, data: MetricDatum[]): Promise<void>;

  /** Where and as whom to connect to an instance's database. */
  connectionInfo(id: string): Promise<ConnectionInfo>;

  /** Release clients, sockets and child processes held by the adapter. */
  close(): Promise<void>;
}
