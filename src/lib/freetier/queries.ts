/**
 * Which CloudWatch series the report reads, all in one GetMetricData batch (the adapter
 * splits at 500 queries): which resources exist or existed this month, the queries for
 * them, and the decoding of the answer back into usage figures. Pure functions.
 *
 * Resources come from two places: what exists now (DescribeDBInstances, ...) and what
 * CloudWatch lists (ListMetrics lists metrics with data in the last two weeks), so an
 * instance deleted earlier in the month is still found.
 */
import type { MetricQuery, MetricSeries } from '../providers/types.js';
import type { CacheNodeUsage, DbInstanceUsage, FunctionUsage, MetricIdentity } from '../providers/usage-types.js';
import type { AuroraUsage, ServerlessCacheUsage } from './billable.js';

/** The resources whose usage is read. */
export interface Discovery {
  rdsInstanceIds: string[];
  cacheNodes: { clusterId: string; nodeId: string }[];
  functionNames: string[];
  logGroups: string[];
  /** Aurora Serverless v2 clusters (ServerlessDatabaseCapacity by DBClusterIdentifier). */
  auroraClusterIds: string[];
  /** ElastiCache serverless caches (ElastiCacheProcessingUnits by clusterId). */
  serverlessCacheIds: string[];
}

/** The usage figures decoded from the series. */
export interface UsageSeries {
  /** Hourly CPUUtilization datapoint times per RDS instance. */
  rdsHours: Map<string, Date[]>;
  /** Hourly CPUUtilization datapoint times per ElastiCache node ("cluster/node"). */
  cacheHours: Map<string, Date[]>;
  /** Latest backup storage bytes per RDS instance (automated + manual snapshots). */
  backupBytes: Map<string, number>;
  lambdaInvocations: Map<string, number>;
  lambdaDurationMs: Map<string, number>;
  /** Account-wide Lambda sums (no dimension): they include functions deleted since. */
  lambdaAccount: { invocations: number; durationMs: number };
  logBytes: number;
  aurora: Map<string, AuroraUsage>;
  serverlessCaches: Map<string, ServerlessCacheUsage>;
}

export interface QueryPlan {
  queries: MetricQuery[];
  decode(series: readonly MetricSeries[]): UsageSeries;
}

const HOUR = 3600;
const DAY = 86_400;

function onlyDims(m: MetricIdentity, names: string[]): boolean {
  const keys = Object.keys(m.dimensions).sort();
  const want = [...names].sort();
  return keys.length === want.length && keys.every((k, i) => k === want[i]);
}

function listed(metrics: readonly MetricIdentity[], namespace: string, metricName: string, dims: string[]): MetricIdentity[] {
  return metrics.filter((m) => m.namespace === namespace && m.metricName === metricName && onlyDims(m, dims));
}

function union(...lists: string[][]): string[] {
  return [...new Set(lists.flat())].sort();
}

export const nodeKey = (n: { clusterId: string; nodeId: string }): string => `${n.clusterId}/${n.nodeId}`;

/** Resources that exist now plus those CloudWatch still lists. */
export function discover(input: {
  instances: readonly DbInstanceUsage[];
  cacheNodes: readonly CacheNodeUsage[];
  functions: readonly FunctionUsage[];
  metrics: readonly MetricIdentity[];
}): Discovery {
  const { metrics } = input;
  const rdsInstanceIds = union(
    input.instances.map((i) => i.id),
    listed(metrics, 'AWS/RDS', 'CPUUtilization', ['DBInstanceIdentifier']).map((m) => m.dimensions.DBInstanceIdentifier!),
  );
  const nodes = new Map<string, { clusterId: string; nodeId: string }>();
  for (const n of input.cacheNodes) nodes.set(nodeKey(n), { clusterId: n.clusterId, nodeId: n.nodeId });
  for (const m of listed(metrics, 'AWS/ElastiCache', 'CPUUtilization', ['CacheClusterId', 'CacheNodeId'])) {
    const n = { clusterId: m.dimensions.CacheClusterId!, nodeId: m.dimensions.CacheNodeId! };
    nodes.set(nodeKey(n), n);
  }
  const functionNames = union(
    input.functions.map((f) => f.name),
    listed(metrics, 'AWS/Lambda', 'Invocations', ['FunctionName']).map((m) => m.dimensions.FunctionName!),
  );
  const logGroups = union(listed(metrics, 'AWS/Logs', 'IncomingBytes', ['LogGroupName']).map((m) => m.dimensions.LogGroupName!));
  const auroraClusterIds = union(
    listed(metrics, 'AWS/RDS', 'ServerlessDatabaseCapacity', ['DBClusterIdentifier']).map((m) => m.dimensions.DBClusterIdentifier!),
  );
  const serverlessCacheIds = union(
    listed(metrics, 'AWS/ElastiCache', 'ElastiCacheProcessingUnits', ['clusterId']).map((m) => m.dimensions.clusterId!),
  );
  return {
    rdsInstanceIds,
    cacheNodes: [...nodes.keys()].sort().map((k) => nodes.get(k)!),
    functionNames,
    logGroups,
    auroraClusterIds,
    serverlessCacheIds,
  };
}

type Decoder = (u: UsageSeries, s: MetricSeries) => void;

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/** The value of the latest datapoint (pages may come in any order). */
function latest(s: MetricSeries): number | undefined {
  let best: { t: number; v: number } | undefined;
  s.timestamps.forEach((t, i) => {
    const v = s.values[i];
    if (v !== undefined && (!best || t.getTime() > best.t)) best = { t: t.getTime(), v };
  });
  return best?.v;
}

