import { openCheckSession, type CheckSession, type CheckSettings, type CheckTargets, type BackupFacts } from '../checks/session.js';
import type { Queryable } from '../checks/types.js';
import type { Context } from '../context.js';
import type { HostOverride } from '../db/connect.js';
import { type DbopsError, EnvironmentError, ExitCode, Interrupted, isDbopsError, messageOf } from '../errors.js';
import { engineMajor } from '../provision/desired.js';
import { dbopsHome } from '../providers/index.js';
import { serverlessCapacity } from '../config/database-kind.js';
import { clusterView } from '../providers/cluster-view.js';
import type { ClusterApi, ConnectionInfo, Instance, Provider } from '../providers/types.js';
import {
  addWriter,
  auroraSource,
  type ClusterPhases,
  recoveryCapacity,
  removeClusterRecovery,
  restoreClusterStep,
  WRITER_CLASS,
} from './cluster.js';
import { checkSettings, checkStep, type CheckStepIds, removeTemporary, restoreFailed, runChecks, sendRestore } from './steps.js';
import { reportOf, runRunbook, type RunbookRun, type RunReport, type StepFaults } from '../runbook/runner.js';
import { backupTime, chooseBackup, describeBackup, type BackupChoice } from './backup.js';
import { expiresAt as expiry, isoSeconds, restoreTestTags, temporaryInstanceId } from './naming.js';
import { recordResult } from './record.js';
import { RESTORE_TEST, RESTORE_TEST_CLUSTER, RESTORE_TEST_MYSQL } from './runbook.js';
import { resolveRequest, type RestoreTestInput, type RestoreTestRequest } from './settings.js';
import type { RestoreTestResult, StepCheck, TemporaryInstance } from './types.js';
import { failedChecks, judgeRto, verdictOf } from './verdict.js';

export type { RestoreTestInput } from './settings.js';

/** Seams for tests; production passes none. */
export interface RestoreTestSeams {
  /** Opens the data-plane checks (default: real connections). The AWS flow test injects its own. */
  openChecks?: (targets: CheckTargets, backup: BackupFacts, settings: CheckSettings) => Promise<CheckSession>;
  /** Runs on the restore before the checks (tests damage the copy on purpose). */
  beforeChecks?: (restore: Queryable) => Promise<void>;
  runId?: string;
  /** Fault injection at each step (the cleanup sweeps). */
  faults?: StepFaults;
}

/** The result, and the error that stopped the run (exit 3 / 130 / 2) if one did. */
export interface RestoreTestOutcome {
  result: RestoreTestResult;
  error?: DbopsError | Error;
}

/** What the steps learn, kept for the result whatever way the run ends. */
interface Facts {
  source?: Instance;
  backup?: BackupChoice;
  temporary?: TemporaryInstance;
  restoreSeconds?: number;
  /** An Aurora source: the restore's two phases (cluster, writer). */
  phases?: ClusterPhases;
  checks: StepCheck[];
}

export async function restoreTest(ctx: Context, input: RestoreTestInput, seams: RestoreTestSeams = {}): Promise<RestoreTestOutcome> {
  const started = ctx.clock.now();
  const req = resolveRequest(ctx.config, input, started, ctx.loaded.file);
  const provider = await ctx.provider();
  const facts: Facts = { checks: [] };
  let report: RunReport | undefined;
  let error: unknown;
  // The engine's steps (a MySQL source checks integrity in RT-12; an Aurora cluster restores in RT-13/RT-14); RT-1 still describes the source.
  const aurora = await auroraSource(ctx, provider, req.sourceId);
  const engine = aurora ? undefined : (await provider.findInstance(req.sourceId).catch(() => undefined))?.engine;
  const runbook = aurora ? RESTORE_TEST_CLUSTER : engine === 'mysql' ? RESTORE_TEST_MYSQL : RESTORE_TEST;
  try {
    ({ report } = await runRunbook(
      runbook,
      { out: ctx.out, clock: ctx.clock, signal: ctx.signal, keep: req.keep, runId: seams.runId, settleMs: 10_000, faults: seams.faults },
      (run) =>
        aurora
          ? clusterSteps(ctx, provider, aurora.clusters, req, facts, run, seams, started)
          : steps(ctx, provider, req, facts, run, seams, started, runbook),
    ));
  } catch (e) {
    error = e;
    report = reportOf(e);
  }
  if (!report) throw error; // not a run error (nothing started): a usage error before the runbook
  const result = buildResult(ctx, provider, req, facts, report, started, error);
  if (!ctx.flags.dryRun && shouldRecord(error)) {
    result.recorded = await recordResult(result, {
      provider,
      namespace: req.metricsNamespace,
      home: dbopsHome(ctx.env),
      reportFile: req.reportFile,
      now: ctx.clock.now(),
      warn: (m) => ctx.out.warn(m),
    });
  }
  return error === undefined ? { result } : { result, error: error instanceof Error ? error : new Error(String(error)) };
}

