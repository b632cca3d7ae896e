import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/lib/errors.js';
import {
  assembleMigrations,
  checksumOf,
  hasNoTransactionMarker,
  loadMigrations,
  parseFileName,
  parseVersionArg,
  type RawFile,
} from '../../../src/lib/migrate/files.js';

const raw = (name: string, text: string): RawFile => ({ name, bytes: Buffer.from(text) });

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (e) {
    if (e instanceof UsageError) return e;
    throw e;
  }
  throw new Error('expected a UsageError');
}

describe('parseFileName', () => {
  it('reads up and down files, ignores what is not SQL, rejects bad SQL names', () => {
    expect(parseFileName('0007_add_index.sql')).toEqual({ kind: 'up', version: 7, prefix: '0007', name: 'add_index' });
    expect(parseFileName('20250101120000_big-one.down.sql')).toEqual({
      kind: 'down',
      version: 20250101120000,
      prefix: '20250101120000',
      name: 'big-one',
    });
    expect(parseFileName('README.md')).toEqual({ kind: 'ignored' });
    expect(parseFileName('.0001_hidden.sql')).toEqual({ kind: 'ignored' });
    expect(parseFileName('add_index.sql').kind).toBe('invalid');
    expect(parseFileName('0007-Add Index.sql').kind).toBe('invalid');
    expect(parseFileName('0007_.sql').kind).toBe('invalid');
  });
});

describe('hasNoTransactionMarker', () => {
  it('is true only for the first line (BOM and trailing spaces allowed)', () => {
    expect(hasNoTransactionMarker('-- dbops:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);')).toBe(true);
    expect(hasNoTransactionMarker('\uFEFF-- dbops:no-transaction  \r\nSELECT 1;')).toBe(true);
    expect(hasNoTransactionMarker('SELECT 1;\n-- dbops:no-transaction\n')).toBe(false);
    expect(hasNoTransactionMarker('-- dbops:no-transactions\n')).toBe(false);
  });
});

describe('assembleMigrations', () => {
  it('orders by numeric version, pairs down files and checksums the bytes', () => {
    // GIVEN files out of lexical order (10 sorts before 9 as text), one with a down file
    const files = [
      raw('10_ten.sql', 'SELECT 10;'),
      raw('9_nine.sql', 'SELECT 9;'),
      raw('9_nine.down.sql', 'SELECT -9;'),
      raw('notes.txt', 'x'),
    ];
    // WHEN assembled
    const out = assembleMigrations('/m', files);
    // THEN version order, with the down file attached to its up file
    expect(out.map((m) => [m.version, m.file, m.down?.file, m.checksum])).toEqual([
      [9, '9_nine.sql', '9_nine.down.sql', checksumOf('SELECT 9;')],
      [10, '10_ten.sql', undefined, checksumOf('SELECT 10;')],
    ]);
    expect(out[0]!.path).toBe(join('/m', '9_nine.sql'));
  });

  it('reports every problem at once: bad name, duplicate version, orphan down file, BEGIN/COMMIT', () => {
    // GIVEN a directory with four kinds of problem
    const files = [
      raw('0001_a.sql', 'SELECT 1;'),
      raw('001_b.sql', 'SELECT 1;'),
      raw('0002_c.down.sql', 'SELECT 1;'),
      raw('0003_Bad Name.sql', 'SELECT 1;'),
      raw('0004_tx.sql', 'BEGIN;\nSELECT 1;\nCOMMIT;'),
    ];
    // WHEN assembled
    const e = usageError(() => assembleMigrations('/m', files));
    // THEN one UsageError lists them all
    expect(e.details).toEqual({
      problems: [
        '0003_Bad Name.sql: expected NNNN_name.sql or NNNN_name.down.sql (digits, underscore, then lower-case letters, digits, _ or -)',
        '001_b.sql: version 1 is also used by 0001_a.sql',
        '0002_c.down.sql: no up file 0002_c.sql beside it',
        '0004_tx.sql line 1: BEGIN (dbops runs each migration in its own transaction)',
        '0004_tx.sql line 3: COMMIT (dbops runs each migration in its own transaction)',
      ],
    });
    expect(e.message).toMatch(/^The migrations directory \/m has 5 problems: /);
  });

  it('allows savepoints and a no-transaction file', () => {
    // GIVEN a savepoint in a transactional file and a marked file
    const files = [
      raw('0001_a.sql', 'SAVEPOINT s; SELECT 1; ROLLBACK TO SAVEPOINT s;'),
      raw('0002_b.sql', '-- dbops:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);'),
    ];
    // WHEN assembled THEN both load, the second marked
    expect(assembleMigrations('/m', files).map((m) => m.noTransaction)).toEqual([false, true]);
  });
});

describe('loadMigrations', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dbops-mig-files-'));
    await mkdir(join(dir, 'm'));
    await writeFile(join(dir, 'm', '0001_init.sql'), 'CREATE TABLE t (id int);');
    await writeFile(join(dir, 'm', 'README.md'), '# notes');
    await writeFile(join(dir, 'a-file'), '');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads the directory', async () => {
    const out = await loadMigrations(join(dir, 'm'));
    expect(out.map((m) => m.file)).toEqual(['0001_init.sql']);
  });

  it('says when the directory does not exist, or is a file (exit 2)', async () => {
    await expect(loadMigrations(join(dir, 'nope'))).rejects.toMatchObject({
      exitCode: 2,
      message: `The migrations directory ${join(dir, 'nope')} does not exist.`,
    });
    await expect(loadMigrations(join(dir, 'a-file'))).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('(it is a file)'),
    });
  });
});

describe('parseVersionArg', () => {
  it('reads 0003 and 3, rejects the rest', () => {
    expect([parseVersionArg('0003', '--to'), parseVersionArg('3', '--to')]).toEqual([3, 3]);
    expect(() => parseVersionArg('v3', '--to')).toThrow('--to expects a migration version such as 0003, got "v3".');
  });
});
