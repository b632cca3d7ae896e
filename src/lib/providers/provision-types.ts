/**
 * The provisioning port: the resources `dbops provision` and `dbops audit` manage beyond
 * what the Provider port (types.ts) covers — security groups, ElastiCache, SNS, CloudWatch
 * alarms, AWS Budgets, the caller's identity, orderable instance classes and regions —
 * plus the database settings the Provider port does not read or change (ModifyDBInstance,
 * auto minor upgrades, copy-tags-to-snapshot, pending modifications).
 *
 * Domain code (src/lib/provision, src/lib/audit) depends only on this interface. A
 * capability the provider does not have is `undefined` and `notApplicable()` says why,
 * so a plan can say "not applicable on the local provider" instead of skipping silently.
 *
 * Conventions are the Provider port's: NotFound is `undefined` from find* calls, refusals
 * are EnvironmentError, bad input UsageError; everything created carries the given tags
 * (at create time, so nothing is ever half-tagged) plus `dbops:managed=true`.
 */
import type { Secret } from '../secret.js';
import type { DatabaseEngine, Instance, Provider, ProviderName, Tags, WaitOptions } from './types.js';

/** Resource kinds in the dependency order of seed 002. */
export type ResourceKind =
  | 'security-group'
  | 'parameter-group'
  | 'db-cluster'
  | 'db-instance'
  | 'read-replica'
  | 'connection-pool'
  | 'iam-role'
  | 'cache-user'
  | 'cache-user-group'
  | 'cache'
  | 'sns-topic'
  | 'sns-subscription'
  | 'alarm'
  | 'budget';

/** One ingress rule: TCP `port` (through `toPort` for a range; -1: all traffic) from `cidr`. */
export interface IngressRule {
  port: number;
  toPort?: number;
  cidr: string;
  description?: string;
}

/** A VPC security group as dbops sees it (ingress only: egress stays the VPC default). */
export interface SecurityGroup {
  id: string;
  name: string;
  vpcId?: string;
  description?: string;
  /** TCP rules, one per (port, CIDR); `allTraffic` rules have port -1. */
  ingress: IngressRule[];
  tags: Tags;
}

export interface CreateSecurityGroupInput {
  name: string;
  description: string;
  ingress: IngressRule[];
  tags: Tags;
}

/** Security groups in the default VPC (AWS only). */
export interface NetworkApi {
  /** The group of that name in the default VPC, or undefined. */
  findSecurityGroup(name: string): Promise<SecurityGroup | undefined>;
  /** Groups by id (audit: the groups attached to a database or cache). */
  describeSecurityGroups(ids: string[]): Promise<SecurityGroup[]>;
  createSecurityGroup(input: CreateSecurityGroupInput): Promise<SecurityGroup>;
  /** Adds and revokes ingress rules so the group admits exactly `rules`. */
  setIngress(group: SecurityGroup, rules: IngressRule[]): Promise<SecurityGroup>;
  deleteSecurityGroup(id: string): Promise<void>;
}

/** A database instance with the settings the Provider port's Instance does not carry. */
export interface DatabaseState extends Instance {
  autoMinorVersionUpgrade?: boolean;
  copyTagsToSnapshot?: boolean;
  parameterGroup?: string;
  /** The parameter group's settings wait for a reboot (RDS ParameterApplyStatus pending-reboot). */
  parameterGroupPendingReboot?: boolean;
  /** Master password kept by the provider (RDS-managed secret, local secrets file). */
  managedPassword: boolean;
  /** Changes waiting for the maintenance window (RDS PendingModifiedValues). */
  pending: PendingDatabaseChanges;
}

/** The subset of settings RDS may hold back until the maintenance window. */
export interface PendingDatabaseChanges {
  instanceClass?: string;
  allocatedStorageGb?: number;
  engineVersion?: string;
  storageType?: string;
  multiAz?: boolean;
  backupRetentionDays?: number;
}

