/**
 * Telling a finding from a broken connection. A check that meets an SQL error on one
 * relation (amcheck's "index is corrupt", a missing table) records it as evidence; an
 * error that means the connection or the server is gone ends the run (exit 3).
 */
import { EnvironmentError, isDbopsError, messageOf } from '../errors.js';
import { redact } from '../secret.js';

/** The SQLSTATE of an error the server sent, if it was one. */
export function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
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
  throw new EnvironmentError(`Lost the database connection while ${doing}: ${sqlMessage(e)}.`, {
    hint: 'Check that the instance is still available (`dbops status`) and reachable, then rerun the test.',
    cause: e,
  });
}
