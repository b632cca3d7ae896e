/**
 * Cross-region automated backup replication on the local provider (RDS'
 * StartDBInstanceAutomatedBackupsReplication; config
 * snapshots.crossRegion.replicateAutomatedBackups). The DR region keeps its own copy of an
 * instance's automated backups in its backup area,
 * `$DBOPS_HOME/local/<dr>/replicated-backups/<source region>/<id>/`:
 *
 * - `wal/`: the archived WAL. The archive_command puts each segment there as it archives it
 *   (wal-archive.ts), so the DR copy trails the primary archive by seconds; `backup run`
 *   ships what it missed, with the same checks (a segment's size, never overwriting a
 *   different file of the same name).
 * - `snapshots/<id>/`: the base backups, copied and verified like a cross-region snapshot
 *   copy (copyVerified), each with its snapshot.json (WAL range, completion).
 * - `source.json`: the source instance's record (no secrets), its WAL segment size.
 *
 * Pruning follows the instance's retention, as in the source region. A point-in-time restore
 * in the DR region (pitr.ts, sourceAutomatedBackupsId `<source region>/<id>`) reads only this
 * area: it works when the source region is gone.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { parseLsn } from '../../failover/lsn.js';
import { NotFoundError, UsageError } from '../../errors.js';
import type { BackupReplicationRun, ReplicatedBackups } from '../types.js';
import { prepareRegion, regionContext, type RegionContext } from './context.js';
import { listResourceDirs } from './instance-store.js';
import { SNAPSHOT_FILES } from './layout.js';
import { giveTo, giveTreeTo } from './os-user.js';
import { archiveWindow, type PitrSource, type WindowFacts } from './pitr.js';
import type { InstanceRecord, SnapshotRecord } from './records.js';
import type { MasterCredential } from './secrets.js';
import { copyVerified } from './snapshot.js';
import { listSnapshotRecords } from './snapshots.js';
import { parseState, snapshotRecordSchema } from './state-schema.js';
import { readJson, syncDir, writeJsonAtomic } from './state.js';
import type { Toolbox } from './toolbox.js';
import { validateRegion } from './validate.js';
import { listArchive, prepareReplicatedWal, walSegmentSize } from './wal-archive.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const STALE_TMP_MS = 60 * 60 * 1000;

/** source.json: what the DR region knows of the instance whose backups it keeps. */
interface ReplicaSource {
  version: 1;
  sourceRegion: string;
  instance: InstanceRecord;
  segSize: number;
  /** The start of the last `backup run` that shipped: files older than it were verified then. */
  lastRunAt?: string;
}

/** The paths of one instance's replicated backups in a DR region. */
export interface ReplicaArea {
  dir: string;
  wal: string;
  snapshots: string;
  meta: string;
  snapshotDir(id: string): string;
}

export function replicaArea(dr: RegionContext, sourceRegion: string, id: string): ReplicaArea {
  const dir = dr.layout.replicatedDir(sourceRegion, id);
  return {
    dir,
    wal: join(dir, 'wal'),
    snapshots: join(dir, 'snapshots'),
    meta: join(dir, 'source.json'),
    snapshotDir: (sid) => join(dir, 'snapshots', sid),
  };
}

/** The key of a replicated base backup's password in the secrets file (region: the DR region). */
function secretId(sourceRegion: string, snapshotId: string): string {
  return `replicated-${sourceRegion}-${snapshotId}`;
}

/** The id the port hands around (RestoreToPointInTimeInput.sourceAutomatedBackupsId). Pure. */
export function replicatedBackupsId(sourceRegion: string, instanceId: string): string {
  return `${sourceRegion}/${instanceId}`;
}

function parseBackupsId(id: string): { sourceRegion: string; instanceId: string } {
  const m = /^([^/]+)\/([^/]+)$/.exec(id);
  if (!m) {
    throw new UsageError(`"${id}" is not a replicated automated backup of the local provider (<source region>/<instance id>).`);
  }
  validateRegion(m[1]!);
  return { sourceRegion: m[1]!, instanceId: m[2]! };
}

