import { UsageError } from '../lib/errors.js';
import { renderFleetRun } from '../lib/fleet/render.js';
import { fleetReplicaStatus } from '../lib/fleet/replica-status.js';
import { fleetRequest, isFleetRun } from './fleet-options.js';
import { renderHistory, renderTopology } from '../lib/failover/render.js';
import { replicaHistory, replicaStatus } from '../lib/failover/status.js';
import { handler } from './define.js';
import * as def from './replica.js';

export const status = handler(def.status, async (ctx, { opts }) => {
  if (isFleetRun(opts)) {
    const given = [...(opts.instance !== undefined ? ['--instance'] : []), ...(opts.history ? ['--history'] : [])];
    if (given.length > 0) {
      throw new UsageError(`${given.join(' and ')} cannot be combined with --all / --select.`, {
        hint: "--instance names one primary and --history reads this machine's records: drop them, or drop --all / --select.",
      });
    }
    const fleet = await fleetReplicaStatus(ctx, fleetRequest(ctx, opts), {
      concurrency: opts.concurrency,
      reportDir: opts.reportDir,
      renderReport: (r) => ('replicaOf' in r ? `replica of ${r.replicaOf}` : renderTopology(r)),
    });
    ctx.out.result(fleet, renderFleetRun);
    if (fleet.interrupted) throw fleet.interrupted;
    return fleet.exitCode;
  }
  if (opts.history) {
    ctx.out.result(await replicaHistory(ctx), renderHistory);
    return;
  }
  ctx.out.result(await replicaStatus(ctx, { instanceId: opts.instance }), renderTopology);
});
