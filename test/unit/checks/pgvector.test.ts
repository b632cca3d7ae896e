import { describe, expect, it } from 'vitest';
import { judgePgvector, operatorFor, planUsesIndex, type PgvectorData, type VectorIndex } from '../../../src/lib/checks/pgvector.js';

describe('operatorFor', () => {
  it.each([
    ['vector_cosine_ops', '<=>'],
    ['vector_l2_ops', '<->'],
    ['vector_ip_ops', '<#>'],
    ['halfvec_cosine_ops', '<=>'],
    ['vector_l1_ops', '<+>'],
    ['bit_hamming_ops', '<~>'],
    ['bit_jaccard_ops', '<%>'],
    ['text_ops', undefined],
    [null, undefined],
  ] as const)('%s -> %s', (opclass, op) => {
    expect(operatorFor(opclass)).toBe(op);
  });
});

describe('planUsesIndex', () => {
  const plan = [
    { Plan: { 'Node Type': 'Limit', Plans: [{ 'Node Type': 'Index Scan', 'Index Name': 'recipe_embeddings_embedding_hnsw_idx' }] } },
  ];

  it('finds the index anywhere in the tree', () => {
    expect(planUsesIndex(plan, 'recipe_embeddings_embedding_hnsw_idx')).toBe(true);
  });

  it('is false for a sequential scan plan or another index', () => {
    expect(
      planUsesIndex([{ Plan: { 'Node Type': 'Limit', Plans: [{ 'Node Type': 'Sort', Plans: [{ 'Node Type': 'Seq Scan' }] }] } }], 'x'),
    ).toBe(false);
    expect(planUsesIndex(plan, 'other_idx')).toBe(false);
  });
});

const INDEX: VectorIndex = {
  index: 'public.recipe_embeddings_embedding_hnsw_idx',
  indexName: 'recipe_embeddings_embedding_hnsw_idx',
  table: 'public.recipe_embeddings',
  column: 'embedding',
  columnType: 'vector(1536)',
  method: 'hnsw',
  opclass: 'vector_cosine_ops',
  valid: true,
  partial: false,
  expression: false,
};

describe('judgePgvector', () => {
  it('skips a database without pgvector, with a note', () => {
    const r = judgePgvector({ installed: false, indexes: [], samples: [] });
    expect([r.status, r.summary]).toEqual(['skipped', 'pgvector is not installed in this database: nothing to check.']);
  });

  it('fails when the source has pgvector and the restore does not', () => {
    expect(judgePgvector({ installed: false, sourceVersion: '0.8.0', indexes: [], samples: [] }).status).toBe('failed');
  });

  it('passes valid indexes answered through the index', () => {
    const d: PgvectorData = {
      installed: true,
      version: '0.8.0',
      sourceVersion: '0.8.0',
      indexes: [INDEX],
      samples: [{ index: INDEX.index, plan: 'index', neighbours: 5, nearestDistance: 0 }],
    };
    const r = judgePgvector(d);
    expect([r.status, r.summary, r.evidence]).toEqual([
      'passed',
      'pgvector 0.8.0: 1 vector index valid, 1 answered a nearest-neighbour query through the index.',
      [
        'extension vector 0.8.0 (source 0.8.0)',
        'hnsw index public.recipe_embeddings_embedding_hnsw_idx on public.recipe_embeddings (embedding vector_cosine_ops): valid; 5 nearest neighbours through the index, nearest at distance 0.0000',
      ],
    ]);
  });

  it('fails an invalid index, a version mismatch and an index the planner ignores, all at once', () => {
    const d: PgvectorData = {
      installed: true,
      version: '0.7.4',
      sourceVersion: '0.8.0',
      indexes: [
        { ...INDEX, valid: false },
        { ...INDEX, index: 'public.b', indexName: 'b' },
      ],
      samples: [
        { index: INDEX.index, plan: 'skipped', note: 'invalid index' },
        { index: 'public.b', plan: 'not-used', note: 'the planner did not use the index even with sequential scans off' },
      ],
    };
    expect(judgePgvector(d).summary).toBe(
      "pgvector: version 0.7.4 differs from the source's 0.8.0; 1 invalid vector index; 1 index not used by a nearest-neighbour query.",
    );
  });
});
