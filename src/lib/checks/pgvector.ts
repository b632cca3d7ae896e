/**
 * RT-9: pgvector in the restore. The extension and its version (beside the source's),
 * every vector index (HNSW, IVFFlat) valid, and for each one a sample nearest-neighbour
 * query that EXPLAIN shows answered through the index, then run. Skipped, with a note,
 * when the database has no pgvector.
 */
import { sqlMessage, unlessStatementError } from './sql-errors.js';
import type { CheckResult, Queryable } from './types.js';

/** An HNSW or IVFFlat index, as the catalogs describe it. */
export interface VectorIndex {
  /** Schema-qualified, quoted. */
  index: string;
  /** The bare index name, as EXPLAIN prints it. */
  indexName: string;
  table: string;
  column: string | null;
  columnType: string | null;
  method: string;
  opclass: string | null;
  valid: boolean;
  partial: boolean;
  expression: boolean;
}

/** The nearest-neighbour query run through one vector index. */
export interface VectorSample {
  index: string;
  /** 'index' when EXPLAIN shows the index; 'not-used' when the planner took another path; 'skipped' with a reason. */
  plan: 'index' | 'not-used' | 'skipped';
  note?: string;
  neighbours?: number;
  nearestDistance?: number;
}

/** What RT-9 found: the extension on both sides, the vector indexes, the samples. */
export interface PgvectorData {
  installed: boolean;
  version?: string;
  sourceVersion?: string;
  indexes: VectorIndex[];
  samples: VectorSample[];
}

const INDEXES_SQL = `
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS index, c.relname AS index_name,
       quote_ident(tn.nspname) || '.' || quote_ident(t.relname) AS "table",
       quote_ident(a.attname) AS "column", format_type(a.atttypid, a.atttypmod) AS column_type,
       am.amname AS method, opc.opcname AS opclass, i.indisvalid AND i.indisready AS valid,
       i.indpred IS NOT NULL AS partial, i.indexprs IS NOT NULL AS expression
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = c.relam
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace tn ON tn.oid = t.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0] AND i.indkey[0] <> 0
LEFT JOIN pg_opclass opc ON opc.oid = i.indclass[0]
WHERE am.amname IN ('hnsw', 'ivfflat')
ORDER BY 1`;

/** Pure: the distance operator an operator class orders by, or undefined for one dbops does not know. */
export function operatorFor(opclass: string | null): string | undefined {
  if (!opclass) return undefined;
  if (opclass.endsWith('_l2_ops')) return '<->';
  if (opclass.endsWith('_ip_ops')) return '<#>';
  if (opclass.endsWith('_cosine_ops')) return '<=>';
  if (opclass.endsWith('_l1_ops')) return '<+>';
  if (opclass === 'bit_hamming_ops') return '<~>';
  if (opclass === 'bit_jaccard_ops') return '<%>';
  return undefined;
}

/** Pure: whether an EXPLAIN (FORMAT JSON) plan scans the named index anywhere in its tree. */
export function planUsesIndex(plan: unknown, indexName: string): boolean {
  if (Array.isArray(plan)) return plan.some((p) => planUsesIndex(p, indexName));
  if (typeof plan !== 'object' || plan === null) return false;
  const node = plan as Record<string, unknown>;
  if (node['Index Name'] === indexName) return true;
  return Object.values(node).some((v) => typeof v === 'object' && v !== null && planUsesIndex(v, indexName));
}

async function extensionVersion(db: Queryable): Promise<string | undefined> {
  const r = await db.query<{ extversion: string }>(`SELECT extversion FROM pg_extension WHERE extname = 'vector'`);
  return r.rows[0]?.extversion;
}

async function vectorIndexes(db: Queryable): Promise<VectorIndex[]> {
  const rows = (
    await db.query<{
      index: string;
      index_name: string;
      table: string;
      column: string | null;
      column_type: string | null;
      method: string;
      opclass: string | null;
      valid: boolean;
      partial: boolean;
      expression: boolean;
    }>(INDEXES_SQL)
  ).rows;
  return rows.map((r) => ({
    index: r.index,
    indexName: r.index_name,
    table: r.table,
    column: r.column,
    columnType: r.column_type,
    method: r.method,
    opclass: r.opclass,
    valid: r.valid,
    partial: r.partial,
    expression: r.expression,
  }));
}