/** A mistake in the request (exit 2) proves nothing about the backups: no metric, no history. */
function shouldRecord(error: unknown): boolean {
  return !(isDbopsError(error) && error.exitCode === ExitCode.usage);
}

async function steps(
  ctx: Context,
  provider: Provider,
  req: RestoreTestRequest,
  facts: Facts,
  run: RunbookRun,
  seams: RestoreTestSeams,
  started: Date,
  runbook: typeof RESTORE_TEST,
): Promise<void> {
  await pickBackup(provider, req, facts, run, started);
  if (ctx.flags.dryRun) {
    for (const s of runbook.steps.slice(1)) run.skip(s.id, 'dry run');
    return;
  }
  const tmp = facts.temporary!;
  const pending = await startRestore(ctx, provider, req, facts, run);
  await checkStep(run, 'RT-3', 'rto', facts.checks, async (s) => {
    const ready = await provider.waitForInstance(tmp.instanceId, 'available', {
      // A restore slower than aws.maxWaitMinutes but within the RTO is slow, not broken: wait for it.
      maxWaitSeconds: Math.max(ctx.config.aws.maxWaitMinutes * 60, req.rtoHours * 3600),
      signal: ctx.signal,
      onProgress: (status) => s.update(status),
    });
    // One figure, to the millisecond: the check, the summary and --json all show this one.
    facts.restoreSeconds = Math.round(ctx.clock.now().getTime() - pending.startedAt.getTime()) / 1000;
    if (ready?.endpoint) tmp.endpoint = `${ready.endpoint.host}:${ready.endpoint.port}`;
    return judgeRto(facts.restoreSeconds, req.rtoHours);
  });
  const session = await connect(ctx, provider, req, facts, run, seams, started);
  await runChecks(session.session, run, facts.checks, runbook === RESTORE_TEST_MYSQL ? RT_CHECK_STEPS_MYSQL : RT_CHECK_STEPS);
  await session.session.close();
  session.forget();
  await deleteStep(ctx, provider, req, facts, run, pending);
}

/**
 * An Aurora source: the same RT-1 on the cluster (its cluster snapshots, its restorable
 * window), RT-13 the temporary cluster, RT-14 its writer (the RTO), the same checks on the
 * writer, RT-15 the writer deleted, then the cluster.
 */
async function clusterSteps(
  ctx: Context,
  provider: Provider,
  clusters: ClusterApi,
  req: RestoreTestRequest,
  facts: Facts,
  run: RunbookRun,
  seams: RestoreTestSeams,
  started: Date,
): Promise<void> {
  await pickBackup(clusterView(provider), req, facts, run, started, true);
  if (ctx.flags.dryRun) {
    for (const s of RESTORE_TEST_CLUSTER.steps.slice(1)) run.skip(s.id, 'dry run');
    return;
  }
  const tmp = { ...facts.temporary!, clusterId: facts.temporary!.clusterId! };
  facts.temporary = tmp;
  const source = await clusters.describeCluster(req.sourceId);
  const rec = { clusters, source, serverless: recoveryCapacity(source, serverlessCapacity(ctx.config)) };
  // A restore slower than aws.maxWaitMinutes but within the RTO is slow, not broken: wait for it.
  const maxWaitSeconds = Math.max(ctx.config.aws.maxWaitMinutes * 60, req.rtoHours * 3600);
  if (req.keep) keepNotes(tmp, req.connectHost);
  const pending = await restoreClusterStep(ctx, rec, facts.backup!, tmp, run, 'RT-13', { maxWaitSeconds });
  facts.phases = pending.phases;
  await checkStep(run, 'RT-14', 'rto', facts.checks, async (s) => {
    facts.restoreSeconds = await addWriter(ctx, provider, rec, tmp, pending, run, s, { maxWaitSeconds });
    return judgeRto(facts.restoreSeconds, req.rtoHours);
  });
  const session = await connect(ctx, provider, req, facts, run, seams, started);
  await runChecks(session.session, run, facts.checks, RT_CHECK_STEPS);
  await session.session.close();
  session.forget();
  if (req.keep) {
    run.skip('RT-15', `--keep: ${tmp.instanceId} and ${tmp.clusterId} stay until you delete them (expires-at ${tmp.expiresAt})`);
    return;
  }
  await run.step('RT-15', (s) => removeClusterRecovery(ctx, provider, rec, tmp, pending, run.runId, s));
}

