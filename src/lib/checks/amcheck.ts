/**
 * RT-5: physical integrity with amcheck, on the restore only. Every heap relation
 * (tables, materialized views, TOAST tables) gets verify_heapam, every valid B-tree
 * index bt_index_check with heapallindexed (each heap tuple must be in the index), as
 * `pg_amcheck --heapallindexed` does. Every relation is one piece of work, the heaviest
 * first (an index check with heapallindexed also reads its table), spread over the
 * connections: the tables and their indexes are checked in parallel, and one big table
 * does not leave the other connections idle.
 *
 * `CREATE EXTENSION IF NOT EXISTS amcheck` runs on the restore; never on the source.
 */
import { formatBytes } from '../output/format.js';
import { forEachOnConnections } from './parallel.js';
import { sqlMessage, unlessStatementError } from './sql-errors.js';
import type { CheckResult, ProgressFn, Queryable } from './types.js';

const PAGE_BYTES = 8192;

/** One relation amcheck looks at. */
export interface AmcheckRelation {
  oid: number;
  kind: 'heap' | 'btree';
  name: string;
  pages: number;
  /** For an index: the pages of the table it indexes (heapallindexed reads them too). */
  heapPages: number;
}

/** One problem amcheck reported, on one relation. */
export interface AmcheckFinding {
  relation: string;
  kind: 'heap' | 'btree';
  message: string;
}

/** What RT-5 ran and found: the evidence behind the amcheck verdict. */
export interface AmcheckData {
  extensionVersion: string;
  /** Whether this run created the extension (the schema comparison ignores it then). */
  createdExtension: boolean;
  heapRelations: number;
  btreeIndexes: number;
  bytes: number;
  connections: number;
  heapallindexed: boolean;
  findings: AmcheckFinding[];
}

const RELATIONS_SQL = `
SELECT c.oid::int8 AS oid, 'heap' AS kind, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name,
       c.relpages::int8 AS pages, 0::int8 AS heap_pages
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = c.relam AND am.amname = 'heap'
WHERE c.relkind IN ('r', 'm', 't') AND c.relpersistence <> 't' AND (c.relkind <> 'm' OR c.relispopulated)
UNION ALL
SELECT c.oid::int8, 'btree', quote_ident(n.nspname) || '.' || quote_ident(c.relname),
       c.relpages::int8, t.relpages::int8
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = c.relam AND am.amname = 'btree'
JOIN pg_class t ON t.oid = i.indrelid
WHERE i.indisvalid AND i.indisready AND c.relpersistence <> 't' AND (t.relkind <> 'm' OR t.relispopulated)`;

/** Pure: the pages a check reads (an index with heapallindexed reads its table too). */
export function weightOf(r: AmcheckRelation, heapallindexed: boolean): number {
  return r.kind === 'btree' && heapallindexed ? r.pages + r.heapPages : r.pages;
}

/** Pure: the order of work, heaviest first (longest-processing-time first balances the connections). */
export function planWork(relations: readonly AmcheckRelation[], heapallindexed: boolean): AmcheckRelation[] {
  return [...relations].sort((a, b) => weightOf(b, heapallindexed) - weightOf(a, heapallindexed) || a.oid - b.oid);
}

async function ensureAmcheck(db: Queryable): Promise<{ version: string; created: boolean }> {
  const before = await db.query<{ extversion: string }>(`SELECT extversion FROM pg_extension WHERE extname = 'amcheck'`);
  if (before.rows[0]) return { version: before.rows[0].extversion, created: false };
  await db.query('CREATE EXTENSION IF NOT EXISTS amcheck');
  const after = await db.query<{ extversion: string }>(`SELECT extversion FROM pg_extension WHERE extname = 'amcheck'`);
  return { version: after.rows[0]?.extversion ?? '?', created: true };
}

