import { describe, expect, it } from 'vitest';
import {
  buildSessionSql,
  createHnswIndexSql,
  defaultIndexName,
  distanceOfOpclass,
  distanceOperator,
  dropIndexSql,
  knnQuerySql,
  opclassFor,
  parseCandidates,
  qualifiedName,
  quoteIdent,
  recommendationSql,
  renameIndexSql,
  resetSessionSql,
  setLocalSql,
  validateHnswParams,
} from '../../../src/lib/vector/ddl.js';
import { UsageError } from '../../../src/lib/errors.js';

describe('identifiers', () => {
  it('quotes only what PostgreSQL needs quoted', () => {
    expect(quoteIdent('items')).toBe('items');
    expect(quoteIdent('doc_chunks_2')).toBe('doc_chunks_2');
    expect(quoteIdent('Items')).toBe('"Items"');
    expect(quoteIdent('my table')).toBe('"my table"');
    expect(quoteIdent('user')).toBe('"user"');
    expect(quoteIdent('order')).toBe('"order"');
    expect(quoteIdent('we"ird')).toBe('"we""ird"');
    expect(quoteIdent('1col')).toBe('"1col"');
    expect(qualifiedName('public', 'items')).toBe('public.items');
    expect(qualifiedName('Search', 'user')).toBe('"Search"."user"');
  });

  it('names a new index <table>_<column>_hnsw_idx within 63 bytes', () => {
    expect(defaultIndexName('items', 'embedding')).toBe('items_embedding_hnsw_idx');
    const long = defaultIndexName('a'.repeat(40), 'b'.repeat(40));
    expect(long).toBe(`${'a'.repeat(40)}_${'b'.repeat(13)}_hnsw_idx`);
    expect(Buffer.byteLength(long)).toBe(63);
  });
});

describe('operators and operator classes', () => {
  it('maps each distance to its operator and operator class', () => {
    expect(distanceOperator('cosine')).toBe('<=>');
    expect(distanceOperator('l2')).toBe('<->');
    expect(distanceOperator('ip')).toBe('<#>');
    expect(distanceOperator('cosine', 'extensions')).toBe('OPERATOR(extensions.<=>)');
    expect(opclassFor('cosine')).toBe('vector_cosine_ops');
    expect(opclassFor('l2', 'halfvec')).toBe('halfvec_l2_ops');
    expect(opclassFor('ip', 'vector', 'extensions')).toBe('extensions.vector_ip_ops');
  });

  it('reads the distance of an operator class', () => {
    expect(distanceOfOpclass('vector_cosine_ops')).toBe('cosine');
    expect(distanceOfOpclass('halfvec_l2_ops')).toBe('l2');
    expect(distanceOfOpclass('vector_ip_ops')).toBe('ip');
    expect(distanceOfOpclass('vector_l1_ops')).toBe('l1');
    expect(distanceOfOpclass('bit_hamming_ops')).toBe('hamming');
    expect(distanceOfOpclass('text_pattern_ops')).toBe('unknown');
  });
});

