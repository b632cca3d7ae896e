/**
 * dbops' own figure for each offer, from what the collectors read: used so far, the rate
 * to forecast with, where the figure came from, and what to know about it. Pure functions.
 */
import type { AlarmInfo, DbInstanceUsage, FunctionUsage, MetricIdentity } from '../providers/usage-types.js';
import { hoursExisted } from './hours.js';
import { concurrencyNote, engineMixNote, summariseHours } from './instances.js';
import type { MonthWindow } from './month.js';
import { BYTES_PER_GB, offerDef, type OfferId } from './offers.js';
import { averageRate, projectCumulative, projectLevel, type Projection } from './projection.js';
import type { UsageSeries } from './queries.js';
import type { CacheNodeLine, InstanceLine } from './types.js';

/** dbops' figure for one offer. */
export interface Measured {
  id: OfferId;
  /** false: the figure could not be read; `projection` is all zeros then. */
  available: boolean;
  projection: Projection;
  source: string;
  notes: string[];
}

/** RDS' smallest General Purpose volume: what a deleted instance is assumed to have had. */
const MIN_RDS_STORAGE_GB = 20;
const GENERAL_PURPOSE = new Set(['gp2', 'gp3']);

function unavailable(id: OfferId, source: string, note: string): Measured {
  return { id, available: false, projection: projectLevel(0, offerDef(id).limit), source, notes: [note] };
}

function compact(notes: (string | undefined)[]): string[] {
  return notes.filter((n): n is string => n !== undefined);
}

function seriesOf(lines: readonly { free: boolean; key: string }[], hours: ReadonlyMap<string, Date[]>): Date[][] {
  return lines.filter((l) => l.free).map((l) => hours.get(l.key) ?? []);
}

/** `engines`: instance id -> RDS engine, for the engine mix (the free hours are one pool for every engine). */
export function measureRdsHours(
  lines: readonly InstanceLine[],
  hours: ReadonlyMap<string, Date[]>,
  window: MonthWindow,
  engines: ReadonlyMap<string, string> = new Map(),
): Measured {
  const { limit } = offerDef('rds-hours');
  const series = seriesOf(
    lines.map((l) => ({ free: l.free, key: l.id })),
    hours,
  );
  const s = summariseHours(lines, series, limit, window);
  const billable = lines.filter((l) => !l.free);
  return {
    id: 'rds-hours',
    available: true,
    projection: projectCumulative({
      used: s.used,
      limit,
      ratePerHour: s.runningNow,
      window,
      ...(s.ranOutAt ? { ranOutAt: s.ranOutAt } : {}),
    }),
    source: 'CloudWatch AWS/RDS CPUUtilization: hours with a datapoint, per instance; cross-checked with DescribeDBInstances',
    notes: compact([
      concurrencyNote('instances', s),
      engineMixNote(lines, engines),
      billable.length > 0
        ? `${billable.length} instance(s) not covered by the free tier (${billable.map((l) => l.id).join(', ')}): billed by the hour, not counted here.`
        : undefined,
    ]),
  };
}

export function measureCacheHours(
  lines: readonly CacheNodeLine[],
  hours: ReadonlyMap<string, Date[]>,
  window: MonthWindow,
  described: boolean,
): Measured {
  const { limit } = offerDef('elasticache-hours');
  const series = seriesOf(
    lines.map((l) => ({ free: l.free, key: `${l.clusterId}/${l.nodeId}` })),
    hours,
  );
  const s = summariseHours(lines, series, limit, window);
  const billable = lines.filter((l) => !l.free);
  return {
    id: 'elasticache-hours',
    available: true,
    projection: projectCumulative({
      used: s.used,
      limit,
      ratePerHour: s.runningNow,
      window,
      ...(s.ranOutAt ? { ranOutAt: s.ranOutAt } : {}),
    }),
    source: `CloudWatch AWS/ElastiCache CPUUtilization: hours with a datapoint, per node${described ? '; cross-checked with DescribeCacheClusters' : ''}`,
    notes: compact([
      concurrencyNote('cache nodes', s),
      billable.length > 0 ? `${billable.length} node(s) not covered by the free tier: billed by the hour, not counted here.` : undefined,
    ]),
  };
}

/** GB-months of General Purpose storage: allocated GB x hours existed / hours in the month. */
export function measureRdsStorage(instances: readonly DbInstanceUsage[], lines: readonly InstanceLine[], window: MonthWindow): Measured {
  const { limit } = offerDef('rds-storage');
  // Aurora members' storage is the cluster's, billed apart (billable.ts): never a free RDS GB-month.
  const counted = instances.filter((i) => !i.multiAz && !i.engine.startsWith('aurora') && GENERAL_PURPOSE.has(i.storageType ?? 'gp2'));
  const deleted = lines.filter((l) => l.state === 'deleted');
  const existingGbMo = counted.reduce((a, i) => a + (i.allocatedStorageGb * hoursExisted(i.createdAt, window)) / window.hours, 0);
  const deletedGbMo = deleted.reduce((a, l) => a + (MIN_RDS_STORAGE_GB * l.hours) / window.hours, 0);
  const allocatedNow = counted.reduce((a, i) => a + i.allocatedStorageGb, 0);
  const skipped = instances.length - counted.length;
  return {
    id: 'rds-storage',
    available: true,
    projection: projectCumulative({ used: existingGbMo + deletedGbMo, limit, ratePerHour: allocatedNow / window.hours, window }),
    source: 'DescribeDBInstances: allocated General Purpose GB x hours existed this month (stopped instances included)',
    notes: compact([
      `${allocatedNow} GB allocated now; a month at ${limit} GB is exactly the free ${limit} GB-month.`,
      deleted.length > 0 ? `Deleted instances counted at ${MIN_RDS_STORAGE_GB} GB (RDS' smallest volume) for their hours.` : undefined,
      skipped > 0 ? `${skipped} instance(s) with Multi-AZ, non-General-Purpose or Aurora storage are billed and not counted.` : undefined,
    ]),
  };
}