/** Statuses in which the source cannot answer the checks' queries. */
const NOT_ANSWERING = new Set(['stopped', 'stopping', 'starting', 'creating', 'deleting', 'failed', 'incompatible-restore']);

/** RT-1 */
async function pickBackup(
  provider: Provider,
  req: RestoreTestRequest,
  facts: Facts,
  run: RunbookRun,
  now: Date,
  cluster = false,
): Promise<void> {
  await run.step('RT-1', async (s) => {
    const source = await provider.describeInstance(req.sourceId);
    if (NOT_ANSWERING.has(source.status)) {
      // The checks compare the restore with the running source: without it, the restore would be wasted.
      throw new EnvironmentError(
        `Source instance ${source.id} is ${source.status}; a restore test compares the restore with the running source.`,
        {
          hint:
            source.status === 'stopped'
              ? `Start it first: dbops instances start ${source.id}`
              : 'Wait until it is available (`dbops status`), then rerun.',
        },
      );
    }
    facts.source = source;
    const backup = await chooseBackup(provider, req.backup, source, now);
    // An Aurora source: the temporary cluster takes the name, its db.serverless writer the name with -w.
    const instanceId = temporaryInstanceId(source.id, cluster ? `${run.runId}-w` : run.runId);
    const clusterId = cluster ? temporaryInstanceId(source.id, run.runId) : undefined;
    const instanceClass = cluster ? WRITER_CLASS : req.instanceClass;
    const expires = expiry(now, req.expiresAfterHours);
    facts.backup = backup;
    facts.temporary = {
      instanceId,
      ...(clusterId ? { clusterId } : {}),
      instanceClass,
      tags: restoreTestTags({
        runId: run.runId,
        sourceInstanceId: source.id,
        snapshotId: backup.kind === 'snapshot' ? backup.snapshotId : undefined,
        expiresAt: expires,
      }),
      expiresAt: isoSeconds(expires),
      publiclyAccessible: false,
      ...(source.subnetGroup ? { subnetGroup: source.subnetGroup } : {}),
      securityGroups: [...source.vpcSecurityGroupIds],
      ...(await copyParameterGroup(provider, source, backup)),
      created: false,
      deleted: false,
      kept: false,
    };
    s.detail(
      `${describeBackup(backup, now)} of ${source.id} -> ${clusterId ? `cluster ${clusterId}, writer ` : ''}${instanceId} (${instanceClass})`,
    );
  });
}

/**
 * The source's DB parameter group for the copy, so it runs with the same server settings
 * (sql_mode, lower_case_table_names, require_secure_transport …) — unless the snapshot is of
 * another major version (taken before an upgrade): a group only fits its own family.
 */
async function copyParameterGroup(
  provider: Provider,
  source: Instance,
  backup: BackupChoice,
): Promise<Pick<TemporaryInstance, 'parameterGroup'>> {
  const group = source.parameterGroup;
  if (!group) return {};
  if (backup.kind !== 'snapshot') return { parameterGroup: group };
  const snap = await provider.findSnapshot(backup.snapshotId);
  const major = (v: string) => engineMajor(source.engine, v);
  return snap && major(snap.engineVersion) === major(source.engineVersion) ? { parameterGroup: group } : {};
}

interface PendingRestore {
  startedAt: Date;
  call: Promise<Instance>;
}

