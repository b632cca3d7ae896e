/**
 * `dbops dr-drill`: recover production the way a disaster would force — in the DR region
 * from the newest copy there (region), to the latest restorable time (instance), or by
 * failing over a throwaway copy of the topology (replica) — prove the recovery with the
 * restore-test checks against the source (read only), measure RTO and RPO from the
 * disaster instant T0 as numbers, clean up, and write the record an auditor accepts.
 * Follows runbooks/dr-drill.md (DR-1 .. DR-17). Production is never changed.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { dbopsHome } from '../providers/index.js';
import { redact } from '../secret.js';
import { sha256 } from './evidence.js';
import { appendDrill } from './history.js';
import { renderDrillMarkdown } from './render.js';
import { openCheckSession, type BackupFacts, type CheckSession, type CheckSettings, type CheckTargets } from '../checks/session.js';
import type { Queryable } from '../checks/types.js';
import type { Context } from '../context.js';
import { CheckFailed, type DbopsError, ExitCode, Interrupted, isDbopsError, messageOf, UsageError } from '../errors.js';
import { engineFor, type EngineApi } from '../engines/index.js';
import { packagePath } from '../paths.js';
import type { ClusterApi, ConnectionInfo, Instance, Provider } from '../providers/types.js';
import { TAG } from '../providers/types.js';
import { backupTime, chooseBackup, describeBackup, newestAvailable, type BackupChoice } from '../restore/backup.js';
import { expiresAt as expiry, isoSeconds, RDS_ID_MAX } from '../restore/naming.js';
import { checkSettings, checkStep, removeTemporary, restoreFailed, runChecks, sendRestore } from '../restore/steps.js';
import type { StepCheck, TemporaryInstance } from '../restore/types.js';
import { reportOf, runRunbook, type RunbookRun, type RunReport, type StepFaults, type StepHandle } from '../runbook/runner.js';
import { buildRecord } from './record.js';
import { DR_DRILL, DR_DRILL_CLUSTER, MANUAL_STEPS } from './runbook.js';
import { serverlessCapacity } from '../config/database-kind.js';
import { clusterView } from '../providers/cluster-view.js';
import { addWriter, auroraSource, recoveryCapacity, removeClusterRecovery, restoreClusterStep, WRITER_CLASS } from '../restore/cluster.js';
import { resolveDrill, type DrillInput, type DrillRequest } from './settings.js';
import type { DrillBackup, DrillRecord, ManualOutcome } from './types.js';

export type { DrillInput } from './settings.js';

/** One manual step on a game day: shown, then closed by the operator. */
export interface ManualStepPrompt {
  id: string;
  title: string;
  text: string;
}

/** Seams for tests; production passes none. */
export interface DrillSeams {
  openChecks?: (targets: CheckTargets, backup: BackupFacts, settings: CheckSettings) => Promise<CheckSession>;
  /** Asks the operator to close a manual step (default: a prompt on the terminal). */
  closeManualStep?: (step: ManualStepPrompt) => Promise<{ outcome: ManualOutcome; note: string }>;
  runId?: string;
  /** Fault injection at each step (test/faults). */
  faults?: StepFaults;
}

export interface DrillOutcome {
  record: DrillRecord;
  error?: DbopsError | Error;
}

/** What the steps learn, kept for the record whichever way the run ends. */
export interface DrillFacts {
  source?: Instance;
  backup?: DrillBackup;
  temporary?: TemporaryInstance & { region: string };
  replicaId?: string;
  checks: StepCheck[];
  /** Set when the recovery accepted writes (DR-14), then after the manual steps. */
  recoveredAt?: Date;
  /** No copy in the DR region: the finding that stops the drill. */
  noDrCopy?: boolean;
  /** The source's database could not be reached: comparisons are "could not verify". */
  sourceUnreachable?: string;
  /** Newest committed data when there is no heartbeat. */
  commitTimestamp?: Date;
  manual: Map<string, { outcome: ManualOutcome; note: string }>;
  failover?: DrillRecord['failover'];
  runbookSha256: string;
}

