/**
 * `dbops migrate` against real PostgreSQL 15 (local provider): the example schema, drift,
 * failures, no-transaction migrations, down, baseline, dry runs. In-process calls of the
 * lib with a real Context; exit codes are checked through bin/dbops in cli.test.ts.
 */
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbopsError } from '../../../src/lib/errors.js';
import { migrateBaseline, migrateDown, migrateResolve, migrateStatus, migrateUp, migrateVerify } from '../../../src/lib/migrate/migrate.js';
import { writeHeartbeat } from '../../../src/lib/migrate/heartbeat.js';
import {
  freshDatabase,
  history,
  migrationsDir,
  onDb,
  relationExists,
  removeDir,
  startInstance,
  testContext,
  type TestInstance,
  writeMigrations,
} from './_setup.js';

const EXAMPLE = fileURLToPath(new URL('../../../sql/migrations', import.meta.url));
const SETTINGS = { lockTimeoutMs: 10_000, statementTimeoutMs: 0 };

let inst: TestInstance;
const dirs: string[] = [];

beforeAll(async () => {
  inst = await startInstance('migrate-db');
});
afterAll(async () => {
  await Promise.all(dirs.map(removeDir));
  await inst?.destroy();
});

/** The error a promise rejects with (the test fails if it resolves). */
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

/** Runs one lib call with a fresh Context. */
async function withCtx<T>(
  fn: (ctx: Awaited<ReturnType<typeof testContext>>['ctx']) => Promise<T>,
  flags: { yes?: boolean } = {},
): Promise<T> {
  const t = await testContext(inst, flags);
  try {
    return await fn(t.ctx);
  } finally {
    await t.close();
  }
}

const up = (url: string, d: string, extra: Partial<Parameters<typeof migrateUp>[1]> = {}) =>
  withCtx((ctx) => migrateUp(ctx, { target: { url }, dir: d, ...SETTINGS, allowDrift: false, dryRun: false, ...extra }));

