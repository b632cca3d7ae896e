/**
 * Runs one migration file on MySQL. MySQL commits every DDL statement implicitly, so a
 * file cannot be undone as a whole: dbops sends it statement by statement, records it
 * once every statement succeeded, and when one fails records the migration as **failed**
 * (with the error) before it reports: the statements before the failing one stay applied,
 * and every later `migrate up` refuses until a person checked the schema and ran
 * `dbops migrate resolve <version>`.
 */
import { performance } from 'node:perf_hooks';
import { EnvironmentError, Interrupted, messageOf } from '../../errors.js';
import { MigrationFailed } from '../../migrate/errors.js';
import type { RunContext, RunSettings, RunUnit } from '../../migrate/runner.js';
import { redact } from '../../secret.js';
import { describeMysqlError, isTransientMysqlError, mysqlErrorFields } from './errors.js';
import { RECORD, RECORD_FAILED, timeoutSql, UNRECORD } from './sql.js';
import { splitMysqlStatements } from './split.js';

/** What the runner needs of a MySQL connection. */
export interface MysqlRunner {
  database: string;
  mariadb: boolean;
  exec(sql: string, params?: unknown[]): Promise<unknown>;
  /** Called after each statement: the server's warnings, as notices. */
  warnings(): Promise<string[]>;
  notice(message: string): void;
}

/** The sentence every failed MySQL migration ends with. */
export function resolveAdvice(version: number): string {
  return `MySQL commits DDL implicitly, so nothing was rolled back: check the schema, finish or undo the migration by hand, then run \`dbops migrate resolve ${version}\` (the next \`migrate up\` refuses until then).`;
}

export async function runMysqlUnit(db: MysqlRunner, unit: RunUnit, s: RunSettings, rc: RunContext): Promise<number> {
  const statements = splitMysqlStatements(unit.sql);
  for (const st of timeoutSql(s, db.mariadb)) await db.exec(st);
  const t0 = performance.now();
  for (const [i, st] of statements.entries()) {
    try {
      await db.exec(st.text);
      // A killed statement may return normally: an interrupted run is never recorded as applied.
      if (rc.signal?.aborted) throw new Interrupted(String(rc.signal.reason ?? 'SIGINT'));
    } catch (e) {
      const durationMs = performance.now() - t0;
      const marked = await markFailed(db, unit, s, durationMs, e);
      throw mysqlMigrationError(e, { unit, index: i + 1, of: statements.length, line: st.line, earlier: rc.earlier, marked });
    }
    for (const w of await db.warnings().catch(() => [])) db.notice(w);
  }
  const durationMs = Math.round(performance.now() - t0);
  if (unit.direction === 'up') {
    await db.exec(RECORD, [db.database, unit.version, unit.name, unit.checksum, durationMs, s.hostname, 'up']);
  } else {
    await db.exec(UNRECORD, [db.database, unit.version]);
  }
  return durationMs;
}

/** Records the failure; returns the error when even that failed (a lost connection). */
async function markFailed(db: MysqlRunner, unit: RunUnit, s: RunSettings, durationMs: number, e: unknown): Promise<unknown> {
  try {
    await db.exec(RECORD_FAILED, [
      db.database,
      unit.version,
      unit.name,
      unit.checksum,
      Math.round(durationMs),
      s.hostname,
      redact(`${unit.file}: ${describeMysqlError(e)}`).slice(0, 4000),
    ]);
    return undefined;
  } catch (markError) {
    return markError;
  }
}

/** The error for a MySQL migration file that failed at statement `index` of `of`. */
export function mysqlMigrationError(
  e: unknown,
  input: { unit: RunUnit; index: number; of: number; line: number; earlier: number; marked: unknown },
) {
  const { unit } = input;
  const before = input.index - 1;
  const applied =
    before === 0 ? 'no statement before it ran' : `the ${before === 1 ? 'statement' : `${before} statements`} before it stayed applied`;
  const record =
    input.marked === undefined
      ? `it is marked failed in dbops.schema_migrations`
      : `marking it failed in dbops.schema_migrations failed too (${redact(messageOf(input.marked))})`;
  const earlier =
    input.earlier === 1
      ? '; the migration before it in this run stays applied'
      : input.earlier > 1
        ? `; the ${input.earlier} migrations before it in this run stay applied`
        : '';
  const message = `Migration ${unit.file} failed at line ${input.line} (statement ${input.index} of ${input.of}): ${redact(describeMysqlError(e))}; ${applied}, and ${record}${earlier}.`;
  const f = mysqlErrorFields(e);
  const details = { file: unit.file, line: input.line, statement: input.index, errno: f?.errno, sqlState: f?.sqlState, failed: true };
  const advice = resolveAdvice(unit.version);
  if (isTransientMysqlError(e)) {
    const why =
      f?.errno === 1205
        ? 'Another session held a lock the statement needed (lock_wait_timeout): find it with SHOW PROCESSLIST.'
        : f?.errno === 3024 || f?.errno === 1969
          ? 'The statement ran longer than --statement-timeout.'
          : 'The connection or the server failed.';
    return new EnvironmentError(message, { hint: `${why} ${advice}`, cause: e, details });
  }
  return new MigrationFailed(message, { hint: `Fix ${unit.file} (or the data it trips on). ${advice}`, cause: e, details });
}
