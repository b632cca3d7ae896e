/**
 * Narrow, lazy SDK facades for the usage reads of `dbops free-tier-report` (the pattern of
 * clients.ts, kept apart so the report's clients do not grow the provider's). Each SDK
 * package loads on the first call that needs it; each facade exposes only the calls the
 * report makes. Budgets, Cost Explorer and the Free Tier API are global services signed
 * for us-east-1.
 */
import type * as Budgets from '@aws-sdk/client-budgets';
import type * as Ce from '@aws-sdk/client-cost-explorer';
import type * as Cw from '@aws-sdk/client-cloudwatch';
import type * as Ec from '@aws-sdk/client-elasticache';
import type * as Lambda from '@aws-sdk/client-lambda';
import type * as Rds from '@aws-sdk/client-rds';
import type * as Sts from '@aws-sdk/client-sts';
import { type AwsClientSettings, clientConfig, LazyClient } from './clients.js';
import { createFreeTierClient, type FreeTierApi, type FreeTierClientOptions } from './usage-freetier.js';

/** The region of AWS's global billing endpoints (Budgets, Cost Explorer, Free Tier). */
export const BILLING_REGION = 'us-east-1';

export interface UsageRdsApi {
  describeDBInstances(input: Rds.DescribeDBInstancesCommandInput): Promise<Rds.DescribeDBInstancesCommandOutput>;
}
export interface UsageElastiCacheApi {
  describeCacheClusters(input: Ec.DescribeCacheClustersCommandInput): Promise<Ec.DescribeCacheClustersCommandOutput>;
}
export interface UsageLambdaApi {
  listFunctions(input: Lambda.ListFunctionsCommandInput): Promise<Lambda.ListFunctionsCommandOutput>;
}
export interface UsageCloudWatchApi {
  listMetrics(input: Cw.ListMetricsCommandInput): Promise<Cw.ListMetricsCommandOutput>;
  describeAlarms(input: Cw.DescribeAlarmsCommandInput): Promise<Cw.DescribeAlarmsCommandOutput>;
  getMetricData(input: Cw.GetMetricDataCommandInput): Promise<Cw.GetMetricDataCommandOutput>;
  putMetricData(input: Cw.PutMetricDataCommandInput): Promise<Cw.PutMetricDataCommandOutput>;
}
export interface UsageBudgetsApi {
  describeBudgets(input: Budgets.DescribeBudgetsCommandInput): Promise<Budgets.DescribeBudgetsCommandOutput>;
}
export interface UsageStsApi {
  getCallerIdentity(input: Sts.GetCallerIdentityCommandInput): Promise<Sts.GetCallerIdentityCommandOutput>;
}
export interface UsageCostExplorerApi {
  getCostAndUsage(input: Ce.GetCostAndUsageCommandInput): Promise<Ce.GetCostAndUsageCommandOutput>;
}

/** Every facade the usage adapter uses; each client is created on its first call. */
export interface UsageClients {
  readonly rds: UsageRdsApi;
  readonly elastiCache: UsageElastiCacheApi;
  readonly lambda: UsageLambdaApi;
  readonly cloudWatch: UsageCloudWatchApi;
  readonly budgets: UsageBudgetsApi;
  readonly sts: UsageStsApi;
  readonly costExplorer: UsageCostExplorerApi;
  readonly freeTier: FreeTierApi;
  destroy(): void;
}

function lazyClients(s: AwsClientSettings) {
  const regional = clientConfig(s, s.region);
  const billing = clientConfig(s, BILLING_REGION);
  return {
    rds: new LazyClient(() => import('@aws-sdk/client-rds'), (m) => new m.RDSClient(regional)),
    elastiCache: new LazyClient(() => import('@aws-sdk/client-elasticache'), (m) => new m.ElastiCacheClient(regional)),
    lambda: new LazyClient(() => import('@aws-sdk/client-lambda'), (m) => new m.LambdaClient(regional)),
    cloudWatch: new LazyClient(() => import('@aws-sdk/client-cloudwatch'), (m) => new m.CloudWatchClient(regional)),
    sts: new LazyClient(() => import('@aws-sdk/client-sts'), (m) => new m.STSClient(regional)),
    budgets: new LazyClient(() => import('@aws-sdk/client-budgets'), (m) => new m.BudgetsClient(billing)),
    costExplorer: new LazyClient(() => import('@aws-sdk/client-cost-explorer'), (m) => new m.CostExplorerClient(billing)),
  };
}

/**
 * The facades. Nothing is imported or created until a call is made. `freeTierTesting`
 * lets tests hand the Free Tier client a fetch, credentials and a sleep of their own.
 */
export function createUsageClients(
  settings: AwsClientSettings,
  freeTierTesting: Pick<FreeTierClientOptions, 'fetch' | 'credentials' | 'sleep'> = {},
): UsageClients {
  const lazy = lazyClients(settings);
  const freeTier = createFreeTierClient({
    profile: settings.profile,
    endpointUrl: settings.endpointUrl,
    maxAttempts: settings.maxAttempts,
    ...freeTierTesting,
  });
  return {
    rds: { describeDBInstances: (i) => lazy.rds.use((m, c) => c.send(new m.DescribeDBInstancesCommand(i))) },
    elastiCache: { describeCacheClusters: (i) => lazy.elastiCache.use((m, c) => c.send(new m.DescribeCacheClustersCommand(i))) },
    lambda: { listFunctions: (i) => lazy.lambda.use((m, c) => c.send(new m.ListFunctionsCommand(i))) },
    cloudWatch: {
      listMetrics: (i) => lazy.cloudWatch.use((m, c) => c.send(new m.ListMetricsCommand(i))),
      describeAlarms: (i) => lazy.cloudWatch.use((m, c) => c.send(new m.DescribeAlarmsCommand(i))),
      getMetricData: (i) => lazy.cloudWatch.use((m, c) => c.send(new m.GetMetricDataCommand(i))),
      putMetricData: (i) => lazy.cloudWatch.use((m, c) => c.send(new m.PutMetricDataCommand(i))),
    },
    budgets: { describeBudgets: (i) => lazy.budgets.use((m, c) => c.send(new m.DescribeBudgetsCommand(i))) },
    sts: { getCallerIdentity: (i) => lazy.sts.use((m, c) => c.send(new m.GetCallerIdentityCommand(i))) },
    costExplorer: { getCostAndUsage: (i) => lazy.costExplorer.use((m, c) => c.send(new m.GetCostAndUsageCommand(i))) },
    freeTier,
    destroy() {
      for (const client of Object.values(lazy)) client.destroy();
    },
  };
}
