/**
 * Snapshots on the local provider: a verified pg_basebackup tar per snapshot, kept in
 * `local/<region>/snapshots/<id>/`. A cross-region copy is a copy into the other
 * region's directory plus verification, under a temporary name until it is proven good.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, EnvironmentError, NotFoundError } from '../../errors.js';
import type { CopySnapshotInput, CreateSnapshotInput, ListSnapshotsInput, Snapshot, Tags } from '../types.js';
import { prepareRegion, regionContext, type RegionContext } from './context.js';
import { instanceCredential, listResourceDirs, reportDamaged, requireInstance, requireRunning } from './instance-store.js';
import { SNAPSHOT_FILES } from './layout.js';
import { giveTo, giveTreeTo } from './os-user.js';
import { parseManifest } from './backup-check.js';
import { managedTags, toSnapshot, type InstanceRecord, type SnapshotRecord, type SnapshotWal } from './records.js';
import type { MasterCredential } from './secrets.js';
import { backupSize, copyVerified, takeVerifiedTarBackup, type SnapshotVerifier } from './snapshot.js';
import { DamagedStateError, parseState, snapshotRecordSchema } from './state-schema.js';
import { readJson, updateJson, writeJsonAtomic, type StateCheck } from './state.js';
import type { Toolbox } from './toolbox.js';
import { copyMysqlSnapshot, snapshotMysqlInstance } from './mariadb-snapshots.js';
import { validateRegion, validateSnapshotId, validateTags } from './validate.js';

/** snapshot.json, checked against its schema and its directory's name (state-schema.ts). */
function checkSnapshot(id: string): StateCheck<SnapshotRecord> {
  return (value, file) => parseState(snapshotRecordSchema, file, value, id);
}

export function readSnapshot(rc: RegionContext, id: string): Promise<SnapshotRecord | undefined> {
  return readJson(rc.layout.snapshotJson(id), checkSnapshot(id));
}

function snapshotNotFound(rc: RegionContext, id: string): NotFoundError {
  return new NotFoundError(`No snapshot ${id} in ${rc.region} (local provider).`, {
    hint: '`dbops snapshot list` lists them.',
  });
}

export function snapshotExists(rc: RegionContext, id: string): ConflictError {
  return new ConflictError(`Snapshot ${id} already exists in ${rc.region} (local provider).`, {
    hint: 'Choose another snapshot identifier, or delete the existing snapshot first.',
    kind: 'already-exists',
  });
}

export async function requireSnapshot(rc: RegionContext, id: string): Promise<SnapshotRecord> {
  const rec = await readSnapshot(rc, id);
  if (!rec) throw snapshotNotFound(rc, id);
  return rec;
}

/** A snapshot that can be restored or copied: available, with its password on file. */
export async function usableSnapshot(rc: RegionContext, id: string): Promise<{ snap: SnapshotRecord; cred: MasterCredential }> {
  const snap = await requireSnapshot(rc, id);
  if (snap.status !== 'available') {
    throw new EnvironmentError(`Snapshot ${id} is ${snap.status}, not available.`, {
      hint: 'Wait for it, or use another snapshot.',
    });
  }
  const cred = await rc.shared.secrets.get('snapshots', rc.region, id);
  if (!cred) {
    throw new EnvironmentError(`The secrets file has no master password for snapshot ${id} in ${rc.region}.`, {
      hint: `It should be in ${rc.shared.secrets.file}; was the file removed or replaced?`,
    });
  }
  return { snap, cred };
}

export async function findSnapshot(rc: RegionContext, id: string): Promise<Snapshot | undefined> {
  const rec = await readSnapshot(rc, id);
  return rec ? toSnapshot(rec) : undefined;
}

export async function describeSnapshot(rc: RegionContext, id: string): Promise<Snapshot> {
  return toSnapshot(await requireSnapshot(rc, id));
}

/** Manual and automated snapshots (input.type narrows), oldest first. */
export async function listSnapshots(rc: RegionContext, input: ListSnapshotsInput = {}): Promise<Snapshot[]> {
  return (await listSnapshotRecords(rc, input)).map(toSnapshot);
}

export async function listSnapshotRecords(rc: RegionContext, input: ListSnapshotsInput = {}): Promise<SnapshotRecord[]> {
  const out: SnapshotRecord[] = [];
  for (const id of await listResourceDirs(rc.layout.snapshotsDir)) {
    let rec: SnapshotRecord | undefined;
    try {
      rec = await readSnapshot(rc, id);
    } catch (e) {
      // A damaged snapshot.json is reported, not hidden, and does not block the others.
      if (!(e instanceof DamagedStateError)) throw e;
      reportDamaged(rc, e);
    }
    const typeOk = input.type === undefined || input.type === 'all' || rec?.type === input.type;
    if (rec && typeOk && (input.instanceId === undefined || rec.instanceId === input.instanceId)) out.push(rec);
  }
  out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  return out;
}

