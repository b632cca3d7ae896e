import type { Context } from '../lib/context.js';
import { ExitCode } from '../lib/errors.js';
import { appliedOf, appliedSummary, applyProvision, planProvision } from '../lib/provision/apply.js';
import { provisionDeps } from '../lib/provision/deps.js';
import { destroyProvision } from '../lib/provision/destroy.js';
import { renderApply, renderDestroy, renderPlan } from '../lib/provision/render.js';
import { renderReport } from '../lib/runbook/render.js';
import { reportOf } from '../lib/runbook/runner.js';
import { handler } from './define.js';
import * as def from './provision.js';

/** On failure: the run report and what was created, on stderr, before the error line. */
async function explainFailure<T>(ctx: Context, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    const report = reportOf(e);
    if (report && !ctx.out.json) ctx.out.info(renderReport(report, ctx.out.c));
    const applied = appliedOf(e);
    if (applied && applied.length > 0)
      ctx.out.warn(`Done before the failure: ${appliedSummary(applied)}. Rerun \`dbops provision apply\` to continue.`);
    throw e;
  }
}

export const plan = handler(def.plan, async (ctx, { opts }) => {
  const result = await planProvision(await provisionDeps(ctx));
  ctx.out.result(result, renderPlan);
  return opts.detailedExitcode && result.pending > 0 ? ExitCode.checksFailed : ExitCode.ok;
});

export const apply = handler(def.apply, async (ctx, { opts }) => {
  const deps = await provisionDeps(ctx);
  const result = await explainFailure(ctx, () =>
    applyProvision(deps, { applyImmediately: opts.applyImmediately, allowDataLoss: opts.allowDataLoss }),
  );
  ctx.out.result(result, renderApply);
});

export const destroy = handler(def.destroy, async (ctx, { opts }) => {
  const deps = await provisionDeps(ctx);
  const result = await explainFailure(ctx, () =>
    destroyProvision(deps, { skipFinalSnapshot: opts.skipFinalSnapshot, ignoreDeletionProtection: opts.ignoreDeletionProtection }),
  );
  ctx.out.result(result, renderDestroy);
});
