/**
 * The billable part of the free-tier report: an Aurora Serverless v2 cluster (ACU-hours
 * from ServerlessDatabaseCapacity, storage, I/O) and a Valkey serverless cache (ECPUs, data
 * stored), with their cost estimate against the budget; never counted against a free offer.
 */
import { describe, expect, it } from 'vitest';
import { PRICES } from '../../../src/lib/freetier/billable.js';
import { monthWindow } from '../../../src/lib/freetier/month.js';
import { discover, emptyUsageSeries, planQueries } from '../../../src/lib/freetier/queries.js';
import { renderMarkdown } from '../../../src/lib/freetier/render.js';
import { buildReport, type CollectedUsage } from '../../../src/lib/freetier/report.js';
import type { ReportSettings } from '../../../src/lib/freetier/types.js';
import type { MetricSeries } from '../../../src/lib/providers/types.js';
import type { DbInstanceUsage, MetricIdentity } from '../../../src/lib/providers/usage-types.js';

const SETTINGS: ReportSettings = {
  warnPercent: { rds: 93, elasticache: 93, lambda: 90, cloudwatch: 90 },
  budgetAlertPercents: [50, 80],
  planEndWarnDays: 30,
  creditsWarnUsd: 10,
  budgetUsd: 50,
};
const now = new Date('2025-01-11T00:00:00Z'); // 240 h into a 744 h month
const w = monthWindow(undefined, now);

const METRICS: MetricIdentity[] = [
  { namespace: 'AWS/RDS', metricName: 'ServerlessDatabaseCapacity', dimensions: { DBClusterIdentifier: 'content-hub' } },
  { namespace: 'AWS/ElastiCache', metricName: 'ElastiCacheProcessingUnits', dimensions: { clusterId: 'hub-cache' } },
];

const member: DbInstanceUsage = {
  id: 'content-hub-writer',
  engine: 'aurora-postgresql',
  instanceClass: 'db.serverless',
  status: 'available',
  multiAz: false,
  allocatedStorageGb: 1,
  createdAt: new Date('2024-06-01T00:00:00Z'),
  tags: {},
};

describe('free-tier-report: the queries of the billable resources', () => {
  it('reads ServerlessDatabaseCapacity hourly averages, VolumeBytesUsed and the I/O per cluster, ECPUs and bytes per serverless cache', () => {
    const d = discover({ instances: [], cacheNodes: [], functions: [], metrics: METRICS });
    expect(d.auroraClusterIds).toEqual(['content-hub']);
    expect(d.serverlessCacheIds).toEqual(['hub-cache']);
    const plan = planQueries(d);
    expect(
      plan.queries.map(({ namespace, metricName, dimensions, stat, periodSeconds }) => [
        namespace,
        metricName,
        dimensions,
        stat,
        periodSeconds,
      ]),
    ).toEqual([
      ['AWS/RDS', 'ServerlessDatabaseCapacity', { DBClusterIdentifier: 'content-hub' }, 'Average', 3600],
      ['AWS/RDS', 'VolumeBytesUsed', { DBClusterIdentifier: 'content-hub' }, 'Average', 86400],
      ['AWS/RDS', 'VolumeReadIOPs', { DBClusterIdentifier: 'content-hub' }, 'Sum', 86400],
      ['AWS/RDS', 'VolumeWriteIOPs', { DBClusterIdentifier: 'content-hub' }, 'Sum', 86400],
      ['AWS/ElastiCache', 'ElastiCacheProcessingUnits', { clusterId: 'hub-cache' }, 'Sum', 86400],
      ['AWS/ElastiCache', 'BytesUsedForCache', { clusterId: 'hub-cache' }, 'Average', 3600],
    ]);
    // WHEN the answers come back THEN they decode to ACU-hours, bytes, I/O, ECPUs and GB-hours
    const t = (n: number) => Array.from({ length: n }, (_, i) => new Date(Date.UTC(2025, 0, 1, i)));
    const series: MetricSeries[] = [
      { id: plan.queries[0]!.id, timestamps: t(3), values: [0.5, 1.5, 2] },
      { id: plan.queries[1]!.id, timestamps: t(2), values: [1e9, 3e9] },
      { id: plan.queries[2]!.id, timestamps: t(2), values: [400_000, 100_000] },
      { id: plan.queries[3]!.id, timestamps: t(1), values: [500_000] },
      { id: plan.queries[4]!.id, timestamps: t(2), values: [2e6, 3e6] },
      { id: plan.queries[5]!.id, timestamps: t(2), values: [5e8, 1e7] },
    ];
    const u = plan.decode(series);
    expect(u.aurora.get('content-hub')).toEqual({ acuHours: 4, hours: 3, volumeBytes: 3e9, ios: 1_000_000 });
    // a serverless cache is billed at 100 MB at least each hour
    expect(u.serverlessCaches.get('hub-cache')).toEqual({ ecpus: 5e6, gbHours: 0.6, hours: 2 });
  });
});

