import type { SnapshotType } from '../lib/providers/types.js';
import { reportOf } from '../lib/runbook/runner.js';
import { renderReport } from '../lib/runbook/render.js';
import { copySnapshotCommand } from '../lib/snapshots/copy.js';
import { deleteSnapshotById } from '../lib/snapshots/delete.js';
import { pruneSnapshots } from '../lib/snapshots/prune.js';
import { renderCopy, renderDelete, renderPrune, renderRunPolicy, renderSnapshotDetail, renderSnapshotTable } from '../lib/snapshots/render.js';
import { runSnapshotPolicy } from '../lib/snapshots/run-policy.js';
import { createManualSnapshot, latestSnapshot, listSnapshots } from '../lib/snapshots/snapshots.js';
import { formatBytes } from '../lib/output/format.js';
import { ExitCode } from '../lib/errors.js';
import type { CommandModule } from './types.js';

const instanceOf = (opts: Record<string, unknown>, fallback: string): string => (opts.instance as string | undefined) ?? fallback;
const typeOf = (opts: Record<string, unknown>): SnapshotType | 'all' => (opts.type as SnapshotType | 'all' | undefined) ?? 'all';

export const create: CommandModule = {
  async run(ctx, { opts }) {
    const result = await createManualSnapshot(ctx, { instanceId: instanceOf(opts, ctx.config.database.identifier), wait: Boolean(opts.wait) });
    ctx.out.result(result, (r) =>
      r.dryRun
        ? `Dry run: would snapshot ${r.instanceId} as ${r.snapshotId} in ${r.region}.`
        : `Snapshot ${r.snapshotId} of ${r.instanceId}: ${r.snapshot?.status ?? 'requested'}${r.snapshot?.sizeBytes !== undefined ? `, ${formatBytes(r.snapshot.sizeBytes)}` : ''}.`,
    );
  },
};

export const list: CommandModule = {
  async run(ctx, { opts }) {
    const snapshots = await listSnapshots(ctx, { instanceId: opts.instance as string | undefined, type: typeOf(opts) });
    const now = ctx.clock.now();
    ctx.out.result(snapshots, (snaps, c) => renderSnapshotTable(snaps, now, c));
  },
};

export const latest: CommandModule = {
  async run(ctx, { opts }) {
    const snapshot = await latestSnapshot(ctx, { instanceId: instanceOf(opts, ctx.config.database.identifier), type: typeOf(opts) });
    const now = ctx.clock.now();
    ctx.out.result(snapshot, (s, c) => renderSnapshotDetail(s, now, c));
  },
};

export const copy: CommandModule = {
  async run(ctx, { args, opts }) {
    const result = await copySnapshotCommand(ctx, {
      snapshotId: args[0] as string,
      toRegion: opts.toRegion as string | undefined,
      kmsKeyId: opts.kmsKey as string | undefined,
    });
    ctx.out.result(result, renderCopy);
  },
};

export const remove: CommandModule = {
  async run(ctx, { args }) {
    const result = await deleteSnapshotById(ctx, { id: args[0] as string });
    ctx.out.result(result, renderDelete);
  },
};

export const prune: CommandModule = {
  async run(ctx, { opts }) {
    const result = await pruneSnapshots(ctx, { instanceId: opts.instance as string | undefined });
    ctx.out.result(result, renderPrune);
    return result.failed.length > 0 ? ExitCode.environment : undefined;
  },
};

export const runPolicy: CommandModule = {
  async run(ctx, { opts }) {
    try {
      const result = await runSnapshotPolicy(ctx, { instanceId: instanceOf(opts, ctx.config.database.identifier) });
      ctx.out.result(result, renderRunPolicy);
    } catch (e) {
      // The report of a failed run goes to stderr (the --json error document carries it too).
      const report = reportOf(e);
      if (report && !ctx.out.json) ctx.out.error(`run-policy failed; the run so far:\n${renderReport(report, ctx.out.c)}`);
      throw e;
    }
  },
};
