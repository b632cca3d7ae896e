/**
 * The data-plane check session of a restore test: connections to the restore (up to
 * `concurrency`) and one read-only connection to the source, and one method per runbook
 * step. The restore flow depends on the `CheckSession` interface only, so the AWS flow
 * test (no real database behind a fake RDS) injects its own.
 */
import type { Client } from 'pg';
import type { ConnectionInfo, Engine } from '../providers/types.js';
import { runAmcheck } from './amcheck.js';
import { openEngineCheckSession } from './engine-session.js';
import { connect as openClient, type HostOverride } from '../db/connect.js';
import { ClientSet, makeReadOnly } from './connections.js';
import { countTables, judgeCounts, type CountTolerance } from './counts.js';
import { judgeFreshness, readHeartbeats } from './freshness.js';
import { invalidIndexes, judgeInvalidIndexes } from './invalid-indexes.js';
import { judgePerformance, timeQueries, type PerfQuery, type PerfSettings } from './performance.js';
import { inspectPgvector, judgePgvector } from './pgvector.js';
import { compareSchemas } from './schema.js';
import { readSchema } from './schema-read.js';
import { judgeServer, serverFacts } from './server.js';
import type { CheckResult, ProgressFn, Queryable } from './types.js';

/** What a check session needs to know about the backup under test. */
export interface BackupFacts {
  /** When the backup was taken: snapshot creation time, or the point in time restored. */
  time?: Date;
  /** The moment the test started: the data-loss window is measured against it. */
  reference: Date;
}

/** Thresholds and inputs of the checks, resolved from config and flags. */
export interface CheckSettings {
  heapallindexed: boolean;
  countTolerance: CountTolerance;
  rpoHours: number;
  performance: PerfSettings;
  queries: PerfQuery[];
  /** Where the queries were looked for (for the "none configured" note). */
  querySources: string[];
}

