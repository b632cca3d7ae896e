import { writeHeartbeat } from '../lib/migrate/heartbeat.js';
import { renderHeartbeat } from '../lib/migrate/render.js';
import type { CommandModule } from './types.js';

export const heartbeat: CommandModule = {
  async run(ctx, { opts }) {
    const url = typeof opts.url === 'string' ? opts.url : undefined;
    const instanceId = typeof opts.instance === 'string' ? opts.instance : undefined;
    ctx.out.result(await writeHeartbeat(ctx, { target: { url, instanceId }, dryRun: ctx.flags.dryRun }), renderHeartbeat);
  },
};