/** A change to an existing instance; only the fields to change are set. */
export interface ModifyDatabaseInput {
  instanceClass?: string;
  engineVersion?: string;
  /** Set with a major engineVersion change. */
  allowMajorVersionUpgrade?: boolean;
  allocatedStorageGb?: number;
  maxAllocatedStorageGb?: number;
  storageType?: string;
  multiAz?: boolean;
  publiclyAccessible?: boolean;
  deletionProtection?: boolean;
  backupRetentionDays?: number;
  backupWindow?: string;
  maintenanceWindow?: string;
  autoMinorVersionUpgrade?: boolean;
  copyTagsToSnapshot?: boolean;
  vpcSecurityGroupIds?: string[];
  /** DBParameterGroupName: takes effect once the instance is rebooted. */
  parameterGroup?: string;
  /** false: RDS holds the changes that allow it until the maintenance window. */
  applyImmediately: boolean;
}

/** One orderable combination (RDS DescribeOrderableDBInstanceOptions). */
export interface OrderableOption {
  engineVersion: string;
  storageType?: string;
  minStorageGb?: number;
  maxStorageGb?: number;
}

/** What the database needs beyond the Provider port. */
export interface DatabaseApi {
  /** The instance with its extra settings, or undefined. */
  findDatabase(id: string): Promise<DatabaseState | undefined>;
  modifyDatabase(id: string, input: ModifyDatabaseInput): Promise<DatabaseState>;
  /**
   * The options RDS offers for this engine and class in the region (every version and
   * storage type); empty when the class is not offered at all.
   */
  orderableOptions(engine: DatabaseEngine, instanceClass: string): Promise<OrderableOption[]>;
  /**
   * Whether the endpoint lists any orderable option for the engine in the region (one
   * small page). AWS always does; an emulator (moto, LocalStack) may list none, and then
   * the class check is skipped with a note instead of refusing every class.
   */
  engineListed(engine: DatabaseEngine): Promise<boolean>;
  /**
   * The values of these parameters in a DB parameter group (RDS DescribeDBParameters, every
   * page until all are found). A parameter the group leaves unset maps to undefined: the
   * engine's default applies. Absent on a provider without parameter groups (local).
   */
  parameterValues?(group: string, names: string[]): Promise<Record<string, string | undefined>>;
}

/** A custom DB parameter group (RDS CreateDBParameterGroup) as dbops sees it. */
export interface ParameterGroupState {
  name: string;
  /** "mysql8.0", "postgres15". */
  family: string;
  description?: string;
  arn?: string;
  tags: Tags;
}

export interface CreateParameterGroupInput {
  name: string;
  family: string;
  description: string;
  tags: Tags;
}

/** Custom DB parameter groups (AWS only: the local provider sets server options in each instance's files). */
export interface ParameterGroupApi {
  /** The group of that name with its tags, or undefined. */
  findParameterGroup(name: string): Promise<ParameterGroupState | undefined>;
  createParameterGroup(input: CreateParameterGroupInput): Promise<ParameterGroupState>;
  /** Sets these parameters (RDS ModifyDBParameterGroup, ApplyMethod immediate: dynamic parameters only). */
  setParameters(name: string, values: Record<string, string>): Promise<void>;
  deleteParameterGroup(name: string): Promise<void>;
}

/** A cache (ElastiCache replication group of one node; local: a redis-server). */
export interface CacheState {
  id: string;
  arn?: string;
  /** 'replication-group' is what dbops creates; a bare 'cache-cluster' is found by audit. */
  kind: 'replication-group' | 'cache-cluster' | 'local-redis' | 'serverless';
  engine: string;
  /**
   * The settings below are undefined when the endpoint did not report them (a member
   * cluster not found, an emulator): unknown, which a plan never takes for a difference.
   */
  engineVersion?: string;
  nodeType: string;
  status: string;
  endpoint?: { host: string; port: number };
  transitEncryption?: boolean;
  atRestEncryption?: boolean;
  authEnabled?: boolean;
  securityGroupIds?: string[];
  /** The node id CloudWatch metrics use (CacheClusterId), e.g. "<rg>-001". */
  metricsClusterId?: string;
  /** A serverless cache's usage limits and subnets. */
  serverless?: ServerlessLimits & { subnetIds?: string[]; userGroupId?: string };
  tags: Tags;
}

