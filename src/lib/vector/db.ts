/**
 * The connection the vector commands use: `--url` or an instance (resolveTarget), one
 * `pg` client closed when the command ends, pgvector's type parsers registered once the
 * extension is known to exist, and PostgreSQL errors turned into dbops errors.
 */
import type { Client } from 'pg';
import type { Context } from '../context.js';
import { connect } from '../db/connect.js';
import { resolveTarget } from '../db/target.js';
import { requirePgvector } from '../engines/index.js';
import { EnvironmentError, isDbopsError, messageOf, UsageError } from '../errors.js';
import type { ConnectionInfo } from '../providers/types.js';

/** What the vector lib needs of a connection; `pg.Client` satisfies it, tests may fake it. */
export interface SqlClient {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** Which database: `--url`, or `--instance` (default: database.identifier), at `--connect-host` when given. */
export interface VectorTargetInput {
  url?: string;
  instance?: string;
  connectHost?: string;
}

/** The open connection of one vector command, closed when the command ends. */
export interface VectorDb {
  client: Client;
  sql: SqlClient;
  /** "host:port/db" or the instance id, for messages. */
  label: string;
  info: ConnectionInfo;
  /** Opens another connection to the same database (progress polling, cancel). */
  openAnother(opts: { applicationName: string; connectTimeoutMs: number }): Promise<Client>;
  close(): Promise<void>;
}

export async function openVectorDb(ctx: Context, input: VectorTargetInput, applicationName = 'dbops vector'): Promise<VectorDb> {
  const { info, label, override } = await resolveTarget(ctx, {
    url: input.url,
    instanceId: input.instance,
    connectHost: input.connectHost,
  });
  requirePgvector(info.engine, label);
  const tunnel = { ...(override ? { override } : {}), tunnelOption: '--connect-host' };
  const client = await connect(info, { ...tunnel, warn: (m) => ctx.out.warn(m), applicationName });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await client.end().catch(() => undefined);
  };
  ctx.onClose(close);
  return {
    client,
    sql: client as unknown as SqlClient,
    label,
    info,
    openAnother: (opts) => connect(info, { ...tunnel, ...opts }),
    close,
  };
}

/** Registers pgvector's parsers so vector columns arrive as number[] (pgvector/pg registerTypes). */
export async function registerVectorTypes(client: Client): Promise<void> {
  const { registerTypes } = await import('pgvector/pg');
  await registerTypes(client);
}

/** The SQLSTATE of a PostgreSQL error, if it is one. */
export function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** True for "canceling statement due to statement timeout" (not a user cancel, which shares 57014). */
export function isStatementTimeout(e: unknown): boolean {
  return sqlState(e) === '57014' && /statement timeout/i.test(messageOf(e));
}

/**
 * Rethrows a failed statement as a dbops error: a DbopsError as it is; a PostgreSQL error
 * as an EnvironmentError naming what dbops was doing; anything else unchanged (a bug).
 */
export function pgFailure(e: unknown, doing: string): never {
  if (isDbopsError(e)) throw e;
  const state = sqlState(e);
  if (state === '42501') {
    throw new EnvironmentError(`PostgreSQL refused ${doing}: ${messageOf(e)}.`, {
      hint: 'Connect as a role with the privilege (the table owner, or the RDS master user).',
      cause: e,
    });
  }
  if (state) throw new EnvironmentError(`PostgreSQL failed while ${doing}: ${messageOf(e)} (SQLSTATE ${state}).`, { cause: e });
  throw e;
}

/** A --where predicate PostgreSQL rejects (syntax, unknown column, wrong type) is a usage error. */
export function whereFailure(e: unknown, where: string | undefined, doing: string): never {
  const state = sqlState(e);
  if (where && state && (state.startsWith('42') || state.startsWith('22'))) {
    throw new UsageError(`The --where predicate fails: ${messageOf(e)}.`, {
      hint: `It is used verbatim as WHERE (${where}); check it in psql against the table first.`,
      cause: e,
    });
  }
  pgFailure(e, doing);
}

/** Runs `body` in a transaction (READ ONLY unless told otherwise); rolls back on error. */
export async function inTransaction<T>(sql: SqlClient, body: () => Promise<T>, opts: { readOnly?: boolean } = {}): Promise<T> {
  await sql.query(opts.readOnly === false ? 'BEGIN' : 'BEGIN TRANSACTION READ ONLY');
  try {
    const value = await body();
    await sql.query('COMMIT');
    return value;
  } catch (e) {
    await sql.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
