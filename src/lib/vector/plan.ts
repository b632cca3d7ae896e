/**
 * The decisions of `vector tune` as pure functions: its parameters from the flags, the
 * index it tunes, and the recommendation from what was measured.
 */
import { NotFoundError, UsageError } from '../errors.js';
import { plotFormat } from './chart.js';
import { parseCandidates, quoteIdent, recommendationSql, type RecommendationSql } from './ddl.js';
import type { EfChoice } from './search.js';
import { formatMs } from './chart.js';
import type { Distance, VectorIndex } from './types.js';
import { parseMemory, type MemorySize } from './units.js';

/** `vector tune` flags, as given. */
export interface TuneFlags {
  k?: number;
  targetRecall?: number;
  queries?: number;
  queriesFile?: string;
  /** --max-p95, parsed at the edge. */
  maxP95Ms?: number;
  rebuild?: boolean;
  candidates?: string;
  plot?: string;
  seed?: number;
  /** --statement-timeout, parsed at the edge. */
  statementTimeoutMs?: number;
  maintenanceWorkMem?: string;
  parallelWorkers?: number;
}

/** Validated parameters. */
export interface TuneParams {
  k: number;
  targetRecall: number;
  /** undefined with --queries-file and no --queries: every vector in the file. */
  queries?: number;
  maxP95Ms?: number;
  statementTimeoutMs?: number;
  candidates: { m: number; efConstruction: number }[];
  plotFormat?: 'svg' | 'html';
  seed: number;
  memory: MemorySize;
  parallelWorkers: number;
}

export const TUNE_DEFAULTS = {
  k: 10,
  targetRecall: 0.9,
  queries: 100,
  seed: 42,
  candidates: '16:64,16:128,32:128',
  maintenanceWorkMem: '256MB',
  parallelWorkers: 2,
} as const;

