/**
 * Manual snapshots: create (named `<db>-manual-<UTC timestamp>`, seed 000's convention)
 * and list, newest first.
 */
import type { Context } from '../context.js';
import { compactTimestamp } from '../instances/instances.js';
import { newRunId } from '../runbook/runner.js';
import { type Snapshot, type SnapshotType, TAG } from '../providers/types.js';

export function manualSnapshotId(instanceId: string, now: Date): string {
  return `${instanceId}-manual-${compactTimestamp(now)}`;
}

export interface CreateSnapshotResult {
  dryRun: boolean;
  snapshotId: string;
  instanceId: string;
  snapshot?: Snapshot;
  waitedMs?: number;
}

export async function createManualSnapshot(
  ctx: Context,
  input: { instanceId: string; wait: boolean },
): Promise<CreateSnapshotResult> {
  const provider = await ctx.provider();
  const snapshotId = manualSnapshotId(input.instanceId, ctx.clock.now());
  await provider.describeInstance(input.instanceId);
  if (ctx.flags.dryRun) return { dryRun: true, snapshotId, instanceId: input.instanceId };
  const progress = ctx.out.progress(`Snapshot ${snapshotId} of ${input.instanceId}`);
  try {
    let snapshot = await provider.createSnapshot({
      instanceId: input.instanceId,
      snapshotId,
      tags: {
        [TAG.managed]: 'true',
        [TAG.runId]: newRunId(),
        [TAG.purpose]: 'manual',
        [TAG.sourceInstance]: input.instanceId,
      },
    });
    const t0 = performance.now();
    if (input.wait) {
      snapshot =
        (await provider.waitForSnapshot(snapshotId, 'available', {
          maxWaitSeconds: ctx.config.aws.maxWaitMinutes * 60,
          signal: ctx.signal,
          onProgress: (status, _ms, detail) => progress.update(`Snapshot ${snapshotId}: ${status}${detail ? ` ${detail}` : ''}`),
        })) ?? snapshot;
    }
    progress.succeed(`Snapshot ${snapshotId}: ${snapshot.status}`);
    return { dryRun: false, snapshotId, instanceId: input.instanceId, snapshot, waitedMs: input.wait ? performance.now() - t0 : undefined };
  } catch (e) {
    progress.fail(`Snapshot ${snapshotId} failed`);
    throw e;
  }
}

export async function listSnapshots(
  ctx: Context,
  input: { instanceId?: string; type: SnapshotType | 'all' },
): Promise<Snapshot[]> {
  const provider = await ctx.provider();
  const snaps = await provider.listSnapshots({ instanceId: input.instanceId, type: input.type });
  return sortNewestFirst(snaps);
}

export function sortNewestFirst(snaps: Snapshot[]): Snapshot[] {
  return [...snaps].sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0) || a.id.localeCompare(b.id));
}
