/** Catalog reading against a scripted client: the PostgreSQL < 16 path and reloptions. */
import { describe, expect, it } from 'vitest';
import { countExactly, indexParams, listVectorIndexes } from '../../../src/lib/vector/catalog.js';
import type { SqlClient } from '../../../src/lib/vector/db.js';

const row = {
  schema: 'public',
  table: 'docs',
  name: 'docs_idx',
  method: 'hnsw',
  column: 'embedding',
  opclass: 'vector_l2_ops',
  reloptions: ['m=24'],
  bytes: 8192,
  valid: true,
  idx_scan: 12,
  last_idx_scan: null,
  definition: 'CREATE INDEX ...',
};

function client(): SqlClient & { sql: string[] } {
  const sql: string[] = [];
  return {
    sql,
    async query(text: string) {
      sql.push(text);
      return { rows: [row] };
    },
  };
}

describe('vector indexes from the catalog', () => {
  it('GIVEN PostgreSQL 15 THEN it does not ask for last_idx_scan and reports it as not tracked', async () => {
    const c = client();
    const [idx] = await listVectorIndexes(c, 150004);
    expect(c.sql[0]).not.toContain('s.last_idx_scan');
    expect(idx).toEqual({
      schema: 'public',
      table: 'docs',
      name: 'docs_idx',
      column: 'embedding',
      method: 'hnsw',
      opclass: 'vector_l2_ops',
      distance: 'l2',
      m: 24,
      efConstruction: 64,
      sizeBytes: 8192,
      valid: true,
      idxScan: 12,
      definition: 'CREATE INDEX ...',
    });
    expect('lastUsed' in idx!).toBe(false);
  });

  it('GIVEN PostgreSQL 16+ THEN it reads last_idx_scan (null = never used)', async () => {
    const c = client();
    const [idx] = await listVectorIndexes(c, 160002);
    expect(c.sql[0]).toContain('s.last_idx_scan');
    expect(idx!.lastUsed).toBeNull();
  });

  it("reads m, ef_construction and lists with pgvector's defaults", () => {
    expect(indexParams('hnsw', null)).toEqual({ m: 16, efConstruction: 64 });
    expect(indexParams('hnsw', ['ef_construction=200', 'm=32'])).toEqual({ m: 32, efConstruction: 200 });
    expect(indexParams('ivfflat', null)).toEqual({ lists: 100 });
    expect(indexParams('ivfflat', ['lists=1000'])).toEqual({ lists: 1000 });
  });

  it('counts exactly below 100,000 rows, or a never-analyzed table up to 64 MiB', () => {
    expect(countExactly(99_999, 10 ** 10)).toBe(true);
    expect(countExactly(100_000, 1)).toBe(false);
    expect(countExactly(-1, 64 * 1024 * 1024)).toBe(true);
    expect(countExactly(-1, 64 * 1024 * 1024 + 1)).toBe(false);
  });
});