describe('the recipe-book example schema on PostgreSQL 15 without pgvector', () => {
  let url: string;
  beforeAll(async () => {
    url = await freshDatabase(inst, 'example');
  });

  it('applies all, records each with checksum, duration and applied_by, and skips the vector part with a notice', async () => {
    // GIVEN a fresh database WHEN every example migration is applied
    const r = await up(url, EXAMPLE);
    // THEN all eight ran, the vector one reporting why it created nothing
    expect(r.status).toBe('applied');
    expect(r.applied.map((m) => m.file)).toEqual([
      '0001_updated_at.sql',
      '0002_users.sql',
      '0003_recipes.sql',
      '0004_taste_profiles.sql',
      '0005_consent_records.sql',
      '0006_audit_logs.sql',
      '0007_recipe_embeddings.sql',
      '0008_recipes_public_recent_idx.sql',
    ]);
    expect(r.applied.find((m) => m.name === 'recipe_embeddings')!.notices).toEqual([
      'pgvector (extension "vector") is not available on this server: skipping recipe_embeddings and its HNSW index',
    ]);
    expect(await relationExists(inst, url, 'recipe_embeddings')).toBe(false);
    for (const t of ['users', 'recipes', 'taste_profiles', 'consent_records', 'audit_logs', 'recipes_public_created_at_idx']) {
      expect(await relationExists(inst, url, t), t).toBe(true);
    }
    // AND the history holds the file's sha256, who applied it, and a duration
    const rows = await onDb(inst, url, (c) =>
      c.query('SELECT version, name, checksum, duration_ms, applied_by, kind FROM dbops.schema_migrations WHERE version = 2'),
    );
    const bytes = await readFile(join(EXAMPLE, '0002_users.sql'));
    expect(rows.rows[0]).toMatchObject({
      name: 'users',
      checksum: createHash('sha256').update(bytes).digest('hex'),
      applied_by: `${inst.info.user}@${hostname()}`,
      kind: 'up',
    });
    expect(rows.rows[0].duration_ms).toBeGreaterThanOrEqual(0);
  });

  it('is idempotent: a second up applies nothing', async () => {
    const before = await history(inst, url);
    const r = await up(url, EXAMPLE);
    expect([r.status, r.applied, r.remaining]).toEqual(['up-to-date', [], 0]);
    expect(await history(inst, url)).toEqual(before);
  });

  it('reports status: eight applied, nothing pending, no drift', async () => {
    const s = await withCtx((ctx) => migrateStatus(ctx, { target: { url }, dir: EXAMPLE, lockTimeoutMs: 10_000 }));
    expect(s.summary).toEqual({ files: 8, applied: 8, pending: 0, drift: 0, failed: 0, lint: 0 });
    expect(s.migrations.map((m) => m.state)).toEqual(Array(8).fill('applied'));
  });

  it('keeps audit_logs append-only, keeps updated_at current, and audits consent changes', async () => {
    await onDb(inst, url, async (c) => {
      const u = await c.query<{ id: string; updated_at: Date }>(
        "INSERT INTO users (email, display_name) VALUES ('ada@example.com', 'Ada') RETURNING id, updated_at",
      );
      const id = u.rows[0]!.id;
      await c.query("INSERT INTO consent_records (user_id, purpose, policy_version) VALUES ($1, 'analytics', '2025-01')", [id]);
      // GIVEN a consent change THEN it was audited
      const audit = await c.query("SELECT action, details->>'purpose' AS purpose FROM audit_logs WHERE user_id = $1", [id]);
      expect(audit.rows).toEqual([{ action: 'consent_change', purpose: 'analytics' }]);
      // WHEN the audit log is changed THEN the trigger refuses, for UPDATE, DELETE and TRUNCATE
      await expect(c.query("UPDATE audit_logs SET action = 'export_request'")).rejects.toThrow(
        'audit_logs is append-only: UPDATE is not allowed',
      );
      await expect(c.query('DELETE FROM audit_logs')).rejects.toThrow('audit_logs is append-only: DELETE is not allowed');
      await expect(c.query('TRUNCATE audit_logs')).rejects.toThrow('audit_logs is append-only: TRUNCATE is not allowed');
      // AND an update moves updated_at (in a later transaction)
      const later = await c.query<{ updated_at: Date }>("UPDATE users SET display_name = 'Ada L.' WHERE id = $1 RETURNING updated_at", [
        id,
      ]);
      expect(later.rows[0]!.updated_at.getTime()).toBeGreaterThan(u.rows[0]!.updated_at.getTime());
    });
  });

  it('reverts everything with the .down.sql files, and applies again', async () => {
    const r = await withCtx(
      (ctx) => migrateDown(ctx, { target: { url }, dir: EXAMPLE, ...SETTINGS, allowDrift: false, dryRun: false, steps: 8 }),
      { yes: true },
    );
    expect(r.reverted.map((m) => m.file)).toEqual([
      '0008_recipes_public_recent_idx.down.sql',
      '0007_recipe_embeddings.down.sql',
      '0006_audit_logs.down.sql',
      '0005_consent_records.down.sql',
      '0004_taste_profiles.down.sql',
      '0003_recipes.down.sql',
      '0002_users.down.sql',
      '0001_updated_at.down.sql',
    ]);
    expect(await history(inst, url)).toEqual([]);
    expect(await relationExists(inst, url, 'users')).toBe(false);
    expect((await up(url, EXAMPLE)).applied).toHaveLength(8);
  });
});