export function measureRdsBackup(usage: UsageSeries): Measured {
  const bytes = [...usage.backupBytes.values()].reduce((a, b) => a + b, 0);
  return {
    id: 'rds-backup',
    available: true,
    projection: projectLevel(bytes / BYTES_PER_GB, offerDef('rds-backup').limit),
    source: 'CloudWatch AWS/RDS BackupRetentionPeriodStorageUsed + SnapshotStorageUsed: latest daily maximum per instance',
    notes: ['Snapshots of instances that no longer exist are not in these metrics.'],
  };
}

/** Memory assumed for duration of functions no longer listed: the largest listed one (the safe side). */
function assumedMemoryMb(functions: readonly FunctionUsage[]): number {
  return Math.max(128, ...functions.map((f) => f.memoryMb));
}

export function measureLambdaRequests(usage: UsageSeries, window: MonthWindow): Measured {
  const perFunction = [...usage.lambdaInvocations.values()].reduce((a, b) => a + b, 0);
  const used = Math.max(usage.lambdaAccount.invocations, perFunction);
  return {
    id: 'lambda-requests',
    available: true,
    projection: projectCumulative({ used, limit: offerDef('lambda-requests').limit, ratePerHour: averageRate(used, window), window }),
    source: 'CloudWatch AWS/Lambda Invocations (account-wide sum, and per function)',
    notes: [],
  };
}

export function measureLambdaCompute(functions: readonly FunctionUsage[] | undefined, usage: UsageSeries, window: MonthWindow): Measured {
  const source = 'CloudWatch AWS/Lambda Duration per function x its MemorySize (ListFunctions)';
  if (!functions) return unavailable('lambda-gb-seconds', source, 'Function memory sizes could not be read (ListFunctions).');
  const memory = new Map(functions.map((f) => [f.name, f.memoryMb]));
  let knownGbS = 0;
  let unattributedMs = 0;
  let perFunctionMs = 0;
  for (const [name, ms] of usage.lambdaDurationMs) {
    perFunctionMs += ms;
    const mb = memory.get(name);
    if (mb === undefined) unattributedMs += ms;
    else knownGbS += (ms / 1000) * (mb / 1024);
  }
  unattributedMs += Math.max(0, usage.lambdaAccount.durationMs - perFunctionMs);
  const assumed = assumedMemoryMb(functions);
  const used = knownGbS + (unattributedMs / 1000) * (assumed / 1024);
  return {
    id: 'lambda-gb-seconds',
    available: true,
    projection: projectCumulative({ used, limit: offerDef('lambda-gb-seconds').limit, ratePerHour: averageRate(used, window), window }),
    source,
    notes: compact([
      unattributedMs > 0
        ? `${Math.round(unattributedMs / 1000)} s of duration from functions no longer listed, counted at ${assumed} MB.`
        : undefined,
    ]),
  };
}

export function measureCustomMetrics(metrics: readonly MetricIdentity[]): Measured {
  const custom = metrics.filter((m) => !m.namespace.startsWith('AWS/'));
  const namespaces = [...new Set(custom.map((m) => m.namespace))].sort();
  return {
    id: 'cloudwatch-metrics',
    available: true,
    projection: projectLevel(custom.length, offerDef('cloudwatch-metrics').limit),
    source: 'CloudWatch ListMetrics: metrics outside AWS/ namespaces with data in the last two weeks',
    notes: compact([namespaces.length > 0 ? `Namespaces: ${namespaces.join(', ')}.` : undefined]),
  };
}

export function measureAlarms(alarms: readonly AlarmInfo[] | undefined): Measured {
  const source = 'CloudWatch DescribeAlarms: metrics watched by standard-resolution metric alarms';
  if (!alarms) return unavailable('cloudwatch-alarms', source, 'Alarms could not be read (DescribeAlarms).');
  const standard = alarms.filter((a) => a.kind === 'metric' && !a.highResolution);
  const highRes = alarms.filter((a) => a.kind === 'metric' && a.highResolution).length;
  const composite = alarms.filter((a) => a.kind === 'composite').length;
  return {
    id: 'cloudwatch-alarms',
    available: true,
    projection: projectLevel(
      standard.reduce((a, x) => a + x.metricCount, 0),
      offerDef('cloudwatch-alarms').limit,
    ),
    source,
    notes: compact([
      highRes > 0 ? `${highRes} high-resolution alarm(s): not in the free tier, billed.` : undefined,
      composite > 0 ? `${composite} composite alarm(s): not in the free tier, billed.` : undefined,
    ]),
  };
}

export function measureLogIngestion(usage: UsageSeries, window: MonthWindow): Measured {
  const used = usage.logBytes / BYTES_PER_GB;
  return {
    id: 'cloudwatch-logs',
    available: true,
    projection: projectCumulative({ used, limit: offerDef('cloudwatch-logs').limit, ratePerHour: averageRate(used, window), window }),
    source: 'CloudWatch AWS/Logs IncomingBytes, summed over log groups',
    notes: [],
  };
}
