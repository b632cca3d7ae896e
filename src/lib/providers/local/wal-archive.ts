/**
 * Continuous WAL archiving of local instances (what RDS' automated backups keep beside
 * the daily snapshot). An instance whose backupRetentionDays > 0 runs with
 * `archive_mode = on` and an `archive_command` that calls a small POSIX shell script
 * dbops writes under the region ($DBOPS_HOME/local/<region>/bin/dbops-archive-wal): it
 * copies one WAL file into the instance's archive directory
 * ($DBOPS_HOME/local/<region>/wal-archive/<id>/), fsynced, under a temporary name that is
 * hard-linked into place (so a crash never leaves a half file under a segment's name),
 * refuses to overwrite a different file of the same name, and refuses a segment whose
 * size is not the cluster's segment size. A shell script, not a `dbops` subcommand: it
 * runs once per segment as the server's OS user, where Node's start-up (and reading
 * dbops' installation) would cost more than the copy.
 *
 * `archive_timeout` (default 300 s, RDS' five-minute upload; config
 * local.archiveTimeoutSeconds) makes an instance that writes a little archive within
 * that time; an idle one writes nothing and archives nothing.
 */
import { chmod, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { baseSettings, setAutoConf, type ConfSettings } from './cluster.js';
import { regionContext, type RegionContext } from './context.js';
import { giveTo } from './os-user.js';
import { pgRun, type Toolbox } from './toolbox.js';

export const DEFAULT_ARCHIVE_TIMEOUT_S = 300;

/**
 * The archive script. Arguments: %p %f <archive dir> <segment bytes> [<DR region's archive dir>].
 * With the fifth argument (snapshots.crossRegion.replicateAutomatedBackups), the segment is
 * also put into the DR region's copy of the archive, with the same checks; a failure there
 * is reported in the server log but never blocks the primary archive (`dbops backup run`
 * ships what is missing, and `backup status` reports a DR archive that falls behind).
 */
export const ARCHIVE_SCRIPT = `#!/bin/sh
# Written by dbops: the archive_command of local instances (runbooks/automated-backups.md, AB-1).
# Usage: dbops-archive-wal <%p> <%f> <archive directory> <segment size in bytes> [<DR archive directory>]
# Copies one WAL file into the archive, fsynced, and links it into place under its name.
# Exit 1 (PostgreSQL keeps the file and retries) when the copy fails, when a segment has
# the wrong size, or when the archive already holds a DIFFERENT file of that name.
# The DR region's copy (fifth argument) gets the same treatment, but its failure is only reported.
set -u
src=$1
name=$2
dir=$3
segsize=$4
dr=\${5:-}
fail() { echo "dbops-archive-wal: $*" >&2; exit 1; }
case "$name" in
  ''|*/*|.*) fail "unexpected WAL file name '$name'" ;;
esac
case "$name" in
  [0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F])
    size=$(wc -c < "$src") || fail "cannot read $src"
    [ "$size" -eq "$segsize" ] || fail "$name is $size bytes, not a $segsize-byte WAL segment"
    ;;
esac
# put <directory>: 0 when the file is there (copied, or already identical), 1 with a message.
put() {
  d=$1
  dest="$d/$name"
  if [ -e "$dest" ]; then
    cmp -s "$src" "$dest" && return 0
    echo "dbops-archive-wal: $dest already exists with different contents: refusing to overwrite it" >&2
    return 1
  fi
  tmp="$d/.tmp-$name-$$"
  if ! cp "$src" "$tmp"; then
    rm -f "$tmp"
    echo "dbops-archive-wal: copying $src to $d failed" >&2
    return 1
  fi
  sync "$tmp" 2>/dev/null || sync
  if ! ln "$tmp" "$dest" 2>/dev/null; then
    rm -f "$tmp"
    [ -e "$dest" ] && cmp -s "$src" "$dest" && return 0
    echo "dbops-archive-wal: could not link $name into $d" >&2
    return 1
  fi
  rm -f "$tmp"
  sync "$d" 2>/dev/null || sync
  return 0
}
put "$dir" || exit 1
if [ -n "$dr" ]; then
  put "$dr" || echo "dbops-archive-wal: $name is not in the DR region's archive yet (dbops backup run ships it)" >&2
fi
exit 0
`;

/** '...' for sh, with embedded single quotes closed, escaped and reopened. Pure. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Where the archive script lives in a region. */
export function archiveScriptPath(rc: RegionContext): string {
  return join(rc.layout.regionDir, 'bin', 'dbops-archive-wal');
}

/** The archive of one instance. */
export function archiveDir(rc: RegionContext, id: string): string {
  return rc.layout.walArchiveDir(id);
}

/** "Bytes per WAL segment" from pg_controldata (16 MiB unless initdb --wal-segsize). */
export async function walSegmentSize(tb: Toolbox, dataDir: string): Promise<number> {
  const res = await pgRun(tb, 'pg_controldata', ['-D', dataDir], `Reading the control file of ${dataDir} (pg_controldata)`);
  const m = /^Bytes per WAL segment:\s+(\d+)/m.exec(res.stdout);
  return m ? Number(m[1]) : 16 * 1024 * 1024;
}

/** Writes the script (when missing or different) and makes the instance's archive directory. */
async function prepareArchive(rc: RegionContext, tb: Toolbox, id: string): Promise<string> {
  const script = archiveScriptPath(rc);
  await mkdir(join(rc.layout.regionDir, 'bin'), { recursive: true, mode: 0o755 });
  await writeFile(script, ARCHIVE_SCRIPT, { mode: 0o755 });
  await chmod(script, 0o755);
  const dir = archiveDir(rc, id);
  const parent = join(rc.layout.regionDir, 'wal-archive');
  await mkdir(parent, { recursive: true, mode: 0o755 });
  if (tb.runAs) await chmod(parent, 0o755);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await giveTo(tb.runAs, dir);
  return dir;
}

/**
 * The DR region's copy of an instance's archive (snapshots.crossRegion.replicateAutomatedBackups),
 * made and handed to the server's OS user: the archive_command writes into it too.
 */
export async function prepareReplicatedWal(rc: RegionContext, tb: Toolbox, drRegion: string, id: string): Promise<string> {
  const dr = regionContext(rc.shared, drRegion);
  const area = dr.layout.replicatedDir(rc.region, id);
  const wal = join(area, 'wal');
  await mkdir(wal, { recursive: true, mode: 0o700 });
  if (tb.runAs) {
    // The server's user must reach the directory through its parents.
    for (let d = area; d.length > dr.layout.regionDir.length; d = dirname(d)) await chmod(d, 0o755);
    await chmod(dr.layout.regionDir, 0o755);
  }
  await giveTo(tb.runAs, wal);
  return wal;
}

/**
 * The archiving settings of an instance: on (script, archive directory made) when it
 * keeps automated backups, off otherwise. Also what a restored or promoted copy must get,
 * so it never archives into its source's archive. With `replicateTo` (a DR region), the
 * archive_command also puts each segment into that region's copy of the archive.
 */
export async function archiveSettings(
  rc: RegionContext,
  tb: Toolbox,
  a: { id: string; dataDir: string; backupRetentionDays: number; replicateTo?: string },
): Promise<ConfSettings> {
  if (a.backupRetentionDays <= 0) return { archive_mode: 'off', archive_command: undefined, archive_timeout: undefined };
  const dir = await prepareArchive(rc, tb, a.id);
  const segSize = await walSegmentSize(tb, a.dataDir);
  const timeout = rc.shared.opts.archiveTimeoutSeconds ?? DEFAULT_ARCHIVE_TIMEOUT_S;
  const dr = a.replicateTo && a.replicateTo !== rc.region ? await prepareReplicatedWal(rc, tb, a.replicateTo, a.id) : undefined;
  return {
    archive_mode: 'on',
    archive_command: `${shellQuote(archiveScriptPath(rc))} "%p" "%f" ${shellQuote(dir)} ${segSize}${dr ? ` ${shellQuote(dr)}` : ''}`,
    archive_timeout: `${timeout}s`,
  };
}

/** restore_command reading an instance's archive (a missing file is a quiet "not there"). */
export function restoreCommand(dir: string): string {
  const f = `${shellQuote(dir)}/"%f"`;
  return `test -f ${f} && cp ${f} "%p"`;
}

/** A WAL file name: timeline, and the segment number. Pure. */
export interface WalFileName {
  name: string;
  timeline: number;
  /** Segment number (log * segments-per-log + seg). */
  segno: bigint;
  kind: 'segment' | 'partial' | 'history' | 'backup';
}

export function parseWalFileName(name: string, segSize: number): WalFileName | undefined {
  const hist = /^([0-9A-F]{8})\.history$/.exec(name);
  if (hist) return { name, timeline: parseInt(hist[1]!, 16), segno: -1n, kind: 'history' };
  const m = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})(\.partial|\.[0-9A-F]{8}\.backup)?$/.exec(name);
  if (!m) return undefined;
  const perLog = 0x100000000n / BigInt(segSize);
  const segno = BigInt(parseInt(m[2]!, 16)) * perLog + BigInt(parseInt(m[3]!, 16));
  const kind = m[4] === '.partial' ? 'partial' : m[4] ? 'backup' : 'segment';
  return { name, timeline: parseInt(m[1]!, 16), segno, kind };
}

