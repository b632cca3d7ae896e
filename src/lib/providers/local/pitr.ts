/**
 * Point-in-time recovery on the local provider: the restorable window of an instance
 * (its base backups, the WAL archive that connects them to now, pg_stat_archiver) and a
 * restore to a time in it. A restore extracts the newest base backup completed before the
 * target, verifies it (pg_verifybackup), and starts it in archive recovery:
 * `restore_command` reads the source's archive, `recovery_target_time` stops replay at the
 * target, `recovery_target_timeline = 'latest'` follows the timeline history files a
 * promotion (failover) left in the archive, and `recovery_target_action = 'promote'` makes
 * the copy a primary on a new timeline. The server log must say recovery stopped at the
 * target ("recovery stopping before/after commit"), or the restore fails.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CheckFailed, EnvironmentError, UsageError } from '../../errors.js';
import { parseLsn } from '../../failover/lsn.js';
import type { Instance, RestorableWindow, RestoreToPointInTimeInput } from '../types.js';
import { checkEngineVersion } from './binaries.js';
import { configureCluster, guardStartedServer, isRunning, setAutoConf, startCluster, withMasterClient, writeOwned } from './cluster.js';
import { prepareRegion, type RegionContext } from './context.js';
import {
  claimInstanceDir,
  describeInstance,
  instanceCredential,
  requireInstance,
  serverRunning,
  updateInstance,
  writeInstance,
} from './instance-store.js';
import { SNAPSHOT_FILES } from './layout.js';
import { giveTo } from './os-user.js';
import { scrub, throwIfAborted } from './process.js';
import { freePort } from './ports.js';
import type { MasterCredential } from './secrets.js';
import { managedTags, type InstanceRecord, type SnapshotRecord } from './records.js';
import { orDiscard } from './rollback.js';
import { extractBackup, verifyExtracted } from './snapshot.js';
import { listSnapshotRecords, usableSnapshot } from './snapshots.js';
import { pgRunUnchecked, type Toolbox } from './toolbox.js';
import { validateInstanceId, validateTags } from './validate.js';
import {
  contiguousFrom,
  DEFAULT_ARCHIVE_TIMEOUT_S,
  instanceSettings,
  listArchive,
  restoreCommand,
  segmentName,
  walSegmentSize,
  type ArchivedFile,
} from './wal-archive.js';
import { mysqlUnsupported } from './mariadb-instances.js';

const SEG_16MB = 16 * 1024 * 1024;

/** A base backup the archive can carry forward: its record, and its first segment number. */
interface Base {
  snap: SnapshotRecord;
  startSegno: bigint;
  completedAt: Date;
}

/** The full picture behind RestorableWindow: what a restore needs to choose its base. */
export interface WindowFacts {
  window: RestorableWindow;
  bases: Base[];
  /** The last commit the archive holds (undefined: none since the bases). */
  lastCommitAt?: Date;
  segSize: number;
}

const COMMIT = /desc: COMMIT (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?) UTC/;

/** The newest COMMIT time in pg_waldump output (TZ=UTC). Pure. */
export function lastCommitTime(text: string): Date | undefined {
  let last: Date | undefined;
  for (const line of text.split('\n')) {
    const m = COMMIT.exec(line);
    if (!m) continue;
    const [sec, frac = ''] = m[2]!.split('.');
    // Truncated to the millisecond: never later than the commit itself.
    const t = new Date(`${m[1]}T${sec}.${(frac + '000').slice(0, 3)}Z`);
    if (!last || t > last) last = t;
  }
  return last;
}

/** The newest commit in the chain, reading segments from the end back (at most `limit` of them). */
async function newestCommit(tb: Toolbox, dir: string, chain: readonly ArchivedFile[], limit = 64): Promise<Date | undefined> {
  for (let i = chain.length - 1; i >= 0 && i >= chain.length - limit; i--) {
    const f = chain[i]!;
    const name = f.name;
    const res = await pgRunUnchecked(
      tb,
      'pg_waldump',
      ['--rmgr=Transaction', join(dir, name), join(dir, name)],
      `Reading archived WAL ${name} (pg_waldump)`,
      {
        extraEnv: { TZ: 'UTC' },
      },
    );
    const t = lastCommitTime(res.stdout);
    if (t) return t;
  }
  return undefined;
}

