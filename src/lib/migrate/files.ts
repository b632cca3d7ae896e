/**
 * Migration files on disk: `NNNN_name.sql` with an optional `NNNN_name.down.sql`, ordered
 * by the numeric prefix. The checksum is the sha256 of the file's bytes, so any edit
 * (even whitespace) after a migration was applied shows up as drift.
 *
 * `assembleMigrations` is pure (names and bytes in, migrations or one UsageError out);
 * `loadMigrations` reads a directory and calls it.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { splitStatements } from './sql-split.js';

/** The first line that makes a migration run outside a transaction. */
export const NO_TRANSACTION_MARKER = '-- dbops:no-transaction';

/** A migration as found on disk. */
export interface MigrationFile {
  /** The numeric prefix as a number (0007 → 7); unique in a directory. */
  version: number;
  /** The part after the prefix, without .sql: `0007_add_index.sql` → "add_index". */
  name: string;
  /** The up file's name, e.g. "0007_add_index.sql". */
  file: string;
  /** Absolute path of the up file. */
  path: string;
  sql: string;
  /** sha256 of the up file's bytes, hex. */
  checksum: string;
  /** First line is `-- dbops:no-transaction`: runs outside a transaction, statement by statement. */
  noTransaction: boolean;
  down?: {
    file: string;
    path: string;
    sql: string;
    noTransaction: boolean;
  };
}

/** A file name in a migrations directory, as the loader reads it. */
export type ParsedFileName =
  | { kind: 'up' | 'down'; version: number; prefix: string; name: string }
  | { kind: 'ignored' }
  | { kind: 'invalid'; reason: string };

const NAME = /^(\d+)_([a-z0-9][a-z0-9_-]*?)(\.down)?\.sql$/;

/**
 * "0007_add_index.sql" → up 7 "add_index"; "0007_add_index.down.sql" → down; names not
 * ending in .sql (README.md, .gitkeep) are ignored; other .sql names are invalid.
 */
export function parseFileName(fileName: string): ParsedFileName {
  if (!fileName.endsWith('.sql') || fileName.startsWith('.')) return { kind: 'ignored' };
  const m = NAME.exec(fileName);
  if (!m) {
    return {
      kind: 'invalid',
      reason: 'expected NNNN_name.sql or NNNN_name.down.sql (digits, underscore, then lower-case letters, digits, _ or -)',
    };
  }
  const version = Number(m[1]);
  if (!Number.isSafeInteger(version)) return { kind: 'invalid', reason: 'the version number is too large' };
  return { kind: m[3] ? 'down' : 'up', version, prefix: m[1]!, name: m[2]! };
}

