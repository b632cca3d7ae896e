/**
 * The aws adapter of the Provider port: RDS, CloudWatch and Secrets Manager through the
 * AWS SDK v3. SDK modules load on the first call (the pool, sdk.ts); every call goes through
 * `#call`, which maps AWS errors to dbops errors (errors.ts); shapes are converted in
 * convert.ts, requests built in requests.ts, waits run on the SDK waiter (waiters.ts).
 */
import type { DBCluster, DBInstance, DBSnapshot } from '@aws-sdk/client-rds';
import { assumedRoleCredentials } from './accounts.js';
import { EnvironmentError, NotFoundError } from '../../errors.js';
import { Secret, registerSecret } from '../../secret.js';
import type { AwsProviderOptions } from '../index.js';
import type {
  ConnectionInfo,
  CopySnapshotInput,
  CreateInstanceInput,
  CreateReadReplicaInput,
  CreateSnapshotInput,
  DeleteInstanceInput,
  Instance,
  ListSnapshotsInput,
  MetricDatum,
  MetricQuery,
  MetricSeries,
  Provider,
  RestoreFromSnapshotInput,
  ReplicatedBackups,
  RestoreToPointInTimeInput,
  Snapshot,
  StartBackupReplicationInput,
  WaitOptions,
  Tags,
  AccountQuota,
} from '../types.js';
import { AwsClients, type RegionClients } from './sdk.js';
import { AwsClusters, notAnInstanceSnapshot, type ClusterCaller } from './clusters.js';
import { engineOf, instanceIdOf, newestReplicated, toInstance, toRdsTags, toSnapshot } from './convert.js';
import { instanceNotFound, mapAwsError, snapshotNotFound, type AwsCallContext } from './errors.js';
import {
  MAX_DATUMS_PER_CALL,
  MAX_QUERIES_PER_CALL,
  chunk,
  emptySeries,
  mergePage,
  toCwDatum,
  toMetricDataQuery,
  validateQueries,
} from './metrics.js';
import {
  copySnapshotRequest,
  createInstanceRequest,
  createSnapshotRequest,
  deleteInstanceRequest,
  readReplicaRequest,
  restoreFromSnapshotRequest,
  restoreToPointInTimeRequest,
} from './requests.js';
import { DEFAULT_POLL_DELAYS, INSTANCE_FAILURE_STATES, SNAPSHOT_FAILURE_STATES, waitFor, type PollDelays } from './waiters.js';

/** Knobs production leaves alone; tests shrink the waiter's delays so nothing sleeps. */
export interface AwsProviderTuning {
  /** Waiter back-off floor in seconds (default 15). */
  pollDelaySeconds?: number;
  /** Waiter back-off ceiling in seconds (default 60, or 4 x pollDelaySeconds when that is set). */
  maxPollDelaySeconds?: number;
}

/** Describe* page size. */
const PAGE_SIZE = 100;

type CallFacts = Omit<AwsCallContext, 'region' | 'endpointUrl' | 'maxAttempts'>;

function pollDelays(tuning: AwsProviderTuning): PollDelays {
  const min = tuning.pollDelaySeconds ?? DEFAULT_POLL_DELAYS.minDelaySeconds;
  const max = tuning.maxPollDelaySeconds ?? (tuning.pollDelaySeconds ? min * 4 : DEFAULT_POLL_DELAYS.maxDelaySeconds);
  return { minDelaySeconds: min, maxDelaySeconds: Math.max(min, max) };
}

async function allPages<P extends { Marker?: string | undefined }>(fetch: (marker: string | undefined) => Promise<P>): Promise<P[]> {
  const pages: P[] = [];
  let marker: string | undefined;
  do {
    const page = await fetch(marker);
    pages.push(page);
    marker = page.Marker;
  } while (marker);
  return pages;
}

function parsePassword(secretString: string | undefined): string | undefined {
  try {
    const parsed: unknown = JSON.parse(secretString ?? '');
    const password = (parsed as { password?: unknown } | null)?.password;
    return typeof password === 'string' ? password : undefined;
  } catch {
    // The parser's message quotes the text, which is a secret: say nothing of it.
    return undefined;
  }
}

class AwsProvider implements Provider {
  readonly name = 'aws' as const;
  readonly region: string;
  readonly #opts: AwsProviderOptions;
  readonly #delays: PollDelays;
  readonly #pool: AwsClients;
  readonly clusters: AwsClusters;

