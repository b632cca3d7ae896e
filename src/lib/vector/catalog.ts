/**
 * What the database says about pgvector: the extension, vector columns, vector indexes
 * and the settings in force. Read-only catalog queries; the errors here are the "bad
 * input" of the vector commands (no pgvector, no such table or column, not a vector).
 */
import { EnvironmentError, NotFoundError, UsageError } from '../errors.js';
import { pgFailure, sqlState, type SqlClient } from './db.js';
import { distanceOfOpclass, qualifiedName, quoteIdent, vectorTypeName } from './ddl.js';
import type { PgvectorInfo, ResolvedColumn, VectorColumn, VectorIndex, VectorSettings, VectorType } from './types.js';

/** Tables up to this estimate are counted exactly (count(*)); larger ones use the planner's estimate. */
export const EXACT_COUNT_MAX_ROWS = 100_000;
/** A never-analyzed table (reltuples = -1) is counted exactly up to this size. */
export const EXACT_COUNT_MAX_BYTES = 64 * 1024 * 1024;

const num = (v: unknown): number => (v === null || v === undefined ? NaN : Number(v));

/** The installed pgvector, or an EnvironmentError saying how to install it. */
export async function readPgvector(sql: SqlClient, database: string): Promise<PgvectorInfo> {
  const { rows } = await sql
    .query(
      `SELECT e.extversion AS version, n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'vector'`,
    )
    .catch((e: unknown) => pgFailure(e, 'reading pg_extension'));
  const row = rows[0];
  if (row) return { version: String(row.version), schema: String(row.schema) };
  const available = await sql
    .query(`SELECT default_version FROM pg_available_extensions WHERE name = 'vector'`)
    .then((r) => r.rows[0]?.default_version as string | undefined)
    .catch(() => undefined);
  throw new EnvironmentError(
    available
      ? `pgvector is not installed in database ${database} (the server offers version ${available}).`
      : `pgvector is not installed in database ${database}, and the server does not offer it.`,
    {
      hint: available
        ? 'Enable it as the database owner or, on RDS, the master user: `CREATE EXTENSION vector;`'
        : 'Install pgvector on the server (on RDS it is built in from PostgreSQL 15.2: upgrade, then run `CREATE EXTENSION vector;`).',
    },
  );
}

/** server_version_num, e.g. 160004. */
export async function serverVersionNum(sql: SqlClient): Promise<number> {
  const { rows } = await sql.query('SHOW server_version_num');
  return Number(rows[0]?.server_version_num);
}

/** pgvector defines its settings when its library loads; a vector literal loads it. */
export async function loadVectorLibrary(sql: SqlClient, ext: PgvectorInfo): Promise<void> {
  await sql
    .query(`SELECT '[1]'::${vectorTypeName('vector', ext.schema)} AS loaded`)
    .catch((e: unknown) => pgFailure(e, 'loading the pgvector library'));
}

export async function readSettings(sql: SqlClient, ext: PgvectorInfo): Promise<VectorSettings> {
  await loadVectorLibrary(sql, ext);
  const { rows } = await sql.query(
    `SELECT current_setting('hnsw.ef_search', true) AS ef_search,
            current_setting('hnsw.iterative_scan', true) AS iterative_scan,
            current_setting('ivfflat.probes', true) AS probes,
            (SELECT setting::float8 FROM pg_settings WHERE name = 'maintenance_work_mem') AS mwm_kb,
            current_setting('max_parallel_maintenance_workers')::int AS workers,
            (SELECT setting::float8 FROM pg_settings WHERE name = 'statement_timeout') AS timeout_ms`,
  );
  const r = rows[0] ?? {};
  const orNull = (v: unknown) => (v === null || v === undefined || v === '' ? null : Number(v));
  return {
    efSearch: orNull(r.ef_search),
    iterativeScan: r.iterative_scan === null || r.iterative_scan === undefined || r.iterative_scan === '' ? null : String(r.iterative_scan),
    ivfflatProbes: orNull(r.probes),
    maintenanceWorkMemBytes: num(r.mwm_kb) * 1024,
    maxParallelMaintenanceWorkers: num(r.workers),
    statementTimeoutMs: num(r.timeout_ms),
  };
}

