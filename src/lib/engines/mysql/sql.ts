/**
 * Every statement dbops sends to MySQL (and MariaDB standing in for it), as constants and
 * pure builders, so unit tests can hold them to the exact string. dbops keeps its own
 * tables in a `dbops` database (MySQL's schemas are databases): the migration history is
 * keyed by the application database it belongs to, the heartbeat is the server's.
 */
import { createHash } from 'node:crypto';

/** `name` → `` `name` `` (backticks doubled inside). */
export function quoteIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** `db`.`table`: how dbops names a table in sentences, counts and schema comparisons. */
export function qualified(database: string, table: string): string {
  return `${quoteIdent(database)}.${quoteIdent(table)}`;
}

/** Run on every new session: UTC for NOW()/CURRENT_TIMESTAMP and DATETIME values read back. */
export const SESSION_SETUP = "SET time_zone = '+00:00'";

/** The source of a restore test: nothing may write, and no lock is waited for long. */
export const READ_ONLY_SESSION = 'SET SESSION TRANSACTION READ ONLY';
export const SHORT_LOCK_WAIT = 'SET SESSION lock_wait_timeout = 5';

export const CREATE_DBOPS_DATABASE = 'CREATE DATABASE IF NOT EXISTS dbops';

export const CREATE_HISTORY = `CREATE TABLE IF NOT EXISTS dbops.schema_migrations (
  database_name VARCHAR(64)  NOT NULL,
  version       BIGINT       NOT NULL,
  name          VARCHAR(255) NOT NULL,
  checksum      CHAR(64)     NULL,
  applied_at    DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  duration_ms   INT UNSIGNED NOT NULL DEFAULT 0,
  applied_by    VARCHAR(255) NOT NULL,
  kind          ENUM('up', 'baseline', 'failed') NOT NULL DEFAULT 'up',
  error         TEXT         NULL,
  PRIMARY KEY (database_name, version)
) ENGINE=InnoDB COMMENT='dbops migrate: one row per migration file; kind failed = stopped half-way, blocks migrate up until dbops migrate resolve'`;

export const CREATE_HEARTBEAT = `CREATE TABLE IF NOT EXISTS dbops.heartbeat (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  beat_at    DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  written_by VARCHAR(255)    NOT NULL,
  KEY heartbeat_beat_at_idx (beat_at)
) ENGINE=InnoDB COMMENT='dbops heartbeat: the newest row of a restored copy bounds its data loss'`;

export const DBOPS_TABLES =
  "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'dbops' AND TABLE_NAME IN ('schema_migrations', 'heartbeat')";

// The migration history (parameters: the application database first).

export const READ_HISTORY =
  'SELECT version, name, checksum, applied_at, duration_ms, applied_by, kind, error FROM dbops.schema_migrations WHERE database_name = ? ORDER BY version';

/** Parameters: database, version, name, checksum, duration_ms, hostname, kind. */
export const RECORD =
  "INSERT INTO dbops.schema_migrations (database_name, version, name, checksum, duration_ms, applied_by, kind) VALUES (?, ?, ?, ?, ?, CONCAT(CURRENT_USER(), '@', ?), ?)";

/** Parameters: database, version, name, checksum, duration_ms, hostname, error. A failed run replaces whatever row the version had. */
export const RECORD_FAILED =
  "INSERT INTO dbops.schema_migrations (database_name, version, name, checksum, duration_ms, applied_by, kind, error) VALUES (?, ?, ?, ?, ?, CONCAT(CURRENT_USER(), '@', ?), 'failed', ?) " +
  "ON DUPLICATE KEY UPDATE name = VALUES(name), checksum = VALUES(checksum), duration_ms = VALUES(duration_ms), applied_by = VALUES(applied_by), kind = 'failed', error = VALUES(error), applied_at = CURRENT_TIMESTAMP(6)";

