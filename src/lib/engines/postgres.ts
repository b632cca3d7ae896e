/**
 * The PostgreSQL side of the engine port: the code dbops has always had (db/connect.ts,
 * checks/, migrate/), behind the EngineApi interface. DDL is transactional, so a failed
 * migration rolls back as a whole and is never recorded (no 'failed' rows here).
 */
import { pgTimingSql, type TimingSql } from '../checks/performance.js';
import type { Client } from 'pg';
import { runAmcheck } from '../checks/amcheck.js';
import { makeReadOnly } from '../checks/connections.js';
import { TABLES_SQL } from '../checks/counts.js';
import { readHeartbeats } from '../checks/freshness.js';
import { readSchema } from '../checks/schema-read.js';
import { serverFacts } from '../checks/server.js';
import type { CheckResult, ProgressFn } from '../checks/types.js';
import { connect } from '../db/connect.js';
import { DbopsError, ExitCode } from '../errors.js';
import { directoryProblems, transactionProblemsOf } from '../migrate/files.js';
import { lintMigrations } from '../migrate/lint.js';
import { lockHolder, MIGRATE_LOCK_KEY, releaseMigrationLock } from '../migrate/lock.js';
import { runUnit } from '../migrate/runner.js';
import { dbopsSchemaExists, ensureDbopsSchema, readApplied, recordSql } from '../migrate/schema.js';
import type { ConnectionInfo } from '../providers/types.js';
import type { EngineApi, EngineConnectOptions, EngineSession, HeartbeatStore, MigrationStore, ProbeSql } from './types.js';

/** The heartbeat row and the newest one before it, in one round trip. */
export const PG_HEARTBEAT_INSERT = `WITH prev AS (SELECT max(beat_at) AS at FROM dbops.heartbeat)
             INSERT INTO dbops.heartbeat (written_by) VALUES (current_user || '@' || $1)
             RETURNING id::text AS id, beat_at, written_by, (SELECT at FROM prev) AS previous`;

class PgSession implements EngineSession {
  readonly api = postgresEngine;
  readonly heartbeat: HeartbeatStore;
  readonly migrations: MigrationStore;
  #closed = false;

  constructor(
    /** The pg client, for PostgreSQL-only code (pgvector, amcheck over several connections). */
    readonly client: Client,
    readonly database: string,
    private readonly info: ConnectionInfo,
    private readonly opts: EngineConnectOptions,
  ) {
    this.heartbeat = pgHeartbeat(client);
    this.migrations = pgMigrations(client);
  }

  query<R extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }> {
    return this.client.query<R>(sql, params);
  }

  serverFacts() {
    return serverFacts(this.client);
  }

  readSchema() {
    return readSchema(this.client);
  }

  async listTables(): Promise<string[]> {
    return (await this.client.query<{ name: string }>(TABLES_SQL)).rows.map((r) => r.name);
  }

  async countRows(table: string): Promise<number> {
    const r = await this.client.query<{ n: string }>(`SELECT count(*)::int8 AS n FROM ${table}`);
    return Number(r.rows[0]!.n);
  }

  integrity(opts: {
    progress?: ProgressFn;
    signal?: AbortSignal;
    heapallindexed?: boolean;
    peers?: readonly EngineSession[];
  }): Promise<CheckResult> {
    const peers = (opts.peers ?? []).flatMap((p) => (p instanceof PgSession ? [p.client] : []));
    return runAmcheck([this.client, ...peers], {
      heapallindexed: opts.heapallindexed ?? true,
      progress: opts.progress,
      signal: opts.signal,
    });
  }

  readOnly(): Promise<void> {
    return makeReadOnly(this.client);
  }

  async queryTimingSql(timeoutMs: number): Promise<TimingSql> {
    return pgTimingSql(timeoutMs);
  }

  destroy(): void {
    this.#closed = true;
    this.client.connection.stream.destroy();
  }

  onNotice(fn: (message: string) => void): () => void {
    const listener = (n: { message?: string }) => {
      if (n.message) fn(n.message);
    };
    this.client.on('notice', listener);
    return () => this.client.off('notice', listener);
  }

  async cancel(): Promise<void> {
    const pid = (this.client as Client & { processID?: number }).processID;
    if (!pid) return;
    try {
      const other = await connect(this.info, {
        ...(this.opts.override ? { override: this.opts.override } : {}),
        ...(this.opts.database ? { database: this.opts.database } : {}),
        applicationName: 'dbops cancel',
        connectTimeoutMs: 5000,
      });
      try {
        await other.query('SELECT pg_cancel_backend($1)', [pid]);
      } finally {
        await other.end().catch(() => undefined);
      }
    } catch {
      // The session ends with the process anyway, and the server rolls back then.
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.client.end().catch(() => undefined);
  }
}

