/**
 * SDK shapes <-> the provisioning port's shapes, and the requests built from the port's
 * inputs. Pure functions: the exact request dbops sends is decided here, in one place.
 */
import type { CreateBudgetCommandInput, Notification, NotificationWithSubscribers } from '@aws-sdk/client-budgets';
import type { MetricAlarm, PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import type { IpPermission, SecurityGroup as Ec2SecurityGroup } from '@aws-sdk/client-ec2';
import type { CacheCluster, CreateReplicationGroupCommandInput, ReplicationGroup } from '@aws-sdk/client-elasticache';
import type { DBInstance, ModifyDBInstanceCommandInput } from '@aws-sdk/client-rds';
import type {
  Alarm,
  AlarmComparison,
  AlarmSpec,
  BudgetNotification,
  BudgetSpec,
  CacheState,
  CreateCacheInput,
  DatabaseState,
  IngressRule,
  ModifyDatabaseInput,
  SecurityGroup,
} from '../provision-types.js';
import type { Tags } from '../types.js';
import { fromRdsTags, toInstance, toRdsTags, withManagedTag } from './convert.js';

type KeyValue = { Key?: string | undefined; Value?: string | undefined };

export function fromTags(list: KeyValue[] | undefined): Tags {
  return fromRdsTags(list as Parameters<typeof fromRdsTags>[0]);
}

export function toTags(tags: Tags): { Key: string; Value: string }[] {
  return toRdsTags(withManagedTag(tags)) as { Key: string; Value: string }[];
}

// ---- EC2 ----

function rulesOf(p: IpPermission): IngressRule[] {
  const all = p.IpProtocol === '-1';
  if (!all && p.IpProtocol !== 'tcp') return [];
  const port = all ? -1 : (p.FromPort ?? -1);
  const toPort = all ? undefined : p.ToPort !== undefined && p.ToPort !== p.FromPort ? p.ToPort : undefined;
  const cidrs = [
    ...(p.IpRanges ?? []).map((r) => ({ cidr: r.CidrIp, description: r.Description })),
    ...(p.Ipv6Ranges ?? []).map((r) => ({ cidr: r.CidrIpv6, description: r.Description })),
  ];
  return cidrs
    .filter((c): c is { cidr: string; description: string | undefined } => c.cidr !== undefined)
    .map((c) => ({
      port,
      ...(toPort !== undefined ? { toPort } : {}),
      cidr: c.cidr,
      ...(c.description ? { description: c.description } : {}),
    }));
}

export function toSecurityGroup(g: Ec2SecurityGroup): SecurityGroup {
  return {
    id: g.GroupId ?? '',
    name: g.GroupName ?? '',
    ...(g.VpcId ? { vpcId: g.VpcId } : {}),
    ...(g.Description ? { description: g.Description } : {}),
    ingress: (g.IpPermissions ?? []).flatMap(rulesOf),
    tags: fromTags(g.Tags),
  };
}

/** One IpPermission per rule: TCP, one port, one IPv4 range. */
export function toIpPermissions(rules: IngressRule[]): IpPermission[] {
  return rules.map((r) => ({
    IpProtocol: 'tcp',
    FromPort: r.port,
    ToPort: r.toPort ?? r.port,
    IpRanges: [{ CidrIp: r.cidr, ...(r.description ? { Description: r.description } : {}) }],
  }));
}

// ---- RDS ----

export function toDatabaseState(db: DBInstance, region: string): DatabaseState {
  const p = db.PendingModifiedValues ?? {};
  const pending = {
    ...(p.DBInstanceClass ? { instanceClass: p.DBInstanceClass } : {}),
    ...(p.AllocatedStorage !== undefined ? { allocatedStorageGb: p.AllocatedStorage } : {}),
    ...(p.EngineVersion ? { engineVersion: p.EngineVersion } : {}),
    ...(p.StorageType ? { storageType: p.StorageType } : {}),
    ...(p.MultiAZ !== undefined ? { multiAz: p.MultiAZ } : {}),
    ...(p.BackupRetentionPeriod !== undefined ? { backupRetentionDays: p.BackupRetentionPeriod } : {}),
  };
  return {
    ...toInstance(db, region),
    ...(db.AutoMinorVersionUpgrade !== undefined ? { autoMinorVersionUpgrade: db.AutoMinorVersionUpgrade } : {}),
    ...(db.CopyTagsToSnapshot !== undefined ? { copyTagsToSnapshot: db.CopyTagsToSnapshot } : {}),
    ...(db.DBParameterGroups?.[0]?.ParameterApplyStatus === 'pending-reboot' ? { parameterGroupPendingReboot: true } : {}),
    managedPassword: db.MasterUserSecret?.SecretArn !== undefined,
    pending,
  };
}

export function modifyDbRequest(id: string, m: ModifyDatabaseInput): ModifyDBInstanceCommandInput {
  const opt = <K extends keyof ModifyDBInstanceCommandInput>(key: K, v: ModifyDBInstanceCommandInput[K] | undefined) =>
    v === undefined ? {} : { [key]: v };
  return {
    DBInstanceIdentifier: id,
    ...opt('DBInstanceClass', m.instanceClass),
    ...opt('EngineVersion', m.engineVersion),
    ...opt('AllowMajorVersionUpgrade', m.allowMajorVersionUpgrade),
    ...opt('AllocatedStorage', m.allocatedStorageGb),
    ...opt('MaxAllocatedStorage', m.maxAllocatedStorageGb),
    ...opt('StorageType', m.storageType),
    ...opt('MultiAZ', m.multiAz),
    ...opt('PubliclyAccessible', m.publiclyAccessible),
    ...opt('DeletionProtection', m.deletionProtection),
    ...opt('BackupRetentionPeriod', m.backupRetentionDays),
    ...opt('PreferredBackupWindow', m.backupWindow),
    ...opt('PreferredMaintenanceWindow', m.maintenanceWindow),
    ...opt('AutoMinorVersionUpgrade', m.autoMinorVersionUpgrade),
    ...opt('CopyTagsToSnapshot', m.copyTagsToSnapshot),
    ...opt('VpcSecurityGroupIds', m.vpcSecurityGroupIds),
    ...opt('DBParameterGroupName', m.parameterGroup),
    ApplyImmediately: m.applyImmediately,
  };
}

// ---- ElastiCache ----

type Reported = Pick<CacheState, 'engineVersion' | 'transitEncryption' | 'atRestEncryption' | 'authEnabled'>;

/** The settings the endpoint reported; what it left out stays unknown (never a default such as '' or false). */
function known(v: { engineVersion?: string; transitEncryption?: boolean; atRestEncryption?: boolean; authEnabled?: boolean }): Reported {
  return {
    ...(v.engineVersion ? { engineVersion: v.engineVersion } : {}),
    ...(v.transitEncryption !== undefined ? { transitEncryption: v.transitEncryption } : {}),
    ...(v.atRestEncryption !== undefined ? { atRestEncryption: v.atRestEncryption } : {}),
    ...(v.authEnabled !== undefined ? { authEnabled: v.authEnabled } : {}),
  };
}

export function fromReplicationGroup(rg: ReplicationGroup, member: CacheCluster | undefined, tags: Tags): CacheState {
  const primary = rg.NodeGroups?.[0]?.PrimaryEndpoint;
  return {
    id: rg.ReplicationGroupId ?? '',
    ...(rg.ARN ? { arn: rg.ARN } : {}),
    kind: 'replication-group',
    engine: rg.Engine ?? member?.Engine ?? 'redis',
    ...known({
      engineVersion: member?.EngineVersion,
      transitEncryption: rg.TransitEncryptionEnabled,
      atRestEncryption: rg.AtRestEncryptionEnabled,
      authEnabled: rg.AuthTokenEnabled,
    }),
    nodeType: rg.CacheNodeType ?? member?.CacheNodeType ?? '',
    status: rg.Status ?? 'unknown',
    ...(primary?.Address && primary.Port ? { endpoint: { host: primary.Address, port: primary.Port } } : {}),
    ...(member ? { securityGroupIds: (member.SecurityGroups ?? []).flatMap((g) => (g.SecurityGroupId ? [g.SecurityGroupId] : [])) } : {}),
    ...(rg.MemberClusters?.[0] ? { metricsClusterId: rg.MemberClusters[0] } : {}),
    tags,
  };
}

export function fromCacheCluster(cc: CacheCluster, tags: Tags): CacheState {
  const node = cc.CacheNodes?.[0]?.Endpoint ?? cc.ConfigurationEndpoint;
  return {
    id: cc.CacheClusterId ?? '',
    ...(cc.ARN ? { arn: cc.ARN } : {}),
    kind: 'cache-cluster',
    engine: cc.Engine ?? 'redis',
    ...known({
      engineVersion: cc.EngineVersion,
      transitEncryption: cc.TransitEncryptionEnabled,
      atRestEncryption: cc.AtRestEncryptionEnabled,
      authEnabled: cc.AuthTokenEnabled,
    }),
    nodeType: cc.CacheNodeType ?? '',
    status: cc.CacheClusterStatus ?? 'unknown',
    ...(node?.Address && node.Port ? { endpoint: { host: node.Address, port: node.Port } } : {}),
    securityGroupIds: (cc.SecurityGroups ?? []).flatMap((g) => (g.SecurityGroupId ? [g.SecurityGroupId] : [])),
    ...(cc.CacheClusterId ? { metricsClusterId: cc.CacheClusterId } : {}),
    tags,
  };
}

/** A one-node replication group: the only shape with AUTH and in-transit encryption. */
export function createReplicationGroupRequest(i: CreateCacheInput): CreateReplicationGroupCommandInput {
  return {
    ReplicationGroupId: i.id,
    ReplicationGroupDescription: `dbops cache ${i.id}`,
    Engine: i.engine,
    EngineVersion: i.engineVersion,
    CacheNodeType: i.nodeType,
    NumCacheClusters: 1,
    AutomaticFailoverEnabled: false,
    MultiAZEnabled: false,
    Port: i.port,
    SecurityGroupIds: i.securityGroupIds,
    TransitEncryptionEnabled: i.transitEncryption,
    AtRestEncryptionEnabled: i.atRestEncryption,
    ...(i.authToken ? { AuthToken: i.authToken.reveal() } : {}),
    PreferredMaintenanceWindow: i.maintenanceWindow,
    SnapshotRetentionLimit: i.snapshotRetentionDays,
    Tags: toTags(i.tags),
  };
}

// ---- CloudWatch ----

export function fromMetricAlarm(a: MetricAlarm): Alarm {
  const dims: Record<string, string> = {};
  for (const d of a.Dimensions ?? []) if (d.Name) dims[d.Name] = d.Value ?? '';
  return {
    name: a.AlarmName ?? '',
    ...(a.AlarmArn ? { arn: a.AlarmArn } : {}),
    ...(a.StateValue ? { state: a.StateValue } : {}),
    description: a.AlarmDescription ?? '',
    namespace: a.Namespace ?? '',
    metricName: a.MetricName ?? '',
    dimensions: dims,
    statistic: (a.Statistic ?? 'Average') as AlarmSpec['statistic'],
    periodSeconds: a.Period ?? 0,
    evaluationPeriods: a.EvaluationPeriods ?? 0,
    threshold: a.Threshold ?? 0,
    comparison: (a.ComparisonOperator ?? 'GreaterThanThreshold') as AlarmComparison,
    actions: a.AlarmActions ?? [],
  };
}

export function putAlarmRequest(a: AlarmSpec, tags: Tags): PutMetricAlarmCommandInput {
  return {
    AlarmName: a.name,
    AlarmDescription: a.description,
    Namespace: a.namespace,
    MetricName: a.metricName,
    Dimensions: Object.entries(a.dimensions).map(([Name, Value]) => ({ Name, Value })),
    Statistic: a.statistic,
    Period: a.periodSeconds,
    EvaluationPeriods: a.evaluationPeriods,
    Threshold: a.threshold,
    ComparisonOperator: a.comparison,
    AlarmActions: a.actions,
    ActionsEnabled: true,
    TreatMissingData: 'missing',
    Tags: toTags(tags),
  };
}

// ---- Budgets ----

export function toBudgetNotification(n: Pick<BudgetNotification, 'type' | 'thresholdPercent'>): Notification {
  return { NotificationType: n.type, ComparisonOperator: 'GREATER_THAN', Threshold: n.thresholdPercent, ThresholdType: 'PERCENTAGE' };
}

function withSubscribers(n: BudgetNotification): NotificationWithSubscribers {
  return { Notification: toBudgetNotification(n), Subscribers: n.emails.map((Address) => ({ SubscriptionType: 'EMAIL', Address })) };
}

export function createBudgetRequest(accountId: string, spec: BudgetSpec, tags: Tags): CreateBudgetCommandInput {
  return {
    AccountId: accountId,
    Budget: { BudgetName: spec.name, BudgetLimit: { Amount: String(spec.limitUsd), Unit: 'USD' }, TimeUnit: 'MONTHLY', BudgetType: 'COST' },
    NotificationsWithSubscribers: spec.notifications.map(withSubscribers),
    ResourceTags: toTags(tags),
  };
}

export function budgetArn(accountId: string, name: string): string {
  return `arn:aws:budgets::${accountId}:budget/${name}`;
}
