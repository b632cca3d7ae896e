/**
 * `dbops migrate` and `dbops heartbeat` as processes (bin/dbops) against a real
 * PostgreSQL 15 instance of the local provider: two runners at once, the lock timeout,
 * Ctrl-C during a migration, exit codes, --json, and bad input.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATE_LOCK_KEY } from '../../../src/lib/migrate/lock.js';
import { withPg } from '../../_helpers/local.js';
import { ANSI, runDbops, type RunResult } from '../../_helpers/run-dbops.js';
import { freshDatabase, history, migrationsDir, onDb, relationExists, removeDir, startInstance, type TestInstance } from './_setup.js';

let inst: TestInstance;
const dirs: string[] = [];

beforeAll(async () => {
  inst = await startInstance('cli-db');
});
afterAll(async () => {
  await Promise.all(dirs.map(removeDir));
  await inst?.destroy();
});

async function dir(files: Record<string, string>): Promise<string> {
  const d = await migrationsDir(files);
  dirs.push(d);
  return d;
}

function dbops(args: string[], opts: Parameters<typeof runDbops>[1] = {}): Promise<RunResult> {
  return runDbops(args, { env: inst.env, cwd: inst.home, ...opts });
}

interface UpJson {
  status: string;
  applied: { version: number }[];
}

describe('two runners at once', () => {
  it('apply each migration exactly once', async () => {
    // GIVEN migrations that each record that they ran, and take a moment
    const files: Record<string, string> = { '0001_runs.sql': 'CREATE TABLE runs (version int NOT NULL);' };
    for (let v = 2; v <= 6; v++)
      files[`000${v}_step.sql`.replace('step', `step${v}`)] = `SELECT pg_sleep(0.1);\nINSERT INTO runs VALUES (${v});`;
    const d = await dir(files);
    // WHEN two `dbops migrate up` processes start together on the instance's database
    const args = ['migrate', 'up', '--instance', inst.id, '--dir', d, '--json'];
    const [a, b] = await Promise.all([dbops(args), dbops(args)]);
    // THEN both succeed, between them every migration ran once, and the table saw each once
    expect([a.exitCode, b.exitCode], a.stderr + b.stderr).toEqual([0, 0]);
    const runs = [JSON.parse(a.stdout) as UpJson, JSON.parse(b.stdout) as UpJson];
    expect(runs.flatMap((r) => r.applied.map((m) => m.version)).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    // (the lock is held for a whole run: whoever came second found nothing left to do)
    expect(runs.map((r) => r.status).sort()).toEqual(['applied', 'up-to-date']);
    const rows = await withPg(inst.info, (c) => c.query<{ version: number }>('SELECT version FROM runs ORDER BY version'));
    expect(rows.rows.map((r) => r.version)).toEqual([2, 3, 4, 5, 6]);
    const recorded = await withPg(inst.info, (c) => c.query<{ n: number }>('SELECT count(*)::int AS n FROM dbops.schema_migrations'));
    expect(recorded.rows[0]!.n).toBe(6);
  });
});

describe('the migration lock', () => {
  it('gives up after --lock-timeout while another session holds it (exit 3), applying nothing', async () => {
    // GIVEN another session holding the dbops migration lock
    const url = await freshDatabase(inst);
    const d = await dir({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    const holder = new pg.Client({ connectionString: url, application_name: 'the other deploy' });
    await holder.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock(${MIGRATE_LOCK_KEY})`);
      // WHEN up runs with a short lock timeout
      const r = await dbops(['migrate', 'up', '--url', url, '--dir', d, '--lock-timeout', '300ms']);
      // THEN it fails clearly, naming the holder, and changed nothing
      expect(r.exitCode).toBe(3);
      expect(r.stderr).toMatch(
        /^error \[step MG-4\]: Another migration run holds the dbops migration lock on 127\.0\.0\.1:\d+\/\w+ \(pid \d+, application "the other deploy"/m,
      );
      expect(r.stderr).toMatch(/gave up after 300ms\.$/m);
      expect(r.stderr).toMatch(/^hint: .*--lock-timeout/m);
    } finally {
      await holder.end();
    }
    expect(await relationExists(inst, url, 'a')).toBe(false);
  });
});

/** The error line of a run's stderr (the step progress lines come before it). */
function errorLine(stderr: string): string | undefined {
  return stderr.split('\n').find((l) => l.startsWith('error'));
}

describe('interrupted', () => {
  it('Ctrl-C during a long migration rolls it back at once: exit 130, earlier ones stay', async () => {
    const url = await freshDatabase(inst);
    const d = await dir({ '0001_a.sql': 'CREATE TABLE a (id int);', '0002_slow.sql': 'CREATE TABLE b (id int);\nSELECT pg_sleep(60);' });
    const r = await dbops(['migrate', 'up', '--url', url, '--dir', d], {
      signal: { name: 'SIGINT', whenStderrMatches: /Applying 0002_slow\.sql/ },
      timeoutMs: 30_000,
    });
    expect(r.exitCode, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/^hint: 0001_a\.sql was applied; the migration in flight was rolled back\./m);
    expect(await history(inst, url)).toEqual([[1, 'a', 'up']]);
    expect(await relationExists(inst, url, 'b')).toBe(false);
    const sleeping = await onDb(inst, url, (c) =>
      c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()"),
    );
    expect(sleeping.rows[0].n).toBe(0);
  });
});

