/**
 * The one AWS client pool of the aws adapter (after aws-cdk's `api/aws-auth/sdk.ts`).
 *
 * One `AwsClients` per provider instance: every adapter (Provider, provisioning, usage)
 * reaches AWS through it. Each SDK client is created once per region, on the first call
 * that needs it (its package loaded with a dynamic `import()`), configured once here:
 * region, endpoint (`--endpoint-url` / `AWS_ENDPOINT_URL`), profile (the SDK's own
 * credential chain otherwise) and retries (`aws.maxAttempts`). So `dbops --help` and every
 * local-provider command load no AWS SDK module.
 *
 * The facades below expose only the calls dbops makes: the rest of the adapter cannot
 * reach for an API nobody reviewed, tests know exactly which commands to expect, and
 * `awsOperations()` lists them (the source of an IAM policy / "operations each command
 * calls" table). The `import type` lines are erased at compile time; they load nothing.
 */
import type * as Budgets from '@aws-sdk/client-budgets';
import type * as Ce from '@aws-sdk/client-cost-explorer';
import type * as Cw from '@aws-sdk/client-cloudwatch';
import type * as Ec2 from '@aws-sdk/client-ec2';
import type * as Ec from '@aws-sdk/client-elasticache';
import type * as Lambda from '@aws-sdk/client-lambda';
import type * as Iam from '@aws-sdk/client-iam';
import type * as Rds from '@aws-sdk/client-rds';
import type * as Sm from '@aws-sdk/client-secrets-manager';
import type * as Sns from '@aws-sdk/client-sns';
import type * as Sts from '@aws-sdk/client-sts';
import type * as Ecs from '@aws-sdk/client-ecs';
import type * as Logs from '@aws-sdk/client-cloudwatch-logs';
import type * as Scheduler from '@aws-sdk/client-scheduler';
import type * as Sfn from '@aws-sdk/client-sfn';
import type * as Ssm from '@aws-sdk/client-ssm';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { createFreeTierClient, type FreeTierApi, type FreeTierClientOptions } from './usage-freetier.js';

/** The region of AWS's global billing endpoints (Budgets, Cost Explorer, Free Tier). */
export const BILLING_REGION = 'us-east-1';

/** What every client is built with, whatever its region; the credential chain is the SDK's own. */
export interface AwsSdkSettings {
  /** Shared-config profile (SDK v3 client config `profile`); the chain's default otherwise. */
  profile?: string;
  /** --endpoint-url / AWS_ENDPOINT_URL (LocalStack, moto and friends). */
  endpointUrl?: string;
  /** SDK retry attempts (throttling and transient errors). */
  maxAttempts: number;
  /** Another account's credentials (a fleet member's assumed role); the chain's default otherwise. */
  credentials?: AwsCredentialIdentityProvider;
}

/** Test seams of the Free Tier client (it is not an SDK client, so aws-sdk-client-mock cannot reach it). */
export type FreeTierTesting = Pick<FreeTierClientOptions, 'fetch' | 'credentials' | 'sleep'>;

// ---- the calls dbops makes, per service ----

export interface RdsApi {
  createDBInstance(i: Rds.CreateDBInstanceCommandInput): Promise<Rds.CreateDBInstanceCommandOutput>;
  describeDBInstances(i: Rds.DescribeDBInstancesCommandInput): Promise<Rds.DescribeDBInstancesCommandOutput>;
  describeAccountAttributes(i: Rds.DescribeAccountAttributesCommandInput): Promise<Rds.DescribeAccountAttributesCommandOutput>;
  modifyDBInstance(i: Rds.ModifyDBInstanceCommandInput): Promise<Rds.ModifyDBInstanceCommandOutput>;
  deleteDBInstance(i: Rds.DeleteDBInstanceCommandInput): Promise<Rds.DeleteDBInstanceCommandOutput>;
  rebootDBInstance(i: Rds.RebootDBInstanceCommandInput): Promise<Rds.RebootDBInstanceCommandOutput>;
  addTagsToResource(i: Rds.AddTagsToResourceCommandInput): Promise<Rds.AddTagsToResourceCommandOutput>;
  startDBInstance(i: Rds.StartDBInstanceCommandInput): Promise<Rds.StartDBInstanceCommandOutput>;
  stopDBInstance(i: Rds.StopDBInstanceCommandInput): Promise<Rds.StopDBInstanceCommandOutput>;
  createDBSnapshot(i: Rds.CreateDBSnapshotCommandInput): Promise<Rds.CreateDBSnapshotCommandOutput>;
  describeDBSnapshots(i: Rds.DescribeDBSnapshotsCommandInput): Promise<Rds.DescribeDBSnapshotsCommandOutput>;
  deleteDBSnapshot(i: Rds.DeleteDBSnapshotCommandInput): Promise<Rds.DeleteDBSnapshotCommandOutput>;
  copyDBSnapshot(i: Rds.CopyDBSnapshotCommandInput): Promise<Rds.CopyDBSnapshotCommandOutput>;
  restoreDBInstanceFromDBSnapshot(
    i: Rds.RestoreDBInstanceFromDBSnapshotCommandInput,
  ): Promise<Rds.RestoreDBInstanceFromDBSnapshotCommandOutput>;
  restoreDBInstanceToPointInTime(
    i: Rds.RestoreDBInstanceToPointInTimeCommandInput,
  ): Promise<Rds.RestoreDBInstanceToPointInTimeCommandOutput>;
  describeDBInstanceAutomatedBackups(
    i: Rds.DescribeDBInstanceAutomatedBackupsCommandInput,
  ): Promise<Rds.DescribeDBInstanceAutomatedBackupsCommandOutput>;
  startDBInstanceAutomatedBackupsReplication(
    i: Rds.StartDBInstanceAutomatedBackupsReplicationCommandInput,
  ): Promise<Rds.StartDBInstanceAutomatedBackupsReplicationCommandOutput>;
  createDBInstanceReadReplica(i: Rds.CreateDBInstanceReadReplicaCommandInput): Promise<Rds.CreateDBInstanceReadReplicaCommandOutput>;
  promoteReadReplica(i: Rds.PromoteReadReplicaCommandInput): Promise<Rds.PromoteReadReplicaCommandOutput>;
  describeOrderableDBInstanceOptions(
    i: Rds.DescribeOrderableDBInstanceOptionsCommandInput,
  ): Promise<Rds.DescribeOrderableDBInstanceOptionsCommandOutput>;
  describeDBParameters(i: Rds.DescribeDBParametersCommandInput): Promise<Rds.DescribeDBParametersCommandOutput>;
  createDBParameterGroup(i: Rds.CreateDBParameterGroupCommandInput): Promise<Rds.CreateDBParameterGroupCommandOutput>;
  describeDBParameterGroups(i: Rds.DescribeDBParameterGroupsCommandInput): Promise<Rds.DescribeDBParameterGroupsCommandOutput>;
  modifyDBParameterGroup(i: Rds.ModifyDBParameterGroupCommandInput): Promise<Rds.ModifyDBParameterGroupCommandOutput>;
  deleteDBParameterGroup(i: Rds.DeleteDBParameterGroupCommandInput): Promise<Rds.DeleteDBParameterGroupCommandOutput>;
  listTagsForResource(i: Rds.ListTagsForResourceCommandInput): Promise<Rds.ListTagsForResourceCommandOutput>;
  describePendingMaintenanceActions(
    i: Rds.DescribePendingMaintenanceActionsCommandInput,
  ): Promise<Rds.DescribePendingMaintenanceActionsCommandOutput>;
  createDBProxy(i: Rds.CreateDBProxyCommandInput): Promise<Rds.CreateDBProxyCommandOutput>;
  describeDBProxies(i: Rds.DescribeDBProxiesCommandInput): Promise<Rds.DescribeDBProxiesCommandOutput>;
  describeDBProxyTargets(i: Rds.DescribeDBProxyTargetsCommandInput): Promise<Rds.DescribeDBProxyTargetsCommandOutput>;
  registerDBProxyTargets(i: Rds.RegisterDBProxyTargetsCommandInput): Promise<Rds.RegisterDBProxyTargetsCommandOutput>;
  deleteDBProxy(i: Rds.DeleteDBProxyCommandInput): Promise<Rds.DeleteDBProxyCommandOutput>;
  deregisterDBProxyTargets(i: Rds.DeregisterDBProxyTargetsCommandInput): Promise<Rds.DeregisterDBProxyTargetsCommandOutput>;
  // Aurora clusters (the DBCluster* family)
  createDBCluster(i: Rds.CreateDBClusterCommandInput): Promise<Rds.CreateDBClusterCommandOutput>;
  describeDBClusters(i: Rds.DescribeDBClustersCommandInput): Promise<Rds.DescribeDBClustersCommandOutput>;
  modifyDBCluster(i: Rds.ModifyDBClusterCommandInput): Promise<Rds.ModifyDBClusterCommandOutput>;
  deleteDBCluster(i: Rds.DeleteDBClusterCommandInput): Promise<Rds.DeleteDBClusterCommandOutput>;
  failoverDBCluster(i: Rds.FailoverDBClusterCommandInput): Promise<Rds.FailoverDBClusterCommandOutput>;
  createDBClusterSnapshot(i: Rds.CreateDBClusterSnapshotCommandInput): Promise<Rds.CreateDBClusterSnapshotCommandOutput>;
  describeDBClusterSnapshots(i: Rds.DescribeDBClusterSnapshotsCommandInput): Promise<Rds.DescribeDBClusterSnapshotsCommandOutput>;
  copyDBClusterSnapshot(i: Rds.CopyDBClusterSnapshotCommandInput): Promise<Rds.CopyDBClusterSnapshotCommandOutput>;
  deleteDBClusterSnapshot(i: Rds.DeleteDBClusterSnapshotCommandInput): Promise<Rds.DeleteDBClusterSnapshotCommandOutput>;
  restoreDBClusterFromSnapshot(i: Rds.RestoreDBClusterFromSnapshotCommandInput): Promise<Rds.RestoreDBClusterFromSnapshotCommandOutput>;
  restoreDBClusterToPointInTime(i: Rds.RestoreDBClusterToPointInTimeCommandInput): Promise<Rds.RestoreDBClusterToPointInTimeCommandOutput>;
}

