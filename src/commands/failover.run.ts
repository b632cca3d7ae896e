import { ExitCode } from '../lib/errors.js';
import { failover as runFailover } from '../lib/failover/failover.js';
import { renderResult } from '../lib/failover/render.js';
import { handler } from './define.js';
import * as def from './failover.js';

/** `dbops failover`: flags -> one input, one lib call, the report, the exit code. */
export const failover = handler(def.failover, async (ctx, { opts }) => {
  const { result, error } = await runFailover(ctx, {
    primaryId: opts.instance,
    candidate: opts.candidate,
    maxLag: opts.maxLag,
    force: opts.force,
    timeoutMs: opts.timeout,
    probe: opts.probe,
    reportFile: opts.report,
  });
  ctx.out.result(result, renderResult);
  if (error) throw error;
  return ExitCode.ok;
});
