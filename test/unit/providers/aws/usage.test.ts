/**
 * The aws UsageApi with aws-sdk-client-mock (and a fake fetch for the Free Tier API):
 * exact requests, the call budget, pages, both kinds of account, refusals, throttling.
 */
import { DescribeBudgetsCommand } from '@aws-sdk/client-budgets';
import { GetMetricDataCommand, ListMetricsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import { DescribeCacheClustersCommand } from '@aws-sdk/client-elasticache';
import { ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { EnvironmentError } from '../../../../src/lib/errors.js';
import { collectUsage } from '../../../../src/lib/freetier/collect.js';
import { settingsFromConfig } from '../../../../src/lib/freetier/free-tier-report.js';
import { monthWindow } from '../../../../src/lib/freetier/month.js';
import { buildReport } from '../../../../src/lib/freetier/report.js';
import { DEFAULTS } from '../../../../src/lib/config/defaults.js';
import { createAwsProvider } from '../../../../src/lib/providers/aws/provider.js';
import { createAwsUsageApi } from '../../../../src/lib/providers/aws/usage.js';
import type { Provider } from '../../../../src/lib/providers/types.js';
import type { UsageApi } from '../../../../src/lib/providers/usage-types.js';
import { ACCOUNT, CREDENTIALS, FakeAwsEstate, REGION, type EstateOptions } from '../../freetier/aws-estate.js';
import { inputsOf, rejectionOf } from './helpers.js';

const NOW = new Date('2025-01-11T00:00:00Z');
let estate: FakeAwsEstate | undefined;
let api: UsageApi | undefined;
let provider: Provider | undefined;

afterEach(async () => {
  await api?.close();
  await provider?.close();
  estate?.restore();
  estate = undefined;
});

/** The usage adapter (its Free Tier client on the estate's fetch) and the Provider that reads and writes metric data. */
function setUp(opts: Omit<EstateOptions, 'now'>, maxAttempts = 3): { estate: FakeAwsEstate; api: UsageApi; provider: Provider } {
  estate = new FakeAwsEstate({ now: NOW, ...opts });
  const settings = { region: REGION, maxAttempts };
  api = createAwsUsageApi(settings, undefined, { fetch: estate.fetch, credentials: async () => CREDENTIALS, sleep: async () => undefined });
  provider = createAwsProvider({ region: REGION, maxAttempts, maxWaitSeconds: 60, env: {} });
  return { estate, api, provider };
}

async function report(a: UsageApi, month?: string) {
  const data = await collectUsage(a, provider!, monthWindow(month, NOW), { withCostExplorer: false });
  return buildReport(data, settingsFromConfig(DEFAULTS), NOW);
}

const tenInstances = () =>
  Array.from({ length: 10 }, (_, i) => ({
    id: `db-${i}`,
    from: i === 0 ? '2024-12-01T00:00:00Z' : '2025-01-10T20:00:00Z',
    shape: { TagList: i === 0 ? [] : [{ Key: 'dbops:purpose', Value: 'restore-test' }] },
  }));

describe('aws UsageApi: the call budget', () => {
  it('reads an estate of 10 instances, a cache, 3 functions and 4 custom metrics in under 10 AWS calls', async () => {
    // GIVEN 10 RDS instances (one all month, nine restore tests since yesterday evening), a cache node, 3 functions
    const { estate, api } = setUp({
      instances: tenInstances(),
      cacheClusters: [
        {
          CacheClusterId: 'recipe-cache',
          CacheNodeType: 'cache.t3.micro',
          CacheNodes: [{ CacheNodeId: '0001', CacheNodeStatus: 'available' }],
        },
      ],
      functions: [
        { FunctionName: 'gdpr-export', MemorySize: 512 },
        { FunctionName: 'gdpr-deletion', MemorySize: 256 },
        { FunctionName: 'gdpr-audit', MemorySize: 128 },
      ],
      customMetrics: 4,
      budgets: [{ name: 'free-tier', limit: '50.0', actual: '1.23', forecast: '3.5' }],
    });

    // WHEN the report is collected
    const r = await report(api);

    // THEN 9 calls: one per source, all 10 instances' series in one GetMetricData
    expect(estate.callNames()).toEqual([
      'DescribeAlarms',
      'DescribeBudgets',
      'DescribeCacheClusters',
      'DescribeDBInstances',
      'GetAccountPlanState',
      'GetFreeTierUsage',
      'GetMetricData',
      'ListFunctions',
      'ListMetrics',
    ]);
    expect(estate.calls()).toBeLessThan(10);
    expect(inputsOf(estate.cloudWatch, GetMetricDataCommand)[0]!.MetricDataQueries).toHaveLength(10 * 3 + 1 + 3 * 2 + 2);
    // AND the figures: db-0 240 h, nine restore tests 4 h each; ten running at once
    const hours = r.offers.find((o) => o.id === 'rds-hours')!;
    expect(hours).toMatchObject({ used: 276, status: 'warning' });
    expect(hours.notes[0]).toBe('10 free-class instances are running at once: the free hours run out 10x as fast.');
    expect(r.rdsByPurpose).toEqual([
      { purpose: '-', instances: 1, hours: 240 },
      { purpose: 'restore-test', instances: 9, hours: 36 },
    ]);
    expect(r.offers.find((o) => o.id === 'cloudwatch-metrics')).toMatchObject({ used: 4 });
    expect(r.offers.find((o) => o.id === 'rds-backup')).toMatchObject({ used: 20 });
    expect(r.budgets).toMatchObject([{ name: 'free-tier', limitUsd: 50, actualUsd: 1.23, forecastUsd: 3.5, status: 'ok' }]);
  });

  it('asks each service for its pages with the documented page sizes', async () => {
    const { estate, api } = setUp({ instances: [{ id: 'prod-db', from: '2025-01-01T00:00:00Z' }], budgets: [] });
    await report(api);
    expect(inputsOf(estate.elastiCache, DescribeCacheClustersCommand)).toEqual([{ ShowCacheNodeInfo: true, MaxRecords: 100 }]);
    expect(inputsOf(estate.lambda, ListFunctionsCommand)).toEqual([{ MaxItems: 50 }]);
    expect(inputsOf(estate.cloudWatch, ListMetricsCommand)).toEqual([{}]);
    expect(inputsOf(estate.budgets, DescribeBudgetsCommand)).toEqual([{ AccountId: ACCOUNT, MaxResults: 100 }]);
    expect(JSON.parse(estate.freeTierRequests.find((q) => q.target.endsWith('GetFreeTierUsage'))!.body)).toEqual({ maxResults: 1000 });
  });
});

describe('aws UsageApi: GetMetricData', () => {
  it('follows NextToken across pages and merges each series', async () => {
    // GIVEN CloudWatch splits the answer into three pages
    const { estate, api } = setUp({ instances: [{ id: 'prod-db', from: '2025-01-01T00:00:00Z' }], metricPages: 3 });

    // WHEN
    const r = await report(api);

    // THEN three calls, the same queries, the tokens passed on, all 240 hours counted
    const inputs = inputsOf(estate.cloudWatch, GetMetricDataCommand);
    expect(inputs.map((i) => i.NextToken)).toEqual([undefined, 'page-1', 'page-2']);
    expect(new Set(inputs.map((i) => JSON.stringify(i.MetricDataQueries))).size).toBe(1);
    expect(inputs[0]).toMatchObject({ StartTime: new Date('2025-01-01T00:00:00Z'), EndTime: NOW, ScanBy: 'TimestampAscending' });
    expect(r.offers.find((o) => o.id === 'rds-hours')).toMatchObject({ used: 240 });
  });

  it('maps CloudWatch throttling (after the SDK retries) to one sentence and exit 3', async () => {
    // GIVEN GetMetricData keeps throttling
    const { estate, api } = setUp({ instances: [{ id: 'prod-db', from: '2025-01-01T00:00:00Z' }] }, 4);
    estate.cloudWatch
      .on(GetMetricDataCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));

    // WHEN
    const e = await rejectionOf(report(api));

    // THEN
    expect(e).toBeInstanceOf(EnvironmentError);
    expect(e.message).toBe('AWS kept throttling GetMetricData in us-east-2, even after 4 attempts.');
    expect((e as EnvironmentError).exitCode).toBe(3);
  });

  it('publishes datums with PutMetricData to the namespace given (through the Provider port)', async () => {
    const { estate, provider } = setUp({ instances: [] });
    await provider.putMetricData('dbops', [{ metricName: 'FreeTierUsedPercent', value: 42, unit: 'Percent', timestamp: NOW }]);
    expect(inputsOf(estate.cloudWatch, PutMetricDataCommand)).toEqual([
      { Namespace: 'dbops', MetricData: [{ MetricName: 'FreeTierUsedPercent', Value: 42, Unit: 'Percent', Timestamp: NOW }] },
    ]);
  });
});

describe('aws UsageApi: the Free Tier API', () => {
  it("shows a legacy account's 12-month offers beside dbops' figures", async () => {
    // GIVEN a legacy account: no credits, 12-month rows for RDS and Lambda
    const { estate, api } = setUp({
      instances: [{ id: 'prod-db', from: '2025-01-01T00:00:00Z' }],
      freeTier: {
        plan: { accountId: ACCOUNT, accountPlanType: 'PAID', accountPlanStatus: 'ACTIVE' },
        usages: [
          {
            service: 'Amazon Relational Database Service',
            usageType: 'USE2-InstanceUsage:db.t3.micro',
            actualUsageAmount: 241,
            forecastedUsageAmount: 745,
            limit: 750,
            unit: 'Hrs',
            freeTierType: '12 Months Free',
            description: '750 hours of Amazon RDS Single-AZ db.t2.micro, db.t3.micro and db.t4g.micro',
          },
          {
            service: 'AWS Lambda',
            usageType: 'Global-Request',
            actualUsageAmount: 1234,
            forecastedUsageAmount: 3800,
            limit: 1000000,
            unit: 'Requests',
            freeTierType: 'Always Free',
          },
        ],
      },
    });

    // WHEN
    const r = await report(api);

    // THEN the requests are signed for freetier in us-east-1 with the JSON 1.0 target
    const req = estate.freeTierRequests[0]!;
    expect(req.url).toBe('https://freetier.us-east-1.api.aws/');
    expect(req.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(estate.freeTierRequests.map((q) => q.headers['x-amz-target']).sort()).toEqual([
      'AWSFreeTierService.GetAccountPlanState',
      'AWSFreeTierService.GetFreeTierUsage',
    ]);
    expect(req.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/freetier\/aws4_request, SignedHeaders=[a-z0-9;-]*x-amz-target[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    // AND the figures sit beside dbops' own
    expect(r.plan).toMatchObject({ kind: 'legacy' });
    expect(r.offers.find((o) => o.id === 'rds-hours')).toMatchObject({
      used: 240,
      applies: true,
      api: { used: 241, limit: 750, unit: 'Hrs', percent: 32.13 },
    });
    expect(r.offers.find((o) => o.id === 'lambda-requests')!.api).toMatchObject({ used: 1234, forecast: 3800 });
  });

  it('reports credits left and the plan end on a credits-plan account', async () => {
    const { api } = setUp({
      instances: [{ id: 'prod-db', from: '2025-01-01T00:00:00Z' }],
      freeTier: {
        plan: {
          accountId: ACCOUNT,
          accountPlanType: 'FREE',
          accountPlanStatus: 'ACTIVE',
          accountPlanRemainingCredits: { amount: 142.5, unit: 'USD' },
          accountPlanExpirationDate: '2025-06-30T23:59:59Z',
        },
        usages: [],
      },
    });

    const r = await report(api);

    expect(r.plan).toMatchObject({
      kind: 'credits',
      planType: 'FREE',
      creditsUsd: 142.5,
      expiresAt: new Date('2025-06-30T23:59:59Z'),
      daysLeft: 170,
      status: 'ok',
    });
    expect(r.offers.find((o) => o.id === 'rds-hours')!.applies).toBe(false);
  });

  it('still reports from CloudWatch when the Free Tier API says AccessDenied, naming what is missing', async () => {
    // GIVEN credentials without freetier:* permissions
    const { api } = setUp({
      instances: [{ id: 'prod-db', from: '2025-01-01T00:00:00Z' }],
      freeTier: {
        error: { status: 400, type: 'AccessDeniedException', message: 'User is not authorized to perform: freetier:GetFreeTierUsage' },
      },
    });

    // WHEN
    const r = await report(api);

    // THEN the report stands, the API is listed as missing, budgets found the account in an ARN
    expect(r.offers.find((o) => o.id === 'rds-hours')).toMatchObject({ used: 240 });
    expect(r.offers.find((o) => o.id === 'rds-hours')!.api).toBeUndefined();
    expect(r.missing).toEqual([
      expect.objectContaining({ source: 'free-tier-api', reason: 'AWS denied GetFreeTierUsage in us-east-1 to these credentials.' }),
      expect.objectContaining({ source: 'account-plan', reason: 'AWS denied GetAccountPlanState in us-east-1 to these credentials.' }),
    ]);
    expect(r.exitCode).toBe(0);
  });

  it('says so when ElastiCache is not reachable in the region, and counts the rest', async () => {
    // GIVEN DescribeCacheClusters cannot reach its endpoint (a region without the service)
    const { estate, api } = setUp({ instances: [{ id: 'prod-db', from: '2025-01-01T00:00:00Z' }] });
    estate.elastiCache.on(DescribeCacheClustersCommand).rejects(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));

    const r = await report(api);

    expect(r.missing).toEqual([
      expect.objectContaining({
        source: 'elasticache',
        reason: 'Cannot reach the AWS endpoint https://elasticache.us-east-2.amazonaws.com.',
      }),
    ]);
    expect(r.offers.find((o) => o.id === 'rds-hours')).toMatchObject({ used: 240 });
  });
});

describe('aws UsageApi: Cost Explorer', () => {
  it('asks for the month so far grouped by service and sums the groups', async () => {
    const { estate, api } = setUp({ instances: [] });
    estate.costExplorer.on(GetCostAndUsageCommand).resolves({
      ResultsByTime: [
        {
          Groups: [
            { Keys: ['Amazon Relational Database Service'], Metrics: { UnblendedCost: { Amount: '1.2345', Unit: 'USD' } } },
            { Keys: ['AWS Lambda'], Metrics: { UnblendedCost: { Amount: '0.0001', Unit: 'USD' } } },
          ],
        },
      ],
    });

    const costs = await api.getCostByService({ start: new Date('2025-01-01T00:00:00Z'), end: NOW });

    expect(inputsOf(estate.costExplorer, GetCostAndUsageCommand)).toEqual([
      {
        TimePeriod: { Start: '2025-01-01', End: '2025-01-11' },
        Granularity: 'MONTHLY',
        Metrics: ['UnblendedCost'],
        GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
      },
    ]);
    expect(costs).toEqual([
      { service: 'Amazon Relational Database Service', amountUsd: 1.2345 },
      { service: 'AWS Lambda', amountUsd: 0.0001 },
    ]);
  });
});
