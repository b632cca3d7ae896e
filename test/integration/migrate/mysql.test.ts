/**
 * `dbops migrate` on MySQL, against a real MariaDB 10.11 (test/_helpers/mariadb.ts): the
 * history in the dbops database, the GET_LOCK migration lock under concurrency, a failing
 * DDL marked failed and blocking the next run until `migrate resolve`, drift, and the
 * DELIMITER refusal. In-process calls of the lib with a real Context.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbopsError } from '../../../src/lib/errors.js';
import { writeHeartbeat } from '../../../src/lib/migrate/heartbeat.js';
import {
  migrateBaseline,
  migrateDown,
  migrateResolve,
  migrateStatus,
  migrateUp,
  migrateVerify,
  type UpResult,
} from '../../../src/lib/migrate/migrate.js';
import { migrateLockName } from '../../../src/lib/engines/mysql/sql.js';
import { startMariadb, type TestMariadb } from '../../_helpers/mariadb.js';
import { migrationsDir, removeDir, testContext } from './_setup.js';

const SETTINGS = { lockTimeoutMs: 10_000, statementTimeoutMs: 0 };

let server: TestMariadb;
let home: string;
const dirs: string[] = [];

beforeAll(async () => {
  server = await startMariadb();
  home = await mkdtemp(join(tmpdir(), 'dbops-mysql-migrate-'));
});
afterAll(async () => {
  await Promise.all(dirs.map(removeDir));
  if (home) await rm(home, { recursive: true, force: true });
  await server?.stop();
});

const inst = () => ({ home, env: { DBOPS_HOME: home, DBOPS_PROVIDER: 'local' } });

async function withCtx<T>(fn: (ctx: Awaited<ReturnType<typeof testContext>>['ctx']) => Promise<T>, flags: { yes?: boolean } = {}) {
  const t = await testContext(inst(), flags);
  try {
    return { value: await fn(t.ctx), stderr: t.stderr() };
  } finally {
    await t.close();
  }
}

async function failure(p: Promise<unknown>): Promise<DbopsError> {
  const outcome = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(outcome instanceof DbopsError)) throw new Error(`expected a DbopsError, got ${String(outcome)}`);
  return outcome;
}

async function dir(files: Record<string, string>): Promise<string> {
  const d = await migrationsDir(files);
  dirs.push(d);
  return d;
}

const upInput = (url: string, d: string, extra: Partial<Parameters<typeof migrateUp>[1]> = {}) => ({
  target: { url },
  dir: d,
  ...SETTINGS,
  allowDrift: false,
  dryRun: false,
  hostname: 'test-host',
  ...extra,
});
const up = async (url: string, d: string, extra: Partial<Parameters<typeof migrateUp>[1]> = {}) =>
  (await withCtx((ctx) => migrateUp(ctx, upInput(url, d, extra)))).value;
const status = async (url: string, d: string) =>
  (await withCtx((ctx) => migrateStatus(ctx, { target: { url }, dir: d, lockTimeoutMs: 10_000 }))).value;

const dbName = (url: string) => new URL(url).pathname.slice(1);

/** The history rows of one database: [version, name, kind]. */
async function history(url: string): Promise<[number, string, string][]> {
  const rows = await server.query<{ version: string; name: string; kind: string }>(
    'SELECT version, name, kind FROM dbops.schema_migrations WHERE database_name = ? ORDER BY version',
    [dbName(url)],
  );
  return rows.map((r) => [Number(r.version), r.name, r.kind]);
}

async function tables(url: string): Promise<string[]> {
  const rows = await server.query<{ name: string }>(
    'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
    [dbName(url)],
  );
  return rows.map((r) => r.name);
}

const FILES = {
  '0001_authors.sql': 'CREATE TABLE authors (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(80) NOT NULL) ENGINE=InnoDB;\n',
  '0002_recipes.sql':
    'CREATE TABLE recipes (id BIGINT PRIMARY KEY, author_id INT NOT NULL, CONSTRAINT recipes_author_fk FOREIGN KEY (author_id) REFERENCES authors (id)) ENGINE=InnoDB;\n',
};

