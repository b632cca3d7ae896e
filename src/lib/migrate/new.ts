/**
 * `dbops migrate new <name>`: the next NNNN_name.sql (and .down.sql) in the migrations
 * directory, numbered after the highest version there, from a template that says how
 * dbops will run it. No database needed.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConflictError, UsageError } from '../errors.js';
import { NO_TRANSACTION_MARKER, parseFileName } from './files.js';

export interface NewMigrationInput {
  dir: string;
  name: string;
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
  return slug;
}

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

/** The up file's template. */
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

export async function newMigration(input: NewMigrationInput): Promise<NewMigrationResult> {
  const slug = migrationSlug(input.name);
  const dir = resolve(input.dir);
  const existing = await readdir(dir).catch(() => [] as string[]);
  const { version, prefix } = nextVersion(existing);
  const base = `${prefix}_${slug}`;
  const files = [join(input.dir, `${base}.sql`)];
  if (input.withDown) files.push(join(input.dir, `${base}.down.sql`));
  if (input.dryRun) return { dryRun: true, version, name: slug, files };
  await mkdir(dir, { recursive: true });
  try {
    await writeFile(join(dir, `${base}.sql`), upTemplate(base, input.noTransaction), { flag: 'wx' });
    if (input.withDown) await writeFile(join(dir, `${base}.down.sql`), downTemplate(base, input.noTransaction), { flag: 'wx' });
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
