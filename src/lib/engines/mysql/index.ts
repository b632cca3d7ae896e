/**
 * The MySQL side of the engine port (RDS MySQL 8.0; locally MariaDB 10.11 standing in for
 * it), over mysql2. Every session runs in UTC. dbops' own tables live in a `dbops`
 * database; the migration lock is a named server lock, `GET_LOCK('dbops.migrate.<db>', t)`,
 * released by RELEASE_LOCK or when the session ends. DDL commits implicitly: see run.ts.
 */
import type { TimingSql } from '../../checks/performance.js';
import { readFileSync } from 'node:fs';
import type { Connection, ConnectionOptions, ResultSetHeader } from 'mysql2/promise';
import { judgeCheckTable, judgeCheckTableRows, type CheckTableOutcome, type CheckTableRow } from '../../checks/check-table.js';
import { forEachOnConnections } from '../../checks/parallel.js';
import type { MigrationRow } from '../../checks/schema.js';
import type { CheckResult, ProgressFn } from '../../checks/types.js';
import { connectHint, endpointOf } from '../../db/connect.js';
import { EnvironmentError, UsageError, messageOf } from '../../errors.js';
import type { AppliedMigration } from '../../migrate/drift.js';
import { lintMysqlMigrations } from '../../migrate/lint-mysql.js';
import type { LockHolder } from '../../migrate/lock.js';
import type { ConnectionInfo } from '../../providers/types.js';
import { redact } from '../../secret.js';
import type { EngineApi, EngineConnectOptions, EngineSession, HeartbeatStore, MigrationStore, ProbeSql } from '../types.js';
import { runMysqlUnit } from './run.js';
import { mysqlSchema, type ColumnRow, type ConstraintRow, type IndexRow, type RelationRow } from './schema.js';
import { delimiterLine } from './split.js';
import * as SQL from './sql.js';

/** mysql2's options for a ConnectionInfo: the validated endpoint, TLS as the provider says, UTC dates. */
export function mysqlOptions(info: ConnectionInfo, opts: EngineConnectOptions = {}): ConnectionOptions {
  const { host, port } = endpointOf(info, opts.override);
  const options: ConnectionOptions = {
    host,
    port,
    user: info.user,
    database: opts.database ?? info.database,
    password: info.password?.reveal(),
    connectTimeout: opts.connectTimeoutMs ?? 15_000,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
    multipleStatements: false,
    connectAttributes: { program_name: opts.applicationName ?? 'dbops' },
  };
  if (info.ssl === 'verify-full' && info.caBundlePath) {
    options.ssl = { ca: readFileSync(info.caBundlePath, 'utf8'), rejectUnauthorized: true };
  } else if (info.ssl === 'require' || info.ssl === 'verify-full') {
    opts.warn?.('TLS is on but the server certificate is not verified: pass a CA bundle (aws.caBundle).');
    options.ssl = { rejectUnauthorized: false };
  }
  return options;
}

async function open(info: ConnectionInfo, opts: EngineConnectOptions): Promise<Connection> {
  const options = mysqlOptions(info, opts);
  // mysql2 is CommonJS: its exports are the module's default (in Node and in the bundle).
  const { default: mysql } = await import('mysql2/promise');
  let conn: Connection;
  try {
    conn = await mysql.createConnection(options);
  } catch (e) {
    throw new EnvironmentError(`Cannot connect to MySQL at ${options.host}:${options.port} as ${info.user}: ${redact(messageOf(e))}.`, {
      hint: connectHint(opts),
      cause: e,
    });
  }
  conn.on('error', () => undefined);
  await conn.query(SQL.SESSION_SETUP);
  return conn;
}

interface HistoryRow {
  version: string;
  name: string;
  checksum: string | null;
  applied_at: Date;
  duration_ms: number | string;
  applied_by: string;
  kind: 'up' | 'baseline' | 'failed';
  error: string | null;
}

/** One MySQL session (exported for tests that drive it over a fake connection). */
export class MysqlSession implements EngineSession {
  readonly api = mysqlEngine;
  readonly heartbeat: HeartbeatStore;
  readonly migrations: MigrationStore;
  #notices = new Set<(message: string) => void>();
  #warnings = 0;
  #closed = false;
  #mariadb: boolean | undefined;

