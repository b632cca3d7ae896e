/**
 * The aws adapter of the failover port: RDS read replicas, RDS Proxy and CloudWatch.
 *
 * - topology: DescribeDBInstances (ReadReplicaDBInstanceIdentifiers, status, class,
 *   storage, Multi-AZ, the "read replication" status info), DescribePendingMaintenanceActions,
 *   the CloudWatch `ReplicaLag` metric (seconds) per replica, and — when this machine can
 *   reach the databases — WAL positions from the data plane (bytes of lag);
 * - stop writes: RDS has no write pause. With RDS Proxy the old primary was deregistered
 *   in the step before (nothing reaches it through the proxy); the primary's WAL position
 *   is read when its data plane answers, else dbops waits for ReplicaLag 0;
 * - promote: PromoteReadReplica keeping the old primary's backup retention and window,
 *   then waits until the instance is available and no longer a replica;
 * - follow: an RDS replica cannot change source: CreateDBInstanceReadReplica of the new
 *   primary (tagged dbops), the old primary is kept;
 * - fence: tags dbops:fenced-*, then StopDBInstance (refused while it still has a read
 *   replica: tried again right after the promotion), each outcome said in the record;
 * - Multi-AZ: RebootDBInstance with ForceFailover, same endpoint.
 *
 * AWS error codes stay in this directory: every call goes through the Provider or the one
 * caller (provision-errors.ts) that maps them to DbopsErrors with a kind.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DBInstance } from '@aws-sdk/client-rds';
import { connect } from '../../db/connect.js';
import { EnvironmentError, Interrupted, isDbopsError, messageOf, NotFoundError } from '../../errors.js';
import { lsnAtLeast, lsnBytesBehind } from '../../failover/lsn.js';
import type {
  FailoverApi,
  FenceRecord,
  FollowResult,
  MemberState,
  PrimaryState,
  ReplicaState,
  ReplicaStreamState,
  RepointResult,
  Topology,
  WalLoss,
} from '../failover-types.js';
import { TAG, type Provider, type WaitOptions } from '../types.js';
import { fromRdsTags, instanceIdOf, toRdsTags } from './convert.js';
import { awsClientsOf } from './provider.js';
import { provisionCaller, type ProvisionCaller } from './provision-errors.js';
import { RdsProxyPooler } from './rds-proxy.js';
import type { RegionClients } from './sdk.js';
import { DEFAULT_POLL_DELAYS, INSTANCE_FAILURE_STATES, waitFor, type PollDelays } from './waiters.js';

/** Tags a fenced old primary carries (its fence, readable by the next run). */
export const FENCE_TAG = {
  runId: 'dbops:fenced-by',
  at: 'dbops:fenced-at',
  newPrimary: 'dbops:fenced-for',
} as const;

/** Statuses in which an RDS instance serves connections. */
const SERVING: ReadonlySet<string> = new Set([
  'available',
  'backing-up',
  'modifying',
  'configuring-enhanced-monitoring',
  'configuring-iam-database-auth',
  'configuring-log-exports',
  'storage-optimization',
  'storage-config-upgrade',
  'upgrading',
  'maintenance',
  'renaming',
  'resetting-master-credentials',
]);

/** One short session's answer: where the instance's WAL is, and its newest dbops heartbeat. */
export interface WalPosition {
  inRecovery: boolean;
  /** pg_current_wal_lsn() on a primary, pg_last_wal_replay_lsn() on a replica. */
  lsn: string;
  /** Newest row of dbops.heartbeat (`dbops heartbeat`), when the table exists. */
  heartbeatAt?: Date;
}

export type DataPlaneAnswer = { ok: true; at: WalPosition } | { ok: false; reason: string };

/** The databases themselves, when this machine can reach them (RDS in a VPC often cannot be reached). */
export interface AwsDataPlane {
  position(id: string): Promise<DataPlaneAnswer>;
}

const POSITION_SQL = `SELECT pg_is_in_recovery() AS r,
  (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text AS lsn,
  CASE WHEN to_regclass('dbops.heartbeat') IS NULL THEN NULL ELSE (SELECT max(beat_at) FROM dbops.heartbeat) END AS hb`;