describe('migrate up on MySQL', () => {
  it('applies the files, records each with its checksum in the dbops database, and says DDL commits implicitly', async () => {
    const url = await server.freshDatabase('apply');
    const d = await dir(FILES);
    const { value: r, stderr } = await withCtx((ctx) => migrateUp(ctx, upInput(url, d)));
    expect([r.status, r.engine, r.transactionalDdl, r.applied.map((m) => m.file)]).toEqual([
      'applied',
      'mysql',
      false,
      ['0001_authors.sql', '0002_recipes.sql'],
    ]);
    expect(stderr).toContain('MySQL commits DDL implicitly: a migration that fails half-way is not rolled back');
    expect(stderr).toContain('dbops migrate resolve <version>');
    expect(await tables(url)).toEqual(['authors', 'recipes']);
    const rows = await server.query<{ checksum: string; applied_by: string; kind: string }>(
      'SELECT checksum, applied_by, kind FROM dbops.schema_migrations WHERE database_name = ? AND version = 1',
      [dbName(url)],
    );
    expect(rows).toEqual([
      {
        checksum: createHash('sha256').update(FILES['0001_authors.sql']).digest('hex'),
        applied_by: 'dbops_admin@127.0.0.1@test-host',
        kind: 'up',
      },
    ]);
    // AND a second run applies nothing; status and verify agree
    expect((await up(url, d)).status).toBe('up-to-date');
    const s = await status(url, d);
    expect(s.summary).toEqual({ files: 2, applied: 2, pending: 0, drift: 0, failed: 0, lint: 0 });
  });

  it('keeps the history of each database apart on one server', async () => {
    const a = await server.freshDatabase('sep');
    const b = await server.freshDatabase('sep');
    const d = await dir(FILES);
    await up(a, d);
    expect(await history(a)).toEqual([
      [1, 'authors', 'up'],
      [2, 'recipes', 'up'],
    ]);
    expect(await history(b)).toEqual([]);
    expect((await status(b, d)).summary.pending).toBe(2);
  });

  it('a dry run prints the plan and the implicit-commit note, and changes nothing', async () => {
    const url = await server.freshDatabase('dry');
    const r = await up(url, await dir(FILES), { dryRun: true });
    expect([r.status, r.plan.map((p) => p.file)]).toEqual(['dry-run', ['0001_authors.sql', '0002_recipes.sql']]);
    expect(await tables(url)).toEqual([]);
  });
});

describe('the migration lock (GET_LOCK)', () => {
  it('gives up after --lock-timeout while another session holds it, naming the holder, and changes nothing', async () => {
    const url = await server.freshDatabase('held');
    const { host, port, user } = server.info;
    const holder = await mysql.createConnection({ host, port, user, password: server.info.password!.reveal(), database: dbName(url) });
    try {
      const [got] = await holder.query('SELECT GET_LOCK(?, 0) AS locked', [migrateLockName(dbName(url))]);
      expect(got).toEqual([{ locked: 1 }]);
      const e = await failure(up(url, await dir(FILES), { lockTimeoutMs: 1000 }));
      expect(e.exitCode).toBe(3);
      expect(e.message).toMatch(
        new RegExp(
          `^Another migration run holds the dbops migration lock on 127\\.0\\.0\\.1:${server.port}/${dbName(url)} \\(pid ${holder.threadId}, user dbops_admin@127\\.0\\.0\\.1`,
        ),
      );
      expect(e.message).toContain('gave up after 1s');
      expect(await tables(url)).toEqual([]);
    } finally {
      await holder.end();
    }
  });

  it('two runs at once: one waits for the other and applies nothing twice', async () => {
    const url = await server.freshDatabase('race');
    const d = await dir({
      ...FILES,
      '0001_authors.sql': `${FILES['0001_authors.sql']}SELECT SLEEP(1);\n`,
      '0003_tags.sql': 'CREATE TABLE tags (id INT PRIMARY KEY) ENGINE=InnoDB;\n',
    });
    const [a, b] = await Promise.all([up(url, d), up(url, d)]);
    const results: UpResult[] = [a, b];
    // Every version ran exactly once, in one of the two runs; the other found nothing left.
    const ran = results.flatMap((r) => r.applied.map((m) => m.version)).sort();
    expect(ran).toEqual([1, 2, 3]);
    expect(results.map((r) => r.status).sort()).toEqual(['applied', 'up-to-date']);
    expect(results.find((r) => r.status === 'up-to-date')!.lockWaitMs).toBeGreaterThan(0);
    expect(await history(url)).toEqual([
      [1, 'authors', 'up'],
      [2, 'recipes', 'up'],
      [3, 'tags', 'up'],
    ]);
  });
});