function add(map: Map<string, number>, key: string, value: number): void {
  map.set(key, (map.get(key) ?? 0) + value);
}

/** The queries for the discovered resources, and how to read their answers back. */
export function planQueries(d: Discovery): QueryPlan {
  const queries: MetricQuery[] = [];
  const decoders = new Map<string, Decoder>();
  const q = (
    prefix: string,
    namespace: string,
    metricName: string,
    dimensions: Record<string, string>,
    stat: MetricQuery['stat'],
    periodSeconds: number,
    decode: Decoder,
  ) => {
    const id = `${prefix}${queries.length}`;
    queries.push({ id, namespace, metricName, dimensions, stat, periodSeconds });
    decoders.set(id, decode);
  };

  for (const id of d.rdsInstanceIds) {
    const dims = { DBInstanceIdentifier: id };
    q('rdscpu', 'AWS/RDS', 'CPUUtilization', dims, 'SampleCount', HOUR, (u, s) => u.rdsHours.set(id, s.timestamps));
    for (const metric of ['BackupRetentionPeriodStorageUsed', 'SnapshotStorageUsed']) {
      q('rdsbak', 'AWS/RDS', metric, dims, 'Maximum', DAY, (u, s) => add(u.backupBytes, id, latest(s) ?? 0));
    }
  }
  for (const n of d.cacheNodes) {
    q(
      'cachecpu',
      'AWS/ElastiCache',
      'CPUUtilization',
      { CacheClusterId: n.clusterId, CacheNodeId: n.nodeId },
      'SampleCount',
      HOUR,
      (u, s) => u.cacheHours.set(nodeKey(n), s.timestamps),
    );
  }
  for (const name of d.functionNames) {
    const dims = { FunctionName: name };
    q('lambdainv', 'AWS/Lambda', 'Invocations', dims, 'Sum', DAY, (u, s) => u.lambdaInvocations.set(name, sum(s.values)));
    q('lambdadur', 'AWS/Lambda', 'Duration', dims, 'Sum', DAY, (u, s) => u.lambdaDurationMs.set(name, sum(s.values)));
  }
  if (d.functionNames.length > 0) {
    q('lambdaall', 'AWS/Lambda', 'Invocations', {}, 'Sum', DAY, (u, s) => (u.lambdaAccount.invocations = sum(s.values)));
    q('lambdaall', 'AWS/Lambda', 'Duration', {}, 'Sum', DAY, (u, s) => (u.lambdaAccount.durationMs = sum(s.values)));
  }
  for (const group of d.logGroups) {
    q('logs', 'AWS/Logs', 'IncomingBytes', { LogGroupName: group }, 'Sum', DAY, (u, s) => (u.logBytes += sum(s.values)));
  }

  const aurora = (u: UsageSeries, id: string): AuroraUsage => {
    const a = u.aurora.get(id) ?? { acuHours: 0, hours: 0, ios: 0 };
    u.aurora.set(id, a);
    return a;
  };
  for (const id of d.auroraClusterIds) {
    const dims = { DBClusterIdentifier: id };
    // Hourly averages of the ACUs in use: their sum is the ACU-hours billed.
    q('acu', 'AWS/RDS', 'ServerlessDatabaseCapacity', dims, 'Average', HOUR, (u, s) => {
      const a = aurora(u, id);
      a.acuHours = sum(s.values);
      a.hours = s.values.length;
    });
    q('auroravol', 'AWS/RDS', 'VolumeBytesUsed', dims, 'Average', DAY, (u, s) => {
      const v = latest(s);
      if (v !== undefined) aurora(u, id).volumeBytes = v;
    });
    for (const metric of ['VolumeReadIOPs', 'VolumeWriteIOPs']) {
      q('auroraio', 'AWS/RDS', metric, dims, 'Sum', DAY, (u, s) => {
        aurora(u, id).ios += sum(s.values);
      });
    }
  }
  const cache = (u: UsageSeries, id: string): ServerlessCacheUsage => {
    const c = u.serverlessCaches.get(id) ?? { ecpus: 0, gbHours: 0, hours: 0 };
    u.serverlessCaches.set(id, c);
    return c;
  };
  for (const id of d.serverlessCacheIds) {
    const dims = { clusterId: id };
    q('ecpu', 'AWS/ElastiCache', 'ElastiCacheProcessingUnits', dims, 'Sum', DAY, (u, s) => {
      cache(u, id).ecpus = sum(s.values);
    });
    q('slbytes', 'AWS/ElastiCache', 'BytesUsedForCache', dims, 'Average', HOUR, (u, s) => {
      const c = cache(u, id);
      c.gbHours = sum(s.values.map((b) => Math.max(b / 1e9, 0.1)));
      c.hours = s.values.length;
    });
  }

  return {
    queries,
    decode(series) {
      const usage = emptyUsageSeries();
      for (const s of series) decoders.get(s.id)?.(usage, s);
      return usage;
    },
  };
}

export function emptyUsageSeries(): UsageSeries {
  return {
    rdsHours: new Map(),
    cacheHours: new Map(),
    backupBytes: new Map(),
    lambdaInvocations: new Map(),
    lambdaDurationMs: new Map(),
    lambdaAccount: { invocations: 0, durationMs: 0 },
    logBytes: 0,
    aurora: new Map(),
    serverlessCaches: new Map(),
  };
}
