import { describe, expect, it } from 'vitest';
import { EnvironmentError } from '../../../src/lib/errors.js';
import { accountFromArns, collectUsage, type MetricReader } from '../../../src/lib/freetier/collect.js';
import { monthWindow } from '../../../src/lib/freetier/month.js';
import { discover, planQueries } from '../../../src/lib/freetier/queries.js';
import type { MetricQuery } from '../../../src/lib/providers/types.js';
import type { MetricIdentity, UsageApi } from '../../../src/lib/providers/usage-types.js';

const NOW = new Date('2025-01-11T00:00:00Z');
const denied = (op: string) =>
  new EnvironmentError(`AWS denied ${op} in us-east-1 to these credentials.`, { hint: 'Grant the IAM principal this permission.' });

/** An in-memory UsageApi (and metric reader); every call is recorded by name. */
function fakeApi(overrides: Partial<UsageApi & MetricReader> = {}): UsageApi & MetricReader & { calls: string[]; queries: MetricQuery[] } {
  const calls: string[] = [];
  const queries: MetricQuery[] = [];
  const rec =
    <T>(name: string, value: T) =>
    async () => {
      calls.push(name);
      return value;
    };
  const api: UsageApi & MetricReader = {
    region: 'us-east-2',
    listDbInstances: rec('listDbInstances', []),
    listCacheNodes: rec('listCacheNodes', []),
    listFunctions: rec('listFunctions', []),
    listMetrics: rec('listMetrics', []),
    listAlarms: rec('listAlarms', []),
    getMetricData: async (q) => {
      calls.push('getMetricData');
      queries.push(...q);
      return q.map((x) => ({ id: x.id, timestamps: [], values: [] }));
    },
    getFreeTierUsage: rec('getFreeTierUsage', []),
    getAccountPlanState: rec('getAccountPlanState', { accountId: '111122223333', planType: 'PAID', planStatus: 'ACTIVE' }),
    accountId: rec('accountId', '999988887777'),
    describeBudgets: async (id) => {
      calls.push(`describeBudgets:${id}`);
      return [];
    },
    getCostByService: rec('getCostByService', []),
    close: async () => undefined,
  };
  return Object.assign(api, overrides, { calls, queries });
}

