/**
 * `dbops gc --all`: what crashed runs left in every account and region of the fleet (and
 * the DR region). Each account's regions are listed (instances, snapshots, clusters), each
 * resource judged as `dbops gc` judges it: only what carries dbops:managed=true and an
 * expired dbops:expires-at is deleted, never anything else. One confirmation for the
 * whole fleet says how many resources in how many accounts and regions (off a terminal,
 * --yes or nothing); --dry-run lists them. A listing or deletion that fails is that
 * account's region's row (exit 3); the others go on.
 */
import type { Context } from '../context.js';
import { messageOf, UsageError } from '../errors.js';
import { plural } from '../output/format.js';
import { checkRegion } from '../snapshots/checks.js';
import { type GcItem, type GcResult, inventory, planGc, remove } from '../snapshots/gc.js';
import { redact } from '../secret.js';
import { fleetProviders } from './discover.js';
import { concurrencyOf, type FleetRunOptions, type FleetRunResult, type FleetUnit, runOverUnits } from './run.js';
import { type FleetRequest, fleetScope, mapLimited } from './select.js';

type Plan = { unit: FleetUnit; items?: GcItem[]; error?: unknown };

export async function fleetGc(
  ctx: Context,
  request: Pick<FleetRequest, 'region' | 'account'>,
  options: Omit<FleetRunOptions<GcResult>, 'command'>,
): Promise<FleetRunResult<GcResult>> {
  const scope = fleetScope(ctx.config, request);
  const dr = ctx.config.snapshots.crossRegion.region;
  const regions = [...new Set([...scope.regions, ...(request.region ? [] : [dr])])];
  for (const r of regions) checkRegion(r);
  const units: FleetUnit[] = scope.accounts.flatMap((account) => regions.map((region) => ({ account, region, id: account.label })));
  const providers = fleetProviders(ctx);
  const now = ctx.clock.now();

  // GC-1 for every account and region: list and judge; nothing is deleted yet.
  const plans = await mapLimited(units, concurrencyOf(ctx, options.concurrency), async (unit): Promise<Plan> => {
    try {
      const provider = await providers.providerFor(unit.account, unit.region);
      return { unit, items: planGc(await inventory(provider, [unit.region]), now) };
    } catch (e) {
      return { unit, error: e };
    }
  });
  const doomed = plans.flatMap((p) => (p.items ?? []).filter((i) => i.action === 'delete'));
  let confirmed = false;
  if (doomed.length > 0 && !ctx.flags.dryRun) {
    const where = plans.filter((p) => p.items?.some((i) => i.action === 'delete')).map((p) => p.unit);
    const accounts = new Set(where.map((u) => u.id)).size;
    const inRegions = new Set(where.map((u) => u.region)).size;
    confirmed = await ctx.prompt.confirm(
      `Delete ${describe(doomed)} in ${plural(accounts, 'account')} and ${plural(inRegions, 'region')} of the fleet (dbops-managed and expired only, no final snapshot)?`,
    );
    if (!confirmed) throw new UsageError('Fleet gc cancelled; nothing was deleted.');
  }

  // GC-2 for every account and region with something expired.
  return runOverUnits<Plan & FleetUnit, GcResult>(
    ctx,
    { ...scope, regions, unit: 'region' },
    plans.map((p) => ({ ...p, ...p.unit })),
    async (plan, unitCtx) => {
      if (plan.error !== undefined) throw plan.error;
      const items = plan.items ?? [];
      const expired = items.filter((i) => i.action === 'delete');
      const base = { regions: [plan.region], items, deleted: [] as GcItem[], failed: [] as GcResult['failed'] };
      if (ctx.flags.dryRun || expired.length === 0) {
        const result: GcResult = { dryRun: ctx.flags.dryRun, confirmed: !ctx.flags.dryRun, ...base };
        return { verdict: 'ok', figure: figureOf(result), result };
      }
      const provider = await providers.providerFor(plan.account, plan.region);
      for (const item of expired) {
        if (ctx.signal.aborted) break;
        try {
          await remove(provider, item);
          base.deleted.push(item);
          unitCtx.out.info(`deleted ${item.kind} ${item.id}`);
        } catch (e) {
          base.failed.push({ ...item, error: redact(messageOf(e)) });
        }
      }
      const result: GcResult = { dryRun: false, confirmed, ...base };
      return base.failed.length > 0
        ? {
            verdict: 'error',
            figure: figureOf(result),
            result,
            error: {
              message: `${plural(base.failed.length, 'deletion')} failed: ${base.failed.map((f) => `${f.id} (${f.error})`).join('; ')}`,
            },
          }
        : { verdict: 'ok', figure: figureOf(result), result };
    },
    { command: 'gc', ...options },
  );
}

function describe(items: GcItem[]): string {
  const kinds = (['instance', 'cluster', 'snapshot', 'cluster-snapshot'] as const)
    .map((k) => [k.replace('-', ' '), items.filter((i) => i.kind === k).length] as const)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => plural(n, k));
  return `${plural(items.length, 'expired resource')} (${kinds.join(', ')})`;
}

/** The summary's key figure: expired, deleted, failed, kept. Pure. */
export function figureOf(r: GcResult): string {
  const expired = r.items.filter((i) => i.action === 'delete').length;
  const kept = r.items.length - expired;
  const keptText = kept > 0 ? `; ${kept} kept` : '';
  if (expired === 0) return `nothing expired${keptText}`;
  if (r.dryRun) return `would delete ${expired}${keptText}`;
  return `${r.deleted.length} of ${expired} deleted${r.failed.length > 0 ? `, ${r.failed.length} failed` : ''}${keptText}`;
}
