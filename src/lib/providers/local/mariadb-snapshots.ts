/**
 * Snapshots of local mysql instances (MariaDB standing in for MySQL 8.0):
 * `mariadb-backup --backup`, then `--prepare`: a snapshot is usable only once prepared.
 * Then every file of the prepared backup goes into a manifest (size, SHA-256), whose own
 * SHA-256 is kept in snapshot.json. Verification (after taking, on every copy, before
 * every restore) proves the backup prepared (xtrabackup_checkpoints) and every file
 * exactly as recorded; damage is a failed check (exit 1). Restore is `--copy-back` into a
 * new instance, which must then start and answer. A cross-region copy checks each file's
 * SHA-256 in the same pass that copies it.
 *
 * Layout of a snapshot directory: snapshot.json, mariadb-manifest.json, backup/ (the
 * prepared backup).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckFailed, EnvironmentError } from '../../errors.js';
import { TAG, type CopySnapshotInput, type Instance, type RestoreFromSnapshotInput, type Snapshot, type Tags } from '../types.js';
import { prepareMariaRegion, type RegionContext } from './context.js';
import { claimInstanceDir, describeInstance, updateInstance, writeInstance } from './instance-store.js';
import { SNAPSHOT_FILES } from './layout.js';
import { checkSameMariaDb } from './mariadb-binaries.js';
import { orDiscardMaria } from './mariadb-instances.js';
import { checkAnswers, mariaPaths, startServer, writeServerConfig, type MariaPaths } from './mariadb-server.js';
import { giveTo, giveTreeTo } from './os-user.js';
import { freePort } from './ports.js';
import { throwIfAborted } from './process.js';
import { restoredRecord, type InstanceRecord, type SnapshotRecord } from './records.js';
import type { MasterCredential } from './secrets.js';
import {
  claimSnapshotDir,
  copyRecord,
  describeSnapshot,
  newSnapshotRecord,
  readSnapshot,
  recordCopySecret,
  renameIntoPlace,
  snapshotExists,
  updateSnapshot,
} from './snapshots.js';
import { syncDir, writeJsonAtomic } from './state.js';
import { mariaRun, type MariaToolbox } from './toolbox.js';

/** One file of a prepared backup, as recorded when the snapshot was taken. */
export interface ManifestFile {
  path: string;
  size: number;
  sha256: string;
}

/** mariadb-manifest.json. */
export interface MariaManifest {
  version: 1;
  tool: 'mariadb-backup';
  serverVersion: string;
  /** xtrabackup_checkpoints' backup_type after --prepare. */
  backupType: string;
  files: ManifestFile[];
}

/** backup_type values of a prepared full backup (MariaDB writes log-applied; Percona's word is full-prepared). */
const PREPARED_TYPES = new Set(['log-applied', 'full-prepared']);
const CHECKPOINTS = 'xtrabackup_checkpoints';

function corrupt(snapshotId: string, line: string): CheckFailed {
  return new CheckFailed(`Snapshot ${snapshotId} is corrupt: ${line}`, {
    hint: 'Take a new snapshot, or restore an older one; this one cannot be trusted.',
    details: { snapshotId },
  });
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** "backup_type = log-applied" -> "log-applied". */
export function backupType(checkpoints: string): string | undefined {
  return /^backup_type\s*=\s*(\S+)\s*$/m.exec(checkpoints)?.[1];
}

/** Every regular file under dir, relative paths, sorted; anything else (a link, a socket) is named as a problem. */
async function listFiles(dir: string, rel = ''): Promise<{ files: string[]; odd: string[] }> {
  const files: string[] = [];
  const odd: string[] = [];
  for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      const sub = await listFiles(dir, path);
      files.push(...sub.files);
      odd.push(...sub.odd);
    } else if (e.isFile()) files.push(path);
    else odd.push(path);
  }
  return { files: files.sort(), odd };
}

async function hashFile(file: string, signal?: AbortSignal): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20, signal })) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } catch (e) {
    throwIfAborted(signal); // Ctrl-C is an interruption, not a read error
    throw e;
  }
  return { size, sha256: hash.digest('hex') };
}

/** The files of a prepared backup with their sizes and SHA-256; refuses one that is not prepared. */
async function buildManifest(backupDir: string, serverVersion: string, snapshotId: string, signal?: AbortSignal): Promise<MariaManifest> {
  const type = backupType(await readFile(join(backupDir, CHECKPOINTS), 'utf8').catch(() => ''));
  if (!type || !PREPARED_TYPES.has(type)) {
    throw new EnvironmentError(`Snapshot ${snapshotId} was not prepared: ${CHECKPOINTS} says backup_type ${type ?? '(none)'}.`, {
      hint: 'mariadb-backup --prepare did not finish; take the snapshot again.',
    });
  }
  const { files, odd } = await listFiles(backupDir);
  if (odd.length > 0) throw corrupt(snapshotId, `${odd[0]} is not a regular file`);
  const out: ManifestFile[] = [];
  for (const path of files) {
    throwIfAborted(signal);
    out.push({ path, ...(await hashFile(join(backupDir, path), signal)) });
  }
  return { version: 1, tool: 'mariadb-backup', serverVersion, backupType: type, files: out };
}

