/**
 * The failover port: what `dbops replica status`, `dbops switchover` and `dbops failover`
 * ask of a provider beyond the Provider port (types.ts) — the replication topology with
 * measured lag, stopping writes at a primary, waiting for a replica to replay a WAL
 * position, promotion, making the old primary follow the new one, fencing, the data a
 * dead primary had that the promoted one lacks, and the connection layer in front
 * (local: a real pgbouncer; AWS: RDS Proxy).
 *
 * Domain code (src/lib/failover) decides: which candidate, which checks pass, when to roll
 * back. Adapters only do and measure. Conventions are the Provider port's: bad input is a
 * UsageError, a missing resource NotFoundError, anything the machine or cloud refuses an
 * EnvironmentError; waits honour `WaitOptions`.
 */
import { UsageError } from '../errors.js';
import type { Secret } from '../secret.js';
import type { Endpoint, InstanceStatus, ProviderName, WaitOptions } from './types.js';

/** What every member of a replication group reports. */
export interface MemberState {
  id: string;
  status: InstanceStatus;
  /** A session could be opened and answered. */
  reachable: boolean;
  /** Why not, when not reachable (one line). */
  unreachableReason?: string;
  instanceClass: string;
  allocatedStorageGb: number;
  multiAz: boolean;
  endpoint?: Endpoint;
  /** A backup or snapshot is being taken (RDS refuses PromoteReadReplica while backing-up). */
  backingUp: boolean;
  /** Pending maintenance actions or modifications, one line each. */
  pendingMaintenance: string[];
  /** Set when dbops fenced the instance after a failover: it must never take writes again. */
  fenced?: FenceRecord;
}

export interface PrimaryState extends MemberState {
  /** The current WAL insert position (local: pg_current_wal_lsn()); undefined when unreachable. */
  lsn?: string;
  /** WAL senders in use / max_wal_senders. */
  walSenders?: { used: number; max: number };
  /** Replication slots in use / max_replication_slots. */
  replicationSlots?: { used: number; max: number };
}

export type ReplicaStreamState = 'streaming' | 'catchup' | 'startup' | 'backup' | 'disconnected' | 'stopped' | 'unknown';

export interface ReplicaState extends MemberState {
  /** The primary it replicates. */
  sourceId: string;
  state: ReplicaStreamState;
  /** WAL received and replayed (local: pg_last_wal_receive_lsn / pg_last_wal_replay_lsn). */
  receiveLsn?: string;
  replayLsn?: string;
  /** Primary's position minus the replayed one, bytes. */
  lagBytes?: number;
  /** Seconds since the last replayed transaction while WAL is pending; 0 when caught up (AWS: ReplicaLag). */
  lagSeconds?: number;
  /** Replay paused by pg_wal_replay_pause() (local). */
  replayPaused?: boolean;
}

/** SHOW POOLS of one pool (pgbouncer), or the proxy's figures. */
export interface PoolFigures {
  database: string;
  user: string;
  clientsActive: number;
  clientsWaiting: number;
  serversActive: number;
  serversIdle: number;
  /** Longest wait of a client in the queue, seconds. */
  maxWaitSeconds: number;
  poolMode: string;
}

/** Health of one target of a proxy (RDS Proxy TargetHealth). */
export interface PoolTarget {
  instanceId: string;
  state: 'AVAILABLE' | 'UNAVAILABLE' | 'REGISTERING' | (string & {});
  reason?: string;
  description?: string;
}

/** The connection layer in front of a primary: the one address applications keep. */
export interface PoolerState {
  kind: 'pgbouncer' | 'rds-proxy';
  name: string;
  endpoint: Endpoint;
  running: boolean;
  /** The instance it sends connections to. */
  targetId: string;
  pools: PoolFigures[];
  targets: PoolTarget[];
  requireTls: boolean;
  /** RDS Proxy: the IAM role it reads the master secret with. */
  roleArn?: string;
}

/** The IAM role an RDS Proxy reads the master secret with, as read (GetRole). */
export interface PoolRole {
  name: string;
  arn: string;
  /** Created by dbops (tagged dbops:managed=true). */
  managed: boolean;
}

/** The role dbops creates for the RDS Proxy in front of `dbId` (no connectionPool.roleArn). Pure. */
export function proxyRoleName(dbId: string): string {
  return `${dbId}-proxy-role`;
}

