/**
 * RT-9 against real pgvector (PGlite + pglite-pgvector over the wire protocol, reached
 * with `pg` as dbops reaches any PostgreSQL): the extension and its version, the vector
 * indexes, and a nearest-neighbour query that EXPLAIN shows going through the HNSW index.
 * Debian's PostgreSQL 15 has no pgvector, so the local-provider tests see it skipped.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectPgvector, judgePgvector } from '../../../src/lib/checks/pgvector.js';
import { readSchema } from '../../../src/lib/checks/schema-read.js';
import { startPgvector, type PgvectorServer } from '../../_helpers/pgvector.js';

let server: PgvectorServer;
let db: pg.Client;

beforeAll(async () => {
  server = await startPgvector({ maxConnections: 2 });
  db = await server.connect();
  await db.query(`
    CREATE TABLE recipe_embeddings (recipe_id bigint PRIMARY KEY, embedding vector(3) NOT NULL);
    INSERT INTO recipe_embeddings SELECT g, ARRAY[1 + g % 7, 1 + g % 5, 1 + g % 3]::float4[]::vector FROM generate_series(1, 300) g;
    CREATE INDEX recipe_embeddings_embedding_hnsw_idx ON recipe_embeddings USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);
    CREATE TABLE empty_embeddings (id bigint PRIMARY KEY, e vector(3));
    CREATE INDEX empty_embeddings_e_idx ON empty_embeddings USING hnsw (e vector_l2_ops);
    ANALYZE;`);
});

afterAll(async () => {
  await db?.end();
  await server?.stop();
});

describe('the pgvector check on real pgvector', () => {
  it('finds the extension and every vector index, and answers a nearest-neighbour query through the HNSW index', async () => {
    // WHEN the check inspects the database (as restore and as source)
    const data = await inspectPgvector(db, db);
    const result = judgePgvector(data);

    // THEN
    expect(data.installed).toBe(true);
    expect(data.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(data.indexes.map((i) => [i.index, i.method, i.column, i.columnType, i.opclass, i.valid])).toEqual([
      ['public.empty_embeddings_e_idx', 'hnsw', 'e', 'vector(3)', 'vector_l2_ops', true],
      ['public.recipe_embeddings_embedding_hnsw_idx', 'hnsw', 'embedding', 'vector(3)', 'vector_cosine_ops', true],
    ]);
    expect(data.samples).toEqual([
      { index: 'public.empty_embeddings_e_idx', plan: 'skipped', note: 'the table is empty: nothing to search' },
      {
        index: 'public.recipe_embeddings_embedding_hnsw_idx',
        plan: 'index',
        neighbours: 5,
        nearestDistance: expect.closeTo(0, 5) as number,
      },
    ]);
    expect(result.status).toBe('passed');
  });

  it('reads the vector extension and its columns for the schema comparison', async () => {
    const schema = await readSchema(db);
    expect(schema.extensions.find((e) => e.name === 'vector')?.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(schema.columns.filter((c) => c.table === 'public.recipe_embeddings')).toEqual([
      { table: 'public.recipe_embeddings', name: 'recipe_id', definition: 'bigint NOT NULL' },
      { table: 'public.recipe_embeddings', name: 'embedding', definition: 'vector(3) NOT NULL' },
    ]);
  });
});
