/**
 * `dbops snapshot run-policy`: the weekly cron job of the seeds' backup policy in one
 * command, following runbooks/snapshots.md (SN-1..SN-7): snapshot, wait, copy to the DR
 * region, wait, prune both regions. Rerun after a failure, it picks up where it stopped:
 * a policy snapshot younger than RESUME_WINDOW_HOURS is reused (waited for if still
 * creating) instead of taking another, an existing copy in the DR region likewise, and
 * pruning is idempotent. The report says each step's outcome and duration.
 */
import { snapshotProvider } from './database.js';
import type { Context } from '../context.js';
import { EnvironmentError } from '../errors.js';
import { formatAge } from '../output/format.js';
import type { Instance, Provider, Snapshot } from '../providers/types.js';
import { type RunReport, type RunbookRun, runRunbook } from '../runbook/runner.js';
import { copyKey, describeCopyKey, policyRegions } from './checks.js';
import { prepareCopy, requestCopy } from './copy.js';
import { type PrunePlan, RESUME_WINDOW_HOURS, planPrune, resumableSnapshot } from './policy.js';
import { executeDeletes, failuresError, refusalError, retentionPolicy } from './prune.js';
import { SNAPSHOT_POLICY } from './runbooks.js';
import { manualSnapshotId, manualSnapshotTags, waitAvailable } from './snapshots.js';

export interface PrunedRegion {
  region: string;
  deleted: string[];
  kept: number;
}

export interface RunPolicyResult {
  dryRun: boolean;
  instanceId: string;
  sourceRegion: string;
  drRegion?: string;
  /** The week's snapshot, and whether an earlier run had made it. */
  snapshot?: { id: string; reused: boolean; status: string };
  copy?: { id: string; region: string; reused: boolean; status: string };
  pruned: PrunedRegion[];
  report: RunReport;
}

/** What a fleet run adds (src/lib/fleet/quotas.ts): the account's quotas, respected rather than failed on. */
export interface PolicyLimits {
  /** Before a snapshot or a copy is created in a region: counts it against the manual snapshot quota there (throws to refuse). */
  beforeSnapshot?(provider: Provider, what: string): Promise<void>;
  /** A slot among the copies in flight into `region` (at most 5), held from the request until the copy is available. */
  copySlot?(region: string): Promise<() => void>;
}

interface Plan {
  instance: Instance;
  drRegion?: string;
  resume?: Snapshot;
}

const DRY_RUN = 'dry run';

/** SN-1: regions, instance, KMS key, and whether an earlier run's snapshot can be reused. */
async function check(ctx: Context, provider: Provider, instanceId: string, run: RunbookRun): Promise<Plan> {
  return run.step('SN-1', async (s) => {
    const { dr } = policyRegions(ctx.config);
    const instance = await provider.describeInstance(instanceId);
    const snaps = await provider.listSnapshots({ instanceId, type: 'all' });
    // Fail before snapshotting when the configured key cannot encrypt copies in the DR region.
    if (dr) copyKey(undefined, ctx.config.snapshots.crossRegion.kmsKeyId, dr);
    const now = ctx.clock.now();
    const resume = resumableSnapshot(snaps, instanceId, now);
    if (!resume && instance.status !== 'available') {
      throw new EnvironmentError(`Instance ${instanceId} is ${instance.status}; a snapshot needs it available.`, {
        hint: 'Wait until it is available (`dbops status`), then run the policy again.',
      });
    }
    const resumeText = resume
      ? `resuming with ${resume.id} (${formatAge(resume.createdAt, now)} old, ${resume.status})`
      : `no policy snapshot in the last ${RESUME_WINDOW_HOURS} h: taking a new one`;
    s.detail(`${instanceId} in ${provider.region}${dr ? `, copies to ${dr}` : ', cross-region copies off'}; ${resumeText}`);
    return { instance, drRegion: dr, resume };
  });
}

/** SN-2 and SN-3: this week's snapshot, new or reused, available. */
async function snapshotSteps(ctx: Context, provider: Provider, plan: Plan, run: RunbookRun, limits: PolicyLimits): Promise<Snapshot> {
  let id: string;
  if (plan.resume) {
    id = plan.resume.id;
    run.skip('SN-2', `reusing ${id}, taken ${formatAge(plan.resume.createdAt, ctx.clock.now())} ago (less than ${RESUME_WINDOW_HOURS} h)`);
  } else {
    id = manualSnapshotId(plan.instance.id, ctx.clock.now());
    await run.step('SN-2', async (s) => {
      await limits.beforeSnapshot?.(provider, `snapshot ${id}`);
      const created = await provider.createSnapshot({
        instanceId: plan.instance.id,
        snapshotId: id,
        tags: manualSnapshotTags(plan.instance.id, run.runId),
      });
      s.detail(`${id}: ${created.status}`);
    });
  }
  return run.step('SN-3', async (s) => {
    const ready = await waitAvailable(ctx, provider, id, (t) => s.update(t));
    s.detail(`${id} available`);
    return ready;
  });
}

/** SN-4 and SN-5: the copy in the DR region, new or reused, available. */
async function copySteps(
  ctx: Context,
  provider: Provider,
  source: Snapshot,
  dr: string,
  run: RunbookRun,
  limits: PolicyLimits,
): Promise<NonNullable<RunPolicyResult['copy']>> {
  let release: (() => void) | undefined;
  try {
    return await copyAndWait(ctx, provider, source, dr, run, limits, (r) => {
      release = r;
    });
  } finally {
    release?.();
  }
}

