import { describe, expect, it } from 'vitest';
import { statusWarnings } from '../../../src/lib/vector/status.js';
import type { VectorColumn, VectorIndex, VectorSettings } from '../../../src/lib/vector/types.js';

const settings: VectorSettings = {
  efSearch: 40,
  iterativeScan: 'off',
  ivfflatProbes: 1,
  maintenanceWorkMemBytes: 64 * 1024 * 1024,
  maxParallelMaintenanceWorkers: 2,
  statementTimeoutMs: 0,
};
const col = (over: Partial<VectorColumn>): VectorColumn => ({
  schema: 'public',
  table: 'docs',
  column: 'embedding',
  type: 'vector',
  dimensions: 1536,
  rows: 10,
  rowsMethod: 'exact',
  tableBytes: 8192,
  ...over,
});
const idx = (over: Partial<VectorIndex>): VectorIndex => ({
  schema: 'public',
  table: 'docs',
  name: 'docs_embedding_idx',
  column: 'embedding',
  method: 'hnsw',
  opclass: 'vector_cosine_ops',
  distance: 'cosine',
  m: 16,
  efConstruction: 64,
  sizeBytes: 1024 * 1024,
  valid: true,
  idxScan: 3,
  definition: '',
  ...over,
});

describe('vector status warnings', () => {
  it('GIVEN an indexed column with the right distance THEN there is nothing to say', () => {
    expect(statusWarnings([col({})], [idx({})], settings, 'cosine')).toEqual([]);
  });

  it('warns about a vector column without an index, with the command that builds one', () => {
    expect(statusWarnings([col({ table: 'notes' })], [idx({})], settings)).toEqual([
      {
        code: 'no-index',
        table: 'public.notes',
        column: 'embedding',
        message:
          'public.notes.embedding has no vector index: every similarity search scans the whole table (dbops vector build --table public.notes --column embedding).',
      },
    ]);
  });

  it('warns about an index larger than maintenance_work_mem', () => {
    expect(statusWarnings([col({})], [idx({ sizeBytes: 2 * 1024 ** 3 })], settings)).toEqual([
      {
        code: 'index-exceeds-memory',
        index: 'public.docs_embedding_idx',
        table: 'public.docs',
        message:
          'public.docs_embedding_idx (2.0 GiB) is larger than maintenance_work_mem (64.0 MiB): a rebuild will not fit in memory and takes much longer (use dbops vector build --maintenance-work-mem).',
      },
    ]);
  });

  it("warns about an operator class that does not match the queries' distance", () => {
    expect(statusWarnings([col({})], [idx({ opclass: 'vector_l2_ops', distance: 'l2' })], settings, 'cosine')).toEqual([
      {
        code: 'distance-mismatch',
        index: 'public.docs_embedding_idx',
        table: 'public.docs',
        column: 'embedding',
        message:
          'public.docs_embedding_idx serves l2 distance (vector_l2_ops) but the queries use cosine (<=>): the planner cannot use it for them.',
      },
    ]);
  });

  it('counts an INVALID index as no index, and warns about both', () => {
    expect(statusWarnings([col({})], [idx({ valid: false })], settings).map((w) => w.code)).toEqual(['no-index', 'invalid-index']);
  });

  it('warns about a column without dimensions', () => {
    expect(statusWarnings([col({ dimensions: null })], [], settings).map((w) => w.code)).toEqual(['no-dimensions', 'no-index']);
  });
});
