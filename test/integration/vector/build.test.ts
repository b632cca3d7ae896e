/**
 * `vector build` against real pgvector (PGlite over the wire protocol, two connections
 * admitted): dry run, build with progress, rebuild, an INVALID index left behind, the
 * memory warning. Also what PGlite itself supports, which decides how progress degrades.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, ExitCode, UsageError, type DbopsError } from '../../../src/lib/errors.js';
import { vectorBuild, type BuildInput, type BuildResult } from '../../../src/lib/vector/build.js';
import { renderBuild } from '../../../src/lib/vector/render.js';
import { clusteredVectors, loadVectors, startPgvector, vectorContext, type PgvectorServer } from '../../_helpers/pgvector.js';
import { Chalk } from 'chalk';

let server: PgvectorServer;
let sql: pg.Client;

beforeAll(async () => {
  server = await startPgvector({ maxConnections: 2 });
  sql = await server.connect();
  await loadVectors(sql, { table: 'items', vectors: clusteredVectors({ rows: 2000, dims: 64, clusters: 20, spread: 0.3, seed: 11 }) });
});

afterAll(async () => {
  await sql?.end();
  await server?.stop();
});

async function build(
  input: Partial<BuildInput>,
  o: { yes?: boolean; dryRun?: boolean; answer?: boolean } = {},
): Promise<{ result: BuildResult; stderr: string; asked: string[] }> {
  const tc = await vectorContext(o);
  try {
    const result = await vectorBuild(tc.ctx, {
      target: { url: server.url },
      table: 'items',
      pollIntervalMs: 20,
      pollTimeoutMs: 150,
      ...input,
    });
    return { result, stderr: tc.output.stderr(), asked: tc.asked };
  } finally {
    await tc.close();
  }
}

async function indexes(): Promise<{ name: string; valid: boolean; options: string[] | null }[]> {
  const { rows } = await sql.query(
    "SELECT c.relname AS name, x.indisvalid AS valid, c.reloptions AS options FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid WHERE x.indrelid = 'items'::regclass ORDER BY 1",
  );
  return rows as { name: string; valid: boolean; options: string[] | null }[];
}

async function failure(p: Promise<unknown>): Promise<DbopsError> {
  try {
    await p;
  } catch (e) {
    return e as DbopsError;
  }
  throw new Error('expected a failure');
}

describe('vector build', () => {
  it('GIVEN --dry-run THEN it prints the exact statements and changes nothing', async () => {
    const { result } = await build({ concurrently: true }, { dryRun: true });
    expect(result.dryRun).toBe(true);
    expect(renderBuild(result, new Chalk({ level: 0 }))).toContain(
      [
        'Dry run: would run on 127.0.0.1:' + server.port + '/postgres:',
        "  SET maintenance_work_mem = '256MB';",
        '  SET max_parallel_maintenance_workers = 2;',
        '  SET statement_timeout = 0;',
        '  CREATE INDEX CONCURRENTLY items_embedding_hnsw_idx ON public.items USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);',
        '  RESET maintenance_work_mem;',
      ].join('\n'),
    );
    expect(result.report.steps.map((s) => `${s.id}:${s.status}`)).toEqual([
      'VT-1:ok',
      'VT-8:ok',
      'VT-9:ok',
      'VT-10:skipped',
      'VT-11:skipped',
    ]);
    expect(await indexes()).toEqual([{ name: 'items_pkey', valid: true, options: null }]);
  });

  it('GIVEN a server that queues the progress poll behind the build THEN it builds, shows elapsed time only and says why', async () => {
    // Only the build's two connections: the second is admitted, but PGlite answers it after the build.
    await sql.end();
    let result: BuildResult;
    let stderr: string;
    try {
      ({ result, stderr } = await build({ concurrently: true }));
    } finally {
      sql = await server.connect();
    }
    expect(result.ok).toBe(true);
    expect(result.index).toEqual({ name: 'items_embedding_hnsw_idx', valid: true, sizeBytes: expect.any(Number), usedByPlanner: true });
    expect(result.progress).toEqual({
      source: 'elapsed-only',
      reason: 'the server did not answer a progress query within 150ms while building (it runs one statement at a time)',
      samples: 0,
    });
    expect(result.memory).toMatchObject({ rows: 2000, dimensions: 64, m: 16, fits: true });
    expect(stderr).toMatch(
      /✔ \[VT-10\] Build the index: items_embedding_hnsw_idx built in .+ \(progress: elapsed only, the server did not answer/,
    );
    expect(await indexes()).toEqual([
      { name: 'items_embedding_hnsw_idx', valid: true, options: ['m=16', 'ef_construction=64'] },
      { name: 'items_pkey', valid: true, options: null },
    ]);
    expect((await sql.query('SHOW maintenance_work_mem')).rows[0].maintenance_work_mem).toBe('64MB');
  });

  it('GIVEN an existing index WHEN rebuilt with other m THEN it builds beside it and swaps, after confirmation', async () => {
    const { result, asked } = await build({ m: 8, efConstruction: 32 }, { yes: true });
    expect(asked).toEqual([
      'Rebuild public.items_embedding_hnsw_idx: build a new index beside it, then drop the old one and rename the new one?',
    ]);
    expect(result.plan).toMatchObject({
      mode: 'rebuild',
      indexName: 'items_embedding_hnsw_idx',
      buildingName: 'items_embedding_hnsw_idx_rebuild',
    });
    expect(await indexes()).toEqual([
      { name: 'items_embedding_hnsw_idx', valid: true, options: ['m=8', 'ef_construction=32'] },
      { name: 'items_pkey', valid: true, options: null },
    ]);
  });

  it('GIVEN the rebuild is declined THEN nothing changes', async () => {
    const { result } = await build({ m: 12, efConstruction: 48 }, { answer: false });
    expect(result.cancelled).toBe(true);
    expect(result.report.steps.find((s) => s.id === 'VT-10')).toMatchObject({ status: 'skipped', detail: 'not confirmed' });
    expect((await indexes())[0]!.options).toEqual(['m=8', 'ef_construction=32']);
  });

  it('GIVEN a second connection is refused THEN the build still runs, with elapsed time only', async () => {
    // The test's own connection takes the second slot.
    await sql.query('DROP INDEX items_embedding_hnsw_idx');
    const { result } = await build({ m: 8, efConstruction: 32 });
    expect(result.progress?.source).toBe('elapsed-only');
    expect(result.progress?.reason).toMatch(
      /^a second connection for progress was refused \(Cannot connect to PostgreSQL at 127\.0\.0\.1:\d+ as postgres: /,
    );
    expect(result.index?.valid).toBe(true);
  });

  it('GIVEN an INVALID index left by an interrupted build THEN it offers to drop it and rebuilds', async () => {
    await sql.query("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'items_embedding_hnsw_idx'::regclass");

    const dry = await build({}, { dryRun: true });
    expect(dry.result.invalidIndexes).toEqual([{ name: 'public.items_embedding_hnsw_idx', dropped: false }]);
    expect(dry.result.plan.dropInvalid).toEqual(['DROP INDEX CONCURRENTLY IF EXISTS public.items_embedding_hnsw_idx']);

    const refused = await failure(build({}));
    expect(refused).toBeInstanceOf(UsageError);
    expect(refused.exitCode).toBe(ExitCode.usage);
    expect(refused.message).toBe(
      'Refusing without confirmation: Drop the INVALID index public.items_embedding_hnsw_idx (left by an interrupted CREATE INDEX CONCURRENTLY)?',
    );

    const kept = await failure(build({}, { answer: false }));
    expect(kept).toBeInstanceOf(ConflictError);
    expect(kept.message).toBe('A relation named public.items_embedding_hnsw_idx already exists.');
    expect(kept.hint).toBe('Choose another index name with --name.');

    const { result, asked } = await build({ concurrently: true }, { yes: true });
    expect(asked[0]).toBe('Drop the INVALID index public.items_embedding_hnsw_idx (left by an interrupted CREATE INDEX CONCURRENTLY)?');
    expect(result.invalidIndexes).toEqual([{ name: 'public.items_embedding_hnsw_idx', dropped: true }]);
    expect(result.index?.valid).toBe(true);
    expect((await indexes()).map((i) => `${i.name}:${i.valid}`)).toEqual(['items_embedding_hnsw_idx:true', 'items_pkey:true']);
  });

  it("GIVEN a graph larger than maintenance_work_mem THEN it warns first, and passes on the server's notice", async () => {
    await sql.query('DROP INDEX items_embedding_hnsw_idx');
    const { result, stderr } = await build({ maintenanceWorkMem: '1MB', distance: 'l2', name: 'items_l2_idx' });
    expect(result.memory.fits).toBe(false);
    expect(result.memory.estimateBytes).toBeGreaterThan(1024 * 1024);
    const warning = stderr.indexOf('warning: The HNSW graph needs about');
    expect(warning).toBeGreaterThan(-1);
    expect(warning).toBeLessThan(stderr.indexOf('[VT-10]'));
    expect(stderr).toContain('Use --maintenance-work-mem ');
    expect(result.notices.some((n) => /^hnsw graph no longer fits into maintenance_work_mem after \d+ tuples$/.test(n))).toBe(true);
    expect(result.plan.create).toBe(
      'CREATE INDEX items_l2_idx ON public.items USING hnsw (embedding vector_l2_ops) WITH (m = 16, ef_construction = 64)',
    );
    expect(result.index?.usedByPlanner).toBe(true);
  });

  it('rejects bad m / ef_construction and memory before connecting', async () => {
    await expect(build({ m: 200 })).rejects.toThrow('--m must be a whole number from 2 to 100, got 200.');
    await expect(build({ maintenanceWorkMem: 'plenty' })).rejects.toThrow(
      '--maintenance-work-mem expects a memory size such as 256MB or 1GB, got "plenty".',
    );
  });
});

describe('PGlite, the test server: what it supports', () => {
  it("queues a second connection's query behind a running statement, shows no build progress, ignores statement_timeout", async () => {
    await sql.query('CREATE TABLE facts AS SELECT * FROM items');
    const other = await server.connect();
    try {
      let pollAnsweredAt = 0;
      let buildDoneAt = 0;
      const buildQ = sql
        .query('CREATE INDEX CONCURRENTLY facts_idx ON facts USING hnsw (embedding vector_cosine_ops)')
        .then(() => (buildDoneAt = performance.now()));
      await new Promise((r) => setTimeout(r, 50));
      const poll = other.query('SELECT count(*)::int AS n FROM pg_stat_progress_create_index').then((r) => {
        pollAnsweredAt = performance.now();
        return r.rows[0].n as number;
      });
      const [, rows] = await Promise.all([buildQ, poll]);
      expect(pollAnsweredAt).toBeGreaterThanOrEqual(buildDoneAt);
      expect(rows).toBe(0);
      await sql.query("SET statement_timeout = '1ms'");
      await expect(sql.query('SELECT count(*) FROM generate_series(1, 200000)')).resolves.toBeDefined();
      await sql.query('RESET statement_timeout');
      expect((await sql.query('SHOW max_parallel_maintenance_workers')).rows[0].max_parallel_maintenance_workers).toBe('0');
    } finally {
      await other.end();
    }
  });
});
