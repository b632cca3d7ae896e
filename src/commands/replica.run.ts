import { renderHistory, renderTopology } from '../lib/failover/render.js';
import { replicaHistory, replicaStatus } from '../lib/failover/status.js';
import { handler } from './define.js';
import * as def from './replica.js';

export const status = handler(def.status, async (ctx, { opts }) => {
  if (opts.history) {
    ctx.out.result(await replicaHistory(ctx), renderHistory);
    return;
  }
  ctx.out.result(await replicaStatus(ctx, { instanceId: opts.instance }), renderTopology);
});