async function copyAndWait(
  ctx: Context,
  provider: Provider,
  source: Snapshot,
  dr: string,
  run: RunbookRun,
  limits: PolicyLimits,
  holding: (release: () => void) => void,
): Promise<NonNullable<RunPolicyResult['copy']>> {
  const prepared = await run.step('SN-4', async (s) => {
    const p = await prepareCopy(ctx, provider, source, dr);
    if (p.existing) {
      s.detail(`${p.existing.id} already in ${dr} (${p.existing.status}): reused`);
    } else {
      if (limits.copySlot) {
        s.update(`waiting for one of the ${dr} copy slots (at most 5 copies in flight)`);
        holding(await limits.copySlot(dr));
      }
      await limits.beforeSnapshot?.(p.target, `copy ${p.targetSnapshotId}`);
      const copy = await requestCopy(provider, source, p, run.runId);
      s.detail(`${copy.id} requested in ${dr} (${copy.status})${p.kmsKey ? `, ${describeCopyKey(p.kmsKey, dr)}` : ''}`);
    }
    return p;
  });
  const ready = await run.step('SN-5', async (s) => {
    const copy = await waitAvailable(ctx, prepared.target, prepared.targetSnapshotId, (t) => s.update(t));
    s.detail(`${copy.id} available in ${dr}`);
    return copy;
  });
  return { id: ready.id, region: dr, reused: prepared.existing !== undefined, status: ready.status };
}

/** SN-6 / SN-7: the retention policy in one region, for this instance. */
async function pruneStep(
  ctx: Context,
  provider: Provider,
  instanceId: string,
  region: string,
  id: 'SN-6' | 'SN-7',
  run: RunbookRun,
): Promise<PrunedRegion> {
  return run.step(id, async (s) => {
    const snaps = await provider.forRegion(region).listSnapshots({ instanceId, type: 'all' });
    const plan: PrunePlan = planPrune(snaps, retentionPolicy(ctx), ctx.clock.now());
    const refused = refusalError(plan);
    if (refused) throw refused;
    const { deleted, failed } = await executeDeletes(provider, plan.deletes);
    const failure = failuresError(failed);
    if (failure) throw failure;
    const kept = plan.decisions.length - deleted.length;
    s.detail(
      deleted.length === 0
        ? `nothing past retention in ${region} (${kept} kept)`
        : `deleted ${deleted.map((d) => d.id).join(', ')} (${kept} kept)`,
    );
    return { region, deleted: deleted.map((d) => d.id), kept };
  });
}

/** One question before anything happens (cron passes --yes; without a TTY and --yes it refuses, exit 2). */
async function confirmRun(ctx: Context, instanceId: string): Promise<boolean> {
  if (ctx.flags.dryRun) return true;
  const cr = ctx.config.snapshots.crossRegion;
  const where = cr.enabled ? `${ctx.config.region} and ${cr.region}` : ctx.config.region;
  return ctx.prompt.confirm(
    `Run the snapshot policy on ${instanceId}: snapshot${cr.enabled ? `, copy to ${cr.region}` : ''}, and delete dbops snapshots past retention in ${where}?`,
  );
}

export async function runSnapshotPolicy(ctx: Context, input: { instanceId: string }, limits: PolicyLimits = {}): Promise<RunPolicyResult> {
  const provider = await snapshotProvider(ctx, input.instanceId);
  const confirmed = await confirmRun(ctx, input.instanceId);
  const { value, report } = await runRunbook(SNAPSHOT_POLICY, { out: ctx.out, clock: ctx.clock, signal: ctx.signal }, async (run) => {
    const plan = await check(ctx, provider, input.instanceId, run);
    const base = { instanceId: input.instanceId, sourceRegion: provider.region, drRegion: plan.drRegion, pruned: [] as PrunedRegion[] };
    if (ctx.flags.dryRun || !confirmed) {
      for (const id of ['SN-2', 'SN-3', 'SN-4', 'SN-5', 'SN-6', 'SN-7']) run.skip(id, confirmed ? DRY_RUN : 'not confirmed');
      return { ...base, dryRun: ctx.flags.dryRun };
    }
    const snapshot = await snapshotSteps(ctx, provider, plan, run, limits);
    const snapshotOut = { id: snapshot.id, reused: plan.resume !== undefined, status: snapshot.status };
    let copyOut: RunPolicyResult['copy'];
    if (plan.drRegion) {
      copyOut = await copySteps(ctx, provider, snapshot, plan.drRegion, run, limits);
    } else {
      run.skip('SN-4', 'cross-region copies are off (snapshots.crossRegion.enabled: false)');
      run.skip('SN-5', 'cross-region copies are off');
    }
    const pruned = [await pruneStep(ctx, provider, input.instanceId, provider.region, 'SN-6', run)];
    if (plan.drRegion) pruned.push(await pruneStep(ctx, provider, input.instanceId, plan.drRegion, 'SN-7', run));
    else run.skip('SN-7', 'cross-region copies are off');
    return { ...base, dryRun: false, snapshot: snapshotOut, copy: copyOut, pruned };
  });
  return { ...value, report };
}
