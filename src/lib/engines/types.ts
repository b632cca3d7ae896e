/**
 * The engine port: what differs between database engines (PostgreSQL, MySQL), behind one
 * interface the domain code uses. Domain code picks the implementation once from the
 * instance's engine (`engineFor(engine)`, engines/index.ts) and never asks "which engine"
 * again: connecting, the server's version, integrity checks, the schema, row counts, the
 * heartbeat, the migration lock and history, and the write probe's SQL all live here.
 */
import type { CheckResult, ProgressFn, Queryable } from '../checks/types.js';
import type { TimingSql } from '../checks/performance.js';
import type { Heartbeats } from '../checks/freshness.js';
import type { SchemaSnapshot } from '../checks/schema.js';
import type { ServerFacts } from '../checks/server.js';
import type { HostOverride } from '../db/connect.js';
import type { AppliedMigration } from '../migrate/drift.js';
import type { MigrationFile } from '../migrate/files.js';
import type { LintWarning } from '../migrate/lint.js';
import type { LockHolder } from '../migrate/lock.js';
import type { RunContext, RunSettings, RunUnit } from '../migrate/runner.js';
import type { RecordInput } from '../migrate/schema.js';
import type { ConnectionInfo, Engine } from '../providers/types.js';

/** How to open a session (the same options for every engine). */
export interface EngineConnectOptions {
  /** `--connect-host`: where to reach the instance; TLS still checks the instance's own name. */
  override?: HostOverride;
  /** The option of the running command that tunnels this connection: the hint of a failed connect names it. */
  tunnelOption?: string;
  /** Another database on the same server (PostgreSQL: a database; MySQL: the default schema). */
  database?: string;
  /** Told once when TLS cannot verify the server. */
  warn?: (message: string) => void;
  connectTimeoutMs?: number;
  /** Shown to the server's session list (PostgreSQL application_name; MySQL program_name). */
  applicationName?: string;
}

/** The SQL of the failover write probe (a numbered row every few ms, read back afterwards). */
export interface ProbeSql {
  /** Run in order: the dbops schema (database) and the table. */
  create: string[];
  /** One parameter: the sequence number. */
  insert: string;
  /** Returns `seq` of every row. */
  readBack: string;
  drop: string;
}

/** One engine: its facts and how to open a session on it. */
export interface EngineApi {
  readonly engine: Engine;
  /** "PostgreSQL" or "MySQL", for sentences. */
  readonly label: string;
  readonly defaultPort: number;
  /** pgvector exists only on PostgreSQL. */
  readonly supportsPgvector: boolean;
  /**
   * Whether a failing migration is undone as a whole (PostgreSQL: DDL is transactional).
   * MySQL commits every DDL statement implicitly: a failed migration is marked failed and
   * blocks later runs until `dbops migrate resolve`.
   */
  readonly transactionalDdl: boolean;
  /**
   * Where this engine's restore-test queries live inside a queries directory (RT-10):
   * '' for PostgreSQL (the *.sql files of the directory itself), 'mysql' for MySQL.
   */
  readonly checkQueriesSubdir: string;
  connect(info: ConnectionInfo, opts?: EngineConnectOptions): Promise<EngineSession>;
  /** The write probe's SQL for a dbops-made table name (letters, digits, underscores). */
  probeSql(table: string): ProbeSql;
  /** Lint warnings for migration files written for this engine. */
  lintMigrations(inputs: readonly { file: string; sql: string }[], opts: { lockTimeoutMs: number }): LintWarning[];
  /**
   * Refuses (UsageError, exit 2) migration files this engine cannot run as written:
   * PostgreSQL: BEGIN/COMMIT in a file dbops runs in a transaction; MySQL: DELIMITER.
   */
  checkMigrations(dir: string, files: readonly MigrationFile[]): void;
}

