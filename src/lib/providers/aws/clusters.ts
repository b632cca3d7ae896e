/**
 * The aws adapter's Aurora clusters (the port's ClusterApi): the DBCluster* calls, through
 * the provider's one caller (AWS errors mapped in errors.ts) and its client pool.
 * Requests and shapes are built in cluster-convert.ts.
 */
import type { DBCluster } from '@aws-sdk/client-rds';
import { EnvironmentError, NotFoundError, UsageError } from '../../errors.js';
import type {
  Cluster,
  ClusterApi,
  CopySnapshotInput,
  CreateClusterInput,
  CreateClusterInstanceInput,
  CreateClusterSnapshotInput,
  DeleteInstanceInput,
  Instance,
  ListClusterSnapshotsInput,
  ModifyClusterInput,
  RestoreClusterInput,
  Snapshot,
  Tags,
  WaitOptions,
} from '../types.js';
import {
  copyClusterSnapshotRequest,
  createClusterInstanceRequest,
  createClusterRequest,
  createClusterSnapshotRequest,
  deleteClusterRequest,
  modifyClusterRequest,
  restoreClusterFromSnapshotRequest,
  restoreClusterToPointInTimeRequest,
  toCluster,
  toClusterSnapshot,
} from './cluster-convert.js';
import { toInstance, toRdsTags } from './convert.js';
import { clusterNotFound, clusterSnapshotNotFound, type AwsCallContext } from './errors.js';
import type { RegionClients } from './sdk.js';
import { INSTANCE_FAILURE_STATES, SNAPSHOT_FAILURE_STATES, waitFor, type PollDelays } from './waiters.js';

type CallFacts = Omit<AwsCallContext, 'region' | 'endpointUrl' | 'maxAttempts'>;

/** How the clusters reach AWS: the provider's caller in one region. */
export interface ClusterCaller {
  readonly region: string;
  call<T>(facts: CallFacts, fn: (clients: RegionClients) => Promise<T>): Promise<T>;
  /** The same in another region (a cross-region copy is sent there). */
  inRegion(region: string): ClusterCaller;
  /** An instance snapshot of that id, when a cluster snapshot was not found (the wrong kind of id). */
  findInstanceSnapshot(id: string): Promise<Snapshot | undefined>;
  delays: PollDelays;
  waitOptions(opts: WaitOptions): WaitOptions;
}

const PAGE_SIZE = 100;

/** Statuses from which a cluster will not become available by itself. */
const CLUSTER_FAILURE_STATES: ReadonlySet<string> = new Set([
  ...INSTANCE_FAILURE_STATES,
  'inaccessible-encryption-credentials-recoverable',
]);

/** The error for an id of the wrong kind: an instance snapshot where a cluster snapshot was expected. */
export function notAClusterSnapshot(id: string, instanceSnapshot: Snapshot): UsageError {
  return new UsageError(
    `${id} is a snapshot of the DB instance ${instanceSnapshot.instanceId}, not a cluster snapshot: an Aurora cluster restores and copies only cluster snapshots.`,
    { hint: 'Pass a snapshot of the cluster (`dbops snapshot list` shows each snapshot with its database and kind).' },
  );
}

/** The error for a cluster snapshot id where an instance snapshot was expected. */
export function notAnInstanceSnapshot(id: string, clusterSnapshot: Snapshot): UsageError {
  return new UsageError(
    `${id} is a snapshot of the Aurora cluster ${clusterSnapshot.instanceId}, not a DB instance snapshot: instance snapshots and cluster snapshots are not interchangeable.`,
    { hint: 'Pass a snapshot of the instance (`dbops snapshot list` shows each snapshot with its database and kind).' },
  );
}

export class AwsClusters implements ClusterApi {
  constructor(private readonly c: ClusterCaller) {}

