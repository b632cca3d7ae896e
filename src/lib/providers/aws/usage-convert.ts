/** SDK shapes -> UsageApi port shapes, for the usage adapter. Pure functions. */
import type { Budget } from '@aws-sdk/client-budgets';
import type { DescribeAlarmsCommandOutput, Metric, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import type { GetCostAndUsageCommandOutput } from '@aws-sdk/client-cost-explorer';
import type { CacheCluster } from '@aws-sdk/client-elasticache';
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import type { DBInstance } from '@aws-sdk/client-rds';
import type * as U from '../usage-types.js';
import type { FreeTierUsageWire, GetAccountPlanStateOutput } from './usage-freetier.js';

function tagsOf(list: { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const t of list ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  return tags;
}

export function toDbInstance(db: DBInstance): U.DbInstanceUsage | undefined {
  if (!db.DBInstanceIdentifier) return undefined;
  return {
    id: db.DBInstanceIdentifier,
    engine: db.Engine ?? 'unknown',
    instanceClass: db.DBInstanceClass ?? 'unknown',
    status: db.DBInstanceStatus ?? 'unknown',
    multiAz: db.MultiAZ ?? false,
    allocatedStorageGb: db.AllocatedStorage ?? 0,
    ...(db.StorageType ? { storageType: db.StorageType } : {}),
    ...(db.InstanceCreateTime ? { createdAt: db.InstanceCreateTime } : {}),
    ...(db.DBInstanceArn ? { arn: db.DBInstanceArn } : {}),
    tags: tagsOf(db.TagList),
  };
}

export function toCacheNodes(c: CacheCluster): U.CacheNodeUsage[] {
  if (!c.CacheClusterId) return [];
  return (c.CacheNodes ?? []).flatMap((n) =>
    n.CacheNodeId
      ? [
          {
            clusterId: c.CacheClusterId!,
            nodeId: n.CacheNodeId,
            nodeType: c.CacheNodeType ?? 'unknown',
            status: n.CacheNodeStatus ?? c.CacheClusterStatus ?? 'unknown',
            ...(c.Engine ? { engine: c.Engine } : {}),
            ...(n.CacheNodeCreateTime ? { createdAt: n.CacheNodeCreateTime } : {}),
          },
        ]
      : [],
  );
}

export function toFunction(f: FunctionConfiguration): U.FunctionUsage | undefined {
  if (!f.FunctionName) return undefined;
  return { name: f.FunctionName, memoryMb: f.MemorySize ?? 128, ...(f.FunctionArn ? { arn: f.FunctionArn } : {}) };
}

export function toMetricIdentity(m: Metric): U.MetricIdentity | undefined {
  if (!m.Namespace || !m.MetricName) return undefined;
  const dimensions: Record<string, string> = {};
  for (const d of m.Dimensions ?? []) if (d.Name !== undefined) dimensions[d.Name] = d.Value ?? '';
  return { namespace: m.Namespace, metricName: m.MetricName, dimensions };
}

/** A metric alarm watches one metric, or each metric of its metric-math expression. */
function metricAlarm(a: MetricAlarm): U.AlarmInfo {
  const stats = (a.Metrics ?? []).filter((q) => q.MetricStat);
  const periods = stats.length > 0 ? stats.map((q) => q.MetricStat!.Period ?? 60) : [a.Period ?? 60];
  return {
    name: a.AlarmName ?? '',
    kind: 'metric',
    metricCount: Math.max(1, stats.length),
    highResolution: periods.some((p) => p < 60),
    ...(a.AlarmArn ? { arn: a.AlarmArn } : {}),
  };
}

export function toAlarms(page: DescribeAlarmsCommandOutput): U.AlarmInfo[] {
  return [
    ...(page.MetricAlarms ?? []).map(metricAlarm),
    ...(page.CompositeAlarms ?? []).map(
      (a): U.AlarmInfo => ({
        name: a.AlarmName ?? '',
        kind: 'composite',
        metricCount: 0,
        highResolution: false,
        ...(a.AlarmArn ? { arn: a.AlarmArn } : {}),
      }),
    ),
  ];
}

export function toFreeTierUsage(u: FreeTierUsageWire): U.FreeTierApiUsage {
  return {
    service: u.service ?? 'unknown',
    usageType: u.usageType ?? 'unknown',
    ...(u.operation ? { operation: u.operation } : {}),
    ...(u.region ? { region: u.region } : {}),
    used: u.actualUsageAmount ?? 0,
    ...(u.forecastedUsageAmount === undefined ? {} : { forecast: u.forecastedUsageAmount }),
    limit: u.limit ?? 0,
    unit: u.unit ?? '',
    ...(u.description ? { description: u.description } : {}),
    ...(u.freeTierType ? { freeTierType: u.freeTierType } : {}),
  };
}

function toDate(v: string | number | undefined): Date | undefined {
  if (v === undefined) return undefined;
  const d = typeof v === 'number' ? new Date(v * 1000) : new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export function toPlanState(s: GetAccountPlanStateOutput): U.AccountPlanState {
  const expiresAt = toDate(s.accountPlanExpirationDate);
  const credits = s.accountPlanRemainingCredits?.amount;
  return {
    ...(s.accountId ? { accountId: s.accountId } : {}),
    planType: s.accountPlanType ?? 'unknown',
    planStatus: s.accountPlanStatus ?? 'unknown',
    ...(credits === undefined ? {} : { remainingCreditsUsd: credits }),
    ...(expiresAt ? { expiresAt } : {}),
  };
}

const amount = (s: { Amount?: string } | undefined): number | undefined => (s?.Amount === undefined ? undefined : Number(s.Amount));

export function toBudget(b: Budget): U.BudgetInfo | undefined {
  const limitUsd = amount(b.BudgetLimit);
  if (!b.BudgetName || limitUsd === undefined) return undefined;
  const actualUsd = amount(b.CalculatedSpend?.ActualSpend);
  const forecastUsd = amount(b.CalculatedSpend?.ForecastedSpend);
  return {
    name: b.BudgetName,
    budgetType: b.BudgetType ?? 'COST',
    timeUnit: b.TimeUnit ?? 'MONTHLY',
    limitUsd,
    ...(actualUsd === undefined ? {} : { actualUsd }),
    ...(forecastUsd === undefined ? {} : { forecastUsd }),
  };
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** Cost Explorer takes whole days, the end exclusive: the start day to the day after `end` began. */
export function costExplorerPeriod(range: { start: Date; end: Date }): { Start: string; End: string } {
  const endDay = new Date(Date.UTC(range.end.getUTCFullYear(), range.end.getUTCMonth(), range.end.getUTCDate()));
  const end = endDay.getTime() < range.end.getTime() ? new Date(endDay.getTime() + 86_400_000) : endDay;
  return { Start: isoDay(range.start), End: isoDay(end) };
}

export function toServiceCosts(pages: readonly GetCostAndUsageCommandOutput[]): U.ServiceCost[] {
  const byService = new Map<string, number>();
  for (const r of pages.flatMap((p) => p.ResultsByTime ?? [])) {
    for (const g of r.Groups ?? []) {
      const service = g.Keys?.[0] ?? 'unknown';
      byService.set(service, (byService.get(service) ?? 0) + (amount(g.Metrics?.UnblendedCost) ?? 0));
    }
  }
  return [...byService].map(([service, amountUsd]) => ({ service, amountUsd }));
}