/** The replicated base backups (snapshot.json of each), oldest first. */
export async function listReplicatedBases(area: ReplicaArea): Promise<SnapshotRecord[]> {
  const out: SnapshotRecord[] = [];
  for (const id of await listResourceDirs(area.snapshots)) {
    const file = join(area.snapshotDir(id), SNAPSHOT_FILES.meta);
    const rec = await readJson<SnapshotRecord>(file, (v, f) => parseState(snapshotRecordSchema, f, v, id)).catch(() => undefined);
    if (rec) out.push(rec);
  }
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

/** Copies one file into a directory under a temporary name, fsynced, and links it into place (never replacing). */
async function putFile(from: string, dir: string, name: string): Promise<'copied' | 'exists'> {
  const tmp = join(dir, `.tmp-${name}-${randomBytes(4).toString('hex')}`);
  await copyFile(from, tmp);
  try {
    const fh = await open(tmp, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await link(tmp, join(dir, name));
    return 'copied';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
    throw e;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

async function sameContents(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([readFile(a), readFile(b)]);
  return x.equals(y);
}

/**
 * Ships the WAL files the DR copy misses (from segment `fromSegno` on, history files
 * always), checked as the archive_command checks them. A name the DR copy holds with
 * other contents is a conflict, never overwritten; a pair of files both older than the last
 * run were compared then and are only compared by size.
 */
async function shipWal(
  tb: Toolbox,
  source: string,
  area: ReplicaArea,
  segSize: number,
  fromSegno: bigint,
  since: Date | undefined,
): Promise<{ shipped: number; conflicts: string[] }> {
  let shipped = 0;
  const conflicts: string[] = [];
  const have = new Map((await listArchive(area.wal, segSize)).map((f) => [f.name, f]));
  for (const f of await listArchive(source, segSize)) {
    if (f.kind !== 'history' && f.segno < fromSegno) continue;
    const from = join(source, f.name);
    const there = have.get(f.name);
    if (there) {
      const unchanged = there.bytes === f.bytes && since !== undefined && f.mtime < since && there.mtime < since;
      if (!unchanged && (there.bytes !== f.bytes || !(await sameContents(from, join(area.wal, f.name))))) conflicts.push(f.name);
      continue;
    }
    if (f.kind === 'segment' && f.bytes !== segSize) {
      conflicts.push(f.name);
      continue;
    }
    const done = await putFile(from, area.wal, f.name);
    if (done === 'exists') {
      if (!(await sameContents(from, join(area.wal, f.name)))) conflicts.push(f.name);
      continue;
    }
    await giveTo(tb.runAs, join(area.wal, f.name));
    shipped++;
  }
  if (shipped > 0) await syncDir(area.wal);
  return { shipped, conflicts };
}

/** Copies one base backup into the DR area (verified), its record and its password beside it. */
async function shipBase(rc: RegionContext, dr: RegionContext, tb: Toolbox, area: ReplicaArea, snap: SnapshotRecord): Promise<void> {
  const cred = await rc.shared.secrets.get('snapshots', rc.region, snap.id);
  if (!cred) return;
  const tmp = join(area.snapshots, `.copy-${snap.id}-${randomBytes(4).toString('hex')}`);
  await mkdir(tmp, { mode: 0o755 });
  try {
    await copyVerified(tb, rc.layout.snapshotDir(snap.id), tmp, snap.id, dr.layout.tmpDir, rc.shared.opts.snapshotVerifier ?? 'dbops', () =>
      giveTreeTo(tb.runAs, tmp),
    );
    const rec: SnapshotRecord = { ...snap, region: dr.region, sourceRegion: rc.region, sourceSnapshotId: snap.id };
    await writeJsonAtomic(join(tmp, SNAPSHOT_FILES.meta), rec);
    await dr.shared.secrets.put('snapshots', dr.region, secretId(rc.region, snap.id), cred);
    await rename(tmp, area.snapshotDir(snap.id));
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
}

async function removeBase(dr: RegionContext, area: ReplicaArea, sourceRegion: string, id: string): Promise<void> {
  const doomed = join(area.snapshots, `.deleting-${id}-${randomBytes(4).toString('hex')}`);
  await rename(area.snapshotDir(id), doomed);
  await rm(doomed, { recursive: true, force: true });
  await dr.shared.secrets.remove('snapshots', dr.region, secretId(sourceRegion, id));
}

/** Which replicated bases the retention no longer needs (as automatedToPrune in the source region). Pure. */
export function replicatedToPrune(bases: readonly Pick<SnapshotRecord, 'id' | 'createdAt'>[], retentionDays: number, now: Date): string[] {
  const cutoff = now.getTime() - retentionDays * DAY_MS;
  const sorted = [...bases].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return sorted
    .filter((s) => Date.parse(s.createdAt) <= cutoff)
    .slice(0, -1)
    .map((s) => s.id);
}

/**
 * `backup run` with replication on: the base backups the DR copy misses (verified), the WAL
 * the archive_command did not put there, then pruning after the retention (bases, and the
 * WAL before the oldest kept base). Stale temporary files (an interrupted copy) go after an hour.
 */
export async function replicateAutomatedBackups(rc: RegionContext, rec: InstanceRecord, drRegion: string): Promise<BackupReplicationRun> {
  const dr = regionContext(rc.shared, drRegion);
  const tb = await prepareRegion(dr);
  const now = rc.shared.now();
  await prepareReplicatedWal(rc, tb, drRegion, rec.id);
  const area = replicaArea(dr, rc.region, rec.id);
  await mkdir(area.snapshots, { recursive: true, mode: 0o755 });
  const segSize = await walSegmentSize(tb, rc.layout.dataDir(rec.id));
  const previous = await readJson<ReplicaSource>(area.meta).catch(() => undefined);
  await writeJsonAtomic(area.meta, {
    version: 1,
    sourceRegion: rc.region,
    instance: rec,
    segSize,
    ...(previous?.lastRunAt ? { lastRunAt: previous.lastRunAt } : {}),
  } satisfies ReplicaSource);
  const run: BackupReplicationRun = {
    region: drRegion,
    shippedBaseBackups: [],
    shippedWalFiles: 0,
    prunedBaseBackups: [],
    prunedWalFiles: 0,
    conflicts: [],
  };
  const sourceBases = (await listSnapshotRecords(rc, { instanceId: rec.id, type: 'automated' })).filter(
    (s) => s.status === 'available' && s.wal && s.completedAt,
  );
  const have = new Set((await listReplicatedBases(area)).map((s) => s.id));
  for (const snap of sourceBases) {
    if (have.has(snap.id)) continue;
    await shipBase(rc, dr, tb, area, snap);
    run.shippedBaseBackups.push(snap.id);
  }
  const bases = await listReplicatedBases(area);
  run.prunedBaseBackups = replicatedToPrune(bases, rec.backupRetentionDays, now);
  for (const id of run.prunedBaseBackups) await removeBase(dr, area, rc.region, id);
  const kept = bases.filter((b) => !run.prunedBaseBackups.includes(b.id) && b.wal);
  const starts = kept.map((b) => parseLsn(b.wal!.startLsn) / BigInt(segSize));
  // biome-ignore lint/complexity/useMathMinMax: segment numbers are bigints, which Math.min does not take
  const oldest = starts.length > 0 ? starts.reduce((a, b) => (a < b ? a : b)) : 0n;
  const since = previous?.lastRunAt ? new Date(previous.lastRunAt) : undefined;
  const wal = await shipWal(tb, rc.layout.walArchiveDir(rec.id), area, segSize, oldest, since);
  run.shippedWalFiles = wal.shipped;
  run.conflicts = wal.conflicts;
  // What an interrupted copy left: a temporary WAL file, a half-copied or half-deleted base.
  for (const [dir, prefixes] of [
    [area.wal, ['.tmp-']],
    [area.snapshots, ['.copy-', '.deleting-']],
  ] as const) {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (!prefixes.some((p) => name.startsWith(p))) continue;
      const st = await stat(join(dir, name)).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > STALE_TMP_MS) await rm(join(dir, name), { recursive: true, force: true });
    }
  }
  if (starts.length > 0) {
    for (const f of await listArchive(area.wal, segSize)) {
      if (f.kind === 'history' || f.segno >= oldest) continue;
      await rm(join(area.wal, f.name), { force: true });
      run.prunedWalFiles++;
    }
  }
  await writeJsonAtomic(area.meta, {
    version: 1,
    sourceRegion: rc.region,
    instance: rec,
    segSize,
    lastRunAt: now.toISOString(),
  } satisfies ReplicaSource);
  return run;
}

async function readSource(
  dr: RegionContext,
  sourceRegion: string,
  id: string,
): Promise<{ area: ReplicaArea; source: ReplicaSource } | undefined> {
  const area = replicaArea(dr, sourceRegion, id);
  const source = await readJson<ReplicaSource>(area.meta).catch(() => undefined);
  return source?.instance?.id === id ? { area, source } : undefined;
}

async function replicatedFacts(dr: RegionContext, area: ReplicaArea, source: ReplicaSource): Promise<WindowFacts> {
  const tb = await dr.shared.toolbox();
  return archiveWindow(tb, {
    dir: area.wal,
    segSize: source.segSize,
    snaps: await listReplicatedBases(area),
    common: { instanceId: source.instance.id, archiving: Boolean(source.instance.backupReplication) },
  });
}

/** What a point-in-time restore in the DR region reads: only the DR region's copy. */
export async function replicatedSource(dr: RegionContext, backupsId: string, sourceInstanceId: string): Promise<PitrSource> {
  const { sourceRegion, instanceId } = parseBackupsId(backupsId);
  const found = await readSource(dr, sourceRegion, instanceId);
  if (!found || instanceId !== sourceInstanceId) {
    throw new NotFoundError(
      `No automated backups of ${sourceInstanceId} replicated from ${sourceRegion} in ${dr.region} (local provider).`,
      {
        hint: 'Turn on snapshots.crossRegion.replicateAutomatedBackups and run `dbops backup run` (runbooks/automated-backups.md, AB-2).',
      },
    );
  }
  const { area, source } = found;
  const facts = await replicatedFacts(dr, area, source);
  return {
    rec: source.instance,
    facts,
    archiveDir: area.wal,
    snapshotDir: (id) => area.snapshotDir(id),
    async usable(id): Promise<{ snap: SnapshotRecord; cred: MasterCredential }> {
      const snap = (await listReplicatedBases(area)).find((s) => s.id === id);
      const cred = await dr.shared.secrets.get('snapshots', dr.region, secretId(sourceRegion, id));
      if (snap?.status !== 'available' || !cred) {
        throw new NotFoundError(`The replicated base backup ${id} in ${dr.region} is missing or has no password on file.`, {
          hint: 'Run `dbops backup run` in the source region to ship it again.',
        });
      }
      return { snap, cred };
    },
  };
}

/** The replicated automated backups of `sourceInstanceId` in this (DR) region, newest window first. */
export async function findReplicatedBackups(dr: RegionContext, sourceInstanceId: string): Promise<ReplicatedBackups | undefined> {
  let best: ReplicatedBackups | undefined;
  for (const sourceRegion of await readdir(dr.layout.replicatedRoot).catch(() => [] as string[])) {
    if (sourceRegion.startsWith('.')) continue;
    const found = await readSource(dr, sourceRegion, sourceInstanceId).catch(() => undefined);
    if (!found) continue;
    const { window } = await replicatedFacts(dr, found.area, found.source);
    const candidate: ReplicatedBackups = {
      id: replicatedBackupsId(sourceRegion, sourceInstanceId),
      sourceInstanceId,
      sourceRegion,
      region: dr.region,
      status: found.source.instance.backupReplication ? 'replicating' : 'retained',
      retentionDays: found.source.instance.backupRetentionDays,
      ...(window.earliestRestorableTime ? { earliestRestorableTime: window.earliestRestorableTime } : {}),
      ...(window.latestRestorableTime ? { latestRestorableTime: window.latestRestorableTime } : {}),
      window,
    };
    const t = (r?: ReplicatedBackups) => r?.latestRestorableTime?.getTime() ?? -1;
    if (!best || t(candidate) > t(best)) best = candidate;
  }
  return best;
}
