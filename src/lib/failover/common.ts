/**
 * What switchover and failover share: the request, the application's address (the pooler
 * when there is one), the write probe on the cleanup stack, the final verification, the
 * result, and where it is recorded (history line, Markdown report).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Context } from '../context.js';
import { EnvironmentError, ExitCode, Interrupted, isDbopsError, messageOf, NotFoundError, UsageError } from '../errors.js';
import type { FailoverApi, PoolerState, Topology } from '../providers/failover-types.js';
import type { Provider } from '../providers/types.js';
import { redact } from '../secret.js';
import type { RunbookRun, RunReport } from '../runbook/runner.js';
import { appendFailover } from './history.js';
import { dropProbeTable, readProbeRows, sslOf, WriteProbe, type ProbeTarget } from './probe.js';
import { renderMarkdown } from './render.js';
import type { FailoverResult, MaxLag, Operation, Outcome, PreCheck, ProbeFigures } from './types.js';
import { dbopsHome } from '../providers/index.js';

/** The typed request both commands build from their flags. */
export interface FailoverInput {
  /** The primary (default: database.identifier). */
  primaryId?: string;
  candidate?: string;
  maxLag?: MaxLag;
  /**
   * Switchover: the longest write pause before rolling back. Failover: how long the
   * connection layer may take to serve the new primary (FO-6: RDS Proxy TargetHealth AVAILABLE).
   */
  timeoutMs?: number;
  scheduled?: Date;
  probe: boolean;
  /** Failover: promote even when the primary answers or every candidate lags. */
  force?: boolean;
  reportFile?: string;
  /** Switchover on AWS: delete the old primary (final snapshot) once the switch is verified, after confirmation. */
  deleteOldPrimary?: boolean;
  /**
   * Append the run to the failover history (default true). A DR drill's failover of its
   * throwaway copy passes false: it is not a production failover, and the drill record keeps it.
   */
  history?: boolean;
}

/** Seams for tests and the bench; production passes none. */
export interface FailoverSeams {
  failover?: FailoverApi;
  runId?: string;
  probeIntervalMs?: number;
  /** The final write check (tests against a fake cloud have no database to write to). */
  verifyWrite?: (target: ProbeTarget) => Promise<string>;
}

export const PROBE_INTERVAL_MS = 50;
export const VERIFY_WAIT_MS = 30_000;

/** What the steps learn, kept for the result whichever way the run ends. */
export interface Facts {
  checks: PreCheck[];
  plan: string[];
  candidateId?: string;
  before?: Topology;
  after?: Topology;
  pooler?: PoolerState;
  probe?: ProbeFigures;
  writePauseMs?: number;
  rollback?: { reason: string; actions: string[] };
  outcome?: Outcome;
  extra: Partial<FailoverResult>;
}

/** The primary named (or configured) exists and is not a replica; bad input otherwise (exit 2). */
export async function requirePrimary(provider: Provider, id: string): Promise<void> {
  const inst = await provider.findInstance(id);
  if (!inst) {
    throw new NotFoundError(`There is no instance ${id} in ${provider.region}.`, {
      hint: '`dbops instances` lists them; --instance names the primary.',
    });
  }
  if (inst.replicaSourceId) {
    throw new UsageError(`Instance ${id} is already a replica (of ${inst.replicaSourceId}), not a primary.`, {
      hint: `Name the primary: --instance ${inst.replicaSourceId}.`,
    });
  }
}

/** A pool configured but not running is bad input for a switch: say how to start it (exit 2). */
export function requirePoolerIfConfigured(ctx: Context, topo: Topology): void {
  if (!ctx.config.connectionPool.enabled) return;
  if (topo.pooler?.running) return;
  const name = poolName(ctx);
  throw new UsageError(
    topo.pooler
      ? `The connection pool ${topo.pooler.name} is configured but not running.`
      : `The connection pool ${name} is configured (connectionPool.enabled) but does not exist.`,
    { hint: 'Start it with `dbops provision apply`, then retry (applications keep one address only through it).' },
  );
}

export function poolName(ctx: Context): string {
  return ctx.config.connectionPool.name ?? `${ctx.config.database.identifier}-pool`;
}

/** Where the application writes: the pooler, or the primary of the moment (clients reconnect by themselves). */
export async function appAddress(
  provider: Provider,
  api: FailoverApi,
  pooler: PoolerState | undefined,
  currentPrimary: () => string,
): Promise<{ address: string; resolve: () => Promise<ProbeTarget> }> {
  if (pooler && api.pooler) {
    const pool = api.pooler;
    return {
      address: `${pooler.kind} ${pooler.name} ${pooler.endpoint.host}:${pooler.endpoint.port}`,
      resolve: () => pool.connection(pooler.name),
    };
  }
  return {
    address: 'the primary endpoint (no connection layer: the probe reconnects to the new primary itself)',
    resolve: async () => provider.connectionInfo(currentPrimary()),
  };
}