function wholeNumber(value: number, flag: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got ${value}.`);
  }
  return value;
}

/** Checks the flags before anything connects. Pure. */
export function tuneParams(f: TuneFlags): TuneParams {
  const k = wholeNumber(f.k ?? TUNE_DEFAULTS.k, '--k', 1, 1000);
  const targetRecall = f.targetRecall ?? TUNE_DEFAULTS.targetRecall;
  if (!(targetRecall > 0 && targetRecall <= 1)) {
    throw new UsageError(`--target-recall must be more than 0 and at most 1, got ${targetRecall}.`, {
      hint: 'Recall is a fraction: 0.9 means 9 of every 10 true neighbours found.',
    });
  }
  const queries =
    f.queries === undefined ? (f.queriesFile ? undefined : TUNE_DEFAULTS.queries) : wholeNumber(f.queries, '--queries', 1, 100_000);
  return {
    k,
    targetRecall,
    queries,
    maxP95Ms: f.maxP95Ms,
    statementTimeoutMs: f.statementTimeoutMs,
    candidates: f.rebuild ? parseCandidates(f.candidates ?? TUNE_DEFAULTS.candidates) : [],
    plotFormat: f.plot === undefined ? undefined : plotFormat(f.plot),
    seed: f.seed ?? TUNE_DEFAULTS.seed,
    memory: parseMemory(f.maintenanceWorkMem ?? TUNE_DEFAULTS.maintenanceWorkMem, '--maintenance-work-mem'),
    parallelWorkers: wholeNumber(f.parallelWorkers ?? TUNE_DEFAULTS.parallelWorkers, '--parallel-workers', 0, 64),
  };
}

/** --table is required (commander's option list has no "required"). */
export function requireTable(table: string | undefined): asserts table is string {
  if (!table)
    throw new UsageError('--table is required: the table that holds the vectors.', {
      hint: '`dbops vector status` lists the vector columns.',
    });
}

const OPERATOR_OF: Record<string, string> = { cosine: '<=>', l2: '<->', ip: '<#>', l1: '<+>', hamming: '<~>', jaccard: '<%>' };

/** The index to tune: the column's valid HNSW index for the asked distance. Pure; throws the "bad input" errors. */
export function pickTuneIndex(
  indexes: readonly VectorIndex[],
  where: { schema: string; table: string; column: string },
  distance: Distance | undefined,
  rebuild: boolean,
): { index?: VectorIndex; distance: Distance } {
  const name = `${where.schema}.${where.table}.${where.column}`;
  const onColumn = indexes.filter((i) => i.schema === where.schema && i.table === where.table && i.column === where.column);
  const hnsw = onColumn.filter((i) => i.method === 'hnsw' && i.valid);
  const buildHint = (d: Distance) => `dbops vector build --table ${where.schema}.${where.table} --column ${where.column} --distance ${d}`;
  if (distance) {
    const match = hnsw.find((i) => i.distance === distance);
    if (match) return { index: match, distance };
    const other = hnsw[0];
    if (other && !rebuild) {
      throw new UsageError(
        `The HNSW index ${other.schema}.${other.name} on ${name} uses ${other.distance} distance (${other.opclass}), not ${distance}.`,
        {
          hint: `Queries ordering by ${OPERATOR_OF[distance]} cannot use it. Tune it with --distance ${other.distance}, or build a ${distance} index: ${buildHint(distance)}.`,
        },
      );
    }
  } else {
    const distances = [...new Set(hnsw.map((i) => i.distance))];
    if (distances.length > 1) {
      throw new UsageError(`${name} has HNSW indexes for ${distances.join(' and ')} distance.`, {
        hint: 'Say which one the queries use with --distance.',
      });
    }
    const only = hnsw[0];
    if (only) {
      if (only.distance !== 'cosine' && only.distance !== 'l2' && only.distance !== 'ip') {
        throw new UsageError(
          `The HNSW index ${only.schema}.${only.name} uses ${only.distance} distance (${only.opclass}); dbops vector tune measures cosine, l2 and ip.`,
        );
      }
      return { index: only, distance: only.distance };
    }
  }
  if (rebuild) return { distance: distance ?? 'cosine' };
  const invalid = onColumn.find((i) => i.method === 'hnsw' && !i.valid);
  if (invalid) {
    throw new UsageError(
      `The HNSW index ${invalid.schema}.${invalid.name} on ${name} is INVALID (an interrupted CREATE INDEX CONCURRENTLY?), so queries do not use it.`,
      {
        hint: `Rebuild it: ${buildHint(invalid.distance === 'unknown' || invalid.distance === 'l1' || invalid.distance === 'hamming' || invalid.distance === 'jaccard' ? 'cosine' : invalid.distance)} --concurrently (it offers to drop the invalid one).`,
      },
    );
  }
  const ivf = onColumn.find((i) => i.method === 'ivfflat');
  if (ivf) {
    throw new UsageError(`${name} has an IVFFlat index (${ivf.schema}.${ivf.name}); dbops vector tune tunes HNSW's ef_search.`, {
      hint: `Build an HNSW index (${buildHint(distance ?? (ivf.distance === 'l2' || ivf.distance === 'ip' ? ivf.distance : 'cosine'))}), or tune ivfflat.probes by hand (runbooks/vector-tuning.md, VT-5).`,
    });
  }
  throw new NotFoundError(`${name} has no HNSW index to tune.`, {
    hint: `Build one (${buildHint(distance ?? 'cosine')}), or measure candidate settings on a scratch copy with --rebuild.`,
  });
}

/** One index whose ef_search was searched, reduced to what the recommendation needs. */
export interface SweepSummary {
  label: string;
  m: number;
  efConstruction: number;
  choice: EfChoice;
}

/** What tune recommends. */
export interface TuneRecommendation {
  /** set-ef-search: change a setting; rebuild: build with other m / ef_construction first; none: nothing meets the targets. */
  action: 'set-ef-search' | 'rebuild' | 'none';
  message: string;
  efSearch?: number;
  iterativeScan?: 'relaxed_order';
  sql?: RecommendationSql;
  build?: { m: number; efConstruction: number; command: string };
  /** An optional improvement beside a working recommendation. */
  note?: string;
}

