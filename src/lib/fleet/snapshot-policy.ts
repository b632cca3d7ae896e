/**
 * `dbops snapshot run-policy --all`: the weekly snapshot policy (runbooks/snapshots.md) on
 * every dbops-managed database of the fleet, `concurrency` at a time, within the account's
 * quotas (quotas.ts): at most 5 cross-region copies in flight per destination region (the
 * others wait for a slot), 100 manual snapshots per region (a warning at 90 %, a refusal
 * with the reason past it). A database dbops does not manage is left alone and says so.
 * One confirmation for the fleet says how many databases.
 */
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { plural } from '../output/format.js';
import { type RunPolicyResult, runSnapshotPolicy } from '../snapshots/run-policy.js';
import { FleetQuotas } from './quotas.js';
import { type FleetRunOptions, type FleetRunResult, runOverFleet } from './run.js';
import type { FleetRequest } from './select.js';

export type FleetPolicyResult = RunPolicyResult | { skipped: string };

export async function fleetSnapshotPolicy(
  ctx: Context,
  request: FleetRequest,
  options: Omit<FleetRunOptions<FleetPolicyResult>, 'command' | 'confirm'>,
  quotas: FleetQuotas = new FleetQuotas(ctx.out),
): Promise<FleetRunResult<FleetPolicyResult>> {
  return runOverFleet<FleetPolicyResult>(
    ctx,
    request,
    async ({ member, ctx: memberCtx }) => {
      if (!member.managed) {
        const skipped = 'not tagged dbops:managed=true: left alone (mutating commands touch dbops-managed databases only)';
        return { verdict: 'ok', figure: 'left alone: not dbops-managed', result: { skipped } };
      }
      const account = member.account.label;
      // Confirmed once for the whole fleet; each database's run does not ask again.
      const result = await runSnapshotPolicy(
        { ...memberCtx, prompt: { confirm: async () => true } },
        { instanceId: member.id },
        {
          beforeSnapshot: (provider, what) => quotas.reserveManualSnapshot(account, provider, what, member.id),
          copySlot: (region) => quotas.copySlots(account, region).acquire(ctx.signal),
        },
      );
      return { verdict: 'ok', figure: figureOf(result), result };
    },
    {
      command: 'snapshot run-policy',
      ...options,
      confirm: async (members) => {
        const cr = ctx.config.snapshots.crossRegion;
        // A snapshot of each managed database in its region, and its copy in the DR region: the quota warning names them.
        for (const m of members.filter((x) => x.managed)) {
          quotas.planSnapshots(m.account.label, m.region, [m.id]);
          if (cr.enabled) quotas.planSnapshots(m.account.label, cr.region, [m.id]);
        }
        if (ctx.flags.dryRun) return;
        const managed = members.filter((m) => m.managed).length;
        const others = members.length - managed;
        const ok = await ctx.prompt.confirm(
          `Run the snapshot policy on ${plural(managed, 'dbops-managed database')} of the fleet${others > 0 ? ` (${plural(others, 'other')} left alone)` : ''}: a snapshot each${cr.enabled ? `, a copy each to ${cr.region}` : ''}, and delete dbops snapshots past retention?`,
        );
        if (!ok) throw new UsageError('Snapshot policy cancelled; nothing was created or deleted.');
      },
    },
  );
}

/** The summary's key figure: the snapshot, the copy, what was pruned. Pure. */
export function figureOf(r: RunPolicyResult): string {
  if (r.dryRun) return 'dry run: nothing created';
  const parts = [r.snapshot ? `${r.snapshot.id}${r.snapshot.reused ? ' (reused)' : ''}` : 'no snapshot'];
  if (r.copy) parts.push(`copied to ${r.copy.region}${r.copy.reused ? ' (reused)' : ''}`);
  const pruned = r.pruned.reduce((n, p) => n + p.deleted.length, 0);
  if (pruned > 0) parts.push(`${pruned} pruned`);
  return parts.join(', ');
}
