/**
 * CloudWatch shapes and batching for getMetricData / putMetricData. Pure functions, so the
 * limits (500 queries per GetMetricData, 1000 datums per PutMetricData) are tested on
 * their own.
 */
import type { Dimension, MetricDataQuery, MetricDataResult, MetricDatum as CwDatum } from '@aws-sdk/client-cloudwatch';
import { UsageError } from '../../errors.js';
import type { MetricDatum, MetricQuery, MetricSeries } from '../types.js';

/** GetMetricData accepts at most 500 queries per call. */
export const MAX_QUERIES_PER_CALL = 500;
/** PutMetricData accepts at most 1000 datums per call. */
export const MAX_DATUMS_PER_CALL = 1000;

const QUERY_ID = /^[a-z][a-zA-Z0-9_]*$/;

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function toDimensions(dimensions: Record<string, string> | undefined): Dimension[] {
  return Object.entries(dimensions ?? {}).map(([Name, Value]) => ({ Name, Value }));
}

/** Query ids are echoed back and key the result, so they must be valid and unique. */
export function validateQueries(queries: readonly MetricQuery[]): void {
  const seen = new Set<string>();
  for (const q of queries) {
    if (!QUERY_ID.test(q.id)) throw new UsageError(`Metric query id "${q.id}" must match ${QUERY_ID.source}.`);
    if (seen.has(q.id)) throw new UsageError(`Metric query id "${q.id}" is used twice in one call.`);
    seen.add(q.id);
  }
}

export function toMetricDataQuery(q: MetricQuery): MetricDataQuery {
  return {
    Id: q.id,
    MetricStat: {
      Metric: { Namespace: q.namespace, MetricName: q.metricName, Dimensions: toDimensions(q.dimensions) },
      Period: q.periodSeconds,
      Stat: q.stat,
    },
    ReturnData: true,
  };
}

/** Empty series for every query, in query order, ready for pages to be merged in. */
export function emptySeries(queries: readonly MetricQuery[]): Map<string, MetricSeries> {
  return new Map(queries.map((q) => [q.id, { id: q.id, timestamps: [], values: [] }]));
}

/** Appends one page of results to the series it belongs to. */
export function mergePage(series: Map<string, MetricSeries>, results: readonly MetricDataResult[] | undefined): void {
  for (const r of results ?? []) {
    const s = r.Id === undefined ? undefined : series.get(r.Id);
    if (!s) continue;
    s.timestamps.push(...(r.Timestamps ?? []));
    s.values.push(...(r.Values ?? []));
  }
}

export function toCwDatum(d: MetricDatum): CwDatum {
  return {
    MetricName: d.metricName,
    Value: d.value,
    ...(d.unit ? { Unit: d.unit } : {}),
    ...(d.dimensions ? { Dimensions: toDimensions(d.dimensions) } : {}),
    ...(d.timestamp ? { Timestamp: d.timestamp } : {}),
  };
}
