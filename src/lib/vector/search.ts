/**
 * Which hnsw.ef_search values `vector tune` measures: not a blind grid but a search for
 * the smallest value meeting the target recall. It probes exponentially from k (k, 2k,
 * 4k, ... capped at pgvector's maximum of 1000) until one meets the target, then bisects
 * between the largest value below the target and the smallest meeting it. Recall grows
 * with ef_search (almost always); where noise breaks that, the search still ends, and
 * the choice is made from what was measured. Pure functions.
 */

/** pgvector's limit for hnsw.ef_search. */
export const EF_SEARCH_MAX = 1000;

/** One measured ef_search value. */
export interface EfProbe {
  ef: number;
  recall: number;
  p95Ms: number;
}

/** Bounds of the ef_search search. */
export interface EfSearchParams {
  targetRecall: number;
  /** Smallest value worth measuring: k (fewer candidates than k cannot return k rows). */
  efMin: number;
  efMax: number;
  /** Hard bound on measurements (default 24). */
  maxSteps?: number;
}

/** The next ef_search to measure, or undefined when the search is over. */
export function nextEfSearch(history: readonly EfProbe[], p: EfSearchParams): number | undefined {
  const efMin = Math.max(1, Math.min(p.efMin, p.efMax));
  if (history.length === 0) return efMin;
  if (history.length >= (p.maxSteps ?? 24)) return undefined;
  const meets = history.filter((h) => h.recall >= p.targetRecall);
  const measured = new Set(history.map((h) => h.ef));
  if (meets.length === 0) {
    const highest = Math.max(...history.map((h) => h.ef));
    if (highest >= p.efMax) return undefined;
    return Math.min(p.efMax, highest * 2);
  }
  const hi = Math.min(...meets.map((h) => h.ef));
  const below = history.filter((h) => h.ef < hi && h.recall < p.targetRecall).map((h) => h.ef);
  const lo = below.length > 0 ? Math.max(...below) : efMin - 1;
  if (hi - lo <= 1) return undefined;
  const mid = Math.floor((lo + hi) / 2);
  return measured.has(mid) ? undefined : mid;
}

/** The outcome of the search. */
export type EfChoice =
  | { status: 'ok'; ef: number; probe: EfProbe }
  /** No measured value reached the target recall; `best` is the highest recall seen. */
  | { status: 'recall-not-reached'; best: EfProbe }
  /** Some values reach the recall, none within the p95 limit; `probe` is the smallest reaching it. */
  | { status: 'latency-exceeded'; ef: number; probe: EfProbe };

/** The smallest measured ef_search meeting the recall target and, when given, the p95 limit. */
export function chooseEfSearch(history: readonly EfProbe[], targetRecall: number, maxP95Ms?: number): EfChoice {
  if (history.length === 0) throw new Error('chooseEfSearch: nothing was measured');
  const byEf = [...history].sort((a, b) => a.ef - b.ef);
  const meeting = byEf.filter((h) => h.recall >= targetRecall);
  if (meeting.length === 0) {
    const best = byEf.reduce((a, b) => (b.recall > a.recall || (b.recall === a.recall && b.ef < a.ef) ? b : a));
    return { status: 'recall-not-reached', best };
  }
  const fast = maxP95Ms === undefined ? meeting : meeting.filter((h) => h.p95Ms <= maxP95Ms);
  if (fast.length === 0) return { status: 'latency-exceeded', ef: meeting[0]!.ef, probe: meeting[0]! };
  return { status: 'ok', ef: fast[0]!.ef, probe: fast[0]! };
}

/**
 * Runs the whole search against `measure` (which measures one ef_search value) and
 * returns every probe in the order measured.
 */
export async function searchEfSearch(measure: (ef: number) => Promise<EfProbe>, p: EfSearchParams): Promise<EfProbe[]> {
  const history: EfProbe[] = [];
  for (let ef = nextEfSearch(history, p); ef !== undefined; ef = nextEfSearch(history, p)) {
    history.push(await measure(ef));
  }
  return history;
}
