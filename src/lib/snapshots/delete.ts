/**
 * `dbops snapshot delete <id>`: one manual snapshot dbops made, after confirmation (or
 * --yes); --dry-run says what would go. Automated backups and anything without
 * `dbops:managed=true` are refused (exit 2).
 */
import type { Context } from '../context.js';
import { formatAge, formatBytes } from '../output/format.js';
import type { Snapshot } from '../providers/types.js';
import { checkDeletable, checkRegion } from './checks.js';

export interface DeleteSnapshotResult {
  id: string;
  region: string;
  dryRun: boolean;
  deleted: boolean;
  snapshot: Snapshot;
}

export async function deleteSnapshotById(ctx: Context, input: { id: string }): Promise<DeleteSnapshotResult> {
  checkRegion(ctx.config.region);
  const provider = await ctx.provider();
  const snapshot = await provider.describeSnapshot(input.id);
  checkDeletable(snapshot);
  const base = { id: snapshot.id, region: provider.region, snapshot };
  if (ctx.flags.dryRun) return { ...base, dryRun: true, deleted: false };
  const what = `${snapshot.instanceId}, ${formatAge(snapshot.createdAt, ctx.clock.now())} old, ${formatBytes(snapshot.sizeBytes)}`;
  if (!(await ctx.prompt.confirm(`Delete snapshot ${snapshot.id} (${what}) in ${provider.region}?`))) {
    return { ...base, dryRun: false, deleted: false };
  }
  await provider.deleteSnapshot(snapshot.id);
  return { ...base, dryRun: false, deleted: true };
}