describe('runs and failures', () => {
  it('applies up to --to, then the rest', async () => {
    const url = await freshDatabase(inst);
    const d = await dir({
      '0001_a.sql': 'CREATE TABLE a (id int);',
      '0002_b.sql': 'CREATE TABLE b (id int);',
      '0003_c.sql': 'CREATE TABLE c (id int);',
    });
    const first = await up(url, d, { to: 2 });
    expect([first.applied.map((m) => m.version), first.remaining]).toEqual([[1, 2], 1]);
    expect((await up(url, d)).applied.map((m) => m.version)).toEqual([3]);
  });

  it('rolls a failing migration back completely, records nothing of it, and names file, line and message', async () => {
    // GIVEN a second migration that creates a table and then fails on line 3
    const url = await freshDatabase(inst);
    const d = await dir({
      '0001_ok.sql': 'CREATE TABLE ok (id int);',
      '0002_bad.sql': 'CREATE TABLE half (id int);\nINSERT INTO half VALUES (1);\nINSERT INTO nowhere VALUES (1);\n',
      '0003_never.sql': 'CREATE TABLE never (id int);',
    });
    // WHEN applied
    const e = await failure(up(url, d));
    // THEN exit 1, naming file, line and PostgreSQL's message; 0001 stays, 0002 left no trace, 0003 never ran
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe(
      'Migration 0002_bad.sql failed at line 3: relation "nowhere" does not exist (SQLSTATE 42P01); it was rolled back and not recorded; the migration before it in this run stays applied.',
    );
    expect(await history(inst, url)).toEqual([[1, 'ok', 'up']]);
    expect(await relationExists(inst, url, 'half')).toBe(false);
    expect(await relationExists(inst, url, 'never')).toBe(false);
  });

  it('leaves nothing for migrate resolve: PostgreSQL never marks a migration failed (exit 2)', async () => {
    const url = await freshDatabase(inst);
    const d = await dir({ '0001_ok.sql': 'CREATE TABLE ok (id int);', '0002_bad.sql': 'INSERT INTO nowhere VALUES (1);' });
    await failure(up(url, d));
    const e = await failure(
      withCtx(
        (ctx) => migrateResolve(ctx, { target: { url }, dir: d, ...SETTINGS, allowDrift: false, dryRun: false, version: 2, as: 'pending' }),
        {
          yes: true,
        },
      ),
    );
    expect([e.exitCode, e.step]).toEqual([2, 'MG-3']);
    expect(e.message).toMatch(/^Migration 2 is not marked failed on .+ \(it is pending\); there is nothing to resolve\.$/);
    expect(e.hint).toBe(
      'PostgreSQL rolls a failed migration back as a whole, so it never marks one failed; `dbops migrate status` shows every state.',
    );
  });

  it('resets what a migration SET for its session before the next one runs', async () => {
    const url = await freshDatabase(inst);
    const d = await dir({
      '0001_path.sql': 'CREATE SCHEMA other; SET search_path = other;',
      '0002_table.sql': 'CREATE TABLE lands_in_public (id int);',
    });
    await up(url, d);
    expect(await relationExists(inst, url, 'public.lands_in_public')).toBe(true);
  });

  it('bounds statements with --statement-timeout: exit 3, rolled back', async () => {
    const url = await freshDatabase(inst);
    const d = await dir({ '0001_slow.sql': 'CREATE TABLE s (id int);\nSELECT pg_sleep(5);' });
    const e = await failure(up(url, d, { statementTimeoutMs: 200 }));
    expect([e.exitCode, e.message]).toEqual([
      3,
      'Migration 0001_slow.sql failed: canceling statement due to statement timeout (SQLSTATE 57014); it was rolled back and not recorded.',
    ]);
    expect(await relationExists(inst, url, 's')).toBe(false);
  });
});