  constructor(
    private readonly conn: Connection,
    readonly database: string,
    private readonly info: ConnectionInfo,
    private readonly opts: EngineConnectOptions,
  ) {
    this.heartbeat = this.#heartbeat();
    this.migrations = this.#migrations();
  }

  async query<R extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }> {
    const [result] = await this.conn.query(sql, params);
    if (Array.isArray(result)) return { rows: result as R[] };
    this.#warnings = (result as ResultSetHeader).warningStatus ?? 0;
    return { rows: [] };
  }

  async #isMariadb(): Promise<boolean> {
    this.#mariadb ??= (await this.serverFacts()).product === 'MariaDB';
    return this.#mariadb;
  }

  async serverFacts() {
    const row = (await this.query<{ version: string; db: string | null; read_only: number | string }>(SQL.SERVER_FACTS)).rows[0]!;
    const v = SQL.parseVersion(row.version);
    return {
      version: v.version,
      versionNum: v.versionNum,
      database: row.db ?? '',
      inRecovery: Number(row.read_only) === 1,
      product: v.product,
    };
  }

  async readSchema() {
    const relations = (await this.query<RelationRow>(SQL.SCHEMA_RELATIONS)).rows;
    const columns = (await this.query<ColumnRow>(SQL.SCHEMA_COLUMNS)).rows;
    const indexes = (await this.query<IndexRow>(SQL.SCHEMA_INDEXES)).rows;
    const constraints = (await this.query<ConstraintRow>(SQL.SCHEMA_CONSTRAINTS)).rows;
    let migrations: MigrationRow[] | null = null;
    if ((await this.migrations.exists()).migrations) {
      const rows = (
        await this.query<{ version: string; name: string; checksum: string | null; applied_at: Date }>(SQL.SCHEMA_MIGRATIONS, [
          this.database,
        ])
      ).rows;
      migrations = rows.map((r) => ({
        version: String(r.version),
        name: r.name,
        checksum: r.checksum ?? '',
        appliedAt: new Date(r.applied_at).toISOString(),
      }));
    }
    return mysqlSchema(this.database, { relations, columns, indexes, constraints }, migrations);
  }

  async listTables(): Promise<string[]> {
    return (await this.query<{ name: string }>(SQL.TABLES)).rows.map((r) => SQL.qualified(this.database, r.name));
  }

  async countRows(table: string): Promise<number> {
    return Number((await this.query<{ n: string }>(SQL.countSql(table))).rows[0]!.n);
  }

  /** CHECK TABLE … EXTENDED on every InnoDB table, spread over this session and its MySQL peers. */
  async integrity(opts: { progress?: ProgressFn; signal?: AbortSignal; peers?: readonly EngineSession[] }): Promise<CheckResult> {
    const peers = (opts.peers ?? []).filter((p): p is MysqlSession => p instanceof MysqlSession);
    return checkTables([this, ...peers], opts);
  }

  /** Read only for the session, and a short wait for metadata locks: nothing dbops runs can change the source or queue behind its DDL. */
  async readOnly(): Promise<void> {
    await this.query(SQL.READ_ONLY_SESSION);
    await this.query(SQL.SHORT_LOCK_WAIT);
  }

  async queryTimingSql(timeoutMs: number): Promise<TimingSql> {
    return SQL.queryTimingSql(timeoutMs, await this.#isMariadb());
  }

  async innodbTables(): Promise<string[]> {
    return (await this.query<{ name: string }>(SQL.INNODB_TABLES)).rows.map((r) => SQL.qualified(this.database, r.name));
  }

  onNotice(fn: (message: string) => void): () => void {
    this.#notices.add(fn);
    return () => this.#notices.delete(fn);
  }

  async cancel(): Promise<void> {
    try {
      const other = await open(this.info, { ...this.opts, applicationName: 'dbops cancel', connectTimeoutMs: 5000 });
      try {
        await other.query(SQL.killQuerySql(this.conn.threadId));
      } finally {
        await other.end().catch(() => other.destroy());
      }
    } catch {
      // The session ends with the process anyway.
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.conn.end().catch(() => this.conn.destroy());
  }

  /** Drops the socket at once (Ctrl-C during a long check). */
  destroy(): void {
    this.#closed = true;
    this.conn.destroy();
  }

  async #exists(): Promise<{ migrations: boolean; heartbeat: boolean }> {
    const names = new Set((await this.query<{ name: string }>(SQL.DBOPS_TABLES)).rows.map((r) => r.name));
    return { migrations: names.has('schema_migrations'), heartbeat: names.has('heartbeat') };
  }

  async #ensure(): Promise<boolean> {
    const before = await this.#exists();
    if (before.migrations && before.heartbeat) return false;
    await this.query(SQL.CREATE_DBOPS_DATABASE);
    await this.query(SQL.CREATE_HISTORY);
    await this.query(SQL.CREATE_HEARTBEAT);
    return true;
  }

  #heartbeat(): HeartbeatStore {
    return {
      exists: async () => (await this.#exists()).heartbeat,
      ensure: () => this.#ensure(),
      write: async (hostname) => {
        const previous = (await this.query<{ previous: Date | null }>(SQL.HEARTBEAT_PREVIOUS)).rows[0]?.previous ?? null;
        await this.query(SQL.HEARTBEAT_INSERT, [hostname]);
        const row = (await this.query<{ id: string; beat_at: Date; written_by: string }>(SQL.HEARTBEAT_INSERTED)).rows[0]!;
        return { id: Number(row.id), beatAt: row.beat_at, writtenBy: row.written_by, ...(previous ? { previous } : {}) };
      },
      read: async () => {
        if (!(await this.#exists()).heartbeat) return { table: false, rows: 0 };
        const row = (await this.query<{ newest: Date | null; rows: string }>(SQL.HEARTBEAT_READ)).rows[0]!;
        return { table: true, rows: Number(row.rows), ...(row.newest ? { newest: new Date(row.newest) } : {}) };
      },
    };
  }

  #migrations(): MigrationStore {
    const lockName = SQL.migrateLockName(this.database);
    return {
      historyName: 'dbops.schema_migrations',
      exists: () => this.#exists(),
      ensure: () => this.#ensure(),
      readApplied: async (): Promise<AppliedMigration[]> => {
        if (!(await this.#exists()).migrations) return [];
        const rows = (await this.query<HistoryRow>(SQL.READ_HISTORY, [this.database])).rows;
        return rows.map((r) => ({
          version: Number(r.version),
          name: r.name,
          checksum: r.checksum,
          appliedAt: new Date(r.applied_at),
          durationMs: Number(r.duration_ms),
          appliedBy: r.applied_by,
          kind: r.kind,
          ...(r.error ? { error: r.error } : {}),
        }));
      },
      tryLock: async () => Number((await this.query<{ locked: number | null }>(SQL.TRY_LOCK, [lockName])).rows[0]?.locked) === 1,
      lockHolder: async (): Promise<LockHolder | undefined> => {
        const id = (await this.query<{ id: string | number | null }>(SQL.LOCK_HOLDER, [lockName])).rows[0]?.id;
        if (id === null || id === undefined) return undefined;
        const p = (
          await this.query<{ id: string; user: string; host: string; seconds: string | number }>(SQL.PROCESS_BY_ID, [id]).catch(() => ({
            rows: [],
          }))
        ).rows[0];
        return {
          pid: Number(id),
          applicationName: '',
          user: p ? `${p.user}@${p.host}` : '',
          ...(p ? { since: new Date(Date.now() - Number(p.seconds) * 1000) } : {}),
        };
      },
      wait: async (timeoutMs: number) =>
        Number((await this.query<{ locked: number | null }>(SQL.waitLockSql(timeoutMs), [lockName])).rows[0]?.locked) === 1,
      unlock: async () => {
        await this.query(SQL.RELEASE_LOCK, [lockName]);
      },
      runUnit: async (unit, settings, rc) =>
        runMysqlUnit(
          {
            database: this.database,
            mariadb: await this.#isMariadb(),
            exec: (sql, params) => this.query(sql, params),
            warnings: () => this.#drainWarnings(),
            notice: (m) => {
              for (const fn of this.#notices) fn(m);
            },
          },
          unit,
          settings,
          rc,
        ),
      baseline: async (rows) => {
        await this.query('START TRANSACTION');
        try {
          for (const r of rows) {
            await this.query(SQL.RECORD, [
              this.database,
              r.version,
              r.name,
              r.checksum,
              Math.max(0, Math.round(r.durationMs)),
              r.hostname,
              r.kind,
            ]);
          }
          await this.query('COMMIT');
        } catch (e) {
          await this.query('ROLLBACK').catch(() => undefined);
          throw e;
        }
      },
      resolve: async (version, as, hostname) => {
        if (as === 'applied') await this.query(SQL.RESOLVE_APPLIED, [hostname, this.database, version]);
        else await this.query(SQL.RESOLVE_PENDING, [this.database, version]);
      },
    };
  }

  async #drainWarnings(): Promise<string[]> {
    if (this.#warnings === 0) return [];
    this.#warnings = 0;
    const rows = (await this.query<{ Level: string; Code: number; Message: string }>('SHOW WARNINGS')).rows;
    return rows.map((w) => `${w.Level} ${w.Code}: ${w.Message}`);
  }
}

/** CHECK TABLE … EXTENDED on every InnoDB table, spread over the sessions, largest first. */
export async function checkTables(sessions: readonly MysqlSession[], opts: { progress?: ProgressFn; signal?: AbortSignal }) {
  const tables = await sessions[0]!.innodbTables();
  const findings: CheckTableOutcome[] = [];
  let done = 0;
  opts.progress?.(`0/${tables.length} tables`);
  await forEachOnConnections(
    tables,
    sessions,
    async (db, table) => {
      const rows = (await db.query<CheckTableRow>(SQL.checkTableSql(table))).rows;
      findings.push(judgeCheckTableRows(table, rows));
      opts.progress?.(`${++done}/${tables.length} tables`);
    },
    opts.signal,
  );
  findings.sort((a, b) => a.table.localeCompare(b.table));
  return judgeCheckTable({ tables: tables.length, connections: Math.min(sessions.length, Math.max(1, tables.length)), findings });
}

/** MySQL 8.0 (RDS), and MariaDB 10.11 standing in for it on the local provider. */
export const mysqlEngine: EngineApi = {
  engine: 'mysql',
  label: 'MySQL',
  defaultPort: 3306,
  supportsPgvector: false,
  transactionalDdl: false,
  checkQueriesSubdir: 'mysql',
  async connect(info, opts = {}) {
    const conn = await open(info, opts);
    return new MysqlSession(conn, opts.database ?? info.database, info, opts);
  },
  probeSql(table): ProbeSql {
    return {
      create: [
        SQL.CREATE_DBOPS_DATABASE,
        `CREATE TABLE IF NOT EXISTS dbops.${table} (seq INT PRIMARY KEY, written_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB`,
      ],
      insert: `INSERT INTO dbops.${table} (seq) VALUES (?)`,
      readBack: `SELECT seq FROM dbops.${table}`,
      drop: `DROP TABLE IF EXISTS dbops.${table}`,
    };
  },
  lintMigrations: (inputs, opts) => lintMysqlMigrations(inputs, opts),
  checkMigrations(_dir, files) {
    const all = files.flatMap((m) => [{ file: m.file, sql: m.sql }, ...(m.down ? [{ file: m.down.file, sql: m.down.sql }] : [])]);
    const found = all.map((f) => ({ file: f.file, line: delimiterLine(f.sql) })).find((f) => f.line !== undefined);
    if (!found) return;
    throw new UsageError(`${found.file} uses DELIMITER at line ${found.line}, a command of the mysql client that dbops does not support.`, {
      hint: 'Remove the DELIMITER lines and end each statement with a plain semicolon: dbops sends the BEGIN … END body of a CREATE PROCEDURE, FUNCTION, TRIGGER or EVENT as one statement.',
    });
  },
};
