/**
 * `dbops dr-drill --all`: the DR drill (runbooks/dr-drill.md) of every database of the
 * fleet, each with its own config, `concurrency` at a time. Each drill creates temporary
 * instances (one; two for the replica scenario) in its recovery region, so the account's
 * DB instance quota there is read before the first starts (DescribeAccountAttributes): the
 * drills wait for room the run's own temporary instances take, and a drill is refused,
 * with the reason, when the account has no room at all. Each drill's cleanup runs as it
 * would alone; Ctrl-C stops every drill and cleans up every temporary instance. dbops does
 * not call ElastiCache TestFailover, so that quota does not arise.
 */
import type { Context } from '../context.js';
import { type DrillInput, drDrill } from '../drill/drill.js';
import { resolveDrill } from '../drill/settings.js';
import type { DrillRecord } from '../drill/types.js';
import { UsageError } from '../errors.js';
import { formatDuration, plural } from '../output/format.js';
import { FleetQuotas } from './quotas.js';
import { type FleetRunOptions, type FleetRunResult, runOverFleet } from './run.js';
import type { FleetRequest } from './select.js';

/** What applies to every member: the flags of a single drill that make sense fleet-wide. */
export type FleetDrillInput = Pick<DrillInput, 'scenario' | 'detectedAt' | 'participants'>;

export async function fleetDrDrill(
  ctx: Context,
  request: FleetRequest,
  input: FleetDrillInput,
  options: Omit<FleetRunOptions<DrillRecord>, 'command' | 'confirm'>,
  quotas: FleetQuotas = new FleetQuotas(ctx.out),
): Promise<FleetRunResult<DrillRecord>> {
  return runOverFleet<DrillRecord>(
    ctx,
    request,
    async ({ member, config, ctx: memberCtx, providerIn }) => {
      const req = resolveDrill(config, { ...input, instanceId: member.id }, ctx.clock.now(), ctx.loaded.file);
      const temporaries = req.scenario === 'replica' ? 2 : 1;
      const release = ctx.flags.dryRun
        ? () => undefined
        : await quotas.holdInstances(
            member.account.label,
            await providerIn(req.recoveryRegion),
            temporaries,
            `the drill's temporary instance${temporaries > 1 ? 's' : ''} of ${member.id}`,
            ctx.signal,
          );
      try {
        const outcome = await drDrill(memberCtx, { ...input, instanceId: member.id });
        // Interrupted or could not run: the row is the error (its cleanup ran).
        if (outcome.error && outcome.record.verdict !== 'failed') throw outcome.error;
        const record = outcome.record;
        return { verdict: record.verdict === 'failed' ? 'failed' : 'ok', figure: figureOf(record), result: record };
      } finally {
        release();
      }
    },
    {
      command: 'dr-drill',
      ...options,
      confirm: async (members) => {
        if (ctx.flags.dryRun) return;
        const ok = await ctx.prompt.confirm(
          `Run the DR drill of ${plural(members.length, 'database')} of the fleet (temporary instances in each recovery region, --concurrency at a time within the DB instance quota, deleted afterwards)?`,
        );
        if (!ok) throw new UsageError('DR drills cancelled; nothing was created.');
      },
    },
  );
}

/** The summary's key figure: RTO and RPO against their targets, or what failed. Pure. */
export function figureOf(r: Pick<DrillRecord, 'verdict' | 'rto' | 'rpo'>): string {
  if (r.verdict === 'dry-run') return 'dry run: nothing restored';
  const rto = r.rto.seconds !== undefined ? `RTO ${formatDuration(r.rto.seconds * 1000)}` : 'RTO not measured';
  const rpo = r.rpo.seconds !== undefined ? `RPO ${formatDuration(r.rpo.seconds * 1000)}` : 'RPO not measured';
  return `${r.verdict}: ${rto}, ${rpo}`;
}