async function archiverStats(rc: RegionContext, rec: InstanceRecord): Promise<RestorableWindow['archiver']> {
  if (!(await serverRunning(rc, rec.id))) return undefined;
  const cred = await instanceCredential(rc, rec.id);
  return withMasterClient(
    { port: rec.port, user: cred.masterUsername, password: cred.password, database: rec.dbName },
    `Reading pg_stat_archiver of ${rec.id}`,
    async (c) => {
      const r = await c.query<{
        archived_count: string;
        last_archived_wal: string | null;
        last_archived_time: Date | null;
        failed_count: string;
        last_failed_wal: string | null;
        last_failed_time: Date | null;
      }>(
        'SELECT archived_count, last_archived_wal, last_archived_time, failed_count, last_failed_wal, last_failed_time FROM pg_stat_archiver',
      );
      const row = r.rows[0]!;
      return {
        archivedCount: Number(row.archived_count),
        failedCount: Number(row.failed_count),
        ...(row.last_archived_wal ? { lastArchivedWal: row.last_archived_wal } : {}),
        ...(row.last_archived_time ? { lastArchivedAt: row.last_archived_time } : {}),
        ...(row.last_failed_wal ? { lastFailedWal: row.last_failed_wal } : {}),
        ...(row.last_failed_time ? { lastFailedAt: row.last_failed_time } : {}),
      };
    },
  );
}

async function archiveModeOn(rc: RegionContext, rec: InstanceRecord): Promise<boolean> {
  const conf = await readFile(join(rc.layout.dataDir(rec.id), 'postgresql.auto.conf'), 'utf8').catch(() => '');
  return /^\s*archive_mode\s*=\s*'on'/m.test(conf);
}

/**
 * The window: bases are this instance's automated snapshots whose first WAL segment is in
 * the archive. The window ends where the archive's chain from the newest
 * base stops (a missing segment caps it); it starts at the oldest base whose chain reaches
 * the newest base.
 */
export async function windowFacts(rc: RegionContext, rec: InstanceRecord): Promise<WindowFacts> {
  const tb = await rc.shared.toolbox();
  const segSize = await walSegmentSize(tb, rc.layout.dataDir(rec.id)).catch(() => SEG_16MB);
  // As on RDS, point-in-time restores start from automated backups; manual snapshots carry their own WAL.
  const snaps = await listSnapshotRecords(rc, { instanceId: rec.id, type: 'automated' });
  const archiving = rec.backupRetentionDays > 0 && (await archiveModeOn(rc, rec));
  const archiver = await archiverStats(rc, rec).catch(() => undefined);
  return archiveWindow(tb, {
    dir: rc.layout.walArchiveDir(rec.id),
    segSize,
    snaps,
    common: {
      instanceId: rec.id,
      archiving,
      ...(archiver ? { archiver } : {}),
      ...(archiving ? { archiveTimeoutSeconds: rc.shared.opts.archiveTimeoutSeconds ?? DEFAULT_ARCHIVE_TIMEOUT_S } : {}),
    },
  });
}

/** What a window is computed from: an archive directory and the automated base backups beside it. */
export interface ArchiveView {
  dir: string;
  segSize: number;
  snaps: readonly SnapshotRecord[];
  common: Pick<RestorableWindow, 'instanceId' | 'archiving' | 'archiver' | 'archiveTimeoutSeconds'>;
}

