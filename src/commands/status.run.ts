import { UsageError } from '../lib/errors.js';
import { renderFleetRun } from '../lib/fleet/render.js';
import { fleetStatus } from '../lib/fleet/status.js';
import { fleetRequest, isFleetRun } from './fleet-options.js';
import { databaseStatus } from '../lib/instances/clusters.js';
import { renderDatabaseStatus } from '../lib/instances/render.js';
import { handler } from './define.js';
import * as def from './status.js';

export const status = handler(def.status, async (ctx, { args, opts }) => {
  if (isFleetRun(opts)) {
    if (args.id !== undefined)
      throw new UsageError('An id names one database; --all / --select name a fleet: give one or the other.', {
        hint: 'Drop the id to run over the fleet, or drop --all / --select to run on that one database.',
      });
    const fleet = await fleetStatus(ctx, fleetRequest(ctx, opts), {
      concurrency: opts.concurrency,
      reportDir: opts.reportDir,
    });
    ctx.out.result(fleet, renderFleetRun);
    if (fleet.interrupted) throw fleet.interrupted;
    return fleet.exitCode;
  }
  const status = await databaseStatus(ctx, args.id ?? ctx.config.database.identifier);
  ctx.out.result(status, renderDatabaseStatus);
});
