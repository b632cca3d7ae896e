/**
 * Runs one migration file on a session that holds the migration lock.
 *
 * In a transaction (the default): BEGIN + SET LOCAL lock_timeout/statement_timeout, the
 * file as one simple query, then the history row and COMMIT in one round trip. Any error
 * rolls everything back, the row included. Session settings the file changed are reset.
 *
 * Without a transaction (first line `-- dbops:no-transaction`, for CREATE INDEX
 * CONCURRENTLY and friends): session-level timeouts, then each statement on its own, then
 * the row once all of them succeeded.
 */
import { performance } from 'node:perf_hooks';
import type { Client } from 'pg';
import { pgDuration } from '../duration.js';
import { Interrupted } from '../errors.js';
import { migrationError } from './errors.js';
import { recordSql, unrecordSql } from './schema.js';
import { splitStatements } from './sql-split.js';

/** Timeouts applied around each migration. */
export interface RunSettings {
  /** lock_timeout in ms; 0 = none. */
  lockTimeoutMs: number;
  /** statement_timeout in ms; 0 = none. */
  statementTimeoutMs: number;
  /** Host part of applied_by. */
  hostname: string;
}

/** What to run: the up file (recorded) or a down file (unrecorded). */
export interface RunUnit {
  direction: 'up' | 'down';
  version: number;
  name: string;
  /** The file that runs (the .down.sql for down). */
  file: string;
  sql: string;
  /** Checksum of the up file (recorded on up). */
  checksum: string;
  noTransaction: boolean;
}

/** How many migrations of this run were already applied: for the error message. */
export interface RunContext {
  earlier: number;
  /**
   * Ctrl-C: engines whose statements a cancel may end without an error (MySQL's killed
   * SLEEP or BENCHMARK return normally) check it between statements and before recording.
   */
  signal?: AbortSignal;
}

function timeoutSql(scope: 'LOCAL' | 'SESSION', s: RunSettings): string {
  const set = scope === 'LOCAL' ? 'SET LOCAL' : 'SET';
  return `${set} lock_timeout = '${pgDuration(s.lockTimeoutMs)}'; ${set} statement_timeout = '${pgDuration(s.statementTimeoutMs)}'`;
}

function bookkeepingSql(client: Client, unit: RunUnit, durationMs: number, s: RunSettings): string {
  return unit.direction === 'up'
    ? recordSql(client, { version: unit.version, name: unit.name, checksum: unit.checksum, durationMs, hostname: s.hostname, kind: 'up' })
    : unrecordSql(unit.version);
}

/** Runs one migration; returns its duration in ms. Throws MigrationFailed or EnvironmentError. */
export async function runUnit(client: Client, unit: RunUnit, s: RunSettings, rc: RunContext): Promise<number> {
  return unit.noTransaction ? runWithoutTransaction(client, unit, s, rc) : runInTransaction(client, unit, s, rc);
}

async function runInTransaction(client: Client, unit: RunUnit, s: RunSettings, rc: RunContext): Promise<number> {
  const t0 = performance.now();
  await client.query(`BEGIN; ${timeoutSql('LOCAL', s)}`);
  let durationMs = 0;
  try {
    // A Ctrl-C that came before the file's SQL started has nothing to cancel: stop here instead.
    if (rc.signal?.aborted) throw new Interrupted(String(rc.signal.reason ?? 'SIGINT'));
    await client.query(unit.sql);
    durationMs = performance.now() - t0;
  } catch (e) {
    await rollback(client);
    throw migrationError(e, { file: unit.file, sql: unit.sql, baseOffset: 0, rolledBack: true, earlier: rc.earlier });
  }
  try {
    // RESET ROLE: the history row is written as the session user even if the file SET ROLE.
    await client.query(`RESET ROLE; ${bookkeepingSql(client, unit, durationMs, s)}; COMMIT; RESET ALL`);
  } catch (e) {
    await rollback(client);
    throw migrationError(e, {
      file: `${unit.file} (recording it in dbops.schema_migrations)`,
      sql: '',
      baseOffset: 0,
      rolledBack: true,
      earlier: rc.earlier,
    });
  }
  return Math.round(durationMs);
}

async function runWithoutTransaction(client: Client, unit: RunUnit, s: RunSettings, rc: RunContext): Promise<number> {
  const statements = splitStatements(unit.sql);
  const t0 = performance.now();
  await client.query(timeoutSql('SESSION', s));
  try {
    for (const [i, st] of statements.entries()) {
      try {
        if (rc.signal?.aborted) throw new Interrupted(String(rc.signal.reason ?? 'SIGINT'));
        await client.query(st.text);
      } catch (e) {
        throw migrationError(e, {
          file: unit.file,
          sql: unit.sql,
          baseOffset: st.offset,
          rolledBack: false,
          earlier: rc.earlier,
          statement: { index: i + 1, line: st.line },
        });
      }
    }
    const durationMs = performance.now() - t0;
    await client.query(bookkeepingSql(client, unit, durationMs, s));
    return Math.round(durationMs);
  } finally {
    await client.query('RESET ALL').catch(() => undefined);
  }
}

async function rollback(client: Client): Promise<void> {
  await client.query('ROLLBACK; RESET ALL').catch(() => undefined);
}
