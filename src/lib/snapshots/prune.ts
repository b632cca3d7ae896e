/**
 * `dbops snapshot prune`: the retention policy (policy.ts, planPrune) applied in the
 * config region and the DR region. --dry-run lists what would go and why; otherwise one
 * confirmation (or --yes) for the lot. A plan that would leave an instance without any
 * available snapshot in a region is refused whole.
 */
import { snapshotProvider } from './database.js';
import type { Context } from '../context.js';
import { EnvironmentError, UsageError, messageOf } from '../errors.js';
import type { Provider, Snapshot } from '../providers/types.js';
import { runRunbook } from '../runbook/runner.js';
import { checkRegion } from './checks.js';
import { SNAPSHOT_PRUNE } from './runbooks.js';
import { type PruneDecision, type PrunePlan, type RetentionPolicy, planPrune } from './policy.js';

/** The retention policy in the config. */
export function retentionPolicy(ctx: Pick<Context, 'config'>): RetentionPolicy {
  const s = ctx.config.snapshots;
  return { manualRetentionWeeks: s.manualRetentionWeeks, copyRetentionWeeks: s.crossRegion.retentionWeeks, keepNewest: s.keepNewest };
}

/** The regions prune looks at: the config region, and the DR region when copies are on (once if they are the same). */
export function pruneRegions(ctx: Pick<Context, 'config'>): string[] {
  const cr = ctx.config.snapshots.crossRegion;
  const regions = [ctx.config.region, ...(cr.enabled ? [cr.region] : [])];
  for (const r of regions) checkRegion(r);
  return [...new Set(regions)];
}

export interface PruneFailure {
  id: string;
  region: string;
  error: string;
}

export interface PruneResult {
  dryRun: boolean;
  regions: string[];
  plan: PrunePlan;
  confirmed: boolean;
  deleted: PruneDecision[];
  failed: PruneFailure[];
}

/** Every snapshot of the regions (of one instance, when given). */
export async function gatherSnapshots(provider: Provider, regions: string[], instanceId?: string): Promise<Snapshot[]> {
  const all: Snapshot[] = [];
  for (const region of regions) all.push(...(await provider.forRegion(region).listSnapshots({ instanceId, type: 'all' })));
  return all;
}

/** The refusal of a plan that would delete every snapshot of an instance somewhere. */
export function refusalError(plan: PrunePlan): UsageError | undefined {
  const first = plan.refusals[0];
  if (!first) return undefined;
  return new UsageError(`Refusing to prune: it would delete every snapshot of ${first.instanceId} in ${first.region} (${first.count}).`, {
    hint: 'Nothing was deleted. Keep at least one (snapshots.keepNewest >= 1), or delete by hand with `dbops snapshot delete <id>`.',
    details: { refusals: plan.refusals },
  });
}

/** Deletes what the plan says, continuing past a failure; returns what went and what did not. */
export async function executeDeletes(
  provider: Provider,
  deletes: PruneDecision[],
): Promise<{ deleted: PruneDecision[]; failed: PruneFailure[] }> {
  const deleted: PruneDecision[] = [];
  const failed: PruneFailure[] = [];
  for (const d of deletes) {
    try {
      await provider.forRegion(d.region).deleteSnapshot(d.id);
      deleted.push(d);
    } catch (e) {
      failed.push({ id: d.id, region: d.region, error: messageOf(e) });
    }
  }
  return { deleted, failed };
}

/** The error for deletes that failed (exit 3), or undefined. */
export function failuresError(failed: PruneFailure[]): EnvironmentError | undefined {
  if (failed.length === 0) return undefined;
  return new EnvironmentError(
    `${failed.length} snapshot${failed.length === 1 ? '' : 's'} could not be deleted: ${failed.map((f) => `${f.id} in ${f.region} (${f.error})`).join('; ')}`,
    { hint: 'Run the prune again later; what was deleted stays deleted.', details: { failed } },
  );
}

/** Steps SN-12 (the plan) and SN-13 (the deletions) of runbooks/snapshots.md. */
export async function pruneSnapshots(ctx: Context, input: { instanceId?: string }): Promise<PruneResult> {
  const regions = pruneRegions(ctx);
  const provider = await snapshotProvider(ctx, input.instanceId);
  const { value } = await runRunbook(
    SNAPSHOT_PRUNE,
    { out: ctx.out, clock: ctx.clock, signal: ctx.signal },
    async (run): Promise<PruneResult> => {
      const plan = await run.step('SN-12', async (s) => {
        const p = planPrune(await gatherSnapshots(provider, regions, input.instanceId), retentionPolicy(ctx), ctx.clock.now());
        const refused = refusalError(p);
        if (refused) throw refused;
        s.detail(`${p.deletes.length} past retention of ${p.decisions.length} in ${regions.join(' and ')}`);
        return p;
      });
      const base = { regions, plan, deleted: [], failed: [] };
      if (ctx.flags.dryRun) {
        run.skip('SN-13', 'dry run');
        return { dryRun: true, confirmed: false, ...base };
      }
      if (plan.deletes.length === 0) {
        run.skip('SN-13', 'nothing past retention');
        return { dryRun: false, confirmed: true, ...base };
      }
      const confirmed = await ctx.prompt.confirm(
        `Delete ${plan.deletes.length} snapshot${plan.deletes.length === 1 ? '' : 's'} past retention in ${regions.join(' and ')}?`,
      );
      if (!confirmed) {
        run.skip('SN-13', 'not confirmed');
        return { dryRun: false, confirmed: false, ...base };
      }
      return run.step('SN-13', async (s) => {
        const outcome = await executeDeletes(provider, plan.deletes);
        s.detail(`${outcome.deleted.length} deleted${outcome.failed.length > 0 ? `, ${outcome.failed.length} failed` : ''}`);
        return { dryRun: false, confirmed: true, regions, plan, ...outcome };
      });
    },
  );
  return value;
}