/** Reads the manifest and proves it is the one recorded in snapshot.json. */
async function readManifest(snapDir: string, snap: SnapshotRecord): Promise<MariaManifest> {
  const recorded = snap.mariadb?.manifestSha256;
  if (!recorded) throw corrupt(snap.id, 'snapshot.json records no manifest checksum');
  let bytes: Buffer;
  try {
    bytes = await readFile(join(snapDir, SNAPSHOT_FILES.mariadbManifest));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw corrupt(snap.id, `${SNAPSHOT_FILES.mariadbManifest} is missing`);
    throw e;
  }
  if (sha256(bytes) !== recorded)
    throw corrupt(snap.id, `${SNAPSHOT_FILES.mariadbManifest} is not the manifest recorded when the snapshot was taken`);
  try {
    return JSON.parse(bytes.toString('utf8')) as MariaManifest;
  } catch {
    throw corrupt(snap.id, `${SNAPSHOT_FILES.mariadbManifest} does not parse`);
  }
}

/** What differs between a backup directory and its manifest: missing, extra, resized or changed files. */
async function compareWithManifest(backupDir: string, manifest: MariaManifest, signal?: AbortSignal): Promise<string[]> {
  const problems: string[] = [];
  if (!PREPARED_TYPES.has(manifest.backupType)) problems.push(`the backup was recorded as ${manifest.backupType}, not prepared`);
  const type = backupType(await readFile(join(backupDir, CHECKPOINTS), 'utf8').catch(() => ''));
  if (!type || !PREPARED_TYPES.has(type))
    problems.push(`${CHECKPOINTS} says backup_type ${type ?? '(missing)'}: the backup is not prepared`);
  const { files, odd } = await listFiles(backupDir).catch(() => ({ files: [] as string[], odd: [] as string[] }));
  for (const p of odd) problems.push(`${p} is not a regular file`);
  const onDisk = new Set(files);
  const recorded = new Set(manifest.files.map((f) => f.path));
  for (const f of files) if (!recorded.has(f)) problems.push(`${f} is not in the manifest`);
  for (const f of manifest.files) {
    throwIfAborted(signal);
    if (!onDisk.has(f.path)) {
      problems.push(`${f.path} is missing`);
      continue;
    }
    const got = await hashFile(join(backupDir, f.path), signal);
    if (got.size !== f.size) problems.push(`${f.path} is ${got.size} bytes, the manifest says ${f.size}`);
    else if (got.sha256 !== f.sha256) problems.push(`${f.path}: its SHA-256 differs from the manifest's`);
  }
  return problems;
}

function problemsToError(snapshotId: string, problems: string[]): CheckFailed | undefined {
  if (problems.length === 0) return undefined;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return corrupt(snapshotId, `${problems[0]}${more}`);
}

/** Proves a mysql snapshot prepared and every file exactly as recorded; CheckFailed (exit 1) otherwise. */
export async function verifyMariaSnapshot(snapDir: string, snap: SnapshotRecord, signal?: AbortSignal): Promise<MariaManifest> {
  const manifest = await readManifest(snapDir, snap);
  const bad = problemsToError(snap.id, await compareWithManifest(join(snapDir, SNAPSHOT_FILES.mariadbBackup), manifest, signal));
  if (bad) {
    const there = await stat(join(snapDir, SNAPSHOT_FILES.meta)).then(
      () => true,
      () => false,
    );
    if (!there) {
      throw new EnvironmentError(`Snapshot ${snap.id} was deleted while it was being read.`, {
        hint: 'Nothing is wrong with the data: run again with another snapshot (`dbops snapshot list`).',
        details: { snapshotId: snap.id, deletedDuringRun: true },
      });
    }
    throw bad;
  }
  return manifest;
}

/** Client options for mariadb-backup in a 0600 file (never on the command line), owned by the server's user. */
async function backupCnf(tb: MariaToolbox, dir: string, p: MariaPaths, cred: MasterCredential, port: number): Promise<string> {
  const file = join(dir, `.backup-${randomBytes(6).toString('hex')}.cnf`);
  // root on the socket when its password is known (it always is for instances dbops made); else the master user over TCP.
  const lines = cred.rootPassword
    ? ['[mariadb-backup]', 'user=root', `password=${cred.rootPassword.reveal()}`, `socket=${p.socket}`]
    : ['[mariadb-backup]', `user=${cred.masterUsername}`, `password=${cred.password.reveal()}`, 'host=127.0.0.1', `port=${port}`];
  await writeFile(file, `${lines.join('\n')}\n`, { mode: 0o600, flag: 'wx' });
  await giveTo(tb.runAs, file);
  return file;
}

