/**
 * RT-10: the application's important queries, timed on the restore beside the source.
 * Each query runs in a READ ONLY transaction with a statement timeout on both sides (a
 * query file can never change the source), once to warm up and then `runs` times; the
 * medians are compared against a threshold. A query whose table does not exist (another
 * schema, an older backup) is reported skipped, not failed.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { EnvironmentError } from '../errors.js';
import { sqlMessage, sqlState, unlessStatementError } from './sql-errors.js';
import type { CheckResult, ProgressFn, Queryable } from './types.js';

/** A named query to time. */
export interface PerfQuery {
  name: string;
  sql: string;
  /** Where it came from (a file path, or "config"). */
  origin: string;
}

/** When the restore counts as too slow: slower than `maxSlowdown` x the source AND by more than `slackMs`. */
export interface PerfThreshold {
  maxSlowdown: number;
  slackMs: number;
}

/** How queries are timed: runs after one warm-up, and the statement timeout on both sides. */
export interface PerfSettings extends PerfThreshold {
  runs: number;
  statementTimeoutMs: number;
}

/** One query's timings on both sides and its verdict. */
export interface QueryTiming {
  name: string;
  origin: string;
  status: 'passed' | 'failed' | 'skipped';
  note?: string;
  /** First (cold) run on the restore, ms. */
  restoreFirstMs?: number;
  restoreMedianMs?: number;
  sourceMedianMs?: number;
  rows?: number;
}

/**
 * SQLSTATEs meaning "this query does not fit this schema": skipped, not failed
 * (PostgreSQL's undefined table/column/schema/function/object; MySQL's 42S02 no such table, 42S22 unknown column).
 */
const MISSING_OBJECT = new Set(['42P01', '42703', '3F000', '42883', '42704', '42S02', '42S22']);

/** The statements around one timed query: a read-only transaction under a statement time limit, and what ends it. */
export interface TimingSql {
  begin: string[];
  end: string[];
}

/** PostgreSQL: BEGIN READ ONLY and a transaction-local statement_timeout; ROLLBACK ends both. */
export function pgTimingSql(timeoutMs: number): TimingSql {
  return { begin: ['BEGIN READ ONLY', `SET LOCAL statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`], end: ['ROLLBACK'] };
}

/** Pure: the median of some durations. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Pure: whether the restore's median is within the threshold of the source's. */
export function withinThreshold(restoreMs: number, sourceMs: number, t: PerfThreshold): boolean {
  return restoreMs <= sourceMs * t.maxSlowdown || restoreMs - sourceMs <= t.slackMs;
}

/** Reads *.sql files of a directory, in name order; each file is one query ("-- " comments allowed). */
export async function loadQueryFiles(dir: string): Promise<PerfQuery[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new EnvironmentError(`Cannot read the check queries in ${dir}: ${(e as Error).message}`, { cause: e });
  }
  const out: PerfQuery[] = [];
  for (const n of names) {
    const sql = stripTrailingSemicolon(await readFile(join(dir, n), 'utf8'));
    if (sql.replace(/--[^\n]*\n?/g, '').trim().length > 0) out.push({ name: basename(n, '.sql'), sql, origin: join(dir, n) });
  }
  return out;
}

function stripTrailingSemicolon(sql: string): string {
  return sql.trim().replace(/;\s*$/, '');
}

async function timeOnce(db: Queryable, sql: string): Promise<{ ms: number; rows: number }> {
  const t0 = performance.now();
  const r = await db.query(sql);
  return { ms: performance.now() - t0, rows: r.rows.length };
}

/** A session and the statements that bracket a timed query on it. */
export interface TimedSide {
  db: Queryable;
  sql: TimingSql;
}

/** Runs a query 1 + runs times inside a read-only transaction; the first run is returned apart. */
async function timeQuery(side: TimedSide, q: PerfQuery, s: PerfSettings): Promise<{ first: number; median: number; rows: number }> {
  const { db, sql } = side;
  try {
    for (const st of sql.begin) await db.query(st);
    const first = await timeOnce(db, q.sql);
    const times: number[] = [];
    for (let i = 0; i < s.runs; i++) times.push((await timeOnce(db, q.sql)).ms);
    return { first: first.ms, median: median(times), rows: first.rows };
  } finally {
    for (const st of sql.end) await db.query(st).catch(() => undefined);
  }
}

