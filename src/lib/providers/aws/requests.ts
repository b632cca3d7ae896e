/**
 * The port's inputs -> RDS request inputs. Pure functions, one per write call, so the
 * exact request dbops sends is decided in one readable place. Every request that
 * creates something carries `dbops:managed=true`.
 */
import type {
  CopyDBSnapshotCommandInput,
  CreateDBInstanceCommandInput,
  CreateDBInstanceReadReplicaCommandInput,
  CreateDBSnapshotCommandInput,
  DeleteDBInstanceCommandInput,
  RestoreDBInstanceFromDBSnapshotCommandInput,
  RestoreDBInstanceToPointInTimeCommandInput,
} from '@aws-sdk/client-rds';
import { UsageError } from '../../errors.js';
import type {
  CopySnapshotInput,
  CreateInstanceInput,
  CreateReadReplicaInput,
  CreateSnapshotInput,
  DeleteInstanceInput,
  MasterPassword,
  RestoreFromSnapshotInput,
  RestoreToPointInTimeInput,
  Snapshot,
} from '../types.js';
import { toRdsTags, withManagedTag } from './convert.js';

function masterPassword(p: MasterPassword): Pick<CreateDBInstanceCommandInput, 'ManageMasterUserPassword' | 'MasterUserPassword'> {
  return p.kind === 'managed' ? { ManageMasterUserPassword: true } : { MasterUserPassword: p.value.reveal() };
}

/** Optional fields are left out rather than sent as undefined. */
function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

export function createInstanceRequest(input: CreateInstanceInput): CreateDBInstanceCommandInput {
  return {
    DBInstanceIdentifier: input.id,
    Engine: input.engine,
    EngineVersion: input.engineVersion,
    DBInstanceClass: input.instanceClass,
    AllocatedStorage: input.allocatedStorageGb,
    ...optional('MaxAllocatedStorage', input.maxAllocatedStorageGb),
    StorageType: input.storageType,
    StorageEncrypted: input.storageEncrypted,
    ...optional('KmsKeyId', input.kmsKeyId),
    MultiAZ: input.multiAz,
    PubliclyAccessible: input.publiclyAccessible,
    DeletionProtection: input.deletionProtection,
    BackupRetentionPeriod: input.backupRetentionDays,
    PreferredBackupWindow: input.backupWindow,
    PreferredMaintenanceWindow: input.maintenanceWindow,
    AutoMinorVersionUpgrade: input.autoMinorVersionUpgrade,
    CopyTagsToSnapshot: input.copyTagsToSnapshot,
    DBName: input.dbName,
    MasterUsername: input.masterUsername,
    ...masterPassword(input.masterPassword),
    ...optional('VpcSecurityGroupIds', input.vpcSecurityGroupIds),
    ...optional('DBSubnetGroupName', input.subnetGroup),
    ...optional('DBParameterGroupName', input.parameterGroup),
    Tags: toRdsTags(withManagedTag(input.tags)),
  };
}

export function deleteInstanceRequest(id: string, input: DeleteInstanceInput): DeleteDBInstanceCommandInput {
  if (input.skipFinalSnapshot) return { DBInstanceIdentifier: id, SkipFinalSnapshot: true };
  if (!input.finalSnapshotId) {
    throw new UsageError(`Deleting ${id} with a final snapshot needs the final snapshot's id.`, {
      hint: 'Pass a final snapshot id, or skip the final snapshot for a temporary instance.',
    });
  }
  return { DBInstanceIdentifier: id, SkipFinalSnapshot: false, FinalDBSnapshotIdentifier: input.finalSnapshotId };
}

export function createSnapshotRequest(input: CreateSnapshotInput): CreateDBSnapshotCommandInput {
  return {
    DBSnapshotIdentifier: input.snapshotId,
    DBInstanceIdentifier: input.instanceId,
    Tags: toRdsTags(withManagedTag(input.tags)),
  };
}

/**
 * A copy into another region names the source by ARN and region (the SDK signs the
 * pre-signed URL from SourceRegion) and needs a KMS key of the target region when the
 * snapshot is encrypted: KMS keys do not cross regions.
 */
export function copySnapshotRequest(input: CopySnapshotInput, source: Snapshot): CopyDBSnapshotCommandInput {
  const crossRegion = input.targetRegion !== source.region;
  if (crossRegion && source.encrypted && !input.kmsKeyId) {
    throw new UsageError(
      `Snapshot ${source.id} is encrypted: copying it to ${input.targetRegion} needs a KMS key valid in the destination region (${input.targetRegion}).`,
      { hint: `Pass the KMS key id or ARN of a key in ${input.targetRegion} (e.g. the alias/aws/rds key's ARN there).` },
    );
  }
  return {
    SourceDBSnapshotIdentifier: crossRegion ? (source.arn ?? source.id) : source.id,
    TargetDBSnapshotIdentifier: input.targetSnapshotId,
    ...(crossRegion ? { SourceRegion: source.region } : {}),
    ...optional('KmsKeyId', input.kmsKeyId),
    CopyTags: input.copyTags,
    Tags: toRdsTags(withManagedTag(input.tags)),
  };
}

export function restoreFromSnapshotRequest(input: RestoreFromSnapshotInput): RestoreDBInstanceFromDBSnapshotCommandInput {
  return {
    DBInstanceIdentifier: input.instanceId,
    DBSnapshotIdentifier: input.snapshotId,
    DBInstanceClass: input.instanceClass,
    ...optional('DBSubnetGroupName', input.subnetGroup),
    ...optional('VpcSecurityGroupIds', input.vpcSecurityGroupIds),
    ...optional('DBParameterGroupName', input.parameterGroup),
    PubliclyAccessible: input.publiclyAccessible,
    ...optional('MultiAZ', input.multiAz),
    Tags: toRdsTags(withManagedTag(input.tags)),
    CopyTagsToSnapshot: true,
  };
}

export function restoreToPointInTimeRequest(input: RestoreToPointInTimeInput): RestoreDBInstanceToPointInTimeCommandInput {
  return {
    // Replicated automated backups (a region drill): the source instance is in another region, maybe gone.
    ...(input.sourceAutomatedBackupsId
      ? { SourceDBInstanceAutomatedBackupsArn: input.sourceAutomatedBackupsId }
      : { SourceDBInstanceIdentifier: input.sourceInstanceId }),
    TargetDBInstanceIdentifier: input.instanceId,
    ...(input.time === 'latest' ? { UseLatestRestorableTime: true } : { RestoreTime: input.time }),
    DBInstanceClass: input.instanceClass,
    ...optional('DBSubnetGroupName', input.subnetGroup),
    ...optional('VpcSecurityGroupIds', input.vpcSecurityGroupIds),
    ...optional('DBParameterGroupName', input.parameterGroup),
    PubliclyAccessible: input.publiclyAccessible,
    Tags: toRdsTags(withManagedTag(input.tags)),
    CopyTagsToSnapshot: true,
  };
}

export function readReplicaRequest(input: CreateReadReplicaInput): CreateDBInstanceReadReplicaCommandInput {
  return {
    DBInstanceIdentifier: input.replicaId,
    SourceDBInstanceIdentifier: input.sourceInstanceId,
    ...optional('DBInstanceClass', input.instanceClass),
    ...optional('PubliclyAccessible', input.publiclyAccessible),
    Tags: toRdsTags(withManagedTag(input.tags)),
  };
}