/** mariadb-backup --backup then --prepare of a running instance into `target` (a new directory). */
async function backupAndPrepare(
  tb: MariaToolbox,
  p: MariaPaths,
  inst: InstanceRecord,
  cred: MasterCredential,
  target: string,
  snapshotId: string,
  signal?: AbortSignal,
): Promise<void> {
  const cnf = await backupCnf(tb, join(target, '..'), p, cred, inst.port);
  const secrets = [cred.password.reveal(), ...(cred.rootPassword ? [cred.rootPassword.reveal()] : [])];
  try {
    await mariaRun(
      tb,
      'mariadb-backup',
      [`--defaults-file=${cnf}`, '--backup', `--target-dir=${target}`, `--datadir=${p.dataDir}`],
      `Snapshot ${snapshotId} of instance ${inst.id} (mariadb-backup --backup)`,
      { secrets, signal },
    );
  } finally {
    await rm(cnf, { force: true });
  }
  throwIfAborted(signal);
  await mariaRun(
    tb,
    'mariadb-backup',
    ['--no-defaults', '--prepare', `--target-dir=${target}`],
    `Preparing snapshot ${snapshotId} (mariadb-backup --prepare)`,
    {
      signal,
    },
  );
}

/** A snapshot of a running mysql instance: backed up, prepared, its manifest written and checked, then available. */
export async function snapshotMysqlInstance(
  rc: RegionContext,
  inst: InstanceRecord,
  cred: MasterCredential,
  snapshotId: string,
  tags: Tags,
  type: SnapshotRecord['type'] = 'manual',
): Promise<Snapshot> {
  const tb = await prepareMariaRegion(rc);
  if (!inst.server) throw new EnvironmentError(`Instance ${inst.id} records no MariaDB version; its instance.json is incomplete.`);
  const server = inst.server;
  const signal = rc.shared.opts.signal;
  const dir = rc.layout.snapshotDir(snapshotId);
  await claimSnapshotDir(rc, snapshotId);
  try {
    await giveTo(tb.runAs, dir);
    await writeJsonAtomic(rc.layout.snapshotJson(snapshotId), newSnapshotRecord(rc, inst, snapshotId, tags, type));
    // The passwords the data was made with go with the snapshot: the instance may be gone at restore time.
    await rc.shared.secrets.put('snapshots', rc.region, snapshotId, cred);
    const partial = join(dir, '.partial');
    await backupAndPrepare(tb, mariaPaths(rc.layout, inst.id), inst, cred, partial, snapshotId, signal);
    const manifest = await buildManifest(partial, server.version, snapshotId, signal);
    const bytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    await writeFile(join(dir, SNAPSHOT_FILES.mariadbManifest), bytes, { mode: 0o644, flag: 'wx' });
    await rename(partial, join(dir, SNAPSHOT_FILES.mariadbBackup));
    await syncDir(dir);
    const sizeBytes = manifest.files.reduce((n, f) => n + f.size, 0);
    const completedAt = rc.shared.now().toISOString();
    await updateSnapshot(rc, snapshotId, (r) => ({
      ...r,
      status: 'available',
      sizeBytes,
      completedAt,
      mariadb: { manifestSha256: sha256(bytes) },
    }));
  } catch (e) {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    await rc.shared.secrets.remove('snapshots', rc.region, snapshotId).catch(() => undefined);
    throw e;
  }
  return describeSnapshot(rc, snapshotId);
}

/**
 * Restore of a mysql snapshot into a new instance: the snapshot is verified first (a
 * damaged one is reported corrupt, never copied back), then `mariadb-backup --copy-back`
 * into the new data directory; the server starts on its own port and must answer the
 * master user on the snapshot's database. Any failure or interrupt removes it all.
 */