async function checkHeap(db: Queryable, r: AmcheckRelation, findings: AmcheckFinding[]): Promise<void> {
  const rows = await db.query<{ blkno: string | null; offnum: number | null; attnum: number | null; msg: string }>(
    `SELECT blkno::text AS blkno, offnum, attnum, msg
       FROM verify_heapam($1::oid::regclass, on_error_stop := false, check_toast := true, skip := 'none')`,
    [r.oid],
  );
  for (const row of rows.rows) {
    const where = [
      row.blkno !== null ? `block ${row.blkno}` : '',
      row.offnum !== null ? `offset ${row.offnum}` : '',
      row.attnum !== null ? `attribute ${row.attnum}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    findings.push({ relation: r.name, kind: 'heap', message: where ? `${where}: ${row.msg}` : row.msg });
  }
}

/** bt_index_check raises an error on the first problem it meets. */
async function checkIndex(db: Queryable, r: AmcheckRelation, heapallindexed: boolean): Promise<void> {
  await db.query('SELECT bt_index_check($1::oid::regclass, $2)', [r.oid, heapallindexed]);
}

/** Runs one relation; an SQL error on it (corruption, a relation dropped meanwhile) is a finding. */
async function checkRelation(db: Queryable, r: AmcheckRelation, heapallindexed: boolean, findings: AmcheckFinding[]): Promise<void> {
  try {
    if (r.kind === 'heap') await checkHeap(db, r, findings);
    else await checkIndex(db, r, heapallindexed);
  } catch (e) {
    unlessStatementError(e, `checking ${r.name} with amcheck`);
    findings.push({ relation: r.name, kind: r.kind, message: sqlMessage(e) });
  }
}

/** How amcheck runs: heapallindexed (as pg_amcheck --heapallindexed), progress, abort. */
export interface AmcheckOptions {
  heapallindexed: boolean;
  progress?: ProgressFn;
  signal?: AbortSignal;
}

/** Runs amcheck over the whole restored database. `connections[0]` creates the extension. */
export async function runAmcheck(connections: readonly Queryable[], opts: AmcheckOptions): Promise<CheckResult<AmcheckData>> {
  const first = connections[0]!;
  let ext: { version: string; created: boolean };
  try {
    ext = await ensureAmcheck(first);
  } catch (e) {
    unlessStatementError(e, 'creating the amcheck extension');
    return amcheckUnavailable(sqlMessage(e));
  }
  const relations = (
    await first.query<{ oid: string; kind: 'heap' | 'btree'; name: string; pages: string; heap_pages: string }>(RELATIONS_SQL)
  ).rows.map(
    (r): AmcheckRelation => ({ oid: Number(r.oid), kind: r.kind, name: r.name, pages: Number(r.pages), heapPages: Number(r.heap_pages) }),
  );
  const work = planWork(relations, opts.heapallindexed);
  const totalPages = work.reduce((s, r) => s + r.pages, 0);
  const findings: AmcheckFinding[] = [];
  let doneRelations = 0;
  let donePages = 0;
  const report = () =>
    opts.progress?.(
      `${doneRelations}/${relations.length} relations, ${formatBytes(donePages * PAGE_BYTES)} of ${formatBytes(totalPages * PAGE_BYTES)}`,
    );
  report();
  await forEachOnConnections(
    work,
    connections,
    async (db, r) => {
      await checkRelation(db, r, opts.heapallindexed, findings);
      doneRelations++;
      donePages += r.pages;
      report();
    },
    opts.signal,
  );
  const data: AmcheckData = {
    extensionVersion: ext.version,
    createdExtension: ext.created,
    heapRelations: relations.filter((r) => r.kind === 'heap').length,
    btreeIndexes: relations.filter((r) => r.kind === 'btree').length,
    bytes: totalPages * PAGE_BYTES,
    connections: Math.min(connections.length, Math.max(1, work.length)),
    heapallindexed: opts.heapallindexed,
    findings,
  };
  return judgeAmcheck(data);
}

/** Pure: the verdict from what amcheck found. */
export function judgeAmcheck(data: AmcheckData): CheckResult<AmcheckData> {
  const evidence = [
    `amcheck ${data.extensionVersion}${data.createdExtension ? ' (created on the restore by this test)' : ''}`,
    `verify_heapam over ${data.heapRelations} heap relations (tables, TOAST included), bt_index_check${data.heapallindexed ? ' with heapallindexed' : ''} over ${data.btreeIndexes} B-tree indexes; ${formatBytes(data.bytes)} on ${data.connections} connection${data.connections === 1 ? '' : 's'}`,
    ...data.findings.slice(0, 50).map((f) => `${f.kind === 'heap' ? 'table' : 'index'} ${f.relation}: ${f.message}`),
  ];
  if (data.findings.length > 50) evidence.push(`… and ${data.findings.length - 50} more findings`);
  const base = { id: 'amcheck' as const, title: 'Physical integrity (amcheck)', evidence, data };
  if (data.findings.length === 0) {
    return {
      ...base,
      status: 'passed',
      summary: `No corruption in ${data.heapRelations} heap relations and ${data.btreeIndexes} B-tree indexes.`,
    };
  }
  const relations = new Set(data.findings.map((f) => f.relation));
  return {
    ...base,
    status: 'failed',
    summary: `amcheck found ${data.findings.length} problem${data.findings.length === 1 ? '' : 's'} in ${relations.size} relation${relations.size === 1 ? '' : 's'}.`,
    hint: 'Run the same check on the source (pg_amcheck --heapallindexed, read-only) to learn whether the corruption is in production or only in the backup; an index can be rebuilt (REINDEX CONCURRENTLY), a table needs a good backup.',
  };
}

function amcheckUnavailable(why: string): CheckResult<AmcheckData> {
  return {
    id: 'amcheck',
    title: 'Physical integrity (amcheck)',
    status: 'failed',
    summary: 'amcheck could not be created on the restore: physical integrity is unverified.',
    evidence: [`CREATE EXTENSION amcheck: ${why}`],
    hint: 'Install the contrib modules on the server (amcheck ships with PostgreSQL; on RDS it is supported), or grant the master user the right to create it.',
  };
}