  #cluster(c: DBCluster | undefined, operation: string): Cluster {
    if (!c) throw new EnvironmentError(`AWS ${operation} returned no DB cluster.`);
    return toCluster(c, this.c.region);
  }

  async createCluster(input: CreateClusterInput): Promise<Cluster> {
    const request = createClusterRequest(input);
    const out = await this.c.call({ operation: 'CreateDBCluster', service: 'rds', newClusterId: input.id }, (k) =>
      k.rds.createDBCluster(request),
    );
    return this.#cluster(out.DBCluster, 'CreateDBCluster');
  }

  async createClusterInstance(input: CreateClusterInstanceInput): Promise<Instance> {
    const out = await this.c.call(
      { operation: 'CreateDBInstance', service: 'rds', clusterId: input.clusterId, newInstanceId: input.instanceId },
      (k) => k.rds.createDBInstance(createClusterInstanceRequest(input)),
    );
    if (!out.DBInstance) throw new EnvironmentError('AWS CreateDBInstance returned no DB instance.');
    return toInstance(out.DBInstance, this.c.region);
  }

  async describeCluster(id: string): Promise<Cluster> {
    const out = await this.c.call({ operation: 'DescribeDBClusters', service: 'rds', clusterId: id }, (k) =>
      k.rds.describeDBClusters({ DBClusterIdentifier: id }),
    );
    const c = out.DBClusters?.[0];
    if (!c) throw clusterNotFound(id, this.c.region);
    return toCluster(c, this.c.region);
  }

  async findCluster(id: string): Promise<Cluster | undefined> {
    try {
      return await this.describeCluster(id);
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
  }

  /** Aurora PostgreSQL clusters (the engines dbops runs); others are not listed. */
  async listClusters(): Promise<Cluster[]> {
    const out: Cluster[] = [];
    let Marker: string | undefined;
    do {
      const page = await this.c.call({ operation: 'DescribeDBClusters', service: 'rds' }, (k) =>
        k.rds.describeDBClusters({ MaxRecords: PAGE_SIZE, ...(Marker ? { Marker } : {}) }),
      );
      for (const c of page.DBClusters ?? []) if (c.Engine === 'aurora-postgresql') out.push(toCluster(c, this.c.region));
      Marker = page.Marker;
    } while (Marker);
    return out;
  }

  async modifyCluster(id: string, input: ModifyClusterInput): Promise<Cluster> {
    const out = await this.c.call({ operation: 'ModifyDBCluster', service: 'rds', clusterId: id }, (k) =>
      k.rds.modifyDBCluster(modifyClusterRequest(id, input)),
    );
    return this.#cluster(out.DBCluster, 'ModifyDBCluster');
  }

  async deleteCluster(id: string, input: DeleteInstanceInput): Promise<void> {
    const request = deleteClusterRequest(id, input);
    await this.c.call({ operation: 'DeleteDBCluster', service: 'rds', clusterId: id, newSnapshotId: input.finalSnapshotId }, (k) =>
      k.rds.deleteDBCluster(request),
    );
  }

  async waitForCluster(id: string, target: 'available' | 'deleted', opts: WaitOptions): Promise<Cluster | undefined> {
    return waitFor(
      {
        what: `DB cluster ${id} in ${this.c.region}`,
        target,
        poll: () => this.findCluster(id),
        statusOf: (c) => c.status,
        failureStates: CLUSTER_FAILURE_STATES,
      },
      this.c.waitOptions(opts),
      this.c.delays,
    );
  }

  async failoverCluster(id: string, targetInstanceId: string): Promise<Cluster> {
    const out = await this.c.call({ operation: 'FailoverDBCluster', service: 'rds', clusterId: id, instanceId: targetInstanceId }, (k) =>
      k.rds.failoverDBCluster({ DBClusterIdentifier: id, TargetDBInstanceIdentifier: targetInstanceId }),
    );
    return this.#cluster(out.DBCluster, 'FailoverDBCluster');
  }

  async restoreCluster(input: RestoreClusterInput): Promise<Cluster> {
    const from = input.from;
    if (from.kind === 'snapshot') {
      const request = restoreClusterFromSnapshotRequest(input, from.snapshotId);
      const out = await this.c.call(
        { operation: 'RestoreDBClusterFromSnapshot', service: 'rds', snapshotId: from.snapshotId, newClusterId: input.clusterId },
        (k) => k.rds.restoreDBClusterFromSnapshot(request),
      );
      return this.#cluster(out.DBCluster, 'RestoreDBClusterFromSnapshot');
    }
    const request = restoreClusterToPointInTimeRequest(input, from);
    const out = await this.c.call(
      { operation: 'RestoreDBClusterToPointInTime', service: 'rds', clusterId: from.sourceClusterId, newClusterId: input.clusterId },
      (k) => k.rds.restoreDBClusterToPointInTime(request),
    );
    return this.#cluster(out.DBCluster, 'RestoreDBClusterToPointInTime');
  }

  // ---- cluster snapshots ----

  async createClusterSnapshot(input: CreateClusterSnapshotInput): Promise<Snapshot> {
    const out = await this.c.call(
      { operation: 'CreateDBClusterSnapshot', service: 'rds', clusterId: input.clusterId, newSnapshotId: input.snapshotId },
      (k) => k.rds.createDBClusterSnapshot(createClusterSnapshotRequest(input)),
    );
    if (!out.DBClusterSnapshot) throw new EnvironmentError('AWS CreateDBClusterSnapshot returned no DB cluster snapshot.');
    return toClusterSnapshot(out.DBClusterSnapshot, this.c.region);
  }

  /** NotFoundError when it does not exist; a UsageError when the id is an instance snapshot's. */
  async describeClusterSnapshot(id: string): Promise<Snapshot> {
    const found = await this.#lookupClusterSnapshot(id);
    if (found) return found;
    // Best effort: a failing second look leaves the plain not-found.
    const other = await this.c.findInstanceSnapshot(id).catch(() => undefined);
    if (other) throw notAClusterSnapshot(id, other);
    throw clusterSnapshotNotFound(id, this.c.region);
  }

  async #lookupClusterSnapshot(id: string): Promise<Snapshot | undefined> {
    try {
      const out = await this.c.call({ operation: 'DescribeDBClusterSnapshots', service: 'rds', snapshotId: id }, (k) =>
        k.rds.describeDBClusterSnapshots({ DBClusterSnapshotIdentifier: id }),
      );
      const s = out.DBClusterSnapshots?.[0];
      return s ? toClusterSnapshot(s, this.c.region) : undefined;
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
  }

  /** The cluster snapshot, or undefined (also when the id is an instance snapshot's). */
  async findClusterSnapshot(id: string): Promise<Snapshot | undefined> {
    return this.#lookupClusterSnapshot(id);
  }

  async listClusterSnapshots(input: ListClusterSnapshotsInput = {}): Promise<Snapshot[]> {
    const filter = {
      ...(input.clusterId ? { DBClusterIdentifier: input.clusterId } : {}),
      ...(input.type && input.type !== 'all' ? { SnapshotType: input.type } : {}),
    };
    const out: Snapshot[] = [];
    let Marker: string | undefined;
    do {
      const page = await this.c.call({ operation: 'DescribeDBClusterSnapshots', service: 'rds', clusterId: input.clusterId }, (k) =>
        k.rds.describeDBClusterSnapshots({ ...filter, MaxRecords: PAGE_SIZE, ...(Marker ? { Marker } : {}) }),
      );
      for (const s of page.DBClusterSnapshots ?? []) if (s.Engine === 'aurora-postgresql') out.push(toClusterSnapshot(s, this.c.region));
      Marker = page.Marker;
    } while (Marker);
    return out;
  }

  async deleteClusterSnapshot(id: string): Promise<void> {
    await this.c.call({ operation: 'DeleteDBClusterSnapshot', service: 'rds', snapshotId: id }, (k) =>
      k.rds.deleteDBClusterSnapshot({ DBClusterSnapshotIdentifier: id }),
    );
  }

  /** The request goes to the target region's client; the source is named by ARN. */
  async copyClusterSnapshot(input: CopySnapshotInput): Promise<Snapshot> {
    const source = await this.describeClusterSnapshot(input.snapshotId);
    const request = copyClusterSnapshotRequest(input, source);
    const target = this.c.inRegion(input.targetRegion);
    const out = await target.call(
      { operation: 'CopyDBClusterSnapshot', service: 'rds', snapshotId: input.snapshotId, newSnapshotId: input.targetSnapshotId },
      (k) => k.rds.copyDBClusterSnapshot(request),
    );
    if (!out.DBClusterSnapshot) throw new EnvironmentError('AWS CopyDBClusterSnapshot returned no DB cluster snapshot.');
    return toClusterSnapshot(out.DBClusterSnapshot, input.targetRegion);
  }

  async tagClusterSnapshot(id: string, tags: Tags): Promise<void> {
    if (Object.keys(tags).length === 0) return;
    const s = await this.describeClusterSnapshot(id);
    if (!s.arn) throw new EnvironmentError(`AWS returned no ARN for cluster snapshot ${id}; cannot tag it.`);
    const arn = s.arn;
    await this.c.call({ operation: 'AddTagsToResource', service: 'rds', snapshotId: id }, (k) =>
      k.rds.addTagsToResource({ ResourceName: arn, Tags: toRdsTags(tags) }),
    );
  }

  async waitForClusterSnapshot(id: string, target: 'available' | 'deleted', opts: WaitOptions): Promise<Snapshot | undefined> {
    return waitFor(
      {
        what: `DB cluster snapshot ${id} in ${this.c.region}`,
        target,
        poll: () => this.#lookupClusterSnapshot(id),
        statusOf: (s) => s.status,
        detailOf: (s) => (s.progressPercent === undefined ? undefined : `${s.progressPercent}%`),
        failureStates: SNAPSHOT_FAILURE_STATES,
      },
      this.c.waitOptions(opts),
      this.c.delays,
    );
  }
}