describe('no-transaction migrations', () => {
  it('builds an index CONCURRENTLY (valid), and records it after success', async () => {
    const url = await freshDatabase(inst);
    const d = await dir({
      '0001_t.sql': 'CREATE TABLE t (id int, title text);\nINSERT INTO t SELECT g, g::text FROM generate_series(1, 1000) g;',
      '0002_idx.sql':
        '-- dbops:no-transaction\nCREATE INDEX CONCURRENTLY t_title_idx ON t (title);\nCREATE INDEX CONCURRENTLY t_id_idx ON t (id);\n',
    });
    const r = await up(url, d);
    expect(r.applied.map((m) => [m.file, m.noTransaction])).toEqual([
      ['0001_t.sql', false],
      ['0002_idx.sql', true],
    ]);
    const valid = await onDb(inst, url, (c) =>
      c.query(
        "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname IN ('t_title_idx', 't_id_idx') ORDER BY 1",
      ),
    );
    expect(valid.rows).toEqual([
      { relname: 't_id_idx', indisvalid: true },
      { relname: 't_title_idx', indisvalid: true },
    ]);
    expect(await history(inst, url)).toEqual([
      [1, 't', 'up'],
      [2, 'idx', 'up'],
    ]);
  });

  it('stops at a failing statement: earlier ones stay, the migration is not recorded', async () => {
    const url = await freshDatabase(inst);
    const d = await dir({
      '0001_two.sql': '-- dbops:no-transaction\nCREATE TABLE first (id int);\nCREATE INDEX CONCURRENTLY x ON missing (id);\n',
    });
    const e = await failure(up(url, d));
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe(
      'Migration 0001_two.sql failed at line 3 (statement 2): relation "missing" does not exist (SQLSTATE 42P01); it ran without a transaction: statements before the failing one stay applied, and it was not recorded.',
    );
    expect(await relationExists(inst, url, 'first')).toBe(true);
    expect(await history(inst, url)).toEqual([]);
  });

  it('fails clearly when CREATE INDEX CONCURRENTLY is in a transactional migration', async () => {
    const url = await freshDatabase(inst);
    const d = await dir({ '0001_t.sql': 'CREATE TABLE t (id int);', '0002_idx.sql': 'CREATE INDEX CONCURRENTLY t_idx ON t (id);' });
    const e = await failure(up(url, d));
    expect(e.message).toMatch(
      /^Migration 0002_idx.sql failed: CREATE INDEX CONCURRENTLY cannot run inside a transaction block \(SQLSTATE 25001\)/,
    );
  });
});

describe('drift', () => {
  const files = {
    '0001_a.sql': 'CREATE TABLE a (id int);',
    '0002_b.sql': 'CREATE TABLE b (id int);',
    '0003_c.sql': 'CREATE TABLE c (id int);',
  };

  it('finds an edited migration; up refuses (applies nothing) unless --allow-drift', async () => {
    // GIVEN two applied migrations, then 0002 edited and a new 0004 added
    const url = await freshDatabase(inst);
    const d = await dir({ '0001_a.sql': files['0001_a.sql'], '0002_b.sql': files['0002_b.sql'] });
    await up(url, d);
    await writeFile(join(d, '0002_b.sql'), 'CREATE TABLE b (id bigint);');
    await writeMigrations(d, { '0004_d.sql': 'CREATE TABLE d (id int);' });
    // WHEN verified and migrated
    const v = await withCtx((ctx) => migrateVerify(ctx, { target: { url }, dir: d, lockTimeoutMs: 10_000, strict: false }));
    const refused = await up(url, d);
    // THEN the drift is named, and nothing was applied
    expect([v.ok, v.drift.map((x) => [x.kind, x.version])]).toEqual([false, [['edited', 2]]]);
    expect([refused.status, refused.applied]).toEqual(['refused', []]);
    expect(await relationExists(inst, url, 'd')).toBe(false);
    // AND --allow-drift applies the pending one anyway
    const forced = await up(url, d, { allowDrift: true });
    expect(forced.applied.map((m) => m.version)).toEqual([4]);
  });

  it('finds a migration deleted from disk', async () => {
    const url = await freshDatabase(inst);
    const d = await dir(files);
    await up(url, d);
    await rm(join(d, '0003_c.sql'));
    const v = await withCtx((ctx) => migrateVerify(ctx, { target: { url }, dir: d, lockTimeoutMs: 10_000, strict: false }));
    expect(v.drift.map((x) => [x.kind, x.version, x.name])).toEqual([['missing', 3, 'c']]);
  });

  it('finds a migration added below the newest applied (out of order); baseline or --allow-drift resolves it', async () => {
    // GIVEN 0001 and 0003 applied, then 0002 appears
    const url = await freshDatabase(inst);
    const d = await dir({ '0001_a.sql': files['0001_a.sql'], '0003_c.sql': files['0003_c.sql'] });
    await up(url, d);
    await writeMigrations(d, { '0002_b.sql': files['0002_b.sql'] });
    // WHEN status is asked
    const s = await withCtx((ctx) => migrateStatus(ctx, { target: { url }, dir: d, lockTimeoutMs: 10_000 }));
    // THEN 0002 is out of order, and up refuses
    expect(s.migrations.map((m) => [m.version, m.state])).toEqual([
      [1, 'applied'],
      [2, 'out-of-order'],
      [3, 'applied'],
    ]);
    expect((await up(url, d)).status).toBe('refused');
    // AND --allow-drift runs it after the newer one
    expect((await up(url, d, { allowDrift: true })).applied.map((m) => m.version)).toEqual([2]);
    expect(await relationExists(inst, url, 'b')).toBe(true);
  });
});

