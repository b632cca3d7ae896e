/**
 * `dbops vector status`: pgvector's version, every vector column and index, the
 * settings in force, and what looks wrong. Read-only.
 */
import type { Context } from '../context.js';
import { formatBytes } from '../output/format.js';
import { openVectorDb, type VectorTargetInput } from './db.js';
import { findTable, listVectorColumns, listVectorIndexes, readPgvector, readSettings, serverVersionNum } from './catalog.js';
import type { Distance, PgvectorInfo, VectorColumn, VectorIndex, VectorSettings, VectorWarning } from './types.js';

/** `vector status` input: the target database, optionally one table and the queries' distance. */
export interface StatusInput {
  target: VectorTargetInput;
  /** Only this table. */
  table?: string;
  /** The distance the application's queries use: indexes on another distance are flagged. */
  distance?: Distance;
}

/** What `vector status` found. */
export interface VectorStatus {
  target: string;
  database: string;
  serverVersion: number;
  pgvector: PgvectorInfo;
  settings: VectorSettings;
  columns: VectorColumn[];
  indexes: VectorIndex[];
  warnings: VectorWarning[];
}

const OPERATOR_OF: Record<string, string> = { cosine: '<=>', l2: '<->', ip: '<#>', l1: '<+>', hamming: '<~>', jaccard: '<%>' };

/** The warnings for what was found. Pure. */
export function statusWarnings(
  columns: readonly VectorColumn[],
  indexes: readonly VectorIndex[],
  settings: VectorSettings,
  distance?: Distance,
): VectorWarning[] {
  const warnings: VectorWarning[] = [];
  for (const c of columns) {
    const name = `${c.schema}.${c.table}.${c.column}`;
    const usable = indexes.filter((i) => i.schema === c.schema && i.table === c.table && i.column === c.column && i.valid);
    if (c.dimensions === null && c.type !== 'sparsevec') {
      warnings.push({
        code: 'no-dimensions',
        table: `${c.schema}.${c.table}`,
        column: c.column,
        message: `${name} has no fixed dimensions (${c.type} without (n)), so it cannot get an HNSW or IVFFlat index.`,
      });
    }
    if (usable.length === 0) {
      warnings.push({
        code: 'no-index',
        table: `${c.schema}.${c.table}`,
        column: c.column,
        message: `${name} has no vector index: every similarity search scans the whole table (dbops vector build --table ${c.schema}.${c.table} --column ${c.column}).`,
      });
    }
  }
  for (const i of indexes) {
    const name = `${i.schema}.${i.name}`;
    if (!i.valid) {
      warnings.push({
        code: 'invalid-index',
        index: name,
        table: `${i.schema}.${i.table}`,
        message: `${name} is INVALID (an interrupted CREATE INDEX CONCURRENTLY?): queries ignore it but writes still maintain it; \`dbops vector build\` offers to drop it.`,
      });
    }
    if (i.sizeBytes > settings.maintenanceWorkMemBytes) {
      warnings.push({
        code: 'index-exceeds-memory',
        index: name,
        table: `${i.schema}.${i.table}`,
        message: `${name} (${formatBytes(i.sizeBytes)}) is larger than maintenance_work_mem (${formatBytes(settings.maintenanceWorkMemBytes)}): a rebuild will not fit in memory and takes much longer (use dbops vector build --maintenance-work-mem).`,
      });
    }
    if (distance && i.distance !== distance) {
      warnings.push({
        code: 'distance-mismatch',
        index: name,
        table: `${i.schema}.${i.table}`,
        column: i.column ?? undefined,
        message: `${name} serves ${i.distance} distance (${i.opclass}) but the queries use ${distance} (${OPERATOR_OF[distance]}): the planner cannot use it for them.`,
      });
    }
  }
  return warnings;
}

export async function vectorStatus(ctx: Context, input: StatusInput): Promise<VectorStatus> {
  const db = await openVectorDb(ctx, input.target, 'dbops vector status');
  const database = db.info.database;
  const pgvector = await readPgvector(db.sql, database);
  const version = await serverVersionNum(db.sql);
  const relid = input.table ? (await findTable(db.sql, input.table, database)).relid : undefined;
  const settings = await readSettings(db.sql, pgvector);
  const columns = await listVectorColumns(db.sql, relid);
  const indexes = await listVectorIndexes(db.sql, version, relid);
  await db.close();
  return {
    target: db.label,
    database,
    serverVersion: version,
    pgvector,
    settings,
    columns,
    indexes,
    warnings: statusWarnings(columns, indexes, settings, input.distance),
  };
}
