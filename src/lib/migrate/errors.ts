/**
 * How a failure during a migration run reaches the user. A migration the database
 * refuses (syntax, a missing object, a constraint the data violates) is `MigrationFailed`,
 * exit 1: it was rolled back, and retrying will not help until the file or the data
 * changes. A failure that may pass on retry (a lock or statement timeout, a deadlock, a
 * lost connection, a read-only server) is an `EnvironmentError`, exit 3.
 */
import { DbopsError, EnvironmentError, ExitCode, type DbopsErrorOptions, messageOf } from '../errors.js';
import { describeMysqlError, isMysqlConnectionLost, mysqlErrorFields } from '../engines/mysql/errors.js';
import { lineAt } from './sql-split.js';

/** A migration failed and was rolled back (or, without a transaction, stopped). Exit 1. */
export class MigrationFailed extends DbopsError {
  constructor(message: string, options?: DbopsErrorOptions) {
    super('migration-failed', message, ExitCode.checksFailed, options);
  }
}

/** The fields of a PostgreSQL error as `pg` reports them. */
export interface PgErrorFields {
  code?: string;
  message: string;
  position?: string;
  detail?: string;
  hint?: string;
  where?: string;
}

export function pgErrorFields(e: unknown): PgErrorFields | undefined {
  if (!(e instanceof Error)) return undefined;
  const x = e as Error & Partial<PgErrorFields>;
  if (typeof x.code !== 'string' || !/^[0-9A-Z]{5}$/.test(x.code)) return undefined;
  return { code: x.code, message: x.message, position: x.position, detail: x.detail, hint: x.hint, where: x.where };
}

/** SQLSTATEs worth a retry later: the database or its neighbours, not the migration. */
export function isTransientSqlState(code: string): boolean {
  return (
    code.startsWith('08') || // connection exception
    code.startsWith('53') || // insufficient resources
    code.startsWith('57P') || // admin shutdown, crash shutdown, cannot connect now
    code === '55P03' || // lock_not_available (lock_timeout)
    code === '57014' || // query_canceled (statement_timeout)
    code === '40P01' || // deadlock_detected
    code === '40001' || // serialization_failure
    code === '25006' // read_only_sql_transaction (a standby)
  );
}

/** Where in a migration file the error is: "line 12" from the error position, when PostgreSQL gave one. */
export function errorLine(sql: string, baseOffset: number, position: string | undefined): number | undefined {
  const pos = position === undefined ? NaN : Number(position);
  if (!Number.isInteger(pos) || pos < 1) return undefined;
  return lineAt(sql, baseOffset + pos - 1);
}

/**
 * The error for a migration file that failed. `rolledBack` says whether a transaction
 * undid it; `earlier` is how many migrations of this run were applied before it.
 */
export function migrationError(
  e: unknown,
  input: {
    file: string;
    sql: string;
    baseOffset: number;
    rolledBack: boolean;
    earlier: number;
    statement?: { index: number; line: number };
  },
): DbopsError {
  const pgErr = pgErrorFields(e);
  const line = errorLine(input.sql, input.baseOffset, pgErr?.position);
  const at = line ?? input.statement?.line;
  const where = at !== undefined ? ` at line ${at}${input.statement ? ` (statement ${input.statement.index})` : ''}` : '';
  const reason = pgErr ? `${pgErr.message} (SQLSTATE ${pgErr.code})` : messageOf(e);
  const undo = input.rolledBack
    ? 'it was rolled back and not recorded'
    : 'it ran without a transaction: statements before the failing one stay applied, and it was not recorded';
  const before =
    input.earlier === 1
      ? '; the migration before it in this run stays applied'
      : input.earlier > 1
        ? `; the ${input.earlier} migrations before it in this run stay applied`
        : '';
  const message = `Migration ${input.file} failed${where}: ${reason}; ${undo}${before}.`;
  const pgHint = [pgErr?.detail, pgErr?.hint, pgErr?.where ? `context: ${pgErr.where.split('\n')[0]}` : undefined]
    .filter(Boolean)
    .join(' ');
  const details = { file: input.file, line: at, sqlState: pgErr?.code };
  if (!pgErr || isTransientSqlState(pgErr.code!)) {
    return new EnvironmentError(message, {
      hint:
        pgErr?.code === '55P03'
          ? 'Another session holds a lock on a table it needs: find it in pg_stat_activity, or retry off-peak or with a longer --lock-timeout.'
          : pgErr?.code === '57014'
            ? 'The statement ran longer than --statement-timeout (or was cancelled): raise it for this run, or split the migration.'
            : `Retry when the database is reachable and writable.${pgHint ? ` ${pgHint}` : ''}`,
      cause: e,
      details,
    });
  }
  return new MigrationFailed(message, {
    hint: `${pgHint ? `${pgHint} ` : ''}Fix ${input.file} (or the data it trips on) and run \`dbops migrate up\` again.`,
    cause: e,
    details,
  });
}

/** A connection-level failure from the driver (no SQLSTATE): reset, refused, terminated. */
function isConnectionFailure(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as Error & { code?: unknown }).code;
  return (typeof code === 'string' && /^E[A-Z]+$/.test(code)) || /connection|terminat|timeout|socket/i.test(e.message);
}

/**
 * Runs a database operation so that PostgreSQL's own refusals (permission denied on the
 * dbops schema, a standby, a dropped connection) reach the user as one sentence, exit 3,
 * instead of an internal error. dbops' own errors pass through.
 */
export async function guardDb<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof DbopsError) throw e;
    const my = mysqlErrorFields(e);
    if (my || isMysqlConnectionLost(e)) {
      throw new EnvironmentError(`MySQL refused ${what}: ${describeMysqlError(e)}.`, {
        hint:
          my?.errno === 1044 || my?.errno === 1142 || my?.errno === 1045
            ? 'The user needs CREATE on the server (for the dbops database) and write access to dbops.* tables.'
            : "Check the connection and the user's rights, then run it again; --verbose shows the details.",
        cause: e,
      });
    }
    const pgErr = pgErrorFields(e);
    if (!pgErr && !isConnectionFailure(e)) throw e;
    const reason = pgErr ? `${pgErr.message} (SQLSTATE ${pgErr.code})` : messageOf(e);
    throw new EnvironmentError(`PostgreSQL refused ${what}: ${reason}.`, {
      hint:
        pgErr?.code === '42501'
          ? 'The user needs CREATE on the database (for the dbops schema) and write access to dbops.* tables.'
          : "Check the connection and the user's rights, then run it again; --verbose shows the details.",
      cause: e,
    });
  }
}