/** A serverless cache's CacheUsageLimits (and its engine major version). */
export interface ServerlessLimits {
  majorVersion: string;
  dataStorageMaxGb: number;
  ecpuPerSecondMax: number;
}

export interface CreateServerlessCacheInput extends ServerlessLimits {
  id: string;
  engine: 'valkey';
  securityGroupIds: string[];
  /** Omitted: ElastiCache picks subnets of the default VPC. */
  subnetIds?: string[];
  /** The RBAC user group clients authenticate against (the only access control a serverless cache has). */
  userGroupId?: string;
  tags: Tags;
}

/** An ElastiCache RBAC user (Valkey), as dbops sees it. */
export interface CacheUserState {
  id: string;
  userName: string;
  status: string;
  tags: Tags;
}

/** An ElastiCache RBAC user group (Valkey), as dbops sees it. */
export interface CacheUserGroupState {
  id: string;
  status: string;
  userIds: string[];
  tags: Tags;
}

export interface CreateCacheUserInput {
  id: string;
  /** The user name clients AUTH with (`default`: the one a client without a user name gets). */
  userName: string;
  password: Secret;
  accessString: string;
  tags: Tags;
}

/** Valkey serverless (cache.kind serverless): AWS only. The cache's name is its CloudWatch clusterId. */
export interface ServerlessCacheApi {
  findServerlessCache(id: string): Promise<CacheState | undefined>;
  createServerlessCache(input: CreateServerlessCacheInput): Promise<CacheState>;
  modifyServerlessCache(
    id: string,
    input: Partial<ServerlessLimits> & { securityGroupIds?: string[]; userGroupId?: string },
  ): Promise<void>;
  deleteServerlessCache(id: string): Promise<void>;
  waitForServerlessCache(id: string, target: 'available' | 'deleted', opts: WaitOptions): Promise<CacheState | undefined>;
  findCacheUser(id: string): Promise<CacheUserState | undefined>;
  createCacheUser(input: CreateCacheUserInput): Promise<void>;
  deleteCacheUser(id: string): Promise<void>;
  findUserGroup(id: string): Promise<CacheUserGroupState | undefined>;
  createUserGroup(input: { id: string; userIds: string[]; tags: Tags }): Promise<void>;
  deleteUserGroup(id: string): Promise<void>;
  waitForUserGroup(id: string, target: 'active' | 'deleted', opts: WaitOptions): Promise<CacheUserGroupState | undefined>;
}

export interface CreateCacheInput {
  id: string;
  engine: string;
  engineVersion: string;
  nodeType: string;
  port: number;
  transitEncryption: boolean;
  atRestEncryption: boolean;
  /** AUTH token; requires transitEncryption on ElastiCache. */
  authToken?: Secret;
  securityGroupIds: string[];
  maintenanceWindow: string;
  snapshotRetentionDays: number;
  tags: Tags;
}

export interface ModifyCacheInput {
  nodeType?: string;
  engineVersion?: string;
  securityGroupIds?: string[];
  applyImmediately: boolean;
}

/** Where the cache's AUTH token is kept (AWS: Secrets Manager; local: the secrets file). */
export interface CacheSecretRef {
  /** ARN or name (AWS), "local" (local). */
  ref: string;
  created: boolean;
}

export interface CacheApi {
  findCache(id: string): Promise<CacheState | undefined>;
  createCache(input: CreateCacheInput): Promise<CacheState>;
  modifyCache(id: string, input: ModifyCacheInput): Promise<CacheState>;
  deleteCache(id: string): Promise<void>;
  waitForCache(id: string, target: 'available' | 'deleted', opts: WaitOptions): Promise<CacheState | undefined>;
  /** The cache's AUTH token: the stored one, or a new one stored (tagged) before it is returned. */
  authToken(cacheId: string, tags: Tags): Promise<{ token: Secret; secret: CacheSecretRef }>;
  /** Removes the stored AUTH token (after the cache is gone). */
  deleteAuthToken(cacheId: string): Promise<void>;
}

export interface Subscription {
  /** "PendingConfirmation" until the recipient confirms (SNS). */
  arn: string;
  protocol: string;
  endpoint: string;
}

export interface Topic {
  arn: string;
  name: string;
  subscriptions: Subscription[];
  tags: Tags;
}

