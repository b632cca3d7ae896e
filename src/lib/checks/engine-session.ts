/**
 * The restore test's check session over the engine port: the same runbook steps and
 * verdicts as the PostgreSQL session (session.ts), with every query asked of the engine
 * (server facts, its integrity check over several connections, the schema, row counts,
 * the heartbeat). MySQL uses it; PostgreSQL keeps its own session (amcheck's extension
 * bookkeeping, invalid indexes, pgvector, query timings).
 */
import { engineFor } from '../engines/index.js';
import type { EngineSession } from '../engines/types.js';
import { Interrupted } from '../errors.js';
import { judgeCounts, type TableCount } from './counts.js';
import { judgeFreshness } from './freshness.js';
import { judgePerformance, timeQueries } from './performance.js';
import { forEachOnConnections } from './parallel.js';
import { compareSchemas } from './schema.js';
import { judgeServer } from './server.js';
import { couldNotVerify, type BackupFacts, type CheckSession, type CheckSettings, type CheckTargets } from './session.js';
import { sqlMessage, unlessStatementError } from './sql-errors.js';
import type { CheckResult, ProgressFn, Queryable } from './types.js';

/** Opens the sessions through the engine of the restore; a failure closes what was opened. */
export async function openEngineCheckSession(targets: CheckTargets, backup: BackupFacts, settings: CheckSettings): Promise<CheckSession> {
  const api = engineFor(targets.restore.engine);
  const opened: EngineSession[] = [];
  const onAbort = () => {
    for (const s of opened) s.destroy();
  };
  targets.signal?.addEventListener('abort', onAbort, { once: true });
  const add = async (open: () => Promise<EngineSession>) => {
    if (targets.signal?.aborted) throw new Interrupted();
    const s = await open();
    opened.push(s);
    if (targets.signal?.aborted) {
      onAbort();
      throw new Interrupted();
    }
    return s;
  };
  try {
    const toRestore = {
      ...(targets.restoreHost ? { override: targets.restoreHost } : {}),
      tunnelOption: '--connect-host',
      applicationName: 'dbops restore-test',
      warn: targets.warn,
    };
    const t0 = performance.now();
    const restore = [await add(() => api.connect(targets.restore, toRestore))];
    const connectMs = performance.now() - t0;
    const sourceInfo = targets.source;
    const source = sourceInfo
      ? await add(() =>
          api.connect(sourceInfo, {
            ...(targets.sourceHost ? { override: targets.sourceHost } : {}),
            tunnelOption: '--source-connect-host',
            applicationName: 'dbops restore-test (read-only)',
            warn: targets.warn,
          }),
        )
      : undefined;
    if (source) await source.readOnly();
    for (let i = 1; i < targets.concurrency; i++) restore.push(await add(() => api.connect(targets.restore, toRestore)));
    const close = async () => {
      targets.signal?.removeEventListener('abort', onAbort);
      await Promise.all(opened.splice(0).map((s) => s.close()));
    };
    return new EngineCheckSession(restore, source, close, backup, settings, connectMs, targets.signal);
  } catch (e) {
    targets.signal?.removeEventListener('abort', onAbort);
    await Promise.all(opened.map((s) => s.close()));
    throw e;
  }
}

class EngineCheckSession implements CheckSession {
  constructor(
    private readonly restore: EngineSession[],
    private readonly source: EngineSession | undefined,
    private readonly closeAll: () => Promise<void>,
    private readonly backup: BackupFacts,
    private readonly settings: CheckSettings,
    private readonly connectMs: number,
    private readonly signal?: AbortSignal,
  ) {}