export interface CloudWatchApi {
  getMetricData(i: Cw.GetMetricDataCommandInput): Promise<Cw.GetMetricDataCommandOutput>;
  putMetricData(i: Cw.PutMetricDataCommandInput): Promise<Cw.PutMetricDataCommandOutput>;
  listMetrics(i: Cw.ListMetricsCommandInput): Promise<Cw.ListMetricsCommandOutput>;
  putMetricAlarm(i: Cw.PutMetricAlarmCommandInput): Promise<Cw.PutMetricAlarmCommandOutput>;
  describeAlarms(i: Cw.DescribeAlarmsCommandInput): Promise<Cw.DescribeAlarmsCommandOutput>;
  deleteAlarms(i: Cw.DeleteAlarmsCommandInput): Promise<Cw.DeleteAlarmsCommandOutput>;
  listTagsForResource(i: Cw.ListTagsForResourceCommandInput): Promise<Cw.ListTagsForResourceCommandOutput>;
}

export interface SecretsManagerApi {
  createSecret(i: Sm.CreateSecretCommandInput): Promise<Sm.CreateSecretCommandOutput>;
  describeSecret(i: Sm.DescribeSecretCommandInput): Promise<Sm.DescribeSecretCommandOutput>;
  getSecretValue(i: Sm.GetSecretValueCommandInput): Promise<Sm.GetSecretValueCommandOutput>;
  deleteSecret(i: Sm.DeleteSecretCommandInput): Promise<Sm.DeleteSecretCommandOutput>;
}

export interface Ec2Api {
  describeVpcs(i: Ec2.DescribeVpcsCommandInput): Promise<Ec2.DescribeVpcsCommandOutput>;
  describeSecurityGroups(i: Ec2.DescribeSecurityGroupsCommandInput): Promise<Ec2.DescribeSecurityGroupsCommandOutput>;
  createSecurityGroup(i: Ec2.CreateSecurityGroupCommandInput): Promise<Ec2.CreateSecurityGroupCommandOutput>;
  authorizeSecurityGroupIngress(i: Ec2.AuthorizeSecurityGroupIngressCommandInput): Promise<Ec2.AuthorizeSecurityGroupIngressCommandOutput>;
  revokeSecurityGroupIngress(i: Ec2.RevokeSecurityGroupIngressCommandInput): Promise<Ec2.RevokeSecurityGroupIngressCommandOutput>;
  deleteSecurityGroup(i: Ec2.DeleteSecurityGroupCommandInput): Promise<Ec2.DeleteSecurityGroupCommandOutput>;
  describeRegions(i: Ec2.DescribeRegionsCommandInput): Promise<Ec2.DescribeRegionsCommandOutput>;
}