describe('collectUsage', () => {
  it('reads each source once, skips GetMetricData when there is nothing to read, and takes the account id from the plan', async () => {
    // GIVEN an empty account WHEN collected
    const api = fakeApi();
    const data = await collectUsage(api, api, monthWindow(undefined, NOW), { withCostExplorer: false });

    // THEN no GetMetricData call, no STS call, budgets asked for the plan's account
    expect([...api.calls].sort()).toEqual(
      [
        'describeBudgets:111122223333',
        'getAccountPlanState',
        'getFreeTierUsage',
        'listAlarms',
        'listCacheNodes',
        'listDbInstances',
        'listFunctions',
        'listMetrics',
      ].sort(),
    );
    expect(data.missing).toEqual([]);
  });

  it('goes on without the Free Tier API when AWS denies it, and says what is missing', async () => {
    // GIVEN the Free Tier API and the plan state refused
    const api = fakeApi({
      getFreeTierUsage: async () => {
        throw denied('GetFreeTierUsage');
      },
      getAccountPlanState: async () => {
        throw denied('GetAccountPlanState');
      },
      listDbInstances: async () => [
        {
          id: 'prod-db',
          engine: 'postgres',
          instanceClass: 'db.t3.micro',
          status: 'available',
          multiAz: false,
          allocatedStorageGb: 20,
          tags: {},
          arn: 'arn:aws:rds:us-east-2:123456789012:db:prod-db',
        },
      ],
    });

    // WHEN
    const data = await collectUsage(api, api, monthWindow(undefined, NOW), { withCostExplorer: false });

    // THEN both are listed as missing with AWS's reason and the hint, the account id comes from the ARN
    expect(data.missing).toEqual([
      {
        source: 'free-tier-api',
        reason: 'AWS denied GetFreeTierUsage in us-east-1 to these credentials.',
        hint: 'Grant the IAM principal this permission.',
      },
      {
        source: 'account-plan',
        reason: 'AWS denied GetAccountPlanState in us-east-1 to these credentials.',
        hint: 'Grant the IAM principal this permission.',
      },
    ]);
    expect(api.calls).toContain('describeBudgets:123456789012');
    expect(api.calls).not.toContain('accountId');
    expect(data.freeTierApi).toBeUndefined();
  });

  it('asks STS for the account only when no answer named it', async () => {
    const api = fakeApi({
      getAccountPlanState: async () => {
        throw denied('GetAccountPlanState');
      },
    });
    await collectUsage(api, api, monthWindow(undefined, NOW), { withCostExplorer: false });
    expect(api.calls).toContain('accountId');
    expect(api.calls).toContain('describeBudgets:999988887777');
  });

  it('fails the report when a required source fails (CloudWatch throttled past the retries)', async () => {
    const throttled = new EnvironmentError('AWS kept throttling ListMetrics in us-east-2, even after 5 attempts.');
    const api = fakeApi({
      listMetrics: async () => {
        throw throttled;
      },
    });
    await expect(collectUsage(api, api, monthWindow(undefined, NOW), { withCostExplorer: false })).rejects.toBe(throttled);
  });

  it('does not swallow a bug in an optional source', async () => {
    const api = fakeApi({
      listAlarms: async () => {
        throw new TypeError('x is undefined');
      },
    });
    await expect(collectUsage(api, api, monthWindow(undefined, NOW), { withCostExplorer: false })).rejects.toThrow(TypeError);
  });

  it('skips the Free Tier API and Budgets for a past month, saying why', async () => {
    const api = fakeApi();
    const data = await collectUsage(api, api, monthWindow('2024-12', NOW), { withCostExplorer: false });
    expect(api.calls).not.toContain('getFreeTierUsage');
    expect(api.calls.some((c) => c.startsWith('describeBudgets'))).toBe(false);
    expect(data.missing.map((m) => m.source)).toEqual(['free-tier-api', 'budgets']);
  });

  it('calls Cost Explorer only when asked', async () => {
    const without = fakeApi();
    await collectUsage(without, without, monthWindow(undefined, NOW), { withCostExplorer: false });
    expect(without.calls).not.toContain('getCostByService');
    const withCe = fakeApi();
    await collectUsage(withCe, withCe, monthWindow(undefined, NOW), { withCostExplorer: true });
    expect(withCe.calls).toContain('getCostByService');
  });

  it('reads deleted instances found by ListMetrics and every series in one GetMetricData call', async () => {
    // GIVEN prod exists; a restore test only CloudWatch lists; a cache node; a function; a log group
    const api = fakeApi({
      listDbInstances: async () => [
        {
          id: 'prod-db',
          engine: 'postgres',
          instanceClass: 'db.t3.micro',
          status: 'available',
          multiAz: false,
          allocatedStorageGb: 20,
          tags: {},
        },
      ],
      listMetrics: async (): Promise<MetricIdentity[]> => [
        { namespace: 'AWS/RDS', metricName: 'CPUUtilization', dimensions: { DBInstanceIdentifier: 'rt-gone' } },
        { namespace: 'AWS/RDS', metricName: 'CPUUtilization', dimensions: { DatabaseClass: 'db.t3.micro' } },
        { namespace: 'AWS/ElastiCache', metricName: 'CPUUtilization', dimensions: { CacheClusterId: 'recipe-cache', CacheNodeId: '0001' } },
        { namespace: 'AWS/Logs', metricName: 'IncomingBytes', dimensions: { LogGroupName: '/aws/lambda/gdpr-export' } },
      ],
      listFunctions: async () => [{ name: 'gdpr-export', memoryMb: 512 }],
    });

    await collectUsage(api, api, monthWindow(undefined, NOW), { withCostExplorer: false });

    expect(api.calls.filter((c) => c === 'getMetricData')).toHaveLength(1);
    expect(
      api.queries.map((q) => `${q.id} ${q.namespace} ${q.metricName} ${JSON.stringify(q.dimensions)} ${q.stat} ${q.periodSeconds}`),
    ).toEqual([
      'rdscpu0 AWS/RDS CPUUtilization {"DBInstanceIdentifier":"prod-db"} SampleCount 3600',
      'rdsbak1 AWS/RDS BackupRetentionPeriodStorageUsed {"DBInstanceIdentifier":"prod-db"} Maximum 86400',
      'rdsbak2 AWS/RDS SnapshotStorageUsed {"DBInstanceIdentifier":"prod-db"} Maximum 86400',
      'rdscpu3 AWS/RDS CPUUtilization {"DBInstanceIdentifier":"rt-gone"} SampleCount 3600',
      'rdsbak4 AWS/RDS BackupRetentionPeriodStorageUsed {"DBInstanceIdentifier":"rt-gone"} Maximum 86400',
      'rdsbak5 AWS/RDS SnapshotStorageUsed {"DBInstanceIdentifier":"rt-gone"} Maximum 86400',
      'cachecpu6 AWS/ElastiCache CPUUtilization {"CacheClusterId":"recipe-cache","CacheNodeId":"0001"} SampleCount 3600',
      'lambdainv7 AWS/Lambda Invocations {"FunctionName":"gdpr-export"} Sum 86400',
      'lambdadur8 AWS/Lambda Duration {"FunctionName":"gdpr-export"} Sum 86400',
      'lambdaall9 AWS/Lambda Invocations {} Sum 86400',
      'lambdaall10 AWS/Lambda Duration {} Sum 86400',
      'logs11 AWS/Logs IncomingBytes {"LogGroupName":"/aws/lambda/gdpr-export"} Sum 86400',
    ]);
  });
});

