import { formatAge, formatBytes, renderTable } from '../lib/output/format.js';
import type { Snapshot, SnapshotType } from '../lib/providers/types.js';
import { createManualSnapshot, listSnapshots } from '../lib/snapshots/snapshots.js';
import type { CommandModule } from './types.js';

export const create: CommandModule = {
  async run(ctx, { opts }) {
    const instanceId = (opts.instance as string | undefined) ?? ctx.config.database.identifier;
    const result = await createManualSnapshot(ctx, { instanceId, wait: Boolean(opts.wait) });
    ctx.out.result(result, (r) =>
      r.dryRun
        ? `Dry run: would snapshot ${r.instanceId} as ${r.snapshotId}.`
        : `Snapshot ${r.snapshotId} of ${r.instanceId}: ${r.snapshot?.status ?? 'requested'}${r.snapshot?.sizeBytes !== undefined ? `, ${formatBytes(r.snapshot.sizeBytes)}` : ''}.`,
    );
  },
};

export const list: CommandModule = {
  async run(ctx, { opts }) {
    const snapshots = await listSnapshots(ctx, {
      instanceId: opts.instance as string | undefined,
      type: (opts.type as SnapshotType | 'all' | undefined) ?? 'all',
    });
    const now = ctx.clock.now();
    ctx.out.result(snapshots, (snaps) =>
      snaps.length === 0
        ? 'No snapshots.'
        : renderTable(
            [
              { header: 'ID', value: (s: Snapshot) => s.id },
              { header: 'TYPE', value: (s) => s.type },
              { header: 'STATUS', value: (s) => s.status },
              { header: 'CREATED', value: (s) => s.createdAt?.toISOString().replace(/\.\d+Z$/, 'Z') ?? '-' },
              { header: 'AGE', value: (s) => formatAge(s.createdAt, now) },
              { header: 'SIZE', value: (s) => formatBytes(s.sizeBytes) },
              { header: 'ENCRYPTED', value: (s) => (s.encrypted ? 'yes' : 'no') },
              { header: 'ENGINE', value: (s) => `${s.engine} ${s.engineVersion}` },
              { header: 'REGION', value: (s) => s.region },
              { header: 'SOURCE', value: (s) => (s.sourceRegion ? `${s.sourceRegion}:${s.sourceSnapshotId ?? '?'}` : s.instanceId) },
            ],
            snaps,
          ),
    );
  },
};
