/**
 * Snapshots are pg_basebackup tar backups (base.tar, pg_wal.tar, backup_manifest),
 * verified when they are taken and after every copy. Two verifiers:
 *
 *  - `dbops` (the default): the checks of pg_verifybackup done on the tars themselves
 *    (backup-check.ts): dbops reads base.tar while pg_basebackup flushes it to disk (its
 *    last phase, with the CPU idle), and a copy is checked in the same pass that copies
 *    it, so the check costs almost no extra time. The WAL is parsed with pg_waldump, as
 *    pg_verifybackup does. Restores still run pg_verifybackup itself on the data directory
 *    they extract.
 *  - `pg_verifybackup`: pg_verifybackup itself, after the fact. PostgreSQL 15's reads only
 *    plain directories, so the tars are extracted into a scratch directory, verified, and
 *    the scratch removed. Binaries >= 19 verify tars (WAL included) directly; 18 reads
 *    tars but cannot parse the WAL inside them, so it takes the extraction path too.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CheckFailed, EnvironmentError } from '../../errors.js';
import {
  BackupProblem,
  compareWithManifest,
  parseManifest,
  TarChecker,
  type BackupManifest,
  type TarMember,
  type WalRange,
} from './backup-check.js';
import { giveTo } from './os-user.js';
import { scrub, throwIfAborted } from './process.js';
import { SNAPSHOT_FILES } from './layout.js';
import { LOCAL_HOST } from './records.js';
import type { MasterCredential } from './secrets.js';
import { syncDir } from './state.js';
import { pgRun, pgRunUnchecked, toolRunUnchecked, type Toolbox } from './toolbox.js';

/** Direct tar verification with WAL parsing arrived after PostgreSQL 18. */
const DIRECT_TAR_VERIFY_MAJOR = 19;

export interface BaseBackupSource {
  instanceId: string;
  port: number;
  cred: MasterCredential;
}

/** pg_basebackup's manifest checksum; dbops asks for it, so the streaming check knows what to compute. */
const MANIFEST_ALGORITHM = 'CRC32C';

/** The connection half of every pg_basebackup call; the password only ever in the child's env. */
function sourceArgs(src: BaseBackupSource): string[] {
  return ['-h', LOCAL_HOST, '-p', String(src.port), '-U', src.cred.masterUsername, '--no-password', '--checkpoint=fast'];
}

function passwordEnv(src: BaseBackupSource): { extraEnv: Record<string, string>; secrets: string[] } {
  const pw = src.cred.password.reveal();
  return { extraEnv: { PGPASSWORD: pw }, secrets: [pw] };
}

/** `pg_basebackup -F t -X stream` into a new directory `dest`. */
export async function takeTarBackup(
  tb: Toolbox,
  src: BaseBackupSource,
  dest: string,
  snapshotId: string,
  signal?: AbortSignal,
): Promise<void> {
  const args = [...sourceArgs(src), '-D', dest, '-F', 't', '-X', 'stream', `--manifest-checksums=${MANIFEST_ALGORITHM}`];
  const step = `Snapshot ${snapshotId} of instance ${src.instanceId} (pg_basebackup)`;
  await pgRun(tb, 'pg_basebackup', args, step, { ...passwordEnv(src), signal });
}

/** `pg_basebackup -R -X stream` into `dataDir`: a plain copy that starts as a standby. */
export async function takeStandbyBackup(tb: Toolbox, src: BaseBackupSource, dataDir: string, replicaId: string): Promise<void> {
  const args = [...sourceArgs(src), '-D', dataDir, '-R', '-X', 'stream'];
  await pgRun(tb, 'pg_basebackup', args, `Copying instance ${src.instanceId} to replica ${replicaId} (pg_basebackup)`, passwordEnv(src));
}

/** Bytes of the backup itself (the tars), as a snapshot's size. */
export async function backupSize(snapDir: string): Promise<number> {
  let total = 0;
  for (const f of [SNAPSHOT_FILES.base, SNAPSHOT_FILES.wal]) total += (await stat(join(snapDir, f)).catch(() => ({ size: 0 }))).size;
  return total;
}

function corrupt(snapshotId: string, line: string): CheckFailed {
  return new CheckFailed(`Snapshot ${snapshotId} is corrupt: ${line}`, {
    hint: 'Take a new snapshot, or restore an older one; this one cannot be trusted.',
    details: { snapshotId },
  });
}