/** The window of one archive (an instance's own, or its copy replicated into a DR region). */
export async function archiveWindow(tb: Toolbox, view: ArchiveView): Promise<WindowFacts> {
  const { dir, segSize } = view;
  const files = await listArchive(dir, segSize);
  const present = new Set(files.filter((f) => f.kind === 'segment' || f.kind === 'partial').map((f) => f.segno));
  const snaps = view.snaps.filter((s) => s.status === 'available' && s.wal && s.completedAt);
  const candidates: Base[] = snaps
    .map((snap) => ({ snap, startSegno: parseLsn(snap.wal!.startLsn) / BigInt(segSize), completedAt: new Date(snap.completedAt!) }))
    .filter((b) => present.has(b.startSegno))
    .sort((a, b) => a.completedAt.getTime() - b.completedAt.getTime());
  const common = {
    ...view.common,
    segments: files.length,
    bytes: files.reduce((n, f) => n + f.bytes, 0),
  };
  const newest = candidates[candidates.length - 1];
  if (!newest) {
    const gap = contiguousFrom(files, files.find((f) => f.kind === 'segment')?.segno ?? 0n).gapAt;
    return {
      window: { ...common, baseBackups: [], ...(gap !== undefined ? { gap: nameOf(files, gap, segSize) } : {}) },
      bases: [],
      segSize,
    };
  }
  const tail = contiguousFrom(files, newest.startSegno);
  const bases = candidates.filter((b) => {
    const reach = contiguousFrom(files, b.startSegno).chain;
    return reach.length > 0 && reach[reach.length - 1]!.segno >= newest.startSegno;
  });
  // A hole between older bases and the newest one is a gap too: times inside it are lost.
  const firstGap = contiguousFrom(files, bases[0]!.startSegno).gapAt;
  const olderGap = candidates[0] && candidates[0] !== bases[0] ? contiguousFrom(files, candidates[0].startSegno).gapAt : undefined;
  const gapAt = tail.gapAt ?? olderGap ?? firstGap;
  const lastCommitAt = await newestCommit(
    tb,
    dir,
    tail.chain.filter((f) => f.kind === 'segment' || f.kind === 'partial'),
  );
  const floor = newest.completedAt;
  const latest = lastCommitAt && lastCommitAt > floor ? lastCommitAt : floor;
  return {
    window: {
      ...common,
      baseBackups: bases.map((b) => b.snap.id),
      earliestRestorableTime: bases[0]!.completedAt,
      latestRestorableTime: latest,
      ...(gapAt !== undefined ? { gap: nameOf(files, gapAt, segSize) } : {}),
    },
    bases,
    lastCommitAt: lastCommitAt && lastCommitAt >= bases[0]!.completedAt ? lastCommitAt : undefined,
    segSize,
  };
}

/** The name of a missing segment: the timeline of its neighbour before it. */
function nameOf(files: readonly ArchivedFile[], segno: bigint, segSize: number): string {
  const before = files.filter((f) => f.segno === segno - 1n).pop();
  return segmentName(before?.timeline ?? 1, segno * BigInt(segSize), segSize);
}

export async function restorableWindow(rc: RegionContext, id: string): Promise<RestorableWindow> {
  const rec = await requireInstance(rc, id);
  // A mysql instance (MariaDB) archives no WAL locally: no point-in-time window, said plainly.
  if (rec.engine === 'mysql') {
    const unsupported = 'a local mysql instance (MariaDB standing in for MySQL 8.0) keeps no binary-log archive';
    return { instanceId: id, unsupported, archiving: false, baseBackups: [], segments: 0, bytes: 0 };
  }
  return (await windowFacts(rc, rec)).window;
}

const iso = (d: Date): string => d.toISOString();

/** 2026-12-02 05:30:01.123+00: the form recovery_target_time reads. Pure. */
export function pgTimestamp(d: Date): string {
  return `${d.toISOString().slice(0, 23).replace('T', ' ')}+00`;
}

/** The target and its base, or a UsageError naming the window. Pure. */
export function choosePitrBase(
  facts: Pick<WindowFacts, 'window' | 'bases' | 'lastCommitAt'>,
  sourceId: string,
  time: Date | 'latest',
): { base: Base; target: Date; replayAll: boolean } {
  const { earliestRestorableTime: earliest, latestRestorableTime: latest } = facts.window;
  if (!earliest || !latest || facts.bases.length === 0) {
    throw new UsageError(`Instance ${sourceId} has no restorable window yet: no base backup that its WAL archive continues.`, {
      hint: `Take the first automated backup: dbops backup run --instance ${sourceId}`,
    });
  }
  const target = time === 'latest' ? latest : time;
  if (target < earliest || target > latest) {
    throw new UsageError(
      `${iso(target)} is outside the restorable window of ${sourceId}: ${iso(earliest)} to ${iso(latest)}${facts.window.gap ? ` (the archive misses ${facts.window.gap})` : ''}.`,
      { hint: 'Pick a time inside the window, or use --latest-restorable; `dbops backup status` shows the window.' },
    );
  }
  const base = [...facts.bases].reverse().find((b) => b.completedAt <= target)!;
  // No commit after the target: recovery_target_time would never be reached; replaying
  // everything the archive holds ends at the same data.
  const replayAll = time === 'latest' || !facts.lastCommitAt || target >= facts.lastCommitAt;
  return { base, target, replayAll };
}

