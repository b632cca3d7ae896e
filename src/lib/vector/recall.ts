/**
 * Recall and latency maths. Pure functions, tested with exact equality.
 *
 * Recall follows ann-benchmarks: a returned neighbour counts as correct when its
 * distance is no more than the k-th true distance plus 1e-3, so ties at the k-th
 * distance do not count against the index.
 */

/** ann-benchmarks' tolerance. */
export const RECALL_EPSILON = 1e-3;

/** One row a k-NN query returned: its row id and distance. */
export interface Neighbour {
  rid: string;
  dist: number;
}

/**
 * Recall@k of one query: the share of the true top-k matched by the returned rows.
 * `exact` is the exact top-k (ascending); when fewer than k rows exist (a filter), the
 * denominator is what exists. Returns null when there is nothing to find.
 */
export function queryRecall(returned: readonly number[], exact: readonly number[], k: number, epsilon = RECALL_EPSILON): number | null {
  const m = Math.min(k, exact.length);
  if (m === 0) return null;
  const threshold = exact[m - 1]! + epsilon;
  let hits = 0;
  for (const d of returned.slice(0, k)) if (d <= threshold) hits++;
  return Math.min(hits, m) / m;
}

/** Mean of the defined recalls (queries with nothing to find are left out); null when none. */
export function meanRecall(values: readonly (number | null)[]): number | null {
  const defined = values.filter((v): v is number => v !== null);
  if (defined.length === 0) return null;
  return defined.reduce((a, b) => a + b, 0) / defined.length;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; undefined for none. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

/** Latency of a set of queries, milliseconds. */
export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

export function latencySummary(ms: readonly number[]): LatencySummary {
  if (ms.length === 0) return { p50: 0, p95: 0, p99: 0, mean: 0, max: 0 };
  return {
    p50: percentile(ms, 50)!,
    p95: percentile(ms, 95)!,
    p99: percentile(ms, 99)!,
    mean: ms.reduce((a, b) => a + b, 0) / ms.length,
    max: Math.max(...ms),
  };
}

/**
 * The top k of `rows` without the query's own row (when the query vector was drawn from
 * the table) and without rows whose distance is NULL (a NULL vector).
 */
export function withoutSelf(rows: readonly Neighbour[], selfRid: string | undefined, k: number): Neighbour[] {
  return rows.filter((r) => r.rid !== selfRid && Number.isFinite(r.dist)).slice(0, k);
}

/** Recall of one query plus whether it came back short (fewer rows than exist to find). */
export interface QueryOutcome {
  recall: number | null;
  returned: number;
  expected: number;
  short: boolean;
}

export function queryOutcome(returned: readonly Neighbour[], exact: readonly Neighbour[], k: number): QueryOutcome {
  const expected = Math.min(k, exact.length);
  return {
    recall: queryRecall(
      returned.map((r) => r.dist),
      exact.map((r) => r.dist),
      k,
    ),
    returned: returned.length,
    expected,
    short: returned.length < expected,
  };
}