function reached(choice: EfChoice, target: number): string {
  if (choice.status === 'recall-not-reached') return '';
  return `ef_search ${choice.ef} reaches recall ${choice.probe.recall.toFixed(3)} (target ${target}) with p95 ${formatMs(choice.probe.p95Ms)}`;
}

function failure(s: SweepSummary, target: number, maxP95Ms?: number): string {
  const c = s.choice;
  if (c.status === 'recall-not-reached') {
    return `No ef_search up to ${c.best.ef} reaches recall ${target} on ${s.label} (best ${c.best.recall.toFixed(3)} at ef_search ${c.best.ef}).`;
  }
  if (c.status === 'latency-exceeded') {
    return `On ${s.label}, ef_search ${c.ef} reaches recall ${c.probe.recall.toFixed(3)} but its p95 (${formatMs(c.probe.p95Ms)}) is over --max-p95 ${formatMs(maxP95Ms ?? 0)}; no measured ef_search meets both.`;
  }
  return '';
}

/** The recommendation from the live index's search and the candidates'. Pure. */
export function recommendTuning(a: {
  database: string;
  table: string;
  column: string;
  distance: Distance;
  targetRecall: number;
  maxP95Ms?: number;
  iterativeScan?: 'relaxed_order';
  live?: SweepSummary;
  candidates: readonly SweepSummary[];
}): TuneRecommendation & { ok: boolean } {
  const okCandidates = a.candidates.filter((c) => c.choice.status === 'ok');
  const best = okCandidates.reduce<SweepSummary | undefined>((b, c) => {
    if (!b) return c;
    const pc = (c.choice as { probe: { p95Ms: number } }).probe.p95Ms;
    const pb = (b.choice as { probe: { p95Ms: number } }).probe.p95Ms;
    return pc < pb ? c : b;
  }, undefined);
  const buildFor = (s: SweepSummary) => ({
    m: s.m,
    efConstruction: s.efConstruction,
    command: `dbops vector build --table ${a.table} --column ${quoteIdent(a.column)} --distance ${a.distance} --m ${s.m} --ef-construction ${s.efConstruction} --concurrently`,
  });
  const live = a.live;
  if (live && live.choice.status === 'ok') {
    const ef = live.choice.ef;
    const rec: TuneRecommendation & { ok: boolean } = {
      ok: true,
      action: 'set-ef-search',
      efSearch: ef,
      iterativeScan: a.iterativeScan,
      sql: recommendationSql(a.database, ef, a.iterativeScan),
      message: `On ${live.label}, ${reached(live.choice, a.targetRecall)}.`,
    };
    if (best && best.choice.status === 'ok' && best.choice.probe.p95Ms < 0.8 * live.choice.probe.p95Ms) {
      rec.note = `A rebuild with m ${best.m}, ef_construction ${best.efConstruction} would reach the target faster: ${reached(best.choice, a.targetRecall)} (${buildFor(best).command}).`;
    }
    return rec;
  }
  if (best && best.choice.status === 'ok') {
    const why = live ? failure(live, a.targetRecall, a.maxP95Ms) + ' ' : 'There is no HNSW index yet. ';
    return {
      ok: true,
      action: 'rebuild',
      efSearch: best.choice.ef,
      iterativeScan: a.iterativeScan,
      sql: recommendationSql(a.database, best.choice.ef, a.iterativeScan),
      build: buildFor(best),
      message: `${why}Rebuilt with m ${best.m}, ef_construction ${best.efConstruction}, ${reached(best.choice, a.targetRecall)}.`,
    };
  }
  const reasons = [
    live ? failure(live, a.targetRecall, a.maxP95Ms) : '',
    ...a.candidates.map((c) => failure(c, a.targetRecall, a.maxP95Ms)),
  ].filter(Boolean);
  const next =
    a.candidates.length === 0
      ? ' Measure larger m / ef_construction with --rebuild, or lower --target-recall.'
      : ' Try larger --candidates, or lower --target-recall.';
  return { ok: false, action: 'none', message: (reasons.join(' ') || 'Nothing was measured.') + next };
}