  constructor(opts: AwsProviderOptions, delays: PollDelays, pool: AwsClients) {
    this.region = opts.region;
    this.#opts = opts;
    this.#delays = delays;
    this.#pool = pool;
    this.clusters = new AwsClusters(this.#clusterCaller());
  }

  /** The clusters call AWS through this provider's caller, pool and waits. */
  #clusterCaller(): ClusterCaller {
    return {
      region: this.region,
      call: (facts, fn) => this.#call(facts, fn),
      inRegion: (region) => this.#inRegion(region).#clusterCaller(),
      findInstanceSnapshot: (id) => this.#lookupSnapshot(id),
      delays: this.#delays,
      waitOptions: (opts) => this.#waitOptions(opts),
    };
  }

  /** The pool this provider (and every adapter built on it) calls AWS through. */
  get clients(): AwsClients {
    return this.#pool;
  }

  forRegion(region: string): Provider {
    return this.#inRegion(region);
  }

  #inRegion(region: string): AwsProvider {
    return region === this.region ? this : new AwsProvider({ ...this.#opts, region }, this.#delays, this.#pool);
  }

  #clients(): RegionClients {
    if (!this.region) {
      throw new EnvironmentError('No AWS region is set.', {
        hint: 'Pass --region, set `region` in the config, or export AWS_REGION.',
      });
    }
    return this.#pool.forRegion(this.region);
  }

  /** Every SDK call goes through here: one place maps what AWS throws. */
  async #call<T>(facts: CallFacts, fn: (clients: RegionClients) => Promise<T>): Promise<T> {
    try {
      return await fn(this.#clients());
    } catch (e) {
      throw mapAwsError(e, {
        ...facts,
        region: this.region,
        endpointUrl: this.#opts.endpointUrl,
        maxAttempts: this.#opts.maxAttempts,
      });
    }
  }