export interface ElastiCacheApi {
  createReplicationGroup(i: Ec.CreateReplicationGroupCommandInput): Promise<Ec.CreateReplicationGroupCommandOutput>;
  describeReplicationGroups(i: Ec.DescribeReplicationGroupsCommandInput): Promise<Ec.DescribeReplicationGroupsCommandOutput>;
  describeCacheClusters(i: Ec.DescribeCacheClustersCommandInput): Promise<Ec.DescribeCacheClustersCommandOutput>;
  createServerlessCache(i: Ec.CreateServerlessCacheCommandInput): Promise<Ec.CreateServerlessCacheCommandOutput>;
  describeServerlessCaches(i: Ec.DescribeServerlessCachesCommandInput): Promise<Ec.DescribeServerlessCachesCommandOutput>;
  modifyServerlessCache(i: Ec.ModifyServerlessCacheCommandInput): Promise<Ec.ModifyServerlessCacheCommandOutput>;
  deleteServerlessCache(i: Ec.DeleteServerlessCacheCommandInput): Promise<Ec.DeleteServerlessCacheCommandOutput>;
  createUser(i: Ec.CreateUserCommandInput): Promise<Ec.CreateUserCommandOutput>;
  describeUsers(i: Ec.DescribeUsersCommandInput): Promise<Ec.DescribeUsersCommandOutput>;
  deleteUser(i: Ec.DeleteUserCommandInput): Promise<Ec.DeleteUserCommandOutput>;
  createUserGroup(i: Ec.CreateUserGroupCommandInput): Promise<Ec.CreateUserGroupCommandOutput>;
  describeUserGroups(i: Ec.DescribeUserGroupsCommandInput): Promise<Ec.DescribeUserGroupsCommandOutput>;
  deleteUserGroup(i: Ec.DeleteUserGroupCommandInput): Promise<Ec.DeleteUserGroupCommandOutput>;
  modifyReplicationGroup(i: Ec.ModifyReplicationGroupCommandInput): Promise<Ec.ModifyReplicationGroupCommandOutput>;
  deleteReplicationGroup(i: Ec.DeleteReplicationGroupCommandInput): Promise<Ec.DeleteReplicationGroupCommandOutput>;
  listTagsForResource(i: Ec.ListTagsForResourceCommandInput): Promise<Ec.ListTagsForResourceCommandOutput>;
}

export interface SnsApi {
  createTopic(i: Sns.CreateTopicCommandInput): Promise<Sns.CreateTopicCommandOutput>;
  listTopics(i: Sns.ListTopicsCommandInput): Promise<Sns.ListTopicsCommandOutput>;
  listTagsForResource(i: Sns.ListTagsForResourceCommandInput): Promise<Sns.ListTagsForResourceCommandOutput>;
  listSubscriptionsByTopic(i: Sns.ListSubscriptionsByTopicCommandInput): Promise<Sns.ListSubscriptionsByTopicCommandOutput>;
  subscribe(i: Sns.SubscribeCommandInput): Promise<Sns.SubscribeCommandOutput>;
  unsubscribe(i: Sns.UnsubscribeCommandInput): Promise<Sns.UnsubscribeCommandOutput>;
  deleteTopic(i: Sns.DeleteTopicCommandInput): Promise<Sns.DeleteTopicCommandOutput>;
}

/** Budgets is a global service; the usage reads call it in BILLING_REGION. */
export interface BudgetsApi {
  describeBudgets(i: Budgets.DescribeBudgetsCommandInput): Promise<Budgets.DescribeBudgetsCommandOutput>;
  describeBudget(i: Budgets.DescribeBudgetCommandInput): Promise<Budgets.DescribeBudgetCommandOutput>;
  describeNotificationsForBudget(
    i: Budgets.DescribeNotificationsForBudgetCommandInput,
  ): Promise<Budgets.DescribeNotificationsForBudgetCommandOutput>;
  describeSubscribersForNotification(
    i: Budgets.DescribeSubscribersForNotificationCommandInput,
  ): Promise<Budgets.DescribeSubscribersForNotificationCommandOutput>;
  createBudget(i: Budgets.CreateBudgetCommandInput): Promise<Budgets.CreateBudgetCommandOutput>;
  updateBudget(i: Budgets.UpdateBudgetCommandInput): Promise<Budgets.UpdateBudgetCommandOutput>;
  createNotification(i: Budgets.CreateNotificationCommandInput): Promise<Budgets.CreateNotificationCommandOutput>;
  deleteNotification(i: Budgets.DeleteNotificationCommandInput): Promise<Budgets.DeleteNotificationCommandOutput>;
  deleteBudget(i: Budgets.DeleteBudgetCommandInput): Promise<Budgets.DeleteBudgetCommandOutput>;
  listTagsForResource(i: Budgets.ListTagsForResourceCommandInput): Promise<Budgets.ListTagsForResourceCommandOutput>;
}

export interface StsApi {
  getCallerIdentity(i: Sts.GetCallerIdentityCommandInput): Promise<Sts.GetCallerIdentityCommandOutput>;
  assumeRole(i: Sts.AssumeRoleCommandInput): Promise<Sts.AssumeRoleCommandOutput>;
}

export interface IamApi {
  getRole(i: Iam.GetRoleCommandInput): Promise<Iam.GetRoleCommandOutput>;
  createRole(i: Iam.CreateRoleCommandInput): Promise<Iam.CreateRoleCommandOutput>;
  putRolePolicy(i: Iam.PutRolePolicyCommandInput): Promise<Iam.PutRolePolicyCommandOutput>;
  deleteRolePolicy(i: Iam.DeleteRolePolicyCommandInput): Promise<Iam.DeleteRolePolicyCommandOutput>;
  deleteRole(i: Iam.DeleteRoleCommandInput): Promise<Iam.DeleteRoleCommandOutput>;
  getRolePolicy(i: Iam.GetRolePolicyCommandInput): Promise<Iam.GetRolePolicyCommandOutput>;
  updateAssumeRolePolicy(i: Iam.UpdateAssumeRolePolicyCommandInput): Promise<Iam.UpdateAssumeRolePolicyCommandOutput>;
}

/** dbops schedule: the config as a parameter. */
export interface SsmApi {
  getParameter(i: Ssm.GetParameterCommandInput): Promise<Ssm.GetParameterCommandOutput>;
  putParameter(i: Ssm.PutParameterCommandInput): Promise<Ssm.PutParameterCommandOutput>;
  deleteParameter(i: Ssm.DeleteParameterCommandInput): Promise<Ssm.DeleteParameterCommandOutput>;
  listTagsForResource(i: Ssm.ListTagsForResourceCommandInput): Promise<Ssm.ListTagsForResourceCommandOutput>;
}

/** dbops schedule: the Fargate cluster and the task definitions. */
export interface EcsApi {
  describeClusters(i: Ecs.DescribeClustersCommandInput): Promise<Ecs.DescribeClustersCommandOutput>;
  createCluster(i: Ecs.CreateClusterCommandInput): Promise<Ecs.CreateClusterCommandOutput>;
  deleteCluster(i: Ecs.DeleteClusterCommandInput): Promise<Ecs.DeleteClusterCommandOutput>;
  describeTaskDefinition(i: Ecs.DescribeTaskDefinitionCommandInput): Promise<Ecs.DescribeTaskDefinitionCommandOutput>;
  registerTaskDefinition(i: Ecs.RegisterTaskDefinitionCommandInput): Promise<Ecs.RegisterTaskDefinitionCommandOutput>;
  listTaskDefinitions(i: Ecs.ListTaskDefinitionsCommandInput): Promise<Ecs.ListTaskDefinitionsCommandOutput>;
  deregisterTaskDefinition(i: Ecs.DeregisterTaskDefinitionCommandInput): Promise<Ecs.DeregisterTaskDefinitionCommandOutput>;
}