describe('index DDL', () => {
  const spec = {
    schema: 'public',
    table: 'items',
    column: 'embedding',
    name: 'items_embedding_hnsw_idx',
    distance: 'cosine' as const,
    m: 16,
    efConstruction: 64,
    concurrently: true,
  };

  it('builds CREATE INDEX CONCURRENTLY ... USING hnsw with m and ef_construction', () => {
    expect(createHnswIndexSql(spec)).toBe(
      'CREATE INDEX CONCURRENTLY items_embedding_hnsw_idx ON public.items USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)',
    );
  });

  it('builds the non-concurrent, l2, ip, halfvec and quoted variants', () => {
    expect(createHnswIndexSql({ ...spec, concurrently: false, distance: 'l2', m: 24, efConstruction: 128 })).toBe(
      'CREATE INDEX items_embedding_hnsw_idx ON public.items USING hnsw (embedding vector_l2_ops) WITH (m = 24, ef_construction = 128)',
    );
    expect(createHnswIndexSql({ ...spec, distance: 'ip', type: 'halfvec' })).toBe(
      'CREATE INDEX CONCURRENTLY items_embedding_hnsw_idx ON public.items USING hnsw (embedding halfvec_ip_ops) WITH (m = 16, ef_construction = 64)',
    );
    expect(
      createHnswIndexSql({ ...spec, schema: 'App', table: 'Docs', column: 'Embedding', name: 'Docs_idx', extSchema: 'extensions' }),
    ).toBe(
      'CREATE INDEX CONCURRENTLY "Docs_idx" ON "App"."Docs" USING hnsw ("Embedding" extensions.vector_cosine_ops) WITH (m = 16, ef_construction = 64)',
    );
  });

  it('builds DROP, RENAME and the session settings', () => {
    expect(dropIndexSql('public', 'items_embedding_hnsw_idx', { concurrently: true, ifExists: true })).toBe(
      'DROP INDEX CONCURRENTLY IF EXISTS public.items_embedding_hnsw_idx',
    );
    expect(dropIndexSql('public', 'old', { concurrently: false })).toBe('DROP INDEX public.old');
    expect(renameIndexSql('public', 'old_rebuild', 'old')).toBe('ALTER INDEX public.old_rebuild RENAME TO old');
    expect(buildSessionSql('256MB', 2)).toEqual([
      "SET maintenance_work_mem = '256MB'",
      'SET max_parallel_maintenance_workers = 2',
      'SET statement_timeout = 0',
    ]);
    expect(resetSessionSql()).toEqual(['RESET maintenance_work_mem', 'RESET max_parallel_maintenance_workers', 'RESET statement_timeout']);
    expect(setLocalSql({ 'hnsw.ef_search': 41, enable_seqscan: 'off' })).toEqual([
      'SET LOCAL hnsw.ef_search = 41',
      "SET LOCAL enable_seqscan = 'off'",
    ]);
  });

  it("rejects m and ef_construction outside pgvector's limits, with the rule in the message", () => {
    expect(() => validateHnswParams(1, 64)).toThrow(UsageError);
    expect(() => validateHnswParams(101, 400)).toThrow('--m must be a whole number from 2 to 100, got 101.');
    expect(() => validateHnswParams(16, 1001)).toThrow('--ef-construction must be a whole number from 4 to 1000, got 1001.');
    expect(() => validateHnswParams(32, 48)).toThrow('--ef-construction (48) must be at least twice --m (32).');
    expect(() => createHnswIndexSql({ ...spec, m: 32, efConstruction: 48 })).toThrow(UsageError);
    expect(() => validateHnswParams(16, 32)).not.toThrow();
  });
});

describe('the k-NN query and the recommendation', () => {
  it('builds one query text for the exact and the HNSW search', () => {
    expect(
      knnQuerySql({ from: 'public.items', column: 'embedding', distance: 'cosine', type: 'vector', rowIdSql: 'id::text', limit: 11 }),
    ).toBe('SELECT id::text AS rid, embedding <=> $1::vector AS dist FROM public.items ORDER BY embedding <=> $1::vector LIMIT 11');
    expect(
      knnQuerySql({
        from: 'public.dbops_vt_x AS items',
        column: 'embedding',
        distance: 'l2',
        type: 'halfvec',
        rowIdSql: 'dbops_rid',
        where: 'cat = 3',
        limit: 10,
        extSchema: 'extensions',
      }),
    ).toBe(
      'SELECT dbops_rid AS rid, embedding OPERATOR(extensions.<->) $1::extensions.halfvec AS dist FROM public.dbops_vt_x AS items WHERE (cat = 3) ORDER BY embedding OPERATOR(extensions.<->) $1::extensions.halfvec LIMIT 10',
    );
  });

  it('recommends SET and ALTER DATABASE, with iterative_scan when filtered queries need it', () => {
    expect(recommendationSql('app', 57)).toEqual({
      session: ['SET hnsw.ef_search = 57;'],
      database: ['ALTER DATABASE app SET hnsw.ef_search = 57;'],
    });
    expect(recommendationSql('My DB', 120, 'relaxed_order')).toEqual({
      session: ['SET hnsw.ef_search = 120;', 'SET hnsw.iterative_scan = relaxed_order;'],
      database: ['ALTER DATABASE "My DB" SET hnsw.ef_search = 120;', 'ALTER DATABASE "My DB" SET hnsw.iterative_scan = relaxed_order;'],
    });
  });

  it('parses --candidates pairs, dropping repeats and rejecting bad ones', () => {
    expect(parseCandidates('16:64, 24:128,16:64')).toEqual([
      { m: 16, efConstruction: 64 },
      { m: 24, efConstruction: 128 },
    ]);
    expect(() => parseCandidates('16x64')).toThrow('--candidates expects m:ef_construction pairs such as 16:64,24:128, got "16x64".');
    expect(() => parseCandidates('32:40')).toThrow('--ef-construction (40) must be at least twice --m (32).');
    expect(() => parseCandidates(' , ')).toThrow('--candidates is empty.');
  });
});