function pitrRecord(
  rc: RegionContext,
  src: InstanceRecord,
  snap: SnapshotRecord,
  input: RestoreToPointInTimeInput,
  port: number,
  version: string,
  target: Date,
): InstanceRecord {
  return {
    ...src,
    id: input.instanceId,
    region: rc.region,
    engineVersion: version,
    instanceClass: input.instanceClass,
    status: 'creating',
    port,
    multiAz: false,
    publiclyAccessible: input.publiclyAccessible,
    deletionProtection: false,
    vpcSecurityGroupIds: input.vpcSecurityGroupIds ?? [],
    subnetGroup: input.subnetGroup,
    replicaSourceId: undefined,
    replicaIds: [],
    fenced: undefined,
    backupReplication: undefined,
    // Never a member of the source's cluster: a cluster restore makes it its own cluster's writer.
    clusterId: undefined,
    promotionTier: undefined,
    restoredFrom: { region: rc.region, snapshotId: snap.id, pointInTime: target.toISOString(), sourceInstanceId: src.id },
    tags: managedTags(input.tags),
    createdAt: rc.shared.now().toISOString(),
  };
}

const STALE_FILES = ['postmaster.pid', 'standby.signal', 'recovery.signal'];
const RECOVERY_KEYS = [
  'restore_command',
  'recovery_target_time',
  'recovery_target_action',
  'recovery_target_timeline',
  'recovery_target_inclusive',
  'primary_conninfo',
  'primary_slot_name',
];

/** What the log says recovery did: where it stopped (target mode) and that it completed. Pure. */
export function recoveryOutcome(log: string): { stoppedAt?: string; newTimeline?: number; fatal?: string } {
  const stop = /recovery stopping (?:before|after) (?:commit|abort) of transaction \d+, time (.+)$/m.exec(log);
  const timeline = /selected new timeline ID: (\d+)/.exec(log);
  const fatal = /(?:FATAL|PANIC):\s+(.+)$/m.exec(log);
  return {
    ...(stop ? { stoppedAt: stop[1]!.trim() } : {}),
    ...(timeline ? { newTimeline: Number(timeline[1]) } : {}),
    ...(fatal ? { fatal: fatal[1]!.trim() } : {}),
  };
}

/** Until the copy has left recovery (promoted), or its server has died. */
async function waitPromoted(
  tb: Toolbox,
  rc: RegionContext,
  rec: InstanceRecord,
  cred: MasterCredential,
  signal?: AbortSignal,
): Promise<void> {
  const dataDir = rc.layout.dataDir(rec.id);
  for (;;) {
    throwIfAborted(signal);
    if (!(await isRunning(tb, dataDir))) {
      const log = await readFile(rc.layout.logFile(rec.id), 'utf8').catch(() => '');
      const why = recoveryOutcome(log).fatal ?? 'its server stopped during recovery';
      throw new EnvironmentError(`Point-in-time recovery of ${rec.id} failed: ${scrub(why)}`, {
        hint: `The server log is ${rc.layout.failedLog(rec.id)}; runbooks/pitr.md, step PR-2.`,
      });
    }
    const inRecovery = await withMasterClient(
      { port: rec.port, user: cred.masterUsername, password: cred.password, database: 'postgres' },
      `Checking the recovery of ${rec.id}`,
      async (c) => {
        const r = await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
        return r.rows[0]!.r;
      },
    ).catch(() => true);
    if (!inRecovery) return;
    await sleep(200);
  }
}

/**
 * Where a point-in-time restore reads: the instance's own base backups and archive in this
 * region, or (sourceAutomatedBackupsId) its automated backups replicated into this region.
 */
export interface PitrSource {
  /** The source instance as recorded: the template of the new one. */
  rec: InstanceRecord;
  facts: WindowFacts;
  archiveDir: string;
  snapshotDir(id: string): string;
  /** The base backup, available, and the password its data was made with. */
  usable(id: string): Promise<{ snap: SnapshotRecord; cred: MasterCredential }>;
}

