import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assembleMigrations, checksumOf } from '../../../src/lib/migrate/files.js';
import { lintMysqlMigrations } from '../../../src/lib/migrate/lint-mysql.js';
import { mysqlDownTemplate, mysqlUpTemplate, migrationSlug, newMigration, nextVersion, upTemplate } from '../../../src/lib/migrate/new.js';
import { UsageError } from '../../../src/lib/errors.js';

describe('migrationSlug and nextVersion', () => {
  it('makes a file-name slug of any text', () => {
    expect(migrationSlug('Add recipe tags!')).toBe('add_recipe_tags');
    expect(migrationSlug('  keep-dashes_and_1 ')).toBe('keep-dashes_and_1');
    expect(() => migrationSlug('!!!')).toThrow('"!!!" does not make a migration name.');
    // a name too long for a file name is bad input (exit 2), not ENAMETOOLONG (exit 5)
    expect(migrationSlug('x'.repeat(100))).toHaveLength(100);
    expect(() => migrationSlug('x'.repeat(300))).toThrow('The migration name is 300 characters long; at most 100 fit a file name.');
  });

  it('numbers after the highest version, keeping the widest prefix', () => {
    expect(nextVersion([])).toEqual({ version: 1, prefix: '0001' });
    expect(nextVersion(['0001_a.sql', '0009_b.sql', '0009_b.down.sql', 'README.md'])).toEqual({ version: 10, prefix: '0010' });
    expect(nextVersion(['000041_a.sql'])).toEqual({ version: 42, prefix: '000042' });
  });
});

describe('newMigration', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dbops-mig-new-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes the next up and down files, which load as a valid migration', async () => {
    // GIVEN a directory with version 1
    await writeFile(join(dir, '0001_init.sql'), 'SELECT 1;');
    // WHEN a new migration is made
    const r = await newMigration({ dir, name: 'Add tags', engine: 'postgres', noTransaction: false, withDown: true, dryRun: false });
    // THEN 0002_add_tags.sql and its down file exist, and the directory still loads
    expect(r).toEqual({
      dryRun: false,
      version: 2,
      name: 'add_tags',
      files: [join(dir, '0002_add_tags.sql'), join(dir, '0002_add_tags.down.sql')],
    });
    const names = (await readdir(dir)).sort();
    expect(names).toEqual(['0001_init.sql', '0002_add_tags.down.sql', '0002_add_tags.sql']);
    const text = await readFile(join(dir, '0002_add_tags.sql'), 'utf8');
    expect(text).toBe(upTemplate('0002_add_tags', false));
    const loaded = assembleMigrations(dir, await Promise.all(names.map(async (n) => ({ name: n, bytes: await readFile(join(dir, n)) }))));
    expect(loaded.map((m) => [m.file, m.down?.file, m.noTransaction])).toEqual([
      ['0001_init.sql', undefined, false],
      ['0002_add_tags.sql', '0002_add_tags.down.sql', false],
    ]);
    expect(loaded[1]!.checksum).toBe(checksumOf(text));
  });

  it('marks a no-transaction migration on its first line, and --no-down writes one file', async () => {
    await newMigration({ dir, name: 'idx', engine: 'postgres', noTransaction: true, withDown: false, dryRun: false });
    expect(await readdir(dir)).toEqual(['0001_idx.sql']);
    expect((await readFile(join(dir, '0001_idx.sql'), 'utf8')).split('\n')[0]).toBe('-- dbops:no-transaction');
  });

  it('creates a missing directory, and a dry run writes nothing', async () => {
    const sub = join(dir, 'deeper', 'migrations');
    const dry = await newMigration({ dir: sub, name: 'x', engine: 'postgres', noTransaction: false, withDown: true, dryRun: true });
    expect(dry.dryRun).toBe(true);
    await expect(readdir(sub)).rejects.toMatchObject({ code: 'ENOENT' });
    await newMigration({ dir: sub, name: 'x', engine: 'postgres', noTransaction: false, withDown: true, dryRun: false });
    expect((await readdir(sub)).sort()).toEqual(['0001_x.down.sql', '0001_x.sql']);
  });

  it('a --dir that is a file is bad input (exit 2), not an internal EEXIST (exit 5)', async () => {
    const file = join(dir, 'not-a-dir');
    await writeFile(file, 'x');
    for (const d of [file, join(file, 'below')]) {
      await expect(
        newMigration({ dir: d, name: 'x', engine: 'postgres', noTransaction: false, withDown: true, dryRun: false }),
      ).rejects.toMatchObject({ message: `The migrations directory ${d} is a file, or under one, not a directory.`, exitCode: 2 });
    }
  });
});

describe('newMigration for MySQL', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dbops-mig-new-mysql-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes the MySQL template: no transaction, one DDL per file, ALGORITHM/LOCK, no DELIMITER', async () => {
    await newMigration({ dir, name: 'add rating', engine: 'mysql', noTransaction: false, withDown: true, dryRun: false });
    const up = await readFile(join(dir, '0001_add_rating.sql'), 'utf8');
    expect(up).toBe(mysqlUpTemplate('0001_add_rating'));
    expect(up.split('\n').slice(0, 9)).toEqual([
      '-- 0001_add_rating: <what this changes, and why>',
      '-- MySQL commits every DDL statement on its own: this file is NOT one transaction. dbops runs',
      '-- it statement by statement; if one fails, those before it stay applied and the migration is',
      '-- marked failed until you check the schema and run `dbops migrate resolve <version>`.',
      '-- So: one DDL statement per file, and say how it may run, so MySQL refuses it instead of',
      '-- copying a large table while blocking its writes:',
      '--   ALTER TABLE recipes ADD COLUMN rating TINYINT NULL, ALGORITHM=INSTANT;',
      '--   ALTER TABLE recipes ADD INDEX recipes_rating_idx (rating), ALGORITHM=INPLACE, LOCK=NONE;',
      '-- No DELIMITER: end a procedure or trigger body with END; dbops sends it as one statement.',
    ]);
    expect(await readFile(join(dir, '0001_add_rating.down.sql'), 'utf8')).toBe(mysqlDownTemplate('0001_add_rating'));
    // The template alone is all comments: MySQL's lint finds nothing to say about it.
    expect(lintMysqlMigrations([{ file: '0001_add_rating.sql', sql: up }], { lockTimeoutMs: 10_000 })).toEqual([]);
  });

  it('refuses --no-transaction in one sentence (exit 2), and writes nothing', async () => {
    const e = await newMigration({ dir, name: 'idx', engine: 'mysql', noTransaction: true, withDown: true, dryRun: false }).catch((x) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect([e.message, e.hint, e.exitCode]).toEqual([
      '--no-transaction is for PostgreSQL: MySQL runs every migration outside a transaction, statement by statement, already.',
      'Run `dbops migrate new idx` without it; the file explains how MySQL runs it.',
      2,
    ]);
    expect(await readdir(dir)).toEqual([]);
  });
});
