import { instanceStatus } from '../lib/instances/instances.js';
import { renderInstanceDetail } from '../lib/instances/render.js';
import { handler } from './define.js';
import * as def from './status.js';

export const status = handler(def.status, async (ctx, { args }) => {
  const instance = await instanceStatus(ctx, args.id ?? ctx.config.database.identifier);
  ctx.out.result(instance, renderInstanceDetail);
});