interface ColumnRow {
  schema: string;
  table: string;
  column: string;
  type: VectorType;
  typmod: number;
  reltuples: number;
  bytes: number;
  relid: number;
}

async function vectorColumnRows(sql: SqlClient, relid?: number): Promise<ColumnRow[]> {
  const { rows } = await sql.query(
    `SELECT n.nspname AS schema, c.relname AS table, a.attname AS column, t.typname AS type, a.atttypmod AS typmod,
            c.reltuples::float8 AS reltuples, pg_table_size(c.oid)::float8 AS bytes, c.oid::int8 AS relid
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid
      WHERE t.typname IN ('vector', 'halfvec', 'sparsevec')
        AND t.typnamespace = (SELECT extnamespace FROM pg_extension WHERE extname = 'vector')
        AND c.relkind IN ('r', 'p', 'm') AND NOT c.relispartition
        AND a.attnum > 0 AND NOT a.attisdropped
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
        ${relid === undefined ? '' : 'AND c.oid = $1'}
      ORDER BY n.nspname, c.relname, a.attnum`,
    relid === undefined ? [] : [relid],
  );
  return rows.map((r) => ({
    schema: String(r.schema),
    table: String(r.table),
    column: String(r.column),
    type: r.type as VectorType,
    typmod: num(r.typmod),
    reltuples: num(r.reltuples),
    bytes: num(r.bytes),
    relid: num(r.relid),
  }));
}

/** Whether to count a table exactly: small by estimate, or never analyzed and small on disk. */
export function countExactly(reltuples: number, bytes: number): boolean {
  if (reltuples >= 0) return reltuples < EXACT_COUNT_MAX_ROWS;
  return bytes <= EXACT_COUNT_MAX_BYTES;
}

/** Every vector column (optionally of one table), with its row count and how it was counted. */
export async function listVectorColumns(sql: SqlClient, relid?: number): Promise<VectorColumn[]> {
  const rows = await vectorColumnRows(sql, relid);
  const counts = new Map<number, { rows: number | null; method: VectorColumn['rowsMethod'] }>();
  for (const r of rows) {
    if (counts.has(r.relid)) continue;
    if (countExactly(r.reltuples, r.bytes)) {
      const { rows: c } = await sql.query(`SELECT count(*)::float8 AS n FROM ${qualifiedName(r.schema, r.table)}`);
      counts.set(r.relid, { rows: num(c[0]?.n), method: 'exact' });
    } else if (r.reltuples >= 0) {
      counts.set(r.relid, { rows: Math.round(r.reltuples), method: 'estimate' });
    } else {
      counts.set(r.relid, { rows: null, method: 'unknown' });
    }
  }
  return rows.map((r) => ({
    schema: r.schema,
    table: r.table,
    column: r.column,
    type: r.type,
    dimensions: r.typmod > 0 ? r.typmod : null,
    rows: counts.get(r.relid)!.rows,
    rowsMethod: counts.get(r.relid)!.method,
    tableBytes: r.bytes,
  }));
}

/** Reads m / ef_construction / lists from reloptions ('m=16'), with pgvector's defaults. */
export function indexParams(
  method: 'hnsw' | 'ivfflat',
  reloptions: readonly string[] | null,
): Pick<VectorIndex, 'm' | 'efConstruction' | 'lists'> {
  const opts = new Map(
    (reloptions ?? []).map((o) => {
      const i = o.indexOf('=');
      return [o.slice(0, i).toLowerCase(), o.slice(i + 1)] as const;
    }),
  );
  if (method === 'hnsw') return { m: Number(opts.get('m') ?? 16), efConstruction: Number(opts.get('ef_construction') ?? 64) };
  return { lists: Number(opts.get('lists') ?? 100) };
}