/** The first line that reports a problem (pg_verifybackup and tar both lead with the cause). */
function firstProblem(text: string): string {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  return scrub(lines.find((l) => /error|corrupt|mismatch|unexpected|invalid|skipping|not /i.test(l)) ?? lines[0] ?? 'unknown error');
}

/** Extracts base.tar into dir and pg_wal.tar into dir/pg_wal; a tar error means a corrupt snapshot. */
export async function extractBackup(tb: Toolbox, snapDir: string, dir: string, snapshotId: string, signal?: AbortSignal): Promise<void> {
  const untar = async (tarFile: string, into: string): Promise<void> => {
    const res = await toolRunUnchecked(tb, 'tar', ['-xf', join(snapDir, tarFile), '-C', into], `Extracting snapshot ${snapshotId} (tar)`, {
      signal,
    });
    if (res.code !== 0) {
      throwIfAborted(signal);
      await throwIfDeleted(snapDir, snapshotId);
      throw corrupt(snapshotId, firstProblem(res.stderr || res.stdout));
    }
  };
  await untar(SNAPSHOT_FILES.base, dir);
  await mkdir(join(dir, 'pg_wal'), { recursive: true, mode: 0o700 });
  await giveTo(tb.runAs, join(dir, 'pg_wal'));
  await untar(SNAPSHOT_FILES.wal, join(dir, 'pg_wal'));
}

/** pg_verifybackup of an extracted (plain) backup against the snapshot's manifest. */
export async function verifyExtracted(tb: Toolbox, manifest: string, dir: string, snapshotId: string, signal?: AbortSignal): Promise<void> {
  const step = `Verifying snapshot ${snapshotId} (pg_verifybackup)`;
  const res = await pgRunUnchecked(tb, 'pg_verifybackup', ['-m', manifest, dir], step, { signal });
  if (res.code !== 0) {
    throwIfAborted(signal);
    await throwIfDeleted(dirname(manifest), snapshotId);
    throw corrupt(snapshotId, firstProblem(res.stderr || res.stdout));
  }
}

/**
 * A snapshot removed while a restore reads it (`dbops snapshot delete`, gc, by hand) makes
 * tar or pg_verifybackup fail like damage would: say what happened instead.
 */
async function throwIfDeleted(snapDir: string, snapshotId: string): Promise<void> {
  const there = await stat(join(snapDir, SNAPSHOT_FILES.meta)).then(
    () => true,
    () => false,
  );
  if (there) return;
  throw new EnvironmentError(`Snapshot ${snapshotId} was deleted while it was being restored.`, {
    hint: 'Nothing is wrong with the data: run again with another snapshot (`dbops snapshot list`), and keep deletions away from a running restore.',
    details: { snapshotId, deletedDuringRun: true },
  });
}

/** Verifies a snapshot directory (tars + manifest): direct on new binaries, else via a scratch extraction. */
export async function verifySnapshotDir(tb: Toolbox, snapDir: string, scratchParent: string, snapshotId: string): Promise<void> {
  const manifest = join(snapDir, SNAPSHOT_FILES.manifest);
  if (tb.bins.major >= DIRECT_TAR_VERIFY_MAJOR) {
    const res = await pgRunUnchecked(tb, 'pg_verifybackup', ['-i', SNAPSHOT_FILES.meta, '-m', manifest, snapDir], '');
    if (res.code !== 0) throw corrupt(snapshotId, firstProblem(res.stderr || res.stdout));
    return;
  }
  const scratch = join(scratchParent, `verify-${snapshotId}-${randomBytes(4).toString('hex')}`);
  await mkdir(scratchParent, { recursive: true });
  await mkdir(scratch, { mode: 0o700 });
  try {
    await giveTo(tb.runAs, scratch);
    await extractBackup(tb, snapDir, scratch, snapshotId);
    await verifyExtracted(tb, manifest, scratch, snapshotId);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Which verifier checks snapshots when they are taken and copied (config local.snapshotVerifier). */
export type SnapshotVerifier = 'dbops' | 'pg_verifybackup';

/** Tablespace archives are named by OID; their manifest paths live under pg_tblspc/<oid>/. */
function tarPrefix(name: string): string | undefined {
  if (name === SNAPSHOT_FILES.base) return '';
  const m = /^(\d+)\.tar$/.exec(name);
  return m ? `pg_tblspc/${m[1]}/` : undefined;
}

function problemsToError(snapshotId: string, problems: string[]): CheckFailed | undefined {
  if (problems.length === 0) return undefined;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return corrupt(snapshotId, `${problems[0]}${more}`);
}

function asCorrupt(snapshotId: string, e: unknown): unknown {
  return e instanceof BackupProblem ? corrupt(snapshotId, scrub(e.message)) : e;
}

async function readManifest(dir: string, snapshotId: string): Promise<BackupManifest> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, SNAPSHOT_FILES.manifest));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw corrupt(snapshotId, 'backup_manifest is missing');
    throw e;
  }
  try {
    return parseManifest(bytes);
  } catch (e) {
    throw asCorrupt(snapshotId, e);
  }
}

