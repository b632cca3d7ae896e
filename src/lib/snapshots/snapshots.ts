/**
 * Manual snapshots: create (named `<db>-manual-<UTC timestamp>`, seed 000's convention),
 * list (newest first) and latest (the newest available one, which restore tests and
 * drills start from). Copy, delete, prune, run-policy, backup status and gc live in the
 * modules beside this one; the decisions they share are in policy.ts.
 */
import type { Context } from '../context.js';
import { NotFoundError } from '../errors.js';
import { compactTimestamp } from '../instances/instances.js';
import { newRunId } from '../runbook/runner.js';
import { type Provider, type Snapshot, type SnapshotType, type Tags, TAG } from '../providers/types.js';
import { checkRegion } from './checks.js';
import { PURPOSE_MANUAL, newestAvailable, sortNewestFirst } from './policy.js';

export { sortNewestFirst } from './policy.js';

export function manualSnapshotId(instanceId: string, now: Date): string {
  return `${instanceId}-manual-${compactTimestamp(now)}`;
}

/** The tags of a manual snapshot dbops takes (the adapters add dbops:managed=true). */
export function manualSnapshotTags(instanceId: string, runId: string): Tags {
  return {
    [TAG.managed]: 'true',
    [TAG.runId]: runId,
    [TAG.purpose]: PURPOSE_MANUAL,
    [TAG.sourceInstance]: instanceId,
  };
}

export interface CreateSnapshotResult {
  dryRun: boolean;
  snapshotId: string;
  instanceId: string;
  region: string;
  snapshot?: Snapshot;
  waitedMs?: number;
}

/** How long snapshot and copy waits may take (aws.maxWaitMinutes). */
export function maxWaitSeconds(ctx: Pick<Context, 'config'>): number {
  return ctx.config.aws.maxWaitMinutes * 60;
}

/** Waits for a snapshot to be available, showing its status and percentage on `update`. */
export async function waitAvailable(
  ctx: Pick<Context, 'config' | 'signal'>,
  provider: Provider,
  id: string,
  update: (text: string) => void,
): Promise<Snapshot> {
  const ready = await provider.waitForSnapshot(id, 'available', {
    maxWaitSeconds: maxWaitSeconds(ctx),
    signal: ctx.signal,
    onProgress: (status, _ms, detail) => update(`${status}${detail ? ` ${detail}` : ''}`),
  });
  return ready ?? (await provider.describeSnapshot(id));
}

export async function createManualSnapshot(
  ctx: Context,
  input: { instanceId: string; wait: boolean },
): Promise<CreateSnapshotResult> {
  checkRegion(ctx.config.region);
  const provider = await ctx.provider();
  const snapshotId = manualSnapshotId(input.instanceId, ctx.clock.now());
  const base = { snapshotId, instanceId: input.instanceId, region: provider.region };
  await provider.describeInstance(input.instanceId);
  if (ctx.flags.dryRun) return { dryRun: true, ...base };
  const progress = ctx.out.progress(`Snapshot ${snapshotId} of ${input.instanceId}`);
  try {
    let snapshot = await provider.createSnapshot({
      instanceId: input.instanceId,
      snapshotId,
      tags: manualSnapshotTags(input.instanceId, newRunId()),
    });
    const t0 = performance.now();
    if (input.wait) snapshot = await waitAvailable(ctx, provider, snapshotId, (t) => progress.update(`Snapshot ${snapshotId}: ${t}`));
    progress.succeed(`Snapshot ${snapshotId}: ${snapshot.status}`);
    return { dryRun: false, ...base, snapshot, waitedMs: input.wait ? performance.now() - t0 : undefined };
  } catch (e) {
    progress.fail(`Snapshot ${snapshotId} failed`);
    throw e;
  }
}

export async function listSnapshots(
  ctx: Context,
  input: { instanceId?: string; type: SnapshotType | 'all' },
): Promise<Snapshot[]> {
  checkRegion(ctx.config.region);
  const provider = await ctx.provider();
  const snaps = await provider.listSnapshots({ instanceId: input.instanceId, type: input.type });
  return sortNewestFirst(snaps);
}

/** The newest available snapshot of an instance in the provider's region; NotFoundError (exit 2) when there is none. */
export async function latestSnapshot(
  ctx: Context,
  input: { instanceId: string; type: SnapshotType | 'all' },
): Promise<Snapshot> {
  checkRegion(ctx.config.region);
  const provider = await ctx.provider();
  return findLatestSnapshot(provider, input);
}

/** The same for a provider already at hand (restore tests and drills call this). */
export async function findLatestSnapshot(provider: Provider, input: { instanceId: string; type: SnapshotType | 'all' }): Promise<Snapshot> {
  const snaps = await provider.listSnapshots({ instanceId: input.instanceId, type: input.type });
  const latest = newestAvailable(snaps, { type: input.type, instanceId: input.instanceId });
  if (latest) return latest;
  const kind = input.type === 'all' ? '' : `${input.type} `;
  const pending = snaps.filter((s) => s.status !== 'available').length;
  throw new NotFoundError(`No available ${kind}snapshot of ${input.instanceId} in ${provider.region}${pending > 0 ? ` (${pending} not available yet)` : ''}.`, {
    hint: `Take one with \`dbops snapshot create --instance ${input.instanceId} --wait\`, or check --region and --type.`,
  });
}
