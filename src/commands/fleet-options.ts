/** The options every fleet-wide command takes, and the request they make (docs/fleet.md). */
import type { Context } from '../lib/context.js';
import { UsageError } from '../lib/errors.js';
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

type FleetOpts = {
  all: boolean;
  select: string[];
  account: string | undefined;
  concurrency?: number | undefined;
  reportDir?: string | undefined;
  instance?: string | undefined;
};

/**
 * --all or --select: the command runs over the fleet rather than the one configured database.
 * Refuses (exit 2) what would otherwise be ignored: --instance with a fleet, and the fleet's own
 * options (--account, --concurrency, --report-dir) without one. `concurrencyAlone`: the command
 * has a meaning for --concurrency on one database too (restore-test).
 */
export function isFleetRun(opts: FleetOpts, o: { concurrencyAlone?: boolean } = {}): boolean {
  const fleet = opts.all || opts.select.length > 0;
  if (fleet && opts.instance !== undefined) {
    throw new UsageError('--instance names one database; --all / --select name a fleet: give one or the other.', {
      hint: 'Drop --instance to run over the fleet, or drop --all / --select to run on that one database.',
    });
  }
  if (!fleet) {
    const stray = [
      ...(opts.account !== undefined ? ['--account'] : []),
      ...(opts.concurrency !== undefined && !o.concurrencyAlone ? ['--concurrency'] : []),
      ...(opts.reportDir !== undefined ? ['--report-dir'] : []),
    ];
    if (stray.length > 0) {
      throw new UsageError(`${stray.join(', ')} ${stray.length === 1 ? 'applies' : 'apply'} to a fleet run, and this one names no fleet.`, {
        hint: 'Add --all (the whole configured fleet) or --select key=value, or leave it out for the one configured database.',
      });
    }
  }
  return fleet;
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
