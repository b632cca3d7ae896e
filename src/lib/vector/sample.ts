/**
 * The query vectors `vector tune` measures with (VT-2): drawn from the table itself (each
 * remembers its own row, so the search can leave it out), or read from a file of real
 * queries (`--queries-file`, JSON array or NDJSON).
 */
import { UsageError } from '../errors.js';
import type { SqlClient } from './db.js';
import { qualifiedName, quoteIdent } from './ddl.js';
import type { ResolvedColumn } from './types.js';

/** One query vector; `rid` is its own row when drawn from the table. */
export interface SampleQuery {
  vector: number[];
  rid?: string;
}

/** Above this estimate the sample is drawn with TABLESAMPLE instead of sorting the whole table. */
export const TABLESAMPLE_MIN_ROWS = 50_000;

function vectorOf(value: unknown): number[] | undefined {
  if (Array.isArray(value) && value.every((x) => typeof x === 'number' && Number.isFinite(x))) return value as number[];
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return vectorOf(o.vector ?? o.embedding);
  }
  return undefined;
}

/**
 * Parses a queries file: a JSON array of vectors, or NDJSON with one vector per line.
 * A vector is an array of numbers or an object with a `vector` or `embedding` array.
 * Every vector must have `dimensions` numbers. Pure.
 */
export function parseQueriesFile(text: string, file: string, dimensions: number | null): number[][] {
  const trimmed = text.trim();
  if (trimmed === '')
    throw new UsageError(`The queries file ${file} is empty.`, { hint: 'Write one vector per line (NDJSON) or a JSON array of vectors.' });
  let items: { value: unknown; where: string }[];
  const whole = tryJson(trimmed);
  if (Array.isArray(whole) && whole.length > 0 && whole.every((x) => typeof x !== 'number')) {
    items = whole.map((value, i) => ({ value, where: `item ${i + 1}` }));
  } else {
    items = trimmed
      .split('\n')
      .flatMap((line, i) => (line.trim() === '' ? [] : [{ value: parseJsonLine(line, file, `line ${i + 1}`), where: `line ${i + 1}` }]));
  }
  return items.map(({ value, where }) => {
    const v = vectorOf(value);
    if (!v)
      throw new UsageError(`${file}, ${where}: expected an array of numbers (or {"vector": [...]}).`, {
        hint: 'One vector per line (NDJSON) or a JSON array of vectors.',
      });
    if (dimensions !== null && v.length !== dimensions) {
      throw new UsageError(`${file}, ${where}: the vector has ${v.length} dimensions, the column has ${dimensions}.`, {
        hint: 'Use query embeddings from the same model as the column.',
      });
    }
    return v;
  });
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function parseJsonLine(text: string, file: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsageError(`${file}, ${where}: not valid JSON (${(e as Error).message}).`, {
      hint: 'One vector per line (NDJSON) or a JSON array of vectors.',
    });
  }
}

/** PostgreSQL's setseed() takes a value in [-1, 1]; any integer seed maps into it. */
export function seedValue(seed: number): number {
  return (Math.abs(Math.trunc(seed)) % 1_000_000) / 1_000_000;
}

/** TABLESAMPLE BERNOULLI percentage that yields about four times `n` rows of `rows`, within (0, 100]. */
export function samplePercent(n: number, rows: number): number {
  if (rows <= 0) return 100;
  return Math.min(100, Math.max(0.0001, Number(((400 * n) / rows).toPrecision(3))));
}

/**
 * Draws `n` rows with a vector from the table, repeatably for a given seed: a random
 * order over the whole table when it is small, TABLESAMPLE BERNOULLI first when large.
 */
export async function sampleFromTable(sql: SqlClient, col: ResolvedColumn, n: number, seed: number): Promise<SampleQuery[]> {
  const table = qualifiedName(col.schema, col.table);
  const c = quoteIdent(col.column);
  const draw = async (tablesample: string) => {
    await sql.query('SELECT setseed($1)', [seedValue(seed)]);
    const { rows } = await sql.query(
      `SELECT ${col.rowIdSql} AS rid, ${c} AS v FROM ${table}${tablesample} WHERE ${c} IS NOT NULL ORDER BY random() LIMIT ${n}`,
    );
    return rows.map((r) => ({ rid: String(r.rid), vector: r.v as number[] }));
  };
  if (col.reltuples > TABLESAMPLE_MIN_ROWS) {
    const sampled = await draw(` TABLESAMPLE BERNOULLI (${samplePercent(n, col.reltuples)}) REPEATABLE (${Math.abs(Math.trunc(seed))})`);
    if (sampled.length >= n) return sampled;
  }
  return draw('');
}