  #instance(db: DBInstance | undefined, operation: string): Instance {
    if (!db) throw new EnvironmentError(`AWS ${operation} returned no DB instance.`);
    return toInstance(db, this.region);
  }

  #snapshot(s: DBSnapshot | undefined, operation: string): Snapshot {
    if (!s) throw new EnvironmentError(`AWS ${operation} returned no DB snapshot.`);
    return toSnapshot(s, this.region);
  }

  // ---- instances ----

  async createInstance(input: CreateInstanceInput): Promise<Instance> {
    const out = await this.#call({ operation: 'CreateDBInstance', service: 'rds', newInstanceId: input.id }, (c) =>
      c.rds.createDBInstance(createInstanceRequest(input)),
    );
    return this.#instance(out.DBInstance, 'CreateDBInstance');
  }

  async #describeDbInstance(id: string): Promise<DBInstance> {
    const out = await this.#call({ operation: 'DescribeDBInstances', service: 'rds', instanceId: id }, (c) =>
      c.rds.describeDBInstances({ DBInstanceIdentifier: id }),
    );
    const db = out.DBInstances?.[0];
    if (!db) throw instanceNotFound(id, this.region);
    return db;
  }

  async describeInstance(id: string): Promise<Instance> {
    return toInstance(await this.#describeDbInstance(id), this.region);
  }

  async findInstance(id: string): Promise<Instance | undefined> {
    try {
      return await this.describeInstance(id);
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
  }

  /** This account's RDS quotas in this region (DescribeAccountAttributes): DBInstances, ManualSnapshots, … */
  async accountQuotas(): Promise<AccountQuota[]> {
    const out = await this.#call({ operation: 'DescribeAccountAttributes', service: 'rds' }, (c) => c.rds.describeAccountAttributes({}));
    return (out.AccountQuotas ?? [])
      .filter((q) => q.AccountQuotaName !== undefined)
      .map((q) => ({ name: q.AccountQuotaName!, used: q.Used ?? 0, max: q.Max ?? 0 }));
  }

  /** Instances of the engines dbops runs (PostgreSQL, MySQL); others are not listed. */
  async listInstances(): Promise<Instance[]> {
    const pages = await allPages((Marker) =>
      this.#call({ operation: 'DescribeDBInstances', service: 'rds' }, (c) =>
        c.rds.describeDBInstances({ MaxRecords: PAGE_SIZE, ...(Marker ? { Marker } : {}) }),
      ),
    );
    return pages
      .flatMap((p) => p.DBInstances ?? [])
      .filter((db) => engineOf(db.Engine) !== undefined)
      .map((db) => toInstance(db, this.region));
  }

  async deleteInstance(id: string, input: DeleteInstanceInput): Promise<void> {
    const request = deleteInstanceRequest(id, input);
    await this.#call({ operation: 'DeleteDBInstance', service: 'rds', instanceId: id, newSnapshotId: input.finalSnapshotId }, (c) =>
      c.rds.deleteDBInstance(request),
    );
  }

  async waitForInstance(id: string, target: 'available' | 'deleted', opts: WaitOptions): Promise<Instance | undefined> {
    return waitFor(
      {
        what: `DB instance ${id} in ${this.region}`,
        target,
        poll: () => this.findInstance(id),
        statusOf: (i) => i.status,
        failureStates: INSTANCE_FAILURE_STATES,
      },
      this.#waitOptions(opts),
      this.#delays,
    );
  }

  /** The port requires maxWaitSeconds; a caller passing none (0) gets the configured ceiling. */
  #waitOptions(opts: WaitOptions): WaitOptions {
    return opts.maxWaitSeconds > 0 ? opts : { ...opts, maxWaitSeconds: this.#opts.maxWaitSeconds };
  }

  async rebootInstance(id: string, opts: { forceFailover: boolean }): Promise<Instance> {
    const out = await this.#call({ operation: 'RebootDBInstance', service: 'rds', instanceId: id }, (c) =>
      c.rds.rebootDBInstance({ DBInstanceIdentifier: id, ForceFailover: opts.forceFailover }),
    );
    return this.#instance(out.DBInstance, 'RebootDBInstance');
  }

  /** StartDBInstance; an instance already running is returned as described. */
  async startInstance(id: string): Promise<Instance> {
    const now = await this.describeInstance(id);
    if (now.status !== 'stopped') return now;
    const out = await this.#call({ operation: 'StartDBInstance', service: 'rds', instanceId: id }, (c) =>
      c.rds.startDBInstance({ DBInstanceIdentifier: id }),
    );
    return this.#instance(out.DBInstance, 'StartDBInstance');
  }

  /** StopDBInstance (RDS starts it again by itself after 7 days); an instance already stopped is returned as described. */
  async stopInstance(id: string): Promise<Instance> {
    const now = await this.describeInstance(id);
    if (now.status === 'stopped' || now.status === 'stopping') return now;
    const out = await this.#call({ operation: 'StopDBInstance', service: 'rds', instanceId: id }, (c) =>
      c.rds.stopDBInstance({ DBInstanceIdentifier: id }),
    );
    return this.#instance(out.DBInstance, 'StopDBInstance');
  }

  // ---- snapshots ----

  async createSnapshot(input: CreateSnapshotInput): Promise<Snapshot> {
    const out = await this.#call(
      { operation: 'CreateDBSnapshot', service: 'rds', instanceId: input.instanceId, newSnapshotId: input.snapshotId },
      (c) => c.rds.createDBSnapshot(createSnapshotRequest(input)),
    );
    return this.#snapshot(out.DBSnapshot, 'CreateDBSnapshot');
  }

  /** NotFoundError when it does not exist; a UsageError when the id is a cluster snapshot's. */
  async describeSnapshot(id: string): Promise<Snapshot> {
    const found = await this.#lookupSnapshot(id);
    if (found) return found;
    // Best effort: a failing second look (no permission for cluster snapshots) leaves the plain not-found.
    const other = await this.clusters.findClusterSnapshot(id).catch(() => undefined);
    if (other) throw notAnInstanceSnapshot(id, other);
    throw snapshotNotFound(id, this.region);
  }

  async #lookupSnapshot(id: string): Promise<Snapshot | undefined> {
    try {
      const out = await this.#call({ operation: 'DescribeDBSnapshots', service: 'rds', snapshotId: id }, (c) =>
        c.rds.describeDBSnapshots({ DBSnapshotIdentifier: id }),
      );
      const s = out.DBSnapshots?.[0];
      return s ? toSnapshot(s, this.region) : undefined;
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
  }

  /** The instance snapshot, or undefined (also when the id is a cluster snapshot's). */
  async findSnapshot(id: string): Promise<Snapshot | undefined> {
    return this.#lookupSnapshot(id);
  }

  /** Snapshots in this provider's region (manual and automated unless `type` says otherwise). */
  async listSnapshots(input: ListSnapshotsInput = {}): Promise<Snapshot[]> {
    const filter = {
      ...(input.instanceId ? { DBInstanceIdentifier: input.instanceId } : {}),
      ...(input.type && input.type !== 'all' ? { SnapshotType: input.type } : {}),
    };
    const pages = await allPages((Marker) =>
      this.#call({ operation: 'DescribeDBSnapshots', service: 'rds', instanceId: input.instanceId }, (c) =>
        c.rds.describeDBSnapshots({ ...filter, MaxRecords: PAGE_SIZE, ...(Marker ? { Marker } : {}) }),
      ),
    );
    return pages
      .flatMap((p) => p.DBSnapshots ?? [])
      .filter((s) => engineOf(s.Engine) !== undefined)
      .map((s) => toSnapshot(s, this.region));
  }

  async deleteSnapshot(id: string): Promise<void> {
    await this.#call({ operation: 'DeleteDBSnapshot', service: 'rds', snapshotId: id }, (c) =>
      c.rds.deleteDBSnapshot({ DBSnapshotIdentifier: id }),
    );
  }

  /** The CopyDBSnapshot request goes to the target region's client; the source is named by ARN. */
  async copySnapshot(input: CopySnapshotInput): Promise<Snapshot> {
    const source = await this.describeSnapshot(input.snapshotId);
    const request = copySnapshotRequest(input, source);
    const target = this.#inRegion(input.targetRegion);
    const out = await target.#call(
      { operation: 'CopyDBSnapshot', service: 'rds', snapshotId: input.snapshotId, newSnapshotId: input.targetSnapshotId },
      (c) => c.rds.copyDBSnapshot(request),
    );
    return target.#snapshot(out.DBSnapshot, 'CopyDBSnapshot');
  }

  async waitForSnapshot(id: string, target: 'available' | 'deleted', opts: WaitOptions): Promise<Snapshot | undefined> {
    return waitFor(
      {
        what: `DB snapshot ${id} in ${this.region}`,
        target,
        poll: () => this.findSnapshot(id),
        statusOf: (s) => s.status,
        detailOf: (s) => (s.progressPercent === undefined ? undefined : `${s.progressPercent}%`),
        failureStates: SNAPSHOT_FAILURE_STATES,
      },
      this.#waitOptions(opts),
      this.#delays,
    );
  }

  async tagSnapshot(id: string, tags: Tags): Promise<void> {
    if (Object.keys(tags).length === 0) return;
    const s = await this.describeSnapshot(id);
    if (!s.arn) throw new EnvironmentError(`AWS returned no ARN for snapshot ${id}; cannot tag it.`);
    const arn = s.arn;
    await this.#call({ operation: 'AddTagsToResource', service: 'rds', snapshotId: id }, (c) =>
      c.rds.addTagsToResource({ ResourceName: arn, Tags: toRdsTags(tags) }),
    );
  }

  // ---- restores and replicas ----

  async restoreFromSnapshot(input: RestoreFromSnapshotInput): Promise<Instance> {
    const out = await this.#call(
      {
        operation: 'RestoreDBInstanceFromDBSnapshot',
        service: 'rds',
        snapshotId: input.snapshotId,
        newInstanceId: input.instanceId,
      },
      (c) => c.rds.restoreDBInstanceFromDBSnapshot(restoreFromSnapshotRequest(input)),
    );
    return this.#instance(out.DBInstance, 'RestoreDBInstanceFromDBSnapshot');
  }

  async restoreToPointInTime(input: RestoreToPointInTimeInput): Promise<Instance> {
    const out = await this.#call(
      {
        operation: 'RestoreDBInstanceToPointInTime',
        service: 'rds',
        instanceId: input.sourceInstanceId,
        newInstanceId: input.instanceId,
      },
      (c) => c.rds.restoreDBInstanceToPointInTime(restoreToPointInTimeRequest(input)),
    );
    return this.#instance(out.DBInstance, 'RestoreDBInstanceToPointInTime');
  }

  /** DescribeDBInstanceAutomatedBackups in this (DR) region: the source's backups replicated here, newest window first. */
  async findReplicatedBackups(sourceInstanceId: string): Promise<ReplicatedBackups | undefined> {
    let out: Awaited<ReturnType<RegionClients['rds']['describeDBInstanceAutomatedBackups']>>;
    try {
      out = await this.#call({ operation: 'DescribeDBInstanceAutomatedBackups', service: 'rds', instanceId: sourceInstanceId }, (c) =>
        c.rds.describeDBInstanceAutomatedBackups({ DBInstanceIdentifier: sourceInstanceId }),
      );
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
    return newestReplicated(out.DBInstanceAutomatedBackups ?? [], sourceInstanceId, this.region);
  }

  /** StartDBInstanceAutomatedBackupsReplication, sent from this (DR) region's client. */
  async startBackupReplication(input: StartBackupReplicationInput): Promise<ReplicatedBackups | undefined> {
    const out = await this.#call(
      { operation: 'StartDBInstanceAutomatedBackupsReplication', service: 'rds', instanceId: instanceIdOf(input.sourceInstanceArn) },
      (c) =>
        c.rds.startDBInstanceAutomatedBackupsReplication({
          SourceDBInstanceArn: input.sourceInstanceArn,
          BackupRetentionPeriod: input.retentionDays,
          ...(input.kmsKeyId ? { KmsKeyId: input.kmsKeyId } : {}),
        }),
    );
    return out.DBInstanceAutomatedBackup
      ? newestReplicated([out.DBInstanceAutomatedBackup], instanceIdOf(input.sourceInstanceArn), this.region)
      : undefined;
  }

  async createReadReplica(input: CreateReadReplicaInput): Promise<Instance> {
    const out = await this.#call(
      {
        operation: 'CreateDBInstanceReadReplica',
        service: 'rds',
        instanceId: input.sourceInstanceId,
        newInstanceId: input.replicaId,
      },
      (c) => c.rds.createDBInstanceReadReplica(readReplicaRequest(input)),
    );
    return this.#instance(out.DBInstance, 'CreateDBInstanceReadReplica');
  }

  async promoteReadReplica(id: string): Promise<Instance> {
    const out = await this.#call({ operation: 'PromoteReadReplica', service: 'rds', instanceId: id }, (c) =>
      c.rds.promoteReadReplica({ DBInstanceIdentifier: id }),
    );
    return this.#instance(out.DBInstance, 'PromoteReadReplica');
  }

  // ---- metrics ----

  /** One series per query, in query order; batches of 500 queries, every page followed. */
  async getMetricData(queries: MetricQuery[], range: { start: Date; end: Date }): Promise<MetricSeries[]> {
    validateQueries(queries);
    const series = emptySeries(queries);
    for (const batch of chunk(queries, MAX_QUERIES_PER_CALL)) {
      const MetricDataQueries = batch.map(toMetricDataQuery);
      let NextToken: string | undefined;
      do {
        const out = await this.#call({ operation: 'GetMetricData', service: 'monitoring' }, (c) =>
          c.cloudWatch.getMetricData({
            MetricDataQueries,
            StartTime: range.start,
            EndTime: range.end,
            ScanBy: 'TimestampAscending',
            ...(NextToken ? { NextToken } : {}),
          }),
        );
        mergePage(series, out.MetricDataResults);
        NextToken = out.NextToken;
      } while (NextToken);
    }
    return [...series.values()];
  }

  async putMetricData(namespace: string, data: MetricDatum[]): Promise<void> {
    for (const batch of chunk(data, MAX_DATUMS_PER_CALL)) {
      await this.#call({ operation: 'PutMetricData', service: 'monitoring' }, (c) =>
        c.cloudWatch.putMetricData({ Namespace: namespace, MetricData: batch.map(toCwDatum) }),
      );
    }
  }

  // ---- connections ----

  /**
   * An instance's endpoint; an Aurora cluster's id gives the cluster (writer) endpoint. A
   * cluster's user, database and RDS-managed secret are the cluster's, for its members too.
   */
  async connectionInfo(id: string): Promise<ConnectionInfo> {
    let db: DBInstance;
    try {
      db = await this.#describeDbInstance(id);
    } catch (e) {
      const cluster = e instanceof NotFoundError ? await this.#describeDbCluster(id) : undefined;
      if (!cluster) throw e;
      return this.#connection(id, cluster.Endpoint, cluster.Port, cluster.Status, cluster);
    }
    const cluster = db.DBClusterIdentifier ? await this.#describeDbCluster(db.DBClusterIdentifier) : undefined;
    return this.#connection(id, db.Endpoint?.Address, db.Endpoint?.Port, db.DBInstanceStatus, cluster ?? db);
  }

  async #describeDbCluster(id: string): Promise<DBCluster | undefined> {
    try {
      const out = await this.#call({ operation: 'DescribeDBClusters', service: 'rds', clusterId: id }, (c) =>
        c.rds.describeDBClusters({ DBClusterIdentifier: id }),
      );
      return out.DBClusters?.[0];
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
  }

  async #connection(
    id: string,
    host: string | undefined,
    port: number | undefined,
    status: string | undefined,
    owner: DBInstance | DBCluster,
  ): Promise<ConnectionInfo> {
    if (!host || !port) {
      throw new EnvironmentError(`DB instance ${id} has no endpoint yet (status ${status ?? 'unknown'}).`, {
        hint: 'Wait until it is available (`dbops instances`), then retry.',
      });
    }
    const password = await this.#password(id, owner.MasterUserSecret?.SecretArn);
    const caBundle = this.#opts.caBundle;
    const database = 'DBName' in owner ? owner.DBName : 'DatabaseName' in owner ? owner.DatabaseName : undefined;
    return {
      host,
      port,
      user: owner.MasterUsername ?? 'postgres',
      database: database ?? 'postgres',
      ...(engineOf(owner.Engine) === 'mysql' ? { engine: 'mysql' as const } : {}),
      ...(password ? { password } : {}),
      ...(caBundle ? { ssl: 'verify-full' as const, caBundlePath: caBundle } : { ssl: 'require' as const }),
    };
  }

  /** DBOPS_DB_PASSWORD wins; otherwise the RDS-managed master secret; otherwise none. */
  async #password(id: string, secretArn: string | undefined): Promise<Secret | undefined> {
    const fromEnv = this.#opts.env.DBOPS_DB_PASSWORD;
    const value = fromEnv ? fromEnv : await this.#managedPassword(id, secretArn);
    if (value === undefined) return undefined;
    const secret = new Secret(value);
    registerSecret(secret);
    return secret;
  }

  async #managedPassword(id: string, secretArn: string | undefined): Promise<string | undefined> {
    if (!secretArn) return undefined;
    const out = await this.#call({ operation: 'GetSecretValue', service: 'secretsmanager', instanceId: id }, (c) =>
      c.secretsManager.getSecretValue({ SecretId: secretArn }),
    );
    const password = parsePassword(out.SecretString);
    if (password === undefined) {
      throw new EnvironmentError(`The master user secret of DB instance ${id} holds no password.`, {
        hint: 'Check the secret in Secrets Manager, or set DBOPS_DB_PASSWORD.',
      });
    }
    return password;
  }

  async close(): Promise<void> {
    this.#pool.destroy();
  }
}

/**
 * The aws provider. `tuning` is for tests (tiny waiter delays); production passes none.
 * Providers returned by `forRegion` share this one's clients, and `close()` on any of
 * them destroys them all (later calls create fresh clients).
 */
export function createAwsProvider(opts: AwsProviderOptions, tuning: AwsProviderTuning = {}): Provider {
  const settings = { profile: opts.profile, endpointUrl: opts.endpointUrl, maxAttempts: opts.maxAttempts };
  if (!opts.assumeRole) return new AwsProvider(opts, pollDelays(tuning), new AwsClients(settings));
  // Another account: the caller's own STS client assumes the role; every client of the pool signs with the session.
  const own = new AwsClients(settings);
  const credentials = assumedRoleCredentials(own.forRegion(opts.region).sts, opts.assumeRole, { region: opts.region, ...settings });
  const pool = new AwsClients({ ...settings, credentials });
  pool.alsoDestroy(own);
  return new AwsProvider(opts, pollDelays(tuning), pool);
}

/** The client pool of an aws Provider, so the adapters built on it share its clients; undefined for any other provider. */
export function awsClientsOf(provider: Provider): AwsClients | undefined {
  return provider instanceof AwsProvider ? provider.clients : undefined;
}