/** One method per data-plane step of runbooks/restore-test.md. */
export interface CheckSession {
  /** RT-4 */
  server(): Promise<CheckResult>;
  /** RT-5: amcheck, then invalid indexes. */
  integrity(progress: ProgressFn): Promise<CheckResult[]>;
  /** RT-6 */
  schema(): Promise<CheckResult>;
  /** RT-7 */
  counts(progress: ProgressFn): Promise<CheckResult>;
  /** RT-8 */
  freshness(): Promise<CheckResult>;
  /** RT-9 */
  pgvector(): Promise<CheckResult>;
  /** RT-10 */
  performance(progress: ProgressFn): Promise<CheckResult>;
  /** Runs something on the restore before the checks (a test seam: damage the copy on purpose). */
  onRestore<T>(fn: (db: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Where the checks connect: the restore (maybe through a tunnel) and the source. */
export interface CheckTargets {
  restore: ConnectionInfo;
  /**
   * The source, read only. Absent when it cannot be reached (a DR drill of a lost region):
   * every comparison with it is then reported as "could not verify", a failed check.
   */
  source?: ConnectionInfo;
  /** --connect-host: how to reach the restore (a tunnel); the source is reached at its endpoint. */
  restoreHost?: HostOverride;
  /** --source-connect-host: how to reach the source (its own tunnel). */
  sourceHost?: HostOverride;
  concurrency: number;
  warn?: (message: string) => void;
  signal?: AbortSignal;
}

/** How each engine opens its check session (PostgreSQL: below; MySQL: through the engine port). */
const OPENERS: Record<Engine, typeof openCheckSession> = {
  postgres: (t, b, s) => openPgCheckSession(t, b, s),
  mysql: (t, b, s) => openEngineCheckSession(t, b, s),
};

/** Opens the connections of the restore's engine; a failure closes whatever was opened. */
export function openCheckSession(targets: CheckTargets, backup: BackupFacts, settings: CheckSettings): Promise<CheckSession> {
  return OPENERS[targets.restore.engine ?? 'postgres'](targets, backup, settings);
}

async function openPgCheckSession(targets: CheckTargets, backup: BackupFacts, settings: CheckSettings): Promise<CheckSession> {
  const clients = new ClientSet(targets.signal);
  try {
    const t0 = performance.now();
    const restore: Client[] = [];
    const toRestore = {
      ...(targets.restoreHost ? { override: targets.restoreHost } : {}),
      tunnelOption: '--connect-host',
      applicationName: 'dbops restore-test',
      warn: targets.warn,
    };
    const first = await clients.add(() => openClient(targets.restore, toRestore));
    restore.push(first);
    const connectMs = performance.now() - t0;
    const sourceInfo = targets.source;
    const toSource = {
      ...(targets.sourceHost ? { override: targets.sourceHost } : {}),
      tunnelOption: '--source-connect-host',
      applicationName: 'dbops restore-test (read-only)',
      warn: targets.warn,
    };
    const source = sourceInfo ? await clients.add(() => openClient(sourceInfo, toSource)) : undefined;
    if (source) await makeReadOnly(source);
    for (let i = 1; i < targets.concurrency; i++) {
      restore.push(await clients.add(() => openClient(targets.restore, toRestore)));
    }
    return new PgCheckSession(restore, source, clients, backup, settings, connectMs, targets.signal);
  } catch (e) {
    await clients.close();
    throw e;
  }
}

class PgCheckSession implements CheckSession {
  #createdExtensions: string[] = [];

  constructor(
    private readonly restore: Client[],
    private readonly source: Client | undefined,
    private readonly clients: ClientSet,
    private readonly backup: BackupFacts,
    private readonly settings: CheckSettings,
    private readonly connectMs: number,
    private readonly signal?: AbortSignal,
  ) {}

  get #first(): Client {
    return this.restore[0]!;
  }

  async server(): Promise<CheckResult> {
    if (!this.source) return couldNotVerify('server', 'Server and version', 'the PostgreSQL version of the recovery against the source');
    return judgeServer(await serverFacts(this.#first), await serverFacts(this.source), this.connectMs);
  }

  async integrity(progress: ProgressFn): Promise<CheckResult[]> {
    const amcheck = await runAmcheck(this.restore, { heapallindexed: this.settings.heapallindexed, progress, signal: this.signal });
    if (amcheck.data?.createdExtension) this.#createdExtensions.push('amcheck');
    // Without the source, an invalid index in the restore cannot be blamed on it: it fails.
    const invalid = judgeInvalidIndexes(await invalidIndexes(this.#first), this.source ? await invalidIndexes(this.source) : []);
    return [amcheck, invalid];
  }

  async schema(): Promise<CheckResult> {
    if (!this.source)
      return couldNotVerify('schema', 'Schema and migration history', 'the schema and migration history against the source');
    return compareSchemas(await readSchema(this.source), await readSchema(this.#first), this.backup.time, {
      ignoreExtensions: this.#createdExtensions,
    });
  }

  async counts(progress: ProgressFn): Promise<CheckResult> {
    if (!this.source) return couldNotVerify('row-counts', 'Row counts', 'the row counts against the source');
    const counts = await countTables(this.restore, this.source, { progress, signal: this.signal });
    const age = this.backup.time ? this.backup.reference.getTime() - this.backup.time.getTime() : undefined;
    return judgeCounts(counts, this.settings.countTolerance, age);
  }

  async freshness(): Promise<CheckResult> {
    return judgeFreshness({
      restore: await readHeartbeats(this.#first),
      ...(this.source ? { source: await readHeartbeats(this.source) } : {}),
      reference: this.backup.reference,
      backupTime: this.backup.time,
      rpoHours: this.settings.rpoHours,
    });
  }

  async pgvector(): Promise<CheckResult> {
    if (!this.source) return couldNotVerify('pgvector', 'pgvector', 'the vector extension and its indexes against the source');
    return judgePgvector(await inspectPgvector(this.#first, this.source));
  }

  async performance(progress: ProgressFn): Promise<CheckResult> {
    if (!this.source) return couldNotVerify('performance', 'Query performance', 'query latency against the source');
    const timings = await timeQueries(this.#first, this.source, this.settings.queries, this.settings.performance, progress, this.signal);
    return judgePerformance(timings, this.settings.performance, this.settings.querySources);
  }

  onRestore<T>(fn: (db: Queryable) => Promise<T>): Promise<T> {
    return fn(this.#first);
  }

  close(): Promise<void> {
    return this.clients.close();
  }
}

/**
 * A comparison that needed the source, which could not be reached: a failed check marked
 * `couldNotVerify`, so a drill never passes on what it did not check.
 */
export function couldNotVerify(id: CheckResult['id'], title: string, what: string): CheckResult<{ couldNotVerify: true }> {
  return {
    id,
    title,
    status: 'failed',
    summary: `Could not verify ${what}: the source could not be reached.`,
    evidence: [`could not verify: ${what} (the source was unreachable)`],
    hint: 'Run the drill again when the source answers, or compare by hand (runbooks/restore-test.md) and attach the result to the record.',
    data: { couldNotVerify: true },
  };
}