/** dbops schedule: the log group of the tasks. */
export interface LogsApi {
  describeLogGroups(i: Logs.DescribeLogGroupsCommandInput): Promise<Logs.DescribeLogGroupsCommandOutput>;
  createLogGroup(i: Logs.CreateLogGroupCommandInput): Promise<Logs.CreateLogGroupCommandOutput>;
  putRetentionPolicy(i: Logs.PutRetentionPolicyCommandInput): Promise<Logs.PutRetentionPolicyCommandOutput>;
  listTagsLogGroup(i: Logs.ListTagsLogGroupCommandInput): Promise<Logs.ListTagsLogGroupCommandOutput>;
  deleteLogGroup(i: Logs.DeleteLogGroupCommandInput): Promise<Logs.DeleteLogGroupCommandOutput>;
  getLogEvents(i: Logs.GetLogEventsCommandInput): Promise<Logs.GetLogEventsCommandOutput>;
}

/** dbops schedule: one state machine per job, and its executions. */
export interface SfnApi {
  listStateMachines(i: Sfn.ListStateMachinesCommandInput): Promise<Sfn.ListStateMachinesCommandOutput>;
  describeStateMachine(i: Sfn.DescribeStateMachineCommandInput): Promise<Sfn.DescribeStateMachineCommandOutput>;
  createStateMachine(i: Sfn.CreateStateMachineCommandInput): Promise<Sfn.CreateStateMachineCommandOutput>;
  updateStateMachine(i: Sfn.UpdateStateMachineCommandInput): Promise<Sfn.UpdateStateMachineCommandOutput>;
  deleteStateMachine(i: Sfn.DeleteStateMachineCommandInput): Promise<Sfn.DeleteStateMachineCommandOutput>;
  listTagsForResource(i: Sfn.ListTagsForResourceCommandInput): Promise<Sfn.ListTagsForResourceCommandOutput>;
  listExecutions(i: Sfn.ListExecutionsCommandInput): Promise<Sfn.ListExecutionsCommandOutput>;
  describeExecution(i: Sfn.DescribeExecutionCommandInput): Promise<Sfn.DescribeExecutionCommandOutput>;
  getExecutionHistory(i: Sfn.GetExecutionHistoryCommandInput): Promise<Sfn.GetExecutionHistoryCommandOutput>;
}

/** dbops schedule: the schedule group `dbops` and one schedule per job. */
export interface SchedulerApi {
  getScheduleGroup(i: Scheduler.GetScheduleGroupCommandInput): Promise<Scheduler.GetScheduleGroupCommandOutput>;
  createScheduleGroup(i: Scheduler.CreateScheduleGroupCommandInput): Promise<Scheduler.CreateScheduleGroupCommandOutput>;
  deleteScheduleGroup(i: Scheduler.DeleteScheduleGroupCommandInput): Promise<Scheduler.DeleteScheduleGroupCommandOutput>;
  listTagsForResource(i: Scheduler.ListTagsForResourceCommandInput): Promise<Scheduler.ListTagsForResourceCommandOutput>;
  listSchedules(i: Scheduler.ListSchedulesCommandInput): Promise<Scheduler.ListSchedulesCommandOutput>;
  getSchedule(i: Scheduler.GetScheduleCommandInput): Promise<Scheduler.GetScheduleCommandOutput>;
  createSchedule(i: Scheduler.CreateScheduleCommandInput): Promise<Scheduler.CreateScheduleCommandOutput>;
  updateSchedule(i: Scheduler.UpdateScheduleCommandInput): Promise<Scheduler.UpdateScheduleCommandOutput>;
  deleteSchedule(i: Scheduler.DeleteScheduleCommandInput): Promise<Scheduler.DeleteScheduleCommandOutput>;
}

export interface LambdaApi {
  listFunctions(i: Lambda.ListFunctionsCommandInput): Promise<Lambda.ListFunctionsCommandOutput>;
}

export interface CostExplorerApi {
  getCostAndUsage(i: Ce.GetCostAndUsageCommandInput): Promise<Ce.GetCostAndUsageCommandOutput>;
}

/** Every facade of one region. */
export interface RegionClients {
  readonly rds: RdsApi;
  readonly cloudWatch: CloudWatchApi;
  readonly secretsManager: SecretsManagerApi;
  readonly ec2: Ec2Api;
  readonly elastiCache: ElastiCacheApi;
  readonly sns: SnsApi;
  readonly budgets: BudgetsApi;
  readonly sts: StsApi;
  readonly lambda: LambdaApi;
  readonly iam: IamApi;
  readonly costExplorer: CostExplorerApi;
  readonly ssm: SsmApi;
  readonly ecs: EcsApi;
  readonly logs: LogsApi;
  readonly sfn: SfnApi;
  readonly scheduler: SchedulerApi;
}

// ---- one lazily created SDK client ----

export interface Destroyable {
  destroy(): void;
}

/** The config every dbops SDK client is created with. */
export interface ClientConfig {
  region: string;
  profile?: string;
  endpoint?: string;
  maxAttempts: number;
  credentials?: AwsCredentialIdentityProvider;
}

export function clientConfig(s: AwsSdkSettings, region: string): ClientConfig {
  return {
    region,
    ...(s.profile ? { profile: s.profile } : {}),
    ...(s.endpointUrl ? { endpoint: s.endpointUrl } : {}),
    maxAttempts: s.maxAttempts,
    ...(s.credentials ? { credentials: s.credentials } : {}),
  };
}

/** One SDK client, created (module and all) on first use. */
export class LazyClient<M, C extends Destroyable> implements Destroyable {
  #module?: Promise<M>;
  #client?: C;

  constructor(
    private readonly load: () => Promise<M>,
    private readonly create: (mod: M) => C,
  ) {}