function pgHeartbeat(client: Client): HeartbeatStore {
  return {
    exists: async () => (await dbopsSchemaExists(client)).heartbeat,
    ensure: () => ensureDbopsSchema(client),
    async write(hostname) {
      const r = await client.query<{ id: string; beat_at: Date; written_by: string; previous: Date | null }>(PG_HEARTBEAT_INSERT, [
        hostname,
      ]);
      const row = r.rows[0]!;
      return { id: Number(row.id), beatAt: row.beat_at, writtenBy: row.written_by, ...(row.previous ? { previous: row.previous } : {}) };
    },
    read: () => readHeartbeats(client),
  };
}

function pgMigrations(client: Client): MigrationStore {
  return {
    historyName: 'dbops.schema_migrations',
    exists: () => dbopsSchemaExists(client),
    ensure: () => ensureDbopsSchema(client),
    readApplied: () => readApplied(client),
    async tryLock() {
      const r = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${MIGRATE_LOCK_KEY}) AS locked`);
      return r.rows[0]!.locked;
    },
    lockHolder: () => lockHolder(client),
    unlock: () => releaseMigrationLock(client),
    runUnit: (unit, settings, rc) => runUnit(client, unit, settings, rc),
    async baseline(rows) {
      const inserts = rows.map((r) => recordSql(client, r));
      await client.query(`BEGIN; ${inserts.join('; ')}; COMMIT`).catch(async (e: unknown) => {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      });
    },
    resolve(version) {
      // A failed PostgreSQL migration is rolled back and never recorded: nothing can be marked failed.
      throw new DbopsError('internal', `PostgreSQL records no failed migrations (version ${version}).`, ExitCode.internal);
    },
  };
}

/** PostgreSQL (RDS PostgreSQL, Aurora PostgreSQL, the local provider's clusters). */
export const postgresEngine: EngineApi = {
  engine: 'postgres',
  label: 'PostgreSQL',
  defaultPort: 5432,
  supportsPgvector: true,
  transactionalDdl: true,
  checkQueriesSubdir: '',
  async connect(info, opts = {}) {
    const client = await connect(info, opts);
    return new PgSession(client, opts.database ?? info.database, info, opts);
  },
  probeSql(table): ProbeSql {
    return {
      create: [
        `CREATE SCHEMA IF NOT EXISTS dbops; CREATE TABLE IF NOT EXISTS dbops.${table} (seq integer PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT clock_timestamp())`,
      ],
      insert: `INSERT INTO dbops.${table} (seq) VALUES ($1)`,
      readBack: `SELECT seq FROM dbops.${table}`,
      drop: `DROP TABLE IF EXISTS dbops.${table}`,
    };
  },
  lintMigrations: (inputs, opts) => lintMigrations(inputs, opts),
  checkMigrations(dir, files) {
    const problems = transactionProblemsOf(files);
    if (problems.length > 0) throw directoryProblems(dir, problems);
  },
};

/** The pg client under a PostgreSQL session (pgvector and other PostgreSQL-only code). */
export function pgClientOf(session: EngineSession): Client | undefined {
  return session instanceof PgSession ? session.client : undefined;
}