/** The migration bookkeeping of one database: history, lock, running a file. */
export interface MigrationStore {
  /** Where the history lives, for sentences: "dbops.schema_migrations". */
  readonly historyName: string;
  /** Whether the dbops tables exist (nothing is created). */
  exists(): Promise<{ migrations: boolean; heartbeat: boolean }>;
  /** Creates the dbops tables unless they exist; true when it created something. */
  ensure(): Promise<boolean>;
  /** The history in version order (failed rows included, kind 'failed'); empty when dbops never ran here. */
  readApplied(): Promise<AppliedMigration[]>;
  /** Takes the migration lock without waiting; true when taken. */
  tryLock(): Promise<boolean>;
  /** Who holds the migration lock (undefined when nobody, or not visible). */
  lockHolder(): Promise<LockHolder | undefined>;
  /** Waits for the lock on the server (MySQL's GET_LOCK with a timeout); absent: dbops polls tryLock. */
  wait?(timeoutMs: number): Promise<boolean>;
  unlock(): Promise<void>;
  /** Runs one migration (up: recorded; down: unrecorded); returns its duration. Throws MigrationFailed / EnvironmentError. */
  runUnit(unit: RunUnit, settings: RunSettings, rc: RunContext): Promise<number>;
  /** Records rows as baselined, all or nothing. */
  baseline(rows: RecordInput[]): Promise<void>;
  /**
   * Resolves a migration marked failed: 'rerun' deletes the mark (the next `migrate up`
   * runs the file again), 'applied' records it as applied (completed by hand).
   */
  resolve(version: number, as: 'rerun' | 'applied', hostname: string): Promise<void>;
}

/** dbops.heartbeat in one database. */
export interface HeartbeatStore {
  /** Whether the table exists (nothing is created). */
  exists(): Promise<boolean>;
  /** Creates the dbops tables unless they exist; true when it created something. */
  ensure(): Promise<boolean>;
  /** Writes one row stamped by the database's clock; returns it and the newest row before it. */
  write(hostname: string): Promise<{ id: number; beatAt: Date; writtenBy: string; previous?: Date }>;
  /** The newest row and how many there are. */
  read(): Promise<Heartbeats>;
}

/** An open connection to one database of one engine. */
export interface EngineSession extends Queryable {
  readonly api: EngineApi;
  /** The database (PostgreSQL) or default schema (MySQL) the session works in. */
  readonly database: string;
  /** Version, database, whether it is a writable primary. */
  serverFacts(): Promise<ServerFacts>;
  /** The application's schema (tables, columns, indexes, constraints) and dbops' migration history. */
  readSchema(): Promise<SchemaSnapshot>;
  /** The application's tables, quoted as the engine prints them, largest first. */
  listTables(): Promise<string[]>;
  /** Exact row count of one table named by `listTables`. */
  countRows(table: string): Promise<number>;
  /**
   * The engine's integrity check over the whole database (PostgreSQL: amcheck; MySQL:
   * CHECK TABLE … EXTENDED), spread over this session and `peers` (more sessions to the same database).
   */
  integrity(opts: {
    progress?: ProgressFn;
    signal?: AbortSignal;
    heapallindexed?: boolean;
    peers?: readonly EngineSession[];
  }): Promise<CheckResult>;
  /** Makes the session read-only and quick to give up on locks (the source of a restore test). */
  readOnly(): Promise<void>;
  /** The statements around one timed check query (RT-10): a read-only transaction under a statement time limit. */
  queryTimingSql(timeoutMs: number): Promise<TimingSql>;
  readonly heartbeat: HeartbeatStore;
  readonly migrations: MigrationStore;
  /** Messages the server sends beside results (PostgreSQL NOTICEs; MySQL warnings); returns the unsubscribe. */
  onNotice(fn: (message: string) => void): () => void;
  /** Cancels the statement in flight from a second connection; best effort. */
  cancel(): Promise<void>;
  close(): Promise<void>;
  /** Drops the connection at once, without waiting for a running statement (Ctrl-C during a check). */
  destroy(): void;
}
