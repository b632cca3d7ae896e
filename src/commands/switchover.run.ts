import { ExitCode } from '../lib/errors.js';
import { renderResult } from '../lib/failover/render.js';
import { parseScheduled } from '../lib/failover/settings.js';
import { switchover as runSwitchover } from '../lib/failover/switchover.js';
import { handler } from './define.js';
import * as def from './switchover.js';

/** `dbops switchover`: flags -> one input, one lib call, the report, the exit code. */
export const switchover = handler(def.switchover, async (ctx, { opts }) => {
  const { result, error } = await runSwitchover(ctx, {
    primaryId: opts.instance,
    candidate: opts.candidate,
    maxLag: opts.maxLag,
    timeoutMs: opts.timeout,
    scheduled: opts.scheduled === undefined ? undefined : parseScheduled(opts.scheduled, ctx.clock.now()),
    probe: opts.probe,
    reportFile: opts.report,
    deleteOldPrimary: opts.deleteOldPrimary,
  });
  ctx.out.result(result, renderResult);
  if (error) throw error;
  return ExitCode.ok;
});
