/**
 * SDK shapes <-> the port's shapes. Pure functions: the rest of the adapter never reads
 * an RDS field name, and the domain never sees one.
 */
import type { DBInstance, DBInstanceAutomatedBackup, DBSnapshot, Tag } from '@aws-sdk/client-rds';
import { UsageError } from '../../errors.js';
import { TAG, type Engine, type Instance, type ReplicatedBackups, type Snapshot, type Tags } from '../types.js';

const GIB = 1024 ** 3;

/** The tags dbops writes on everything it creates: the caller's plus `dbops:managed=true`. */
export function withManagedTag(tags: Tags): Tags {
  return { ...tags, [TAG.managed]: 'true' };
}

export function toRdsTags(tags: Tags): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function fromRdsTags(list: Tag[] | undefined): Tags {
  const tags: Tags = {};
  for (const t of list ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  return tags;
}

/** The port's engine for an RDS engine name, or undefined for engines dbops does not run. */
export function engineOf(rdsEngine: string | undefined): Engine | undefined {
  if (!rdsEngine) return undefined;
  if (rdsEngine.includes('postgres')) return 'postgres';
  if (rdsEngine.includes('mysql') || rdsEngine === 'mariadb') return 'mysql';
  return undefined;
}

function requireEngine(rdsEngine: string | undefined, what: string): Engine {
  const engine = engineOf(rdsEngine);
  if (!engine) throw new UsageError(`${what} runs ${rdsEngine ?? 'an unknown engine'}; dbops supports PostgreSQL and MySQL.`);
  return engine;
}

/** "arn:aws:rds:us-east-2:123:snapshot:rds:db-1-2024" -> "rds:db-1-2024"; ids pass through. */
export function snapshotIdOf(idOrArn: string): string {
  const marker = ':snapshot:';
  const at = idOrArn.startsWith('arn:') ? idOrArn.indexOf(marker) : -1;
  return at < 0 ? idOrArn : idOrArn.slice(at + marker.length);
}

/** "arn:aws:rds:us-west-2:123:db:db-1" -> "db-1"; ids pass through. */
export function instanceIdOf(idOrArn: string): string {
  const marker = ':db:';
  const at = idOrArn.startsWith('arn:') ? idOrArn.indexOf(marker) : -1;
  return at < 0 ? idOrArn : idOrArn.slice(at + marker.length);
}

export function toInstance(db: DBInstance, region: string): Instance {
  const id = db.DBInstanceIdentifier ?? '';
  return {
    id,
    arn: db.DBInstanceArn,
    engine: requireEngine(db.Engine, `DB instance ${id}`),
    engineVersion: db.EngineVersion ?? '',
    instanceClass: db.DBInstanceClass ?? '',
    status: db.DBInstanceStatus ?? 'unknown',
    endpoint: db.Endpoint?.Address && db.Endpoint.Port ? { host: db.Endpoint.Address, port: db.Endpoint.Port } : undefined,
    region,
    availabilityZone: db.AvailabilityZone,
    allocatedStorageGb: db.AllocatedStorage ?? 0,
    maxAllocatedStorageGb: db.MaxAllocatedStorage,
    storageType: db.StorageType,
    storageEncrypted: db.StorageEncrypted ?? false,
    kmsKeyId: db.KmsKeyId,
    multiAz: db.MultiAZ ?? false,
    publiclyAccessible: db.PubliclyAccessible ?? false,
    deletionProtection: db.DeletionProtection ?? false,
    backupRetentionDays: db.BackupRetentionPeriod ?? 0,
    preferredBackupWindow: db.PreferredBackupWindow,
    preferredMaintenanceWindow: db.PreferredMaintenanceWindow,
    latestRestorableTime: db.LatestRestorableTime,
    masterUsername: db.MasterUsername ?? '',
    dbName: db.DBName,
    createdAt: db.InstanceCreateTime,
    vpcSecurityGroupIds: (db.VpcSecurityGroups ?? []).flatMap((g) => (g.VpcSecurityGroupId ? [g.VpcSecurityGroupId] : [])),
    subnetGroup: db.DBSubnetGroup?.DBSubnetGroupName,
    ...(db.DBParameterGroups?.[0]?.DBParameterGroupName ? { parameterGroup: db.DBParameterGroups[0].DBParameterGroupName } : {}),
    replicaSourceId: db.ReadReplicaSourceDBInstanceIdentifier ? instanceIdOf(db.ReadReplicaSourceDBInstanceIdentifier) : undefined,
    replicaIds: db.ReadReplicaDBInstanceIdentifiers ?? [],
    ...(db.DBClusterIdentifier ? { clusterId: db.DBClusterIdentifier } : {}),
    tags: fromRdsTags(db.TagList),
  };
}

export function toSnapshot(s: DBSnapshot, region: string): Snapshot {
  const id = s.DBSnapshotIdentifier ?? '';
  return {
    id,
    arn: s.DBSnapshotArn,
    instanceId: s.DBInstanceIdentifier ?? '',
    type: s.SnapshotType === 'automated' ? 'automated' : 'manual',
    status: s.Status ?? 'unknown',
    createdAt: s.SnapshotCreateTime,
    sizeBytes: s.AllocatedStorage === undefined ? undefined : s.AllocatedStorage * GIB,
    encrypted: s.Encrypted ?? false,
    kmsKeyId: s.KmsKeyId,
    engine: requireEngine(s.Engine, `DB snapshot ${id}`),
    engineVersion: s.EngineVersion ?? '',
    region,
    sourceRegion: s.SourceRegion,
    sourceSnapshotId: s.SourceDBSnapshotIdentifier ? snapshotIdOf(s.SourceDBSnapshotIdentifier) : undefined,
    progressPercent: s.PercentProgress,
    tags: fromRdsTags(s.TagList),
  };
}

/** "arn:aws:rds:us-east-2:123:db:db-1" -> "us-east-2"; undefined for an id. Pure. */
export function regionOfArn(arn: string | undefined): string | undefined {
  return arn?.startsWith('arn:') ? arn.split(':')[3] || undefined : undefined;
}

/**
 * The automated backups of `sourceId` replicated into `region` (DescribeDBInstanceAutomatedBackups
 * there), as the port sees them; the one with the newest restore window wins. Backups of an
 * instance of this region itself (retained automated backups) are not replicas. Pure.
 */
export function newestReplicated(
  list: readonly DBInstanceAutomatedBackup[],
  sourceId: string,
  region: string,
): ReplicatedBackups | undefined {
  let best: ReplicatedBackups | undefined;
  for (const b of list) {
    if (!b.DBInstanceAutomatedBackupsArn || (b.DBInstanceIdentifier && b.DBInstanceIdentifier !== sourceId)) continue;
    const sourceRegion = regionOfArn(b.DBInstanceArn) ?? b.Region;
    if (!sourceRegion || sourceRegion === region) continue;
    const r: ReplicatedBackups = {
      id: b.DBInstanceAutomatedBackupsArn,
      sourceInstanceId: sourceId,
      sourceRegion,
      region,
      status: b.Status ?? 'unknown',
      ...(b.BackupRetentionPeriod !== undefined ? { retentionDays: b.BackupRetentionPeriod } : {}),
      ...(b.RestoreWindow?.EarliestTime ? { earliestRestorableTime: b.RestoreWindow.EarliestTime } : {}),
      ...(b.RestoreWindow?.LatestTime ? { latestRestorableTime: b.RestoreWindow.LatestTime } : {}),
      ...(b.KmsKeyId ? { kmsKeyId: b.KmsKeyId } : {}),
    };
    const t = (x?: ReplicatedBackups) => x?.latestRestorableTime?.getTime() ?? -1;
    if (!best || t(r) > t(best)) best = r;
  }
  return best;
}
