/**
 * The SQL dbops runs and prints for pgvector: index DDL, the k-NN query, session
 * settings and the recommendation. Pure functions, tested by exact comparison, so what
 * `--dry-run` prints is exactly what runs.
 */
import { UsageError } from '../errors.js';
import type { Distance, IndexDistance } from './types.js';

/** PostgreSQL's reserved key words (and a few type-name words) that must be quoted as identifiers. */
const RESERVED = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation ' +
    'column concurrently constraint create cross current_catalog current_date current_role current_schema current_time ' +
    'current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign freeze ' +
    'from full grant group having ilike in initially inner intersect into is isnull join lateral leading left like limit ' +
    'localtime localtimestamp natural not notnull null offset on only or order outer overlaps placing primary references ' +
    'returning right select session_user similar some symmetric system_user table tablesample then to trailing true union ' +
    'unique user using variadic verbose when where window with'
  ).split(' '),
);

/** Quotes an identifier only when PostgreSQL needs it (`items` stays `items`, `My Table` becomes `"My Table"`). */
export function quoteIdent(name: string): string {
  if (/^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name)) return name;
  return `"${name.replace(/"/g, '""')}"`;
}

/** `schema.name`, each part quoted when needed. */
export function qualifiedName(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** A string literal. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

const OPERATOR: Record<Distance, string> = { cosine: '<=>', l2: '<->', ip: '<#>' };

/** The pgvector operator for a distance: cosine `<=>`, l2 `<->`, ip `<#>` (negative inner product). */
export function distanceOperator(distance: Distance, extSchema = 'public'): string {
  const op = OPERATOR[distance];
  return extSchema === 'public' ? op : `OPERATOR(${quoteIdent(extSchema)}.${op})`;
}

/** The HNSW operator class for a distance and column type: `vector_cosine_ops`, `halfvec_l2_ops`, ... */
export function opclassFor(distance: Distance, type: 'vector' | 'halfvec' = 'vector', extSchema = 'public'): string {
  const name = `${type}_${distance}_ops`;
  return extSchema === 'public' ? name : `${quoteIdent(extSchema)}.${name}`;
}

/** The distance an operator class serves: `vector_cosine_ops` -> cosine, `bit_hamming_ops` -> hamming. */
export function distanceOfOpclass(opclass: string): IndexDistance {
  const m = /_(cosine|l2|ip|l1|hamming|jaccard)_ops$/.exec(opclass);
  return (m?.[1] as IndexDistance | undefined) ?? 'unknown';
}

/** The type a value must be cast to in SQL: `vector`, or `ext.vector` when pgvector lives elsewhere. */
export function vectorTypeName(type: 'vector' | 'halfvec', extSchema = 'public'): string {
  return extSchema === 'public' ? type : `${quoteIdent(extSchema)}.${type}`;
}

/** pgvector's limits: m 2..100, ef_construction 4..1000 and at least 2 * m. */
export function validateHnswParams(m: number, efConstruction: number): void {
  if (!Number.isInteger(m) || m < 2 || m > 100) {
    throw new UsageError(`--m must be a whole number from 2 to 100, got ${m}.`, {
      hint: "pgvector's default is 16; 16–48 covers most tables.",
    });
  }
  if (!Number.isInteger(efConstruction) || efConstruction < 4 || efConstruction > 1000) {
    throw new UsageError(`--ef-construction must be a whole number from 4 to 1000, got ${efConstruction}.`, {
      hint: "pgvector's default is 64.",
    });
  }
  if (efConstruction < 2 * m) {
    throw new UsageError(`--ef-construction (${efConstruction}) must be at least twice --m (${m}).`, {
      hint: `pgvector requires ef_construction >= 2 * m: use --ef-construction ${2 * m} or more.`,
    });
  }
}

/** Index names are at most 63 bytes; longer ones would be truncated by PostgreSQL, so dbops truncates first. */
export function truncateIdentifier(name: string, max = 63): string {
  let out = name;
  while (Buffer.byteLength(out, 'utf8') > max) out = out.slice(0, -1);
  return out;
}

/** `<table>_<column>_hnsw_idx`, within 63 bytes. */
export function defaultIndexName(table: string, column: string): string {
  const suffix = '_hnsw_idx';
  return truncateIdentifier(`${table}_${column}`, 63 - suffix.length) + suffix;
}

/** What an HNSW index is built from. */
export interface HnswIndexSpec {
  schema: string;
  table: string;
  column: string;
  name: string;
  distance: Distance;
  type?: 'vector' | 'halfvec';
  m: number;
  efConstruction: number;
  concurrently: boolean;
  /** Schema of the pgvector extension (operator classes live there). */
  extSchema?: string;
}

/** `CREATE INDEX [CONCURRENTLY] name ON schema.table USING hnsw (col vector_cosine_ops) WITH (m = 16, ef_construction = 64)`. */
export function createHnswIndexSql(spec: HnswIndexSpec): string {
  validateHnswParams(spec.m, spec.efConstruction);
  const opclass = opclassFor(spec.distance, spec.type ?? 'vector', spec.extSchema);
  return (
    `CREATE INDEX${spec.concurrently ? ' CONCURRENTLY' : ''} ${quoteIdent(spec.name)} ON ${qualifiedName(spec.schema, spec.table)} ` +
    `USING hnsw (${quoteIdent(spec.column)} ${opclass}) WITH (m = ${spec.m}, ef_construction = ${spec.efConstruction})`
  );
}

/** `DROP INDEX [CONCURRENTLY] [IF EXISTS] schema.name`. */
export function dropIndexSql(schema: string, name: string, opts: { concurrently: boolean; ifExists?: boolean }): string {
  return `DROP INDEX${opts.concurrently ? ' CONCURRENTLY' : ''}${opts.ifExists ? ' IF EXISTS' : ''} ${qualifiedName(schema, name)}`;
}

/** `ALTER INDEX schema.from RENAME TO to`. */
export function renameIndexSql(schema: string, from: string, to: string): string {
  return `ALTER INDEX ${qualifiedName(schema, from)} RENAME TO ${quoteIdent(to)}`;
}

/** The session settings a build runs with. `memory` is a PostgreSQL memory string such as '256MB'. */
export function buildSessionSql(memory: string, parallelWorkers: number): string[] {
  return [
    `SET maintenance_work_mem = ${quoteLiteral(memory)}`,
    `SET max_parallel_maintenance_workers = ${parallelWorkers}`,
    // A role-level statement_timeout would cancel a build that legitimately takes hours.
    'SET statement_timeout = 0',
  ];
}

/** Undoes buildSessionSql. */
export function resetSessionSql(): string[] {
  return ['RESET maintenance_work_mem', 'RESET max_parallel_maintenance_workers', 'RESET statement_timeout'];
}

/** The settings a recommendation asks for: per session, or for every new session of the database. */
export interface RecommendationSql {
  session: string[];
  database: string[];
}

/** `SET hnsw.ef_search = N` and `ALTER DATABASE db SET hnsw.ef_search = N` (+ iterative_scan when filtered queries need it). */
export function recommendationSql(database: string, efSearch: number, iterativeScan?: 'relaxed_order' | 'strict_order'): RecommendationSql {
  const settings: [string, string][] = [['hnsw.ef_search', String(efSearch)]];
  if (iterativeScan) settings.push(['hnsw.iterative_scan', iterativeScan]);
  return {
    session: settings.map(([k, v]) => `SET ${k} = ${v};`),
    database: settings.map(([k, v]) => `ALTER DATABASE ${quoteIdent(database)} SET ${k} = ${v};`),
  };
}

/** What the k-NN query reads. */
export interface KnnQuerySpec {
  /** FROM clause target, already quoted: `public.items` or `public.scratch AS items`. */
  from: string;
  column: string;
  distance: Distance;
  type: 'vector' | 'halfvec';
  /** SQL expression naming a row (see ResolvedColumn.rowIdSql). */
  rowIdSql: string;
  /** The user's --where predicate, verbatim. */
  where?: string;
  limit: number;
  extSchema?: string;
}

/**
 * The query whose recall is measured: the same text for the exact search (index scans
 * off) and the HNSW search, so only the session settings differ. `$1` is the query vector.
 */
export function knnQuerySql(spec: KnnQuerySpec): string {
  const op = distanceOperator(spec.distance, spec.extSchema);
  const cast = vectorTypeName(spec.type, spec.extSchema);
  const col = quoteIdent(spec.column);
  const where = spec.where ? ` WHERE (${spec.where})` : '';
  return `SELECT ${spec.rowIdSql} AS rid, ${col} ${op} $1::${cast} AS dist FROM ${spec.from}${where} ORDER BY ${col} ${op} $1::${cast} LIMIT ${spec.limit}`;
}

/** `SET LOCAL name = value` statements for one measurement transaction. */
export function setLocalSql(settings: Record<string, string | number>): string[] {
  return Object.entries(settings).map(([k, v]) => `SET LOCAL ${k} = ${typeof v === 'number' ? v : quoteLiteral(v)}`);
}

/** Parses "16:64,24:128" into candidate (m, ef_construction) pairs, each validated. */
export function parseCandidates(text: string): { m: number; efConstruction: number }[] {
  const out: { m: number; efConstruction: number }[] = [];
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^(\d+):(\d+)$/.exec(part);
    if (!m)
      throw new UsageError(`--candidates expects m:ef_construction pairs such as 16:64,24:128, got "${part}".`, {
        hint: 'Separate pairs with commas: --candidates 16:128,32:128.',
      });
    const pair = { m: Number(m[1]), efConstruction: Number(m[2]) };
    validateHnswParams(pair.m, pair.efConstruction);
    if (!out.some((p) => p.m === pair.m && p.efConstruction === pair.efConstruction)) out.push(pair);
  }
  if (out.length === 0) throw new UsageError('--candidates is empty.', { hint: 'Give m:ef_construction pairs such as 16:64,24:128.' });
  return out;
}