/** The file name of the segment holding `lsn` on `timeline`. Pure. */
export function segmentName(timeline: number, lsn: bigint, segSize: number): string {
  const segno = lsn / BigInt(segSize);
  const perLog = 0x100000000n / BigInt(segSize);
  const hex = (v: bigint | number) => v.toString(16).toUpperCase().padStart(8, '0');
  return `${hex(timeline)}${hex(segno / perLog)}${hex(segno % perLog)}`;
}

export interface ArchivedFile extends WalFileName {
  bytes: number;
  mtime: Date;
}

/** The archive's files (temporary copies left by an interrupted archive_command skipped). */
export async function listArchive(dir: string, segSize: number): Promise<ArchivedFile[]> {
  const out: ArchivedFile[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const parsed = parseWalFileName(name, segSize);
    if (!parsed) continue;
    const st = await stat(join(dir, name)).catch(() => undefined);
    if (st) out.push({ ...parsed, bytes: st.size, mtime: st.mtime });
  }
  return out.sort((a, b) => (a.segno === b.segno ? a.timeline - b.timeline : a.segno < b.segno ? -1 : 1));
}

/**
 * The segments from `fromSegno` on, one per segment number (the highest timeline wins),
 * up to the first missing segment number: `chain` is what recovery can replay without a
 * hole, `gap` the first missing segment number after it when later segments exist. Pure.
 */
