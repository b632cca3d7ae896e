/**
 * `vector status` and the bad input of tune/build, against real pgvector (PGlite over
 * the wire protocol).
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvironmentError, ExitCode, NotFoundError, UsageError, type DbopsError } from '../../../src/lib/errors.js';
import { vectorBuild } from '../../../src/lib/vector/build.js';
import { vectorStatus } from '../../../src/lib/vector/status.js';
import { vectorTune } from '../../../src/lib/vector/tune.js';
import { clusteredVectors, loadVectors, startPgvector, vectorContext, type PgvectorServer } from '../../_helpers/pgvector.js';
import { tempDir } from '../../_helpers/tmp.js';

let server: PgvectorServer;
let sql: pg.Client;

beforeAll(async () => {
  server = await startPgvector({ createExtension: false });
  sql = await server.connect();
});

afterAll(async () => {
  await sql?.end();
  await server?.stop();
});

async function failure(p: Promise<unknown>): Promise<DbopsError> {
  try {
    await p;
  } catch (e) {
    return e as DbopsError;
  }
  throw new Error('expected a failure');
}

async function status(opts: { table?: string; distance?: 'cosine' | 'l2' | 'ip' } = {}) {
  const tc = await vectorContext();
  try {
    return await vectorStatus(tc.ctx, { target: { url: server.url }, ...opts });
  } finally {
    await tc.close();
  }
}

describe('vector status', () => {
  it('GIVEN pgvector is not installed THEN it says so, how to enable it on RDS, exit 3', async () => {
    const e = await failure(status());
    expect(e).toBeInstanceOf(EnvironmentError);
    expect(e.exitCode).toBe(ExitCode.environment);
    expect(e.message).toBe('pgvector is not installed in database postgres (the server offers version 0.8.7).');
    expect(e.hint).toBe('Enable it as the database owner or, on RDS, the master user: `CREATE EXTENSION vector;`');
  });

  it('GIVEN vector columns without indexes THEN it lists them, counts rows exactly, and warns', async () => {
    await sql.query('CREATE EXTENSION vector');
    await loadVectors(sql, { table: 'docs', vectors: clusteredVectors({ rows: 300, dims: 16, clusters: 4, spread: 0.3, seed: 1 }) });
    await sql.query('CREATE TABLE notes (id int, body text, emb halfvec(8), loose vector)');
    const s = await status();
    expect(s.pgvector).toEqual({ version: '0.8.7', schema: 'public' });
    expect(s.database).toBe('postgres');
    expect(s.settings).toMatchObject({
      efSearch: 40,
      iterativeScan: 'off',
      maintenanceWorkMemBytes: 64 * 1024 * 1024,
      maxParallelMaintenanceWorkers: 0,
    });
    expect(s.columns).toEqual([
      {
        schema: 'public',
        table: 'docs',
        column: 'embedding',
        type: 'vector',
        dimensions: 16,
        rows: 300,
        rowsMethod: 'exact',
        tableBytes: expect.any(Number),
      },
      {
        schema: 'public',
        table: 'notes',
        column: 'emb',
        type: 'halfvec',
        dimensions: 8,
        rows: 0,
        rowsMethod: 'exact',
        tableBytes: expect.any(Number),
      },
      {
        schema: 'public',
        table: 'notes',
        column: 'loose',
        type: 'vector',
        dimensions: null,
        rows: 0,
        rowsMethod: 'exact',
        tableBytes: expect.any(Number),
      },
    ]);
    expect(s.indexes).toEqual([]);
    expect(s.warnings.map((w) => `${w.code} ${w.table}.${w.column}`)).toEqual([
      'no-index public.docs.embedding',
      'no-index public.notes.emb',
      'no-dimensions public.notes.loose',
      'no-index public.notes.loose',
    ]);
  });

  it('GIVEN HNSW, IVFFlat and INVALID indexes THEN it reads method, opclass, params, size, validity and use', async () => {
    await sql.query('CREATE INDEX docs_hnsw ON docs USING hnsw (embedding vector_cosine_ops) WITH (m = 8, ef_construction = 32)');
    await sql.query('CREATE INDEX docs_ivf ON docs USING ivfflat (embedding vector_l2_ops) WITH (lists = 4)');
    await sql.query('CREATE INDEX notes_hnsw ON notes USING hnsw (emb halfvec_ip_ops)');
    await sql.query("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'notes_hnsw'::regclass");
    await sql.query('SET enable_seqscan = off');
    await sql.query(`SELECT id FROM docs ORDER BY embedding <=> '${JSON.stringify(Array(16).fill(0.5))}' LIMIT 3`);
    await sql.query('RESET enable_seqscan');
    const s = await status({ distance: 'cosine' });
    expect(s.indexes.map(({ sizeBytes, definition, idxScan, lastUsed, ...rest }) => rest)).toEqual([
      {
        schema: 'public',
        table: 'docs',
        name: 'docs_hnsw',
        column: 'embedding',
        method: 'hnsw',
        opclass: 'vector_cosine_ops',
        distance: 'cosine',
        m: 8,
        efConstruction: 32,
        valid: true,
      },
      {
        schema: 'public',
        table: 'docs',
        name: 'docs_ivf',
        column: 'embedding',
        method: 'ivfflat',
        opclass: 'vector_l2_ops',
        distance: 'l2',
        lists: 4,
        valid: true,
      },
      {
        schema: 'public',
        table: 'notes',
        name: 'notes_hnsw',
        column: 'emb',
        method: 'hnsw',
        opclass: 'halfvec_ip_ops',
        distance: 'ip',
        m: 16,
        efConstruction: 64,
        valid: false,
      },
    ]);
    const hnsw = s.indexes[0]!;
    expect(hnsw.sizeBytes).toBeGreaterThan(8192);
    expect(hnsw.definition).toBe(
      "CREATE INDEX docs_hnsw ON public.docs USING hnsw (embedding vector_cosine_ops) WITH (m='8', ef_construction='32')",
    );
    // PostgreSQL 16+ tracks last_idx_scan (PGlite is 18); stats may lag, so either never or a time.
    expect(hnsw.lastUsed === null || typeof hnsw.lastUsed === 'string').toBe(true);
    expect(s.warnings.map((w) => `${w.code} ${w.index ?? `${w.table}.${w.column}`}`)).toEqual([
      'no-index public.notes.emb',
      'no-dimensions public.notes.loose',
      'no-index public.notes.loose',
      'distance-mismatch public.docs_ivf',
      'invalid-index public.notes_hnsw',
      'distance-mismatch public.notes_hnsw',
    ]);
  });

  it('uses the planner estimate for a large table, and says so', async () => {
    await sql.query("UPDATE pg_class SET reltuples = 2500000 WHERE oid = 'docs'::regclass");
    const s = await status({ table: 'public.docs' });
    expect(s.columns).toEqual([expect.objectContaining({ table: 'docs', rows: 2_500_000, rowsMethod: 'estimate' })]);
    expect(s.indexes.every((i) => i.table === 'docs')).toBe(true);
    await sql.query('ANALYZE docs');
  });

  it('GIVEN a table that does not exist THEN not found, exit 2, with the vector columns as a hint', async () => {
    const e = await failure(status({ table: 'nope' }));
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e.exitCode).toBe(ExitCode.usage);
    expect(e.message).toBe('Table nope does not exist in database postgres.');
    expect(e.hint).toBe('Vector columns here: public.docs.embedding, public.notes.emb, public.notes.loose.');
  });
});

describe('bad input of tune and build', () => {
  async function tune(input: Partial<Parameters<typeof vectorTune>[1]>) {
    const tc = await vectorContext();
    try {
      return await vectorTune(tc.ctx, { target: { url: server.url }, table: 'docs', queries: 5, ...input });
    } finally {
      await tc.close();
    }
  }

  it('GIVEN a column that does not exist THEN not found, exit 2, listing the vector columns', async () => {
    const e = await failure(tune({ column: 'embeding' }));
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe('Column embeding does not exist in public.docs.');
    expect(e.hint).toBe('Its vector columns: embedding.');
    expect(e.step).toBe('VT-1');
  });

  it('GIVEN a column that is not a vector THEN a usage error names its type, exit 2', async () => {
    const e = await failure(tune({ table: 'notes', column: 'body' }));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe('public.notes.body is text, not a vector column.');
    expect(e.hint).toBe('Its vector columns: emb, loose.');
  });

  it('GIVEN k larger than the rows THEN a usage error with the largest usable k', async () => {
    await loadVectors(sql, { table: 'tiny', vectors: clusteredVectors({ rows: 6, dims: 16, clusters: 2, spread: 0.3, seed: 2 }) });
    await sql.query('CREATE INDEX ON tiny USING hnsw (embedding vector_cosine_ops)');
    const e = await failure(tune({ table: 'tiny', k: 10 }));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe(
      '--k 10 is larger than the 6 rows with a vector in public.tiny.embedding (each sample query leaves out its own row).',
    );
    expect(e.hint).toBe('Use --k 5 or less.');
  });

  it('GIVEN a target recall outside (0, 1] THEN exit 2 before connecting', async () => {
    const e = await failure(tune({ targetRecall: 1.5, target: { url: 'postgres://nobody@127.0.0.1:1/none' } } as never));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe('--target-recall must be more than 0 and at most 1, got 1.5.');
  });

  it('GIVEN an index on another distance than asked THEN a usage error, exit 2', async () => {
    const e = await failure(tune({ distance: 'l2' }));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe('The HNSW index public.docs_hnsw on public.docs.embedding uses cosine distance (vector_cosine_ops), not l2.');
  });

  it('GIVEN a statement timeout during the exact search THEN it names the query, suggests fewer queries, exit 3', async () => {
    // PGlite has no timer signals, so statement_timeout never fires there. The predicate
    // raises PostgreSQL's own timeout error (SQLSTATE 57014) from the server, only while
    // index scans are off (the exact search), on the 3rd query: 300 rows are checked per query.
    await sql.query(`CREATE FUNCTION slow_guard() RETURNS boolean LANGUAGE plpgsql AS $$
      DECLARE n int := coalesce(nullif(current_setting('test.calls', true), ''), '0')::int + 1;
      BEGIN
        PERFORM set_config('test.calls', n::text, true);
        IF current_setting('enable_indexscan') = 'off' AND n > 2 * 300 THEN
          RAISE EXCEPTION 'canceling statement due to statement timeout' USING ERRCODE = 'query_canceled';
        END IF;
        RETURN true;
      END $$`);
    const e = await failure(tune({ where: 'slow_guard()', statementTimeoutMs: 5000 }));
    expect(e).toBeInstanceOf(EnvironmentError);
    expect(e.exitCode).toBe(ExitCode.environment);
    expect(e.message).toBe('The exact search for query 3 of 5 hit the statement timeout (statement_timeout = 5s).');
    expect(e.hint).toContain('fewer queries (--queries 1)');
    expect(e.step).toBe('VT-3');
  });

  it('GIVEN a --where PostgreSQL rejects THEN a usage error quoting it', async () => {
    const e = await failure(tune({ where: 'no_such_column = 1' }));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe('The --where predicate fails: column "no_such_column" does not exist.');
  });

  it('GIVEN a queries file with the wrong dimensions THEN it names the line', async () => {
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const file = join(tempDir('dbops-q-'), 'q.ndjson');
    writeFileSync(file, `${JSON.stringify(Array(16).fill(0.1))}\n[1,2,3]\n`);
    const e = await failure(tune({ queriesFile: file }));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe(`${file}, line 2: the vector has 3 dimensions, the column has 16.`);
  });

  it('GIVEN build on a column without dimensions THEN a usage error says how to fix it', async () => {
    const tc = await vectorContext({ yes: true });
    const e = await failure(vectorBuild(tc.ctx, { target: { url: server.url }, table: 'notes', column: 'loose' }));
    await tc.close();
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe('public.notes.loose has no fixed dimensions, and HNSW indexes need them.');
  });
});
