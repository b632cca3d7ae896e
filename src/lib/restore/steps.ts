/**
 * The pieces of a recovery that `dbops restore-test` and `dbops dr-drill` share: send the
 * restore (snapshot or point in time) with its placement and tags, remove the temporary
 * instance it created (only when it carries the run's id), and run the data-plane checks
 * as runbook steps, each failed check recorded while the run goes on. The step ids are the
 * caller's (RT-n or DR-n); the checks are the same.
 */
import { join } from 'node:path';
import { loadQueryFiles } from '../checks/performance.js';
import { engineFor } from '../engines/index.js';
import type { CheckSession, CheckSettings } from '../checks/session.js';
import { connectionLost, isConnectionLost, isStatementError, sqlMessage, sqlState } from '../checks/sql-errors.js';
import type { CheckId, CheckResult } from '../checks/types.js';
import type { Context } from '../context.js';
import { CheckFailed, EnvironmentError, isPortError, NotFoundError } from '../errors.js';
import type { Engine, Instance, Provider, WaitOptions } from '../providers/types.js';
import { TAG } from '../providers/types.js';
import type { RunbookRun, StepHandle } from '../runbook/runner.js';
import type { BackupChoice } from './backup.js';
import type { RestoreTestRequest } from './settings.js';
import type { StepCheck, TemporaryInstance } from './types.js';

/** Sends the restore of `backup` into `tmp` (its placement, no public access, its tags). */
export function sendRestore(
  provider: Provider,
  backup: BackupChoice,
  source: Pick<Instance, 'id'>,
  tmp: TemporaryInstance,
): Promise<Instance> {
  const placement = {
    instanceId: tmp.instanceId,
    instanceClass: tmp.instanceClass,
    ...(tmp.subnetGroup ? { subnetGroup: tmp.subnetGroup } : {}),
    ...(tmp.securityGroups.length > 0 ? { vpcSecurityGroupIds: tmp.securityGroups } : {}),
    ...(tmp.parameterGroup ? { parameterGroup: tmp.parameterGroup } : {}),
    publiclyAccessible: false,
    tags: tmp.tags,
  };
  if (backup.kind === 'snapshot') return provider.restoreFromSnapshot({ snapshotId: backup.snapshotId, multiAz: false, ...placement });
  return provider.restoreToPointInTime({
    sourceInstanceId: source.id,
    ...(backup.replicated ? { sourceAutomatedBackupsId: backup.replicated.id } : {}),
    time: backup.time === 'latest' ? 'latest' : new Date(backup.time),
    ...placement,
  });
}

/** A snapshot the provider finds corrupt is a restore that failed: the run could not run (exit 3). */
export function restoreFailed(e: unknown): unknown {
  if (e instanceof CheckFailed) return new EnvironmentError(e.message, { hint: e.hint, cause: e, details: e.details });
  return e;
}

/** What removing a temporary resource needs: find it, delete it (no final snapshot), wait for it. */
export interface TemporaryResource {
  /** "Instance" or "Cluster", for the warning about a resource this run did not create. */
  noun: string;
  id: string;
  find(): Promise<{ status: string; tags: Record<string, string> } | undefined>;
  delete(): Promise<unknown>;
  waitFor(target: 'available' | 'deleted', opts: WaitOptions): Promise<unknown>;
}

/**
 * Deletes a temporary instance or cluster: waits for the create call to land first, deletes
 * only what carries this run's id, without a final snapshot, and waits until it is gone.
 */
export async function removeOwned(
  ctx: Context,
  r: TemporaryResource,
  runId: string,
  call: Promise<unknown>,
  step: StepHandle | undefined,
): Promise<boolean> {
  await call.catch(() => undefined);
  const found = await r.find();
  if (!found) return false;
  if (found.tags[TAG.runId] !== runId) {
    // Not created by this run (a name clash): never delete what this run did not create.
    ctx.out.warn(`${r.noun} ${r.id} does not carry ${TAG.runId}=${runId}: this run did not create it and leaves it alone.`);
    return false;
  }
  const wait = {
    maxWaitSeconds: ctx.config.aws.maxWaitMinutes * 60,
    ...(step ? { signal: step.signal, onProgress: (st: string) => step.update(st) } : {}),
  };
  if (found.status !== 'deleting') {
    try {
      await r.delete();
    } catch (e) {
      if (!(e instanceof NotFoundError)) {
        // The cloud refuses to delete in some transitional states (still being restored): wait for it to settle, then again.
        if (!isPortError(e, 'state-conflict')) throw e;
        await r.waitFor('available', { maxWaitSeconds: wait.maxWaitSeconds }).catch(() => undefined);
        await r.delete();
      }
    }
  }
  await r.waitFor('deleted', wait);
  return true;
}

