/**
 * The measurements of `vector tune`, against the database:
 * - the exact top-k of every sample query, with index scans off (VT-3), as pgvector's
 *   README advises (`SET LOCAL enable_indexscan = off`);
 * - recall@k and latency of the HNSW search at one hnsw.ef_search (VT-4..VT-6).
 * Every measurement runs in its own READ ONLY transaction with SET LOCAL, so nothing
 * leaks into the session (or into a pooler's shared session) and a --where predicate
 * cannot write.
 */
import { toSql } from 'pgvector';
import { EnvironmentError, Interrupted, UsageError } from '../errors.js';
import { formatDuration } from '../output/format.js';
import { inTransaction, isStatementTimeout, whereFailure, type SqlClient } from './db.js';
import { setLocalSql } from './ddl.js';
import { latencySummary, meanRecall, queryOutcome, withoutSelf, type Neighbour } from './recall.js';
import type { SampleQuery } from './sample.js';
import { EF_SEARCH_MAX } from './search.js';

/** What every measurement of one run shares. */
export interface MeasureSetup {
  sql: SqlClient;
  /** The k-NN query (ddl.knnQuerySql) with LIMIT k + 1 when queries come from the table. */
  knnSql: string;
  k: number;
  queries: readonly SampleQuery[];
  where?: string;
  signal?: AbortSignal;
}

/** One ef_search value measured. */
export interface Measurement {
  ef: number;
  /**
   * The value actually SET. A query drawn from the table finds its own row first, which
   * uses one of the ef_search candidates, so dbops sets ef + 1 to measure what an
   * outside query sees at ef (capped at 1000).
   */
  efSearchSet: number;
  iterativeScan: string;
  recall: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  meanMs: number;
  /** Queries that returned fewer rows than exist to find (a filter starving plain HNSW). */
  shortQueries: number;
  /** Median number of rows a query returned (after leaving out its own row). */
  medianReturned: number;
  queries: number;
}

function toNeighbours(rows: Record<string, unknown>[]): Neighbour[] {
  return rows.map((r) => ({ rid: String(r.rid), dist: r.dist === null || r.dist === undefined ? NaN : Number(r.dist) }));
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Interrupted(typeof signal.reason === 'string' ? signal.reason : 'SIGINT');
}

/** Exact top-k of each query, index scans off. A statement timeout names the query. */
export async function exactNeighbours(
  setup: MeasureSetup,
  opts: { statementTimeoutMs?: number; onProgress?: (done: number) => void } = {},
): Promise<Neighbour[][]> {
  const { sql, queries, k } = setup;
  return inTransaction(sql, async () => {
    const settings: Record<string, string | number> = { enable_indexscan: 'off' };
    if (opts.statementTimeoutMs !== undefined) settings.statement_timeout = Math.round(opts.statementTimeoutMs);
    for (const s of setLocalSql(settings)) await sql.query(s);
    const timeout = String((await sql.query('SHOW statement_timeout')).rows[0]?.statement_timeout ?? '');
    const out: Neighbour[][] = [];
    for (const [i, q] of queries.entries()) {
      checkAbort(setup.signal);
      try {
        const { rows } = await sql.query(setup.knnSql, [toSql(q.vector)]);
        out.push(withoutSelf(toNeighbours(rows), q.rid, k));
      } catch (e) {
        if (isStatementTimeout(e)) {
          throw new EnvironmentError(
            `The exact search for query ${i + 1} of ${queries.length} hit the statement timeout (statement_timeout = ${timeout}).`,
            {
              hint: `Each exact query scans the whole table: raise the limit for this run with --statement-timeout (e.g. 10min) or narrow the rows with --where; fewer queries (--queries ${Math.max(1, Math.floor(queries.length / 4))}) also shorten the run.`,
              cause: e,
              details: { query: i + 1, queries: queries.length, statementTimeout: timeout },
            },
          );
        }
        whereFailure(e, setup.where, `the exact search (query ${i + 1})`);
      }
      opts.onProgress?.(i + 1);
    }
    return out;
  });
}

/** How an ANN measurement is run. */
export interface AnnOptions {
  ef: number;
  /** hnsw.iterative_scan to SET LOCAL; undefined on pgvector < 0.8 (the setting does not exist). */
  iterativeScan?: 'off' | 'relaxed_order' | 'strict_order';
  /** Queries come from the table: measure at ef + 1 (see Measurement.efSearchSet). */
  selfInResults: boolean;
}

