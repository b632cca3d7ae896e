/**
 * `dbops snapshot delete <id>`: one manual snapshot dbops made, after confirmation (or
 * --yes); --dry-run says what would go. Automated backups and anything without
 * `dbops:managed=true` are refused (exit 2).
 */
import { providerForSnapshot } from './database.js';
import type { Context } from '../context.js';
import { formatAge, formatBytes } from '../output/format.js';
import type { Snapshot } from '../providers/types.js';
import { runRunbook } from '../runbook/runner.js';
import { checkDeletable, checkRegion } from './checks.js';
import { SNAPSHOT_DELETE } from './runbooks.js';

export interface DeleteSnapshotResult {
  id: string;
  region: string;
  dryRun: boolean;
  deleted: boolean;
  snapshot: Snapshot;
}

/** Step SN-11 of runbooks/snapshots.md. */
export async function deleteSnapshotById(ctx: Context, input: { id: string }): Promise<DeleteSnapshotResult> {
  checkRegion(ctx.config.region);
  const provider = await providerForSnapshot(ctx, input.id);
  const { value } = await runRunbook(SNAPSHOT_DELETE, { out: ctx.out, clock: ctx.clock, signal: ctx.signal }, (run) =>
    run.step('SN-11', async (s): Promise<DeleteSnapshotResult> => {
      const snapshot = await provider.describeSnapshot(input.id);
      checkDeletable(snapshot);
      const base = { id: snapshot.id, region: provider.region, snapshot };
      if (ctx.flags.dryRun) {
        s.detail(`dry run: would delete ${snapshot.id}`);
        return { ...base, dryRun: true, deleted: false };
      }
      const what = `${snapshot.instanceId}, ${formatAge(snapshot.createdAt, ctx.clock.now())} old, ${formatBytes(snapshot.sizeBytes)}`;
      if (!(await ctx.prompt.confirm(`Delete snapshot ${snapshot.id} (${what}) in ${provider.region}?`))) {
        s.detail('not confirmed: nothing deleted');
        return { ...base, dryRun: false, deleted: false };
      }
      await provider.deleteSnapshot(snapshot.id);
      s.detail(`deleted ${snapshot.id} in ${provider.region}`);
      return { ...base, dryRun: false, deleted: true };
    }),
  );
  return value;
}
