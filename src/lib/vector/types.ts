/**
 * Types shared by `dbops vector status | tune | build`. Lib functions return these;
 * src/lib/vector/render.ts turns them into text, `--json` prints them as they are.
 */

/** The distances a query can use, with the operator and HNSW operator class of each. */
export type Distance = 'cosine' | 'l2' | 'ip';
export const DISTANCES: readonly Distance[] = ['cosine', 'l2', 'ip'];

/** The distance an index serves, read from its operator class (`vector_l1_ops` -> l1). */
export type IndexDistance = Distance | 'l1' | 'hamming' | 'jaccard' | 'unknown';

/** pgvector's column types. tune and build work on `vector` and `halfvec`. */
export type VectorType = 'vector' | 'halfvec' | 'sparsevec';

/** Where pgvector is installed: its version and the schema holding its types and operators. */
export interface PgvectorInfo {
  version: string;
  schema: string;
}

/** A vector column, as `vector status` lists it. */
export interface VectorColumn {
  schema: string;
  table: string;
  column: string;
  type: VectorType;
  /** `vector(1536)` -> 1536; null when the column has no fixed dimensions. */
  dimensions: number | null;
  /** Rows in the table: exact count when small, planner estimate when large (see rowsMethod). */
  rows: number | null;
  /** How `rows` was obtained, so the reader knows whether to trust the last digit. */
  rowsMethod: 'exact' | 'estimate' | 'unknown';
  /** Table size on disk, bytes (heap + TOAST, without indexes). */
  tableBytes: number;
}

/** A pgvector index (HNSW or IVFFlat). */
export interface VectorIndex {
  schema: string;
  table: string;
  name: string;
  /** The indexed column; null for an expression index. */
  column: string | null;
  method: 'hnsw' | 'ivfflat';
  opclass: string;
  distance: IndexDistance;
  /** HNSW: from reloptions, pgvector's default (16) when not set. */
  m?: number;
  /** HNSW: from reloptions, pgvector's default (64) when not set. */
  efConstruction?: number;
  /** IVFFlat: from reloptions, pgvector's default (100) when not set. */
  lists?: number;
  sizeBytes: number;
  /** false for an index left INVALID by an interrupted CREATE INDEX CONCURRENTLY. */
  valid: boolean;
  /** Scans since statistics were reset (pg_stat_user_indexes.idx_scan). */
  idxScan: number | null;
  /** pg_stat_user_indexes.last_idx_scan (PostgreSQL 16+); null = never; undefined = not tracked before 16. */
  lastUsed?: string | null;
  definition: string;
}

/** The settings that govern vector search and index builds, as the session sees them. */
export interface VectorSettings {
  /** hnsw.ef_search; null when pgvector's library is not loaded. */
  efSearch: number | null;
  /** hnsw.iterative_scan (pgvector 0.8+); null before 0.8. */
  iterativeScan: string | null;
  /** ivfflat.probes. */
  ivfflatProbes: number | null;
  maintenanceWorkMemBytes: number;
  maxParallelMaintenanceWorkers: number;
  statementTimeoutMs: number;
}

/** A warning `vector status` raises, with a stable code for --json consumers. */
export interface VectorWarning {
  code: 'no-index' | 'index-exceeds-memory' | 'distance-mismatch' | 'invalid-index' | 'no-dimensions';
  message: string;
  table?: string;
  column?: string;
  index?: string;
}

/** The one column tune and build work on, checked (VT-1). */
export interface ResolvedColumn {
  schema: string;
  table: string;
  column: string;
  type: 'vector' | 'halfvec';
  dimensions: number | null;
  /** SQL expression naming a row: the single-column primary key, else tableoid + ctid. */
  rowIdSql: string;
  /** Planner estimate (pg_class.reltuples); -1 when never analyzed. */
  reltuples: number;
}