function annSettings(o: AnnOptions): { efSet: number; settings: Record<string, string | number> } {
  const efSet = o.selfInResults ? Math.min(EF_SEARCH_MAX, o.ef + 1) : o.ef;
  // Force the index: on a small table or with a filter the planner may prefer a scan, which would measure exact search.
  const settings: Record<string, string | number> = { 'hnsw.ef_search': efSet, enable_seqscan: 'off' };
  if (o.iterativeScan) settings['hnsw.iterative_scan'] = o.iterativeScan;
  return { efSet, settings };
}

/** Runs every query once at ef_search, returns recall@k and latency against `exact`. */
export async function measureAnn(setup: MeasureSetup, exact: readonly Neighbour[][], o: AnnOptions): Promise<Measurement> {
  const { sql, queries, k } = setup;
  const { efSet, settings } = annSettings(o);
  return inTransaction(sql, async () => {
    for (const s of setLocalSql(settings)) await sql.query(s);
    const ms: number[] = [];
    const recalls: (number | null)[] = [];
    const returnedCounts: number[] = [];
    let short = 0;
    for (const [i, q] of queries.entries()) {
      checkAbort(setup.signal);
      const t0 = performance.now();
      const { rows } = await sql
        .query(setup.knnSql, [toSql(q.vector)])
        .catch((e: unknown) => whereFailure(e, setup.where, `the HNSW search at ef_search ${o.ef}`));
      ms.push(performance.now() - t0);
      const returned = withoutSelf(toNeighbours(rows), q.rid, k);
      const outcome = queryOutcome(returned, exact[i] ?? [], k);
      recalls.push(outcome.recall);
      returnedCounts.push(returned.length);
      if (outcome.short) short++;
    }
    const lat = latencySummary(ms);
    const sortedCounts = [...returnedCounts].sort((a, b) => a - b);
    return {
      ef: o.ef,
      efSearchSet: efSet,
      iterativeScan: o.iterativeScan ?? 'n/a',
      recall: meanRecall(recalls) ?? 0,
      p50Ms: lat.p50,
      p95Ms: lat.p95,
      p99Ms: lat.p99,
      meanMs: lat.mean,
      shortQueries: short,
      medianReturned: sortedCounts[Math.floor((sortedCounts.length - 1) / 2)] ?? 0,
      queries: queries.length,
    };
  });
}

/** Runs the first few queries once so the measured ones do not pay for a cold cache. */
export async function warmUp(setup: MeasureSetup, o: AnnOptions, count = 10): Promise<void> {
  const { settings } = annSettings(o);
  await inTransaction(setup.sql, async () => {
    for (const s of setLocalSql(settings)) await setup.sql.query(s);
    for (const q of setup.queries.slice(0, count)) {
      checkAbort(setup.signal);
      await setup.sql.query(setup.knnSql, [toSql(q.vector)]).catch((e: unknown) => whereFailure(e, setup.where, 'the warm-up search'));
    }
  });
}

/** Index names in an EXPLAIN (FORMAT JSON) plan. Pure. */
export function planIndexNames(plan: unknown): string[] {
  const names: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'Index Name' && typeof v === 'string') names.push(v);
        else walk(v);
      }
    }
  };
  walk(plan);
  return names;
}

/**
 * Checks that the k-NN query uses the HNSW index under the measurement settings;
 * otherwise ef_search would not matter and the "recall" would be an exact scan's.
 */
export async function checkPlanUsesIndex(setup: MeasureSetup, o: AnnOptions, indexName: string): Promise<void> {
  const first = setup.queries[0];
  if (!first) return;
  const { settings } = annSettings(o);
  const names = await inTransaction(setup.sql, async () => {
    for (const s of setLocalSql(settings)) await setup.sql.query(s);
    const { rows } = await setup.sql
      .query(`EXPLAIN (FORMAT JSON) ${setup.knnSql}`, [toSql(first.vector)])
      .catch((e: unknown) => whereFailure(e, setup.where, 'EXPLAIN of the k-NN query'));
    return planIndexNames(rows[0]?.['QUERY PLAN']);
  });
  if (!names.includes(indexName)) {
    throw new UsageError(
      `The planner does not use the HNSW index ${indexName} for this query${setup.where ? ' with this --where' : ''} (${names.length > 0 ? `it uses ${names.join(', ')}` : 'it scans the table'}), so ef_search has no effect on it.`,
      {
        hint: setup.where
          ? 'Tune without --where, or check the plan with EXPLAIN: a selective filter on an indexed column is answered exactly, without HNSW.'
          : "Check the plan with EXPLAIN; the query must ORDER BY the index's distance operator.",
      },
    );
  }
}

/** "40 queries in 1.2s". */
export function describeRun(queries: number, ms: number): string {
  return `${queries} queries in ${formatDuration(ms)}`;
}
