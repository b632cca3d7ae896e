import { Chalk } from 'chalk';
import { connectAndProbe, runAudit } from '../lib/audit/audit.js';
import { renderAudit } from '../lib/audit/render.js';
import { ExitCode, UsageError } from '../lib/errors.js';
import { fleetAudit } from '../lib/fleet/audit.js';
import { renderFleetRun } from '../lib/fleet/render.js';
import { provisionDeps } from '../lib/provision/deps.js';
import * as def from './audit.js';
import { handler } from './define.js';
import { fleetRequest, isFleetRun } from './fleet-options.js';

export const audit = handler(def.audit, async (ctx, { opts }) => {
  if (isFleetRun(opts)) {
    const given = [
      ...(opts.instance !== undefined ? ['--instance'] : []),
      ...(opts.cache !== undefined ? ['--cache'] : []),
      ...(opts.connectHost !== undefined ? ['--connect-host'] : []),
    ];
    if (given.length > 0) {
      throw new UsageError(`${given.join(', ')} name${given.length === 1 ? 's' : ''} one deployment; --all / --select audit a fleet.`, {
        hint: 'Leave them out with --all / --select, or drop --all / --select.',
      });
    }
    const fleet = await fleetAudit(ctx, fleetRequest(ctx, opts), {
      concurrency: opts.concurrency,
      reportDir: opts.reportDir,
      renderReport: (r) => renderAudit(r, new Chalk({ level: 0 })),
    });
    ctx.out.result(fleet, renderFleetRun);
    if (fleet.interrupted) throw fleet.interrupted;
    return fleet.exitCode;
  }
  const target = {
    ...(opts.instance !== undefined ? { instanceId: opts.instance } : {}),
    ...(opts.cache !== undefined ? { cacheId: opts.cache } : {}),
    ...(opts.connectHost !== undefined ? { connectHost: opts.connectHost } : {}),
  };
  const result = await runAudit(await provisionDeps(ctx), connectAndProbe, target);
  ctx.out.result(result, renderAudit);
  return result.counts.high > 0 ? ExitCode.checksFailed : ExitCode.ok;
});
