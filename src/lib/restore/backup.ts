/**
 * RT-1: which backup to restore. The newest available snapshot of the source (automated
 * or manual), a named one, or a point in time. Pure decisions; the provider is
 * asked only for the lists.
 */
import { EnvironmentError, UsageError } from '../errors.js';
import { formatDuration } from '../output/format.js';
import type { Instance, Provider, RestorableWindow, Snapshot } from '../providers/types.js';
import { sortNewestFirst } from '../snapshots/snapshots.js';
import type { BackupRequest } from './settings.js';

/** The backup a run restores. */
export type BackupChoice =
  | {
      kind: 'snapshot';
      snapshotId: string;
      snapshotType: Snapshot['type'];
      /** ISO time the snapshot was taken. */
      createdAt?: string;
      sizeBytes?: number;
      /** The instance the snapshot was taken of. */
      ofInstance: string;
    }
  | {
      kind: 'point-in-time';
      /** ISO time asked for, or 'latest'. */
      time: string;
      /** The latest restorable time when the run started (AWS). */
      latestRestorableTime?: string;
      /** Restored from the source's automated backups replicated into the recovery region (ReplicatedBackups). */
      replicated?: { id: string; sourceRegion: string };
    };

/** When the backup's data ends: the snapshot's time or the point in time (latest: the latest restorable time). */
export function backupTime(b: BackupChoice): Date | undefined {
  if (b.kind === 'snapshot') return b.createdAt ? new Date(b.createdAt) : undefined;
  if (b.time !== 'latest') return new Date(b.time);
  return b.latestRestorableTime ? new Date(b.latestRestorableTime) : undefined;
}

export function describeBackup(b: BackupChoice, now?: Date): string {
  if (b.kind === 'snapshot') {
    const age = b.createdAt && now ? `, ${formatDuration(now.getTime() - Date.parse(b.createdAt))} old` : '';
    return `snapshot ${b.snapshotId} (${b.snapshotType}${age})`;
  }
  const of = b.replicated ? ` of the automated backups replicated from ${b.replicated.sourceRegion}` : '';
  return b.time === 'latest'
    ? `the latest restorable time${of}${b.latestRestorableTime ? ` (${b.latestRestorableTime})` : ''}`
    : `point in time ${b.time}${of}`;
}

/** Pure: the newest available snapshot, or undefined. */
export function newestAvailable(snapshots: readonly Snapshot[]): Snapshot | undefined {
  return sortNewestFirst(snapshots.filter((s) => s.status === 'available'))[0];
}

function snapshotChoice(s: Snapshot): BackupChoice {
  return {
    kind: 'snapshot',
    snapshotId: s.id,
    snapshotType: s.type,
    ofInstance: s.instanceId,
    ...(s.createdAt ? { createdAt: s.createdAt.toISOString() } : {}),
    ...(s.sizeBytes !== undefined ? { sizeBytes: s.sizeBytes } : {}),
  };
}

function checkSnapshot(s: Snapshot, source: Instance): void {
  if (s.status !== 'available') {
    throw new EnvironmentError(`Snapshot ${s.id} is ${s.status}, not available.`, {
      hint: 'Wait for it (`dbops snapshot list`), or name another with --snapshot.',
    });
  }
  if (s.engine !== source.engine) {
    // The checks compare the restore with the running source: another engine has nothing to compare.
    throw new UsageError(
      `Snapshot ${s.id} holds ${s.engine}, but ${source.id} runs ${source.engine}; the checks compare a restore with its own source.`,
      {
        hint: `Name a snapshot of ${source.id} (\`dbops snapshot list --instance ${source.id}\`), or point --instance at the instance it was taken of.`,
      },
    );
  }
}

/** The restorable window the provider reports (local: from its WAL archive; AWS: on the instance). */
export interface PitrWindow {
  earliest?: Date;
  latest?: Date;
}

/** Pure: a point in time the provider can restore to, or a UsageError saying why not (naming the window). */
export function checkPointInTime(
  time: Date | 'latest',
  source: Instance,
  now: Date,
  window: PitrWindow = { latest: source.latestRestorableTime },
): BackupChoice {
  if (source.backupRetentionDays === 0) {
    throw new UsageError(`Instance ${source.id} has automated backups off (retention 0 days): there is no point in time to restore.`, {
      hint: 'Restore a snapshot with --snapshot, or turn automated backups on (database.backupRetentionDays).',
    });
  }
  const latest = window.latest;
  const base = { kind: 'point-in-time' as const, ...(latest ? { latestRestorableTime: latest.toISOString() } : {}) };
  if (time === 'latest') return { ...base, time: 'latest' };
  const earliest = window.earliest ?? new Date(now.getTime() - source.backupRetentionDays * 86_400_000);
  if ((latest && time.getTime() > latest.getTime()) || time.getTime() < earliest.getTime()) {
    throw new UsageError(
      `${time.toISOString()} is outside the restorable window of ${source.id}: ${earliest.toISOString()} to ${latest ? latest.toISOString() : 'now'}.`,
      { hint: 'Pick a time inside the window, or use --latest-restorable; `dbops backup status` shows the window.' },
    );
  }
  return { ...base, time: time.toISOString() };
}

/**
 * Why a point in time cannot be restored from this window: the instance has no
 * point-in-time recovery at all (a local mysql instance: no binary-log archive), or none
 * yet (no base backup that the WAL archive continues). Undefined when there is a window.
 */
export function noWindowRefusal(sourceId: string, w: RestorableWindow | undefined): UsageError | undefined {
  if (!w) return undefined;
  if (w.unsupported) {
    return new UsageError(`Instance ${sourceId} has no point in time to restore to: ${w.unsupported}.`, {
      hint: `Restore a snapshot instead: \`dbops restore-test --instance ${sourceId}\` tests the newest one; \`dbops snapshot create\` takes one now.`,
    });
  }
  if (w.latestRestorableTime) return undefined;
  return new UsageError(`Instance ${sourceId} has no restorable window yet: no base backup that its WAL archive continues.`, {
    hint: `Take the first automated backup: dbops backup run --instance ${sourceId}`,
  });
}

/** RT-1: asks the provider and decides. */
export async function chooseBackup(provider: Provider, request: BackupRequest, source: Instance, now: Date): Promise<BackupChoice> {
  if (request.kind === 'point-in-time') {
    // The local provider knows its window from its WAL archive; RDS puts it on the instance.
    const w = provider.restorableWindow ? await provider.restorableWindow(source.id) : undefined;
    const window = w ? { earliest: w.earliestRestorableTime, latest: w.latestRestorableTime } : undefined;
    const refused = noWindowRefusal(source.id, w);
    if (refused) throw refused;
    return checkPointInTime(request.time, source, now, window);
  }
  if (request.kind === 'snapshot') {
    const s = await provider.describeSnapshot(request.snapshotId);
    checkSnapshot(s, source);
    return snapshotChoice(s);
  }
  const newest = newestAvailable(await provider.listSnapshots({ instanceId: source.id, type: 'all' }));
  if (!newest) {
    throw new EnvironmentError(`No available snapshot of ${source.id} in ${provider.region}: there is no backup to test.`, {
      hint: `Take one with \`dbops snapshot create --instance ${source.id} --wait\`, check automated backups (retention > 0, \`dbops backup run\` on the local provider), or use --latest-restorable.`,
    });
  }
  checkSnapshot(newest, source);
  return snapshotChoice(newest);
}