describe('down and baseline', () => {
  it('reverts the newest N, and refuses (nothing changed) where a .down.sql is missing', async () => {
    const url = await freshDatabase(inst);
    const d = await dir({
      '0001_a.sql': 'CREATE TABLE a (id int);',
      '0002_b.sql': 'CREATE TABLE b (id int);',
      '0002_b.down.sql': 'DROP TABLE b;',
      '0003_c.sql': 'CREATE TABLE c (id int);',
      '0003_c.down.sql': 'DROP TABLE c;',
    });
    await up(url, d);
    const down = (steps: number) =>
      withCtx((ctx) => migrateDown(ctx, { target: { url }, dir: d, ...SETTINGS, allowDrift: false, dryRun: false, steps }), { yes: true });
    // WHEN three steps are asked for, 0001 having no down file
    const e = await failure(down(3));
    // THEN refused with exit 2 and nothing reverted
    expect([e.exitCode, e.message]).toEqual([2, 'Refusing to revert: 0001_a.sql has no .down.sql file; nothing was changed.']);
    expect(await history(inst, url)).toHaveLength(3);
    // WHEN two steps THEN 0003 and 0002 are reverted, newest first
    expect((await down(2)).reverted.map((m) => m.file)).toEqual(['0003_c.down.sql', '0002_b.down.sql']);
    expect(await history(inst, url)).toEqual([[1, 'a', 'up']]);
    expect(await relationExists(inst, url, 'b')).toBe(false);
  });

  it('refuses to revert without --yes when not on a terminal (exit 2)', async () => {
    const url = await freshDatabase(inst);
    const d = await dir({ '0001_a.sql': 'CREATE TABLE a (id int);', '0001_a.down.sql': 'DROP TABLE a;' });
    await up(url, d);
    const e = await failure(
      withCtx((ctx) => migrateDown(ctx, { target: { url }, dir: d, ...SETTINGS, allowDrift: false, dryRun: false, steps: 1 })),
    );
    expect(e.exitCode).toBe(2);
    expect(await relationExists(inst, url, 'a')).toBe(true);
  });

  it('baseline marks an existing database as being at a version without running anything', async () => {
    // GIVEN a database whose tables a and b were made by hand
    const url = await freshDatabase(inst);
    await onDb(inst, url, (c) => c.query('CREATE TABLE a (id int); CREATE TABLE b (id int);'));
    const d = await dir({
      '0001_a.sql': 'CREATE TABLE a (id int);',
      '0002_b.sql': 'CREATE TABLE b (id int);',
      '0003_c.sql': 'CREATE TABLE c (id int);',
    });
    // WHEN baselined at 0002, then migrated
    const b = await withCtx((ctx) =>
      migrateBaseline(ctx, { target: { url }, dir: d, ...SETTINGS, allowDrift: false, dryRun: false, version: 2 }),
    );
    const r = await up(url, d);
    // THEN 1 and 2 are recorded as baseline (never run: no "already exists" error), and only 0003 ran
    expect(b.marked.map((m) => m.version)).toEqual([1, 2]);
    expect(r.applied.map((m) => m.version)).toEqual([3]);
    expect(await history(inst, url)).toEqual([
      [1, 'a', 'baseline'],
      [2, 'b', 'baseline'],
      [3, 'c', 'up'],
    ]);
  });
});

