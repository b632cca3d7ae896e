import {
  createInstance,
  deleteInstance,
  listInstances,
  type StartStopResult,
  startInstance,
  stopInstance,
} from '../lib/instances/instances.js';
import { renderClusterTable, renderInstanceDetail, renderInstanceTable } from '../lib/instances/render.js';
import { listClusters } from '../lib/instances/clusters.js';
import { renderReport } from '../lib/runbook/render.js';
import { restoreToPointInTime } from '../lib/backups/pitr.js';
import { handler } from './define.js';
import * as def from './instances.js';

export const list = handler(def.list, async (ctx) => {
  const instances = await listInstances(ctx);
  ctx.out.result(instances, renderInstanceTable);
});

export const clusters = handler(def.clusters, async (ctx) => {
  ctx.out.result(await listClusters(ctx), renderClusterTable);
});

export const create = handler(def.create, async (ctx, { args, opts }) => {
  const result = await createInstance(ctx, {
    id: args.id ?? ctx.config.database.identifier,
    instanceClass: opts.instanceClass,
    port: opts.port,
    connectHost: opts.connectHost,
  });
  ctx.out.result(result, (r, c) => {
    if (r.dryRun)
      return `Dry run: would create ${r.request.id} (${r.request.engine} ${r.request.engineVersion}, ${r.request.instanceClass}, ${r.request.allocatedStorageGb} GB) in ${ctx.config.region}.`;
    return [renderReport(r.report!, c), '', renderInstanceDetail(r.instance!, c)].join('\n');
  });
});

export const remove = handler(def.remove, async (ctx, { args, opts }) => {
  const result = await deleteInstance(ctx, { id: args.id, skipFinalSnapshot: opts.skipFinalSnapshot });
  ctx.out.result(result, (r) => {
    if (r.dryRun)
      return `Dry run: would delete ${r.id}${r.finalSnapshotId ? ` after a final snapshot ${r.finalSnapshotId}` : ' without a final snapshot'}.`;
    if (!r.deleted) return `Not deleted: ${r.id}.`;
    return `Deleted ${r.id}${r.finalSnapshotId ? `; final snapshot ${r.finalSnapshotId}` : ''}.`;
  });
});

function renderStartStop(r: StartStopResult): string {
  const verb = r.action === 'start' ? 'start' : 'stop';
  const lines: string[] = [];
  if (r.dryRun) lines.push(r.changed ? '' : `Dry run: would ${verb} ${r.id} (now ${r.instance.status}).`);
  else if (!r.changed && r.action === 'start') lines.push(`${r.id} is ${r.instance.status} already; nothing to start.`);
  else if (!r.changed && (r.instance.status === 'stopped' || r.instance.status === 'stopping'))
    lines.push(`${r.id} is ${r.instance.status} already; nothing to stop.`);
  else if (!r.changed) lines.push(`Not stopped: ${r.id}.`);
  else lines.push(`${r.action === 'start' ? 'Started' : 'Stopped'} ${r.id}: ${r.instance.status}.`);
  if (r.note && r.action === 'stop') lines.push(`note: ${r.note}`);
  return lines.filter((l) => l !== '').join('\n');
}

export const start = handler(def.start, async (ctx, { args, opts }) => {
  ctx.out.result(await startInstance(ctx, { id: args.id, wait: opts.wait }), renderStartStop);
});

export const stop = handler(def.stop, async (ctx, { args }) => {
  ctx.out.result(await stopInstance(ctx, { id: args.id }), renderStartStop);
});

export const restore = handler(def.restore, async (ctx, { args, opts }) => {
  const result = await restoreToPointInTime(ctx, {
    sourceId: args.source,
    targetId: opts.target,
    to: opts.to,
    latestRestorable: opts.latestRestorable,
    instanceClass: opts.instanceClass,
  });
  ctx.out.result(result, (r, c) => {
    const window = `restorable window ${r.window.earliest ?? '?'} to ${r.window.latest ?? '?'}`;
    if (r.dryRun)
      return `Dry run: ${r.requested === 'latest' ? 'the latest restorable time' : r.requested} is inside the ${window}; would restore ${r.sourceId} into ${r.targetId}.`;
    const beat = r.newestHeartbeat
      ? `Newest heartbeat in ${r.targetId}: ${r.newestHeartbeat}${r.heartbeatLagSeconds !== undefined ? ` (${r.heartbeatLagSeconds} s before the target)` : ''}.`
      : `No heartbeat in ${r.targetId} (dbops heartbeat from cron measures the real data loss).`;
    return [
      renderReport(r.report!, c),
      '',
      `Restored ${r.sourceId} to ${r.requested === 'latest' ? `the latest restorable time (${r.window.latest ?? '?'})` : r.requested} into ${r.targetId}.`,
      beat,
      '',
      renderInstanceDetail(r.instance!, c),
    ].join('\n');
  });
});