/** One nearest-neighbour query through an index, in a transaction that forbids sequential scans. */
async function sample(db: Queryable, ix: VectorIndex): Promise<VectorSample> {
  const op = operatorFor(ix.opclass);
  if (!ix.valid) return { index: ix.index, plan: 'skipped', note: 'invalid index' };
  if (ix.partial || ix.expression || !ix.column || !ix.columnType || !op) {
    return { index: ix.index, plan: 'skipped', note: 'partial, expression or unknown operator class: not sampled' };
  }
  const probe = await db.query<{ v: string }>(`SELECT ${ix.column}::text AS v FROM ${ix.table} WHERE ${ix.column} IS NOT NULL LIMIT 1`);
  const vector = probe.rows[0]?.v;
  if (vector === undefined) return { index: ix.index, plan: 'skipped', note: 'the table is empty: nothing to search' };
  const order = `${ix.column} ${op} $1::${ix.columnType}`;
  await db.query('BEGIN READ ONLY');
  try {
    await db.query('SET LOCAL enable_seqscan = off');
    const explain = await db.query<{ 'QUERY PLAN': unknown }>(
      `EXPLAIN (FORMAT JSON) SELECT ${order} AS d FROM ${ix.table} ORDER BY ${order} LIMIT 5`,
      [vector],
    );
    const plan = explain.rows[0]?.['QUERY PLAN'];
    const parsed: unknown = typeof plan === 'string' ? JSON.parse(plan) : plan;
    if (!planUsesIndex(parsed, ix.indexName)) {
      return { index: ix.index, plan: 'not-used', note: 'the planner did not use the index even with sequential scans off' };
    }
    const res = await db.query<{ d: number | string }>(`SELECT ${order} AS d FROM ${ix.table} ORDER BY ${order} LIMIT 5`, [vector]);
    const first = res.rows[0]?.d;
    return {
      index: ix.index,
      plan: 'index',
      neighbours: res.rows.length,
      ...(first !== undefined ? { nearestDistance: Number(first) } : {}),
    };
  } finally {
    await db.query('COMMIT').catch(() => undefined);
  }
}

/** Reads and samples pgvector on the restore; the source only for its extension version. */
export async function inspectPgvector(restore: Queryable, source: Queryable): Promise<PgvectorData> {
  const version = await extensionVersion(restore);
  const sourceVersion = await extensionVersion(source);
  if (!version) return { installed: false, indexes: [], samples: [], ...(sourceVersion ? { sourceVersion } : {}) };
  const indexes = await vectorIndexes(restore);
  const samples: VectorSample[] = [];
  for (const ix of indexes) {
    try {
      samples.push(await sample(restore, ix));
    } catch (e) {
      unlessStatementError(e, `sampling ${ix.index}`);
      samples.push({ index: ix.index, plan: 'not-used', note: `the query failed: ${sqlMessage(e)}` });
    }
  }
  return { installed: true, version, ...(sourceVersion ? { sourceVersion } : {}), indexes, samples };
}

/** Pure: the verdict on pgvector. */
export function judgePgvector(d: PgvectorData): CheckResult<PgvectorData> {
  const base = { id: 'pgvector' as const, title: 'pgvector', data: d };
  if (!d.installed) {
    return {
      ...base,
      status: d.sourceVersion ? 'failed' : 'skipped',
      summary: d.sourceVersion
        ? `pgvector ${d.sourceVersion} is on the source but not in the restore.`
        : 'pgvector is not installed in this database: nothing to check.',
      evidence: [d.sourceVersion ? `source: vector ${d.sourceVersion}; restore: none` : 'no extension "vector" in pg_extension'],
    };
  }
  const evidence = [
    `extension vector ${d.version}${d.sourceVersion ? ` (source ${d.sourceVersion})` : ' (not on the source)'}`,
    ...d.indexes.map((ix) => {
      const s = d.samples.find((x) => x.index === ix.index);
      const sampled =
        s?.plan === 'index'
          ? `; ${s.neighbours} nearest neighbours through the index${s.nearestDistance !== undefined ? `, nearest at distance ${s.nearestDistance.toFixed(4)}` : ''}`
          : s?.note
            ? `; ${s.note}`
            : '';
      return `${ix.method} index ${ix.index} on ${ix.table}${ix.column ? ` (${ix.column} ${ix.opclass ?? ''})` : ''}: ${ix.valid ? 'valid' : 'INVALID'}${sampled}`;
    }),
  ];
  if (d.indexes.length === 0) evidence.push('no HNSW or IVFFlat index');
  const problems: string[] = [];
  if (d.sourceVersion && d.sourceVersion !== d.version) problems.push(`version ${d.version} differs from the source's ${d.sourceVersion}`);
  const invalid = d.indexes.filter((ix) => !ix.valid);
  if (invalid.length > 0) problems.push(`${invalid.length} invalid vector index${invalid.length === 1 ? '' : 'es'}`);
  const unused = d.samples.filter((s) => s.plan === 'not-used');
  if (unused.length > 0) problems.push(`${unused.length} index${unused.length === 1 ? '' : 'es'} not used by a nearest-neighbour query`);
  if (problems.length > 0) {
    return {
      ...base,
      evidence,
      status: 'failed',
      summary: `pgvector: ${problems.join('; ')}.`,
      hint: "Rebuild an invalid vector index with REINDEX INDEX CONCURRENTLY; an index the planner ignores may not match the query's operator (see `dbops vector status`).",
    };
  }
  const used = d.samples.filter((s) => s.plan === 'index').length;
  return {
    ...base,
    evidence,
    status: 'passed',
    summary: `pgvector ${d.version}: ${d.indexes.length} vector index${d.indexes.length === 1 ? '' : 'es'} valid, ${used} answered a nearest-neighbour query through the index.`,
  };
}