  async use<T>(call: (mod: M, client: C) => Promise<T>): Promise<T> {
    this.#module ??= this.load();
    const mod = await this.#module;
    this.#client ??= this.create(mod);
    return call(mod, this.#client);
  }

  destroy(): void {
    this.#client?.destroy();
    this.#client = undefined;
  }
}

/** How one service's facade is built: its package, its client, its calls. */
interface ServiceSpec<A> {
  open(config: ClientConfig): { api: A; client: Destroyable };
  /** The AWS operation names the facade exposes, e.g. "DescribeDBInstances". */
  operations(): string[];
}

const TALLY = new Map<string, number>();

/** Every AWS call this process made, by operation: `--verbose` prints it (a fleet run's cost). */
export function awsCallTally(): { total: number; byOperation: Record<string, number> } {
  const byOperation = Object.fromEntries([...TALLY].sort(([a], [b]) => a.localeCompare(b)));
  return { total: [...TALLY.values()].reduce((a, b) => a + b, 0), byOperation };
}

/** The facade with each call counted under its AWS operation name. */
function tallied<A extends object>(api: A): A {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(api)) {
    const operation = name[0]!.toUpperCase() + name.slice(1);
    out[name] = (...args: unknown[]) => {
      TALLY.set(operation, (TALLY.get(operation) ?? 0) + 1);
      return (fn as (...a: unknown[]) => unknown)(...args);
    };
  }
  return out as A;
}

function service<M, C extends Destroyable, A extends object>(
  load: () => Promise<M>,
  create: (m: M, config: ClientConfig) => C,
  calls: (lazy: LazyClient<M, C>) => A,
): ServiceSpec<A> {
  return {
    open(config) {
      const client = new LazyClient(load, (m) => create(m, config));
      return { api: tallied(calls(client)), client };
    },
    operations() {
      // Building a facade loads nothing; only its keys are read.
      const names = Object.keys(calls(new LazyClient(load, (m) => create(m, { region: BILLING_REGION, maxAttempts: 1 }))));
      return names.map((n) => n[0]!.toUpperCase() + n.slice(1));
    },
  };
}

type RdsModule = typeof import('@aws-sdk/client-rds');
type CwModule = typeof import('@aws-sdk/client-cloudwatch');
type SmModule = typeof import('@aws-sdk/client-secrets-manager');
type Ec2Module = typeof import('@aws-sdk/client-ec2');
type EcModule = typeof import('@aws-sdk/client-elasticache');
type SnsModule = typeof import('@aws-sdk/client-sns');
type BudgetsModule = typeof import('@aws-sdk/client-budgets');
type StsModule = typeof import('@aws-sdk/client-sts');
type LambdaModule = typeof import('@aws-sdk/client-lambda');
type CeModule = typeof import('@aws-sdk/client-cost-explorer');
type IamModule = typeof import('@aws-sdk/client-iam');
type SsmModule = typeof import('@aws-sdk/client-ssm');
type EcsModule = typeof import('@aws-sdk/client-ecs');
type LogsModule = typeof import('@aws-sdk/client-cloudwatch-logs');
type SfnModule = typeof import('@aws-sdk/client-sfn');
type SchedulerModule = typeof import('@aws-sdk/client-scheduler');

