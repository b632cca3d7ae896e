/**
 * A fake AWS account for the free-tier report, on aws-sdk-client-mock: RDS, ElastiCache,
 * Lambda, CloudWatch, Budgets, STS and Cost Explorer answer from one description of the
 * estate, and the Free Tier API (signed JSON over fetch) from a fake fetch. It counts
 * every AWS call, so tests can hold the report to its call budget.
 */
import { BudgetsClient, DescribeBudgetsCommand } from '@aws-sdk/client-budgets';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  ListMetricsCommand,
  PutMetricDataCommand,
  type GetMetricDataCommandInput,
  type Metric,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { DescribeCacheClustersCommand, ElastiCacheClient, type CacheCluster } from '@aws-sdk/client-elasticache';
import { LambdaClient, ListFunctionsCommand, type FunctionConfiguration } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, RDSClient, type DBInstance } from '@aws-sdk/client-rds';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-2';
export const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

/** An instance that reported every hour of [from, to) (to: undefined = still running). */
export interface RunningInstance {
  id: string;
  from: string;
  to?: string;
  /** Present in DescribeDBInstances (false: deleted, only CloudWatch remembers it). */
  exists?: boolean;
  shape?: Partial<DBInstance>;
}

export interface EstateOptions {
  now: Date;
  instances: RunningInstance[];
  cacheClusters?: CacheCluster[];
  functions?: FunctionConfiguration[];
  customMetrics?: number;
  alarms?: MetricAlarm[];
  /** Free Tier API: rows for GetFreeTierUsage, the plan state, or an error to answer with. */
  freeTier?: { usages?: object[]; plan?: object; error?: { status: number; type: string; message: string } };
  budgets?: { name: string; limit: string; actual: string; forecast: string }[];
  /** Split GetMetricData answers into pages of this many results per query chunk. */
  metricPages?: number;
}

export interface FreeTierRequest {
  target: string;
  body: string;
  headers: Record<string, string>;
  url: string;
}

