import { connectAndProbe, runAudit } from '../lib/audit/audit.js';
import { renderAudit } from '../lib/audit/render.js';
import { ExitCode } from '../lib/errors.js';
import { provisionDeps } from '../lib/provision/deps.js';
import * as def from './audit.js';
import { handler } from './define.js';

export const audit = handler(def.audit, async (ctx, { opts }) => {
  const target = {
    ...(opts.instance !== undefined ? { instanceId: opts.instance } : {}),
    ...(opts.cache !== undefined ? { cacheId: opts.cache } : {}),
    ...(opts.connectHost !== undefined ? { connectHost: opts.connectHost } : {}),
  };
  const result = await runAudit(await provisionDeps(ctx), connectAndProbe, target);
  ctx.out.result(result, renderAudit);
  return result.counts.high > 0 ? ExitCode.checksFailed : ExitCode.ok;
});
