import { Chalk } from 'chalk';
import { ExitCode } from '../lib/errors.js';
import { renderFleetRun } from '../lib/fleet/render.js';
import { fleetSnapshotPolicy } from '../lib/fleet/snapshot-policy.js';
import { fleetRequest, isFleetRun } from './fleet-options.js';
import { formatBytes } from '../lib/output/format.js';
import { renderReport } from '../lib/runbook/render.js';
import { reportOf } from '../lib/runbook/runner.js';
import { copySnapshotCommand } from '../lib/snapshots/copy.js';
import { deleteSnapshotById } from '../lib/snapshots/delete.js';
import { pruneSnapshots } from '../lib/snapshots/prune.js';
import {
  renderCopy,
  renderDelete,
  renderPrune,
  renderRunPolicy,
  renderSnapshotDetail,
  renderSnapshotTable,
} from '../lib/snapshots/render.js';
import { runSnapshotPolicy } from '../lib/snapshots/run-policy.js';
import { createManualSnapshot, latestSnapshot, listSnapshots } from '../lib/snapshots/snapshots.js';
import { handler } from './define.js';
import * as def from './snapshot.js';

export const create = handler(def.create, async (ctx, { opts }) => {
  const result = await createManualSnapshot(ctx, {
    instanceId: opts.instance ?? ctx.config.database.identifier,
    wait: opts.wait,
    ...(opts.id !== undefined ? { snapshotId: opts.id } : {}),
  });
  ctx.out.result(result, (r) =>
    r.dryRun
      ? `Dry run: would snapshot ${r.instanceId} as ${r.snapshotId} in ${r.region}.`
      : `Snapshot ${r.snapshotId} of ${r.instanceId}: ${r.snapshot?.status ?? 'requested'}${r.snapshot?.sizeBytes !== undefined ? `, ${formatBytes(r.snapshot.sizeBytes)}` : ''}.`,
  );
});

export const list = handler(def.list, async (ctx, { opts }) => {
  const snapshots = await listSnapshots(ctx, { instanceId: opts.instance, type: opts.type });
  const now = ctx.clock.now();
  ctx.out.result(snapshots, (snaps, c) => renderSnapshotTable(snaps, now, c));
});

export const latest = handler(def.latest, async (ctx, { opts }) => {
  const snapshot = await latestSnapshot(ctx, { instanceId: opts.instance ?? ctx.config.database.identifier, type: opts.type });
  const now = ctx.clock.now();
  ctx.out.result(snapshot, (s, c) => renderSnapshotDetail(s, now, c));
});

export const copy = handler(def.copy, async (ctx, { args, opts }) => {
  const result = await copySnapshotCommand(ctx, { snapshotId: args.id, toRegion: opts.toRegion, kmsKeyId: opts.kmsKey });
  ctx.out.result(result, renderCopy);
});

export const remove = handler(def.remove, async (ctx, { args }) => {
  const result = await deleteSnapshotById(ctx, { id: args.id });
  ctx.out.result(result, renderDelete);
});

export const prune = handler(def.prune, async (ctx, { opts }) => {
  const result = await pruneSnapshots(ctx, { instanceId: opts.instance });
  ctx.out.result(result, renderPrune);
  return result.failed.length > 0 ? ExitCode.environment : undefined;
});

export const runPolicy = handler(def.runPolicy, async (ctx, { opts }) => {
  if (isFleetRun(opts)) {
    const fleet = await fleetSnapshotPolicy(ctx, fleetRequest(ctx, opts), {
      concurrency: opts.concurrency,
      reportDir: opts.reportDir,
      renderReport: (r) => ('skipped' in r ? r.skipped : renderRunPolicy(r, new Chalk({ level: 0 }))),
    });
    ctx.out.result(fleet, renderFleetRun);
    if (fleet.interrupted) throw fleet.interrupted;
    return fleet.exitCode;
  }
  try {
    const result = await runSnapshotPolicy(ctx, { instanceId: opts.instance ?? ctx.config.database.identifier });
    ctx.out.result(result, renderRunPolicy);
  } catch (e) {
    // The report of a failed run goes to stderr (the --json error document carries it too).
    const report = reportOf(e);
    if (report && !ctx.out.json) ctx.out.error(`run-policy failed; the run so far:\n${renderReport(report, ctx.out.c)}`);
    throw e;
  }
});
