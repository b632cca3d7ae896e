/**
 * Automated backups on the local provider (what RDS does by itself): WAL archiving on
 * (wal-archive.ts), a daily base backup in the instance's backup window (an `automated`
 * snapshot, `<id>-auto-<UTC timestamp>`), and pruning after backupRetentionDays: the
 * automated snapshots older than the newest one the retention window needs, and the
 * archived WAL only those needed. Manual snapshots carry the WAL they need (pg_wal.tar),
 * so pruning the archive never makes one unrestorable.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseLsn } from '../../failover/lsn.js';
import type { AutomatedBackupOptions, AutomatedBackupRun, Snapshot } from '../types.js';
import { replicateAutomatedBackups } from './backup-replication.js';
import { restartCluster, withMasterClient } from './cluster.js';
import { prepareRegion, type RegionContext } from './context.js';
import { instanceCredential, requireInstance, serverRunning, updateInstance } from './instance-store.js';
import type { InstanceRecord, SnapshotRecord } from './records.js';
import { deleteSnapshot, listSnapshotRecords, snapshotInstance } from './snapshots.js';
import { listArchive, refreshArchiveSettings, walSegmentSize } from './wal-archive.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** A temporary copy an interrupted archive_command left is removed after this long. */
const STALE_TMP_MS = 60 * 60 * 1000;

/** The start of the most recent backup window at or before `now` (window "HH:MM-HH:MM", UTC). Pure. */
export function lastWindowStart(window: string | undefined, now: Date): Date {
  const m = /^(\d\d):(\d\d)-/.exec(window ?? '');
  const h = m ? Number(m[1]) : 0;
  const min = m ? Number(m[2]) : 0;
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), h, min));
  return start > now ? new Date(start.getTime() - DAY_MS) : start;
}

/**
 * Whether the daily automated backup is due: none yet (the first is taken at once, as RDS
 * does on creation), or none since the most recent window opened. Pure.
 */
export function automatedBackupDue(window: string | undefined, newest: Date | undefined, now: Date): { due: boolean; nextDueAt: Date } {
  const start = lastWindowStart(window, now);
  const due = !newest || newest < start;
  return { due, nextDueAt: due ? now : new Date(start.getTime() + DAY_MS) };
}

/**
 * Which automated snapshots the retention no longer needs: every one older than the
 * newest one taken at or before now - retention (that one is the base of the window's
 * oldest times). Pure; oldest first in, ids out.
 */
export function automatedToPrune(snaps: readonly Pick<SnapshotRecord, 'id' | 'createdAt'>[], retentionDays: number, now: Date): string[] {
  const cutoff = now.getTime() - retentionDays * DAY_MS;
  const sorted = [...snaps].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const older = sorted.filter((s) => Date.parse(s.createdAt) <= cutoff);
  return older.slice(0, -1).map((s) => s.id);
}

/** UTC timestamp for ids: 20261202-0530. */
function stamp(d: Date): string {
  const iso = d.toISOString();
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
}

async function archiveModeShown(rc: RegionContext, rec: InstanceRecord): Promise<string> {
  const cred = await instanceCredential(rc, rec.id);
  return withMasterClient(
    { port: rec.port, user: cred.masterUsername, password: cred.password, database: rec.dbName },
    `Reading archive_mode of ${rec.id}`,
    async (c) => {
      const r = await c.query<{ archive_mode: string }>('SHOW archive_mode');
      await c.query('SELECT pg_reload_conf()');
      return r.rows[0]!.archive_mode;
    },
  );
}

/** Removes archived WAL before the oldest kept automated base's first segment (history files stay). */
async function pruneWal(rc: RegionContext, rec: InstanceRecord, kept: readonly SnapshotRecord[], now: Date): Promise<number> {
  const tb = await rc.shared.toolbox();
  const dir = rc.layout.walArchiveDir(rec.id);
  const segSize = await walSegmentSize(tb, rc.layout.dataDir(rec.id));
  const starts = kept.filter((s) => s.wal).map((s) => parseLsn(s.wal!.startLsn) / BigInt(segSize));
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith('.tmp-')) continue;
    const st = await stat(join(dir, name)).catch(() => undefined);
    if (st && now.getTime() - st.mtimeMs > STALE_TMP_MS) await rm(join(dir, name), { force: true });
  }
  if (starts.length === 0) return 0;
  // biome-ignore lint/complexity/useMathMinMax: segment numbers are bigints, which Math.min does not take
  const oldest = starts.reduce((a, b) => (a < b ? a : b));
  for (const f of await listArchive(dir, segSize)) {
    if (f.kind === 'history' || f.segno >= oldest) continue;
    await rm(join(dir, f.name), { force: true });
    removed++;
  }
  return removed;
}

/**
 * pg_basebackup -X stream tells the server not to wait for archiving: the backup's last
 * segment reaches the archive a moment later. Waiting for it (at most ARCHIVE_WAIT_MS)
 * makes the new backup a base for point-in-time restores when the command ends.
 */