/** Every service dbops calls: its package, its client and the calls it makes. One place. */
const SERVICES = {
  rds: service(
    (): Promise<RdsModule> => import('@aws-sdk/client-rds'),
    (m, config) => new m.RDSClient(config),
    (l): RdsApi => ({
      createDBInstance: (i) => l.use((m, c) => c.send(new m.CreateDBInstanceCommand(i))),
      describeDBInstances: (i) => l.use((m, c) => c.send(new m.DescribeDBInstancesCommand(i))),
      describeAccountAttributes: (i) => l.use((m, c) => c.send(new m.DescribeAccountAttributesCommand(i))),
      modifyDBInstance: (i) => l.use((m, c) => c.send(new m.ModifyDBInstanceCommand(i))),
      deleteDBInstance: (i) => l.use((m, c) => c.send(new m.DeleteDBInstanceCommand(i))),
      rebootDBInstance: (i) => l.use((m, c) => c.send(new m.RebootDBInstanceCommand(i))),
      addTagsToResource: (i) => l.use((m, c) => c.send(new m.AddTagsToResourceCommand(i))),
      startDBInstance: (i) => l.use((m, c) => c.send(new m.StartDBInstanceCommand(i))),
      stopDBInstance: (i) => l.use((m, c) => c.send(new m.StopDBInstanceCommand(i))),
      createDBSnapshot: (i) => l.use((m, c) => c.send(new m.CreateDBSnapshotCommand(i))),
      describeDBSnapshots: (i) => l.use((m, c) => c.send(new m.DescribeDBSnapshotsCommand(i))),
      deleteDBSnapshot: (i) => l.use((m, c) => c.send(new m.DeleteDBSnapshotCommand(i))),
      copyDBSnapshot: (i) => l.use((m, c) => c.send(new m.CopyDBSnapshotCommand(i))),
      restoreDBInstanceFromDBSnapshot: (i) => l.use((m, c) => c.send(new m.RestoreDBInstanceFromDBSnapshotCommand(i))),
      restoreDBInstanceToPointInTime: (i) => l.use((m, c) => c.send(new m.RestoreDBInstanceToPointInTimeCommand(i))),
      describeDBInstanceAutomatedBackups: (i) => l.use((m, c) => c.send(new m.DescribeDBInstanceAutomatedBackupsCommand(i))),
      startDBInstanceAutomatedBackupsReplication: (i) =>
        l.use((m, c) => c.send(new m.StartDBInstanceAutomatedBackupsReplicationCommand(i))),
      createDBInstanceReadReplica: (i) => l.use((m, c) => c.send(new m.CreateDBInstanceReadReplicaCommand(i))),
      promoteReadReplica: (i) => l.use((m, c) => c.send(new m.PromoteReadReplicaCommand(i))),
      describeOrderableDBInstanceOptions: (i) => l.use((m, c) => c.send(new m.DescribeOrderableDBInstanceOptionsCommand(i))),
      describeDBParameters: (i) => l.use((m, c) => c.send(new m.DescribeDBParametersCommand(i))),
      createDBParameterGroup: (i) => l.use((m, c) => c.send(new m.CreateDBParameterGroupCommand(i))),
      describeDBParameterGroups: (i) => l.use((m, c) => c.send(new m.DescribeDBParameterGroupsCommand(i))),
      modifyDBParameterGroup: (i) => l.use((m, c) => c.send(new m.ModifyDBParameterGroupCommand(i))),
      deleteDBParameterGroup: (i) => l.use((m, c) => c.send(new m.DeleteDBParameterGroupCommand(i))),
      listTagsForResource: (i) => l.use((m, c) => c.send(new m.ListTagsForResourceCommand(i))),
      describePendingMaintenanceActions: (i) => l.use((m, c) => c.send(new m.DescribePendingMaintenanceActionsCommand(i))),
      createDBProxy: (i) => l.use((m, c) => c.send(new m.CreateDBProxyCommand(i))),
      describeDBProxies: (i) => l.use((m, c) => c.send(new m.DescribeDBProxiesCommand(i))),
      describeDBProxyTargets: (i) => l.use((m, c) => c.send(new m.DescribeDBProxyTargetsCommand(i))),
      registerDBProxyTargets: (i) => l.use((m, c) => c.send(new m.RegisterDBProxyTargetsCommand(i))),
      deregisterDBProxyTargets: (i) => l.use((m, c) => c.send(new m.DeregisterDBProxyTargetsCommand(i))),
      deleteDBProxy: (i) => l.use((m, c) => c.send(new m.DeleteDBProxyCommand(i))),
      createDBCluster: (i) => l.use((m, c) => c.send(new m.CreateDBClusterCommand(i))),
      describeDBClusters: (i) => l.use((m, c) => c.send(new m.DescribeDBClustersCommand(i))),
      modifyDBCluster: (i) => l.use((m, c) => c.send(new m.ModifyDBClusterCommand(i))),
      deleteDBCluster: (i) => l.use((m, c) => c.send(new m.DeleteDBClusterCommand(i))),
      failoverDBCluster: (i) => l.use((m, c) => c.send(new m.FailoverDBClusterCommand(i))),
      createDBClusterSnapshot: (i) => l.use((m, c) => c.send(new m.CreateDBClusterSnapshotCommand(i))),
      describeDBClusterSnapshots: (i) => l.use((m, c) => c.send(new m.DescribeDBClusterSnapshotsCommand(i))),
      copyDBClusterSnapshot: (i) => l.use((m, c) => c.send(new m.CopyDBClusterSnapshotCommand(i))),
      deleteDBClusterSnapshot: (i) => l.use((m, c) => c.send(new m.DeleteDBClusterSnapshotCommand(i))),
      restoreDBClusterFromSnapshot: (i) => l.use((m, c) => c.send(new m.RestoreDBClusterFromSnapshotCommand(i))),
      restoreDBClusterToPointInTime: (i) => l.use((m, c) => c.send(new m.RestoreDBClusterToPointInTimeCommand(i))),
    }),
  ),
  cloudWatch: service(
    (): Promise<CwModule> => import('@aws-sdk/client-cloudwatch'),
    (m, config) => new m.CloudWatchClient(config),
    (l): CloudWatchApi => ({
      getMetricData: (i) => l.use((m, c) => c.send(new m.GetMetricDataCommand(i))),
      putMetricData: (i) => l.use((m, c) => c.send(new m.PutMetricDataCommand(i))),
      listMetrics: (i) => l.use((m, c) => c.send(new m.ListMetricsCommand(i))),
      putMetricAlarm: (i) => l.use((m, c) => c.send(new m.PutMetricAlarmCommand(i))),
      describeAlarms: (i) => l.use((m, c) => c.send(new m.DescribeAlarmsCommand(i))),
      deleteAlarms: (i) => l.use((m, c) => c.send(new m.DeleteAlarmsCommand(i))),
      listTagsForResource: (i) => l.use((m, c) => c.send(new m.ListTagsForResourceCommand(i))),
    }),
  ),
  secretsManager: service(
    (): Promise<SmModule> => import('@aws-sdk/client-secrets-manager'),
    (m, config) => new m.SecretsManagerClient(config),
    (l): SecretsManagerApi => ({
      createSecret: (i) => l.use((m, c) => c.send(new m.CreateSecretCommand(i))),
      describeSecret: (i) => l.use((m, c) => c.send(new m.DescribeSecretCommand(i))),
      getSecretValue: (i) => l.use((m, c) => c.send(new m.GetSecretValueCommand(i))),
      deleteSecret: (i) => l.use((m, c) => c.send(new m.DeleteSecretCommand(i))),
    }),
  ),
  ec2: service(
    (): Promise<Ec2Module> => import('@aws-sdk/client-ec2'),
    (m, config) => new m.EC2Client(config),
    (l): Ec2Api => ({
      describeVpcs: (i) => l.use((m, c) => c.send(new m.DescribeVpcsCommand(i))),
      describeSecurityGroups: (i) => l.use((m, c) => c.send(new m.DescribeSecurityGroupsCommand(i))),
      createSecurityGroup: (i) => l.use((m, c) => c.send(new m.CreateSecurityGroupCommand(i))),
      authorizeSecurityGroupIngress: (i) => l.use((m, c) => c.send(new m.AuthorizeSecurityGroupIngressCommand(i))),
      revokeSecurityGroupIngress: (i) => l.use((m, c) => c.send(new m.RevokeSecurityGroupIngressCommand(i))),
      deleteSecurityGroup: (i) => l.use((m, c) => c.send(new m.DeleteSecurityGroupCommand(i))),
      describeRegions: (i) => l.use((m, c) => c.send(new m.DescribeRegionsCommand(i))),
    }),
  ),
  elastiCache: service(
    (): Promise<EcModule> => import('@aws-sdk/client-elasticache'),
    (m, config) => new m.ElastiCacheClient(config),
    (l): ElastiCacheApi => ({
      createReplicationGroup: (i) => l.use((m, c) => c.send(new m.CreateReplicationGroupCommand(i))),
      describeReplicationGroups: (i) => l.use((m, c) => c.send(new m.DescribeReplicationGroupsCommand(i))),
      describeCacheClusters: (i) => l.use((m, c) => c.send(new m.DescribeCacheClustersCommand(i))),
      createServerlessCache: (i) => l.use((m, c) => c.send(new m.CreateServerlessCacheCommand(i))),
      describeServerlessCaches: (i) => l.use((m, c) => c.send(new m.DescribeServerlessCachesCommand(i))),
      modifyServerlessCache: (i) => l.use((m, c) => c.send(new m.ModifyServerlessCacheCommand(i))),
      deleteServerlessCache: (i) => l.use((m, c) => c.send(new m.DeleteServerlessCacheCommand(i))),
      createUser: (i) => l.use((m, c) => c.send(new m.CreateUserCommand(i))),
      describeUsers: (i) => l.use((m, c) => c.send(new m.DescribeUsersCommand(i))),
      deleteUser: (i) => l.use((m, c) => c.send(new m.DeleteUserCommand(i))),
      createUserGroup: (i) => l.use((m, c) => c.send(new m.CreateUserGroupCommand(i))),
      describeUserGroups: (i) => l.use((m, c) => c.send(new m.DescribeUserGroupsCommand(i))),
      deleteUserGroup: (i) => l.use((m, c) => c.send(new m.DeleteUserGroupCommand(i))),
      modifyReplicationGroup: (i) => l.use((m, c) => c.send(new m.ModifyReplicationGroupCommand(i))),
      deleteReplicationGroup: (i) => l.use((m, c) => c.send(new m.DeleteReplicationGroupCommand(i))),
      listTagsForResource: (i) => l.use((m, c) => c.send(new m.ListTagsForResourceCommand(i))),
    }),
  ),
  sns: service(
    (): Promise<SnsModule> => import('@aws-sdk/client-sns'),
    (m, config) => new m.SNSClient(config),
    (l): SnsApi => ({
      createTopic: (i) => l.use((m, c) => c.send(new m.CreateTopicCommand(i))),
      listTopics: (i) => l.use((m, c) => c.send(new m.ListTopicsCommand(i))),
      listTagsForResource: (i) => l.use((m, c) => c.send(new m.ListTagsForResourceCommand(i))),
      listSubscriptionsByTopic: (i) => l.use((m, c) => c.send(new m.ListSubscriptionsByTopicCommand(i))),
      subscribe: (i) => l.use((m, c) => c.send(new m.SubscribeCommand(i))),
      unsubscribe: (i) => l.use((m, c) => c.send(new m.UnsubscribeCommand(i))),
      deleteTopic: (i) => l.use((m, c) => c.send(new m.DeleteTopicCommand(i))),
    }),
  ),
  budgets: service(
    (): Promise<BudgetsModule> => import('@aws-sdk/client-budgets'),
    (m, config) => new m.BudgetsClient(config),
    (l): BudgetsApi => ({
      describeBudgets: (i) => l.use((m, c) => c.send(new m.DescribeBudgetsCommand(i))),
      describeBudget: (i) => l.use((m, c) => c.send(new m.DescribeBudgetCommand(i))),
      describeNotificationsForBudget: (i) => l.use((m, c) => c.send(new m.DescribeNotificationsForBudgetCommand(i))),
      describeSubscribersForNotification: (i) => l.use((m, c) => c.send(new m.DescribeSubscribersForNotificationCommand(i))),
      createBudget: (i) => l.use((m, c) => c.send(new m.CreateBudgetCommand(i))),
      updateBudget: (i) => l.use((m, c) => c.send(new m.UpdateBudgetCommand(i))),
      createNotification: (i) => l.use((m, c) => c.send(new m.CreateNotificationCommand(i))),
      deleteNotification: (i) => l.use((m, c) => c.send(new m.DeleteNotificationCommand(i))),
      deleteBudget: (i) => l.use((m, c) => c.send(new m.DeleteBudgetCommand(i))),
      listTagsForResource: (i) => l.use((m, c) => c.send(new m.ListTagsForResourceCommand(i))),
    }),
  ),
  sts: service(
    (): Promise<StsModule> => import('@aws-sdk/client-sts'),
    (m, config) => new m.STSClient(config),
    (l): StsApi => ({
      getCallerIdentity: (i) => l.use((m, c) => c.send(new m.GetCallerIdentityCommand(i))),
      assumeRole: (i) => l.use((m, c) => c.send(new m.AssumeRoleCommand(i))),
    }),
  ),
  lambda: service(
    (): Promise<LambdaModule> => import('@aws-sdk/client-lambda'),
    (m, config) => new m.LambdaClient(config),
    (l): LambdaApi => ({
      listFunctions: (i) => l.use((m, c) => c.send(new m.ListFunctionsCommand(i))),
    }),
  ),
  iam: service(
    (): Promise<IamModule> => import('@aws-sdk/client-iam'),
    (m, config) => new m.IAMClient(config),
    (l): IamApi => ({
      getRole: (i) => l.use((m, c) => c.send(new m.GetRoleCommand(i))),
      createRole: (i) => l.use((m, c) => c.send(new m.CreateRoleCommand(i))),
      putRolePolicy: (i) => l.use((m, c) => c.send(new m.PutRolePolicyCommand(i))),
      deleteRolePolicy: (i) => l.use((m, c) => c.send(new m.DeleteRolePolicyCommand(i))),
      deleteRole: (i) => l.use((m, c) => c.send(new m.DeleteRoleCommand(i))),
      getRolePolicy: (i) => l.use((m, c) => c.send(new m.GetRolePolicyCommand(i))),
      updateAssumeRolePolicy: (i) => l.use((m, c) => c.send(new m.UpdateAssumeRolePolicyCommand(i))),
    }),
  ),
  ssm: service(
    (): Promise<SsmModule> => import('@aws-sdk/client-ssm'),
    (m, config) => new m.SSMClient(config),
    (l): SsmApi => ({
      getParameter: (i) => l.use((m, c) => c.send(new m.GetParameterCommand(i))),
      putParameter: (i) => l.use((m, c) => c.send(new m.PutParameterCommand(i))),
      deleteParameter: (i) => l.use((m, c) => c.send(new m.DeleteParameterCommand(i))),
      listTagsForResource: (i) => l.use((m, c) => c.send(new m.ListTagsForResourceCommand(i))),
    }),
  ),
  ecs: service(
    (): Promise<EcsModule> => import('@aws-sdk/client-ecs'),
    (m, config) => new m.ECSClient(config),
    (l): EcsApi => ({
      describeClusters: (i) => l.use((m, c) => c.send(new m.DescribeClustersCommand(i))),
      createCluster: (i) => l.use((m, c) => c.send(new m.CreateClusterCommand(i))),
      deleteCluster: (i) => l.use((m, c) => c.send(new m.DeleteClusterCommand(i))),
      describeTaskDefinition: (i) => l.use((m, c) => c.send(new m.DescribeTaskDefinitionCommand(i))),
      registerTaskDefinition: (i) => l.use((m, c) => c.send(new m.RegisterTaskDefinitionCommand(i))),
      listTaskDefinitions: (i) => l.use((m, c) => c.send(new m.ListTaskDefinitionsCommand(i))),
      deregisterTaskDefinition: (i) => l.use((m, c) => c.send(new m.DeregisterTaskDefinitionCommand(i))),
    }),
  ),
  logs: service(
    (): Promise<LogsModule> => import('@aws-sdk/client-cloudwatch-logs'),
    (m, config) => new m.CloudWatchLogsClient(config),
    (l): LogsApi => ({
      describeLogGroups: (i) => l.use((m, c) => c.send(new m.DescribeLogGroupsCommand(i))),
      createLogGroup: (i) => l.use((m, c) => c.send(new m.CreateLogGroupCommand(i))),
      putRetentionPolicy: (i) => l.use((m, c) => c.send(new m.PutRetentionPolicyCommand(i))),
      listTagsLogGroup: (i) => l.use((m, c) => c.send(new m.ListTagsLogGroupCommand(i))),
      deleteLogGroup: (i) => l.use((m, c) => c.send(new m.DeleteLogGroupCommand(i))),
      getLogEvents: (i) => l.use((m, c) => c.send(new m.GetLogEventsCommand(i))),
    }),
  ),
  sfn: service(
    (): Promise<SfnModule> => import('@aws-sdk/client-sfn'),
    (m, config) => new m.SFNClient(config),
    (l): SfnApi => ({
      listStateMachines: (i) => l.use((m, c) => c.send(new m.ListStateMachinesCommand(i))),
      describeStateMachine: (i) => l.use((m, c) => c.send(new m.DescribeStateMachineCommand(i))),
      createStateMachine: (i) => l.use((m, c) => c.send(new m.CreateStateMachineCommand(i))),
      updateStateMachine: (i) => l.use((m, c) => c.send(new m.UpdateStateMachineCommand(i))),
      deleteStateMachine: (i) => l.use((m, c) => c.send(new m.DeleteStateMachineCommand(i))),
      listTagsForResource: (i) => l.use((m, c) => c.send(new m.ListTagsForResourceCommand(i))),
      listExecutions: (i) => l.use((m, c) => c.send(new m.ListExecutionsCommand(i))),
      describeExecution: (i) => l.use((m, c) => c.send(new m.DescribeExecutionCommand(i))),
      getExecutionHistory: (i) => l.use((m, c) => c.send(new m.GetExecutionHistoryCommand(i))),
    }),
  ),
  scheduler: service(
    (): Promise<SchedulerModule> => import('@aws-sdk/client-scheduler'),
    (m, config) => new m.SchedulerClient(config),
    (l): SchedulerApi => ({
      getScheduleGroup: (i) => l.use((m, c) => c.send(new m.GetScheduleGroupCommand(i))),
      createScheduleGroup: (i) => l.use((m, c) => c.send(new m.CreateScheduleGroupCommand(i))),
      deleteScheduleGroup: (i) => l.use((m, c) => c.send(new m.DeleteScheduleGroupCommand(i))),
      listTagsForResource: (i) => l.use((m, c) => c.send(new m.ListTagsForResourceCommand(i))),
      listSchedules: (i) => l.use((m, c) => c.send(new m.ListSchedulesCommand(i))),
      getSchedule: (i) => l.use((m, c) => c.send(new m.GetScheduleCommand(i))),
      createSchedule: (i) => l.use((m, c) => c.send(new m.CreateScheduleCommand(i))),
      updateSchedule: (i) => l.use((m, c) => c.send(new m.UpdateScheduleCommand(i))),
      deleteSchedule: (i) => l.use((m, c) => c.send(new m.DeleteScheduleCommand(i))),
    }),
  ),
  costExplorer: service(
    (): Promise<CeModule> => import('@aws-sdk/client-cost-explorer'),
    (m, config) => new m.CostExplorerClient(config),
    (l): CostExplorerApi => ({
      getCostAndUsage: (i) => l.use((m, c) => c.send(new m.GetCostAndUsageCommand(i))),
    }),
  ),
} satisfies { [S in keyof RegionClients]: ServiceSpec<RegionClients[S]> };