/** removeOwned for a temporary instance. */
export function removeTemporary(
  ctx: Context,
  provider: Provider,
  id: string,
  runId: string,
  call: Promise<unknown>,
  step: StepHandle | undefined,
): Promise<boolean> {
  const instance: TemporaryResource = {
    noun: 'Instance',
    id,
    find: () => provider.findInstance(id),
    delete: () => provider.deleteInstance(id, { skipFinalSnapshot: true }),
    waitFor: (target, opts) => provider.waitForInstance(id, target, opts),
  };
  return removeOwned(ctx, instance, runId, call, step);
}

/** A step's checks failed: recorded already; the run goes on with the next step. */
class StepChecksFailed extends CheckFailed {}

/**
 * A check that meets an SQL error the server sent ("invalid page in block 5", "could not
 * read block") has found damage: that is a failed check (exit 1), and the other checks
 * still run. Lost connections and dbops' own bugs are not caught here.
 */
async function asFinding(
  step: string,
  checkId: CheckId,
  title: string,
  work: Promise<CheckResult | CheckResult[]>,
): Promise<CheckResult | CheckResult[]> {
  try {
    return await work;
  } catch (e) {
    // The server died or the connection broke between the checks' own guarded queries: exit 3, not a bug.
    if (isConnectionLost(e)) throw connectionLost(e, `running ${step} (${title})`);
    if (!isStatementError(e)) throw e;
    return {
      id: checkId,
      title,
      status: 'failed',
      summary: `${title} could not finish: the restore answered ${sqlState(e)} ${sqlMessage(e)}.`,
      evidence: [`${step}: ${sqlMessage(e)}`],
      hint: 'The restored data looks damaged: see the integrity check, and run it on the source to learn whether production is damaged too.',
    };
  }
}

/**
 * Runs one step whose outcome is check results, appended to `sink` with the step id;
 * failed checks mark the step failed but the run goes on.
 */
export async function checkStep(
  run: RunbookRun,
  id: string,
  checkId: CheckId,
  sink: StepCheck[],
  fn: (s: StepHandle) => Promise<CheckResult | CheckResult[]>,
): Promise<void> {
  const title = run.def.steps.find((st) => st.id === id)?.title ?? id;
  try {
    await run.step(id, async (s) => {
      const results = [await asFinding(id, checkId, title, fn(s))].flat();
      sink.push(...results.map((r) => ({ ...r, step: id })));
      s.detail(results.map((r) => (r.status === 'passed' ? r.summary : `${r.status}: ${r.summary}`)).join(' '));
      const failed = results.filter((r) => r.status === 'failed');
      if (failed.length > 0) throw new StepChecksFailed(failed.map((r) => r.summary).join(' '), { hint: failed[0]!.hint });
    });
  } catch (e) {
    if (e instanceof StepChecksFailed) return;
    throw e;
  }
}

/** The check settings of a request: thresholds, and the check queries (files + config). */
export async function checkSettings(
  req: Pick<RestoreTestRequest, 'queriesDir' | 'configQueries' | 'heapallindexed' | 'countTolerance' | 'rpoHours' | 'performance'>,
  /** The source's engine (absent: PostgreSQL). */
  engine: Engine | undefined,
): Promise<CheckSettings> {
  // The engine's own queries: PostgreSQL's are the directory's *.sql files, MySQL's those of its mysql/ subdirectory.
  const dir = checkQueriesDir(req.queriesDir, engine);
  const files = await loadQueryFiles(dir);
  const fromConfig = req.configQueries.map((q) => ({ name: q.name, sql: q.sql, origin: 'config' }));
  return {
    heapallindexed: req.heapallindexed,
    countTolerance: req.countTolerance,
    rpoHours: req.rpoHours,
    performance: req.performance,
    queries: [...files, ...fromConfig],
    querySources: [dir, ...(fromConfig.length ? ['restoreTest.performance.queries'] : [])],
  };
}

/** Where the engine's check queries are: the directory itself, or its engine subdirectory ("<dir>/mysql/"). */
export function checkQueriesDir(queriesDir: string, engine: Engine | undefined): string {
  const sub = engineFor(engine).checkQueriesSubdir;
  return sub ? `${join(queriesDir, sub)}/` : queriesDir;
}

/** The step ids the data-plane checks after the server check run in (RT-5..RT-10, DR-8..DR-13). */
export interface CheckStepIds {
  integrity: string;
  schema: string;
  counts: string;
  freshness: string;
  pgvector: string;
  performance: string;
}

/** Integrity, schema, counts, freshness, pgvector, performance: one step each. */
export async function runChecks(session: CheckSession, run: RunbookRun, sink: StepCheck[], ids: CheckStepIds): Promise<void> {
  await checkStep(run, ids.integrity, 'amcheck', sink, (s) => session.integrity((t) => s.update(t)));
  await checkStep(run, ids.schema, 'schema', sink, () => session.schema());
  await checkStep(run, ids.counts, 'row-counts', sink, (s) => session.counts((t) => s.update(t)));
  await checkStep(run, ids.freshness, 'rpo', sink, () => session.freshness());
  await checkStep(run, ids.pgvector, 'pgvector', sink, () => session.pgvector());
  await checkStep(run, ids.performance, 'performance', sink, (s) => session.performance((t) => s.update(t)));
}