function dbInstance(id: string, overrides: Partial<DBInstance>): DBInstance {
  return {
    DBInstanceIdentifier: id,
    DBInstanceArn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:${id}`,
    Engine: 'postgres',
    DBInstanceClass: 'db.t3.micro',
    DBInstanceStatus: 'available',
    MultiAZ: false,
    AllocatedStorage: 20,
    StorageType: 'gp2',
    InstanceCreateTime: new Date('2024-06-01T00:00:00Z'),
    TagList: [],
    ...overrides,
  };
}

/** The ~25 metrics RDS publishes per instance, as ListMetrics lists them. */
const RDS_METRICS = [
  'CPUUtilization',
  'DatabaseConnections',
  'FreeStorageSpace',
  'FreeableMemory',
  'ReadIOPS',
  'WriteIOPS',
  'ReadLatency',
  'WriteLatency',
  'ReadThroughput',
  'WriteThroughput',
  'NetworkReceiveThroughput',
  'NetworkTransmitThroughput',
  'SwapUsage',
  'DiskQueueDepth',
  'BinLogDiskUsage',
  'BurstBalance',
  'CPUCreditUsage',
  'CPUCreditBalance',
  'TransactionLogsDiskUsage',
  'MaximumUsedTransactionIDs',
  'OldestReplicationSlotLag',
  'ReplicationSlotDiskUsage',
  'TransactionLogsGeneration',
  'BackupRetentionPeriodStorageUsed',
  'SnapshotStorageUsed',
];

function hoursBetween(from: Date, to: Date): Date[] {
  const out: Date[] = [];
  const start = Math.ceil(from.getTime() / 3_600_000) * 3_600_000;
  for (let t = start; t < to.getTime(); t += 3_600_000) out.push(new Date(t));
  return out;
}

export class FakeAwsEstate {
  readonly rds = mockClient(RDSClient);
  readonly elastiCache = mockClient(ElastiCacheClient);
  readonly lambda = mockClient(LambdaClient);
  readonly cloudWatch = mockClient(CloudWatchClient);
  readonly budgets = mockClient(BudgetsClient);
  readonly sts = mockClient(STSClient);
  readonly costExplorer = mockClient(CostExplorerClient);
  readonly freeTierRequests: FreeTierRequest[] = [];

  constructor(private readonly opts: EstateOptions) {
    this.#install();
  }

  /** Every AWS request made, SDK and Free Tier API alike. */
  calls(): number {
    const sdk = [this.rds, this.elastiCache, this.lambda, this.cloudWatch, this.budgets, this.sts, this.costExplorer].reduce(
      (a, m) => a + m.calls().length,
      0,
    );
    return sdk + this.freeTierRequests.length;
  }

  /** The AWS operations called, with counts, for a readable failure message. */
  callNames(): string[] {
    const sdk = [this.rds, this.elastiCache, this.lambda, this.cloudWatch, this.budgets, this.sts, this.costExplorer].flatMap((m) =>
      m.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, '')),
    );
    return [...sdk, ...this.freeTierRequests.map((r) => r.target.split('.')[1]!)].sort();
  }

  restore(): void {
    for (const m of [this.rds, this.elastiCache, this.lambda, this.cloudWatch, this.budgets, this.sts, this.costExplorer]) m.restore();
  }

  /** A fetch that answers the Free Tier API's JSON 1.0 requests. */
  readonly fetch: typeof fetch = async (input, init) => {
    const headers = Object.fromEntries(
      Object.entries((init?.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]),
    );
    const target = headers['x-amz-target'] ?? '';
    this.freeTierRequests.push({ target, body: String(init?.body ?? ''), headers, url: String(input) });
    const ft = this.opts.freeTier ?? {};
    if (ft.error)
      return Response.json(
        { __type: ft.error.type, message: ft.error.message },
        { status: ft.error.status, headers: { 'x-amzn-requestid': 'req-1' } },
      );
    if (target.endsWith('GetFreeTierUsage')) return Response.json({ freeTierUsages: ft.usages ?? [] });
    return Response.json(ft.plan ?? { accountId: ACCOUNT, accountPlanType: 'PAID', accountPlanStatus: 'ACTIVE' });
  };

  #install(): void {
    const o = this.opts;
    this.rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: o.instances.filter((i) => i.exists !== false).map((i) => dbInstance(i.id, i.shape ?? {})),
    });
    this.elastiCache.on(DescribeCacheClustersCommand).resolves({ CacheClusters: o.cacheClusters ?? [] });
    this.lambda.on(ListFunctionsCommand).resolves({ Functions: o.functions ?? [] });
    this.cloudWatch.on(ListMetricsCommand).resolves({ Metrics: this.#listed() });
    this.cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: o.alarms ?? [], CompositeAlarms: [] });
    this.cloudWatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => this.#metricData(input));
    this.cloudWatch.on(PutMetricDataCommand).resolves({});
    this.budgets.on(DescribeBudgetsCommand).resolves({
      Budgets: (o.budgets ?? []).map((b) => ({
        BudgetName: b.name,
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: b.limit, Unit: 'USD' },
        CalculatedSpend: { ActualSpend: { Amount: b.actual, Unit: 'USD' }, ForecastedSpend: { Amount: b.forecast, Unit: 'USD' } },
      })),
    });
    this.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
  }

  #listed(): Metric[] {
    const o = this.opts;
    const rds = o.instances.flatMap((i) =>
      RDS_METRICS.map((MetricName) => ({ Namespace: 'AWS/RDS', MetricName, Dimensions: [{ Name: 'DBInstanceIdentifier', Value: i.id }] })),
    );
    const classes = RDS_METRICS.map((MetricName) => ({
      Namespace: 'AWS/RDS',
      MetricName,
      Dimensions: [{ Name: 'DatabaseClass', Value: 'db.t3.micro' }],
    }));
    const cache = (o.cacheClusters ?? []).flatMap((c) =>
      (c.CacheNodes ?? []).map((n) => ({
        Namespace: 'AWS/ElastiCache',
        MetricName: 'CPUUtilization',
        Dimensions: [
          { Name: 'CacheClusterId', Value: c.CacheClusterId },
          { Name: 'CacheNodeId', Value: n.CacheNodeId },
        ],
      })),
    );
    const lambda = (o.functions ?? []).flatMap((f) =>
      ['Invocations', 'Duration', 'Errors', 'Throttles'].map((MetricName) => ({
        Namespace: 'AWS/Lambda',
        MetricName,
        Dimensions: [{ Name: 'FunctionName', Value: f.FunctionName }],
      })),
    );
    const custom = Array.from({ length: o.customMetrics ?? 0 }, (_, i) => ({
      Namespace: 'recipe-app',
      MetricName: `Metric${i}`,
      Dimensions: [],
    }));
    return [...rds, ...classes, ...cache, ...lambda, ...custom];
  }

  #values(
    query: NonNullable<GetMetricDataCommandInput['MetricDataQueries']>[number],
    range: { start: Date; end: Date },
  ): { Timestamps: Date[]; Values: number[] } {
    const stat = query.MetricStat!;
    const dims = Object.fromEntries((stat.Metric!.Dimensions ?? []).map((d) => [d.Name!, d.Value!]));
    if (stat.Metric!.Namespace === 'AWS/RDS' && stat.Metric!.MetricName === 'CPUUtilization') {
      const inst = this.opts.instances.find((i) => i.id === dims.DBInstanceIdentifier);
      if (!inst) return { Timestamps: [], Values: [] };
      const from = new Date(Math.max(Date.parse(inst.from), range.start.getTime()));
      const to = new Date(Math.min(inst.to ? Date.parse(inst.to) : Infinity, range.end.getTime()));
      const ts = hoursBetween(from, to);
      return { Timestamps: ts, Values: ts.map(() => 60) };
    }
    if (stat.Metric!.MetricName === 'SnapshotStorageUsed' && dims.DBInstanceIdentifier)
      return { Timestamps: [range.start], Values: [2 * 1024 ** 3] };
    return { Timestamps: [], Values: [] };
  }

  #metricData(input: GetMetricDataCommandInput): object {
    const range = { start: input.StartTime as Date, end: input.EndTime as Date };
    const results = (input.MetricDataQueries ?? []).map((q) => ({ Id: q.Id, ...this.#values(q, range) }));
    const pages = this.opts.metricPages ?? 1;
    const page = input.NextToken ? Number(input.NextToken.replace('page-', '')) : 0;
    // Page n carries the n-th slice of every series (CloudWatch pages by datapoints).
    const slice = (a: unknown[]) => a.filter((_, i) => i % pages === page);
    return {
      MetricDataResults: results.map((r) => ({ Id: r.Id, Timestamps: slice(r.Timestamps), Values: slice(r.Values) })),
      ...(page + 1 < pages ? { NextToken: `page-${page + 1}` } : {}),
    };
  }
}