/** The AWS services dbops calls, by facade name. */
export type AwsServiceName = keyof RegionClients | 'freeTier';

/**
 * Every AWS operation dbops can call, per service (e.g. `rds: ['CreateDBInstance', ...]`),
 * read off the facades themselves, so the list cannot drift from what the code calls.
 */
export function awsOperations(): Record<AwsServiceName, string[]> {
  return {
    rds: SERVICES.rds.operations(),
    cloudWatch: SERVICES.cloudWatch.operations(),
    secretsManager: SERVICES.secretsManager.operations(),
    ec2: SERVICES.ec2.operations(),
    elastiCache: SERVICES.elastiCache.operations(),
    sns: SERVICES.sns.operations(),
    budgets: SERVICES.budgets.operations(),
    sts: SERVICES.sts.operations(),
    lambda: SERVICES.lambda.operations(),
    iam: SERVICES.iam.operations(),
    costExplorer: SERVICES.costExplorer.operations(),
    ssm: SERVICES.ssm.operations(),
    ecs: SERVICES.ecs.operations(),
    logs: SERVICES.logs.operations(),
    sfn: SERVICES.sfn.operations(),
    scheduler: SERVICES.scheduler.operations(),
    freeTier: ['GetFreeTierUsage', 'GetAccountPlanState'],
  };
}