/** Every HNSW and IVFFlat index (optionally of one table). last_idx_scan is read on PostgreSQL 16+ only. */
export async function listVectorIndexes(sql: SqlClient, versionNum: number, relid?: number): Promise<VectorIndex[]> {
  const hasLastScan = versionNum >= 160000;
  const { rows } = await sql.query(
    `SELECT n.nspname AS schema, t.relname AS table, i.relname AS name, am.amname AS method, a.attname AS column,
            oc.opcname AS opclass, i.reloptions AS reloptions, pg_relation_size(i.oid)::float8 AS bytes,
            x.indisvalid AS valid, s.idx_scan::float8 AS idx_scan,
            ${hasLastScan ? 's.last_idx_scan' : 'NULL::timestamptz'} AS last_idx_scan,
            pg_get_indexdef(i.oid) AS definition
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       JOIN pg_am am ON am.oid = i.relam
       LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0] AND x.indkey[0] <> 0
       LEFT JOIN pg_opclass oc ON oc.oid = x.indclass[0]
       LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = i.oid
      WHERE am.amname IN ('hnsw', 'ivfflat') ${relid === undefined ? '' : 'AND t.oid = $1'}
      ORDER BY n.nspname, t.relname, i.relname`,
    relid === undefined ? [] : [relid],
  );
  return rows.map((r) => {
    const method = r.method as 'hnsw' | 'ivfflat';
    const lastRaw = r.last_idx_scan as Date | string | null;
    const index: VectorIndex = {
      schema: String(r.schema),
      table: String(r.table),
      name: String(r.name),
      column: r.column === null ? null : String(r.column),
      method,
      opclass: String(r.opclass ?? ''),
      distance: distanceOfOpclass(String(r.opclass ?? '')),
      ...indexParams(method, r.reloptions as string[] | null),
      sizeBytes: num(r.bytes),
      valid: Boolean(r.valid),
      idxScan: r.idx_scan === null || r.idx_scan === undefined ? null : num(r.idx_scan),
      definition: String(r.definition),
    };
    if (hasLastScan) index.lastUsed = lastRaw === null ? null : new Date(lastRaw).toISOString();
    return index;
  });
}

/** Lists "schema.table.column" of the vector columns, for hints. */
function columnList(cols: readonly { schema: string; table: string; column: string }[], max = 5): string {
  const names = cols.map((c) => `${c.schema}.${c.table}.${c.column}`);
  return names.length > max ? `${names.slice(0, max).join(', ')} and ${names.length - max} more` : names.join(', ');
}

/** A table named by --table, checked to exist and to be a table. */
export interface TableRow {
  relid: number;
  schema: string;
  table: string;
  relkind: string;
  reltuples: number;
}

export async function findTable(sql: SqlClient, name: string, database: string): Promise<TableRow> {
  let rows: Record<string, unknown>[];
  try {
    ({ rows } = await sql.query(
      `SELECT c.oid::int8 AS relid, n.nspname AS schema, c.relname AS table, c.relkind::text AS relkind, c.reltuples::float8 AS reltuples
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)`,
      [name],
    ));
  } catch (e) {
    if (sqlState(e)?.startsWith('42') || sqlState(e) === '3F000') {
      throw new UsageError(`--table "${name}" is not a valid table name.`, {
        hint: 'Use table or schema.table; quote mixed-case names: --table \'"MyTable"\'.',
        cause: e,
      });
    }
    pgFailure(e, 'looking up the table');
  }
  const row = rows[0];
  if (!row) {
    const all = await vectorColumnRows(sql).catch(() => []);
    throw new NotFoundError(`Table ${name} does not exist in database ${database}.`, {
      hint:
        all.length > 0
          ? `Vector columns here: ${columnList(all)}.`
          : 'This database has no vector columns yet (`dbops vector status` lists them).',
    });
  }
  const t: TableRow = {
    relid: num(row.relid),
    schema: String(row.schema),
    table: String(row.table),
    relkind: String(row.relkind),
    reltuples: num(row.reltuples),
  };
  if (!['r', 'p', 'm'].includes(t.relkind)) {
    throw new UsageError(
      `${t.schema}.${t.table} is not a table (it is a ${t.relkind === 'v' ? 'view' : `relation of kind ${t.relkind}`}).`,
      {
        hint: 'Name the table that holds the vectors; vector indexes live on tables.',
      },
    );
  }
  return t;
}