/** dbops' own temporary instances of a drill: `<db>-dr-<run-id>`, within RDS' 63 characters. */
export function drillInstanceId(sourceId: string, runId: string, suffix = ''): string {
  const tail = `-dr-${runId}${suffix}`;
  return `${sourceId.slice(0, Math.max(1, RDS_ID_MAX - tail.length)).replace(/-+$/, '')}${tail}`;
}

/** The tags of everything a drill creates (as restore tests tag theirs, purpose dr-drill). */
export function drillTags(runId: string, sourceId: string, expiresAt: Date, snapshotId?: string): Record<string, string> {
  return {
    [TAG.managed]: 'true',
    [TAG.runId]: runId,
    [TAG.purpose]: 'dr-drill',
    [TAG.expiresAt]: isoSeconds(expiresAt),
    [TAG.sourceInstance]: sourceId,
    ...(snapshotId ? { [TAG.sourceSnapshot]: snapshotId } : {}),
  };
}

export async function drDrill(ctx: Context, input: DrillInput, seams: DrillSeams = {}): Promise<DrillOutcome> {
  const started = ctx.clock.now();
  const req = resolveDrill(ctx.config, input, started, ctx.loaded.file);
  const provider = await ctx.provider();
  const facts: DrillFacts = { checks: [], manual: new Map(), runbookSha256: await runbookHash() };
  let report: RunReport | undefined;
  let error: unknown;
  // An Aurora source recovers a cluster and its writer (DR-18..DR-20) in place of an instance.
  const aurora = await auroraSource(ctx, provider, req.sourceId);
  try {
    ({ report } = await runRunbook(
      aurora ? DR_DRILL_CLUSTER : DR_DRILL,
      { out: ctx.out, clock: ctx.clock, signal: ctx.signal, keep: req.keep, runId: seams.runId, settleMs: 10_000, faults: seams.faults },
      (run) =>
        aurora ? clusterSteps(ctx, provider, aurora.clusters, req, facts, run, seams) : steps(ctx, provider, req, facts, run, seams),
    ));
  } catch (e) {
    error = e;
    report = reportOf(e);
  }
  if (!report) throw error;
  const record = buildRecord({
    provider: provider.name,
    req,
    facts,
    report,
    started,
    error,
    dryRun: ctx.flags.dryRun,
    interactive: req.interactive && ctx.out.interactive,
  });
  if (!ctx.flags.dryRun && !(isDbopsError(error) && error.exitCode === ExitCode.usage))
    record.written = await writeRecord(ctx, record, req.reportFile);
  return error === undefined ? { record } : { record, error: error instanceof Error ? error : new Error(String(error)) };
}

/** One history line, and the Markdown report when asked; a failure is a warning, never hides the verdict. */
async function writeRecord(
  ctx: Context,
  record: DrillRecord,
  reportFile: string | undefined,
): Promise<NonNullable<DrillRecord['written']>> {
  const written: NonNullable<DrillRecord['written']> = {};
  try {
    written.history = await appendDrill(dbopsHome(ctx.env), record);
    if (reportFile) {
      const path = resolve(reportFile);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, redact(renderDrillMarkdown(record)), 'utf8');
      written.report = path;
    }
  } catch (e) {
    written.error = redact(messageOf(e));
    ctx.out.warn(`Recording the drill failed: ${written.error}`);
  }
  return written;
}

async function runbookHash(): Promise<string> {
  return sha256(await readFile(packagePath('runbooks', 'dr-drill.md'), 'utf8'));
}