describe('a failing DDL (MySQL commits DDL implicitly)', () => {
  const broken = {
    ...FILES,
    '0003_tags.sql': 'CREATE TABLE tags (id INT PRIMARY KEY) ENGINE=InnoDB;\nALTER TABLE no_such_table ADD COLUMN x INT;\n',
  };

  it('marks the migration failed, keeps what it committed, and blocks every later run until resolved', async () => {
    const url = await server.freshDatabase('fail');
    const d = await dir(broken);
    // WHEN the third migration fails in its second statement
    const e = await failure(up(url, d));
    // THEN exit 1, the statement named, what stayed applied, and how to go on
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe(
      `Migration 0003_tags.sql failed at line 2 (statement 2 of 2): Table '${dbName(url)}.no_such_table' doesn't exist (MySQL error 1146, SQLSTATE 42S02); the statement before it stayed applied, and it is marked failed in dbops.schema_migrations; the 2 migrations before it in this run stay applied.`,
    );
    expect(e.hint).toContain('then run `dbops migrate resolve 3`');
    expect(e.step).toBe('MG-5');
    expect(await tables(url)).toEqual(['authors', 'recipes', 'tags']);
    expect(await history(url)).toEqual([
      [1, 'authors', 'up'],
      [2, 'recipes', 'up'],
      [3, 'tags', 'failed'],
    ]);
    // AND status and verify show it; the next up refuses (exit 1) even after the file was fixed
    const s = await status(url, d);
    expect(s.migrations.map((m) => m.state)).toEqual(['applied', 'applied', 'failed']);
    expect(s.failed.map((f) => [f.version, f.runbook])).toEqual([[3, 'runbooks/migrate.md#MG-R12']]);
    expect(s.failed[0]!.error).toContain("0003_tags.sql: Table '");
    const v = (await withCtx((ctx) => migrateVerify(ctx, { target: { url }, dir: d, lockTimeoutMs: 10_000, strict: false }))).value;
    expect(v.ok).toBe(false);
    await writeFile(join(d, '0003_tags.sql'), 'CREATE TABLE IF NOT EXISTS tags (id INT PRIMARY KEY) ENGINE=InnoDB;\n');
    const blocked = await failure(up(url, d));
    expect([blocked.exitCode, blocked.step]).toEqual([1, 'MG-3']);
    expect(blocked.message).toMatch(/^Refused to migrate on 127\.0\.0\.1:\d+\/fail_\d+_\d+: migration 0003_tags\.sql failed half-way on /);
    expect(blocked.hint).toContain('`dbops migrate resolve 3`');
    const base = await failure(withCtx((ctx) => migrateBaseline(ctx, { ...upInput(url, d), version: 3 })).then((x) => x.value));
    expect(base.message).toMatch(/^Refused to baseline on /);
    // WHEN resolved: a dry run changes nothing, then the failed mark goes
    const input = { ...upInput(url, d), version: 3, as: 'pending' as const };
    const dry = (await withCtx((ctx) => migrateResolve(ctx, { ...input, dryRun: true }))).value;
    expect([dry.status, dry.name, dry.error?.startsWith('0003_tags.sql: ')]).toEqual(['dry-run', 'tags', true]);
    expect((await history(url)).at(-1)).toEqual([3, 'tags', 'failed']);
    const refused = await failure(withCtx((ctx) => migrateResolve(ctx, input)).then((x) => x.value));
    expect([refused.exitCode, refused.message]).toEqual([2, expect.stringMatching(/^Refusing without confirmation: Migration 3 \(tags\)/)]);
    const done = (await withCtx((ctx) => migrateResolve(ctx, input), { yes: true })).value;
    expect(done.status).toBe('resolved');
    expect(done.report.steps.map((st) => [st.id, st.status])).toEqual([
      ['MG-1', 'ok'],
      ['MG-2', 'ok'],
      ['MG-3', 'ok'],
      ['MG-4', 'ok'],
      ['MG-8', 'ok'],
    ]);
    // THEN the fixed file runs again
    const again = await up(url, d);
    expect(again.applied.map((m) => m.file)).toEqual(['0003_tags.sql']);
    expect(await history(url)).toEqual([
      [1, 'authors', 'up'],
      [2, 'recipes', 'up'],
      [3, 'tags', 'up'],
    ]);
  });

  it('resolve --as applied records a migration completed by hand as baselined', async () => {
    const url = await server.freshDatabase('byhand');
    const d = await dir(broken);
    await failure(up(url, d));
    await server.query('ALTER TABLE tags ADD COLUMN x INT', [], dbName(url));
    const r = (await withCtx((ctx) => migrateResolve(ctx, { ...upInput(url, d), version: 3, as: 'applied' }), { yes: true })).value;
    expect(r.status).toBe('resolved');
    expect((await history(url)).at(-1)).toEqual([3, 'tags', 'baseline']);
    expect((await up(url, d)).status).toBe('up-to-date');
  });

  it('resolve refuses a version that is not marked failed (exit 2)', async () => {
    const url = await server.freshDatabase('nofail');
    const d = await dir(FILES);
    await up(url, d);
    const e = await failure(
      withCtx((ctx) => migrateResolve(ctx, { ...upInput(url, d), version: 2, as: 'pending' }), { yes: true }).then((x) => x.value),
    );
    expect([e.exitCode, e.message]).toEqual([
      2,
      `Migration 2 is not marked failed on 127.0.0.1:${server.port}/${dbName(url)} (it is applied); there is nothing to resolve.`,
    ]);
  });
});

