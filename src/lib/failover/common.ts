/**
 * What switchover and failover share: the request, the application's address (the pooler
 * when there is one), the write probe on the cleanup stack, the final verification, the
 * result, and where it is recorded (history line, Markdown report).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Context } from '../context.js';
import {
  type CheckFailed,
  EnvironmentError,
  ExitCode,
  Interrupted,
  isDbopsError,
  messageOf,
  NotFoundError,
  UsageError,
} from '../errors.js';
import type { FailoverApi, PoolerState, Topology } from '../providers/failover-types.js';
import type { Provider } from '../providers/types.js';
import { redact } from '../secret.js';
import { createFailoverProvider } from '../providers/failover.js';
import { refusalText } from './checks.js';
import { reportOf, runRunbook, type RunbookDef, type RunbookRun, type RunReport } from '../runbook/runner.js';
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
  warn?: (message: string) => void,
): Promise<{ address: string; resolve: () => Promise<ProbeTarget> }> {
  const told = tellUnverifiedTls(warn);
  if (pooler && api.pooler) {
    const pool = api.pooler;
    return {
      address: `${pooler.kind} ${pooler.name} ${pooler.endpoint.host}:${pooler.endpoint.port}`,
      resolve: async () => told(await pool.connection(pooler.name)),
    };
  }
  return {
    address: 'the primary endpoint (no connection layer: the probe reconnects to the new primary itself)',
    resolve: async () => told(await provider.connectionInfo(currentPrimary())),
  };
}

/** Says once that TLS to the application's address is not verified (no CA bundle), as every other connection does. */
function tellUnverifiedTls(warn: ((message: string) => void) | undefined): (t: ProbeTarget) => ProbeTarget {
  let told = false;
  return (t) => {
    if (warn && !told && (t.ssl === 'require' || t.ssl === 'verify-full') && !t.caBundlePath) {
      told = true;
      warn(`TLS to ${t.host}:${t.port} is on but its certificate is not verified: pass a CA bundle (aws.caBundle or PGSSLROOTCERT).`);
    }
    return t;
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
  warn?: (message: string) => void,
): Promise<{ finish: () => Promise<ProbeFigures>; forget: () => void }> {
  const table = `switch_probe_${run.runId.replace(/[^a-z0-9]/gi, '').toLowerCase()}`;
  const addr = await appAddress(provider, api, facts.pooler, currentPrimary, warn);
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

export type RunningProbe = Awaited<ReturnType<typeof startProbe>>;

/** The probe's start step (FO-2, SO-3) with --probe, else its skip. */
export async function probeStartStep(
  run: RunbookRun,
  stepId: string,
  input: FailoverInput,
  seams: FailoverSeams,
  facts: Facts,
  provider: Provider,
  api: FailoverApi,
  currentPrimary: () => string,
  warn?: (message: string) => void,
): Promise<RunningProbe | undefined> {
  if (!input.probe) {
    run.skip(stepId, 'no --probe');
    return undefined;
  }
  const intervalMs = seams.probeIntervalMs ?? PROBE_INTERVAL_MS;
  let probe: RunningProbe | undefined;
  await run.step(stepId, async (s) => {
    probe = await startProbe(run, facts, provider, api, currentPrimary, intervalMs, warn);
    s.detail(`writing every ${intervalMs} ms`);
  });
  return probe;
}

/**
 * The probe's read-back step (FO-9, SO-11): its figures. With `lost`, an acknowledged write
 * missing afterwards fails the step (a switchover never loses one; a failover may).
 */
export async function probeResultStep(
  run: RunbookRun,
  stepId: string,
  probe: RunningProbe | undefined,
  lost?: (count: number) => CheckFailed,
): Promise<void> {
  if (!probe) {
    run.skip(stepId, 'no --probe');
    return;
  }
  await run.step(stepId, async (s) => {
    const f = await probe.finish();
    probe.forget();
    s.detail(`longest gap ${f.longestGapMs} ms, ${f.clientErrors} client errors, ${f.lostAcked} acknowledged writes lost`);
    if (lost && f.lostAcked > 0) throw lost(f.lostAcked);
  });
}

/** The steps of one switch, given what the run opened. */
/** What makes a switch a failover or a switchover: its runbook, its steps, and the words its summary uses. */
export interface SwitchKind {
  op: Operation;
  runbook: RunbookDef;
  steps: (
    ctx: Context,
    provider: Provider,
    api: FailoverApi,
    primaryId: string,
    input: FailoverInput,
    facts: Facts,
    run: RunbookRun,
    seams: FailoverSeams,
  ) => Promise<void>;
  /** The summary when the run succeeded (dry run or not); refusals, rollbacks and errors are said alike. */
  succeeded: (ctx: Context, primaryId: string, candidateId: string, facts: Facts) => string;
}

/** The result's one-line summary. Pure. */
function summaryOf(kind: SwitchKind, ctx: Context, primaryId: string, facts: Facts, error: unknown): string {
  if (facts.outcome === 'refused') return `refused: ${refusalText(facts.checks)}`;
  if (error === undefined) return kind.succeeded(ctx, primaryId, facts.candidateId ?? '?', facts);
  if (facts.rollback) return `${primaryId} is the primary again: ${facts.rollback.reason}`;
  if (error instanceof Interrupted) return `interrupted; ${messageOf(error)}`;
  return messageOf(error);
}

/**
 * What failover and switchover do around their steps: check the primary, run the runbook,
 * keep the report whichever way it ends, build the result and record it.
 */
export async function runSwitch(
  ctx: Context,
  kind: SwitchKind,
  input: FailoverInput,
  seams: FailoverSeams = {},
): Promise<{ result: FailoverResult; error?: Error }> {
  const provider = await ctx.provider();
  const primaryId = input.primaryId ?? ctx.config.database.identifier;
  await requirePrimary(provider, primaryId);
  const api = seams.failover ?? (await createFailoverProvider(ctx.config, ctx.env, provider));
  const facts: Facts = { checks: [], plan: [], extra: {} };
  let report: RunReport | undefined;
  let error: unknown;
  try {
    ({ report } = await runRunbook(
      kind.runbook,
      { out: ctx.out, clock: ctx.clock, signal: ctx.signal, runId: seams.runId, settleMs: 120_000 },
      (run) => kind.steps(ctx, provider, api, primaryId, input, facts, run, seams),
    ));
  } catch (e) {
    error = e;
    report = reportOf(e);
  }
  if (!report) throw error;
  const result = buildResult(ctx, provider, kind.op, primaryId, facts, report, summaryOf(kind, ctx, primaryId, facts, error), error);
  await recordRun(ctx, result, input.reportFile, input.history !== false && shouldRecord(error, ctx.flags.dryRun));
  return error === undefined ? { result } : { result, error: error instanceof Error ? error : new Error(String(error)) };
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
