/**
 * What pg_verifybackup checks, done on tar backups as they stream past, so a snapshot is
 * verified while it is written or copied instead of extracted afterwards (PostgreSQL 15's
 * pg_verifybackup reads only plain directories). Pure code, no processes: the WAL part of
 * the check runs pg_waldump, as pg_verifybackup does, from snapshot.ts.
 *
 * The checks and their wording follow pg_verifybackup (PostgreSQL 15..18):
 *  - the manifest parses, its own SHA-256 checksum matches, no path is listed twice;
 *  - every file in the manifest is in the backup and every file in the backup is in the
 *    manifest (backup_manifest, pg_wal/, postgresql.auto.conf, recovery.signal and
 *    standby.signal are ignored, as there);
 *  - sizes and checksums (CRC32C, SHA-224/256/384/512) match;
 *  - a version 2 manifest's system identifier matches global/pg_control;
 *  - the tar archives themselves are whole: header checksums, sizes, end-of-archive.
 */
import { createHash, type Hash } from 'node:crypto';
import { crc32c, crc32cHex } from './crc32c.js';

export class BackupProblem extends Error {}

export interface ManifestFile {
  path: string;
  size: number;
  algorithm: string;
  checksum?: string;
}

export interface WalRange {
  timeline: number;
  startLsn: string;
  endLsn: string;
}

export interface BackupManifest {
  version: number;
  systemIdentifier?: string;
  files: Map<string, ManifestFile>;
  walRanges: WalRange[];
}

/** Paths pg_verifybackup never checks: written or changed after the manifest, or the manifest itself. */
export const IGNORED_PATHS = ['backup_manifest', 'pg_wal', 'postgresql.auto.conf', 'recovery.signal', 'standby.signal'];

export function isIgnored(path: string): boolean {
  return IGNORED_PATHS.some((p) => path === p || path.startsWith(`${p}/`));
}

const LSN = /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/;

function fail(msg: string): never {
  throw new BackupProblem(msg);
}

