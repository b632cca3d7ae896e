import { ExitCode } from '../lib/errors.js';
import { freeTierReport as runReport } from '../lib/freetier/free-tier-report.js';
import { renderHuman, renderMarkdown } from '../lib/freetier/render.js';
import { seeAnchor } from '../lib/runbook/findings.js';
import { handler } from './define.js';
import * as def from './free-tier-report.js';

/**
 * Renders the report, then returns its exit code (4 when a threshold is crossed). With
 * --quiet a report with nothing crossed prints nothing, so cron mails only when it matters.
 */
export const freeTierReport = handler(def.freeTierReport, async (ctx, { opts }) => {
  const outcome = await runReport(ctx, { month: opts.month, withCostExplorer: opts.withCostExplorer, publish: opts.publish });
  if (outcome.kind === 'no-free-tier') {
    ctx.out.result({ provider: outcome.provider, freeTier: false, message: outcome.message }, (r) => (ctx.out.quiet ? '' : r.message));
    return ExitCode.ok;
  }
  const { report, publishError } = outcome;
  const silent = ctx.out.quiet && report.exitCode === ExitCode.ok;
  ctx.out.result(report, (r, c) => (silent ? '' : opts.markdown ? renderMarkdown(r) : renderHuman(r, c)));
  for (const f of report.findings) ctx.out.warn(`${f.message} ${seeAnchor(f.runbook)}`);
  if (publishError) throw publishError;
  return report.exitCode;
});
