/**
 * `dbops backup status --all`: the backup policy judged for every database of the fleet.
 * The reads are batched: each account and region is listed once (instances, by the
 * selection) and its manual snapshots once (all databases at once), the DR region's the
 * same, so the AWS calls grow with accounts × regions, not with databases × checks.
 */
import type { Context } from '../context.js';
import { plural } from '../output/format.js';
import type { Provider, Snapshot } from '../providers/types.js';
import { checkDrRegion, checkRegion } from '../snapshots/checks.js';
import { type BackupStatus, backupFactsOf, backupPolicy, evaluateBackupStatus } from '../snapshots/status.js';
import { type FleetRunOptions, type FleetRunResult, runOverFleet } from './run.js';
import type { FleetRequest } from './select.js';

export async function fleetBackupStatus(
  ctx: Context,
  request: FleetRequest,
  options: Omit<FleetRunOptions<BackupStatus>, 'command'>,
): Promise<FleetRunResult<BackupStatus>> {
  // One listing of manual snapshots per account and region, shared by its databases.
  const listings = new Map<string, Promise<Snapshot[]>>();
  const manualIn = (account: string, provider: Provider): Promise<Snapshot[]> => {
    const key = `${account}|${provider.region}`;
    let p = listings.get(key);
    if (!p) {
      p = provider.listSnapshots({ type: 'manual' });
      listings.set(key, p);
    }
    return p;
  };
  return runOverFleet<BackupStatus>(
    ctx,
    request,
    async ({ member, config, provider, providerIn }) => {
      const policy = backupPolicy({ config });
      const drRegion = policy.crossRegionEnabled ? config.snapshots.crossRegion.region : undefined;
      if (drRegion) checkDrRegion(member.region, drRegion);
      else checkRegion(member.region);
      const account = member.account.label;
      const manualSnapshots = await manualIn(account, provider);
      const drSnapshots = drRegion ? await manualIn(account, await providerIn(drRegion)) : undefined;
      const facts = await backupFactsOf(ctx, provider, member.instance, { manualSnapshots, drSnapshots, drRegion });
      const status = evaluateBackupStatus(facts, policy, ctx.clock.now());
      return { verdict: status.ok ? 'ok' : 'failed', figure: figureOf(status), result: status };
    },
    { command: 'backup status', ...options },
  );
}

/** The summary's key figure: the violations, or the newest snapshot's age. Pure. */
export function figureOf(s: BackupStatus): string {
  if (s.violations.length > 0) return `${plural(s.violations.length, 'violation')}: ${s.violations.map((v) => v.code).join(', ')}`;
  const newest = s.newestManualSnapshot;
  return newest ? `newest snapshot ${Math.round(newest.ageHours)} h old` : 'policy met';
}
