/**
 * Metrics on the local provider: putMetricData appends JSON lines to
 * `local/<region>/metrics/<namespace>.jsonl`; getMetricData reads them back per query
 * (namespace, metric name, exact dimension set), aggregated per period. Instance
 * metrics of AWS/RDS are not produced locally, so those series are empty.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { UsageError } from '../../errors.js';
import type { MetricDatum, MetricQuery, MetricSeries, MetricStat } from '../types.js';
import type { RegionLayout } from './layout.js';

/** One stored datum. */
interface MetricLine {
  t: string;
  metricName: string;
  value: number;
  unit?: string;
  dimensions: Record<string, string>;
}

export async function putMetrics(layout: RegionLayout, namespace: string, data: MetricDatum[], now: Date): Promise<void> {
  if (namespace.length === 0 || namespace.length > 255) throw new UsageError('A metric namespace is 1–255 characters.');
  const lines = data.map((d) => {
    if (!d.metricName || !Number.isFinite(d.value)) {
      throw new UsageError(`Metric ${d.metricName || '(unnamed)'} needs a name and a finite value.`);
    }
    const line: MetricLine = {
      t: (d.timestamp ?? now).toISOString(),
      metricName: d.metricName,
      value: d.value,
      unit: d.unit,
      dimensions: { ...d.dimensions },
    };
    return `${JSON.stringify(line)}\n`;
  });
  if (lines.length === 0) return;
  await mkdir(layout.metricsDir, { recursive: true });
  // One write of whole lines with O_APPEND: concurrent writers interleave lines, never bytes of a line.
  await appendFile(layout.metricsFile(namespace), lines.join(''), 'utf8');
}

const QUERY_ID = /^[a-z][a-zA-Z0-9_]*$/;

export function validateQueries(queries: MetricQuery[]): void {
  const seen = new Set<string>();
  for (const q of queries) {
    if (!QUERY_ID.test(q.id)) throw new UsageError(`Invalid metric query id "${q.id}".`, { hint: 'Ids match ^[a-z][a-zA-Z0-9_]*$.' });
    if (seen.has(q.id)) throw new UsageError(`Duplicate metric query id "${q.id}".`);
    if (!Number.isInteger(q.periodSeconds) || q.periodSeconds < 1) {
      throw new UsageError(`Metric query ${q.id} needs a period of at least 1 second.`);
    }
    seen.add(q.id);
  }
}

/** Series in ascending time order, one point per period that has data. */
export async function getMetrics(layout: RegionLayout, queries: MetricQuery[], range: { start: Date; end: Date }): Promise<MetricSeries[]> {
  validateQueries(queries);
  const cache = new Map<string, MetricLine[]>();
  const out: MetricSeries[] = [];
  for (const q of queries) {
    if (!cache.has(q.namespace)) cache.set(q.namespace, await readLines(layout.metricsFile(q.namespace)));
    out.push(series(q, cache.get(q.namespace) ?? [], range));
  }
  return out;
}

async function readLines(file: string): Promise<MetricLine[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const lines: MetricLine[] = [];
  for (const raw of text.split('\n')) {
    if (raw.trim().length === 0) continue;
    try {
      lines.push(JSON.parse(raw) as MetricLine);
    } catch {
      // A torn last line after a crash: skip it rather than fail every read.
    }
  }
  return lines;
}

function sameDimensions(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

export function series(q: MetricQuery, lines: MetricLine[], range: { start: Date; end: Date }): MetricSeries {
  const start = range.start.getTime();
  const end = range.end.getTime();
  const periodMs = q.periodSeconds * 1000;
  const buckets = new Map<number, number[]>();
  for (const l of lines) {
    const t = Date.parse(l.t);
    if (l.metricName !== q.metricName || !sameDimensions(l.dimensions ?? {}, q.dimensions) || t < start || t >= end) continue;
    const bucket = start + Math.floor((t - start) / periodMs) * periodMs;
    const values = buckets.get(bucket) ?? [];
    values.push(l.value);
    buckets.set(bucket, values);
  }
  const keys = [...buckets.keys()].sort((a, b) => a - b);
  return {
    id: q.id,
    timestamps: keys.map((k) => new Date(k)),
    values: keys.map((k) => stat(q.stat, buckets.get(k) ?? [])),
  };
}

export function stat(kind: MetricStat, values: number[]): number {
  switch (kind) {
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'Maximum':
      return Math.max(...values);
    case 'Minimum':
      return Math.min(...values);
    case 'SampleCount':
      return values.length;
  }
}