export function contiguousFrom(files: readonly ArchivedFile[], fromSegno: bigint): { chain: ArchivedFile[]; gapAt?: bigint } {
  const bySegno = new Map<bigint, ArchivedFile>();
  for (const f of files) {
    if (f.kind !== 'segment' && f.kind !== 'partial') continue;
    if (f.segno < fromSegno) continue;
    const had = bySegno.get(f.segno);
    // A full segment beats a .partial (the old timeline's last segment) of the same number.
    if (!had || (f.kind === 'segment' && (had.kind === 'partial' || f.timeline > had.timeline))) bySegno.set(f.segno, f);
  }
  const chain: ArchivedFile[] = [];
  let s = fromSegno;
  while (bySegno.has(s)) {
    chain.push(bySegno.get(s)!);
    s += 1n;
  }
  const later = [...bySegno.keys()].some((k) => k > s);
  return later ? { chain, gapAt: s } : { chain };
}

/** An instance's own settings: listening, replication, and its archiving. */
export async function instanceSettings(
  rc: RegionContext,
  tb: Toolbox,
  a: { id: string; port: number; backupRetentionDays: number },
): Promise<ConfSettings> {
  const dataDir = rc.layout.dataDir(a.id);
  return { ...baseSettings(a.id, a.port), ...(await archiveSettings(rc, tb, { ...a, dataDir })) };
}

/**
 * Brings an existing instance's archiving settings up to date (before a start, or for
 * `backup run`): instances created before archiving existed get it on their next start.
 */
export async function refreshArchiveSettings(
  rc: RegionContext,
  tb: Toolbox,
  a: { id: string; backupRetentionDays: number; backupReplication?: { region: string } },
): Promise<void> {
  const dataDir = rc.layout.dataDir(a.id);
  const replicateTo = a.backupReplication?.region;
  await setAutoConf(
    tb,
    dataDir,
    await archiveSettings(rc, tb, { id: a.id, backupRetentionDays: a.backupRetentionDays, dataDir, replicateTo }),
  );
}