/** The role name of a role ARN ("arn:aws:iam::1:role/path/name" -> "name"). Pure. */
export function roleNameOf(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** The primary, its replicas and the connection layer, measured at one moment. */
export interface Topology {
  observedAt: string;
  primary: PrimaryState;
  replicas: ReplicaState[];
  pooler?: PoolerState;
}

/** How an old primary was fenced, recorded with it. */
export interface FenceRecord {
  at: string;
  runId: string;
  newPrimaryId: string;
  /** What was done, one line each ("standby.signal written", "server stopped", ...). */
  actions: string[];
}

/** What the dead primary had beyond the promoted replica's position. */
export interface WalLoss {
  /** Last WAL position the old primary had (local: end of its valid WAL); undefined when it could not be read. */
  oldPrimaryLsn?: string;
  /** The position the candidate had replayed when it was promoted (undefined when unknown). */
  promotedAtLsn?: string;
  /** Bytes of WAL; undefined when only a time bound is known (AWS without the data plane). */
  bytes?: number;
  /** AWS: the candidate's ReplicaLag (seconds) at promotion: the writes of that many seconds at most. */
  seconds?: number;
  /** Committed transactions in the lost WAL (local: COMMIT records, pg_waldump). */
  transactions?: number;
  /** How the figures were obtained. */
  source: string;
}

/** The old primary was turned into a replica of the new one. */
export interface FollowResult {
  /** pg_rewind rewrote diverged pages (local); false when none was needed. */
  rewound: boolean;
  /** AWS: a new replica was created instead (RDS replicas cannot change source). */
  replicaId: string;
  detail: string;
  /** AWS: `replicaId` is a new replica still being created; it streams later (not waited for). */
  creating?: boolean;
}

/** A replica of the old primary was (or could not be) pointed at the new one. */
export interface RepointResult {
  /** It replicates from the new primary now (AWS: never; RDS replicas cannot change source). */
  follows: boolean;
  detail: string;
}

/** The pooler's connection details for the probe and the report. */
export interface PoolerConnection {
  host: string;
  port: number;
  user: string;
  database: string;
  password?: Secret;
  ssl: 'disable' | 'require' | 'verify-full';
}

/** The connection layer: pgbouncer (local) or RDS Proxy (AWS). */
export interface PoolerApi {
  readonly kind: 'pgbouncer' | 'rds-proxy';
  /** Opens the admin session PAUSE, RELOAD and RESUME will use (outside the write pause). */
  prepare(name: string): Promise<void>;
  /** Closes an admin session still held (the run ended between prepare and resume). */
  release(): Promise<void>;
  /** The pooler in front of this primary (by its recorded target), or undefined. */
  find(primaryId: string): Promise<PoolerState | undefined>;
  /** Creates and starts it (provision apply), or starts it when stopped; registers the target. */
  ensure(input: EnsurePoolerInput): Promise<PoolerState>;
  /** Holds new queries; resolves once running transactions finished (PAUSE). */
  pause(name: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<void>;
  /** Points the pooler at another instance and reloads it (RELOAD; RDS Proxy: re-register and wait for health). */
  retarget(name: string, instanceId: string, opts: WaitOptions): Promise<void>;
  /** Lets queries flow again (RESUME). Safe to call when not paused. */
  resume(name: string): Promise<void>;
  /** How the application connects through it. */
  connection(name: string): Promise<PoolerConnection>;
  stop(name: string): Promise<void>;
  remove(name: string): Promise<void>;
  /** RDS Proxy: the IAM role by name (provision plan), undefined when it does not exist. */
  findRole?(name: string): Promise<PoolRole | undefined>;
}

export interface EnsurePoolerInput {
  name: string;
  targetId: string;
  poolMode: 'transaction' | 'session' | 'statement';
  defaultPoolSize: number;
  minPoolSize: number;
  maxDbConnections: number;
  reservePoolSize: number;
  requireTls: boolean;
  port?: number;
  /** RDS Proxy: the IAM role it reads the master secret with (connectionPool.roleArn). */
  roleArn?: string;
  tags: Record<string, string>;
}

/** The port. */
export interface FailoverApi {
  readonly name: ProviderName;
  /** What an instance is right now: a writable primary, a replica in recovery, or down. */
  role(id: string): Promise<'primary' | 'replica' | 'down'>;
  /** The topology around `primaryId` (every replica whose source it is). */
  topology(primaryId: string): Promise<Topology>;
  /**
   * Readies a switch outside the write pause: flushes dirty pages on the primary (local:
   * CHECKPOINT and a WAL segment switch, so the stop and the promotion are short) and opens
   * the sessions the pause will need. release() closes them.
   */
  prepare(primaryId: string, candidateId: string): Promise<void>;
  release(): Promise<void>;
  /**
   * Stops writes at the primary and returns the last WAL position it will ever have in
   * this role (local: a clean shutdown, so every WAL sender hands its replica all WAL).
   */
  stopWrites(primaryId: string, opts: { signal?: AbortSignal }): Promise<{ lsn: string; detail?: string }>;
  /** Rollback of stopWrites: the primary takes writes again (local: started as a primary). */
  resumeWrites(primaryId: string): Promise<void>;
  /** Waits until the replica has replayed `lsn`; returns its replay position. */
  waitForReplay(replicaId: string, lsn: string, opts: WaitOptions): Promise<{ replayLsn: string; detail?: string }>;
  /**
   * Before promotion: the stopped old primary can only ever come up as a replica of the
   * candidate (local: standby.signal + primary_conninfo). undoDemote reverses it.
   */
  demote(oldPrimaryId: string, newPrimaryId: string): Promise<void>;
  undoDemote(oldPrimaryId: string): Promise<void>;
  /** Promotes the replica; returns its WAL position at promotion ('' when unknown) and what was done. */
  promote(replicaId: string, opts: { signal?: AbortSignal }): Promise<{ lsn: string; detail?: string }>;
  /** The old primary follows the new one (local: pg_rewind when needed, then standby). */
  follow(oldPrimaryId: string, newPrimaryId: string): Promise<FollowResult>;
  /** Other replicas of the old primary follow the new one (or say why they cannot). */
  repoint(replicaId: string, newPrimaryId: string): Promise<RepointResult>;
  /** The old primary must never take writes again; what was done is recorded with it. */
  fence(oldPrimaryId: string, record: Omit<FenceRecord, 'actions'>): Promise<FenceRecord>;
  /**
   * After the promotion: finishes a fence that could not be completed before it (AWS:
   * StopDBInstance is refused while the old primary still has a read replica). Optional.
   */
  completeFence?(oldPrimaryId: string, fence: FenceRecord): Promise<FenceRecord>;
  /**
   * What the old primary had beyond `promotedAtLsn`, as far as measurable (local: its WAL;
   * AWS: its WAL position when its data plane answers, and the candidate's ReplicaLag at promotion).
   */
  lossSince(oldPrimaryId: string, promotedAtLsn: string, candidateId?: string): Promise<WalLoss | undefined>;
  /**
   * AWS Multi-AZ: moves the primary role to the instance's own standby (RebootDBInstance
   * with ForceFailover), keeping the endpoint. Absent where there is no such standby.
   */
  failoverInPlace?(primaryId: string, opts: WaitOptions): Promise<{ detail: string }>;
  /**
   * AWS: the old primary left the topology after a switchover (an RDS instance cannot follow
   * a promoted replica): delete it with a final snapshot, unless deletion protection is on.
   * Absent where the old primary follows the new one (local).
   */
  retire?(oldPrimaryId: string, opts: { runId: string }): Promise<{ detail: string }>;
  /** The connection layer, when the provider has one. */
  readonly pooler?: PoolerApi;
  close(): Promise<void>;
}

/** pgbouncer speaks the PostgreSQL protocol only: it cannot front a MySQL (locally MariaDB) instance. */
export function refusePgbouncerOnMysql(engine: string, kind: string): void {
  if (engine !== 'mysql' || kind !== 'pgbouncer') return;
  throw new UsageError(
    'pgbouncer speaks only the PostgreSQL protocol, so it cannot pool connections to a mysql instance (MariaDB locally).',
    {
      hint: 'Set connectionPool.enabled: false for a local mysql instance (applications connect to its port directly); on AWS use connectionPool.kind: rds-proxy.',
    },
  );
}