function verifierOf(rc: RegionContext): SnapshotVerifier {
  return rc.shared.opts.snapshotVerifier ?? 'dbops';
}

export async function createSnapshot(rc: RegionContext, input: CreateSnapshotInput): Promise<Snapshot> {
  validateSnapshotId(input.snapshotId);
  validateTags(input.tags);
  const rec = await requireInstance(rc, input.instanceId);
  if (rec.engine === 'mysql') {
    await requireRunning(rc, rec, 'a local mysql snapshot is a mariadb-backup of the running server');
    return snapshotMysqlInstance(rc, rec, await instanceCredential(rc, rec.id), input.snapshotId, input.tags);
  }
  const tb = await prepareRegion(rc);
  await requireRunning(rc, rec, 'a local snapshot is a base backup of the running server');
  const cred = await instanceCredential(rc, rec.id);
  return snapshotInstance(rc, tb, rec, cred, input.snapshotId, input.tags);
}

export function newSnapshotRecord(
  rc: RegionContext,
  inst: InstanceRecord,
  id: string,
  tags: Tags,
  type: SnapshotRecord['type'],
): SnapshotRecord {
  return {
    version: 1,
    id,
    region: rc.region,
    instanceId: inst.id,
    type,
    status: 'creating',
    createdAt: rc.shared.now().toISOString(),
    engine: inst.engine,
    engineVersion: inst.engineVersion,
    ...(inst.server ? { server: inst.server } : {}),
    masterUsername: inst.masterUsername,
    dbName: inst.dbName,
    allocatedStorageGb: inst.allocatedStorageGb,
    maxAllocatedStorageGb: inst.maxAllocatedStorageGb,
    storageType: inst.storageType,
    storageEncrypted: inst.storageEncrypted,
    backupRetentionDays: inst.backupRetentionDays,
    copyTagsToSnapshot: inst.copyTagsToSnapshot,
    // A member's snapshot is its cluster's (a local cluster snapshot is a base backup of the writer).
    ...(inst.clusterId ? { clusterId: inst.clusterId } : {}),
    tags: managedTags(inst.copyTagsToSnapshot ? { ...inst.tags, ...tags } : tags),
  };
}

