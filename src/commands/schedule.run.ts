import type { Context } from '../lib/context.js';
import { ConfigError, ExitCode, UsageError } from '../lib/errors.js';
import { appliedOf, appliedSummary } from '../lib/provision/apply.js';
import { renderReport } from '../lib/runbook/render.js';
import { reportOf } from '../lib/runbook/runner.js';
import { applySchedule, destroySchedule, planScheduleOnly, type ScheduleDeps } from '../lib/schedule/apply.js';
import { scheduleCloud } from '../lib/schedule/cloud.js';
import { desiredSchedule } from '../lib/schedule/desired.js';
import { fleetItems } from '../lib/schedule/fleet-items.js';
import { checkedSchedule, scheduleInput } from '../lib/schedule/input.js';
import type { DesiredSchedule, ScheduleCloud } from '../lib/schedule/resources.js';
import { renderScheduleApply, renderScheduleDestroy, renderSchedulePlan, renderScheduleStatus } from '../lib/schedule/show.js';
import { scheduleStatus } from '../lib/schedule/status.js';
import { renderSchedule } from '../lib/schedule/render-target.js';
import { ALL_TARGETS } from '../lib/schedule/targets.js';
import { handler } from './define.js';
import * as def from './schedule.js';

export const render = handler(def.render, async (ctx, { opts }) => {
  if (!opts.target) {
    throw new UsageError('schedule render needs --target.', { hint: `One of: ${ALL_TARGETS.join(', ')}.` });
  }
  const result = renderSchedule(ctx.config, { target: opts.target, ...(opts.accountId ? { accountId: opts.accountId } : {}) });
  ctx.out.result(result, (r) => r.text.replace(/\n$/, ''));
});

/** The schedule's deps: checked before any AWS call, then the account's id and the desired state. */
async function scheduleDeps(ctx: Context): Promise<ScheduleDeps> {
  const checked = checkedSchedule(ctx.config);
  const cloud = await scheduleCloud(ctx);
  const accountId = await cloud.accountId();
  const input = await scheduleInput(ctx.config, checked, accountId, fleetItems(ctx));
  return depsOf(ctx, cloud, desiredSchedule(input));
}

function depsOf(ctx: Context, cloud: ScheduleCloud, desired: DesiredSchedule): ScheduleDeps {
  return {
    cloud,
    desired,
    prefix: 'dbops',
    out: ctx.out,
    clock: ctx.clock,
    signal: ctx.signal,
    prompt: ctx.prompt,
    dryRun: ctx.flags.dryRun,
  };
}

/** On failure: the run report and what was changed, on stderr, before the error line. */
async function explainFailure<T>(ctx: Context, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    const report = reportOf(e);
    if (report && !ctx.out.json) ctx.out.info(renderReport(report, ctx.out.c));
    const applied = appliedOf(e);
    if (applied && applied.length > 0) ctx.out.warn(`Done before the failure: ${appliedSummary(applied)}. Rerun the command to continue.`);
    throw e;
  }
}

export const plan = handler(def.plan, async (ctx, { opts }) => {
  const deps = await scheduleDeps(ctx);
  const result = await planScheduleOnly(deps);
  ctx.out.result(result, renderSchedulePlan);
  return opts.detailedExitcode && result.pending > 0 ? ExitCode.checksFailed : ExitCode.ok;
});

export const apply = handler(def.apply, async (ctx) => {
  const deps = await scheduleDeps(ctx);
  const result = await explainFailure(ctx, () => applySchedule(deps));
  ctx.out.result(result, renderScheduleApply);
});

export const destroy = handler(def.destroy, async (ctx) => {
  // Destroy needs no valid schedule: it deletes what exists of dbops' names.
  let deps: ScheduleDeps;
  try {
    deps = await scheduleDeps(ctx);
  } catch (e) {
    if (!(e instanceof ConfigError) && !(e instanceof UsageError)) throw e;
    const cloud = await scheduleCloud(ctx);
    const accountId = await cloud.accountId();
    deps = depsOf(ctx, cloud, { region: cloud.region, accountId, resources: [], tags: {}, jobs: [] });
  }
  const result = await explainFailure(ctx, () => destroySchedule(deps));
  ctx.out.result(result, renderScheduleDestroy);
});

export const status = handler(def.status, async (ctx, { opts }) => {
  const deps = await scheduleDeps(ctx);
  const result = await scheduleStatus(deps.cloud, deps.desired, deps.prefix, ctx.clock.now(), opts.last);
  ctx.out.result(result, renderScheduleStatus);
  const latestFailed = result.jobs.some((j) => ['failed', 'aborted', 'timed-out'].includes(j.executions[0]?.verdict ?? ''));
  return latestFailed ? ExitCode.checksFailed : ExitCode.ok;
});
