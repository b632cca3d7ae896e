/**
 * RT-8: the data-loss window, measured. `dbops heartbeat` (cron, every few minutes)
 * writes a row to dbops.heartbeat; the newest row in the restore is the last moment the
 * backup holds. Had the source been lost when the test started, everything after that
 * row would be gone: that gap is the real RPO, set beside the target.
 */
import { formatDuration } from '../output/format.js';
import type { CheckResult, Queryable } from './types.js';

/** What dbops.heartbeat holds in one database. */
export interface Heartbeats {
  /** false: no dbops.heartbeat table. */
  table: boolean;
  newest?: Date;
  rows: number;
}

export async function readHeartbeats(db: Queryable): Promise<Heartbeats> {
  const exists = await db.query<{ ok: boolean }>(`SELECT to_regclass('dbops.heartbeat') IS NOT NULL AS ok`);
  if (!exists.rows[0]?.ok) return { table: false, rows: 0 };
  const r = await db.query<{ newest: Date | null; rows: string }>(
    'SELECT max(beat_at) AS newest, count(*)::int8 AS rows FROM dbops.heartbeat',
  );
  const row = r.rows[0]!;
  return { table: true, rows: Number(row.rows), ...(row.newest ? { newest: new Date(row.newest) } : {}) };
}

/** Everything the data-loss verdict is decided from (pure input). */
export interface FreshnessInput {
  restore: Heartbeats;
  source?: Heartbeats;
  /** The moment the loss is measured against: when the test started ("the source is lost now"). */
  reference: Date;
  /** When the backup was taken (snapshot time or the point in time restored). */
  backupTime?: Date;
  rpoHours: number;
}

/** The measured data-loss window and what it was measured from, for --json. */
export interface FreshnessData {
  measured: boolean;
  /** reference - newest heartbeat in the restore, seconds. */
  dataLossSeconds?: number;
  rpoSeconds: number;
  newestInRestore?: string;
  newestOnSource?: string;
  /** backup time - newest heartbeat in the restore: how far the heartbeat lagged the backup. */
  lagAtBackupSeconds?: number;
  /** reference - backup time: the age of the backup (an upper bound of the loss without heartbeats). */
  backupAgeSeconds?: number;
}

const HINT_CRON =
  'Run `dbops heartbeat` from cron every few minutes on the source (*/5 * * * * dbops heartbeat --quiet): the next restore test then measures the real data loss.';

/** Pure: the data-loss window against the RPO target. */
export function judgeFreshness(input: FreshnessInput): CheckResult<FreshnessData> {
  const rpoSeconds = input.rpoHours * 3600;
  const backupAgeSeconds = input.backupTime ? Math.max(0, (input.reference.getTime() - input.backupTime.getTime()) / 1000) : undefined;
  const base = { id: 'rpo' as const, title: 'Data freshness (RPO)' };
  const newest = input.restore.newest;
  if (!input.restore.table || !newest) {
    const why = input.restore.table ? 'dbops.heartbeat in the restore is empty' : 'the restore has no dbops.heartbeat table';
    return {
      ...base,
      status: 'skipped',
      summary: `Data loss not measured: ${why}.`,
      evidence: [
        why,
        ...(backupAgeSeconds !== undefined
          ? [
              `the backup is ${formatDuration(backupAgeSeconds * 1000)} old: the loss is at least that much plus what the backup missed (an estimate, not a measure)`,
            ]
          : []),
      ],
      hint: HINT_CRON,
      data: { measured: false, rpoSeconds, ...(backupAgeSeconds !== undefined ? { backupAgeSeconds: round(backupAgeSeconds) } : {}) },
    };
  }
  const dataLossSeconds = round((input.reference.getTime() - newest.getTime()) / 1000);
  const lagAtBackupSeconds = input.backupTime ? round((input.backupTime.getTime() - newest.getTime()) / 1000) : undefined;
  const sourceNewest = input.source?.newest;
  const data: FreshnessData = {
    measured: true,
    dataLossSeconds,
    rpoSeconds,
    newestInRestore: newest.toISOString(),
    ...(sourceNewest ? { newestOnSource: sourceNewest.toISOString() } : {}),
    ...(lagAtBackupSeconds !== undefined ? { lagAtBackupSeconds } : {}),
    ...(backupAgeSeconds !== undefined ? { backupAgeSeconds: round(backupAgeSeconds) } : {}),
  };
  const evidence = [
    `newest heartbeat in the restore: ${newest.toISOString()} (${input.restore.rows} row${input.restore.rows === 1 ? '' : 's'})`,
    `data loss window: ${formatDuration(dataLossSeconds * 1000)} (had the source been lost at ${input.reference.toISOString()}), RPO target ${input.rpoHours} h`,
    ...(input.backupTime && lagAtBackupSeconds !== undefined
      ? [
          `backup taken ${input.backupTime.toISOString()}; its newest heartbeat is ${formatDuration(Math.max(0, input.backupTime.getTime() - newest.getTime()))} older`,
        ]
      : []),
    ...(sourceNewest ? [`newest heartbeat on the source: ${sourceNewest.toISOString()}`] : []),
  ];
  // A cron that stopped makes every backup look stale: say that, rather than blame the backups.
  const sourceStale = sourceNewest !== undefined && (input.reference.getTime() - sourceNewest.getTime()) / 1000 > rpoSeconds;
  if (dataLossSeconds <= rpoSeconds) {
    return {
      ...base,
      status: 'passed',
      evidence,
      data,
      summary: `Data loss window ${formatDuration(dataLossSeconds * 1000)}, within the RPO of ${input.rpoHours} h.`,
    };
  }
  if (sourceStale) {
    return {
      ...base,
      status: 'warning',
      evidence,
      data,
      summary: `Data loss window ${formatDuration(dataLossSeconds * 1000)} exceeds the RPO, but the source's own newest heartbeat is old too: the heartbeat cron has stopped, so this is not a measure.`,
      hint: HINT_CRON,
    };
  }
  return {
    ...base,
    status: 'failed',
    evidence,
    data,
    summary: `Data loss window ${formatDuration(dataLossSeconds * 1000)} exceeds the RPO of ${input.rpoHours} h.`,
    hint: 'The newest backup is too old for the RPO: check that automated backups run (backup retention > 0, the backup window), or take snapshots more often.',
  };
}

function round(n: number): number {
  return Math.round(n);
}