async function steps(
  ctx: Context,
  provider: Provider,
  req: DrillRequest,
  facts: DrillFacts,
  run: RunbookRun,
  seams: DrillSeams,
): Promise<void> {
  await declare(provider, req, facts, run);
  const target = req.recoveryRegion === provider.region ? provider : provider.forRegion(req.recoveryRegion);
  await findBackup(ctx, provider, target, req, facts, run);
  if (ctx.flags.dryRun) {
    for (const s of DR_DRILL.steps.slice(2)) run.skip(s.id, 'dry run');
    return;
  }
  const tmp = facts.temporary!;
  const pending = await startRestore(ctx, target, facts, run, req.keep);
  await run.step('DR-4', async (s) => {
    const ready = await target.waitForInstance(tmp.instanceId, 'available', {
      maxWaitSeconds: Math.max(ctx.config.aws.maxWaitMinutes * 60, req.rtoHours * 3600),
      signal: ctx.signal,
      onProgress: (status) => s.update(status),
    });
    if (ready?.endpoint) tmp.endpoint = `${ready.endpoint.host}:${ready.endpoint.port}`;
    s.detail(`${tmp.instanceId} available in ${tmp.region}${tmp.endpoint ? ` at ${tmp.endpoint}` : ''}`);
  });
  let recoveryId = tmp.instanceId;
  if (req.scenario === 'replica') {
    recoveryId = await replicaSteps(ctx, target, facts, run);
  } else {
    run.skip('DR-5', `${req.scenario} scenario: no replica`);
    run.skip('DR-6', `${req.scenario} scenario: no failover`);
  }
  await verify(ctx, provider, target, recoveryId, req, facts, run, seams);
  if (req.keep) {
    run.skip('DR-17', `--keep: ${tmp.instanceId} stays in ${tmp.region} until you delete it (expires-at ${tmp.expiresAt})`);
    return;
  }
  await run.step('DR-17', async (s) => {
    if (facts.replicaId) await removeTemporary(ctx, target, facts.replicaId, run.runId, Promise.resolve(), s);
    await removeTemporary(ctx, target, tmp.instanceId, run.runId, pending.call, s);
    pending.forget();
    tmp.deleted = true;
    s.detail(`${[facts.replicaId, tmp.instanceId].filter(Boolean).join(', ')} deleted in ${tmp.region} (no final snapshot)`);
  });
}

/** DR-7 .. DR-16: the checks against the source, the write probe, the manual steps. */
async function verify(
  ctx: Context,
  provider: Provider,
  target: Provider,
  recoveryId: string,
  req: DrillRequest,
  facts: DrillFacts,
  run: RunbookRun,
  seams: DrillSeams,
): Promise<void> {
  const session = await connectStep(ctx, provider, target, recoveryId, req, facts, run, seams);
  await runChecks(session.session, run, facts.checks, {
    integrity: 'DR-8',
    schema: 'DR-9',
    counts: 'DR-10',
    freshness: 'DR-11',
    pgvector: 'DR-12',
    performance: 'DR-13',
  });
  await run.step('DR-14', async (s) => {
    s.detail(await session.session.onRestore((db) => proveWrites(db, run.runId, engineFor(facts.source?.engine))));
    facts.recoveredAt = ctx.clock.now();
  });
  await session.session.close();
  session.forget();
  await manualSteps(ctx, req, facts, run, seams);
}

/**
 * An Aurora source: DR-1 and DR-2 on the cluster (its cluster snapshots, its copies in the
 * DR region, its restorable window), DR-18 the temporary cluster, DR-19 its writer, the
 * same checks and write probe on the writer, DR-20 the writer deleted, then the cluster.
 */
async function clusterSteps(
  ctx: Context,
  provider: Provider,
  clusters: ClusterApi,
  req: DrillRequest,
  facts: DrillFacts,
  run: RunbookRun,
  seams: DrillSeams,
): Promise<void> {
  const view = clusterView(provider);
  await declare(view, req, facts, run, true);
  const target = req.recoveryRegion === provider.region ? provider : provider.forRegion(req.recoveryRegion);
  await findBackup(ctx, view, clusterView(target), req, facts, run, true);
  if (ctx.flags.dryRun) {
    for (const s of DR_DRILL_CLUSTER.steps.slice(2)) run.skip(s.id, 'dry run');
    return;
  }
  const tmp = { ...facts.temporary!, clusterId: facts.temporary!.clusterId! };
  facts.temporary = tmp;
  const source = await clusters.describeCluster(req.sourceId);
  const rec = { clusters: target.clusters ?? clusters, source, serverless: recoveryCapacity(source, serverlessCapacity(ctx.config)) };
  const maxWaitSeconds = Math.max(ctx.config.aws.maxWaitMinutes * 60, req.rtoHours * 3600);
  if (req.keep) {
    tmp.kept = true;
    tmp.connectCommand = `dbops psql ${tmp.instanceId} --region ${tmp.region}`;
    tmp.removeCommand = `dbops instances delete ${tmp.instanceId} --region ${tmp.region} --yes --skip-final-snapshot, then aws rds delete-db-cluster --region ${tmp.region} --db-cluster-identifier ${tmp.clusterId} --skip-final-snapshot`;
  }
  const pending = await restoreClusterStep(ctx, rec, facts.backup!, tmp, run, 'DR-18', { maxWaitSeconds, where: tmp.region });
  await run.step('DR-19', async (s) => {
    await addWriter(ctx, target, rec, tmp, pending, run, s, { maxWaitSeconds, where: tmp.region });
    s.detail(`${tmp.instanceId} (${WRITER_CLASS}) available in ${tmp.region}${tmp.endpoint ? ` at ${tmp.endpoint}` : ''}`);
  });
  await verify(ctx, provider, target, tmp.instanceId, req, facts, run, seams);
  if (req.keep) {
    run.skip(
      'DR-20',
      `--keep: ${tmp.instanceId} and ${tmp.clusterId} stay in ${tmp.region} until you delete them (expires-at ${tmp.expiresAt})`,
    );
    return;
  }
  await run.step('DR-20', (s) => removeClusterRecovery(ctx, target, rec, tmp, pending, run.runId, s));
}

