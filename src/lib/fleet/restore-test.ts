/**
 * `dbops restore-test --all`: each database's restore test (runbooks/restore-test.md) with
 * its own config (the member's overrides, region and identifier) and its own account's
 * provider in its region, `concurrency` at a time. Each test registers and runs its own
 * cleanup as it would alone, so Ctrl-C leaves no temporary instance in any region.
 */
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { formatDuration, plural } from '../output/format.js';
import { type RestoreTestInput, type RestoreTestSeams, restoreTest } from '../restore/restore-test.js';
import type { RestoreTestResult } from '../restore/types.js';
import { FleetQuotas } from './quotas.js';
import { type FleetRunOptions, type FleetRunResult, runOverFleet } from './run.js';
import type { FleetRequest } from './select.js';

/** What applies to every member: the flags of a single restore test that make sense fleet-wide. */
export type FleetRestoreTestInput = Pick<RestoreTestInput, 'instanceClass' | 'expiresIn'>;

export async function fleetRestoreTest(
  ctx: Context,
  request: FleetRequest,
  input: FleetRestoreTestInput,
  options: Omit<FleetRunOptions<RestoreTestResult>, 'command' | 'confirm'>,
  quotas: FleetQuotas = new FleetQuotas(ctx.out),
  /** Tests: each member's restore-test seams (the AWS fake has no database behind it to check). */
  seams: RestoreTestSeams = {},
): Promise<FleetRunResult<RestoreTestResult>> {
  return runOverFleet<RestoreTestResult>(
    ctx,
    request,
    async ({ member, provider, ctx: memberCtx }) => {
      // The temporary instance counts against the account's DB instance quota in the region: wait for room, or refuse.
      const release = ctx.flags.dryRun
        ? () => undefined
        : await quotas.holdInstances(
            member.account.label,
            provider,
            1,
            `the restore test's temporary instance of ${member.id}`,
            ctx.signal,
          );
      try {
        // The member's own context: its config, its account's provider in its region, its output prefixed.
        const { result, error } = await restoreTest(memberCtx, { ...input, instanceId: member.id }, seams);
        // Interrupted: the row says so (its cleanup ran); the test could not run: the row is an error (exit 3).
        if (error) throw error;
        return { verdict: result.verdict === 'failed' ? 'failed' : 'ok', figure: figureOf(result), result };
      } finally {
        release();
      }
    },
    {
      command: 'restore-test',
      ...options,
      // A temporary instance per database: the fleet-wide rule for mutating commands (docs/fleet.md).
      confirm: async (members) => {
        if (ctx.flags.dryRun) return;
        const ok = await ctx.prompt.confirm(
          `Restore-test ${plural(members.length, 'database')} of the fleet (a temporary instance each, --concurrency at a time within the DB instance quota, deleted afterwards)?`,
        );
        if (!ok) throw new UsageError('Restore tests cancelled; nothing was created.');
      },
    },
  );
}

/** The summary's key figure: the restore time and the data-loss window, or the failed checks. Pure. */
export function figureOf(r: Pick<RestoreTestResult, 'verdict' | 'failedChecks' | 'rto' | 'rpo'>): string {
  if (r.verdict === 'dry-run') return 'dry run: nothing restored';
  if (r.verdict === 'failed') return `failed: ${r.failedChecks.join(', ')}`;
  const restore = r.rto.restoreSeconds !== undefined ? `restore ${formatDuration(r.rto.restoreSeconds * 1000)}` : 'restore time unknown';
  const loss =
    r.rpo.measured && r.rpo.dataLossSeconds !== undefined
      ? `data loss ${formatDuration(r.rpo.dataLossSeconds * 1000)}`
      : 'data loss not measured';
  return `${restore}, ${loss}`;
}