/** The real data plane: one TLS session per question, through the Provider's connection details. */
export function pgDataPlane(base: Provider, connectTimeoutMs = 5000): AwsDataPlane {
  return {
    async position(id) {
      try {
        const info = await base.connectionInfo(id);
        const c = await connect(info, { connectTimeoutMs, applicationName: 'dbops failover' });
        try {
          await c.query(`SET statement_timeout = ${connectTimeoutMs}`);
          const row = (await c.query<{ r: boolean; lsn: string | null; hb: Date | null }>(POSITION_SQL)).rows[0];
          if (!row?.lsn) return { ok: false, reason: 'no WAL position reported' };
          return { ok: true, at: { inRecovery: row.r, lsn: row.lsn, ...(row.hb ? { heartbeatAt: row.hb } : {}) } };
        } finally {
          await c.end().catch(() => undefined);
        }
      } catch (e) {
        return { ok: false, reason: messageOf(e).split('\n')[0]! };
      }
    },
  };
}

export interface AwsFailoverOptions {
  region: string;
  endpointUrl?: string;
  maxAttempts: number;
  /** Ceiling of the waits that have none of their own (aws.maxWaitMinutes). */
  maxWaitSeconds: number;
  /** connectionPool.enabled with kind rds-proxy: the proxy's name. */
  proxyName?: string;
  caBundle?: string;
  /** Backup retention for a promoted replica when its source's cannot be read (database.backupRetentionDays). */
  backupRetentionDays: number;
  /** Tests: a scripted data plane; production: pgDataPlane. */
  dataPlane?: AwsDataPlane;
  /** Tests: tiny delays. ReplicaLag and proxy health are polled every pollMs (default 5 s). */
  pollMs?: number;
  delays?: PollDelays;
  now?: () => Date;
}

interface Lag {
  seconds: number;
  at: Date;
}

function statusOf(db: DBInstance): string {
  return db.DBInstanceStatus ?? 'unknown';
}

function streamState(db: DBInstance): ReplicaStreamState {
  const status = statusOf(db);
  if (status === 'stopped' || status === 'stopping') return 'stopped';
  if (status === 'creating') return 'startup';
  const info = db.StatusInfos?.find((i) => i.StatusType === 'read replication');
  if (info?.Status === 'replicating') return 'streaming';
  if (info?.Status === 'error') return 'disconnected';
  if (info?.Status === 'stopped' || info?.Status === 'terminated') return 'stopped';
  return SERVING.has(status) ? 'streaming' : 'unknown';
}

