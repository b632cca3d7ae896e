/**
 * RT-7: row counts of every table, restore against source. The source keeps taking
 * writes after the backup, so a difference within a tolerance is expected; outside it,
 * the result says which way and what could explain it. Exact count(*): in parallel on
 * the restore, one table at a time on the source inside one read-only repeatable-read
 * transaction (a consistent picture, gentle on production).
 */
import { formatDuration } from '../output/format.js';
import { forEachOnConnections } from './parallel.js';
import { sqlMessage, unlessStatementError } from './sql-errors.js';
import type { CheckResult, ProgressFn, Queryable } from './types.js';

/** How far counts may differ: the larger of a share of the source's rows and a number of rows. */
export interface CountTolerance {
  percent: number;
  rows: number;
}

/** One table's row count on each side (absent on a side: the table is not there). */
export interface TableCount {
  table: string;
  source?: number;
  restore?: number;
  /** Why a count could not be taken (a lock timeout on the source, say). */
  error?: string;
  /** The restore could not be read ("invalid page in block 5"): damaged data, a failed count. */
  restoreError?: string;
}

/** One table's verdict, with the allowed difference and the why. */
export interface CountJudgement extends TableCount {
  status: 'passed' | 'failed' | 'skipped';
  /** restore - source */
  difference?: number;
  allowed?: number;
  explanation?: string;
}

export const TABLES_SQL = `
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name, c.relpages::int8 AS pages
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND c.relpersistence <> 't'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg\\_temp\\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY c.relpages DESC, 1`;

/** Pure: rows the tolerance allows for a table of `sourceRows`. */
export function allowedDifference(sourceRows: number, t: CountTolerance): number {
  return Math.max(t.rows, Math.ceil((sourceRows * t.percent) / 100));
}

function pct(n: number, of: number): string {
  if (of === 0) return 'all';
  const p = (Math.abs(n) / of) * 100;
  return `${p < 10 ? p.toFixed(1) : Math.round(p)}%`;
}

/** Pure: one table's verdict, with an explanation when outside the tolerance. */
export function judgeCount(c: TableCount, t: CountTolerance, backupAgeMs?: number): CountJudgement {
  if (c.restoreError !== undefined) return { ...c, status: 'failed', explanation: `the restore could not be read: ${c.restoreError}` };
  if (c.error !== undefined) return { ...c, status: 'skipped', explanation: `not counted: ${c.error}` };
  if (c.source === undefined || c.restore === undefined) {
    return {
      ...c,
      status: 'skipped',
      explanation: c.source === undefined ? 'not on the source (see the schema check)' : 'not in the restore (see the schema check)',
    };
  }
  const difference = c.restore - c.source;
  const allowed = allowedDifference(c.source, t);
  const age = backupAgeMs === undefined ? '' : ` (taken ${formatDuration(backupAgeMs)} ago)`;
  if (Math.abs(difference) <= allowed) {
    const explanation =
      difference === 0
        ? undefined
        : `${Math.abs(difference)} row${Math.abs(difference) === 1 ? '' : 's'} ${difference < 0 ? 'written to' : 'deleted from'} the source since the backup${age}: within the tolerance of ${allowed}`;
    return { ...c, status: 'passed', difference, allowed, explanation };
  }
  const explanation =
    difference < 0
      ? `the restore has ${-difference} fewer rows (${pct(difference, c.source)} of the source), more than the ${allowed} that writes since the backup${age} may explain: rows missing from the backup, or a bulk load on the source after it`
      : `the restore has ${difference} more rows (${pct(difference, c.source)} of the source), more than the ${allowed} allowed: rows deleted on the source after the backup${age} (a purge, a GDPR erasure), or the restore holds data the source lost`;
  return { ...c, status: 'failed', difference, allowed, explanation };
}

