import { writeHeartbeat } from '../lib/migrate/heartbeat.js';
import { renderHeartbeat } from '../lib/migrate/render.js';
import { handler } from './define.js';
import * as def from './heartbeat.js';

export const heartbeat = handler(def.heartbeat, async (ctx, { opts }) => {
  ctx.out.result(
    await writeHeartbeat(ctx, {
      target: { url: opts.url, instanceId: opts.instance, connectHost: opts.connectHost },
      dryRun: ctx.flags.dryRun,
    }),
    renderHeartbeat,
  );
});