async function timeOne(restore: TimedSide, source: TimedSide, q: PerfQuery, s: PerfSettings): Promise<QueryTiming> {
  const base = { name: q.name, origin: q.origin };
  let src: { median: number };
  try {
    src = await timeQuery(source, q, s);
  } catch (e) {
    unlessStatementError(e, `timing ${q.name} on the source`);
    const code = sqlState(e) ?? '';
    return MISSING_OBJECT.has(code)
      ? { ...base, status: 'skipped', note: `not for this schema: ${sqlMessage(e)}` }
      : { ...base, status: 'skipped', note: `fails on the source: ${sqlMessage(e)}` };
  }
  try {
    const r = await timeQuery(restore, q, s);
    const ok = withinThreshold(r.median, src.median, s);
    return {
      ...base,
      status: ok ? 'passed' : 'failed',
      restoreFirstMs: round(r.first),
      restoreMedianMs: round(r.median),
      sourceMedianMs: round(src.median),
      rows: r.rows,
    };
  } catch (e) {
    unlessStatementError(e, `timing ${q.name} on the restore`);
    // An object the source has and the backup lacks is a schema difference: RT-6 judges
    // and explains it (e.g. a migration applied after the backup); timing cannot.
    if (MISSING_OBJECT.has(sqlState(e) ?? '')) {
      return {
        ...base,
        status: 'skipped',
        sourceMedianMs: round(src.median),
        note: `not in the backup (see the schema check): ${sqlMessage(e)}`,
      };
    }
    return {
      ...base,
      status: 'failed',
      sourceMedianMs: round(src.median),
      note: `fails on the restore but not on the source: ${sqlMessage(e)}`,
    };
  }
}

/** Times every query on both sides; a bare Queryable is a PostgreSQL session (pgTimingSql). */
export async function timeQueries(
  restoreSide: Queryable | TimedSide,
  sourceSide: Queryable | TimedSide,
  queries: readonly PerfQuery[],
  s: PerfSettings,
  progress?: ProgressFn,
  signal?: AbortSignal,
): Promise<QueryTiming[]> {
  const side = (x: Queryable | TimedSide): TimedSide => ('sql' in x && 'db' in x ? x : { db: x, sql: pgTimingSql(s.statementTimeoutMs) });
  const restore = side(restoreSide);
  const source = side(sourceSide);
  const out: QueryTiming[] = [];
  for (const [i, q] of queries.entries()) {
    if (signal?.aborted) break;
    progress?.(`${i}/${queries.length} queries`);
    out.push(await timeOne(restore, source, q, s));
  }
  return out;
}

/** Pure: the verdict over the timed queries. */
export function judgePerformance(
  timings: readonly QueryTiming[],
  s: PerfSettings,
  sources: readonly string[],
): CheckResult<{ queries: QueryTiming[]; threshold: PerfThreshold; runs: number }> {
  const data = { queries: [...timings], threshold: { maxSlowdown: s.maxSlowdown, slackMs: s.slackMs }, runs: s.runs };
  const base = { id: 'performance' as const, title: 'Query performance against the source', data };
  const rule = `median of ${s.runs} runs after one warm-up; too slow = over ${s.maxSlowdown}x the source and more than ${s.slackMs} ms slower`;
  if (timings.length === 0) {
    return {
      ...base,
      status: 'skipped',
      summary: 'No performance queries configured.',
      evidence: [`no queries in ${sources.join(', ') || 'the configuration'}`],
      hint: "Put the application's important queries in sql/checks/*.sql (one per file) or in restoreTest.performance.queries.",
    };
  }
  const evidence = [
    rule,
    ...timings.map((t) =>
      t.status === 'skipped' || t.restoreMedianMs === undefined
        ? `${t.name}: ${t.status}${t.note ? ` (${t.note})` : ''}`
        : `${t.name}: restore ${t.restoreMedianMs} ms (first run ${t.restoreFirstMs} ms), source ${t.sourceMedianMs} ms, ${t.rows} rows — ${t.status === 'passed' ? 'ok' : 'too slow'}`,
    ),
  ];
  const failed = timings.filter((t) => t.status === 'failed');
  const ran = timings.filter((t) => t.status !== 'skipped');
  if (failed.length > 0) {
    return {
      ...base,
      evidence,
      status: 'failed',
      summary: `${failed.length} of ${ran.length} queries too slow or failing on the restore: ${failed.map((t) => t.name).join(', ')}.`,
      hint: 'Compare the plans (EXPLAIN ANALYZE) on both sides: a missing index, stale statistics (ANALYZE after a restore) or a smaller instance class; on RDS the first reads of a restored volume are slow until it is warmed up.',
    };
  }
  if (ran.length === 0) {
    return { ...base, evidence, status: 'skipped', summary: `None of the ${timings.length} queries fits this schema.` };
  }
  return {
    ...base,
    evidence,
    status: 'passed',
    summary: `${ran.length} quer${ran.length === 1 ? 'y' : 'ies'} within the threshold on the restore${ran.length < timings.length ? `, ${timings.length - ran.length} skipped` : ''}.`,
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
