import { describe, expect, it } from 'vitest';
import { ExitCode, NotFoundError, UsageError } from '../../../src/lib/errors.js';
import { pickTuneIndex, recommendTuning, tuneParams, type SweepSummary } from '../../../src/lib/vector/plan.js';
import type { VectorIndex } from '../../../src/lib/vector/types.js';

function index(over: Partial<VectorIndex>): VectorIndex {
  return {
    schema: 'public',
    table: 'items',
    name: 'items_embedding_idx',
    column: 'embedding',
    method: 'hnsw',
    opclass: 'vector_cosine_ops',
    distance: 'cosine',
    m: 16,
    efConstruction: 64,
    sizeBytes: 1024,
    valid: true,
    idxScan: 0,
    definition: '',
    ...over,
  };
}

const where = { schema: 'public', table: 'items', column: 'embedding' };

function thrown(fn: () => unknown): Error & { exitCode?: number; hint?: string } {
  try {
    fn();
  } catch (e) {
    return e as Error & { exitCode?: number; hint?: string };
  }
  throw new Error('did not throw');
}

describe('tune parameters', () => {
  it('applies the defaults', () => {
    expect(tuneParams({})).toEqual({
      k: 10,
      targetRecall: 0.9,
      queries: 100,
      maxP95Ms: undefined,
      statementTimeoutMs: undefined,
      candidates: [],
      plotFormat: undefined,
      seed: 42,
      memory: { bytes: 256 * 1024 * 1024, text: '256MB' },
      parallelWorkers: 2,
    });
  });

  it('takes every vector of a queries file unless --queries is given', () => {
    expect(tuneParams({ queriesFile: 'q.ndjson' }).queries).toBeUndefined();
    expect(tuneParams({ queriesFile: 'q.ndjson', queries: 5 }).queries).toBe(5);
  });

  it('takes --max-p95 and --statement-timeout (parsed at the edge), parses --candidates (only with --rebuild) and --plot', () => {
    const p = tuneParams({ maxP95Ms: 3000, statementTimeoutMs: 120_000, rebuild: true, candidates: '24:128', plot: 'r.html' });
    expect(p.maxP95Ms).toBe(3000);
    expect(p.statementTimeoutMs).toBe(120_000);
    expect(p.candidates).toEqual([{ m: 24, efConstruction: 128 }]);
    expect(p.plotFormat).toBe('html');
    expect(tuneParams({ rebuild: true }).candidates).toEqual([
      { m: 16, efConstruction: 64 },
      { m: 16, efConstruction: 128 },
      { m: 32, efConstruction: 128 },
    ]);
    expect(tuneParams({ candidates: '24:128' }).candidates).toEqual([]);
  });

  it('rejects a target recall outside (0, 1] with exit 2', () => {
    for (const bad of [0, -0.1, 1.01, 90, NaN]) {
      const e = thrown(() => tuneParams({ targetRecall: bad }));
      expect(e).toBeInstanceOf(UsageError);
      expect(e.exitCode).toBe(ExitCode.usage);
      expect(e.message).toBe(`--target-recall must be more than 0 and at most 1, got ${bad}.`);
      expect(e.hint).toContain('0.9 means 9 of every 10');
    }
    expect(tuneParams({ targetRecall: 1 }).targetRecall).toBe(1);
  });

  it('rejects k, queries and workers out of range', () => {
    expect(() => tuneParams({ k: 0 })).toThrow('--k must be a whole number from 1 to 1000, got 0.');
    expect(() => tuneParams({ k: 1001 })).toThrow('--k must be a whole number from 1 to 1000, got 1001.');
    expect(() => tuneParams({ queries: 0 })).toThrow('--queries must be a whole number from 1 to 100000, got 0.');
    expect(() => tuneParams({ parallelWorkers: -1 })).toThrow('--parallel-workers must be a whole number from 0 to 64, got -1.');
    expect(() => tuneParams({ plot: 'chart.png' })).toThrow('--plot writes SVG or HTML');
  });
});