/** Parameters: database, version. */
export const UNRECORD = 'DELETE FROM dbops.schema_migrations WHERE database_name = ? AND version = ?';

/** Parameters: hostname, database, version. Only a failed row changes. */
export const RESOLVE_APPLIED =
  "UPDATE dbops.schema_migrations SET kind = 'baseline', error = NULL, applied_by = CONCAT(CURRENT_USER(), '@', ?), applied_at = CURRENT_TIMESTAMP(6) WHERE database_name = ? AND version = ? AND kind = 'failed'";

/** Parameters: database, version. Only a failed row goes. */
export const RESOLVE_PENDING = "DELETE FROM dbops.schema_migrations WHERE database_name = ? AND version = ? AND kind = 'failed'";

// The migration lock: a named lock of the server, one per application database.

/** The GET_LOCK name for migrations of one database (at most 64 characters, MySQL's limit). */
export function migrateLockName(database: string): string {
  const name = `dbops.migrate.${database}`;
  return name.length <= 64 ? name : `dbops.migrate.${createHash('sha256').update(database).digest('hex').slice(0, 48)}`;
}

/** Parameter: the lock name. Never waits. */
export const TRY_LOCK = 'SELECT GET_LOCK(?, 0) AS locked';

/** Waits on the server up to `seconds` (-1: no limit). Parameter: the lock name. */
export function waitLockSql(timeoutMs: number): string {
  const seconds = timeoutMs <= 0 ? -1 : Math.max(1, Math.ceil(timeoutMs / 1000));
  return `SELECT GET_LOCK(?, ${seconds}) AS locked`;
}

export const RELEASE_LOCK = 'SELECT RELEASE_LOCK(?) AS released';

export const LOCK_HOLDER = 'SELECT IS_USED_LOCK(?) AS id';

export const PROCESS_BY_ID =
  'SELECT ID AS id, USER AS user, HOST AS host, TIME AS seconds FROM information_schema.PROCESSLIST WHERE ID = ?';

/** Per-migration session limits: metadata-lock waits (seconds) and, on MariaDB, statement time. */
export function timeoutSql(s: { lockTimeoutMs: number; statementTimeoutMs: number }, mariadb: boolean): string[] {
  // 0 = no limit: the server's default lock_wait_timeout is a year.
  const lockSeconds = s.lockTimeoutMs > 0 ? Math.max(1, Math.ceil(s.lockTimeoutMs / 1000)) : 31536000;
  const out = [`SET SESSION lock_wait_timeout = ${lockSeconds}`];
  if (mariadb) out.push(`SET SESSION max_statement_time = ${s.statementTimeoutMs > 0 ? (s.statementTimeoutMs / 1000).toFixed(3) : 0}`);
  else out.push(`SET SESSION max_execution_time = ${Math.max(0, Math.round(s.statementTimeoutMs))}`);
  return out;
}

/**
 * RT-10: one check query is timed in a read-only transaction under a statement time limit
 * (MySQL's max_execution_time in ms, MariaDB's max_statement_time in seconds), lifted after.
 */
export function queryTimingSql(timeoutMs: number, mariadb: boolean): { begin: string[]; end: string[] } {
  const ms = Math.max(1, Math.round(timeoutMs));
  const limit = (v: string | number) => (mariadb ? `SET SESSION max_statement_time = ${v}` : `SET SESSION max_execution_time = ${v}`);
  return { begin: [limit(mariadb ? (ms / 1000).toFixed(3) : ms), 'START TRANSACTION READ ONLY'], end: ['ROLLBACK', limit(0)] };
}

// The heartbeat.

export const HEARTBEAT_PREVIOUS = 'SELECT MAX(beat_at) AS previous FROM dbops.heartbeat';
/** Parameter: hostname. */
export const HEARTBEAT_INSERT =
  "INSERT INTO dbops.heartbeat (beat_at, written_by) VALUES (CURRENT_TIMESTAMP(6), CONCAT(CURRENT_USER(), '@', ?))";