/**
 * A mysql source: the region scenario recovers from snapshots like PostgreSQL's; a local
 * mysql instance keeps no binary-log archive (no point-in-time recovery) and no replicas.
 */
function refuseMysqlScenario(provider: Provider, source: Instance, scenario: DrillRequest['scenario']): void {
  if (source.engine !== 'mysql' || scenario === 'region') return;
  if (scenario === 'instance' && provider.name !== 'local') return;
  const why =
    scenario === 'instance'
      ? 'a local mysql instance (MariaDB standing in for MySQL 8.0) keeps no binary-log archive, so it has no point in time to recover to'
      : 'dbops drills no replica failover of a mysql instance';
  throw new UsageError(`The ${scenario} scenario cannot be drilled on ${source.id}: ${why}.`, {
    hint: `Drill --scenario region (it recovers ${source.id} from its newest snapshot copied to the recovery region).`,
  });
}

/** DR-1: T0, the scenario, the source (described, never changed). */
async function declare(provider: Provider, req: DrillRequest, facts: DrillFacts, run: RunbookRun, cluster = false): Promise<void> {
  await run.step('DR-1', async (s) => {
    const source = await provider.describeInstance(req.sourceId);
    refuseMysqlScenario(provider, source, req.scenario);
    if (cluster && req.scenario === 'replica') {
      throw new UsageError(
        `The replica scenario cannot be drilled on the Aurora cluster ${source.id}: its readers share the cluster's storage, and it fails over to one of them with \`dbops failover\`.`,
        { hint: `Drill --scenario region or --scenario instance (they recover ${source.id} into a temporary cluster).` },
      );
    }
    facts.source = source;
    const where =
      req.scenario === 'region'
        ? `${req.primaryRegion} is lost: recover ${source.id} in ${req.recoveryRegion}`
        : req.scenario === 'instance'
          ? `${source.id} is lost: recover it to its latest restorable time in ${req.recoveryRegion}`
          : `the primary ${source.id} fails: a throwaway copy of the topology fails over`;
    s.detail(
      `T0 ${req.t0.toISOString()}${req.detected ? ' (--detected-at)' : ''}; ${where}; RTO ${req.rtoHours} h, RPO ${req.rpoHours} h${req.participants.length ? `; participants: ${req.participants.join(', ')}` : ''}`,
    );
  });
}

/** The finding of a region without a copy, with its fix. */
export function noCopyFinding(drRegion: string, sourceId: string, newestLocal?: string): CheckFailed {
  return new CheckFailed(`no copy in ${drRegion}: a regional disaster today loses everything`, {
    hint: newestLocal
      ? `Copy the newest snapshot there now: dbops snapshot copy ${newestLocal} --to-region ${drRegion}; and keep the weekly copies running (dbops snapshot run-policy).`
      : `Take a snapshot of ${sourceId} (dbops snapshot create --wait), copy it with dbops snapshot copy <id> --to-region ${drRegion}, and keep the weekly copies running (dbops snapshot run-policy).`,
  });
}

