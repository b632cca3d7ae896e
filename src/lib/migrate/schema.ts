/**
 * dbops' own schema in the target database (sql/dbops/schema.sql): created on first
 * use, under a transaction-level advisory lock so two first runs do not race, and read
 * back as typed rows. Reading never creates anything (status, verify, dry runs).
 */
import { readFile } from 'node:fs/promises';
import type { Client } from 'pg';
import type { AppliedMigration } from './drift.js';
import { packagePath } from '../paths.js';

/** Advisory lock key for creating the dbops schema: the bytes of "dbopsche". */
export const BOOTSTRAP_LOCK_KEY = 0x64626f7073636865n;

const SCHEMA_FILE = packagePath('sql', 'dbops', 'schema.sql');

let schemaSql: Promise<string> | undefined;

/** The text of sql/dbops/schema.sql, read once. */
export function dbopsSchemaSql(): Promise<string> {
  schemaSql ??= readFile(SCHEMA_FILE, 'utf8');
  return schemaSql;
}

/** Whether the dbops tables exist (nothing is created). */
export async function dbopsSchemaExists(client: Client): Promise<{ migrations: boolean; heartbeat: boolean }> {
  const r = await client.query<{ migrations: boolean; heartbeat: boolean }>(
    `SELECT to_regclass('dbops.schema_migrations') IS NOT NULL AS migrations,
            to_regclass('dbops.heartbeat') IS NOT NULL AS heartbeat`,
  );
  return r.rows[0]!;
}

/** Creates the dbops schema and tables unless they exist. Returns true when it created something. */
export async function ensureDbopsSchema(client: Client): Promise<boolean> {
  const before = await dbopsSchemaExists(client);
  if (before.migrations && before.heartbeat) return false;
  const sql = await dbopsSchemaSql();
  await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK_KEY})`);
  try {
    await client.query(sql);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
  return true;
}

interface AppliedRow {
  version: string;
  name: string;
  checksum: string | null;
  applied_at: Date;
  duration_ms: number;
  applied_by: string;
  kind: 'up' | 'baseline';
}

/** The migration history in version order; empty when dbops never ran here. */
export async function readApplied(client: Client): Promise<AppliedMigration[]> {
  const exists = await dbopsSchemaExists(client);
  if (!exists.migrations) return [];
  const r = await client.query<AppliedRow>(
    'SELECT version::text AS version, name, checksum, applied_at, duration_ms, applied_by, kind FROM dbops.schema_migrations ORDER BY version',
  );
  return r.rows.map((row) => ({
    version: Number(row.version),
    name: row.name,
    checksum: row.checksum,
    appliedAt: row.applied_at,
    durationMs: row.duration_ms,
    appliedBy: row.applied_by,
    kind: row.kind,
  }));
}

/** A row to record (after a migration ran, or when baseline marks one). */
export interface RecordInput {
  version: number;
  name: string;
  checksum: string;
  durationMs: number;
  /** The host part of applied_by; the database fills in current_user. */
  hostname: string;
  kind: 'up' | 'baseline';
}

/**
 * The INSERT for one history row, as SQL text (literals escaped by the driver), so it can
 * share a round trip with the COMMIT that follows it.
 */
export function recordSql(client: Pick<Client, 'escapeLiteral'>, r: RecordInput): string {
  return (
    'INSERT INTO dbops.schema_migrations (version, name, checksum, duration_ms, applied_by, kind) VALUES (' +
    `${r.version}, ${client.escapeLiteral(r.name)}, ${client.escapeLiteral(r.checksum)}, ${Math.max(0, Math.round(r.durationMs))}, ` +
    `current_user || '@' || ${client.escapeLiteral(r.hostname)}, ${client.escapeLiteral(r.kind)})`
  );
}

/** The DELETE of one history row (after its down migration ran). */
export function unrecordSql(version: number): string {
  return `DELETE FROM dbops.schema_migrations WHERE version = ${version}`;
}