export const HEARTBEAT_INSERTED = 'SELECT id, beat_at, written_by FROM dbops.heartbeat WHERE id = LAST_INSERT_ID()';
export const HEARTBEAT_READ = 'SELECT MAX(beat_at) AS newest, COUNT(*) AS `rows` FROM dbops.heartbeat';

// The server and the schema of the connected database.

export const SERVER_FACTS = 'SELECT VERSION() AS version, DATABASE() AS db, @@GLOBAL.read_only AS read_only';

export const TABLES =
  "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY DATA_LENGTH DESC, TABLE_NAME";

export const INNODB_TABLES =
  "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND ENGINE = 'InnoDB' ORDER BY DATA_LENGTH DESC, TABLE_NAME";

export function countSql(table: string): string {
  return `SELECT COUNT(*) AS n FROM ${table}`;
}

export function checkTableSql(table: string): string {
  return `CHECK TABLE ${table} EXTENDED`;
}

export const SCHEMA_RELATIONS =
  'SELECT TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME';

export const SCHEMA_COLUMNS =
  'SELECT TABLE_NAME AS tbl, COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS dflt, EXTRA AS extra ' +
  'FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION';

export const SCHEMA_INDEXES =
  "SELECT TABLE_NAME AS tbl, INDEX_NAME AS name, MIN(NON_UNIQUE) AS non_unique, MIN(INDEX_TYPE) AS type, GROUP_CONCAT(CONCAT(COALESCE(COLUMN_NAME, '(expression)'), IF(SUB_PART IS NULL, '', CONCAT('(', SUB_PART, ')'))) ORDER BY SEQ_IN_INDEX SEPARATOR ', ') AS cols " +
  'FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() GROUP BY TABLE_NAME, INDEX_NAME ORDER BY TABLE_NAME, INDEX_NAME';

export const SCHEMA_CONSTRAINTS =
  "SELECT tc.TABLE_NAME AS tbl, tc.CONSTRAINT_NAME AS name, tc.CONSTRAINT_TYPE AS type, GROUP_CONCAT(k.COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR ', ') AS cols, " +
  "MAX(k.REFERENCED_TABLE_NAME) AS ref_table, GROUP_CONCAT(k.REFERENCED_COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR ', ') AS ref_cols " +
  'FROM information_schema.TABLE_CONSTRAINTS tc LEFT JOIN information_schema.KEY_COLUMN_USAGE k ' +
  'ON k.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND k.TABLE_NAME = tc.TABLE_NAME AND k.CONSTRAINT_NAME = tc.CONSTRAINT_NAME ' +
  'WHERE tc.TABLE_SCHEMA = DATABASE() GROUP BY tc.TABLE_NAME, tc.CONSTRAINT_NAME, tc.CONSTRAINT_TYPE ORDER BY tc.TABLE_NAME, tc.CONSTRAINT_NAME';

/** The history a restore test compares (failed rows are not applied migrations). Parameter: the database. */
export const SCHEMA_MIGRATIONS =
  "SELECT version, name, checksum, applied_at FROM dbops.schema_migrations WHERE database_name = ? AND kind IN ('up', 'baseline') ORDER BY version";

/** Cancels the statement a connection runs (from another connection). */
export function killQuerySql(threadId: number): string {
  return `KILL QUERY ${Math.trunc(threadId)}`;
}

/** "10.11.19-MariaDB-0+deb12u1" → MariaDB 10.11.19, 101119; "8.0.35" → MySQL 8.0.35, 80035. */
export function parseVersion(text: string): { product: 'MySQL' | 'MariaDB'; version: string; versionNum: number } {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  const [major, minor, patch] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
  return {
    product: /mariadb/i.test(text) ? 'MariaDB' : 'MySQL',
    version: m ? `${major}.${minor}.${patch}` : text.trim(),
    versionNum: major * 10000 + minor * 100 + patch,
  };
}
