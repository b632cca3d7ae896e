/**
 * `dbops status --all`: every database of the fleet at a glance, from reads that are
 * batched: the instance comes from the selection's own listing (one paginated
 * DescribeDBInstances per account and region), and its figures (CPU, free storage,
 * connections over the last 15 minutes) from one GetMetricData per account and region for
 * all its databases (500 queries a call), so the AWS calls grow with accounts × regions,
 * not with databases × metrics. A database is failed when its status is one RDS cannot
 * serve from, or when its storage is more than 90 % used.
 */
import type { Context } from '../context.js';
import { messageOf } from '../errors.js';
import type { Instance, MetricQuery, MetricSeries, Provider } from '../providers/types.js';
import { redact } from '../secret.js';
import { type FleetRunOptions, type FleetRunResult, runOverFleet } from './run.js';
import type { FleetMember, FleetRequest } from './select.js';

/** The figures fleet status reads per database, each one GetMetricData query. */
export const STATUS_METRICS = [
  { key: 'cpu', metricName: 'CPUUtilization', stat: 'Average' },
  { key: 'freeStorage', metricName: 'FreeStorageSpace', stat: 'Minimum' },
  { key: 'connections', metricName: 'DatabaseConnections', stat: 'Maximum' },
] as const;
type MetricKey = (typeof STATUS_METRICS)[number]['key'];

/** Statuses a database cannot serve from: the row fails. */
const UNHEALTHY = new Set([
  'failed',
  'storage-full',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
  'incompatible-network',
  'incompatible-option-group',
  'incompatible-parameters',
  'incompatible-restore',
  'restore-error',
]);
const STORAGE_FULL_PERCENT = 90;
const WINDOW_MS = 15 * 60_000;

export interface FleetDatabaseStatus {
  id: string;
  engine: string;
  engineVersion: string;
  instanceClass: string;
  status: string;
  multiAz: boolean;
  allocatedStorageGb: number;
  replicaSourceId?: string;
  replicaIds: string[];
  /** The last 15 minutes, when CloudWatch (local: the metrics file) has them. */
  metrics: { cpuPercent?: number; freeStorageGb?: number; storageUsedPercent?: number; connections?: number };
  problems: string[];
  /** Why the figures could not be read (the status still stands). */
  metricsError?: string;
}

export async function fleetStatus(
  ctx: Context,
  request: FleetRequest,
  options: Omit<FleetRunOptions<FleetDatabaseStatus>, 'command'>,
): Promise<FleetRunResult<FleetDatabaseStatus>> {
  // One GetMetricData batch per account and region, for all of its members at once.
  const batches = new Map<string, Promise<{ series: Map<string, MetricSeries>; error?: string }>>();
  const metricsOf = (member: FleetMember, peers: readonly FleetMember[], provider: Provider) => {
    const key = `${member.account.label}|${member.region}`;
    let batch = batches.get(key);
    if (!batch) {
      const here = peers.filter((p) => p.account.label === member.account.label && p.region === member.region);
      const now = ctx.clock.now();
      batch = provider.getMetricData(statusQueries(here.map((p) => p.id)), { start: new Date(now.getTime() - WINDOW_MS), end: now }).then(
        (series) => ({ series: new Map(series.map((s) => [s.id, s])) }),
        // The figures are extra: without them (no cloudwatch:GetMetricData) the status still stands.
        (e: unknown) => ({ series: new Map<string, MetricSeries>(), error: redact(messageOf(e)) }),
      );
      batches.set(key, batch);
    }
    return batch;
  };
  return runOverFleet<FleetDatabaseStatus>(
    ctx,
    request,
    async ({ member, provider, peers }) => {
      const index = peers.filter((p) => p.account.label === member.account.label && p.region === member.region).indexOf(member);
      const { series, error } = await metricsOf(member, peers, provider);
      const value = (k: MetricKey) => latest(series.get(queryId(index, k)));
      const status = statusOf(member.instance, { cpu: value('cpu'), freeStorage: value('freeStorage'), connections: value('connections') });
      if (error) status.metricsError = error;
      return { verdict: status.problems.length > 0 ? 'failed' : 'ok', figure: figureOf(status), result: status };
    },
    { command: 'status', ...options },
  );
}

function queryId(index: number, key: MetricKey): string {
  return `db${index}_${key}`;
}

/** The queries of every database of one account and region: 3 per database, in one batch. Pure. */
export function statusQueries(ids: string[]): MetricQuery[] {
  return ids.flatMap((id, i) =>
    STATUS_METRICS.map((m) => ({
      id: queryId(i, m.key),
      namespace: 'AWS/RDS',
      metricName: m.metricName,
      dimensions: { DBInstanceIdentifier: id },
      stat: m.stat,
      periodSeconds: 300,
    })),
  );
}

function latest(s: MetricSeries | undefined): number | undefined {
  if (!s || s.values.length === 0) return undefined;
  let at = 0;
  for (let i = 1; i < s.timestamps.length; i++) if (s.timestamps[i]!.getTime() > s.timestamps[at]!.getTime()) at = i;
  return s.values[at];
}

/** One database's status from its listing and its figures. Pure. */
export function statusOf(i: Instance, m: { cpu?: number; freeStorage?: number; connections?: number }): FleetDatabaseStatus {
  const freeStorageGb = m.freeStorage !== undefined ? m.freeStorage / 1024 ** 3 : undefined;
  const storageUsedPercent =
    freeStorageGb !== undefined && i.allocatedStorageGb > 0
      ? Math.max(0, Math.min(100, Math.round((1 - freeStorageGb / i.allocatedStorageGb) * 100)))
      : undefined;
  const problems: string[] = [];
  if (UNHEALTHY.has(i.status)) problems.push(`status ${i.status}`);
  if (storageUsedPercent !== undefined && storageUsedPercent > STORAGE_FULL_PERCENT) problems.push(`storage ${storageUsedPercent}% used`);
  return {
    id: i.id,
    engine: i.engineLabel ?? i.engine,
    engineVersion: i.engineVersion,
    instanceClass: i.instanceClass,
    status: i.status,
    multiAz: i.multiAz,
    allocatedStorageGb: i.allocatedStorageGb,
    ...(i.replicaSourceId ? { replicaSourceId: i.replicaSourceId } : {}),
    replicaIds: i.replicaIds,
    metrics: {
      ...(m.cpu !== undefined ? { cpuPercent: Math.round(m.cpu * 10) / 10 } : {}),
      ...(freeStorageGb !== undefined ? { freeStorageGb: Math.round(freeStorageGb * 10) / 10 } : {}),
      ...(storageUsedPercent !== undefined ? { storageUsedPercent } : {}),
      ...(m.connections !== undefined ? { connections: m.connections } : {}),
    },
    problems,
  };
}

/** The summary's key figure: status, class, CPU, storage used, connections. Pure. */
export function figureOf(s: FleetDatabaseStatus): string {
  const parts = [s.status, s.instanceClass];
  if (s.replicaSourceId) parts.push(`replica of ${s.replicaSourceId}`);
  if (s.metrics.cpuPercent !== undefined) parts.push(`CPU ${s.metrics.cpuPercent}%`);
  if (s.metrics.storageUsedPercent !== undefined) parts.push(`storage ${s.metrics.storageUsedPercent}% used`);
  if (s.metrics.connections !== undefined) parts.push(`${s.metrics.connections} conn`);
  if (s.metricsError) parts.push('metrics unreadable');
  else if (s.metrics.cpuPercent === undefined && s.metrics.storageUsedPercent === undefined) parts.push('no metrics yet');
  return parts.join(' · ');
}
