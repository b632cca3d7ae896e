/**
 * The pgvector part of the example schema against real pgvector (PGlite + pglite-pgvector,
 * served over the wire protocol): 0007 builds recipe_embeddings with vector(1536) and the
 * HNSW cosine index of the seeds (m 16, ef_construction 64). The same migration on plain
 * PostgreSQL 15 skips with a notice (migrate.test.ts).
 */
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateStatus, migrateUp } from '../../../src/lib/migrate/migrate.js';
import { startPgvector, vectorContext, type PgvectorServer } from '../../_helpers/pgvector.js';

const EXAMPLE = fileURLToPath(new URL('../../../sql/migrations', import.meta.url));

let server: PgvectorServer;

beforeAll(async () => {
  // pgvector installed on the server, the extension not yet created: the migration creates it.
  server = await startPgvector({ createExtension: false });
});
afterAll(async () => {
  await server?.stop();
});

async function query<T extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<T[]> {
  const c = await server.connect();
  try {
    return (await c.query<T>(sql, values)).rows;
  } finally {
    await c.end();
  }
}

describe('0007_recipe_embeddings on a server with pgvector', () => {
  it('creates the extension, the vector(1536) table and the HNSW cosine index (m 16, ef_construction 64)', async () => {
    // GIVEN PGlite with pgvector available
    const t = await vectorContext();
    try {
      // WHEN the example migrations are applied
      const r = await migrateUp(t.ctx, {
        target: { url: server.url },
        dir: EXAMPLE,
        lockTimeoutMs: 10_000,
        statementTimeoutMs: 0,
        allowDrift: false,
        dryRun: false,
      });
      // THEN all ran, and 0007 did not skip
      expect(r.applied.map((m) => m.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(r.applied.find((m) => m.version === 7)!.notices).toEqual([]);
      const s = await migrateStatus(t.ctx, { target: { url: server.url }, dir: EXAMPLE, lockTimeoutMs: 10_000 });
      expect(s.summary).toMatchObject({ applied: 8, pending: 0, drift: 0 });
    } finally {
      await t.close();
    }
    // AND the column is vector(1536)
    const col = await query<{ type: string }>(
      "SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = 'recipe_embeddings'::regclass AND attname = 'embedding'",
    );
    expect(col).toEqual([{ type: 'vector(1536)' }]);
    // AND the index is HNSW with vector_cosine_ops, m 16, ef_construction 64
    const idx = await query<{ am: string; opclass: string; options: string[] }>(
      `SELECT am.amname AS am, opc.opcname AS opclass, c.reloptions AS options
         FROM pg_class c JOIN pg_am am ON am.oid = c.relam JOIN pg_index i ON i.indexrelid = c.oid
         JOIN pg_opclass opc ON opc.oid = i.indclass[0]
        WHERE c.relname = 'recipe_embeddings_embedding_hnsw_idx'`,
    );
    expect(idx).toEqual([{ am: 'hnsw', opclass: 'vector_cosine_ops', options: ['m=16', 'ef_construction=64'] }]);
  });

  it('stores and finds an embedding by cosine distance', async () => {
    // GIVEN a user, two recipes and their embeddings
    const v = (hot: number) => `[${Array.from({ length: 1536 }, (_, i) => (i === hot ? 1 : 0)).join(',')}]`;
    await query("INSERT INTO users (email, display_name) VALUES ('cook@example.com', 'Cook')");
    await query(
      "INSERT INTO recipes (author_id, title) SELECT id, t FROM users, unnest(ARRAY['Soup', 'Salad']) t WHERE email = 'cook@example.com'",
    );
    await query("INSERT INTO recipe_embeddings (recipe_id, embedding) SELECT id, $1::vector FROM recipes WHERE title = 'Soup'", [v(0)]);
    await query("INSERT INTO recipe_embeddings (recipe_id, embedding) SELECT id, $1::vector FROM recipes WHERE title = 'Salad'", [v(1)]);
    // WHEN the nearest to a query vector is asked for
    const rows = await query<{ title: string }>(
      'SELECT r.title FROM recipe_embeddings e JOIN recipes r ON r.id = e.recipe_id ORDER BY e.embedding <=> $1::vector LIMIT 1',
      [v(1)],
    );
    // THEN it is the salad
    expect(rows).toEqual([{ title: 'Salad' }]);
  });
});