/** Starts the probe and puts stopping it, reading it back and dropping its table on the cleanup stack. */
export async function startProbe(
  run: RunbookRun,
  facts: Facts,
  provider: Provider,
  api: FailoverApi,
  currentPrimary: () => string,
  intervalMs: number,
): Promise<{ finish: () => Promise<ProbeFigures>; forget: () => void }> {
  const table = `switch_probe_${run.runId.replace(/[^a-z0-9]/gi, '').toLowerCase()}`;
  const addr = await appAddress(provider, api, facts.pooler, currentPrimary);
  const probe = new WriteProbe({ table, intervalMs, resolve: addr.resolve, address: addr.address, statementTimeoutMs: 30_000 });
  probe.start();
  const finish = async (): Promise<ProbeFigures> => {
    await probe.stop();
    const primary = await provider.connectionInfo(currentPrimary());
    const rows = await readProbeRows(primary, table).catch(() => [] as number[]);
    facts.probe = probe.figures(rows);
    await dropProbeTable(primary, table);
    return facts.probe;
  };
  const forget = run.addCleanup('stop the write probe, read it back and drop its table', async () => void (await finish()), {
    keepable: false,
  });
  return { finish, forget };
}

/** Waits until the topology around the new primary shows `followerId` streaming; returns it. */
export async function waitStreaming(
  api: FailoverApi,
  primaryId: string,
  followerIds: string[],
  signal: AbortSignal,
  waitMs = VERIFY_WAIT_MS,
): Promise<Topology> {
  const end = Date.now() + waitMs;
  for (;;) {
    const topo = await api.topology(primaryId);
    const streaming = followerIds.every((id) => topo.replicas.find((r) => r.id === id)?.state === 'streaming');
    if (streaming || Date.now() > end) return topo;
    if (signal.aborted) throw new Interrupted();
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A write through the application's address lands on a primary. */
export async function verifyWrite(target: ProbeTarget): Promise<string> {
  const { default: pgLib } = await import('pg');
  const c = new pgLib.Client({
    host: target.host,
    port: target.port,
    user: target.user,
    database: target.database,
    password: target.password?.reveal(),
    ssl: sslOf(target),
    connectionTimeoutMillis: 10_000,
  });
  c.on('error', () => undefined);
  try {
    try {
      await c.connect();
    } catch (e) {
      // The environment (DNS, network, credentials), never a bug: one sentence and what to check.
      throw new EnvironmentError(
        `A write through the application address ${target.host}:${target.port} could not connect: ${redact(messageOf(e))}.`,
        {
          hint: 'The switch itself is done (see the steps above); check that this machine can reach that address (security group, VPN), then write through it by hand.',
          cause: e,
        },
      );
    }
    const row = (await c.query<{ r: boolean; x: string }>('SELECT pg_is_in_recovery() AS r, txid_current()::text AS x')).rows[0]!;
    if (row.r) throw new EnvironmentError('A write through the application address reached a server in recovery.');
    return `transaction ${row.x} written`;
  } finally {
    await c.end().catch(() => undefined);
  }
}

export function outcomeOf(error: unknown, facts: Facts, dryRun: boolean): Outcome {
  if (facts.outcome) return facts.outcome;
  if (error === undefined) return dryRun ? 'dry-run' : 'switched';
  if (error instanceof Interrupted) return 'interrupted';
  if (facts.rollback) return 'rolled-back';
  return 'failed';
}

/** A mistake in the request (exit 2) or a dry run: nothing to remember. */
export function shouldRecord(error: unknown, dryRun: boolean): boolean {
  if (dryRun) return false;
  return !(isDbopsError(error) && error.exitCode === ExitCode.usage);
}

export function buildResult(
  ctx: Context,
  provider: Provider,
  op: Operation,
  oldPrimaryId: string,
  facts: Facts,
  report: RunReport,
  summary: string,
  error: unknown,
): FailoverResult {
  return {
    operation: op,
    runId: report.runId,
    provider: provider.name,
    region: provider.region,
    outcome: outcomeOf(error, facts, ctx.flags.dryRun),
    summary,
    oldPrimaryId,
    ...(facts.candidateId ? { candidateId: facts.candidateId } : {}),
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    checks: facts.checks,
    plan: facts.plan,
    ...(facts.writePauseMs !== undefined ? { writePauseMs: Math.round(facts.writePauseMs) } : {}),
    ...(facts.rollback ? { rollback: facts.rollback } : {}),
    ...(facts.before ? { before: facts.before } : {}),
    ...(facts.after ? { after: facts.after } : {}),
    ...(facts.probe ? { probe: facts.probe } : {}),
    ...facts.extra,
    report,
  };
}

/** History line and --report file; best effort, a failure is a warning. */
export async function recordRun(ctx: Context, result: FailoverResult, reportFile: string | undefined, history: boolean): Promise<void> {
  if (history) {
    try {
      await appendFailover(dbopsHome(ctx.env), result);
    } catch (e) {
      ctx.out.warn(`Appending to the failover history failed: ${redact(messageOf(e))}`);
    }
  }
  if (!reportFile) return;
  const path = resolve(reportFile);
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, redact(renderMarkdown(result)), 'utf8');
    result.reportFile = path;
  } catch (e) {
    ctx.out.warn(`Writing the report ${path} failed: ${redact(messageOf(e))}`);
  }
}