/** Pure: the verdict over every table. */
export function judgeCounts(
  counts: readonly TableCount[],
  t: CountTolerance,
  backupAgeMs?: number,
): CheckResult<{ tables: CountJudgement[]; tolerance: CountTolerance }> {
  const tables = counts.map((c) => judgeCount(c, t, backupAgeMs));
  const failed = tables.filter((x) => x.status === 'failed');
  const compared = tables.filter((x) => x.status !== 'skipped');
  const rows = (x: CountJudgement) => `${x.table}: source ${x.source ?? '-'}, restore ${x.restore ?? '-'}`;
  const evidence = [
    `${compared.length} tables compared (exact count(*)); tolerance ${t.percent}% of the source's rows or ${t.rows} rows, whichever is larger`,
    ...failed.map((x) => `${rows(x)} — ${x.explanation}`),
    ...tables.filter((x) => x.status === 'passed' && x.difference !== 0).map((x) => `${rows(x)} — ${x.explanation}`),
    ...tables.filter((x) => x.status === 'skipped').map((x) => `${x.table}: ${x.explanation}`),
  ];
  const total = compared.reduce((s, x) => s + (x.restore ?? 0), 0);
  const data = { tables, tolerance: t };
  const base = { id: 'row-counts' as const, title: 'Row counts match the source', evidence, data };
  if (failed.length === 0)
    return { ...base, status: 'passed', summary: `${compared.length} tables, ${total} rows: every count within the tolerance.` };
  const unreadable = failed.filter((x) => x.restoreError !== undefined);
  if (unreadable.length > 0) {
    return {
      ...base,
      status: 'failed',
      summary: `${unreadable.length} table${unreadable.length === 1 ? '' : 's'} could not be read in the restore (damaged data): ${unreadable.map((x) => `${x.table} (${x.restoreError})`).join(', ')}.`,
      hint: 'The backup holds damaged pages: see the integrity check (RT-5); run the same check on the source to learn whether production is damaged too.',
    };
  }
  return {
    ...base,
    status: 'failed',
    summary: `${failed.length} table${failed.length === 1 ? '' : 's'} outside the count tolerance: ${failed.map((x) => x.table).join(', ')}.`,
    hint: 'Compare the table on both sides (what is missing, since when); if the source had a bulk change after the backup, rerun with a newer snapshot.',
  };
}

async function countRows(db: Queryable, table: string): Promise<number> {
  const r = await db.query<{ n: string }>(`SELECT count(*)::int8 AS n FROM ${table}`);
  return Number(r.rows[0]!.n);
}

async function listTables(db: Queryable): Promise<string[]> {
  return (await db.query<{ name: string }>(TABLES_SQL)).rows.map((r) => r.name);
}

/** Progress and abort for the counting. */
export interface CountOptions {
  progress?: ProgressFn;
  signal?: AbortSignal;
}

/** Counts rows of every table on both sides. */
export async function countTables(restore: readonly Queryable[], source: Queryable, opts: CountOptions = {}): Promise<TableCount[]> {
  const restoreTables = await listTables(restore[0]!);
  const sourceTables = await listTables(source);
  const restoreCounts = new Map<string, number>();
  const restoreErrors = new Map<string, string>();
  let done = 0;
  const all = [...new Set([...restoreTables, ...sourceTables])].sort();
  const total = restoreTables.length + sourceTables.length;
  opts.progress?.(`0/${total} counts`);
  await forEachOnConnections(
    restoreTables,
    restore,
    async (db, table) => {
      try {
        restoreCounts.set(table, await countRows(db, table));
      } catch (e) {
        // Damaged pages in the restore are a finding, not the end of the run.
        unlessStatementError(e, `counting ${table} in the restore`);
        restoreErrors.set(table, sqlMessage(e));
      }
      opts.progress?.(`${++done}/${total} counts`);
    },
    opts.signal,
  );
  const sourceCounts = new Map<string, number>();
  const errors = new Map<string, string>();
  const begin = () => source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  await begin();
  try {
    for (const table of sourceTables) {
      if (opts.signal?.aborted) break;
      try {
        sourceCounts.set(table, await countRows(source, table));
      } catch (e) {
        unlessStatementError(e, `counting ${table} on the source`);
        errors.set(table, `on the source: ${sqlMessage(e)}`);
        await source.query('ROLLBACK');
        await begin();
      }
      opts.progress?.(`${++done}/${total} counts`);
    }
  } finally {
    await source.query('COMMIT').catch(() => undefined);
  }
  return all.map((table) => ({
    table,
    source: sourceCounts.get(table),
    restore: restoreCounts.get(table),
    ...(errors.has(table) ? { error: errors.get(table)! } : {}),
    ...(restoreErrors.has(table) ? { restoreError: restoreErrors.get(table)! } : {}),
  }));
}
