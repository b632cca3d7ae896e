import { Chalk } from 'chalk';
import { ExitCode, UsageError } from '../lib/errors.js';
import { fleetFreeTierReport } from '../lib/fleet/free-tier.js';
import { renderFleetRun } from '../lib/fleet/render.js';
import { fleetRequest, isFleetRun } from './fleet-options.js';
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
  if (isFleetRun(opts) && ctx.config.provider === 'aws') {
    if (opts.select.length > 0 || opts.markdown) {
      throw new UsageError(`${opts.markdown ? '--markdown' : '--select'} does not apply with --all: the free tier is an account's.`, {
        hint: "Use --all (narrowed with --account); --report-dir keeps each account's full report.",
      });
    }
    const fleet = await fleetFreeTierReport(
      ctx,
      fleetRequest(ctx, opts),
      { month: opts.month, withCostExplorer: opts.withCostExplorer, publish: opts.publish },
      { concurrency: opts.concurrency, reportDir: opts.reportDir, renderReport: (r) => renderHuman(r, new Chalk({ level: 0 })) },
    );
    ctx.out.result(fleet, renderFleetRun);
    if (fleet.interrupted) throw fleet.interrupted;
    // A threshold crossed keeps its meaning for cron: exit 4, unless an account could not be read (3).
    return fleet.exitCode === ExitCode.checksFailed ? ExitCode.threshold : fleet.exitCode;
  }
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