async function ownSource(rc: RegionContext, sourceId: string): Promise<PitrSource> {
  const rec = await requireInstance(rc, sourceId);
  if (rec.engine === 'mysql') throw mysqlUnsupported(rec.id, 'point-in-time restore');
  if (rec.backupRetentionDays === 0) {
    throw new UsageError(`Instance ${rec.id} has automated backups off (retention 0 days): there is no point in time to restore.`, {
      hint: 'Restore a snapshot instead, or turn automated backups on (database.backupRetentionDays).',
    });
  }
  return {
    rec,
    facts: await windowFacts(rc, rec),
    archiveDir: rc.layout.walArchiveDir(rec.id),
    snapshotDir: (id) => rc.layout.snapshotDir(id),
    usable: (id) => usableSnapshot(rc, id),
  };
}

export async function restoreToPointInTime(rc: RegionContext, input: RestoreToPointInTimeInput): Promise<Instance> {
  validateInstanceId(input.instanceId);
  validateTags(input.tags);
  const from = input.sourceAutomatedBackupsId
    ? await (await import('./backup-replication.js')).replicatedSource(rc, input.sourceAutomatedBackupsId, input.sourceInstanceId)
    : await ownSource(rc, input.sourceInstanceId);
  const src = from.rec;
  const { base, target, replayAll } = choosePitrBase(from.facts, src.id, input.time);
  const { snap, cred } = await from.usable(base.snap.id);
  const tb = await prepareRegion(rc);
  checkEngineVersion(tb.bins, snap.engineVersion, `Snapshot ${snap.id} holds PostgreSQL ${snap.engineVersion}`);
  const port = await freePort(rc.shared.opts.home);
  const id = input.instanceId;
  const dataDir = rc.layout.dataDir(id);
  const snapDir = from.snapshotDir(snap.id);
  const signal = rc.shared.opts.signal;
  await claimInstanceDir(rc, id);
  const release = guardStartedServer(dataDir);
  await orDiscard(rc, tb, id, async () => {
    await giveTo(tb.runAs, rc.layout.instanceDir(id));
    const rec = pitrRecord(rc, src, snap, input, port, tb.bins.version, target);
    await writeInstance(rc, rec);
    await mkdir(dataDir, { mode: 0o700 });
    await giveTo(tb.runAs, dataDir);
    await extractBackup(tb, snapDir, dataDir, snap.id, signal);
    await verifyExtracted(tb, join(snapDir, SNAPSHOT_FILES.manifest), dataDir, snap.id, signal);
    for (const f of STALE_FILES) await rm(join(dataDir, f), { force: true });
    await configureCluster(tb, dataDir, {
      ...(await instanceSettings(rc, tb, { id, port, backupRetentionDays: rec.backupRetentionDays })),
      primary_conninfo: undefined,
      primary_slot_name: undefined,
      restore_command: restoreCommand(from.archiveDir),
      recovery_target_timeline: 'latest',
      recovery_target_action: 'promote',
      recovery_target_time: replayAll ? undefined : pgTimestamp(target),
      recovery_target_inclusive: replayAll ? undefined : 'true',
    });
    await writeOwned(tb, join(dataDir, 'recovery.signal'), '');
    await rc.shared.secrets.put('instances', rc.region, id, cred);
    throwIfAborted(signal);
    await startCluster(tb, id, dataDir, rc.layout.logFile(id), rc.layout.failedLog(id), signal);
    await waitPromoted(tb, rc, rec, cred, signal);
    const outcome = recoveryOutcome(await readFile(rc.layout.logFile(id), 'utf8').catch(() => ''));
    if (!replayAll && !outcome.stoppedAt) {
      throw new CheckFailed(`Recovery of ${id} did not stop at ${target.toISOString()}: the server log names no recovery stop point.`, {
        hint: `Read ${rc.layout.failedLog(id)}; runbooks/pitr.md, step PR-2.`,
      });
    }
    // A primary now: recovery settings go (they would only confuse the next reader).
    await setAutoConf(tb, dataDir, Object.fromEntries(RECOVERY_KEYS.map((k) => [k, undefined])));
    await updateInstance(rc, id, (r) => ({ ...r, status: 'available' }));
  }).finally(release);
  return describeInstance(rc, id);
}
