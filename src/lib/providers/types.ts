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
  /** Set on a read replica: the instance it replicates. */
  replicaSourceId?: string;
  replicaIds: string[];
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
  instanceId: string;
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
  publiclyAccessible: boolean;
  multiAz?: boolean;
  tags: Tags;
}

export interface RestoreToPointInTimeInput {
  sourceInstanceId: string;
  instanceId: string;
  /** A time, or 'latest' for the latest restorable time. */
  time: Date | 'latest';
  instanceClass: string;
  subnetGroup?: string;
  vpcSecurityGroupIds?: string[];
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
}

/** The port. */
export interface Provider {
  readonly name: ProviderName;
  readonly region: string;

  /** The same provider bound to another region (a namespace on the local provider). */
  forRegion(region: string): Provider;

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
  /** Local provider only: archiving on, the daily automated base backup when due, pruning after the retention (RDS does this itself). */
  runAutomatedBackups?(id: string, opts: { force: boolean; dryRun?: boolean }): Promise<AutomatedBackupRun>;
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
