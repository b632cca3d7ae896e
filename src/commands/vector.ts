import { ExitCode } from '../lib/errors.js';
import { vectorBuild } from '../lib/vector/build.js';
import { renderBuild, renderStatus, renderTune } from '../lib/vector/render.js';
import { vectorStatus } from '../lib/vector/status.js';
import { vectorTune } from '../lib/vector/tune.js';
import type { Distance } from '../lib/vector/types.js';
import type { VectorTargetInput } from '../lib/vector/db.js';
import type { CommandModule } from './types.js';

type Opts = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

function target(opts: Opts): VectorTargetInput {
  return { url: str(opts.url), instance: str(opts.instance), connectHost: str(opts.connectHost) };
}

export const status: CommandModule = {
  async run(ctx, { opts }) {
    const result = await vectorStatus(ctx, { target: target(opts), table: str(opts.table), distance: str(opts.distance) as Distance | undefined });
    ctx.out.result(result, renderStatus);
  },
};

export const tune: CommandModule = {
  async run(ctx, { opts }) {
    const result = await vectorTune(ctx, {
      target: target(opts),
      table: str(opts.table)!,
      column: str(opts.column),
      distance: str(opts.distance) as Distance | undefined,
      where: str(opts.where),
      k: num(opts.k),
      targetRecall: num(opts.targetRecall),
      queries: num(opts.queries),
      queriesFile: str(opts.queriesFile),
      maxP95: str(opts.maxP95),
      rebuild: Boolean(opts.rebuild),
      candidates: str(opts.candidates),
      plot: str(opts.plot),
      seed: num(opts.seed),
      statementTimeout: str(opts.statementTimeout),
      maintenanceWorkMem: str(opts.maintenanceWorkMem) ?? ctx.config.vector.maintenanceWorkMem,
      parallelWorkers: num(opts.parallelWorkers) ?? ctx.config.vector.parallelWorkers,
    });
    ctx.out.result(result, renderTune);
    return result.ok ? ExitCode.ok : ExitCode.checksFailed;
  },
};

export const build: CommandModule = {
  async run(ctx, { opts }) {
    const result = await vectorBuild(ctx, {
      target: target(opts),
      table: str(opts.table)!,
      column: str(opts.column),
      m: num(opts.m),
      efConstruction: num(opts.efConstruction),
      distance: str(opts.distance) as Distance | undefined,
      concurrently: Boolean(opts.concurrently),
      name: str(opts.name),
      maintenanceWorkMem: str(opts.maintenanceWorkMem) ?? ctx.config.vector.maintenanceWorkMem,
      parallelWorkers: num(opts.parallelWorkers) ?? ctx.config.vector.parallelWorkers,
    });
    ctx.out.result(result, renderBuild);
    return result.ok ? ExitCode.ok : ExitCode.checksFailed;
  },
};