/** SNS topic for alarms and its email subscription. */
export interface NotificationApi {
  findTopic(name: string): Promise<Topic | undefined>;
  createTopic(name: string, tags: Tags): Promise<Topic>;
  subscribeEmail(topicArn: string, email: string): Promise<Subscription>;
  /** Pending subscriptions cannot be removed (SNS expires them after 3 days): false then. */
  unsubscribe(subscription: Subscription): Promise<boolean>;
  deleteTopic(arn: string): Promise<void>;
}

export type AlarmComparison = 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';

/** A CloudWatch metric alarm, as dbops writes and reads it. */
export interface AlarmSpec {
  name: string;
  description: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  statistic: 'Average' | 'Sum' | 'Maximum' | 'Minimum';
  periodSeconds: number;
  evaluationPeriods: number;
  threshold: number;
  comparison: AlarmComparison;
  /** SNS topic ARNs notified when the alarm fires. */
  actions: string[];
}

export interface Alarm extends AlarmSpec {
  arn?: string;
  state?: string;
}

export interface AlarmApi {
  /** Alarms whose name starts with `prefix`; every alarm in the region when prefix is ''. */
  listAlarms(prefix: string): Promise<Alarm[]>;
  /** Tags of one alarm (destroy checks dbops:managed before deleting). */
  alarmTags(arn: string): Promise<Tags>;
  /** Creates or replaces the alarm; tags apply when it is created. */
  putAlarm(alarm: AlarmSpec, tags: Tags): Promise<void>;
  deleteAlarms(names: string[]): Promise<void>;
}

export type BudgetNotificationType = 'ACTUAL' | 'FORECASTED';

export interface BudgetNotification {
  type: BudgetNotificationType;
  /** Percent of the limit. */
  thresholdPercent: number;
  emails: string[];
}

export interface BudgetSpec {
  name: string;
  limitUsd: number;
  notifications: BudgetNotification[];
}

export interface Budget extends BudgetSpec {
  tags: Tags;
}

/** AWS Budgets (a global service, addressed by account id). */
export interface BudgetApi {
  findBudget(accountId: string, name: string): Promise<Budget | undefined>;
  createBudget(accountId: string, spec: BudgetSpec, tags: Tags): Promise<void>;
  updateBudgetLimit(accountId: string, name: string, limitUsd: number): Promise<void>;
  createNotification(accountId: string, name: string, n: BudgetNotification): Promise<void>;
  deleteNotification(accountId: string, name: string, n: Pick<BudgetNotification, 'type' | 'thresholdPercent'>): Promise<void>;
  deleteBudget(accountId: string, name: string): Promise<void>;
}

/** Who we are (STS GetCallerIdentity); the local provider answers "local". */
export interface Identity {
  accountId: string;
  arn: string;
}

export interface RegionApi {
  /**
   * Whether the region exists. AWS: a known region, or one EC2 DescribeRegions lists;
   * local: a known AWS region name (configs stay portable).
   */
  regionExists(region: string): Promise<boolean>;
}

/** Why a capability is missing on this provider (shown in plans and audits). */
export type Capability = 'network' | 'cache' | 'notifications' | 'alarms' | 'budgets' | 'parameter-group';

/** The provisioning port of one provider and region. */
export interface ProvisionProvider {
  readonly name: ProviderName;
  readonly region: string;
  /** The instance port, for create/delete/wait/replicas/connection info. */
  readonly instances: Provider;
  readonly database: DatabaseApi;
  readonly network?: NetworkApi;
  readonly cache?: CacheApi;
  /** Valkey serverless caches (AWS). */
  readonly serverlessCache?: ServerlessCacheApi;
  readonly notifications?: NotificationApi;
  readonly alarms?: AlarmApi;
  readonly budgets?: BudgetApi;
  readonly parameterGroups?: ParameterGroupApi;
  readonly regions: RegionApi;
  identity(): Promise<Identity>;
  /** Why a capability is undefined here, e.g. "not applicable on the local provider". */
  notApplicable(capability: Capability): string | undefined;
  /** Releases clients and sockets (not the base Provider: its owner closes it). */
  close(): Promise<void>;
}
