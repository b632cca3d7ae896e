/**
 * `dbops migrate` on MySQL as a process (bin/dbops) against a real MariaDB 10.11: exit
 * codes, --json, the implicit-commit warning, a failed migration blocking the next run
 * until `migrate resolve`, the DELIMITER refusal; and `dbops vector` refusing MySQL.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMariadb, type TestMariadb } from '../../_helpers/mariadb.js';
import { runDbops, type RunResult } from '../../_helpers/run-dbops.js';
import { migrationsDir, removeDir } from './_setup.js';

let server: TestMariadb;
let home: string;
const dirs: string[] = [];

beforeAll(async () => {
  server = await startMariadb();
  home = await mkdtemp(join(tmpdir(), 'dbops-mysql-cli-'));
});
afterAll(async () => {
  await Promise.all(dirs.map(removeDir));
  if (home) await rm(home, { recursive: true, force: true });
  await server?.stop();
});

function dbops(args: string[]): Promise<RunResult> {
  return runDbops(args, { env: { DBOPS_HOME: home, DBOPS_PROVIDER: 'local' }, cwd: home });
}

async function dir(files: Record<string, string>): Promise<string> {
  const d = await migrationsDir(files);
  dirs.push(d);
  return d;
}

describe('dbops migrate on MySQL (bin/dbops)', () => {
  it('migrate new with database.engine mysql writes the MySQL template, and refuses --no-transaction (exit 2)', async () => {
    const d = await dir({});
    const env = { DBOPS_HOME: home, DBOPS_PROVIDER: 'local', DBOPS_DATABASE__ENGINE: 'mysql' };
    const made = await runDbops(['migrate', 'new', 'add rating', '--dir', d], { env, cwd: home });
    expect(made.exitCode, made.stderr).toBe(0);
    expect(await readFile(join(d, '0001_add_rating.sql'), 'utf8')).toContain('this file is NOT one transaction');
    const refused = await runDbops(['migrate', 'new', 'idx', '--no-transaction', '--dir', d], { env, cwd: home });
    expect([refused.exitCode, refused.stderr.split('\n')[0]]).toEqual([
      2,
      'error: --no-transaction is for PostgreSQL: MySQL runs every migration outside a transaction, statement by statement, already.',
    ]);
  });

  it('applies, fails half-way (exit 1), refuses the next run (exit 1), resolves (exit 0), then applies the fixed file', async () => {
    const url = await server.freshDatabase('cli');
    const d = await dir({
      '0001_authors.sql': 'CREATE TABLE authors (id INT PRIMARY KEY) ENGINE=InnoDB;\n',
      '0002_broken.sql': 'CREATE TABLE tags (id INT PRIMARY KEY) ENGINE=InnoDB;\nALTER TABLE nope ADD COLUMN x INT;\n',
    });
    // GIVEN a failing second migration WHEN migrate up runs
    const first = await dbops(['migrate', 'up', '--url', url, '--dir', d, '--json']);
    // THEN exit 1: the first applied, the second marked failed, and the user is told why and what next
    expect(first.exitCode).toBe(1);
    expect(first.stderr).toContain('MySQL commits DDL implicitly: a migration that fails half-way is not rolled back');
    expect(first.stderr).toContain('Migration 0002_broken.sql failed at line 2 (statement 2 of 2)');
    expect(first.stderr).toContain('`dbops migrate resolve 2`');
    // AND the next run refuses before changing anything
    await writeFile(join(d, '0002_broken.sql'), 'CREATE TABLE IF NOT EXISTS tags (id INT PRIMARY KEY) ENGINE=InnoDB;\n');
    const blocked = await dbops(['migrate', 'up', '--url', url, '--dir', d]);
    expect(blocked.exitCode).toBe(1);
    expect(blocked.stderr).toMatch(/Refused to migrate on 127\.0\.0\.1:\d+\/cli_\d+_\d+: migration 0002_broken\.sql failed half-way/);
    // AND status shows it; verify fails
    const status = await dbops(['migrate', 'status', '--url', url, '--dir', d, '--json']);
    expect(status.exitCode).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ engine: 'mysql', summary: { applied: 1, failed: 1, pending: 0 } });
    expect((await dbops(['migrate', 'verify', '--url', url, '--dir', d])).exitCode).toBe(1);
    // WHEN resolved: without --yes and no TTY it refuses; the dry run changes nothing; --yes resolves
    expect((await dbops(['migrate', 'resolve', '2', '--url', url, '--dir', d])).exitCode).toBe(2);
    const dry = await dbops(['migrate', 'resolve', '0002', '--url', url, '--dir', d, '--dry-run', '--json']);
    expect([dry.exitCode, JSON.parse(dry.stdout).status]).toEqual([0, 'dry-run']);
    const done = await dbops(['migrate', 'resolve', '0002', '--url', url, '--dir', d, '--yes', '--json']);
    expect([done.exitCode, JSON.parse(done.stdout).status]).toEqual([0, 'resolved']);
    // THEN the fixed file applies
    const again = await dbops(['migrate', 'up', '--url', url, '--dir', d, '--json']);
    expect(again.exitCode).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      status: 'applied',
      engine: 'mysql',
      transactionalDdl: false,
      applied: [{ version: 2 }],
    });
  });

  it('refuses a DELIMITER file with exit 2 and one sentence', async () => {
    const url = await server.freshDatabase('clidelim');
    const d = await dir({ '0001_p.sql': 'DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END//\nDELIMITER ;\n' });
    const r = await dbops(['migrate', 'up', '--url', url, '--dir', d]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('0001_p.sql uses DELIMITER at line 1, a command of the mysql client that dbops does not support.');
  });
});

describe('Ctrl-C during a MySQL migration', () => {
  it('kills the statement in flight, marks the migration failed, exits 130, and leaves no lock', async () => {
    const url = await server.freshDatabase('clisig');
    const d = await dir({
      '0001_t.sql': 'CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB;\n',
      '0002_slow.sql': "SELECT BENCHMARK(100000000000, MD5('dbops'));\n",
    });
    const r = await runDbops(['migrate', 'up', '--url', url, '--dir', d], {
      env: { DBOPS_HOME: home, DBOPS_PROVIDER: 'local' },
      cwd: home,
      signal: { name: 'SIGINT', whenStderrMatches: /Applying 0002_slow\.sql/ },
    });
    expect(r.exitCode).toBe(130);
    expect(r.stderr).toContain('0001_t.sql was applied; the migration in flight was stopped and marked failed');
    const rows = await server.query<{ version: string; kind: string }>(
      'SELECT version, kind FROM dbops.schema_migrations WHERE database_name = ? ORDER BY version',
      [new URL(url).pathname.slice(1)],
    );
    expect(rows.map((x) => [Number(x.version), x.kind])).toEqual([
      [1, 'up'],
      [2, 'failed'],
    ]);
    // The lock went with the session: the next run is refused for the failed migration, not for the lock.
    const next = await dbops(['migrate', 'up', '--url', url, '--dir', d]);
    expect(next.exitCode).toBe(1);
    expect(next.stderr).toContain('migration 0002_slow.sql failed half-way');
  });
});

describe('dbops vector on MySQL', () => {
  it('refuses a MySQL database in one sentence (exit 2)', async () => {
    const r = await dbops(['vector', 'status', '--url', 'mysql://app:pw@127.0.0.1:1/shop']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(
      '127.0.0.1:1/shop is a MySQL database: pgvector exists only on PostgreSQL, so `dbops vector` does not apply to it.',
    );
  });
});
