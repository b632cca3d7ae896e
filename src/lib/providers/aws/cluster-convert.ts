/**
 * Aurora clusters: SDK shapes <-> the port's shapes, and the exact requests of the
 * DBCluster* calls. Pure functions, like convert.ts and requests.ts for instances.
 */
import type {
  CopyDBClusterSnapshotCommandInput,
  CreateDBClusterCommandInput,
  CreateDBClusterSnapshotCommandInput,
  CreateDBInstanceCommandInput,
  DBCluster,
  DBClusterSnapshot,
  DeleteDBClusterCommandInput,
  ModifyDBClusterCommandInput,
  RestoreDBClusterFromSnapshotCommandInput,
  RestoreDBClusterToPointInTimeCommandInput,
} from '@aws-sdk/client-rds';
import { UsageError } from '../../errors.js';
import type {
  Cluster,
  CopySnapshotInput,
  CreateClusterInput,
  CreateClusterInstanceInput,
  CreateClusterSnapshotInput,
  DeleteInstanceInput,
  ModifyClusterInput,
  RestoreClusterInput,
  ServerlessCapacity,
  Snapshot,
} from '../types.js';
import { engineOf, fromRdsTags, toRdsTags, withManagedTag } from './convert.js';

const GIB = 1024 ** 3;

/** The RDS engine of the clusters dbops creates. */
export const AURORA_POSTGRES_ENGINE = 'aurora-postgresql';

