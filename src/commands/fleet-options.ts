/** The options every fleet-wide command takes, and the request they make (docs/fleet.md). */
import type { Context } from '../lib/context.js';
import { type FleetRequest, parseSelector } from '../lib/fleet/select.js';
import { opt } from './define.js';

export const fleetOptions = {
  all: opt.flag('--all', 'the whole configured fleet (config fleet:)'),
  select: opt.list('--select <key=value>', 'databases whose tag key=value (or engine=, identifier=<glob>); repeatable, all must match'),
  account: opt.string('--account <id|name>', 'only this account of the fleet (AWS)'),
};

/** A command that does work per database: how many at once, and where each one's full report goes. */
export const fleetRunOptions = {
  ...fleetOptions,
  concurrency: opt.int('--concurrency <n>', 'with --all/--select: databases worked on at once (default fleet.concurrency, else 4)', {
    min: 1,
    max: 64,
  }),
  reportDir: opt.string('--report-dir <dir>', "with --all/--select: write each database's full report (JSON and text) there"),
};

type FleetOpts = { all: boolean; select: string[]; account: string | undefined };

/** --all or --select: the command runs over the fleet rather than the one configured database. */
export function isFleetRun(opts: FleetOpts): boolean {
  return opts.all || opts.select.length > 0;
}

/** The fleet request the options make; --region given on the command line narrows it to that region. */
export function fleetRequest(ctx: Context, opts: FleetOpts): FleetRequest {
  const regionFlag = ctx.loaded.sources.region?.kind === 'flag';
  return {
    all: opts.all,
    selectors: opts.select.map(parseSelector),
    ...(regionFlag ? { region: ctx.config.region } : {}),
    ...(opts.account ? { account: opts.account } : {}),
  };
}