describe('drift and bad files on MySQL', () => {
  it('finds a file edited after it was applied and refuses to migrate over it', async () => {
    const url = await server.freshDatabase('drift');
    const d = await dir(FILES);
    await up(url, d);
    await writeFile(join(d, '0001_authors.sql'), `-- edited\n${FILES['0001_authors.sql']}`);
    await writeFile(join(d, '0003_tags.sql'), 'CREATE TABLE tags (id INT PRIMARY KEY) ENGINE=InnoDB;\n');
    const s = await status(url, d);
    expect(s.drift.map((x) => [x.kind, x.version, x.runbook])).toEqual([['edited', 1, 'runbooks/migrate.md#MG-R1']]);
    const r = await up(url, d);
    expect([r.status, r.applied]).toEqual(['refused', []]);
    expect(await tables(url)).toEqual(['authors', 'recipes']);
  });

  it('refuses a migration that uses DELIMITER in one sentence (exit 2), before anything runs', async () => {
    const url = await server.freshDatabase('delim');
    const d = await dir({
      ...FILES,
      '0003_proc.sql': 'DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\nDELIMITER ;\n',
    });
    const e = await failure(up(url, d));
    expect([e.exitCode, e.message]).toEqual([
      2,
      '0003_proc.sql uses DELIMITER at line 1, a command of the mysql client that dbops does not support.',
    ]);
    expect(e.hint).toContain('dbops sends the BEGIN … END body of a CREATE PROCEDURE');
    expect(await tables(url)).toEqual([]);
  });

  it('runs a procedure written without DELIMITER as one statement', async () => {
    const url = await server.freshDatabase('proc');
    const d = await dir({
      '0001_proc.sql':
        'CREATE TABLE t (n INT) ENGINE=InnoDB;\nCREATE PROCEDURE fill(IN k INT)\nBEGIN\n  DECLARE i INT DEFAULT 0;\n  WHILE i < k DO\n    INSERT INTO t VALUES (i);\n    SET i = i + 1;\n  END WHILE;\nEND;\nCALL fill(3);\n',
    });
    expect((await up(url, d)).applied.map((m) => m.file)).toEqual(['0001_proc.sql']);
    expect(await server.query('SELECT COUNT(*) AS n FROM t', [], dbName(url))).toEqual([{ n: 3 }]);
  });
});

describe('migrate down on MySQL', () => {
  it('reverts the newest migration with its .down.sql and deletes its history row', async () => {
    const url = await server.freshDatabase('down');
    const d = await dir({ ...FILES, '0002_recipes.down.sql': 'DROP TABLE recipes;\n' });
    await up(url, d);
    const r = (
      await withCtx(
        (ctx) => migrateDown(ctx, { target: { url }, dir: d, ...SETTINGS, allowDrift: false, dryRun: false, hostname: 'h', steps: 1 }),
        { yes: true },
      )
    ).value;
    expect([r.status, r.reverted.map((m) => m.file)]).toEqual(['reverted', ['0002_recipes.down.sql']]);
    expect(await history(url)).toEqual([[1, 'authors', 'up']]);
    expect(await tables(url)).toEqual(['authors']);
  });
});

describe('dbops heartbeat on MySQL', () => {
  it('writes a row into dbops.heartbeat', async () => {
    const url = await server.freshDatabase('hb');
    const r = (await withCtx((ctx) => writeHeartbeat(ctx, { target: { url }, hostname: 'cron-host' }))).value;
    expect(r.writtenBy).toBe('dbops_admin@127.0.0.1@cron-host');
    const rows = await server.query<{ id: string }>('SELECT id FROM dbops.heartbeat WHERE id = ?', [r.id]);
    expect(rows.length).toBe(1);
  });
});
