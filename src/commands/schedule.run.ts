import { UsageError } from '../lib/errors.js';
import { renderSchedule } from '../lib/schedule/render-target.js';
import { ALL_TARGETS } from '../lib/schedule/render.js';
import { handler } from './define.js';
import * as def from './schedule.js';

export const render = handler(def.render, async (ctx, { opts }) => {
  if (!opts.target) {
    throw new UsageError('schedule render needs --target.', { hint: `One of: ${ALL_TARGETS.join(', ')}.` });
  }
  const result = renderSchedule(ctx.config, { target: opts.target, ...(opts.accountId ? { accountId: opts.accountId } : {}) });
  ctx.out.result(result, (r) => r.text.replace(/\n$/, ''));
});
