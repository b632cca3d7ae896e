import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readRunbookSteps } from '../../../src/lib/runbook/parse.js';
import { buildPlan, planStatements } from '../../../src/lib/vector/build.js';
import { runbookSection, VECTOR_BUILD, VECTOR_TUNE, VECTOR_TUNING } from '../../../src/lib/vector/runbook.js';

const FILE = fileURLToPath(new URL('../../../runbooks/vector-tuning.md', import.meta.url));

describe('runbooks/vector-tuning.md', () => {
  it('has the same steps, ids and titles, in the same order, as the command declares', () => {
    expect(readRunbookSteps(FILE)).toEqual(VECTOR_TUNING.steps);
  });

  it("tune runs VT-1..VT-7 and build runs VT-1, VT-8..VT-11, in the runbook's order", () => {
    expect(VECTOR_TUNE.steps.map((s) => s.id)).toEqual(['VT-1', 'VT-2', 'VT-3', 'VT-4', 'VT-5', 'VT-6', 'VT-7']);
    expect(VECTOR_BUILD.steps.map((s) => s.id)).toEqual(['VT-1', 'VT-8', 'VT-9', 'VT-10', 'VT-11']);
    expect(VECTOR_TUNE.name).toBe('vector-tuning');
    expect(VECTOR_BUILD.name).toBe('vector-tuning');
  });

  it('refuses a section with an unknown step', () => {
    expect(() => runbookSection(VECTOR_TUNING, ['VT-1', 'VT-99']).steps).toThrow('Runbook vector-tuning has no step VT-99.');
  });
});

describe('build plan', () => {
  const base = {
    col: { schema: 'public', table: 'items', column: 'embedding', type: 'vector' as const },
    invalid: [],
    distance: 'cosine' as const,
    m: 16,
    efConstruction: 64,
    concurrently: true,
    memory: { bytes: 256 * 1024 ** 2, text: '256MB' },
    parallelWorkers: 2,
  };

  it('creates a new index with session settings, then resets them', () => {
    const plan = buildPlan(base);
    expect(plan.mode).toBe('create');
    expect(planStatements(plan)).toEqual([
      "SET maintenance_work_mem = '256MB'",
      'SET max_parallel_maintenance_workers = 2',
      'SET statement_timeout = 0',
      'CREATE INDEX CONCURRENTLY items_embedding_hnsw_idx ON public.items USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)',
      'RESET maintenance_work_mem',
      'RESET max_parallel_maintenance_workers',
      'RESET statement_timeout',
    ]);
  });

  it('rebuilds beside the old index, then swaps; drops INVALID leftovers first', () => {
    const plan = buildPlan({
      ...base,
      existing: { name: 'items_idx' },
      invalid: [{ name: 'items_idx_rebuild' }],
      m: 24,
      efConstruction: 128,
    });
    expect(plan).toMatchObject({ mode: 'rebuild', indexName: 'items_idx', buildingName: 'items_idx_rebuild', replaces: 'items_idx' });
    expect(plan.dropInvalid).toEqual(['DROP INDEX CONCURRENTLY IF EXISTS public.items_idx_rebuild']);
    expect(plan.create).toBe(
      'CREATE INDEX CONCURRENTLY items_idx_rebuild ON public.items USING hnsw (embedding vector_cosine_ops) WITH (m = 24, ef_construction = 128)',
    );
    expect(plan.swap).toEqual(['DROP INDEX CONCURRENTLY public.items_idx', 'ALTER INDEX public.items_idx_rebuild RENAME TO items_idx']);
  });

  it('without --concurrently swaps with plain DROP INDEX; --name names a new index', () => {
    expect(buildPlan({ ...base, concurrently: false, existing: { name: 'items_idx' } }).swap[0]).toBe('DROP INDEX public.items_idx');
    expect(buildPlan({ ...base, name: 'emb_hnsw' }).create).toBe(
      'CREATE INDEX CONCURRENTLY emb_hnsw ON public.items USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)',
    );
  });
});