describe('dry runs change nothing', () => {
  it('up --dry-run prints the plan with its SQL and does not even create the dbops schema', async () => {
    const url = await freshDatabase(inst);
    const d = await dir({
      '0001_a.sql': 'CREATE TABLE a (id int);',
      '0002_b.sql': '-- dbops:no-transaction\nCREATE INDEX CONCURRENTLY i ON a (id);',
    });
    const r = await up(url, d, { dryRun: true });
    expect(r.status).toBe('dry-run');
    expect(r.plan.map((p) => [p.file, p.noTransaction, p.sql])).toEqual([
      ['0001_a.sql', false, 'CREATE TABLE a (id int);'],
      ['0002_b.sql', true, '-- dbops:no-transaction\nCREATE INDEX CONCURRENTLY i ON a (id);'],
    ]);
    expect(await relationExists(inst, url, 'a')).toBe(false);
    expect(
      await onDb(inst, url, async (c) => (await c.query("SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'dbops'")).rows[0].n),
    ).toBe(0);
  });

  it('down and baseline --dry-run change nothing either', async () => {
    const url = await freshDatabase(inst);
    const d = await dir({
      '0001_a.sql': 'CREATE TABLE a (id int);',
      '0001_a.down.sql': 'DROP TABLE a;',
      '0002_b.sql': 'CREATE TABLE b (id int);',
    });
    await up(url, d, { to: 1 });
    const down = await withCtx((ctx) =>
      migrateDown(ctx, { target: { url }, dir: d, ...SETTINGS, allowDrift: false, dryRun: true, steps: 1 }),
    );
    const base = await withCtx((ctx) =>
      migrateBaseline(ctx, { target: { url }, dir: d, ...SETTINGS, allowDrift: false, dryRun: true, version: 2 }),
    );
    expect([down.status, down.plan.map((p) => p.file)]).toEqual(['dry-run', ['0001_a.down.sql']]);
    expect([base.status, base.marked.map((m) => m.version)]).toEqual(['dry-run', [2]]);
    expect(await history(inst, url)).toEqual([[1, 'a', 'up']]);
    expect(await relationExists(inst, url, 'a')).toBe(true);
  });
});

describe('heartbeat', () => {
  it('--dry-run connects and writes nothing, not even the schema', async () => {
    const url = await freshDatabase(inst);
    const plan = await withCtx((ctx) => writeHeartbeat(ctx, { target: { url }, dryRun: true }));
    expect(plan).toEqual({
      dryRun: true,
      target: `${inst.info.host}:${inst.info.port}/${new URL(url).pathname.slice(1)}`,
      wouldCreateSchema: true,
    });
    expect(await relationExists(inst, url, 'dbops.heartbeat')).toBe(false);
  });

  it('creates the dbops schema on first use and adds one row per beat, newest readable', async () => {
    const url = await freshDatabase(inst);
    const first = await withCtx((ctx) => writeHeartbeat(ctx, { target: { url } }));
    const second = await withCtx((ctx) => writeHeartbeat(ctx, { target: { url } }));
    expect([first.createdSchema, second.createdSchema, second.id > first.id]).toEqual([true, false, true]);
    expect(second.previousBeatAt).toEqual(first.beatAt);
    expect(second.writtenBy).toBe(`${inst.info.user}@${hostname()}`);
    const newest = await onDb(inst, url, (c) => c.query('SELECT id::int FROM dbops.heartbeat ORDER BY beat_at DESC LIMIT 1'));
    expect(newest.rows[0].id).toBe(second.id);
  });
});