  get #first(): EngineSession {
    return this.restore[0]!;
  }

  get #label(): string {
    return this.#first.api.label;
  }

  async server(): Promise<CheckResult> {
    if (!this.source)
      return couldNotVerify('server', 'Server and version', `the ${this.#label} version of the recovery against the source`);
    return judgeServer(await this.#first.serverFacts(), await this.source.serverFacts(), this.connectMs);
  }

  async integrity(progress: ProgressFn): Promise<CheckResult[]> {
    return [await this.#first.integrity({ progress, signal: this.signal, peers: this.restore.slice(1) })];
  }

  async schema(): Promise<CheckResult> {
    if (!this.source)
      return couldNotVerify('schema', 'Schema and migration history', 'the schema and migration history against the source');
    return compareSchemas(await this.source.readSchema(), await this.#first.readSchema(), this.backup.time);
  }

  async counts(progress: ProgressFn): Promise<CheckResult> {
    if (!this.source) return couldNotVerify('row-counts', 'Row counts', 'the row counts against the source');
    const counts = await countOnSessions(this.restore, this.source, progress, this.signal);
    const age = this.backup.time ? this.backup.reference.getTime() - this.backup.time.getTime() : undefined;
    return judgeCounts(counts, this.settings.countTolerance, age);
  }

  async freshness(): Promise<CheckResult> {
    return judgeFreshness({
      restore: await this.#first.heartbeat.read(),
      ...(this.source ? { source: await this.source.heartbeat.read() } : {}),
      reference: this.backup.reference,
      backupTime: this.backup.time,
      rpoHours: this.settings.rpoHours,
    });
  }

  async pgvector(): Promise<CheckResult> {
    return {
      id: 'pgvector',
      title: 'pgvector',
      status: 'skipped',
      summary: `${this.#label} has no pgvector: nothing to check.`,
      evidence: [],
    };
  }

  /** RT-10: the engine's check queries, timed on the restore and on the (read-only) source. */
  async performance(progress: ProgressFn): Promise<CheckResult> {
    if (!this.source) return couldNotVerify('performance', 'Query performance', 'query latency against the source');
    const timeout = this.settings.performance.statementTimeoutMs;
    const restore = { db: this.#first, sql: await this.#first.queryTimingSql(timeout) };
    const source = { db: this.source, sql: await this.source.queryTimingSql(timeout) };
    const timings = await timeQueries(restore, source, this.settings.queries, this.settings.performance, progress, this.signal);
    return judgePerformance(timings, this.settings.performance, this.settings.querySources);
  }

  onRestore<T>(fn: (db: Queryable) => Promise<T>): Promise<T> {
    return fn(this.#first);
  }

  close(): Promise<void> {
    return this.closeAll();
  }
}

/** Exact counts of every table: in parallel on the restore, one table at a time on the (read-only) source. */
export async function countOnSessions(
  restore: readonly EngineSession[],
  source: EngineSession,
  progress?: ProgressFn,
  signal?: AbortSignal,
): Promise<TableCount[]> {
  const restoreTables = await restore[0]!.listTables();
  const sourceTables = await source.listTables();
  const restoreCounts = new Map<string, number>();
  const restoreErrors = new Map<string, string>();
  const sourceCounts = new Map<string, number>();
  const errors = new Map<string, string>();
  const total = restoreTables.length + sourceTables.length;
  let done = 0;
  progress?.(`0/${total} counts`);
  await forEachOnConnections(
    restoreTables,
    restore,
    async (db, table) => {
      try {
        restoreCounts.set(table, await db.countRows(table));
      } catch (e) {
        unlessStatementError(e, `counting ${table} in the restore`);
        restoreErrors.set(table, sqlMessage(e));
      }
      progress?.(`${++done}/${total} counts`);
    },
    signal,
  );
  for (const table of sourceTables) {
    if (signal?.aborted) break;
    try {
      sourceCounts.set(table, await source.countRows(table));
    } catch (e) {
      unlessStatementError(e, `counting ${table} on the source`);
      errors.set(table, `on the source: ${sqlMessage(e)}`);
    }
    progress?.(`${++done}/${total} counts`);
  }
  return [...new Set([...restoreTables, ...sourceTables])].sort().map((table) => ({
    table,
    source: sourceCounts.get(table),
    restore: restoreCounts.get(table),
    ...(errors.has(table) ? { error: errors.get(table)! } : {}),
    ...(restoreErrors.has(table) ? { restoreError: restoreErrors.get(table)! } : {}),
  }));
}
