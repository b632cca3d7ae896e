import { Chalk } from 'chalk';
import { ExitCode, UsageError } from '../lib/errors.js';
import { fleetGc } from '../lib/fleet/gc.js';
import { renderFleetRun } from '../lib/fleet/render.js';
import { fleetRequest, isFleetRun } from './fleet-options.js';
import { gc as collect } from '../lib/snapshots/gc.js';
import { renderGc } from '../lib/snapshots/render.js';
import { handler } from './define.js';
import * as def from './gc.js';

/** `dbops gc`: exit 3 when a deletion failed (the rest went on; rendered first). */
export const gc = handler(def.gc, async (ctx, { opts }) => {
  if (isFleetRun(opts)) {
    if (opts.select.length > 0) {
      throw new UsageError('gc works on accounts and regions, not on databases: --select does not apply.', {
        hint: 'Use --all, narrowed with --account / --region.',
      });
    }
    const fleet = await fleetGc(ctx, fleetRequest(ctx, opts), {
      concurrency: opts.concurrency,
      reportDir: opts.reportDir,
      renderReport: (r) => renderGc(r, new Chalk({ level: 0 })),
    });
    ctx.out.result(fleet, renderFleetRun);
    if (fleet.interrupted) throw fleet.interrupted;
    return fleet.exitCode;
  }
  const result = await collect(ctx);
  ctx.out.result(result, renderGc);
  return result.failed.length > 0 ? ExitCode.environment : undefined;
});