/** RT-2: the create call, with its cleanup registered before it is sent. */
async function startRestore(
  ctx: Context,
  provider: Provider,
  req: RestoreTestRequest,
  facts: Facts,
  run: RunbookRun,
): Promise<PendingRestore & { forget: () => void }> {
  const tmp = facts.temporary!;
  const backup = facts.backup!;
  let pending: (PendingRestore & { forget: () => void }) | undefined;
  await run.step('RT-2', async (s) => {
    const startedAt = ctx.clock.now();
    const call = sendRestore(provider, backup, facts.source!, tmp);
    call.catch(() => undefined); // awaited below and by the cleanup; never an unhandled rejection
    const forget = run.addCleanup(`delete temporary instance ${tmp.instanceId}`, async () => {
      if (await removeTemporary(ctx, provider, tmp.instanceId, run.runId, call, undefined)) tmp.deleted = true;
    });
    pending = { startedAt, call, forget };
    if (req.keep) keepNotes(tmp, req.connectHost);
    let created: Instance;
    try {
      created = await call;
    } catch (e) {
      throw restoreFailed(e);
    }
    tmp.created = true;
    s.detail(`${created.id}: ${created.status}`);
  });
  return pending!;
}

/** --keep: the instance stays; say how to reach it and how to remove it. */
function keepNotes(tmp: TemporaryInstance, tunnel: HostOverride | undefined): void {
  tmp.kept = true;
  const via = tunnel
    ? ` --connect-host ${tunnel.host.includes(':') ? `[${tunnel.host}]` : tunnel.host}${tunnel.port ? `:${tunnel.port}` : ''}`
    : '';
  tmp.connectCommand = `dbops psql ${tmp.instanceId}${via}`;
  tmp.removeCommand = tmp.clusterId
    ? `dbops instances delete ${tmp.instanceId} --yes --skip-final-snapshot, then aws rds delete-db-cluster --db-cluster-identifier ${tmp.clusterId} --skip-final-snapshot`
    : `dbops instances delete ${tmp.instanceId} --yes --skip-final-snapshot`;
}

/** RT-4: connections (the restore's password falls back to the source's: the data, and so pg_authid, is the same). */
async function connect(
  ctx: Context,
  provider: Provider,
  req: RestoreTestRequest,
  facts: Facts,
  run: RunbookRun,
  seams: RestoreTestSeams,
  started: Date,
): Promise<{ session: CheckSession; forget: () => void }> {
  let opened: { session: CheckSession; forget: () => void } | undefined;
  await checkStep(run, 'RT-4', 'server', facts.checks, async () => {
    const tmp = facts.temporary!;
    const source = await provider.connectionInfo(facts.source!.id);
    const restoreInfo = await provider.connectionInfo(tmp.instanceId);
    const restore: ConnectionInfo = restoreInfo.password
      ? restoreInfo
      : { ...restoreInfo, ...(source.password ? { password: source.password } : {}) };
    const settings = await checkSettings(req, source.engine);
    const open = seams.openChecks ?? openCheckSession;
    const t = backupTime(facts.backup!);
    const session = await open(
      {
        restore,
        source,
        ...(req.connectHost ? { restoreHost: req.connectHost } : {}),
        ...(req.sourceConnectHost ? { sourceHost: req.sourceConnectHost } : {}),
        concurrency: req.concurrency,
        warn: (m) => ctx.out.warn(m),
        signal: ctx.signal,
      },
      { reference: started, ...(t ? { time: t } : {}) },
      settings,
    );
    const forget = run.addCleanup('close the database connections', () => session.close(), { keepable: false });
    opened = { session, forget };
    if (seams.beforeChecks) await session.onRestore(seams.beforeChecks);
    return session.server();
  });
  return opened!;
}

/** RT-5 .. RT-10 */
const RT_CHECK_STEPS: CheckStepIds = {
  integrity: 'RT-5',
  schema: 'RT-6',
  counts: 'RT-7',
  freshness: 'RT-8',
  pgvector: 'RT-9',
  performance: 'RT-10',
};

/** A MySQL source: CHECK TABLE … EXTENDED is RT-12. */
const RT_CHECK_STEPS_MYSQL: CheckStepIds = { ...RT_CHECK_STEPS, integrity: 'RT-12' };

