import { ExitCode } from '../lib/errors.js';
import { failoverCluster, isClusterFailover, renderClusterFailover } from '../lib/failover/cluster.js';
import { failover as runFailover } from '../lib/failover/failover.js';
import { renderResult } from '../lib/failover/render.js';
import { handler } from './define.js';
import * as def from './failover.js';

/** `dbops failover`: flags -> one input, one lib call, the report, the exit code. */
export const failover = handler(def.failover, async (ctx, { opts }) => {
  const id = opts.instance ?? ctx.config.database.identifier;
  if (isClusterFailover(ctx, id)) {
    ctx.out.result(
      await failoverCluster(ctx, {
        clusterId: id,
        candidate: opts.candidate,
        probe: opts.probe,
        reportFile: opts.report,
      }),
      renderClusterFailover,
    );
    return ExitCode.ok;
  }
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
