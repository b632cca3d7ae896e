/**
 * `dbops free-tier-report --all`: the free tier is an account's, so one report per account
 * of the fleet (not per database), each read through that account's role in the config
 * region: its offers, budgets and credits plan, as `dbops free-tier-report` reads them
 * (about 9 AWS calls an account, however many instances). A threshold crossed in any
 * account is that account's row failed; an account that cannot be read is its row (exit 3)
 * and the others go on.
 */
import type { Context } from '../context.js';
import { type FreeTierReportInput, freeTierReport } from '../freetier/free-tier-report.js';
import type { FreeTierReport } from '../freetier/types.js';
import { fleetProviders } from './discover.js';
import { type FleetRunOptions, type FleetRunResult, type FleetUnit, runOverUnits } from './run.js';
import { type FleetRequest, fleetScope } from './select.js';

export async function fleetFreeTierReport(
  ctx: Context,
  request: Pick<FleetRequest, 'account'>,
  input: FreeTierReportInput,
  options: Omit<FleetRunOptions<FreeTierReport>, 'command'>,
): Promise<FleetRunResult<FreeTierReport>> {
  const scope = fleetScope(ctx.config, request);
  const region = ctx.config.region;
  const providers = fleetProviders(ctx);
  const units: FleetUnit[] = scope.accounts.map((account) => ({ account, region, id: account.label }));
  return runOverUnits<FleetUnit, FreeTierReport>(
    ctx,
    { ...scope, regions: [region], unit: 'account' },
    units,
    async (unit, unitCtx) => {
      const provider = await providers.providerFor(unit.account, region);
      const outcome = await freeTierReport({ ...unitCtx, provider: async () => provider }, input);
      if (outcome.kind === 'no-free-tier') throw new Error(outcome.message);
      if (outcome.publishError) throw outcome.publishError;
      const { report } = outcome;
      return { verdict: report.exitCode === 0 ? 'ok' : 'failed', figure: figureOf(report), result: report };
    },
    { command: 'free-tier-report', ...options },
  );
}

/**
 * The summary's key figure: the offer nearest its limit by the end of the month (used or
 * forecast: a forecast is what crosses a threshold first), its forecast, the thresholds crossed. Pure.
 */
export function figureOf(r: Pick<FreeTierReport, 'offers' | 'crossed'>): string {
  const offers = r.offers.filter((o) => o.applies && o.available);
  const peak = (o: (typeof offers)[number]) => Math.max(o.percent, o.forecastPercent);
  const top = offers.reduce<(typeof offers)[number] | undefined>((a, o) => (a === undefined || peak(o) > peak(a) ? o : a), undefined);
  const used = top ? `${top.service} ${Math.round(top.percent)}% used (forecast ${Math.round(top.forecastPercent)}%)` : 'no offer readable';
  return r.crossed.length > 0 ? `${used}; ${r.crossed.length} threshold${r.crossed.length > 1 ? 's' : ''} crossed` : used;
}
