/**
 * Snapshots are pg_basebackup tar backups (base.tar, pg_wal.tar, backup_manifest)
 * verified with pg_verifybackup. PostgreSQL 15's pg_verifybackup reads only plain
 * directories, so a tar backup is extracted into a scratch directory, verified, and the
 * scratch removed. Binaries >= 19 verify tars (WAL included) directly; 18 reads tars but
 * cannot parse the WAL inside them, so it takes the extraction path too.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckFailed } from '../../errors.js';
import { giveTo } from './os-user.js';
import { scrub } from './process.js';
import { SNAPSHOT_FILES } from './layout.js';
import { LOCAL_HOST } from './records.js';
import type { MasterCredential } from './secrets.js';
import { pgRun, pgRunUnchecked, toolRunUnchecked, type Toolbox } from './toolbox.js';

/** Direct tar verification with WAL parsing arrived after PostgreSQL 18. */
const DIRECT_TAR_VERIFY_MAJOR = 19;

export interface BaseBackupSource {
  instanceId: string;
  port: number;
  cred: MasterCredential;
}

/** The connection half of every pg_basebackup call; the password only ever in the child's env. */
function sourceArgs(src: BaseBackupSource): string[] {
  return [
    '-h',
    LOCAL_HOST,
    '-p',
    String(src.port),
    '-U',
    src.cred.masterUsername,
    '--no-password',
    '--checkpoint=fast',
  ];
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
): Promise<void> {
  const args = [...sourceArgs(src), '-D', dest, '-F', 't', '-X', 'stream', '--manifest-checksums=CRC32C'];
  await pgRun(
    tb,
    'pg_basebackup',
    args,
    `Snapshot ${snapshotId} of instance ${src.instanceId} (pg_basebackup)`,
    passwordEnv(src),
  );
}

/** `pg_basebackup -R -X stream` into `dataDir`: a plain copy that starts as a standby. */
export async function takeStandbyBackup(
  tb: Toolbox,
  src: BaseBackupSource,
  dataDir: string,
  replicaId: string,
): Promise<void> {
  const args = [...sourceArgs(src), '-D', dataDir, '-R', '-X', 'stream'];
  await pgRun(
    tb,
    'pg_basebackup',
    args,
    `Copying instance ${src.instanceId} to replica ${replicaId} (pg_basebackup)`,
    passwordEnv(src),
  );
}

/** Bytes of the backup itself (the tars), as a snapshot's size. */
export async function backupSize(snapDir: string): Promise<number> {
  let total = 0;
  for (const f of [SNAPSHOT_FILES.base, SNAPSHOT_FILES.wal])
    total += (await stat(join(snapDir, f)).catch(() => ({ size: 0 }))).size;
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
  return scrub(
    lines.find((l) => /error|corrupt|mismatch|unexpected|invalid|skipping|not /i.test(l)) ??
      lines[0] ??
      'unknown error',
  );
}

/** Extracts base.tar into dir and pg_wal.tar into dir/pg_wal; a tar error means a corrupt snapshot. */
export async function extractBackup(tb: Toolbox, snapDir: string, dir: string, snapshotId: string): Promise<void> {
  const untar = async (tarFile: string, into: string): Promise<void> => {
    const res = await toolRunUnchecked(
      tb,
      'tar',
      ['-xf', join(snapDir, tarFile), '-C', into],
      `Extracting snapshot ${snapshotId} (tar)`,
    );
    if (res.code !== 0) throw corrupt(snapshotId, firstProblem(res.stderr || res.stdout));
  };
  await untar(SNAPSHOT_FILES.base, dir);
  await mkdir(join(dir, 'pg_wal'), { recursive: true, mode: 0o700 });
  await giveTo(tb.runAs, join(dir, 'pg_wal'));
  await untar(SNAPSHOT_FILES.wal, join(dir, 'pg_wal'));
}

/** pg_verifybackup of an extracted (plain) backup against the snapshot's manifest. */
export async function verifyExtracted(tb: Toolbox, manifest: string, dir: string, snapshotId: string): Promise<void> {
  const step = `Verifying snapshot ${snapshotId} (pg_verifybackup)`;
  const res = await pgRunUnchecked(tb, 'pg_verifybackup', ['-m', manifest, dir], step);
  if (res.code !== 0) throw corrupt(snapshotId, firstProblem(res.stderr || res.stdout));
}

/** Verifies a snapshot directory (tars + manifest): direct on new binaries, else via a scratch extraction. */
export async function verifySnapshotDir(
  tb: Toolbox,
  snapDir: string,
  scratchParent: string,
  snapshotId: string,
): Promise<void> {
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

/** Copies the backup files of a snapshot directory, fsyncing each (a cross-region copy must survive a crash). */
export async function copyBackupFiles(from: string, to: string): Promise<void> {
  for (const name of await readdir(from)) {
    if (name.startsWith('.') || name === SNAPSHOT_FILES.meta) continue;
    await copyFile(join(from, name), join(to, name));
    const fh = await open(join(to, name), 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}