/** "pending modification: DBInstanceClass db.t3.small" for each pending value. Pure. */
export function pendingModifications(db: DBInstance): string[] {
  return Object.entries(db.PendingModifiedValues ?? {})
    .filter(([, v]) => v !== undefined && v !== null && !(typeof v === 'object' && Object.keys(v as object).length === 0))
    .map(([k, v]) => `pending modification: ${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
}

function fenceOf(db: DBInstance): FenceRecord | undefined {
  const tags = fromRdsTags(db.TagList);
  const runId = tags[FENCE_TAG.runId];
  if (!runId) return undefined;
  return {
    runId,
    at: tags[FENCE_TAG.at] ?? '',
    newPrimaryId: tags[FENCE_TAG.newPrimary] ?? '',
    actions: [`tagged ${FENCE_TAG.runId}=${runId}`],
  };
}

export class AwsFailover implements FailoverApi {
  readonly name = 'aws' as const;
  readonly pooler?: RdsProxyPooler;
  readonly #o: AwsFailoverOptions;
  readonly #base: Provider;
  readonly #c: ProvisionCaller;
  readonly #clients: () => RegionClients;
  readonly #dp: AwsDataPlane;
  readonly #pollMs: number;
  readonly #delays: PollDelays;
  #writesStoppedAt?: Date;
  /** Candidate -> its ReplicaLag when it was promoted: the bound of a failover's loss. */
  readonly #lagAtPromotion = new Map<string, Lag>();
  /** Old primary -> its WAL position read just before it was fenced. */
  readonly #lastPosition = new Map<string, WalPosition>();
  /** Old primaries whose StopDBInstance was refused before the promotion. */
  readonly #stopPending = new Set<string>();

  constructor(opts: AwsFailoverOptions, base: Provider) {
    const pool = awsClientsOf(base);
    if (!pool) throw new EnvironmentError('The aws failover adapter needs the aws Provider.');
    this.#o = opts;
    this.#base = base;
    this.#clients = () => pool.forRegion(opts.region);
    this.#c = provisionCaller(opts.region, {
      ...(opts.endpointUrl ? { endpointUrl: opts.endpointUrl } : {}),
      maxAttempts: opts.maxAttempts,
    });
    this.#dp = opts.dataPlane ?? pgDataPlane(base);
    this.#pollMs = opts.pollMs ?? 5000;
    this.#delays = opts.delays ?? DEFAULT_POLL_DELAYS;
    if (opts.proxyName) {
      this.pooler = new RdsProxyPooler({
        caller: this.#c,
        rds: () => this.#clients().rds,
        iam: () => this.#clients().iam,
        base,
        pollMs: this.#pollMs,
        maxWaitSeconds: opts.maxWaitSeconds,
        name: opts.proxyName,
        ...(opts.caBundle ? { caBundle: opts.caBundle } : {}),
      });
    }
  }

  #now(): Date {
    return this.#o.now?.() ?? new Date();
  }

  async #describe(id: string): Promise<DBInstance> {
    const out = await this.#c.call({ operation: 'DescribeDBInstances', service: 'rds', instanceId: id }, () =>
      this.#clients().rds.describeDBInstances({ DBInstanceIdentifier: id }),
    );
    const db = out.DBInstances?.[0];
    if (!db)
      throw new NotFoundError(`DB instance ${id} not found in ${this.#o.region}.`, {
        hint: 'List the instances with `dbops instances` (and check --region).',
      });
    return db;
  }

  async role(id: string): Promise<'primary' | 'replica' | 'down'> {
    const db = await this.#describe(id);
    if (db.ReadReplicaSourceDBInstanceIdentifier) return 'replica';
    // A promotion RDS accepted finishes by itself: "modifying" without a source is a primary.
    return SERVING.has(statusOf(db)) ? 'primary' : 'down';
  }

  /** Pending maintenance per instance ARN (one call for all). */
  async #maintenance(dbs: DBInstance[]): Promise<Map<string, string[]>> {
    const arns = dbs.flatMap((d) => (d.DBInstanceArn ? [d.DBInstanceArn] : []));
    const byArn = new Map<string, string[]>();
    if (arns.length === 0) return byArn;
    const out = await this.#c.call({ operation: 'DescribePendingMaintenanceActions', service: 'rds' }, () =>
      this.#clients().rds.describePendingMaintenanceActions({ Filters: [{ Name: 'db-instance-id', Values: arns }] }),
    );
    for (const r of out.PendingMaintenanceActions ?? []) {
      const lines = (r.PendingMaintenanceActionDetails ?? []).map(
        (d) =>
          `${d.Action ?? 'maintenance'}${d.Description ? ` (${d.Description})` : ''}${d.AutoAppliedAfterDate ? `, applied after ${d.AutoAppliedAfterDate.toISOString()}` : ''}${d.ForcedApplyDate ? `, forced on ${d.ForcedApplyDate.toISOString()}` : ''}`,
      );
      if (r.ResourceIdentifier) byArn.set(r.ResourceIdentifier, lines);
    }
    return byArn;
  }

  /** The newest ReplicaLag datapoint (seconds) per replica, over the last 10 minutes. */
  async #replicaLag(ids: string[]): Promise<Map<string, Lag>> {
    const lags = new Map<string, Lag>();
    if (ids.length === 0) return lags;
    // The window ends a minute ahead: the current, partial minute's datapoint is the newest
    // one, and an end inside its period would leave it out (moto drops it; RDS may).
    const now = this.#now();
    const start = new Date(now.getTime() - 10 * 60_000);
    const end = new Date(now.getTime() + 60_000);
    const series = await this.#base.getMetricData(
      ids.map((id, i) => ({
        id: `lag${i}`,
        namespace: 'AWS/RDS',
        metricName: 'ReplicaLag',
        dimensions: { DBInstanceIdentifier: id },
        stat: 'Maximum' as const,
        periodSeconds: 60,
      })),
      { start, end },
    );
    series.forEach((s, i) => {
      let newest = -1;
      s.timestamps.forEach((t, j) => {
        if (newest < 0 || t.getTime() > s.timestamps[newest]!.getTime()) newest = j;
      });
      const v = newest >= 0 ? s.values[newest] : undefined;
      // RDS reports -1 while replication is not running.
      if (v !== undefined && v >= 0) lags.set(ids[i]!, { seconds: Math.round(v), at: s.timestamps[newest]! });
    });
    return lags;
  }

  #member(db: DBInstance, maintenance: Map<string, string[]>): Omit<MemberState, 'reachable'> {
    const id = db.DBInstanceIdentifier ?? '';
    const fenced = fenceOf(db);
    return {
      id,
      status: statusOf(db),
      instanceClass: db.DBInstanceClass ?? '',
      allocatedStorageGb: db.AllocatedStorage ?? 0,
      multiAz: db.MultiAZ ?? false,
      ...(db.Endpoint?.Address && db.Endpoint.Port ? { endpoint: { host: db.Endpoint.Address, port: db.Endpoint.Port } } : {}),
      backingUp: statusOf(db) === 'backing-up',
      pendingMaintenance: [...(maintenance.get(db.DBInstanceArn ?? '') ?? []), ...pendingModifications(db)],
      ...(fenced ? { fenced } : {}),
    };
  }

  /** Reachable: RDS says it serves, and its data plane answers — unless no data plane answers at all (not reachable from here). */
  #reach(db: DBInstance, dp: DataPlaneAnswer, anyAnswered: boolean): { reachable: boolean; unreachableReason?: string } {
    const status = statusOf(db);
    if (!SERVING.has(status)) return { reachable: false, unreachableReason: `RDS status ${status}` };
    if (dp.ok) return { reachable: true };
    if (anyAnswered) return { reachable: false, unreachableReason: dp.reason };
    return { reachable: true, unreachableReason: `data plane not reachable from here (${dp.reason})` };
  }

  async topology(primaryId: string): Promise<Topology> {
    const p = await this.#describe(primaryId);
    const sameRegion = (ref: string) => !ref.startsWith('arn:') || ref.split(':')[3] === this.#o.region;
    const replicaIds = (p.ReadReplicaDBInstanceIdentifiers ?? []).filter(sameRegion).map(instanceIdOf);
    const replicas: DBInstance[] = [];
    for (const id of replicaIds) replicas.push(await this.#describe(id));
    const maintenance = await this.#maintenance([p, ...replicas]);
    const lags = await this.#replicaLag(replicaIds);
    const pdp = await this.#dp.position(primaryId);
    const rdp: DataPlaneAnswer[] = [];
    for (const id of replicaIds) rdp.push(await this.#dp.position(id));
    const anyAnswered = pdp.ok || rdp.some((a) => a.ok);
    const primaryLsn = pdp.ok && !pdp.at.inRecovery ? pdp.at.lsn : undefined;
    const primary: PrimaryState = {
      ...this.#member(p, maintenance),
      ...this.#reach(p, pdp, anyAnswered),
      ...(primaryLsn ? { lsn: primaryLsn } : {}),
    };
    const states: ReplicaState[] = replicas.map((r, i) => {
      const dp = rdp[i]!;
      const lag = lags.get(replicaIds[i]!);
      const replay = dp.ok ? dp.at.lsn : undefined;
      return {
        ...this.#member(r, maintenance),
        ...this.#reach(r, dp, anyAnswered),
        sourceId: primaryId,
        state: streamState(r),
        ...(replay ? { replayLsn: replay } : {}),
        ...(replay && primaryLsn ? { lagBytes: Math.max(0, lsnBytesBehind(primaryLsn, replay)) } : {}),
        ...(lag ? { lagSeconds: lag.seconds } : {}),
      };
    });
    const pooler = await this.pooler?.find(primaryId);
    return { observedAt: this.#now().toISOString(), primary, replicas: states, ...(pooler ? { pooler } : {}) };
  }

  async prepare(): Promise<void> {}

  async release(): Promise<void> {}

  /** RDS has no write pause: the position the replica must reach, or '' to wait for ReplicaLag 0. */
  async stopWrites(primaryId: string): Promise<{ lsn: string; detail: string }> {
    this.#writesStoppedAt = this.#now();
    const through = this.pooler?.isPaused(this.#o.proxyName ?? '')
      ? `no new write reaches ${primaryId} through RDS Proxy ${this.#o.proxyName}`
      : `writes sent straight to ${primaryId} until the promotion will not be on the new primary`;
    const dp = await this.#dp.position(primaryId);
    if (dp.ok && !dp.at.inRecovery)
      return { lsn: dp.at.lsn, detail: `RDS has no write pause: ${through}; ${primaryId}'s WAL is at ${dp.at.lsn}` };
    return {
      lsn: '',
      detail: `RDS has no write pause: ${through}; ${primaryId}'s WAL position cannot be read from here (${dp.ok ? 'it is in recovery' : dp.reason}), so dbops waits for ReplicaLag 0`,
    };
  }

  async resumeWrites(): Promise<void> {}

  /** Until the replica's replay position passes `lsn` (data plane), or its ReplicaLag is 0 in a datapoint since writes stopped. */
  async waitForReplay(replicaId: string, lsn: string, opts: WaitOptions): Promise<{ replayLsn: string; detail: string }> {
    const started = Date.now();
    const since = (this.#writesStoppedAt ?? this.#now()).getTime() - 60_000;
    let last = 'no measure yet';
    for (;;) {
      if (opts.signal?.aborted) throw new Interrupted();
      const dp = lsn ? await this.#dp.position(replicaId) : undefined;
      if (dp?.ok) {
        if (lsnAtLeast(dp.at.lsn, lsn)) return { replayLsn: dp.at.lsn, detail: `${replicaId} replayed ${dp.at.lsn} (past ${lsn})` };
        last = `replayed ${dp.at.lsn} of ${lsn}`;
      } else {
        const lag = (await this.#replicaLag([replicaId])).get(replicaId);
        if (lag && lag.seconds === 0 && lag.at.getTime() >= since)
          return { replayLsn: '', detail: `${replicaId}'s ReplicaLag is 0 s (datapoint of ${lag.at.toISOString()})` };
        last = lag ? `ReplicaLag ${lag.seconds} s at ${lag.at.toISOString()}` : 'no ReplicaLag datapoint';
      }
      opts.onProgress?.(last, Date.now() - started);
      if (Date.now() - started >= opts.maxWaitSeconds * 1000) {
        throw new EnvironmentError(`${replicaId} had not caught up after ${opts.maxWaitSeconds} s (${last}).`, {
          hint: 'RDS publishes ReplicaLag once a minute: give --timeout 3min or more.',
        });
      }
      await sleep(this.#pollMs, undefined, opts.signal ? { signal: opts.signal } : {}).catch(() => undefined);
    }
  }

  /** Nothing to write into an RDS instance: it cannot become a replica of anything. */
  async demote(): Promise<void> {}

  async undoDemote(): Promise<void> {}

  async promote(replicaId: string, opts: { signal?: AbortSignal }): Promise<{ lsn: string; detail: string }> {
    const replica = await this.#describe(replicaId);
    const sourceRef = replica.ReadReplicaSourceDBInstanceIdentifier;
    const source = sourceRef ? await this.#describe(instanceIdOf(sourceRef)).catch(() => undefined) : undefined;
    const retention = source?.BackupRetentionPeriod || this.#o.backupRetentionDays;
    const window = source?.PreferredBackupWindow;
    const lag = (await this.#replicaLag([replicaId])).get(replicaId);
    if (lag) this.#lagAtPromotion.set(replicaId, lag);
    const dp = await this.#dp.position(replicaId);
    await this.#c.call({ operation: 'PromoteReadReplica', service: 'rds', instanceId: replicaId }, () =>
      this.#clients().rds.promoteReadReplica({
        DBInstanceIdentifier: replicaId,
        BackupRetentionPeriod: retention,
        ...(window ? { PreferredBackupWindow: window } : {}),
      }),
    );
    const started = Date.now();
    await waitFor<DBInstance>(
      {
        what: `DB instance ${replicaId} in ${this.#o.region} (promotion)`,
        target: 'available',
        poll: () =>
          this.#describe(replicaId).catch((e: unknown) => (isDbopsError(e) && e.kind === 'not-found' ? undefined : Promise.reject(e))),
        // Until RDS drops the source, the promotion has not happened, whatever the status says.
        statusOf: (db) => (db.ReadReplicaSourceDBInstanceIdentifier ? 'promoting' : statusOf(db)),
        failureStates: INSTANCE_FAILURE_STATES,
      },
      { maxWaitSeconds: this.#o.maxWaitSeconds, ...(opts.signal ? { signal: opts.signal } : {}) },
      this.#delays,
    );
    const secs = Math.round((Date.now() - started) / 1000);
    return {
      lsn: dp.ok ? dp.at.lsn : '',
      detail: `PromoteReadReplica ${replicaId} (BackupRetentionPeriod ${retention} days kept); available as a standalone primary after ${secs} s${lag ? `; its ReplicaLag was ${lag.seconds} s` : ''}${dp.ok ? `; replayed ${dp.at.lsn} before` : ''}`,
    };
  }

  /** RDS replicas cannot change source: a new read replica of the new primary; the old primary is kept. */
  async follow(oldPrimaryId: string, newPrimaryId: string): Promise<FollowResult> {
    const old = await this.#describe(oldPrimaryId);
    const replicaId = await this.#freeId(`${newPrimaryId}-replica`);
    await this.#base.createReadReplica({
      sourceInstanceId: newPrimaryId,
      replicaId,
      ...(old.DBInstanceClass ? { instanceClass: old.DBInstanceClass } : {}),
      publiclyAccessible: old.PubliclyAccessible ?? false,
      tags: { [TAG.purpose]: 'replica', [TAG.sourceInstance]: newPrimaryId },
    });
    return {
      rewound: false,
      replicaId,
      creating: true,
      detail: `an RDS instance cannot follow a promoted replica: read replica ${replicaId} of ${newPrimaryId} is being created (tagged dbops:managed); ${oldPrimaryId} is kept as a standalone instance: delete it with a final snapshot once you are sure (\`dbops instances delete ${oldPrimaryId}\`)`,
    };
  }

  /** `<base>`, else `<base>-2`, `-3`... : the first id no instance has. */
  async #freeId(baseId: string): Promise<string> {
    for (let n = 1; n < 100; n++) {
      const id = n === 1 ? baseId : `${baseId.slice(0, 60)}-${n}`;
      if (!(await this.#base.findInstance(id))) return id;
    }
    throw new EnvironmentError(`No free instance id like ${baseId}.`);
  }

  async repoint(replicaId: string): Promise<RepointResult> {
    return {
      follows: false,
      detail: `${replicaId} stays a replica of the old primary: an RDS replica cannot change source (create one of the new primary, or delete it)`,
    };
  }

  async fence(oldPrimaryId: string, record: Omit<FenceRecord, 'actions'>): Promise<FenceRecord> {
    const actions: string[] = [];
    const dp = await this.#dp.position(oldPrimaryId);
    if (dp.ok) this.#lastPosition.set(oldPrimaryId, dp.at);
    const db = await this.#describe(oldPrimaryId);
    if (db.DBInstanceArn) {
      const arn = db.DBInstanceArn;
      await this.#c.call({ operation: 'AddTagsToResource', service: 'rds', instanceId: oldPrimaryId }, () =>
        this.#clients().rds.addTagsToResource({
          ResourceName: arn,
          Tags: toRdsTags({ [FENCE_TAG.runId]: record.runId, [FENCE_TAG.at]: record.at, [FENCE_TAG.newPrimary]: record.newPrimaryId }),
        }),
      );
      actions.push(`tagged ${FENCE_TAG.runId}=${record.runId}: dbops treats it as fenced`);
    }
    actions.push(await this.#stop(oldPrimaryId, false));
    return { ...record, actions };
  }

  async completeFence(oldPrimaryId: string, fence: FenceRecord): Promise<FenceRecord> {
    if (!this.#stopPending.has(oldPrimaryId)) return fence;
    return { ...fence, actions: [...fence.actions, await this.#stop(oldPrimaryId, true)] };
  }

  /** StopDBInstance, said in one line whatever happens. */
  async #stop(id: string, retry: boolean): Promise<string> {
    try {
      const inst = await this.#base.stopInstance(id);
      this.#stopPending.delete(id);
      return `StopDBInstance ${id}${retry ? ' (after the promotion)' : ''}: ${inst.status} (RDS starts a stopped instance again after 7 days: delete it or stop it again)`;
    } catch (e) {
      if (!retry && isDbopsError(e) && e.kind === 'state-conflict') {
        this.#stopPending.add(id);
        return `StopDBInstance ${id} refused now (${messageOf(e)}); tried again right after the promotion`;
      }
      this.#stopPending.delete(id);
      return `StopDBInstance ${id} failed (${messageOf(e)}): it may still take writes sent straight to it; remove its security group's inbound rules by hand (runbooks/failover.md, FO-4)`;
    }
  }

  async lossSince(oldPrimaryId: string, promotedAtLsn: string, candidateId?: string): Promise<WalLoss | undefined> {
    const live = await this.#dp.position(oldPrimaryId);
    const old = live.ok && !live.at.inRecovery ? live.at : this.#lastPosition.get(oldPrimaryId);
    const lag = candidateId ? this.#lagAtPromotion.get(candidateId) : undefined;
    const bytes = old && promotedAtLsn ? Math.max(0, lsnBytesBehind(old.lsn, promotedAtLsn)) : undefined;
    let heartbeat = '';
    if (old?.heartbeatAt && candidateId) {
      const now = await this.#dp.position(candidateId);
      const newest = now.ok ? now.at.heartbeatAt : undefined;
      if (newest)
        heartbeat = `; newest heartbeat on ${oldPrimaryId} ${old.heartbeatAt.toISOString()}, on ${candidateId} ${newest.toISOString()} (${Math.max(0, Math.round((old.heartbeatAt.getTime() - newest.getTime()) / 1000))} s missing)`;
    }
    if (bytes === undefined && !lag) return undefined;
    const sources = [
      ...(bytes !== undefined ? [`WAL positions read on ${oldPrimaryId} and ${candidateId ?? 'the replica'}`] : []),
      ...(lag ? [`${candidateId}'s ReplicaLag at promotion (CloudWatch, ${lag.at.toISOString()})`] : []),
    ];
    return {
      ...(old ? { oldPrimaryLsn: old.lsn } : {}),
      ...(promotedAtLsn ? { promotedAtLsn } : {}),
      ...(bytes !== undefined ? { bytes } : {}),
      ...(lag ? { seconds: lag.seconds } : {}),
      source: `${sources.join('; ')}${heartbeat}`,
    };
  }

  /** Multi-AZ: RebootDBInstance with ForceFailover; the endpoint stays. */
  async failoverInPlace(primaryId: string, opts: WaitOptions): Promise<{ detail: string }> {
    const before = await this.#describe(primaryId);
    const started = Date.now();
    await this.#base.rebootInstance(primaryId, { forceFailover: true });
    const after = await this.#base.waitForInstance(primaryId, 'available', opts);
    const secs = Math.round((Date.now() - started) / 1000);
    const from = before.AvailabilityZone;
    const to = after?.availabilityZone;
    return {
      detail: `RebootDBInstance ${primaryId} ForceFailover: available again after ${secs} s${from && to ? `, primary moved ${from} -> ${to}` : ''}; same endpoint`,
    };
  }

  /** DeleteDBInstance with a final snapshot; deletion protection is respected, never turned off. */
  async retire(oldPrimaryId: string, opts: { runId: string }): Promise<{ detail: string }> {
    const db = await this.#describe(oldPrimaryId);
    if (db.DeletionProtection) {
      return {
        detail: `${oldPrimaryId} kept: deletion protection is on (dbops does not turn it off); turn it off and run \`dbops instances delete ${oldPrimaryId}\``,
      };
    }
    if ((db.ReadReplicaDBInstanceIdentifiers ?? []).length > 0) {
      return { detail: `${oldPrimaryId} kept: it still has read replicas (${(db.ReadReplicaDBInstanceIdentifiers ?? []).join(', ')})` };
    }
    const finalSnapshotId = `${oldPrimaryId}-final-${opts.runId.replace(/[^a-zA-Z0-9]+/g, '-')}`.slice(0, 255).replace(/-+$/, '');
    await this.#base.deleteInstance(oldPrimaryId, { skipFinalSnapshot: false, finalSnapshotId });
    return { detail: `DeleteDBInstance ${oldPrimaryId} with final snapshot ${finalSnapshotId} (deleting; the snapshot keeps its data)` };
  }

  async close(): Promise<void> {}
}

export function createAwsFailover(opts: AwsFailoverOptions, base: Provider): FailoverApi {
  return new AwsFailover(opts, base);
}