describe('which index tune measures', () => {
  it("takes the column's HNSW index and its distance", () => {
    const idx = index({});
    expect(pickTuneIndex([idx, index({ column: 'other', name: 'x' })], where, undefined, false)).toEqual({
      index: idx,
      distance: 'cosine',
    });
  });

  it('takes the index matching --distance among several', () => {
    const l2 = index({ name: 'l2_idx', opclass: 'vector_l2_ops', distance: 'l2' });
    expect(pickTuneIndex([index({}), l2], where, 'l2', false)).toEqual({ index: l2, distance: 'l2' });
    expect(() => pickTuneIndex([index({}), l2], where, undefined, false)).toThrow(
      'public.items.embedding has HNSW indexes for cosine and l2 distance.',
    );
  });

  it('GIVEN an index on another distance than asked THEN a usage error says which, with a hint', () => {
    const e = thrown(() => pickTuneIndex([index({})], where, 'l2', false));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(
      'The HNSW index public.items_embedding_idx on public.items.embedding uses cosine distance (vector_cosine_ops), not l2.',
    );
    expect(e.hint).toBe(
      'Queries ordering by <-> cannot use it. Tune it with --distance cosine, or build a l2 index: dbops vector build --table public.items --column embedding --distance l2.',
    );
  });

  it('with --rebuild, measures candidates even without a matching index', () => {
    expect(pickTuneIndex([index({})], where, 'l2', true)).toEqual({ distance: 'l2' });
    expect(pickTuneIndex([], where, undefined, true)).toEqual({ distance: 'cosine' });
  });

  it('explains a missing, INVALID or IVFFlat-only index', () => {
    const none = thrown(() => pickTuneIndex([], where, undefined, false));
    expect(none).toBeInstanceOf(NotFoundError);
    expect(none.message).toBe('public.items.embedding has no HNSW index to tune.');
    expect(none.hint).toContain('dbops vector build --table public.items --column embedding --distance cosine');
    expect(() => pickTuneIndex([index({ valid: false })], where, undefined, false)).toThrow('is INVALID');
    expect(() => pickTuneIndex([index({ method: 'ivfflat', lists: 100, m: undefined })], where, undefined, false)).toThrow(
      "public.items.embedding has an IVFFlat index (public.items_embedding_idx); dbops vector tune tunes HNSW's ef_search.",
    );
  });
});

describe('the recommendation', () => {
  const sweep = (over: Partial<SweepSummary> & Pick<SweepSummary, 'choice'>): SweepSummary => ({
    label: 'items_embedding_idx (m 16, ef_construction 64)',
    m: 16,
    efConstruction: 64,
    ...over,
  });
  const base = { database: 'app', table: 'public.items', column: 'embedding', distance: 'cosine' as const, targetRecall: 0.9 };

  it("recommends the live index's ef_search, per session and per database", () => {
    const r = recommendTuning({
      ...base,
      live: sweep({ choice: { status: 'ok', ef: 57, probe: { ef: 57, recall: 0.912, p95Ms: 1.25 } } }),
      candidates: [],
    });
    expect(r).toEqual({
      ok: true,
      action: 'set-ef-search',
      efSearch: 57,
      iterativeScan: undefined,
      sql: { session: ['SET hnsw.ef_search = 57;'], database: ['ALTER DATABASE app SET hnsw.ef_search = 57;'] },
      message: 'On items_embedding_idx (m 16, ef_construction 64), ef_search 57 reaches recall 0.912 (target 0.9) with p95 1.25ms.',
    });
  });

  it('recommends a rebuild when only a candidate meets the target', () => {
    const r = recommendTuning({
      ...base,
      iterativeScan: 'relaxed_order',
      live: sweep({ choice: { status: 'recall-not-reached', best: { ef: 1000, recall: 0.85, p95Ms: 9 } } }),
      candidates: [
        sweep({
          label: 'scratch m 24, ef_construction 128',
          m: 24,
          efConstruction: 128,
          choice: { status: 'ok', ef: 80, probe: { ef: 80, recall: 0.93, p95Ms: 2 } },
        }),
      ],
    });
    expect(r.ok).toBe(true);
    expect(r.action).toBe('rebuild');
    expect(r.build).toEqual({
      m: 24,
      efConstruction: 128,
      command: 'dbops vector build --table public.items --column embedding --distance cosine --m 24 --ef-construction 128 --concurrently',
    });
    expect(r.sql?.session).toEqual(['SET hnsw.ef_search = 80;', 'SET hnsw.iterative_scan = relaxed_order;']);
    expect(r.message).toBe(
      'No ef_search up to 1000 reaches recall 0.9 on items_embedding_idx (m 16, ef_construction 64) (best 0.850 at ef_search 1000). Rebuilt with m 24, ef_construction 128, ef_search 80 reaches recall 0.930 (target 0.9) with p95 2ms.',
    );
  });

  it('fails (ok false) when no ef_search meets both the recall target and --max-p95', () => {
    const r = recommendTuning({
      ...base,
      maxP95Ms: 3000,
      live: sweep({ choice: { status: 'latency-exceeded', ef: 200, probe: { ef: 200, recall: 0.95, p95Ms: 4200 } } }),
      candidates: [],
    });
    expect(r.ok).toBe(false);
    expect(r.action).toBe('none');
    expect(r.message).toBe(
      'On items_embedding_idx (m 16, ef_construction 64), ef_search 200 reaches recall 0.950 but its p95 (4.2s) is over --max-p95 3s; no measured ef_search meets both. Measure larger m / ef_construction with --rebuild, or lower --target-recall.',
    );
  });

  it('notes a clearly faster candidate beside a working live setting', () => {
    const r = recommendTuning({
      ...base,
      live: sweep({ choice: { status: 'ok', ef: 400, probe: { ef: 400, recall: 0.91, p95Ms: 10 } } }),
      candidates: [
        sweep({
          label: 'scratch m 32, ef_construction 128',
          m: 32,
          efConstruction: 128,
          choice: { status: 'ok', ef: 60, probe: { ef: 60, recall: 0.92, p95Ms: 3 } },
        }),
      ],
    });
    expect(r.action).toBe('set-ef-search');
    expect(r.note).toContain('A rebuild with m 32, ef_construction 128 would reach the target faster');
  });
});