/** Whether an RDS engine name is an Aurora (cluster) engine. */
export function isAuroraEngine(rdsEngine: string | undefined): boolean {
  return rdsEngine?.startsWith('aurora') ?? false;
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** "arn:aws:rds:us-east-2:123:cluster-snapshot:weekly-1" -> "weekly-1"; ids pass through. */
export function clusterSnapshotIdOf(idOrArn: string): string {
  const marker = ':cluster-snapshot:';
  const at = idOrArn.startsWith('arn:') ? idOrArn.indexOf(marker) : -1;
  return at < 0 ? idOrArn : idOrArn.slice(at + marker.length);
}

function regionOfArn(arn: string | undefined): string | undefined {
  return arn?.startsWith('arn:') ? arn.split(':')[3] : undefined;
}

export function toCluster(c: DBCluster, region: string): Cluster {
  const id = c.DBClusterIdentifier ?? '';
  const port = c.Port;
  const scaling = c.ServerlessV2ScalingConfiguration;
  return {
    id,
    arn: c.DBClusterArn,
    engine: engineOf(c.Engine) ?? 'postgres',
    rdsEngine: c.Engine ?? '',
    engineVersion: c.EngineVersion ?? '',
    status: c.Status ?? 'unknown',
    region,
    ...(c.Endpoint && port ? { endpoint: { host: c.Endpoint, port } } : {}),
    ...(c.ReaderEndpoint && port ? { readerEndpoint: { host: c.ReaderEndpoint, port } } : {}),
    members: (c.DBClusterMembers ?? []).map((m) => ({
      instanceId: m.DBInstanceIdentifier ?? '',
      role: m.IsClusterWriter ? ('writer' as const) : ('reader' as const),
      ...optional('promotionTier', m.PromotionTier),
    })),
    ...(scaling?.MinCapacity !== undefined && scaling.MaxCapacity !== undefined
      ? {
          serverless: {
            minCapacity: scaling.MinCapacity,
            maxCapacity: scaling.MaxCapacity,
            ...optional('secondsUntilAutoPause', scaling.SecondsUntilAutoPause),
          },
        }
      : {}),
    storageEncrypted: c.StorageEncrypted ?? false,
    kmsKeyId: c.KmsKeyId,
    deletionProtection: c.DeletionProtection ?? false,
    backupRetentionDays: c.BackupRetentionPeriod ?? 0,
    ...optional('copyTagsToSnapshot', c.CopyTagsToSnapshot),
    preferredBackupWindow: c.PreferredBackupWindow,
    preferredMaintenanceWindow: c.PreferredMaintenanceWindow,
    earliestRestorableTime: c.EarliestRestorableTime,
    latestRestorableTime: c.LatestRestorableTime,
    masterUsername: c.MasterUsername ?? '',
    managedPassword: c.MasterUserSecret?.SecretArn !== undefined,
    dbName: c.DatabaseName,
    createdAt: c.ClusterCreateTime,
    vpcSecurityGroupIds: (c.VpcSecurityGroups ?? []).flatMap((g) => (g.VpcSecurityGroupId ? [g.VpcSecurityGroupId] : [])),
    subnetGroup: c.DBSubnetGroup,
    tags: fromRdsTags(c.TagList),
  };
}

export function toClusterSnapshot(s: DBClusterSnapshot, region: string): Snapshot {
  const id = s.DBClusterSnapshotIdentifier ?? '';
  const source = s.SourceDBClusterSnapshotArn;
  const sourceRegion = regionOfArn(source);
  return {
    id,
    arn: s.DBClusterSnapshotArn,
    instanceId: s.DBClusterIdentifier ?? '',
    of: 'cluster',
    type: s.SnapshotType === 'automated' ? 'automated' : 'manual',
    status: s.Status ?? 'unknown',
    createdAt: s.SnapshotCreateTime,
    sizeBytes: s.AllocatedStorage === undefined ? undefined : s.AllocatedStorage * GIB,
    encrypted: s.StorageEncrypted ?? false,
    kmsKeyId: s.KmsKeyId,
    engine: engineOf(s.Engine) ?? 'postgres',
    engineVersion: s.EngineVersion ?? '',
    region,
    ...(sourceRegion && sourceRegion !== region ? { sourceRegion } : {}),
    ...(source ? { sourceSnapshotId: clusterSnapshotIdOf(source) } : {}),
    progressPercent: s.PercentProgress,
    tags: fromRdsTags(s.TagList),
  };
}

/**
 * CreateDBCluster for Aurora Serverless v2: the scaling configuration is part of the
 * cluster (a db.serverless instance cannot be added to a cluster without one).
 */
export function createClusterRequest(input: CreateClusterInput): CreateDBClusterCommandInput {
  const s = input.serverless;
  return {
    DBClusterIdentifier: input.id,
    Engine: AURORA_POSTGRES_ENGINE,
    EngineVersion: input.engineVersion,
    ServerlessV2ScalingConfiguration: {
      MinCapacity: s.minCapacity,
      MaxCapacity: s.maxCapacity,
      ...optional('SecondsUntilAutoPause', s.secondsUntilAutoPause),
    },
    StorageEncrypted: input.storageEncrypted,
    ...optional('KmsKeyId', input.kmsKeyId),
    DeletionProtection: input.deletionProtection,
    BackupRetentionPeriod: input.backupRetentionDays,
    PreferredBackupWindow: input.backupWindow,
    PreferredMaintenanceWindow: input.maintenanceWindow,
    CopyTagsToSnapshot: input.copyTagsToSnapshot,
    DatabaseName: input.dbName,
    MasterUsername: input.masterUsername,
    ...(input.masterPassword.kind === 'managed'
      ? { ManageMasterUserPassword: true }
      : { MasterUserPassword: input.masterPassword.value.reveal() }),
    ...optional('VpcSecurityGroupIds', input.vpcSecurityGroupIds),
    ...optional('DBSubnetGroupName', input.subnetGroup),
    ...optional('Port', input.port),
    Tags: toRdsTags(withManagedTag(input.tags)),
  };
}

/** CreateDBInstance of a cluster member: storage, backups and credentials are the cluster's. */
export function createClusterInstanceRequest(input: CreateClusterInstanceInput): CreateDBInstanceCommandInput {
  return {
    DBInstanceIdentifier: input.instanceId,
    DBClusterIdentifier: input.clusterId,
    Engine: AURORA_POSTGRES_ENGINE,
    DBInstanceClass: input.instanceClass,
    PubliclyAccessible: input.publiclyAccessible,
    AutoMinorVersionUpgrade: input.autoMinorVersionUpgrade,
    ...optional('PromotionTier', input.promotionTier),
    Tags: toRdsTags(withManagedTag(input.tags)),
  };
}

export function modifyClusterRequest(id: string, m: ModifyClusterInput): ModifyDBClusterCommandInput {
  return {
    DBClusterIdentifier: id,
    ...(m.serverless
      ? {
          ServerlessV2ScalingConfiguration: {
            MinCapacity: m.serverless.minCapacity,
            MaxCapacity: m.serverless.maxCapacity,
            ...optional('SecondsUntilAutoPause', m.serverless.secondsUntilAutoPause),
          },
        }
      : {}),
    ...optional('EngineVersion', m.engineVersion),
    ...optional('AllowMajorVersionUpgrade', m.allowMajorVersionUpgrade),
    ...optional('DeletionProtection', m.deletionProtection),
    ...optional('BackupRetentionPeriod', m.backupRetentionDays),
    ...optional('PreferredBackupWindow', m.backupWindow),
    ...optional('PreferredMaintenanceWindow', m.maintenanceWindow),
    ...optional('CopyTagsToSnapshot', m.copyTagsToSnapshot),
    ...optional('VpcSecurityGroupIds', m.vpcSecurityGroupIds),
    ApplyImmediately: m.applyImmediately,
  };
}

export function deleteClusterRequest(id: string, input: DeleteInstanceInput): DeleteDBClusterCommandInput {
  if (input.skipFinalSnapshot) return { DBClusterIdentifier: id, SkipFinalSnapshot: true };
  if (!input.finalSnapshotId) {
    throw new UsageError(`Deleting cluster ${id} with a final snapshot needs the final snapshot's id.`, {
      hint: 'Pass a final snapshot id, or skip the final snapshot for a temporary cluster.',
    });
  }
  return { DBClusterIdentifier: id, SkipFinalSnapshot: false, FinalDBSnapshotIdentifier: input.finalSnapshotId };
}

export function createClusterSnapshotRequest(input: CreateClusterSnapshotInput): CreateDBClusterSnapshotCommandInput {
  return {
    DBClusterSnapshotIdentifier: input.snapshotId,
    DBClusterIdentifier: input.clusterId,
    Tags: toRdsTags(withManagedTag(input.tags)),
  };
}

/**
 * CopyDBClusterSnapshot into another region: sent to the target region's client, the
 * source named by ARN with its SourceRegion (the SDK presigns from it), and a KMS key of
 * the target region for an encrypted snapshot (KMS keys do not cross regions).
 */
export function copyClusterSnapshotRequest(input: CopySnapshotInput, source: Snapshot): CopyDBClusterSnapshotCommandInput {
  const crossRegion = input.targetRegion !== source.region;
  if (crossRegion && source.encrypted && !input.kmsKeyId) {
    throw new UsageError(
      `Cluster snapshot ${source.id} is encrypted: copying it to ${input.targetRegion} needs a KMS key valid in the destination region (${input.targetRegion}).`,
      { hint: `Pass the KMS key id or ARN of a key in ${input.targetRegion} (e.g. the alias/aws/rds key's ARN there).` },
    );
  }
  return {
    SourceDBClusterSnapshotIdentifier: crossRegion ? (source.arn ?? source.id) : source.id,
    TargetDBClusterSnapshotIdentifier: input.targetSnapshotId,
    ...(crossRegion ? { SourceRegion: source.region } : {}),
    ...optional('KmsKeyId', input.kmsKeyId),
    CopyTags: input.copyTags,
    Tags: toRdsTags(withManagedTag(input.tags)),
  };
}

function scalingOf(s: ServerlessCapacity) {
  return { MinCapacity: s.minCapacity, MaxCapacity: s.maxCapacity, ...optional('SecondsUntilAutoPause', s.secondsUntilAutoPause) };
}

/** What both cluster restores set: the serverless range (its db.serverless writer needs it), the network, no deletion protection, the tags. */
function restoreCommon(input: RestoreClusterInput) {
  return {
    DBClusterIdentifier: input.clusterId,
    ServerlessV2ScalingConfiguration: scalingOf(input.serverless),
    ...optional('DBSubnetGroupName', input.subnetGroup),
    ...optional('VpcSecurityGroupIds', input.vpcSecurityGroupIds),
    DeletionProtection: false,
    CopyTagsToSnapshot: true,
    Tags: toRdsTags(withManagedTag(input.tags)),
  };
}

/** RestoreDBClusterFromSnapshot of a temporary cluster (restore tests, region drills). */
export function restoreClusterFromSnapshotRequest(
  input: RestoreClusterInput,
  snapshotId: string,
): RestoreDBClusterFromSnapshotCommandInput {
  return {
    SnapshotIdentifier: snapshotId,
    Engine: AURORA_POSTGRES_ENGINE,
    ...optional('EngineVersion', input.engineVersion),
    ...restoreCommon(input),
  };
}

/** RestoreDBClusterToPointInTime of a temporary cluster: a time, or the latest restorable time. */
export function restoreClusterToPointInTimeRequest(
  input: RestoreClusterInput,
  from: { sourceClusterId: string; time: Date | 'latest' },
): RestoreDBClusterToPointInTimeCommandInput {
  return {
    SourceDBClusterIdentifier: from.sourceClusterId,
    ...(from.time === 'latest' ? { UseLatestRestorableTime: true } : { RestoreToTime: from.time }),
    ...restoreCommon(input),
  };
}
