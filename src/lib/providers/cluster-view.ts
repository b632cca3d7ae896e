/**
 * An Aurora cluster seen through the Provider port's database and snapshot calls, so the
 * snapshot domain (create, list, copy to the DR region, delete, prune, run-policy) runs
 * on a cluster unchanged: `describeInstance(id)` answers the cluster, and the snapshot
 * calls are the cluster snapshot calls (CreateDBClusterSnapshot, DescribeDBClusterSnapshots,
 * CopyDBClusterSnapshot, DeleteDBClusterSnapshot). Everything else is the base provider's.
 * A database is an instance or a cluster (design.md); this is where the second becomes the first.
 */
import type { Cluster, ClusterApi, Instance, Provider, Snapshot } from './types.js';

/** The cluster as the instance-shaped record the snapshot domain reads (status, encryption, backups, tags). */
export function clusterAsInstance(c: Cluster): Instance {
  return {
    id: c.id,
    ...(c.arn ? { arn: c.arn } : {}),
    engine: c.engine,
    engineVersion: c.engineVersion,
    instanceClass: 'aurora cluster',
    status: c.status,
    ...(c.endpoint ? { endpoint: c.endpoint } : {}),
    region: c.region,
    allocatedStorageGb: 0,
    storageEncrypted: c.storageEncrypted,
    ...(c.kmsKeyId ? { kmsKeyId: c.kmsKeyId } : {}),
    multiAz: c.members.length > 1,
    publiclyAccessible: false,
    deletionProtection: c.deletionProtection,
    backupRetentionDays: c.backupRetentionDays,
    ...(c.preferredBackupWindow ? { preferredBackupWindow: c.preferredBackupWindow } : {}),
    ...(c.preferredMaintenanceWindow ? { preferredMaintenanceWindow: c.preferredMaintenanceWindow } : {}),
    ...(c.latestRestorableTime ? { latestRestorableTime: c.latestRestorableTime } : {}),
    masterUsername: c.masterUsername,
    ...(c.dbName ? { dbName: c.dbName } : {}),
    ...(c.createdAt ? { createdAt: c.createdAt } : {}),
    vpcSecurityGroupIds: c.vpcSecurityGroupIds,
    ...(c.subnetGroup ? { subnetGroup: c.subnetGroup } : {}),
    replicaIds: [],
    tags: c.tags,
  };
}

function overrides(base: Provider, clusters: ClusterApi): Partial<Provider> {
  return {
    forRegion: (region: string) => clusterView(base.forRegion(region)),
    describeInstance: async (id: string) => clusterAsInstance(await clusters.describeCluster(id)),
    findInstance: async (id: string) => {
      const c = await clusters.findCluster(id);
      return c && clusterAsInstance(c);
    },
    listInstances: async () => (await clusters.listClusters()).map(clusterAsInstance),
    createSnapshot: (i) => clusters.createClusterSnapshot({ clusterId: i.instanceId, snapshotId: i.snapshotId, tags: i.tags }),
    describeSnapshot: (id: string) => clusters.describeClusterSnapshot(id),
    findSnapshot: (id: string) => clusters.findClusterSnapshot(id),
    listSnapshots: (i = {}) =>
      clusters.listClusterSnapshots({ ...(i.instanceId ? { clusterId: i.instanceId } : {}), ...(i.type ? { type: i.type } : {}) }),
    deleteSnapshot: (id: string) => clusters.deleteClusterSnapshot(id),
    copySnapshot: (i) => clusters.copyClusterSnapshot(i),
    waitForSnapshot: (id, target, opts): Promise<Snapshot | undefined> => clusters.waitForClusterSnapshot(id, target, opts),
    tagSnapshot: (id, tags) => clusters.tagClusterSnapshot(id, tags),
  };
}

/**
 * The base provider with its database and snapshot calls answered by its clusters. Throws
 * nothing itself: a provider without clusters is returned as it is (callers check first).
 */
export function clusterView(base: Provider): Provider {
  const clusters = base.clusters;
  if (!clusters) return base;
  const own = overrides(base, clusters);
  return new Proxy(base, {
    get(target, prop) {
      if (typeof prop === 'string' && prop in own) return own[prop as keyof Provider];
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
