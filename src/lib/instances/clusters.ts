/**
 * Aurora clusters as `dbops instances clusters` and `dbops status <cluster>` show them:
 * members with their roles (writer, readers) and classes, the cluster and reader
 * endpoints, the serverless capacity range and the capacity it runs at now (CloudWatch
 * `ServerlessDatabaseCapacity`), and the point-in-time window. Typed results; rendering
 * in render.ts.
 */
import type { Context } from '../context.js';
import { asDbopsError, NotFoundError, UsageError } from '../errors.js';
import type { Cluster, ClusterMember, Provider } from '../providers/types.js';
import { instanceStatus, type InstanceStatus } from './instances.js';

/** A member with what its instance reports. */
export interface ClusterMemberView extends ClusterMember {
  instanceClass?: string;
  status?: string;
  availabilityZone?: string;
}

export interface ClusterView extends Omit<Cluster, 'members'> {
  kind: 'cluster';
  /** The writer first, then the readers by failover priority. */
  members: ClusterMemberView[];
  /** ACUs in use now: the newest ServerlessDatabaseCapacity minute of the last 15 minutes. */
  currentAcu?: number;
  currentAcuAt?: Date;
  /** Why the current capacity is unknown (no datapoint, metrics not readable). */
  currentAcuNote?: string;
}

/** How far back the newest capacity datapoint is looked for. */
const CAPACITY_LOOKBACK_MS = 15 * 60_000;

function clustersOf(provider: Provider): NonNullable<Provider['clusters']> {
  if (!provider.clusters) {
    throw new UsageError(`The ${provider.name} provider has no Aurora clusters.`, {
      hint: 'Aurora clusters are on the aws provider (--provider aws).',
    });
  }
  return provider.clusters;
}

function sortMembers(members: ClusterMemberView[]): ClusterMemberView[] {
  return [...members].sort(
    (a, b) =>
      (a.role === 'writer' ? 0 : 1) - (b.role === 'writer' ? 0 : 1) ||
      (a.promotionTier ?? 1) - (b.promotionTier ?? 1) ||
      a.instanceId.localeCompare(b.instanceId),
  );
}

/** The current ACUs of a serverless cluster; a note instead when CloudWatch has none. */
async function currentCapacity(
  provider: Provider,
  c: Cluster,
  now: Date,
): Promise<Pick<ClusterView, 'currentAcu' | 'currentAcuAt' | 'currentAcuNote'>> {
  if (!c.serverless) return { currentAcuNote: 'not a serverless cluster' };
  // A local cluster records its range; PostgreSQL runs unscaled on this machine.
  if (provider.name === 'local') return { currentAcuNote: 'not applicable on the local provider (the range is recorded, nothing scales)' };
  try {
    const [series] = await provider.getMetricData(
      [
        {
          id: 'acu',
          namespace: 'AWS/RDS',
          metricName: 'ServerlessDatabaseCapacity',
          dimensions: { DBClusterIdentifier: c.id },
          stat: 'Average',
          periodSeconds: 60,
        },
      ],
      { start: new Date(now.getTime() - CAPACITY_LOOKBACK_MS), end: now },
    );
    const n = series?.values.length ?? 0;
    if (!series || n === 0) return { currentAcuNote: 'no ServerlessDatabaseCapacity datapoint in the last 15 minutes' };
    return { currentAcu: series.values[n - 1]!, currentAcuAt: series.timestamps[n - 1]! };
  } catch (e) {
    return { currentAcuNote: `ServerlessDatabaseCapacity could not be read: ${asDbopsError(e).message}` };
  }
}

async function view(provider: Provider, c: Cluster, now: Date): Promise<ClusterView> {
  const members = await Promise.all(
    c.members.map(async (m): Promise<ClusterMemberView> => {
      const i = await provider.findInstance(m.instanceId);
      return i
        ? {
            ...m,
            instanceClass: i.instanceClass,
            status: i.status,
            ...(i.availabilityZone ? { availabilityZone: i.availabilityZone } : {}),
          }
        : m;
    }),
  );
  return { ...c, kind: 'cluster', members: sortMembers(members), ...(await currentCapacity(provider, c, now)) };
}

/** `dbops instances clusters`: every Aurora PostgreSQL cluster of the region, by id. */
export async function listClusters(ctx: Context): Promise<ClusterView[]> {
  const provider = await ctx.provider();
  const clusters = await clustersOf(provider).listClusters();
  const now = ctx.clock.now();
  const views = await Promise.all(clusters.map((c) => view(provider, c, now)));
  return views.sort((a, b) => a.id.localeCompare(b.id));
}

/** One cluster in detail; NotFoundError when there is none of that id. */
export async function clusterStatus(ctx: Context, id: string): Promise<ClusterView> {
  const provider = await ctx.provider();
  return view(provider, await clustersOf(provider).describeCluster(id), ctx.clock.now());
}

/**
 * `dbops status <id>`: the instance of that id, or else the Aurora cluster of that id (a
 * database is an instance or a cluster); the instance's not-found error when it is neither.
 */
export async function databaseStatus(ctx: Context, id: string): Promise<InstanceStatus | ClusterView> {
  try {
    return await instanceStatus(ctx, id);
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
    const cluster = await findClusterStatus(ctx, id);
    if (cluster) return cluster;
    throw e;
  }
}

/** The cluster of that id, when the provider has clusters and one exists (status falls back to it). */
export async function findClusterStatus(ctx: Context, id: string): Promise<ClusterView | undefined> {
  const provider = await ctx.provider();
  if (!provider.clusters) return undefined;
  try {
    return await clusterStatus(ctx, id);
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  }
}