/** DR-2: the backup the scenario recovers from. */
async function findBackup(
  ctx: Context,
  provider: Provider,
  target: Provider,
  req: DrillRequest,
  facts: DrillFacts,
  run: RunbookRun,
  cluster = false,
): Promise<void> {
  await run.step('DR-2', async (s) => {
    const source = facts.source!;
    const now = ctx.clock.now();
    let backup: BackupChoice;
    let drSource: DrillBackup['source'];
    if (req.scenario === 'region') {
      // Replicated automated backups reach minutes before the disaster; the newest copy only its own time.
      // Replicated automated backups are an instance's (an Aurora cluster's DR copies are its cluster snapshots).
      const replicated = cluster ? undefined : await target.findReplicatedBackups?.(source.id);
      if (replicated?.latestRestorableTime) {
        backup = {
          kind: 'point-in-time',
          time: 'latest',
          latestRestorableTime: replicated.latestRestorableTime.toISOString(),
          replicated: { id: replicated.id, sourceRegion: replicated.sourceRegion },
        };
        drSource = 'replicated-automated-backups';
      } else {
        const copy = newestAvailable(await target.listSnapshots({ instanceId: source.id, type: 'all' }));
        if (!copy) {
          facts.noDrCopy = true;
          const local = newestAvailable(await provider.listSnapshots({ instanceId: source.id, type: 'all' }));
          throw noCopyFinding(target.region, source.id, local?.id);
        }
        backup = await chooseBackup(target, { kind: 'snapshot', snapshotId: copy.id }, source, now);
        drSource = 'newest-copy';
      }
    } else if (req.scenario === 'instance') {
      if (source.backupRetentionDays === 0) {
        throw new UsageError(
          `Instance ${source.id} has automated backups off (retention 0 days): there is no point in time to recover to.`,
          {
            hint: 'Turn automated backups on (database.backupRetentionDays, then `dbops provision apply`), or drill --scenario region / replica, which recover from snapshots.',
          },
        );
      }
      backup = {
        kind: 'point-in-time',
        time: 'latest',
        ...(source.latestRestorableTime ? { latestRestorableTime: source.latestRestorableTime.toISOString() } : {}),
      };
    } else {
      backup = await chooseBackup(provider, { kind: 'newest-snapshot' }, source, now);
    }
    facts.backup = { ...backup, region: target.region, ...(drSource ? { source: drSource } : {}) };
    // An Aurora source: the temporary cluster takes the name, its db.serverless writer the name with -w.
    const instanceId = drillInstanceId(source.id, run.runId, cluster ? '-w' : '');
    const clusterId = cluster ? drillInstanceId(source.id, run.runId) : undefined;
    const expires = expiry(now, req.checks.expiresAfterHours);
    const dr = req.scenario === 'region';
    const subnetGroup = dr ? req.drSubnetGroup : source.subnetGroup;
    facts.temporary = {
      instanceId,
      ...(clusterId ? { clusterId } : {}),
      region: target.region,
      instanceClass: cluster ? WRITER_CLASS : req.checks.instanceClass,
      tags: drillTags(run.runId, source.id, expires, backup.kind === 'snapshot' ? backup.snapshotId : undefined),
      expiresAt: isoSeconds(expires),
      publiclyAccessible: false,
      ...(subnetGroup ? { subnetGroup } : {}),
      securityGroups: dr ? [...req.drSecurityGroupIds] : [...source.vpcSecurityGroupIds],
      // A parameter group is regional: the DR region's copy keeps its engine's default.
      ...(!dr && source.parameterGroup ? { parameterGroup: source.parameterGroup } : {}),
      created: false,
      deleted: false,
      kept: false,
    };
    const why =
      drSource === 'replicated-automated-backups'
        ? ' (replicated automated backups: preferred over the newest copy)'
        : drSource === 'newest-copy'
          ? ' (the newest copy: no replicated automated backups there)'
          : '';
    s.detail(
      `${describeBackup(backup, now)} in ${target.region}${why} -> ${clusterId ? `cluster ${clusterId}, writer ` : ''}${instanceId}`,
    );
  });
}

interface Pending {
  call: Promise<Instance>;
  forget: () => void;
}

