/**
 * How much memory an HNSW build wants. pgvector builds the graph in
 * maintenance_work_mem; when it no longer fits it says so ("hnsw graph no longer fits
 * into maintenance_work_mem after N tuples") and continues on disk, much more slowly.
 * The estimate follows pgvector's own accounting (hnswbuild.c): per element, the
 * element header, the neighbour lists of each level (2m on level 0, m above, with
 * 1/(m-1) extra levels on average), and the vector itself. It is an estimate: close
 * enough to decide before an hours-long build, not to the byte. Pure functions.
 */

/** Approximate sizes of pgvector's in-memory structures (64-bit builds). */
const ELEMENT_BYTES = 120; // HnswElementData: heap tids, level, pointers, lock
const NEIGHBOR_ARRAY_HEADER_BYTES = 8;
const CANDIDATE_BYTES = 16; // HnswCandidate: element pointer, distance, flag
const ALLOCATION_OVERHEAD_BYTES = 48; // three palloc chunks per element

/** Bytes of one stored value: vector = 8 + 4 * dims, halfvec = 8 + 2 * dims, 8-byte aligned. */
export function valueBytes(dimensions: number, type: 'vector' | 'halfvec' = 'vector'): number {
  const raw = 8 + (type === 'halfvec' ? 2 : 4) * dimensions;
  return Math.ceil(raw / 8) * 8;
}

/** Estimated bytes of one graph element. */
export function hnswElementBytes(dimensions: number, m: number, type: 'vector' | 'halfvec' = 'vector'): number {
  const extraLevels = 1 / (m - 1);
  const level0 = NEIGHBOR_ARRAY_HEADER_BYTES + 2 * m * CANDIDATE_BYTES;
  const upper = extraLevels * (NEIGHBOR_ARRAY_HEADER_BYTES + m * CANDIDATE_BYTES + 8);
  return Math.round(ELEMENT_BYTES + ALLOCATION_OVERHEAD_BYTES + level0 + upper + valueBytes(dimensions, type));
}

/** What a build will need, and whether the maintenance_work_mem it runs with holds it. */
export interface GraphMemoryEstimate {
  rows: number;
  dimensions: number;
  m: number;
  estimateBytes: number;
  maintenanceWorkMemBytes: number;
  fits: boolean;
  /** Rows that fit in memory before pgvector switches to the slow on-disk build. */
  rowsInMemory: number;
}

export function estimateHnswGraph(input: {
  rows: number;
  dimensions: number;
  m: number;
  type?: 'vector' | 'halfvec';
  maintenanceWorkMemBytes: number;
}): GraphMemoryEstimate {
  const element = hnswElementBytes(input.dimensions, input.m, input.type);
  const rows = Math.max(0, Math.round(input.rows));
  const estimateBytes = rows * element;
  return {
    rows,
    dimensions: input.dimensions,
    m: input.m,
    estimateBytes,
    maintenanceWorkMemBytes: input.maintenanceWorkMemBytes,
    fits: estimateBytes <= input.maintenanceWorkMemBytes,
    rowsInMemory: Math.floor(input.maintenanceWorkMemBytes / element),
  };
}
