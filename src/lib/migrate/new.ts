/**
 * `dbops migrate new <name>`: the next NNNN_name.sql (and .down.sql) in the migrations
 * directory, numbered after the highest version there, from a template that says how
 * dbops will run it. No database needed.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConflictError, EnvironmentError, UsageError } from '../errors.js';
import type { Engine } from '../providers/types.js';
import { NO_TRANSACTION_MARKER, parseFileName } from './files.js';

export interface NewMigrationInput {
  dir: string;
  name: string;
  /** The engine the files are for (database.engine): the template says how dbops runs them there. */
  engine: Engine;
  noTransaction: boolean;
  /** Also write NNNN_name.down.sql. */
  withDown: boolean;
  dryRun: boolean;
}

export interface NewMigrationResult {
  dryRun: boolean;
  version: number;
  name: string;
  files: string[];
}

/** "Add recipe tags!" → "add_recipe_tags"; throws when nothing usable is left. */
export function migrationSlug(name: string): string {
  const slug = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '_')
    .replace(/^[_-]+|[_-]+$/g, '');
  if (slug.length === 0) {
    throw new UsageError(`"${name}" does not make a migration name.`, {
      hint: 'Use letters and digits, e.g. `dbops migrate new add_recipe_tags`.',
    });
  }
  if (slug.length > MAX_SLUG) {
    throw new UsageError(`The migration name is ${slug.length} characters long; at most ${MAX_SLUG} fit a file name.`, {
      hint: 'Name what it changes in a few words, e.g. `dbops migrate new add_recipe_tags`.',
    });
  }
  return slug;
}

/** File names stop at 255 bytes (NNNN_ + name + .down.sql); MySQL's schema_migrations.name is a VARCHAR(255). */
const MAX_SLUG = 100;

/** The next version and its zero-padded prefix, after the versions already in the directory. */
export function nextVersion(fileNames: readonly string[]): { version: number; prefix: string } {
  let max = 0;
  let width = 4;
  for (const n of fileNames) {
    const p = parseFileName(n);
    if (p.kind !== 'up' && p.kind !== 'down') continue;
    max = Math.max(max, p.version);
    width = Math.max(width, p.prefix.length);
  }
  const version = max + 1;
  return { version, prefix: String(version).padStart(width, '0') };
}

/** The up file's template (PostgreSQL). */
export function upTemplate(base: string, noTransaction: boolean): string {
  const lines = noTransaction
    ? [
        NO_TRANSACTION_MARKER,
        `-- ${base}: <what this changes, and why>`,
        '-- Runs outside a transaction, one statement at a time (CREATE INDEX CONCURRENTLY and the like).',
        '-- Keep it to the statements that need this; if one fails, the ones before it stay applied.',
        '',
        '',
      ]
    : [
        `-- ${base}: <what this changes, and why>`,
        '-- dbops runs this file in one transaction with lock_timeout and statement_timeout set',
        '-- (--lock-timeout, --statement-timeout). Do not BEGIN or COMMIT here.',
        '',
        '',
      ];
  return lines.join('\n');
}

export function downTemplate(base: string, noTransaction: boolean): string {
  return [...(noTransaction ? [NO_TRANSACTION_MARKER] : []), `-- Reverts ${base}.sql (dbops migrate down).`, '', ''].join('\n');
}

/**
 * The up file's template for MySQL: no transaction to lean on (DDL commits implicitly), one
 * DDL statement per file (lint MG-R11), ALGORITHM/LOCK clauses so MySQL refuses a statement
 * rather than copy a large table under a write lock (MG-R10), and no DELIMITER.
 */
export function mysqlUpTemplate(base: string): string {
  return [
    `-- ${base}: <what this changes, and why>`,
    '-- MySQL commits every DDL statement on its own: this file is NOT one transaction. dbops runs',
    '-- it statement by statement; if one fails, those before it stay applied and the migration is',
    '-- marked failed until you check the schema and run `dbops migrate resolve <version>`.',
    '-- So: one DDL statement per file, and say how it may run, so MySQL refuses it instead of',
    '-- copying a large table while blocking its writes:',
    '--   ALTER TABLE recipes ADD COLUMN rating TINYINT NULL, ALGORITHM=INSTANT;',
    '--   ALTER TABLE recipes ADD INDEX recipes_rating_idx (rating), ALGORITHM=INPLACE, LOCK=NONE;',
    '-- No DELIMITER: end a procedure or trigger body with END; dbops sends it as one statement.',
    '',
    '',
  ].join('\n');
}

export function mysqlDownTemplate(base: string): string {
  return [
    `-- Reverts ${base}.sql (dbops migrate down). Like the up file, it runs statement by statement`,
    '-- with no transaction: one DDL statement, with ALGORITHM/LOCK where the table is large.',
    '',
    '',
  ].join('\n');
}

/** How each engine's files start, and why a flag does not apply to it. */
const TEMPLATES: Record<
  Engine,
  { up(base: string, noTx: boolean): string; down(base: string, noTx: boolean): string; noTransaction?: string }
> = {
  postgres: { up: upTemplate, down: downTemplate },
  mysql: {
    up: (base) => mysqlUpTemplate(base),
    down: (base) => mysqlDownTemplate(base),
    noTransaction: 'MySQL runs every migration outside a transaction, statement by statement, already',
  },
};

/** The migrations directory, made if missing; a file in its way is bad input (2), no permission the environment (3). */
async function makeDirectory(abs: string, shown: string): Promise<void> {
  try {
    await mkdir(abs, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      throw new UsageError(`The migrations directory ${shown} is a file, or under one, not a directory.`, {
        hint: 'Pass --dir <directory> (default sql/migrations, relative to the working directory).',
      });
    }
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new EnvironmentError(
        `Cannot create the migrations directory ${shown}: ${code === 'EROFS' ? 'read-only file system' : 'permission denied'}.`,
        {
          hint: 'Pass --dir <directory> you may write to, or create it with the right owner first.',
        },
      );
    }
    throw e;
  }
}

export async function newMigration(input: NewMigrationInput): Promise<NewMigrationResult> {
  const slug = migrationSlug(input.name);
  const t = TEMPLATES[input.engine];
  if (input.noTransaction && t.noTransaction) {
    throw new UsageError(`--no-transaction is for PostgreSQL: ${t.noTransaction}.`, {
      hint: `Run \`dbops migrate new ${slug}\` without it; the file explains how MySQL runs it.`,
    });
  }
  const dir = resolve(input.dir);
  const existing = await readdir(dir).catch(() => [] as string[]);
  const { version, prefix } = nextVersion(existing);
  const base = `${prefix}_${slug}`;
  const files = [join(input.dir, `${base}.sql`)];
  if (input.withDown) files.push(join(input.dir, `${base}.down.sql`));
  if (input.dryRun) return { dryRun: true, version, name: slug, files };
  await makeDirectory(dir, input.dir);
  try {
    await writeFile(join(dir, `${base}.sql`), t.up(base, input.noTransaction), { flag: 'wx' });
    if (input.withDown) await writeFile(join(dir, `${base}.down.sql`), t.down(base, input.noTransaction), { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ConflictError(`${base} already exists in ${input.dir}.`, {
        hint: 'Another `migrate new` ran at the same time: run it again.',
      });
    }
    throw e;
  }
  return { dryRun: false, version, name: slug, files };
}