/** Parses a backup_manifest and checks its own checksum; a problem throws BackupProblem. */
export function parseManifest(bytes: Buffer): BackupManifest {
  const newlines: number[] = [];
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) newlines.push(i);
  if (newlines.length < 2) fail('could not parse backup manifest: expected at least 2 lines');
  if (newlines[newlines.length - 1] !== bytes.length - 1) fail('could not parse backup manifest: last line not newline-terminated');
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    fail(`could not parse backup manifest: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) fail('could not parse backup manifest: not a JSON object');
  const version = doc['PostgreSQL-Backup-Manifest-Version'];
  if (version !== 1 && version !== 2) fail(`could not parse backup manifest: unexpected manifest version ${String(version)}`);
  const expected = doc['Manifest-Checksum'];
  if (typeof expected !== 'string') fail('could not parse backup manifest: manifest has no checksum');
  const actual = createHash('sha256')
    .update(bytes.subarray(0, newlines[newlines.length - 2]! + 1))
    .digest('hex');
  if (actual !== expected.toLowerCase()) fail('manifest checksum mismatch');

  const files = new Map<string, ManifestFile>();
  const list = doc.Files;
  if (!Array.isArray(list)) fail('could not parse backup manifest: "Files" is not an array');
  for (const raw of list as unknown[]) {
    const f = raw as Record<string, unknown>;
    const path = typeof f.Path === 'string' ? f.Path : typeof f['Encoded-Path'] === 'string' ? decodeHexPath(f['Encoded-Path']) : undefined;
    if (path === undefined) fail('could not parse backup manifest: file entry without a path');
    if (typeof f.Size !== 'number' || !Number.isInteger(f.Size) || f.Size < 0)
      fail(`could not parse backup manifest: bad size for "${path}"`);
    if (files.has(path)) fail(`duplicate path name in backup manifest: "${path}"`);
    const algorithm = typeof f['Checksum-Algorithm'] === 'string' ? f['Checksum-Algorithm'].toUpperCase() : 'NONE';
    const checksum = typeof f.Checksum === 'string' ? f.Checksum.toLowerCase() : undefined;
    if (algorithm !== 'NONE' && checksum === undefined) fail(`could not parse backup manifest: no checksum for "${path}"`);
    if (algorithm !== 'NONE' && !CHECKSUM_LENGTH[algorithm])
      fail(`could not parse backup manifest: unrecognized checksum algorithm "${algorithm}"`);
    files.set(path, { path, size: f.Size, algorithm, checksum });
  }
  const rangesRaw = doc['WAL-Ranges'];
  if (!Array.isArray(rangesRaw)) fail('could not parse backup manifest: "WAL-Ranges" is not an array');
  const walRanges: WalRange[] = [];
  for (const raw of rangesRaw as unknown[]) {
    const r = raw as Record<string, unknown>;
    const start = r['Start-LSN'];
    const end = r['End-LSN'];
    if (typeof r.Timeline !== 'number' || typeof start !== 'string' || typeof end !== 'string' || !LSN.test(start) || !LSN.test(end))
      fail('could not parse backup manifest: bad WAL range');
    walRanges.push({ timeline: r.Timeline, startLsn: start, endLsn: end });
  }
  // A 64-bit number: JSON.parse would round it, so the digits are taken from the text.
  let systemIdentifier: string | undefined;
  if (doc['System-Identifier'] !== undefined) {
    systemIdentifier = /"System-Identifier"\s*:\s*"?(\d+)/.exec(bytes.toString('utf8'))?.[1];
    if (systemIdentifier === undefined) fail('could not parse backup manifest: bad System-Identifier');
  }
  return {
    version,
    systemIdentifier,
    files,
    walRanges,
  };
}

function decodeHexPath(hex: string): string {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) fail('could not parse backup manifest: bad Encoded-Path');
  return Buffer.from(hex, 'hex').toString('utf8');
}

/** Digest length in bytes per algorithm, as in the manifest. */
const CHECKSUM_LENGTH: Record<string, number> = { CRC32C: 4, SHA224: 28, SHA256: 32, SHA384: 48, SHA512: 64 };

interface Digest {
  update(b: Uint8Array): void;
  hex(): string | undefined;
}

export function digestFor(algorithm: string): Digest {
  if (algorithm === 'NONE') return { update: () => undefined, hex: () => undefined };
  if (algorithm === 'CRC32C') {
    let crc = 0;
    return { update: (b) => (crc = crc32c(b, crc)), hex: () => crc32cHex(crc) };
  }
  const name = { SHA224: 'sha224', SHA256: 'sha256', SHA384: 'sha384', SHA512: 'sha512' }[algorithm];
  if (!name) fail(`unrecognized checksum algorithm "${algorithm}"`);
  const h: Hash = createHash(name);
  return { update: (b) => void h.update(b), hex: () => h.digest('hex') };
}

export interface TarMember {
  /** Path as the manifest names it: the tar member name under the archive's prefix. */
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  size: number;
  /** The digest with the algorithm the checker was told to use for this path. */
  algorithm?: string;
  checksum?: string;
  /** The first bytes of global/pg_control, for the system identifier. */
  head?: Buffer;
}

const BLOCK = 512;

function octal(buf: Buffer, off: number, len: number, what: string): number {
  const field = buf.subarray(off, off + len);
  if (field[0]! & 0x80) {
    // GNU base-256: big-endian, high bit set on the first byte.
    let v = field[0]! & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + field[i]!;
    return v;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) fail(`invalid tar header: bad ${what} field "${text}"`);
  return parseInt(text, 8);
}

function cstring(buf: Buffer, off: number, len: number): string {
  const field = buf.subarray(off, off + len);
  const z = field.indexOf(0);
  return field.subarray(0, z === -1 ? len : z).toString('utf8');
}

function headerChecksumOk(h: Buffer): boolean {
  const stored = octal(h, 148, 8, 'checksum');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  return sum === stored;
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp === -1) break;
    const len = parseInt(data.subarray(i, sp).toString('latin1'), 10);
    if (!Number.isFinite(len) || len <= 0) fail('invalid tar header: bad pax record');
    const rec = data.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

export interface TarCheckerOptions {
  /** Prefix joined to member names to give manifest paths: '' for base.tar, 'pg_tblspc/<oid>/' for a tablespace tar. */
  prefix?: string;
  /** The checksum algorithm to compute for a file, or undefined for none. */
  algorithmFor?: (path: string) => string | undefined;
  /** What the archive is called in messages. */
  name: string;
}

/**
 * A streaming tar reader that records every member with its size and checksum. Feed it
 * the archive in chunks of any size with push(), then call end(). A damaged archive
 * (bad header checksum, impossible size, truncation) throws BackupProblem.
 */
export class TarChecker {
  readonly members: TarMember[] = [];
  bytes = 0;
  private header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  private remaining = 0;
  private padding = 0;
  private current?: { member: TarMember; digest?: Digest; head?: Buffer[]; headLen: number; meta?: 'L' | 'x'; metaBufs?: Buffer[] };
  private currentSize = 0;
  private longName?: string;
  private ended = false;
  private zeroBlocks = 0;
  private readonly prefix: string;

  constructor(private readonly opts: TarCheckerOptions) {
    this.prefix = opts.prefix ?? '';
  }

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    let i = 0;
    while (i < chunk.length) {
      if (this.ended) return; // whatever follows the end-of-archive marker is padding
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - i);
        this.data(chunk.subarray(i, i + n));
        this.remaining -= n;
        i += n;
        if (this.remaining === 0) {
          this.finishMember();
          this.padding = (BLOCK - (this.currentSize % BLOCK)) % BLOCK;
        }
        continue;
      }
      if (this.padding > 0) {
        const n = Math.min(this.padding, chunk.length - i);
        this.padding -= n;
        i += n;
        continue;
      }
      const n = Math.min(BLOCK - this.headerFill, chunk.length - i);
      chunk.copy(this.header, this.headerFill, i, i + n);
      this.headerFill += n;
      i += n;
      if (this.headerFill === BLOCK) {
        this.headerFill = 0;
        this.onHeader(this.header);
      }
    }
  }

  private onHeader(h: Buffer): void {
    if (h.every((b) => b === 0)) {
      if (++this.zeroBlocks === 2) this.ended = true;
      return;
    }
    if (this.zeroBlocks > 0) fail(`${this.opts.name} is damaged: an empty block inside the archive`);
    if (!headerChecksumOk(h)) fail(`${this.opts.name} is damaged: bad tar header checksum after ${this.describeLast()}`);
    const size = octal(h, 124, 12, 'size');
    const flag = String.fromCharCode(h[156]!);
    const magic = h.subarray(257, 262).toString('latin1');
    let name = cstring(h, 0, 100);
    if (magic === 'ustar') {
      const prefix = cstring(h, 345, 155);
      if (prefix && h[257 + 5] === 0) name = `${prefix}/${name}`;
    }
    if (this.longName !== undefined) {
      name = this.longName;
      this.longName = undefined;
    }
    this.currentSize = size;
    if (flag === 'L' || flag === 'x' || flag === 'g') {
      this.current = {
        member: { path: '', type: 'other', size },
        headLen: 0,
        meta: flag === 'g' ? undefined : flag,
        metaBufs: [],
      };
    } else {
      const clean = name.replace(/^\.\//, '');
      const type = flag === '0' || flag === '\0' || flag === '7' ? 'file' : flag === '5' ? 'directory' : flag === '2' ? 'symlink' : 'other';
      const path = `${this.prefix}${clean.replace(/\/$/, '')}`;
      const member: TarMember = { path, type, size };
      const algorithm = type === 'file' ? this.opts.algorithmFor?.(path) : undefined;
      this.current = {
        member,
        digest: algorithm ? digestFor(algorithm) : undefined,
        head: path === 'global/pg_control' ? [] : undefined,
        headLen: 0,
      };
      if (algorithm) member.algorithm = algorithm;
    }
    this.remaining = size;
    if (size === 0) {
      this.finishMember();
      this.padding = 0;
    }
  }

  private data(b: Buffer): void {
    const c = this.current!;
    if (c.metaBufs) {
      c.metaBufs.push(Buffer.from(b));
      return;
    }
    c.digest?.update(b);
    if (c.head && c.headLen < 16) {
      c.head.push(Buffer.from(b.subarray(0, 16 - c.headLen)));
      c.headLen += Math.min(b.length, 16 - c.headLen);
    }
  }

  private finishMember(): void {
    const c = this.current!;
    this.current = undefined;
    if (c.metaBufs) {
      const data = Buffer.concat(c.metaBufs);
      if (c.meta === 'L') this.longName = cstring(data, 0, data.length);
      else if (c.meta === 'x') {
        const p = parsePax(data).path;
        if (p !== undefined) this.longName = p;
      }
      return;
    }
    if (c.digest) c.member.checksum = c.digest.hex();
    if (c.head) c.member.head = Buffer.concat(c.head);
    this.members.push(c.member);
  }

  private describeLast(): string {
    const last = this.members[this.members.length - 1];
    return last ? `"${last.path}"` : 'the start of the archive';
  }

  /** Call when the archive's bytes are all in: a truncated archive throws. */
  end(): TarMember[] {
    if (this.remaining > 0)
      fail(`${this.opts.name} is damaged: it ends inside "${this.current?.member.path ?? '?'}" (${this.remaining} bytes missing)`);
    if (!this.ended && (this.headerFill > 0 || this.padding > 0 || this.zeroBlocks < 2))
      fail(`${this.opts.name} is damaged: it ends without the end-of-archive marker (truncated?)`);
    return this.members;
  }
}

/** pg_verifybackup's file checks, on the members of a backup's tars; returns every problem found. */
export function compareWithManifest(manifest: BackupManifest, members: readonly TarMember[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const m of members) {
    if (m.type !== 'file' || isIgnored(m.path)) continue;
    const entry = manifest.files.get(m.path);
    if (!entry) {
      problems.push(`"${m.path}" is present on disk but not in the manifest`);
      continue;
    }
    seen.add(m.path);
    if (m.size !== entry.size) {
      problems.push(`"${m.path}" has size ${m.size} on disk but size ${entry.size} in the manifest`);
      continue;
    }
    if (entry.algorithm === 'NONE') continue;
    const length = CHECKSUM_LENGTH[entry.algorithm]!;
    if (entry.checksum!.length !== length * 2) {
      problems.push(`file "${m.path}" has checksum of length ${entry.checksum!.length / 2}, but expected ${length}`);
      continue;
    }
    if (m.algorithm !== entry.algorithm || m.checksum === undefined) {
      problems.push(`"${m.path}" was not checksummed with ${entry.algorithm}, as the manifest requires`);
      continue;
    }
    if (m.checksum !== entry.checksum) problems.push(`checksum mismatch for file "${m.path}"`);
  }
  for (const path of manifest.files.keys())
    if (!seen.has(path) && !isIgnored(path)) problems.push(`"${path}" is present in the manifest but not on disk`);
  if (manifest.systemIdentifier !== undefined) {
    const control = members.find((m) => m.path === 'global/pg_control');
    if (control?.head && control.head.length >= 8) {
      const id = control.head.readBigUInt64LE(0).toString();
      if (id !== manifest.systemIdentifier)
        problems.push(`manifest system identifier is ${manifest.systemIdentifier}, but control file has ${id}`);
    }
  }
  return problems;
}