/** RT-11, unless --keep. */
async function deleteStep(
  ctx: Context,
  provider: Provider,
  req: RestoreTestRequest,
  facts: Facts,
  run: RunbookRun,
  pending: PendingRestore & { forget: () => void },
): Promise<void> {
  const tmp = facts.temporary!;
  if (req.keep) {
    run.skip('RT-11', `--keep: ${tmp.instanceId} stays until you delete it (expires-at ${tmp.expiresAt})`);
    return;
  }
  await run.step('RT-11', async (s) => {
    await removeTemporary(ctx, provider, tmp.instanceId, run.runId, pending.call, s);
    pending.forget();
    tmp.deleted = true;
    s.detail(`${tmp.instanceId} deleted (no final snapshot)`);
  });
}

function stepSeconds(report: RunReport, ids: readonly string[]): number | undefined {
  const ms = report.steps.filter((s) => ids.includes(s.id) && s.durationMs !== undefined).map((s) => s.durationMs!);
  return ms.length === 0 ? undefined : Math.round(ms.reduce((a, b) => a + b, 0)) / 1000;
}

function buildResult(
  ctx: Context,
  provider: Provider,
  req: RestoreTestRequest,
  facts: Facts,
  report: RunReport,
  started: Date,
  error: unknown,
): RestoreTestResult {
  const rpoCheck = facts.checks.find((c) => c.id === 'rpo');
  const rpoData = rpoCheck?.data as { measured?: boolean; dataLossSeconds?: number } | undefined;
  const measured = rpoData?.measured === true && rpoData.dataLossSeconds !== undefined;
  const restoreSeconds = facts.restoreSeconds;
  const verdict =
    ctx.flags.dryRun && error === undefined
      ? 'dry-run'
      : error instanceof Interrupted
        ? 'interrupted'
        : error !== undefined
          ? 'error'
          : verdictOf(facts.checks);
  const tmp = facts.temporary;
  const e = isDbopsError(error) ? error : undefined;
  return {
    runId: report.runId,
    verdict,
    dryRun: ctx.flags.dryRun,
    provider: provider.name,
    region: provider.region,
    startedAt: started.toISOString(),
    finishedAt: report.finishedAt,
    requestedSourceId: req.sourceId,
    ...(facts.source
      ? {
          source: {
            instanceId: facts.source.id,
            engine: facts.source.engine,
            engineVersion: facts.source.engineVersion,
            instanceClass: facts.source.instanceClass,
            ...(facts.source.engineLabel ? { engineLabel: facts.source.engineLabel } : {}),
          },
        }
      : {}),
    ...(facts.backup ? { backup: facts.backup } : {}),
    ...(tmp ? { temporary: tmp } : {}),
    timing: {
      ...(restoreSeconds !== undefined ? { restoreSeconds } : {}),
      ...optional('clusterSeconds', facts.phases?.clusterSeconds),
      ...optional('writerSeconds', facts.phases?.writerSeconds),
      ...optional('checksSeconds', stepSeconds(report, ['RT-4', 'RT-5', 'RT-12', 'RT-6', 'RT-7', 'RT-8', 'RT-9', 'RT-10'])),
      totalSeconds: report.durationMs / 1000,
    },
    rto: {
      targetHours: req.rtoHours,
      ...(restoreSeconds !== undefined ? { restoreSeconds, withinTarget: restoreSeconds <= req.rtoHours * 3600 } : {}),
    },
    rpo: {
      targetHours: req.rpoHours,
      measured,
      ...(measured ? { dataLossSeconds: rpoData.dataLossSeconds, withinTarget: rpoData.dataLossSeconds! <= req.rpoHours * 3600 } : {}),
    },
    checks: facts.checks,
    failedChecks: failedChecks(facts.checks),
    ...(error !== undefined
      ? {
          error: {
            code: e?.code ?? 'internal',
            message: messageOf(error),
            ...(e?.hint ? { hint: e.hint } : {}),
            ...(stepOf(error) ? { step: stepOf(error) } : {}),
          },
        }
      : {}),
    cleanup: report.cleanup,
    report,
  };
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

function stepOf(e: unknown): string | undefined {
  return isDbopsError(e) ? e.step : undefined;
}