/**
 * The WAL half of the check, as pg_verifybackup does it: pg_wal.tar is extracted (it is
 * small: the WAL written during the backup) and pg_waldump must parse every range the
 * manifest says the backup needs.
 */
export async function checkWal(
  tb: Toolbox,
  walTar: string,
  ranges: readonly WalRange[],
  scratchParent: string,
  snapshotId: string,
): Promise<void> {
  const scratch = join(scratchParent, `wal-${snapshotId}-${randomBytes(4).toString('hex')}`);
  await mkdir(scratchParent, { recursive: true });
  await mkdir(scratch, { mode: 0o700 });
  try {
    await giveTo(tb.runAs, scratch);
    const untar = await toolRunUnchecked(tb, 'tar', ['-xf', walTar, '-C', scratch], `Extracting the WAL of snapshot ${snapshotId} (tar)`);
    if (untar.code !== 0) throw corrupt(snapshotId, firstProblem(untar.stderr || untar.stdout));
    for (const r of ranges) {
      const args = ['--quiet', `--path=${scratch}`, `--timeline=${r.timeline}`, `--start=${r.startLsn}`, `--end=${r.endLsn}`];
      const res = await pgRunUnchecked(tb, 'pg_waldump', args, `Checking the WAL of snapshot ${snapshotId} (pg_waldump)`);
      if (res.code !== 0)
        throw corrupt(snapshotId, `WAL parsing failed for timeline ${r.timeline}: ${firstProblem(res.stderr || res.stdout)}`);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Members of every data archive (base.tar, tablespace tars) under dir that `skip` does not name. */
async function checkTarsAt(dir: string, manifest: BackupManifest, skip: ReadonlySet<string>): Promise<TarMember[]> {
  const out: TarMember[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const prefix = tarPrefix(name);
    if (prefix === undefined || skip.has(name)) continue;
    const checker = new TarChecker({ name, prefix, algorithmFor: (p) => manifest.files.get(p)?.algorithm });
    for await (const chunk of followFile(join(dir, name), Promise.resolve(), new AbortController().signal)) checker.push(chunk);
    out.push(...checker.end());
  }
  return out;
}

/** Whether a promise has settled (either way), as a synchronous question. */
function settledFlag(p: Promise<unknown>): () => boolean {
  let settled = false;
  void p.then(
    () => (settled = true),
    () => (settled = true),
  );
  return () => settled;
}

/**
 * Reads a file another process is still writing, chunk by chunk, until that process has
 * settled and the end of the file is reached. `settled` is sampled before each read, so
 * an empty read after it settled is the true end. (A settled producer: a whole file.)
 * Each chunk is valid until the next one is asked for: the buffer is reused.
 */
export async function* followFile(path: string, producer: Promise<unknown>, stop: AbortSignal): AsyncGenerator<Buffer> {
  const settled = settledFlag(producer);
  let fh: FileHandle | undefined;
  while (!fh) {
    const done = settled();
    try {
      fh = await open(path, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      if (done || stop.aborted) return;
      await sleep(FOLLOW_POLL_MS);
    }
  }
  try {
    const buf = ioBuffer();
    for (let pos = 0; ; ) {
      if (stop.aborted) return;
      const done = settled();
      const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
      if (bytesRead > 0) {
        pos += bytesRead;
        yield buf.subarray(0, bytesRead);
      } else if (done) return;
      else await sleep(FOLLOW_POLL_MS);
    }
  } finally {
    await fh.close();
  }
}

const CHUNK = 1 << 20;

/**
 * Resolves once pg_basebackup has started writing the manifest (backup_manifest.tmp):
 * the server sends it after the last archive, so the data is written, and pg_basebackup
 * now spends a while flushing everything to disk with the CPU idle. Reading base.tar
 * then costs the backup nothing; reading it while it streams slowed pg_basebackup by
 * about 0.2 s per GB here (2 cores). Also resolves when pg_basebackup has exited.
 */
async function manifestArriving(dest: string, producer: Promise<unknown>, stop: AbortSignal): Promise<void> {
  const settled = settledFlag(producer);
  while (!settled() && !stop.aborted) {
    const names = await readdir(dest).catch(() => [] as string[]);
    if (names.some((n) => n.startsWith(SNAPSHOT_FILES.manifest))) return;
    await sleep(FOLLOW_POLL_MS);
  }
}

/**
 * A read/write buffer that does not start on a page boundary. Large Buffers are page
 * aligned, and so are page-cache pages: a copy between two addresses with the same offset
 * in a 4 KiB page suffers 4K aliasing on many x86 CPUs. Here (AMD EPYC) reading 1 GiB from
 * the page cache into an aligned buffer took 0.78 s of CPU, into one 64 bytes off 0.12 s.
 */
function ioBuffer(): Buffer {
  return Buffer.allocUnsafeSlow(CHUNK + IO_BUFFER_SKEW).subarray(IO_BUFFER_SKEW);
}
const IO_BUFFER_SKEW = 64;
const FOLLOW_POLL_MS = 15;
/** A copy is flushed every this many bytes, so the disk writes while the copy goes on. */
const SYNC_EVERY = 64 << 20;

/**
 * `pg_basebackup -F t -X stream` into a new directory `dest`, verified: with the dbops
 * verifier base.tar is checked while pg_basebackup flushes it to disk; with
 * pg_verifybackup after pg_basebackup has finished.
 */
export async function takeVerifiedTarBackup(
  tb: Toolbox,
  src: BaseBackupSource,
  dest: string,
  snapshotId: string,
  scratchParent: string,
  verifier: SnapshotVerifier,
): Promise<void> {
  if (verifier === 'pg_verifybackup') {
    await takeTarBackup(tb, src, dest, snapshotId);
    await verifySnapshotDir(tb, dest, scratchParent, snapshotId);
    return;
  }
  const stop = new AbortController();
  const backup = takeTarBackup(tb, src, dest, snapshotId, stop.signal);
  const checker = new TarChecker({ name: SNAPSHOT_FILES.base, algorithmFor: () => MANIFEST_ALGORITHM });
  const reading = (async () => {
    await manifestArriving(dest, backup, stop.signal);
    for await (const chunk of followFile(join(dest, SNAPSHOT_FILES.base), backup, stop.signal)) checker.push(chunk);
  })();
  const [readErr, backupErr] = await Promise.all([
    reading.then(
      () => undefined,
      (e: unknown) => {
        stop.abort(); // a damaged stream: no point letting pg_basebackup finish
        return e;
      },
    ),
    backup.then(
      () => undefined,
      (e: unknown) => e,
    ),
  ]);
  if (readErr instanceof BackupProblem) throw asCorrupt(snapshotId, readErr);
  if (backupErr) throw backupErr;
  if (readErr) throw readErr;
  let members: TarMember[];
  try {
    members = checker.end();
  } catch (e) {
    throw asCorrupt(snapshotId, e);
  }
  const onDisk = (await stat(join(dest, SNAPSHOT_FILES.base))).size;
  if (onDisk !== checker.bytes)
    throw corrupt(snapshotId, `base.tar is ${onDisk} bytes on disk but ${checker.bytes} were read while it was written`);
  const manifest = await readManifest(dest, snapshotId);
  const tablespaces = await checkTarsAt(dest, manifest, new Set([SNAPSHOT_FILES.base])).catch((e: unknown) => {
    throw asCorrupt(snapshotId, e);
  });
  const bad = problemsToError(snapshotId, compareWithManifest(manifest, [...members, ...tablespaces]));
  if (bad) throw bad;
  await checkWal(tb, join(dest, SNAPSHOT_FILES.wal), manifest.walRanges, scratchParent, snapshotId);
}

async function writeAll(fh: FileHandle, data: Buffer, position: number): Promise<void> {
  for (let off = 0; off < data.length; ) {
    const { bytesWritten } = await fh.write(data, off, data.length - off, position + off);
    off += bytesWritten;
  }
}

/**
 * Copies one file, handing every chunk to `onChunk` on the way (the check reads exactly
 * the bytes that are written). Reading the next chunk overlaps writing the last, and a
 * flush is started every SYNC_EVERY bytes so the disk works while the copy goes on; the
 * file is fsynced before this returns.
 */
async function copyThrough(from: string, to: string, onChunk?: (b: Buffer) => void): Promise<void> {
  const input = await open(from, 'r');
  let output: FileHandle | undefined;
  const quiet = (p: Promise<unknown>): Promise<unknown> => {
    p.catch(() => undefined); // awaited later; must not count as unhandled meanwhile
    return p;
  };
  try {
    output = await open(to, 'wx', 0o600);
    const out = output;
    const bufs = [ioBuffer(), ioBuffer()];
    let writing: Promise<unknown> = Promise.resolve();
    let syncing: Promise<unknown> = Promise.resolve();
    let unsynced = 0;
    let pos = 0;
    let reading = input.read(bufs[0]!, 0, CHUNK, 0);
    for (let k = 0; ; k++) {
      const { bytesRead } = await reading;
      if (bytesRead === 0) break;
      const data = bufs[k & 1]!.subarray(0, bytesRead);
      // The other buffer is free once the last write is done: read into it while this
      // chunk is checked and written.
      await writing;
      reading = quiet(input.read(bufs[(k + 1) & 1]!, 0, CHUNK, pos + bytesRead)) as typeof reading;
      onChunk?.(data);
      writing = quiet(writeAll(out, data, pos));
      pos += bytesRead;
      unsynced += bytesRead;
      if (unsynced >= SYNC_EVERY) {
        unsynced = 0;
        await syncing;
        syncing = quiet(writing.then(() => out.datasync()));
      }
    }
    await writing;
    await syncing;
    await out.sync();
  } finally {
    await input.close();
    await output?.close();
  }
}

/**
 * Copies a snapshot's backup files from one directory to another (a cross-region copy)
 * and verifies the copy. With the dbops verifier the tars are checked in the same pass
 * that copies them; with pg_verifybackup after. Every file is fsynced: a copy must
 * survive a crash. `onCopied` runs between the copy and the after-the-fact checks (the
 * caller hands the files to the server's OS user there).
 */
export async function copyVerified(
  tb: Toolbox,
  from: string,
  to: string,
  snapshotId: string,
  scratchParent: string,
  verifier: SnapshotVerifier,
  onCopied: () => Promise<void> = async () => undefined,
): Promise<void> {
  const names = (await readdir(from)).filter((n) => !n.startsWith('.') && n !== SNAPSHOT_FILES.meta).sort();
  if (verifier === 'pg_verifybackup') {
    for (const name of names) await copyThrough(join(from, name), join(to, name));
    await syncDir(to);
    await onCopied();
    await verifySnapshotDir(tb, to, scratchParent, snapshotId);
    return;
  }
  const manifest = await readManifest(from, snapshotId);
  if (!names.includes(SNAPSHOT_FILES.base)) throw corrupt(snapshotId, 'base.tar is missing');
  if (!names.includes(SNAPSHOT_FILES.wal)) throw corrupt(snapshotId, 'pg_wal.tar is missing');
  // The WAL (small) is copied and checked by pg_waldump beside the data archives' copy.
  const copyAndCheck = async (name: string): Promise<TarMember[]> => {
    const prefix = tarPrefix(name);
    if (prefix === undefined && name !== SNAPSHOT_FILES.wal) {
      await copyThrough(join(from, name), join(to, name));
      return [];
    }
    // pg_wal.tar is read for its structure only; its contents are judged by pg_waldump.
    const checker = new TarChecker({
      name,
      prefix: prefix ?? 'pg_wal/',
      algorithmFor: prefix === undefined ? undefined : (p) => manifest.files.get(p)?.algorithm,
    });
    await copyThrough(join(from, name), join(to, name), (b) => checker.push(b));
    const found = checker.end();
    if (name !== SNAPSHOT_FILES.wal) return found;
    await giveTo(tb.runAs, join(to, name));
    await checkWal(tb, join(to, name), manifest.walRanges, scratchParent, snapshotId);
    return [];
  };
  const wal = copyAndCheck(SNAPSHOT_FILES.wal);
  wal.catch(() => undefined); // awaited below, also on failure: no pg_waldump is left behind
  try {
    const members: TarMember[] = [];
    for (const name of names.filter((n) => n !== SNAPSHOT_FILES.wal)) members.push(...(await copyAndCheck(name)));
    await wal;
    const bad = problemsToError(snapshotId, compareWithManifest(manifest, members));
    if (bad) throw bad;
    await syncDir(to);
    await onCopied();
  } catch (e) {
    await wal.catch(() => undefined);
    throw asCorrupt(snapshotId, e);
  }
}