describe('exit codes and output', () => {
  it('status, up, verify with --json: one document on stdout, no ANSI', async () => {
    const url = await freshDatabase(inst);
    const d = await dir({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    const up = await dbops(['migrate', 'up', '--url', url, '--dir', d, '--json']);
    const status = await dbops(['migrate', 'status', '--url', url, '--dir', d, '--json']);
    const verify = await dbops(['migrate', 'verify', '--url', url, '--dir', d, '--json']);
    expect([up.exitCode, status.exitCode, verify.exitCode]).toEqual([0, 0, 0]);
    expect(JSON.parse(up.stdout)).toMatchObject({
      status: 'applied',
      applied: [{ version: 1, file: '0001_a.sql', noTransaction: false, notices: [] }],
    });
    // the run report follows runbooks/migrate.md, step by step
    const report = (JSON.parse(up.stdout) as { report: { runbookFile: string; steps: { id: string; status: string }[] } }).report;
    expect(report.runbookFile).toBe('runbooks/migrate.md');
    expect(report.steps.map((st) => [st.id, st.status])).toEqual([
      ['MG-1', 'ok'],
      ['MG-2', 'ok'],
      ['MG-3', 'ok'],
      ['MG-4', 'ok'],
      ['MG-5', 'ok'],
    ]);
    expect(JSON.parse(status.stdout)).toMatchObject({ summary: { files: 1, applied: 1, pending: 0, drift: 0, lint: 0 } });
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, drift: [], lint: [] });
    for (const r of [up, status, verify]) expect(ANSI.test(r.stdout + r.stderr)).toBe(false);
  });

  it('drift: verify and up exit 1; a failing migration exits 1 naming file and line', async () => {
    const url = await freshDatabase(inst);
    const d = await dir({ '0001_a.sql': 'CREATE TABLE a (id int);', '0003_c.sql': 'CREATE TABLE c (id int);' });
    await dbops(['migrate', 'up', '--url', url, '--dir', d]);
    await writeFile(join(d, '0002_b.sql'), 'CREATE TABLE b (id int);');
    const verify = await dbops(['migrate', 'verify', '--url', url, '--dir', d]);
    const up = await dbops(['migrate', 'up', '--url', url, '--dir', d]);
    expect([verify.exitCode, up.exitCode]).toEqual([1, 1]);
    expect(verify.stdout).toContain('out-of-order: 0002_b.sql is not applied but a higher version (3) is: it would run out of order');
    expect(up.stderr).toMatch(/^error: Refused to migrate: the migration history and the files disagree \(drift\); nothing was changed\./m);
    const bad = await dir({ '0001_bad.sql': 'CREATE TABLE ok (id int);\nCREATE TABLE x (id nosuchtype);' });
    const url2 = await freshDatabase(inst);
    const failed = await dbops(['migrate', 'up', '--url', url2, '--dir', bad]);
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toMatch(/^✖ \[MG-5\] Apply the pending migrations: Migration 0001_bad\.sql failed at line 2/m);
    expect(failed.stderr).toMatch(
      /^error \[step MG-5\]: Migration 0001_bad\.sql failed at line 2: type "nosuchtype" does not exist \(SQLSTATE 42704\); it was rolled back and not recorded\.$/m,
    );
  });

  it('bad input exits 2 and changes nothing: unknown dir, bad file name, missing down file, bad --to', async () => {
    const url = await freshDatabase(inst);
    const unknown = await dbops(['migrate', 'up', '--url', url, '--dir', '/nonexistent/migrations']);
    expect([unknown.exitCode, errorLine(unknown.stderr)]).toEqual([
      2,
      'error [step MG-1]: The migrations directory /nonexistent/migrations does not exist.',
    ]);
    const badName = await dir({ '0001_a.sql': 'SELECT 1;', 'create users.sql': 'SELECT 1;' });
    const named = await dbops(['migrate', 'up', '--url', url, '--dir', badName]);
    expect(named.exitCode).toBe(2);
    expect(named.stderr).toContain('create users.sql: expected NNNN_name.sql or NNNN_name.down.sql');
    const noDown = await dir({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    await dbops(['migrate', 'up', '--url', url, '--dir', noDown]);
    const down = await dbops(['migrate', 'down', '--url', url, '--dir', noDown, '--yes']);
    expect([down.exitCode, errorLine(down.stderr)]).toEqual([
      2,
      'error [step MG-3]: Refusing to revert: 0001_a.sql has no .down.sql file; nothing was changed.',
    ]);
    expect(await relationExists(inst, url, 'a')).toBe(true);
    const to = await dbops(['migrate', 'up', '--url', url, '--dir', noDown, '--to', 'latest']);
    expect([to.exitCode, to.stderr.split('\n')[0]]).toEqual([2, 'error: --to expects a migration version such as 0003, got "latest".']);
    const dur = await dbops(['migrate', 'up', '--url', url, '--dir', noDown, '--lock-timeout', 'soon']);
    expect(dur.exitCode).toBe(2);
  });

  it('migrate new writes the next files; heartbeat writes a row on the configured instance', async () => {
    const d = await dir({ '0001_a.sql': 'SELECT 1;' });
    const n = await dbops(['migrate', 'new', 'Add recipe tags', '--dir', d, '--json']);
    expect(n.exitCode, n.stderr).toBe(0);
    expect((await readdir(d)).sort()).toEqual(['0001_a.sql', '0002_add_recipe_tags.down.sql', '0002_add_recipe_tags.sql']);
    const hb = await dbops(['heartbeat', '--instance', inst.id, '--json']);
    expect(hb.exitCode, hb.stderr).toBe(0);
    expect(JSON.parse(hb.stdout)).toMatchObject({ target: inst.id, writtenBy: expect.stringMatching(/^dbops_admin@/) });
  });
});