/** DR-3: the restore, its cleanup registered before it is sent. */
async function startRestore(ctx: Context, target: Provider, facts: DrillFacts, run: RunbookRun, keep: boolean): Promise<Pending> {
  const tmp = facts.temporary!;
  let pending: Pending | undefined;
  await run.step('DR-3', async (s) => {
    const call = sendRestore(target, facts.backup!, facts.source!, tmp);
    call.catch(() => undefined);
    const forget = run.addCleanup(`delete recovery instance ${tmp.instanceId} (${tmp.region})`, async () => {
      if (await removeTemporary(ctx, target, tmp.instanceId, run.runId, call, undefined)) tmp.deleted = true;
    });
    pending = { call, forget };
    if (keep) {
      tmp.kept = true;
      tmp.connectCommand = `dbops psql ${tmp.instanceId} --region ${tmp.region}`;
      tmp.removeCommand = `dbops instances delete ${tmp.instanceId} --region ${tmp.region} --yes --skip-final-snapshot`;
    }
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

/** DR-5 and DR-6: a throwaway replica of the recovery, then the failover machinery on that copy. */
async function replicaSteps(ctx: Context, target: Provider, facts: DrillFacts, run: RunbookRun): Promise<string> {
  const { drillFailover } = await import('./replica.js');
  return drillFailover(ctx, target, facts, run);
}

/** DR-7: connections; the source read only, or "could not verify" when it cannot be reached. */
async function connectStep(
  ctx: Context,
  provider: Provider,
  target: Provider,
  recoveryId: string,
  req: DrillRequest,
  facts: DrillFacts,
  run: RunbookRun,
  seams: DrillSeams,
): Promise<{ session: CheckSession; forget: () => void }> {
  let opened: { session: CheckSession; forget: () => void } | undefined;
  await checkStep(run, 'DR-7', 'server', facts.checks, async () => {
    const source = await provider.connectionInfo(facts.source!.id);
    const info = await target.connectionInfo(recoveryId);
    const recovery: ConnectionInfo = info.password ? info : { ...info, ...(source.password ? { password: source.password } : {}) };
    const why = seams.openChecks ? undefined : await unreachable(source, ctx);
    if (why) {
      facts.sourceUnreachable = why;
      ctx.out.warn(`The source ${facts.source!.id} cannot be reached (${why}): every comparison with it is "could not verify".`);
    }
    const settings = await checkSettings({ ...req.checks, rpoHours: req.rpoHours }, source.engine);
    const open = seams.openChecks ?? openCheckSession;
    const t = backupTime(facts.backup!);
    const session = await open(
      {
        restore: recovery,
        ...(why ? {} : { source }),
        concurrency: req.checks.concurrency,
        warn: (m) => ctx.out.warn(m),
        signal: ctx.signal,
      },
      { reference: req.t0, ...(t ? { time: t } : {}) },
      settings,
    );
    const forget = run.addCleanup('close the database connections', () => session.close(), { keepable: false });
    opened = { session, forget };
    facts.commitTimestamp = await session.onRestore(newestCommit).catch(() => undefined);
    return session.server();
  });
  return opened!;
}

/** Whether the source answers (one connection, closed at once); the reason when it does not. */
async function unreachable(source: ConnectionInfo, ctx: Context): Promise<string | undefined> {
  try {
    const db = await engineFor(source.engine).connect(source, {
      applicationName: 'dbops dr-drill (reachability)',
      warn: (m) => ctx.out.warn(m),
    });
    await db.close();
    return undefined;
  } catch (e) {
    return messageOf(e);
  }
}

/** The newest commit timestamp in the recovery, when track_commit_timestamp is on (before dbops writes anything there). */
async function newestCommit(db: Queryable): Promise<Date | undefined> {
  const on = await db.query<{ on: string }>(`SELECT current_setting('track_commit_timestamp') AS on`);
  if (on.rows[0]?.on !== 'on') return undefined;
  const r = await db.query<{ ts: Date | null }>('SELECT (pg_last_committed_xact()).timestamp AS ts');
  return r.rows[0]?.ts ? new Date(r.rows[0].ts) : undefined;
}

/**
 * DR-14: the recovery accepts writes: the engine's probe table created, a row written and
 * read back, dropped. A server that refuses the write (read only, still in recovery) fails the check.
 */
async function proveWrites(db: Queryable, runId: string, api: EngineApi): Promise<string> {
  const table = `dbops_drill_probe_${runId.replace(/[^a-z0-9]/g, '')}`;
  const probe = api.probeSql(table);
  const t0 = performance.now();
  try {
    try {
      for (const sql of probe.create) await db.query(sql);
      await db.query(probe.insert, [1]);
    } catch (e) {
      throw new CheckFailed(`The recovery does not accept writes: ${messageOf(e)}`, {
        hint: 'Promote it or make it writable (runbooks/dr-drill.md DR-6), then write again.',
      });
    }
    const back = await db.query<{ seq: number | string }>(probe.readBack);
    if (back.rows.length !== 1 || Number(back.rows[0]!.seq) !== 1)
      throw new CheckFailed('A row written to the recovery could not be read back.');
  } finally {
    await db.query(probe.drop).catch(() => undefined);
  }
  return `accepts writes: created dbops.${table}, wrote and read back 1 row, dropped it (${Math.round(performance.now() - t0)} ms)`;
}

/** DR-15, DR-16: shown, timed and closed on a game day; "not exercised" without a terminal. */
async function manualSteps(ctx: Context, req: DrillRequest, facts: DrillFacts, run: RunbookRun, seams: DrillSeams): Promise<void> {
  const gameDay = req.interactive && (ctx.out.interactive || seams.closeManualStep !== undefined);
  for (const id of MANUAL_STEPS) {
    const def = DR_DRILL.steps.find((s) => s.id === id)!;
    if (!gameDay) {
      run.skip(
        id,
        req.interactive
          ? 'not exercised: no terminal to ask on (the RTO covers the automated part only)'
          : 'not exercised: no --interactive (the RTO covers the automated part only)',
      );
      continue;
    }
    const close = seams.closeManualStep ?? askOperator;
    await run.step(id, async (s: StepHandle) => {
      const answer = await close({ id, title: def.title, text: manualText(id, facts) });
      facts.manual.set(id, answer);
      s.detail(`${answer.outcome}${answer.note ? `: ${answer.note}` : ''}`);
      if (answer.outcome === 'failed')
        throw new CheckFailed(`Manual step ${id} failed: ${answer.note || def.title}.`, {
          hint: `runbooks/dr-drill.md ${id}: fix what stopped it, and drill again.`,
        });
    });
    facts.recoveredAt = ctx.clock.now();
  }
}

function manualText(id: string, facts: DrillFacts): string {
  const tmp = facts.temporary;
  if (id === 'DR-15')
    return `Point the application at the recovered database: ${tmp?.instanceId ?? '(recovery)'}${tmp?.endpoint ? ` at ${tmp.endpoint}` : ''} in ${tmp?.region ?? ''}. Watch it serve requests.`;
  return 'Tell the stakeholders the incident plan names that the database is recovered, and how much data was lost.';
}

/** The default game-day prompt on the terminal (stderr). */
async function askOperator(step: ManualStepPrompt): Promise<{ outcome: ManualOutcome; note: string }> {
  const { select, input } = await import('@inquirer/prompts');
  process.stderr.write(`\n[${step.id}] ${step.title} (manual)\n  ${step.text}\n`);
  const outcome = await select<ManualOutcome>(
    {
      message: `${step.id}: how did it go?`,
      choices: [
        { value: 'done', name: 'done' },
        { value: 'failed', name: 'failed' },
        { value: 'skipped', name: 'skipped' },
      ],
    },
    { output: process.stderr },
  );
  const note = await input({ message: `${step.id}: note (what happened, who did it)` }, { output: process.stderr });
  return { outcome, note };
}

/** The exit code of a drill: 0 passed, 1 failed, else the error's. */
export function exitCodeOf(o: DrillOutcome): number {
  if (o.record.verdict === 'passed' || o.record.verdict === 'dry-run') return ExitCode.ok;
  if (o.record.verdict === 'failed') return ExitCode.checksFailed;
  return isDbopsError(o.error) ? o.error.exitCode : o.error instanceof Interrupted ? ExitCode.interrupted : ExitCode.environment;
}