describe('free-tier-report: billable Aurora and Valkey serverless', () => {
  const data: CollectedUsage = {
    window: w,
    region: 'us-east-2',
    instances: [member],
    metrics: METRICS,
    cacheNodes: [],
    functions: [],
    alarms: [],
    usage: {
      ...emptyUsageSeries(),
      rdsHours: new Map([['content-hub-writer', Array.from({ length: 240 }, (_, i) => new Date(w.start.getTime() + i * 3_600_000))]]),
      aurora: new Map([['content-hub', { acuHours: 240, hours: 240, volumeBytes: 10e9, ios: 2_000_000 }]]),
      serverlessCaches: new Map([['hub-cache', { ecpus: 100e6, gbHours: 24, hours: 240 }]]),
    },
    missing: [],
  };

  it('estimates each with its cost so far and forecast, totals them against the budget, and counts nothing against a free offer', () => {
    const r = buildReport(data, SETTINGS, now);
    const share = 240 / 744;
    expect(r.billable?.lines).toEqual([
      {
        kind: 'aurora-serverless-v2',
        id: 'content-hub',
        usage: [
          { name: 'capacity', amount: 240, unit: 'ACU-hours', usd: 28.8 },
          { name: 'storage', amount: 10, unit: 'GB', usd: Math.round(10 * PRICES.auroraStorageGbMonth * share * 100) / 100 },
          { name: 'I/O', amount: 2, unit: 'million requests', usd: 0.4 },
        ],
        monthToDateUsd: 29.52,
        forecastUsd: 91.51,
        note: 'Aurora Serverless v2 is billed from the first ACU-hour: not in the RDS free tier (240 h with capacity this month).',
      },
      {
        kind: 'valkey-serverless',
        id: 'hub-cache',
        usage: [
          { name: 'ECPUs', amount: 100, unit: 'million ECPUs', usd: 0.23 },
          { name: 'data stored', amount: 24, unit: 'GB-hours', usd: 2.02 },
        ],
        monthToDateUsd: 2.25,
        forecastUsd: 6.98,
        note: 'A Valkey serverless cache is billed for ECPUs and data stored (100 MB at least): not in the ElastiCache free tier (240 h with data this month).',
      },
    ]);
    expect(r.billable).toMatchObject({
      monthToDateUsd: 31.77,
      forecastUsd: 98.49,
      budgetUsd: 50,
      forecastPercentOfBudget: 196.98,
      overBudget: 'The billable services alone are forecast at $98.49, above the budget of $50.00.',
    });
    // the Aurora writer is billed with its cluster: not a free instance, not in the free storage
    const writer = r.rdsInstances.find((l) => l.id === 'content-hub-writer');
    expect(writer).toMatchObject({
      free: false,
      note: 'Aurora: billed by its cluster (ACU-hours, storage, I/O; see Billable), never in the RDS free tier',
    });
    expect(r.offers.find((o) => o.id === 'rds-storage')?.used).toBe(0);
    expect(r.offers.find((o) => o.id === 'rds-hours')?.used).toBe(0);
    expect(renderMarkdown(r)).toContain('## Billable (not in the free tier)');
  });

  it('has no billable section without Aurora or serverless caches', () => {
    const r = buildReport({ ...data, instances: [], usage: emptyUsageSeries() }, SETTINGS, now);
    expect(r.billable).toBeUndefined();
  });
});
