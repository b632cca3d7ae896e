/**
 * Telling a finding from a broken connection. A check that meets an SQL error on one
 * relation (amcheck's "index is corrupt", a missing table) records it as evidence; an
 * error that means the connection or the server is gone ends the run (exit 3).
 */
import { EnvironmentError, isDbopsError, messageOf } from '../errors.js';
import { redact } from '../secret.js';

/** Node's codes for a broken socket. */
const SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'PROTOCOL_CONNECTION_LOST']);

/** The SQLSTATE of an error the server sent, if it was one (EPIPE has five letters too: a socket's, not the server's). */
export function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !SOCKET_CODES.has(code)) return code;
  // mysql2 puts MySQL's name in `code` (ER_NO_SUCH_TABLE) and the SQLSTATE beside it.
  const mysqlState = (e as { sqlState?: unknown } | undefined)?.sqlState;
  return typeof mysqlState === 'string' && /^[0-9A-Z]{5}$/.test(mysqlState) ? mysqlState : undefined;
}

/** An error the server sent about the statement (not the connection, not a shutdown). */
export function isStatementError(e: unknown): boolean {
  const code = sqlState(e);
  if (!code) return false;
  return !code.startsWith('08') && !code.startsWith('57P');
}

/** One line for a report: the server's message, secrets removed. */
export function sqlMessage(e: unknown): string {
  return redact(messageOf(e).split('\n')[0] ?? '');
}

/** Rethrows anything but a statement error as an EnvironmentError naming what was being done. */
export function unlessStatementError(e: unknown, doing: string): void {
  if (isStatementError(e)) return;
  if (isDbopsError(e)) throw e;
  throw connectionLost(e, doing);
}

/** pg's words for a connection that broke (the server died, the socket closed), beside SQLSTATE 08/57P and socket codes. */
const LOST = /^(Connection terminated|Client has encountered a connection error|Client was closed and is not queryable)/;

/** Whether an error means the connection or the server went away (not a statement's error, not a bug). */
export function isConnectionLost(e: unknown): boolean {
  if (isDbopsError(e)) return false;
  const code = (e as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && (code.startsWith('08') || code.startsWith('57P') || SOCKET_CODES.has(code))) return true;
  return LOST.test(messageOf(e));
}

/** "Lost the database connection while …" (exit 3). */
export function connectionLost(e: unknown, doing: string): EnvironmentError {
  return new EnvironmentError(`Lost the database connection while ${doing}: ${sqlMessage(e)}.`, {
    hint: 'Check that the instance is still available (`dbops status`) and reachable, then rerun the test.',
    cause: e,
  });
}
