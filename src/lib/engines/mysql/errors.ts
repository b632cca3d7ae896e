/**
 * MySQL's errors as mysql2 reports them (errno, SQLSTATE, code such as ER_PARSE_ERROR),
 * and which of them may pass on retry (a lock wait, a deadlock, a lost connection, a
 * read-only server) rather than needing a change to the file or the data.
 */
import { messageOf } from '../../errors.js';

export interface MysqlErrorFields {
  errno: number;
  sqlState: string;
  code: string;
  message: string;
}

export function mysqlErrorFields(e: unknown): MysqlErrorFields | undefined {
  if (!(e instanceof Error)) return undefined;
  const x = e as Error & { errno?: unknown; sqlState?: unknown; code?: unknown; sqlMessage?: unknown };
  if (typeof x.errno !== 'number' || typeof x.sqlState !== 'string') return undefined;
  return {
    errno: x.errno,
    sqlState: x.sqlState,
    code: typeof x.code === 'string' ? x.code : '',
    message: typeof x.sqlMessage === 'string' ? x.sqlMessage : messageOf(e),
  };
}

/** mysql2's codes for a connection that is gone. */
const LOST_CODES = new Set(['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH']);

export function isMysqlConnectionLost(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && LOST_CODES.has(code);
}

/**
 * Errors worth a retry later: 1205 lock wait timeout, 1213 deadlock, 1317 interrupted,
 * 3024 / 1969 statement time exceeded (MySQL / MariaDB), 1290 / 1836 read-only, 2006 /
 * 2013 server gone, 1040 too many connections.
 */
export function isTransientMysqlError(e: unknown): boolean {
  if (isMysqlConnectionLost(e)) return true;
  const f = mysqlErrorFields(e);
  return f !== undefined && [1205, 1213, 1317, 3024, 1969, 1290, 1836, 2006, 2013, 1040].includes(f.errno);
}

/** "Unknown column 'x' in 'field list' (MySQL error 1054, SQLSTATE 42S22)". */
export function describeMysqlError(e: unknown): string {
  const f = mysqlErrorFields(e);
  return f ? `${f.message} (MySQL error ${f.errno}, SQLSTATE ${f.sqlState})` : messageOf(e);
}