describe('query plan decoding', () => {
  it('turns series back into usage: hourly times, latest backup bytes, sums', () => {
    // GIVEN one instance, one function, one log group
    const plan = planQueries(
      discover({
        instances: [],
        cacheNodes: [],
        functions: [{ name: 'f', memoryMb: 128 }],
        metrics: [
          { namespace: 'AWS/RDS', metricName: 'CPUUtilization', dimensions: { DBInstanceIdentifier: 'db' } },
          { namespace: 'AWS/Logs', metricName: 'IncomingBytes', dimensions: { LogGroupName: 'g' } },
        ],
      }),
    );
    const t = (d: number) => new Date(Date.UTC(2025, 0, d));

    // WHEN CloudWatch answers (the backup series out of time order, as pages can be)
    const u = plan.decode([
      { id: 'rdscpu0', timestamps: [t(1), t(2)], values: [60, 60] },
      { id: 'rdsbak1', timestamps: [t(3), t(1)], values: [5e9, 9e9] },
      { id: 'rdsbak2', timestamps: [t(2)], values: [1e9] },
      { id: 'lambdainv3', timestamps: [t(1), t(2)], values: [10, 5] },
      { id: 'lambdadur4', timestamps: [t(1)], values: [300] },
      { id: 'lambdaall5', timestamps: [t(1)], values: [20] },
      { id: 'lambdaall6', timestamps: [t(1)], values: [400] },
      { id: 'logs7', timestamps: [t(1), t(2)], values: [100, 200] },
    ]);

    // THEN
    expect(u.rdsHours.get('db')).toEqual([t(1), t(2)]);
    expect(u.backupBytes.get('db')).toBe(6e9);
    expect(u.lambdaInvocations.get('f')).toBe(15);
    expect(u.lambdaDurationMs.get('f')).toBe(300);
    expect(u.lambdaAccount).toEqual({ invocations: 20, durationMs: 400 });
    expect(u.logBytes).toBe(300);
  });

  it('finds the account id in an ARN', () => {
    expect(accountFromArns([undefined, 'arn:aws:lambda:us-east-2:123456789012:function:f'])).toBe('123456789012');
    expect(accountFromArns(['not-an-arn'])).toBeUndefined();
  });
});
