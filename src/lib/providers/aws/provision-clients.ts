/**
 * Narrow, lazy SDK facades for provisioning (after clients.ts): EC2, ElastiCache, SNS,
 * CloudWatch alarms, Budgets, STS, Secrets Manager and the RDS calls the Provider
 * adapter does not make (ModifyDBInstance, DescribeOrderableDBInstanceOptions). Each SDK
 * package loads on its first call; the `import type` lines load nothing.
 */
import type * as Budgets from '@aws-sdk/client-budgets';
import type * as Cw from '@aws-sdk/client-cloudwatch';
import type * as Ec2 from '@aws-sdk/client-ec2';
import type * as Ec from '@aws-sdk/client-elasticache';
import type * as Rds from '@aws-sdk/client-rds';
import type * as Sm from '@aws-sdk/client-secrets-manager';
import type * as Sns from '@aws-sdk/client-sns';
import type * as Sts from '@aws-sdk/client-sts';
import { type AwsClientSettings, clientConfig, LazyClient } from './clients.js';

/** An SDK client with `send`, created on first use through the shared LazyClient. */
interface Sender {
  destroy(): void;
  send(command: unknown): Promise<unknown>;
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

export interface RdsExtraApi {
  describeDBInstances(i: Rds.DescribeDBInstancesCommandInput): Promise<Rds.DescribeDBInstancesCommandOutput>;
  modifyDBInstance(i: Rds.ModifyDBInstanceCommandInput): Promise<Rds.ModifyDBInstanceCommandOutput>;
  describeOrderableDBInstanceOptions(i: Rds.DescribeOrderableDBInstanceOptionsCommandInput): Promise<Rds.DescribeOrderableDBInstanceOptionsCommandOutput>;
}

export interface ElastiCacheApi {
  createReplicationGroup(i: Ec.CreateReplicationGroupCommandInput): Promise<Ec.CreateReplicationGroupCommandOutput>;
  describeReplicationGroups(i: Ec.DescribeReplicationGroupsCommandInput): Promise<Ec.DescribeReplicationGroupsCommandOutput>;
  describeCacheClusters(i: Ec.DescribeCacheClustersCommandInput): Promise<Ec.DescribeCacheClustersCommandOutput>;
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

export interface AlarmsApi {
  putMetricAlarm(i: Cw.PutMetricAlarmCommandInput): Promise<Cw.PutMetricAlarmCommandOutput>;
  describeAlarms(i: Cw.DescribeAlarmsCommandInput): Promise<Cw.DescribeAlarmsCommandOutput>;
  deleteAlarms(i: Cw.DeleteAlarmsCommandInput): Promise<Cw.DeleteAlarmsCommandOutput>;
  listTagsForResource(i: Cw.ListTagsForResourceCommandInput): Promise<Cw.ListTagsForResourceCommandOutput>;
}

export interface BudgetsApi {
  describeBudget(i: Budgets.DescribeBudgetCommandInput): Promise<Budgets.DescribeBudgetCommandOutput>;
  describeNotificationsForBudget(i: Budgets.DescribeNotificationsForBudgetCommandInput): Promise<Budgets.DescribeNotificationsForBudgetCommandOutput>;
  describeSubscribersForNotification(i: Budgets.DescribeSubscribersForNotificationCommandInput): Promise<Budgets.DescribeSubscribersForNotificationCommandOutput>;
  createBudget(i: Budgets.CreateBudgetCommandInput): Promise<Budgets.CreateBudgetCommandOutput>;
  updateBudget(i: Budgets.UpdateBudgetCommandInput): Promise<Budgets.UpdateBudgetCommandOutput>;
  createNotification(i: Budgets.CreateNotificationCommandInput): Promise<Budgets.CreateNotificationCommandOutput>;
  deleteNotification(i: Budgets.DeleteNotificationCommandInput): Promise<Budgets.DeleteNotificationCommandOutput>;
  deleteBudget(i: Budgets.DeleteBudgetCommandInput): Promise<Budgets.DeleteBudgetCommandOutput>;
  listTagsForResource(i: Budgets.ListTagsForResourceCommandInput): Promise<Budgets.ListTagsForResourceCommandOutput>;
}

export interface StsApi {
  getCallerIdentity(i: Sts.GetCallerIdentityCommandInput): Promise<Sts.GetCallerIdentityCommandOutput>;
}

export interface SecretsApi {
  createSecret(i: Sm.CreateSecretCommandInput): Promise<Sm.CreateSecretCommandOutput>;
  describeSecret(i: Sm.DescribeSecretCommandInput): Promise<Sm.DescribeSecretCommandOutput>;
  getSecretValue(i: Sm.GetSecretValueCommandInput): Promise<Sm.GetSecretValueCommandOutput>;
  deleteSecret(i: Sm.DeleteSecretCommandInput): Promise<Sm.DeleteSecretCommandOutput>;
}

/** Every provisioning facade of one region; clients are created on their first call. */
export interface ProvisionClients {
  readonly ec2: Ec2Api;
  readonly rds: RdsExtraApi;
  readonly elastiCache: ElastiCacheApi;
  readonly sns: SnsApi;
  readonly alarms: AlarmsApi;
  readonly budgets: BudgetsApi;
  readonly sts: StsApi;
  readonly secrets: SecretsApi;
  destroy(): void;
}

/** Maps each method name to its Command class name, so a facade is one line per call. */
function facade<M, C extends Sender, A>(lazy: LazyClient<M, C>, calls: Record<keyof A & string, string>): A {
  const api: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const [method, command] of Object.entries(calls)) {
    api[method] = (input) =>
      lazy.use((m, c) => c.send(new (m as Record<string, new (i: unknown) => unknown>)[command as string]!(input)));
  }
  return api as A;
}

export function createProvisionClients(settings: AwsClientSettings): ProvisionClients {
  const config = clientConfig(settings);
  const ec2 = new LazyClient(() => import('@aws-sdk/client-ec2'), (m) => new m.EC2Client(config));
  const rds = new LazyClient(() => import('@aws-sdk/client-rds'), (m) => new m.RDSClient(config));
  const ec = new LazyClient(() => import('@aws-sdk/client-elasticache'), (m) => new m.ElastiCacheClient(config));
  const sns = new LazyClient(() => import('@aws-sdk/client-sns'), (m) => new m.SNSClient(config));
  const cw = new LazyClient(() => import('@aws-sdk/client-cloudwatch'), (m) => new m.CloudWatchClient(config));
  // Budgets is global (budgets.amazonaws.com, signed for us-east-1) whatever the region.
  const budgets = new LazyClient(() => import('@aws-sdk/client-budgets'), (m) => new m.BudgetsClient(config));
  const sts = new LazyClient(() => import('@aws-sdk/client-sts'), (m) => new m.STSClient(config));
  const sm = new LazyClient(() => import('@aws-sdk/client-secrets-manager'), (m) => new m.SecretsManagerClient(config));
  const all = [ec2, rds, ec, sns, cw, budgets, sts, sm];
  return {
    ec2: facade<unknown, Sender, Ec2Api>(ec2 as never, {
      describeVpcs: 'DescribeVpcsCommand',
      describeSecurityGroups: 'DescribeSecurityGroupsCommand',
      createSecurityGroup: 'CreateSecurityGroupCommand',
      authorizeSecurityGroupIngress: 'AuthorizeSecurityGroupIngressCommand',
      revokeSecurityGroupIngress: 'RevokeSecurityGroupIngressCommand',
      deleteSecurityGroup: 'DeleteSecurityGroupCommand',
      describeRegions: 'DescribeRegionsCommand',
    }),
    rds: facade<unknown, Sender, RdsExtraApi>(rds as never, {
      describeDBInstances: 'DescribeDBInstancesCommand',
      modifyDBInstance: 'ModifyDBInstanceCommand',
      describeOrderableDBInstanceOptions: 'DescribeOrderableDBInstanceOptionsCommand',
    }),
    elastiCache: facade<unknown, Sender, ElastiCacheApi>(ec as never, {
      createReplicationGroup: 'CreateReplicationGroupCommand',
      describeReplicationGroups: 'DescribeReplicationGroupsCommand',
      describeCacheClusters: 'DescribeCacheClustersCommand',
      modifyReplicationGroup: 'ModifyReplicationGroupCommand',
      deleteReplicationGroup: 'DeleteReplicationGroupCommand',
      listTagsForResource: 'ListTagsForResourceCommand',
    }),
    sns: facade<unknown, Sender, SnsApi>(sns as never, {
      createTopic: 'CreateTopicCommand',
      listTopics: 'ListTopicsCommand',
      listTagsForResource: 'ListTagsForResourceCommand',
      listSubscriptionsByTopic: 'ListSubscriptionsByTopicCommand',
      subscribe: 'SubscribeCommand',
      unsubscribe: 'UnsubscribeCommand',
      deleteTopic: 'DeleteTopicCommand',
    }),
    alarms: facade<unknown, Sender, AlarmsApi>(cw as never, {
      putMetricAlarm: 'PutMetricAlarmCommand',
      describeAlarms: 'DescribeAlarmsCommand',
      deleteAlarms: 'DeleteAlarmsCommand',
      listTagsForResource: 'ListTagsForResourceCommand',
    }),
    budgets: facade<unknown, Sender, BudgetsApi>(budgets as never, {
      describeBudget: 'DescribeBudgetCommand',
      describeNotificationsForBudget: 'DescribeNotificationsForBudgetCommand',
      describeSubscribersForNotification: 'DescribeSubscribersForNotificationCommand',
      createBudget: 'CreateBudgetCommand',
      updateBudget: 'UpdateBudgetCommand',
      createNotification: 'CreateNotificationCommand',
      deleteNotification: 'DeleteNotificationCommand',
      deleteBudget: 'DeleteBudgetCommand',
      listTagsForResource: 'ListTagsForResourceCommand',
    }),
    sts: facade<unknown, Sender, StsApi>(sts as never, { getCallerIdentity: 'GetCallerIdentityCommand' }),
    secrets: facade<unknown, Sender, SecretsApi>(sm as never, {
      createSecret: 'CreateSecretCommand',
      describeSecret: 'DescribeSecretCommand',
      getSecretValue: 'GetSecretValueCommand',
      deleteSecret: 'DeleteSecretCommand',
    }),
    destroy() {
      for (const c of all) c.destroy();
    },
  };
}
