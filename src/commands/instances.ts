import { createInstance, deleteInstance, listInstances } from '../lib/instances/instances.js';
import { renderInstanceDetail, renderInstanceTable } from '../lib/instances/render.js';
import { renderReport } from '../lib/runbook/render.js';
import type { CommandModule } from './types.js';

export const list: CommandModule = {
  async run(ctx) {
    const instances = await listInstances(ctx);
    ctx.out.result(instances, renderInstanceTable);
  },
};

export const create: CommandModule = {
  async run(ctx, { args, opts }) {
    const id = (args[0] as string | undefined) ?? ctx.config.database.identifier;
    const result = await createInstance(ctx, {
      id,
      instanceClass: opts.instanceClass as string | undefined,
      port: opts.port as number | undefined,
    });
    ctx.out.result(result, (r, c) => {
      if (r.dryRun) return `Dry run: would create ${r.request.id} (${r.request.engine} ${r.request.engineVersion}, ${r.request.instanceClass}, ${r.request.allocatedStorageGb} GB) in ${ctx.config.region}.`;
      return [renderReport(r.report!, c), '', renderInstanceDetail(r.instance!, c)].join('\n');
    });
  },
};

export const remove: CommandModule = {
  async run(ctx, { args, opts }) {
    const result = await deleteInstance(ctx, { id: args[0] as string, skipFinalSnapshot: Boolean(opts.skipFinalSnapshot) });
    ctx.out.result(result, (r) => {
      if (r.dryRun) return `Dry run: would delete ${r.id}${r.finalSnapshotId ? ` after a final snapshot ${r.finalSnapshotId}` : ' without a final snapshot'}.`;
      if (!r.deleted) return `Not deleted: ${r.id}.`;
      return `Deleted ${r.id}${r.finalSnapshotId ? `; final snapshot ${r.finalSnapshotId}` : ''}.`;
    });
  },
};
