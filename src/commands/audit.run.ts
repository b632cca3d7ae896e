import { runAudit } from '../lib/audit/audit.js';
import { renderAudit } from '../lib/audit/render.js';
import { ExitCode } from '../lib/errors.js';
import { provisionDeps } from '../lib/provision/deps.js';
import * as def from './audit.js';
import { handler } from './define.js';

export const audit = handler(def.audit, async (ctx) => {
  const result = await runAudit(await provisionDeps(ctx));
  ctx.out.result(result, renderAudit);
  return result.counts.high > 0 ? ExitCode.checksFailed : ExitCode.ok;
});