async function waitArchived(rc: RegionContext, rec: InstanceRecord, snapshotId: string): Promise<void> {
  const snap = (await listSnapshotRecords(rc, { instanceId: rec.id, type: 'automated' })).find((s) => s.id === snapshotId);
  if (!snap?.wal) return;
  const tb = await rc.shared.toolbox();
  const segSize = await walSegmentSize(tb, rc.layout.dataDir(rec.id));
  const end = parseLsn(snap.wal.endLsn) / BigInt(segSize);
  for (const until = Date.now() + ARCHIVE_WAIT_MS; Date.now() < until; ) {
    const files = await listArchive(rc.layout.walArchiveDir(rec.id), segSize);
    if (files.some((f) => f.kind === 'segment' && f.segno >= end)) return;
    await sleep(100);
  }
}

const ARCHIVE_WAIT_MS = 30_000;

/** `dbops backup run` for one instance. */
export async function runAutomatedBackups(rc: RegionContext, id: string, opts: AutomatedBackupOptions): Promise<AutomatedBackupRun> {
  let rec = await requireInstance(rc, id);
  const base: AutomatedBackupRun = { instanceId: id, restarted: false, prunedSnapshots: [], prunedWalFiles: 0 };
  if (rec.backupRetentionDays === 0) return { ...base, skipped: 'automated backups are off (backupRetentionDays 0)' };
  if (rec.replicaSourceId) return { ...base, skipped: `a read replica of ${rec.replicaSourceId} (its source is backed up)` };
  if (rec.fenced) return { ...base, skipped: 'fenced after a failover' };
  if (rec.engine === 'mysql') return { ...base, skipped: 'a local mysql instance (MariaDB) has no automated backups; take snapshots' };
  const now = rc.shared.now();
  const automated = await listSnapshotRecords(rc, { instanceId: id, type: 'automated' });
  const newest = automated.filter((s) => s.status === 'available').pop();
  const { due, nextDueAt } = automatedBackupDue(rec.backupWindow, newest ? new Date(newest.createdAt) : undefined, now);
  // The cheap check of a command that merely touches the instance: files read, nothing started.
  // It follows an instance whose automated backups have begun (`backup run` took the first).
  if (opts.onlyIfDue && (!due || !newest)) return { ...base, skipped: newest ? 'not due' : 'no automated backup yet', nextDueAt };
  const tb = await prepareRegion(rc);
  const running = await serverRunning(rc, id);
  const replicateTo = opts.replicateTo && opts.replicateTo !== rc.region ? opts.replicateTo : undefined;
  if (opts.dryRun) {
    return {
      ...base,
      ...(running ? {} : { skipped: 'stopped (archiving starts with it)' }),
      nextDueAt,
      ...(due || opts.force ? { snapshotId: `${id}-auto-${stamp(now)}` } : {}),
      prunedSnapshots: automatedToPrune(automated, rec.backupRetentionDays, now),
    };
  }
  let replicationStopped: string | undefined;
  if (rec.backupReplication?.region !== replicateTo) {
    // Like Start/StopDBInstanceAutomatedBackupsReplication: the archive_command follows on the reload below.
    replicationStopped = rec.backupReplication && rec.backupReplication.region !== replicateTo ? rec.backupReplication.region : undefined;
    rec = await updateInstance(rc, id, (r) => ({ ...r, backupReplication: replicateTo ? { region: replicateTo } : undefined }));
  }
  await refreshArchiveSettings(rc, tb, rec);
  if (!running)
    return {
      ...base,
      skipped: 'stopped: archiving starts with its next start, and RDS takes no backup of a stopped instance either',
      nextDueAt,
    };
  let restarted = false;
  if ((await archiveModeShown(rc, rec)) !== 'on') {
    // archive_mode is read at start only: a brief restart (RDS restarts too when backups are turned on).
    await restartCluster(tb, id, rc.layout.dataDir(id), rc.layout.logFile(id));
    restarted = true;
  }
  let snapshot: Snapshot | undefined;
  if (due || opts.force) {
    const cred = await instanceCredential(rc, id);
    snapshot = await snapshotInstance(rc, tb, rec, cred, `${id}-auto-${stamp(now)}`, { 'dbops:purpose': 'automated-backup' }, 'automated');
    await waitArchived(rc, rec, snapshot.id);
  }
  const all = await listSnapshotRecords(rc, { instanceId: id, type: 'automated' });
  const prune = automatedToPrune(all, rec.backupRetentionDays, now);
  for (const sid of prune) await deleteSnapshot(rc, sid);
  const kept = all.filter((s) => !prune.includes(s.id) && s.status === 'available');
  const prunedWalFiles = await pruneWal(rc, rec, kept, now);
  const replication = replicateTo ? await replicateAutomatedBackups(rc, rec, replicateTo) : undefined;
  return {
    ...base,
    ...(replication ? { replication } : {}),
    ...(replicationStopped ? { replicationStopped } : {}),
    restarted,
    ...(snapshot ? { snapshotId: snapshot.id } : {}),
    nextDueAt: automatedBackupDue(rec.backupWindow, snapshot ? now : newest ? new Date(newest.createdAt) : undefined, now).nextDueAt,
    prunedSnapshots: prune,
    prunedWalFiles,
  };
}