export async function claimSnapshotDir(rc: RegionContext, id: string): Promise<void> {
  try {
    await mkdir(rc.layout.snapshotDir(id), { mode: 0o755 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw snapshotExists(rc, id);
    throw new EnvironmentError(`Could not create ${rc.layout.snapshotDir(id)}: ${(e as Error).message}`, { cause: e });
  }
}

/** Base backup of a running instance into a new snapshot, verified before it is marked available. */
export async function snapshotInstance(
  rc: RegionContext,
  tb: Toolbox,
  inst: InstanceRecord,
  cred: MasterCredential,
  snapshotId: string,
  tags: Tags,
  type: SnapshotRecord['type'] = 'manual',
): Promise<Snapshot> {
  const dir = rc.layout.snapshotDir(snapshotId);
  await claimSnapshotDir(rc, snapshotId);
  try {
    await giveTo(tb.runAs, dir);
    await writeJsonAtomic(rc.layout.snapshotJson(snapshotId), newSnapshotRecord(rc, inst, snapshotId, tags, type));
    // The password the data was made with goes with the snapshot: the instance may be gone at restore time.
    await rc.shared.secrets.put('snapshots', rc.region, snapshotId, cred);
    const partial = join(dir, '.partial');
    const src = { instanceId: inst.id, port: inst.port, cred };
    await takeVerifiedTarBackup(tb, src, partial, snapshotId, rc.layout.tmpDir, verifierOf(rc));
    for (const name of await readdir(partial)) await rename(join(partial, name), join(dir, name));
    await rmdir(partial);
    const sizeBytes = await backupSize(dir);
    const wal = await manifestWal(dir);
    const completedAt = rc.shared.now().toISOString();
    await updateSnapshot(rc, snapshotId, (r) => ({ ...r, status: 'available', sizeBytes, completedAt, ...(wal ? { wal } : {}) }));
  } catch (e) {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    await rc.shared.secrets.remove('snapshots', rc.region, snapshotId).catch(() => undefined);
    throw e;
  }
  return describeSnapshot(rc, snapshotId);
}

/** The WAL range the backup needs (the manifest's first WAL-Ranges entry; one timeline for a backup of a primary). */
async function manifestWal(dir: string): Promise<SnapshotWal | undefined> {
  const bytes = await readFile(join(dir, SNAPSHOT_FILES.manifest)).catch(() => undefined);
  if (!bytes) return undefined;
  const ranges = parseManifest(bytes).walRanges;
  const first = ranges[0];
  const last = ranges[ranges.length - 1];
  return first && last ? { timeline: last.timeline, startLsn: first.startLsn, endLsn: last.endLsn } : undefined;
}

export async function updateSnapshot(
  rc: RegionContext,
  id: string,
  mutate: (r: SnapshotRecord) => SnapshotRecord,
): Promise<SnapshotRecord> {
  const next = await updateJson<SnapshotRecord>(rc.layout.snapshotJson(id), mutate, 0o644, checkSnapshot(id));
  if (!next) throw snapshotNotFound(rc, id);
  return next;
}

export async function tagSnapshot(rc: RegionContext, id: string, tags: Tags): Promise<void> {
  validateTags(tags);
  await updateSnapshot(rc, id, (r) => ({ ...r, tags: { ...r.tags, ...tags } }));
}

/** Moves the directory aside first, so a half-removed snapshot never looks like a snapshot. */
export async function deleteSnapshot(rc: RegionContext, id: string): Promise<void> {
  await requireSnapshot(rc, id);
  const doomed = join(rc.layout.snapshotsDir, `.deleting-${id}-${randomBytes(4).toString('hex')}`);
  await rename(rc.layout.snapshotDir(id), doomed);
  await rm(doomed, { recursive: true, force: true });
  await rc.shared.secrets.remove('snapshots', rc.region, id);
}

export function copyRecord(src: SnapshotRecord, target: RegionContext, input: CopySnapshotInput): SnapshotRecord {
  return {
    ...src,
    id: input.targetSnapshotId,
    // As on RDS, a copy of an automated backup is a manual snapshot (retention does not expire it).
    type: 'manual',
    region: target.region,
    status: 'available',
    createdAt: target.shared.now().toISOString(),
    sourceRegion: src.region,
    sourceSnapshotId: src.id,
    tags: managedTags(input.copyTags ? { ...src.tags, ...input.tags } : input.tags),
  };
}

/** Copy into the target region under a temporary name, verify, record, then rename into place. */
export async function copySnapshot(rc: RegionContext, input: CopySnapshotInput): Promise<Snapshot> {
  validateSnapshotId(input.snapshotId);
  validateSnapshotId(input.targetSnapshotId);
  validateRegion(input.targetRegion);
  validateTags(input.tags);
  const { snap, cred } = await usableSnapshot(rc, input.snapshotId);
  const target = regionContext(rc.shared, input.targetRegion);
  if (snap.engine === 'mysql') return copyMysqlSnapshot(rc, target, snap, cred, input);
  const tb = await prepareRegion(target);
  if (await readSnapshot(target, input.targetSnapshotId)) throw snapshotExists(target, input.targetSnapshotId);
  const tmp = join(target.layout.snapshotsDir, `.copy-${input.targetSnapshotId}-${randomBytes(4).toString('hex')}`);
  await mkdir(tmp, { mode: 0o755 });
  try {
    await copyVerified(tb, rc.layout.snapshotDir(snap.id), tmp, snap.id, target.layout.tmpDir, verifierOf(rc), () =>
      giveTreeTo(tb.runAs, tmp),
    );
    await writeJsonAtomic(join(tmp, SNAPSHOT_FILES.meta), copyRecord(snap, target, input));
    await renameIntoPlace(target, tmp, input.targetSnapshotId);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
  await recordCopySecret(target, input.targetSnapshotId, cred);
  return describeSnapshot(target, input.targetSnapshotId);
}

export async function renameIntoPlace(target: RegionContext, tmp: string, id: string): Promise<void> {
  try {
    await rename(tmp, target.layout.snapshotDir(id));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') throw snapshotExists(target, id);
    throw e;
  }
}

/** Only once the copy is ours (the rename won) does its password go on file; without it the copy is useless. */
export async function recordCopySecret(target: RegionContext, id: string, cred: MasterCredential): Promise<void> {
  try {
    await target.shared.secrets.put('snapshots', target.region, id, cred);
  } catch (e) {
    await rm(target.layout.snapshotDir(id), { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
}