export async function restoreMysqlSnapshot(
  rc: RegionContext,
  snap: SnapshotRecord,
  cred: MasterCredential,
  input: RestoreFromSnapshotInput,
): Promise<Instance> {
  const tb = await prepareMariaRegion(rc);
  checkSameMariaDb(tb.bins, snap.server?.version ?? '?', snap.id);
  const port = await freePort(rc.shared.opts.home);
  const id = input.instanceId;
  const p = mariaPaths(rc.layout, id);
  const snapDir = rc.layout.snapshotDir(snap.id);
  const signal = rc.shared.opts.signal;
  await claimInstanceDir(rc, id);
  await orDiscardMaria(rc, p, async () => {
    await giveTo(tb.runAs, p.instanceDir);
    await writeInstance(
      rc,
      restoredRecord(rc, snap, input, port, {
        engine: 'mysql',
        engineVersion: snap.engineVersion,
        server: { product: 'MariaDB', version: tb.bins.version },
      }),
    );
    await verifyMariaSnapshot(snapDir, snap, signal);
    await writeServerConfig(tb, p, port, { temporary: input.tags[TAG.expiresAt] !== undefined });
    const args = [
      `--defaults-file=${p.cnf}`,
      '--copy-back',
      `--target-dir=${join(snapDir, SNAPSHOT_FILES.mariadbBackup)}`,
      `--datadir=${p.dataDir}`,
    ];
    await mariaRun(tb, 'mariadb-backup', args, `Restoring snapshot ${snap.id} into instance ${id} (mariadb-backup --copy-back)`, {
      signal,
    });
    await rc.shared.secrets.put('instances', rc.region, id, cred);
    throwIfAborted(signal);
    await startServer(tb, p, { signal, keptLog: rc.layout.failedLog(id) });
    throwIfAborted(signal);
    await checkAnswers({ port, user: cred.masterUsername, password: cred.password, database: snap.dbName }, id);
    await updateInstance(rc, id, (r) => ({ ...r, status: 'available' }));
  });
  return describeInstance(rc, id);
}

/** Copies one file, fsynced, returning its size and SHA-256 computed from the bytes written. */
async function copyHashing(from: string, to: string, signal?: AbortSignal): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  const out = await open(to, 'wx', 0o640);
  try {
    for await (const chunk of createReadStream(from, { highWaterMark: 1 << 20, signal })) {
      const b = chunk as Buffer;
      hash.update(b);
      for (let off = 0; off < b.length; ) off += (await out.write(b, off, b.length - off, size + off)).bytesWritten;
      size += b.length;
    }
    await out.sync();
  } catch (e) {
    throwIfAborted(signal);
    throw e;
  } finally {
    await out.close();
  }
  return { size, sha256: hash.digest('hex') };
}

/**
 * Cross-region copy of a mysql snapshot: the source is proven whole by its manifest, each
 * file is copied and its SHA-256 checked in the same pass, under a temporary name until
 * the copy is proven good; then recorded and renamed into place.
 */
export async function copyMysqlSnapshot(
  rc: RegionContext,
  target: RegionContext,
  snap: SnapshotRecord,
  cred: MasterCredential,
  input: CopySnapshotInput,
): Promise<Snapshot> {
  const tb = await prepareMariaRegion(target);
  if (await readSnapshot(target, input.targetSnapshotId)) throw snapshotExists(target, input.targetSnapshotId);
  const from = rc.layout.snapshotDir(snap.id);
  const manifest = await readManifest(from, snap);
  const signal = rc.shared.opts.signal;
  const tmp = join(target.layout.snapshotsDir, `.copy-${input.targetSnapshotId}-${randomBytes(4).toString('hex')}`);
  await mkdir(tmp, { mode: 0o755 });
  try {
    const { files } = await listFiles(join(from, SNAPSHOT_FILES.mariadbBackup));
    const recorded = new Set(manifest.files.map((f) => f.path));
    const extra = files.find((f) => !recorded.has(f));
    if (extra) throw corrupt(snap.id, `${extra} is not in the manifest`);
    const problems: string[] = [];
    for (const f of manifest.files) {
      throwIfAborted(signal);
      const src = join(from, SNAPSHOT_FILES.mariadbBackup, f.path);
      const dst = join(tmp, SNAPSHOT_FILES.mariadbBackup, f.path);
      await mkdir(join(dst, '..'), { recursive: true, mode: 0o700 });
      const got = await copyHashing(src, dst, signal).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return undefined;
        throw e;
      });
      if (!got) problems.push(`${f.path} is missing`);
      else if (got.size !== f.size) problems.push(`${f.path} is ${got.size} bytes, the manifest says ${f.size}`);
      else if (got.sha256 !== f.sha256) problems.push(`${f.path}: its SHA-256 differs from the manifest's`);
    }
    const bad = problemsToError(snap.id, problems);
    if (bad) throw bad;
    await writeFile(join(tmp, SNAPSHOT_FILES.mariadbManifest), await readFile(join(from, SNAPSHOT_FILES.mariadbManifest)), {
      flag: 'wx',
      mode: 0o644,
    });
    await syncDir(tmp);
    await giveTreeTo(tb.runAs, tmp);
    await writeJsonAtomic(join(tmp, SNAPSHOT_FILES.meta), copyRecord(snap, target, input));
    await renameIntoPlace(target, tmp, input.targetSnapshotId);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
  await recordCopySecret(target, input.targetSnapshotId, cred);
  return describeSnapshot(target, input.targetSnapshotId);
}
