import { ExitCode } from '../lib/errors.js';
import { vectorBuild } from '../lib/vector/build.js';
import type { VectorTargetInput } from '../lib/vector/db.js';
import { renderBuild, renderStatus, renderTune } from '../lib/vector/render.js';
import { vectorStatus } from '../lib/vector/status.js';
import { vectorTune } from '../lib/vector/tune.js';
import { handler } from './define.js';
import * as def from './vector.js';

const target = (opts: { url?: string; instance?: string; connectHost?: string }): VectorTargetInput => ({ url: opts.url, instance: opts.instance, connectHost: opts.connectHost });

export const status = handler(def.status, async (ctx, { opts }) => {
  const result = await vectorStatus(ctx, { target: target(opts), table: opts.table, distance: opts.distance });
  ctx.out.result(result, renderStatus);
});

export const tune = handler(def.tune, async (ctx, { opts }) => {
  const result = await vectorTune(ctx, {
    target: target(opts),
    table: opts.table,
    column: opts.column,
    distance: opts.distance,
    where: opts.where,
    k: opts.k,
    targetRecall: opts.targetRecall,
    queries: opts.queries,
    queriesFile: opts.queriesFile,
    maxP95Ms: opts.maxP95,
    rebuild: opts.rebuild,
    candidates: opts.candidates,
    plot: opts.plot,
    seed: opts.seed,
    statementTimeoutMs: opts.statementTimeout,
    maintenanceWorkMem: ctx.config.vector.maintenanceWorkMem,
    parallelWorkers: ctx.config.vector.parallelWorkers,
  });
  ctx.out.result(result, renderTune);
  return result.ok ? ExitCode.ok : ExitCode.checksFailed;
});

export const build = handler(def.build, async (ctx, { opts }) => {
  const result = await vectorBuild(ctx, {
    target: target(opts),
    table: opts.table,
    column: opts.column,
    m: opts.m,
    efConstruction: opts.efConstruction,
    distance: opts.distance,
    concurrently: opts.concurrently,
    name: opts.name,
    maintenanceWorkMem: ctx.config.vector.maintenanceWorkMem,
    parallelWorkers: ctx.config.vector.parallelWorkers,
  });
  ctx.out.result(result, renderBuild);
  return result.ok ? ExitCode.ok : ExitCode.checksFailed;
});
