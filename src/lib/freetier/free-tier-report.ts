/**
 * `dbops free-tier-report`: one lib call the command hands flags to. Validates the month
 * before any AWS call, reads the usage through the UsageApi port, builds the report, and
 * with --publish writes the two percentages as CloudWatch custom metrics.
 */
import type { DbopsConfig } from '../config/schema.js';
import type { Context } from '../context.js';
import { UsageError, isDbopsError, type DbopsError } from '../errors.js';
import { createUsageApi } from '../providers/usage.js';
import { collectUsage } from './collect.js';
import { monthWindow } from './month.js';
import { publishData, publishResult } from './publish.js';
import { NO_FREE_TIER_MESSAGE } from './render.js';
import { buildReport } from './report.js';
import type { FreeTierReport, ReportSettings } from './types.js';

export interface FreeTierReportInput {
  /** "YYYY-MM"; the current month when absent. */
  month?: string;
  withCostExplorer: boolean;
  publish: boolean;
}

/** The local provider gets one line; AWS gets the report (and the publish error, if any). */
export type FreeTierOutcome =
  | { kind: 'no-free-tier'; provider: string; message: string }
  | { kind: 'report'; report: FreeTierReport; publishError?: DbopsError };

export interface FreeTierDeps {
  createUsageApi: typeof createUsageApi;
}

export function settingsFromConfig(config: DbopsConfig): ReportSettings {
  return {
    warnPercent: config.freeTier.warnPercent,
    budgetAlertPercents: config.budget.alertPercents,
    planEndWarnDays: config.freeTier.planEndWarnDays,
    creditsWarnUsd: config.freeTier.creditsWarnUsd,
    budgetUsd: config.budget.monthlyUsd,
  };
}

export async function freeTierReport(
  ctx: Context,
  input: FreeTierReportInput,
  deps: FreeTierDeps = { createUsageApi },
): Promise<FreeTierOutcome> {
  const now = ctx.clock.now();
  const window = monthWindow(input.month, now);
  if (input.publish && window.complete) {
    throw new UsageError('--publish publishes the current month only.', { hint: 'Leave out --month, or leave out --publish.' });
  }
  const api = await deps.createUsageApi(ctx.config, ctx.env, () => ctx.provider());
  if (!api) return { kind: 'no-free-tier', provider: ctx.config.provider, message: NO_FREE_TIER_MESSAGE };
  ctx.onClose(() => api.close());
  const provider = await ctx.provider();

  const data = await collectUsage(api, provider, window, { withCostExplorer: input.withCostExplorer });
  const report = buildReport(data, settingsFromConfig(ctx.config), now);
  ctx.out.debug(
    `free-tier-report: ${data.metrics.length} metrics listed, ${report.rdsInstances.length} RDS instances, ${data.missing.length} sources missing`,
  );
  if (!input.publish) return { kind: 'report', report };

  const namespace = ctx.config.freeTier.metricsNamespace;
  if (ctx.flags.dryRun) {
    const would = publishResult(namespace, data.metrics);
    const values = publishData(report, now)
      .map((d) => `${d.metricName}=${d.value}`)
      .join(', ');
    return {
      kind: 'report',
      report: {
        ...report,
        published: { ...would, note: `Dry run: would publish ${values} to ${namespace}. ${would.note.replace(/^Published/, 'These are')}` },
      },
    };
  }
  try {
    await provider.putMetricData(namespace, publishData(report, now));
    return { kind: 'report', report: { ...report, published: publishResult(namespace, data.metrics) } };
  } catch (e) {
    if (!isDbopsError(e)) throw e;
    return { kind: 'report', report, publishError: e };
  }
}