/** A column's type as PostgreSQL prints it ("text", "vector(1536)"). */
async function columnType(
  sql: SqlClient,
  relid: number,
  column: string,
): Promise<{ typname: string; formatted: string; typmod: number; extType: boolean } | undefined> {
  const { rows } = await sql.query(
    `SELECT t.typname, format_type(a.atttypid, a.atttypmod) AS formatted, a.atttypmod AS typmod,
            t.typnamespace = (SELECT extnamespace FROM pg_extension WHERE extname = 'vector') AS ext_type
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
      WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped`,
    [relid, column],
  );
  const r = rows[0];
  return r
    ? { typname: String(r.typname), formatted: String(r.formatted), typmod: num(r.typmod), extType: Boolean(r.ext_type) }
    : undefined;
}

/** The row id expression: the single-column primary key as text, else tableoid + ctid. */
async function rowIdSql(sql: SqlClient, relid: number): Promise<string> {
  const { rows } = await sql.query(
    `SELECT a.attname FROM pg_index x JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
      WHERE x.indrelid = $1 AND x.indisprimary AND x.indnatts = 1`,
    [relid],
  );
  const pk = rows[0]?.attname;
  return pk ? `${quoteIdent(String(pk))}::text` : `concat(tableoid::oid, ':', ctid)`;
}

/**
 * Checks the table and column tune and build work on (VT-1). Without --column, the
 * table's only vector column is used.
 */
export async function resolveColumn(sql: SqlClient, input: { table: string; column?: string; database: string }): Promise<ResolvedColumn> {
  const t = await findTable(sql, input.table, input.database);
  const where = `${t.schema}.${t.table}`;
  const vectorCols = await vectorColumnRows(sql, t.relid);
  let column = input.column;
  if (column === undefined) {
    if (vectorCols.length === 0)
      throw new UsageError(`${where} has no vector column.`, {
        hint: 'Name a table with a vector column (`dbops vector status` lists them).',
      });
    if (vectorCols.length > 1) {
      throw new UsageError(`${where} has ${vectorCols.length} vector columns (${vectorCols.map((c) => c.column).join(', ')}).`, {
        hint: 'Pick one with --column.',
      });
    }
    column = vectorCols[0]!.column;
  }
  const type = await columnType(sql, t.relid, column);
  if (!type) {
    throw new NotFoundError(`Column ${column} does not exist in ${where}.`, {
      hint: vectorCols.length > 0 ? `Its vector columns: ${vectorCols.map((c) => c.column).join(', ')}.` : `${where} has no vector column.`,
    });
  }
  if (!type.extType || (type.typname !== 'vector' && type.typname !== 'halfvec')) {
    const isSparse = type.extType && type.typname === 'sparsevec';
    throw new UsageError(`${where}.${column} is ${type.formatted}, not a vector column.`, {
      hint: isSparse
        ? 'dbops vector tune and build work on vector and halfvec columns; sparsevec is not supported.'
        : vectorCols.length > 0
          ? `Its vector columns: ${vectorCols.map((c) => c.column).join(', ')}.`
          : `${where} has no vector column.`,
    });
  }
  return {
    schema: t.schema,
    table: t.table,
    column,
    type: type.typname as 'vector' | 'halfvec',
    dimensions: type.typmod > 0 ? type.typmod : null,
    rowIdSql: await rowIdSql(sql, t.relid),
    reltuples: t.reltuples,
  };
}

/** The relation id of a resolved column's table. */
export async function relationId(sql: SqlClient, schema: string, table: string): Promise<number> {
  const { rows } = await sql.query('SELECT to_regclass($1)::oid::int8 AS relid', [qualifiedName(schema, table)]);
  return num(rows[0]?.relid);
}

/** Rows with a vector, counted up to `limit` (cheap on any table). */
export async function countVectorsUpTo(sql: SqlClient, col: ResolvedColumn, limit: number): Promise<number> {
  const { rows } = await sql.query(
    `SELECT count(*)::float8 AS n FROM (SELECT 1 FROM ${qualifiedName(col.schema, col.table)} WHERE ${quoteIdent(col.column)} IS NOT NULL LIMIT ${Math.max(1, Math.floor(limit))}) s`,
  );
  return num(rows[0]?.n);
}

/** Whether a relation with this name exists in the schema. */
export async function relationExists(sql: SqlClient, schema: string, name: string): Promise<boolean> {
  const { rows } = await sql.query('SELECT to_regclass($1) IS NOT NULL AS found', [qualifiedName(schema, name)]);
  return Boolean(rows[0]?.found);
}