/** The facades of one region. Nothing is imported or created until a call is made. */
function openRegion(settings: AwsSdkSettings, region: string): { clients: RegionClients; destroy(): void } {
  const config = clientConfig(settings, region);
  const opened: Destroyable[] = [];
  const open = <A>(spec: ServiceSpec<A>): A => {
    const { api, client } = spec.open(config);
    opened.push(client);
    return api;
  };
  const clients: RegionClients = {
    rds: open(SERVICES.rds),
    cloudWatch: open(SERVICES.cloudWatch),
    secretsManager: open(SERVICES.secretsManager),
    ec2: open(SERVICES.ec2),
    elastiCache: open(SERVICES.elastiCache),
    sns: open(SERVICES.sns),
    budgets: open(SERVICES.budgets),
    sts: open(SERVICES.sts),
    lambda: open(SERVICES.lambda),
    iam: open(SERVICES.iam),
    costExplorer: open(SERVICES.costExplorer),
    ssm: open(SERVICES.ssm),
    ecs: open(SERVICES.ecs),
    logs: open(SERVICES.logs),
    sfn: open(SERVICES.sfn),
    scheduler: open(SERVICES.scheduler),
  };
  return {
    clients,
    destroy() {
      for (const c of opened) c.destroy();
    },
  };
}

/**
 * The pool: one per provider instance, shared by the Provider adapter, the providers its
 * `forRegion` returns, the provisioning adapter and the usage adapter built on it. Each
 * client is created once per region (a cross-region copy reuses the target region's);
 * `destroy()` destroys them all (later calls create fresh ones).
 */
export class AwsClients {
  readonly #byRegion = new Map<string, { clients: RegionClients; destroy(): void }>();
  readonly #alsoDestroy: Destroyable[] = [];
  #freeTier?: FreeTierApi;

  constructor(
    readonly settings: AwsSdkSettings,
    private readonly freeTierTesting: FreeTierTesting = {},
  ) {}

  forRegion(region: string): RegionClients {
    let opened = this.#byRegion.get(region);
    if (!opened) {
      opened = openRegion(this.settings, region);
      this.#byRegion.set(region, opened);
    }
    return opened.clients;
  }

  /** The AWS Free Tier API (global; signed for us-east-1). */
  freeTier(): FreeTierApi {
    this.#freeTier ??= createFreeTierClient({
      profile: this.settings.profile,
      endpointUrl: this.settings.endpointUrl,
      maxAttempts: this.settings.maxAttempts,
      // A fleet account's pool: the Free Tier API is that account's, signed with its assumed session.
      ...(this.settings.credentials ? { credentials: this.settings.credentials } : {}),
      ...this.freeTierTesting,
    });
    return this.#freeTier;
  }

  /** Another pool this one depends on (the caller's own, that assumes a fleet account's role): destroyed with it. */
  alsoDestroy(d: Destroyable): void {
    this.#alsoDestroy.push(d);
  }

  destroy(): void {
    for (const opened of this.#byRegion.values()) opened.destroy();
    this.#byRegion.clear();
    for (const d of this.#alsoDestroy) d.destroy();
  }
}
