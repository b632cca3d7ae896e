/**
 * `dbops restore-test --all`: each database's restore test (runbooks/restore-test.md) with
 * its own config (the member's overrides, region and identifier) and its own account's
 * provider in its region, `concurrency` at a time. Each test registers and runs its own
 * cleanup as it would alone, so Ctrl-C leaves no temporary instance in any region.
 */
import type { Context } from '../context.js';
import { formatDuration } from '../output/format.js';
import { type RestoreTestInput, restoreTest } from '../restore/restore-test.js';
import type { RestoreTestResult } from '../restore/types.js';
import { type FleetRunOptions, type FleetRunResult, runOverFleet } from './run.js';
import type { FleetRequest } from './select.js';

/** What applies to every member: the flags of a single restore test that make sense fleet-wide. */
export type FleetRestoreTestInput = Pick<RestoreTestInput, 'instanceClass' | 'expiresIn'>;

export async function fleetRestoreTest(
  ctx: Context,
  request: FleetRequest,
  input: FleetRestoreTestInput,
  options: Omit<FleetRunOptions<RestoreTestResult>, 'command'>,
): Promise<FleetRunResult<RestoreTestResult>> {
  return runOverFleet<RestoreTestResult>(
    ctx,
    request,
    async ({ member, ctx: memberCtx }) => {
      // The member's own context: its config, its account's provider in its region, its output prefixed.
      const { result, error } = await restoreTest(memberCtx, { ...input, instanceId: member.id });
      // Interrupted: the row says so (its cleanup ran); the test could not run: the row is an error (exit 3).
      if (error) throw error;
      return { verdict: result.verdict === 'failed' ? 'failed' : 'ok', figure: figureOf(result), result };
    },
    { command: 'restore-test', ...options },
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
