/**
 * Index build progress from pg_stat_progress_create_index: a sample per poll, the ETA
 * from the rate of tuples done, and the one-line text shown beside the runbook step.
 * Pure functions.
 */
import { formatDuration } from '../output/format.js';

/** One row of pg_stat_progress_create_index, taken `atMs` after the build started. */
export interface ProgressSample {
  atMs: number;
  phase: string | null;
  tuplesDone: number | null;
  tuplesTotal: number | null;
  blocksDone: number | null;
  blocksTotal: number | null;
}

/**
 * Milliseconds left, from the rate between the first and the last sample of the current
 * phase that counted tuples; undefined until two such samples exist or with no total.
 */
export function estimateEtaMs(samples: readonly ProgressSample[]): number | undefined {
  const last = samples[samples.length - 1];
  if (!last?.tuplesTotal || last.tuplesDone === null) return undefined;
  const samePhase = samples.filter((s) => s.phase === last.phase && s.tuplesDone !== null && s.tuplesDone > 0);
  const first = samePhase[0];
  if (!first || first === last || last.atMs <= first.atMs) return undefined;
  const rate = (last.tuplesDone - first.tuplesDone!) / (last.atMs - first.atMs);
  if (rate <= 0) return undefined;
  return Math.max(0, (last.tuplesTotal - last.tuplesDone) / rate);
}

function thousands(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** "building index: loading tuples 12,000/100,000 tuples (12%), ETA 3m10s". */
export function formatProgress(sample: ProgressSample | undefined, etaMs: number | undefined): string {
  if (!sample) return '';
  const parts: string[] = [sample.phase ?? 'starting'];
  if (sample.tuplesDone !== null && sample.tuplesTotal) {
    const pct = Math.min(100, Math.floor((100 * sample.tuplesDone) / sample.tuplesTotal));
    parts.push(`${thousands(sample.tuplesDone)}/${thousands(sample.tuplesTotal)} tuples (${pct}%)`);
  } else if (sample.tuplesDone) {
    parts.push(`${thousands(sample.tuplesDone)} tuples`);
  } else if (sample.blocksDone !== null && sample.blocksTotal) {
    parts.push(`${thousands(sample.blocksDone)}/${thousands(sample.blocksTotal)} blocks`);
  }
  let text = parts.join(' ');
  if (etaMs !== undefined) text += `, ETA ${formatDuration(etaMs)}`;
  return text;
}

/** How the build's progress was (or was not) observed, for the report. */
export interface ProgressOutcome {
  source: 'pg_stat_progress_create_index' | 'elapsed-only';
  /** Why only the elapsed time was shown. */
  reason?: string;
  samples: number;
  lastPhase?: string;
  lastTuplesDone?: number;
  lastTuplesTotal?: number;
}
