import type { Context } from '../lib/context.js';
import { ExitCode } from '../lib/errors.js';
import { vectorBuild } from '../lib/vector/build.js';
import type { VectorTargetInput } from '../lib/vector/db.js';
import { renderBuild, renderStatus, renderTune } from '../lib/vector/render.js';
import { vectorStatus } from '../lib/vector/status.js';
import { vectorTune } from '../lib/vector/tune.js';
import { handler } from './define.js';
import * as def from './vector.js';

const target = (opts: { url?: string; instance?: string; connectHost?: string }): VectorTargetInput => ({
  url: opts.url,
  instance: opts.instance,
  connectHost: opts.connectHost,
});

/** The build session's settings: the config's, which --maintenance-work-mem and --parallel-workers override. */
const buildSession = (ctx: Context) => ({
  maintenanceWorkMem: ctx.config.vector.maintenanceWorkMem,
  parallelWorkers: ctx.config.vector.parallelWorkers,
});

export const status = handler(def.status, async (ctx, { opts }) => {
  const result = await vectorStatus(ctx, { target: target(opts), table: opts.table, distance: opts.distance });
  ctx.out.result(result, renderStatus);
});

export const tune = handler(def.tune, async (ctx, { opts }) => {
  const result = await vectorTune(ctx, { ...opts, target: target(opts), ...buildSession(ctx) });
  ctx.out.result(result, renderTune);
  return result.ok ? ExitCode.ok : ExitCode.checksFailed;
});

export const build = handler(def.build, async (ctx, { opts }) => {
  const result = await vectorBuild(ctx, { ...opts, target: target(opts), ...buildSession(ctx) });
  ctx.out.result(result, renderBuild);
  return result.ok ? ExitCode.ok : ExitCode.checksFailed;
});