/** sha256 hex of the bytes. */
export function checksumOf(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The first line (BOM and trailing spaces aside) is the no-transaction marker. */
export function hasNoTransactionMarker(sql: string): boolean {
  const first = sql.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  return first.trimEnd() === NO_TRANSACTION_MARKER;
}

/** A file as read from disk. */
export interface RawFile {
  name: string;
  bytes: Uint8Array;
}

/**
 * Builds the ordered migrations from a directory's files. Throws one UsageError listing
 * every bad file name, duplicate version, down file without its up file, and transaction
 * control statement (BEGIN/COMMIT/ROLLBACK) in a file dbops runs in a transaction.
 */
export function assembleMigrations(dir: string, files: RawFile[], opts: AssembleOptions = {}): MigrationFile[] {
  const problems: string[] = [];
  const ups = new Map<number, MigrationFile>();
  const downs = new Map<number, { file: string; name: string; sql: string }>();
  for (const f of [...files].sort((a, b) => a.name.localeCompare(b.name))) {
    const parsed = parseFileName(f.name);
    if (parsed.kind === 'ignored') continue;
    if (parsed.kind === 'invalid') {
      problems.push(`${f.name}: ${parsed.reason}`);
      continue;
    }
    const sql = Buffer.from(f.bytes).toString('utf8');
    if (parsed.kind === 'down') {
      if (downs.has(parsed.version)) problems.push(`${f.name}: version ${parsed.version} has two down files`);
      else downs.set(parsed.version, { file: f.name, name: parsed.name, sql });
      continue;
    }
    const other = ups.get(parsed.version);
    if (other) {
      problems.push(`${f.name}: version ${parsed.version} is also used by ${other.file}`);
      continue;
    }
    ups.set(parsed.version, {
      version: parsed.version,
      name: parsed.name,
      file: f.name,
      path: join(dir, f.name),
      sql,
      checksum: checksumOf(f.bytes),
      noTransaction: hasNoTransactionMarker(sql),
    });
  }
  for (const [version, d] of downs) {
    const up = ups.get(version);
    if (!up || up.name !== d.name) {
      problems.push(`${d.file}: no up file ${d.file.replace(/\.down\.sql$/, '.sql')} beside it`);
      continue;
    }
    up.down = { file: d.file, path: join(dir, d.file), sql: d.sql, noTransaction: hasNoTransactionMarker(d.sql) };
  }
  if (opts.transactionControl !== false) problems.push(...transactionProblemsOf([...ups.values()]));
  if (problems.length > 0) throw directoryProblems(dir, problems);
  return [...ups.values()].sort((a, b) => a.version - b.version);
}

export interface AssembleOptions {
  /**
   * Refuse BEGIN/COMMIT/ROLLBACK in files dbops runs in a transaction (PostgreSQL); false
   * while the engine is not known yet (it checks after connecting, engines/).
   */
  transactionControl?: boolean;
}

/** Transaction control statements in the up and down files (PostgreSQL). */
export function transactionProblemsOf(files: readonly MigrationFile[]): string[] {
  return files.flatMap((m) => [
    ...transactionControlProblems(m.file, m.sql, m.noTransaction),
    ...(m.down ? transactionControlProblems(m.down.file, m.down.sql, m.down.noTransaction) : []),
  ]);
}

/** The one UsageError listing every problem of a migrations directory. */
export function directoryProblems(dir: string, problems: string[]): UsageError {
  return new UsageError(
    `The migrations directory ${dir} has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}: ${problems.join('; ')}.`,
    {
      hint: 'Name files NNNN_name.sql (and NNNN_name.down.sql), one version each; dbops opens and commits the transaction itself.',
      details: { problems },
    },
  );
}

const TX_CONTROL = /^(begin|start transaction|commit|end|rollback|abort)\b(?! to\b| prepared\b)/i;

/** BEGIN/COMMIT/ROLLBACK in a migration would break dbops' own transaction (and its SET LOCAL). */
export function transactionControlProblems(file: string, sql: string, noTransaction: boolean): string[] {
  const out: string[] = [];
  for (const s of splitStatements(sql)) {
    if (TX_CONTROL.test(s.normalized)) {
      out.push(
        noTransaction
          ? `${file} line ${s.line}: ${s.normalized.split(' ')[0]!.toUpperCase()} in a no-transaction migration (each statement already commits on its own)`
          : `${file} line ${s.line}: ${s.normalized.split(' ')[0]!.toUpperCase()} (dbops runs each migration in its own transaction)`,
      );
    }
  }
  return out;
}

/** Reads a migrations directory; a missing directory is a UsageError (exit 2). */
export async function loadMigrations(dir: string, opts: AssembleOptions = {}): Promise<MigrationFile[]> {
  const abs = resolve(dir);
  await assertDirectory(abs, dir);
  const names = await readdir(abs);
  const files: RawFile[] = [];
  for (const name of names) {
    if (parseFileName(name).kind === 'ignored') continue;
    files.push({ name, bytes: await readFile(join(abs, name)) });
  }
  return assembleMigrations(abs, files, opts);
}

/** Throws a UsageError unless `abs` is a directory. */
export async function assertDirectory(abs: string, shown: string): Promise<void> {
  const st = await stat(abs).catch(() => undefined);
  if (!st?.isDirectory()) {
    throw new UsageError(`The migrations directory ${shown} does not exist${st ? ' (it is a file)' : ''}.`, {
      hint: 'Pass --dir <directory> (default sql/migrations, relative to the working directory), or create one with `dbops migrate new <name>`.',
    });
  }
}

/** "0003" or "3" → 3, for --to and baseline; anything else is a UsageError. */
export function parseVersionArg(text: string | number, what: string): number {
  const s = String(text).trim();
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) {
    throw new UsageError(`${what} expects a migration version such as 0003, got "${s}".`, {
      hint: 'Run `dbops migrate status` to see the versions.',
    });
  }
  return Number(s);
}
