/**
 * Helpers for tests of the local provider: a temporary $DBOPS_HOME the `postgres` OS
 * user can reach, a provider bound to it, a default CreateInstanceInput, and a cleanup
 * that stops every cluster found under the home before removing it.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { defaultBinSearch, findPgBinaries } from '../../src/lib/providers/local/binaries.js';
import { resolveRunAs } from '../../src/lib/providers/local/os-user.js';
import { runUnchecked, type RunResult } from '../../src/lib/providers/local/process.js';
import { createLocalProvider, type LocalProviderInternals } from '../../src/lib/providers/local/provider.js';
import type { ConnectionInfo, CreateInstanceInput, Provider } from '../../src/lib/providers/types.js';
import type { LocalProviderOptions } from '../../src/lib/providers/index.js';
import { createShared } from '../../src/lib/providers/local/context.js';
import { stopPgbouncerIn } from '../../src/lib/providers/local/pgbouncer.js';
import type { Toolbox } from '../../src/lib/providers/local/toolbox.js';

export const TEST_OS_USER = 'postgres';

/** A fresh $DBOPS_HOME in the temp dir, opened to o+rx (mkdtemp makes 0700) so `postgres` can reach it. */
export async function makeLocalHome(prefix = 'dbops-local-'): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), prefix));
  await chmod(home, 0o755);
  return home;
}

export function localProvider(
  home: string,
  region = 'us-east-2',
  internals?: LocalProviderInternals,
  opts: Pick<LocalProviderOptions, 'snapshotVerifier' | 'archiveTimeoutSeconds'> = {},
): Provider {
  return createLocalProvider(
    { home, region, osUser: TEST_OS_USER, pgBin: process.env.PG_BIN, env: { ...process.env }, ...opts },
    internals,
  );
}

/** The local provider's toolbox (binaries, run-as user) for calling its modules directly. */
export function localToolbox(home: string): Promise<Toolbox> {
  return createShared({ home, region: 'us-east-2', osUser: TEST_OS_USER, pgBin: process.env.PG_BIN, env: { ...process.env } }).toolbox();
}

/** The reference deployment's shape (seeds), small enough for a test. */
export function instanceInput(id: string, overrides: Partial<CreateInstanceInput> = {}): CreateInstanceInput {
  return {
    id,
    engine: 'postgres',
    engineVersion: '15',
    instanceClass: 'db.t3.micro',
    allocatedStorageGb: 20,
    maxAllocatedStorageGb: 100,
    storageType: 'gp2',
    storageEncrypted: false,
    multiAz: false,
    publiclyAccessible: false,
    deletionProtection: false,
    backupRetentionDays: 7,
    backupWindow: '03:00-04:00',
    maintenanceWindow: 'sun:04:00-sun:05:00',
    autoMinorVersionUpgrade: true,
    copyTagsToSnapshot: true,
    dbName: 'app',
    masterUsername: 'dbops_admin',
    masterPassword: { kind: 'managed' },
    tags: { 'dbops:purpose': 'test' },
    ...overrides,
  };
}

/** Runs a PostgreSQL binary the way the provider does (as `postgres` when we are root). */
export async function runPgBinary(name: 'pg_ctl' | 'pg_verifybackup', args: string[]): Promise<RunResult> {
  const bins = await findPgBinaries(defaultBinSearch(process.env.PG_BIN, process.env), process.env);
  const runAs = await resolveRunAs(TEST_OS_USER);
  return runUnchecked(bins.path(name), args, { step: `test ${name}`, env: { ...process.env }, runAs });
}

/** `pg_ctl status` exit code for a data directory: 0 running, 3 not running, 4 no data directory. */
export async function pgCtlStatus(dataDir: string): Promise<number> {
  return (await runPgBinary('pg_ctl', ['-D', dataDir, 'status'])).code;
}

/**
 * Whether a process still runs. A zombie does not count: a stopped postmaster was
 * reparented when pg_ctl exited, and its new parent (PID 1 here) may not have reaped it yet.
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return process.platform !== 'linux';
  }
}

/** Processes whose working directory is under `dir` (a mariadbd works in its data directory; so do PostgreSQL's). Linux. */
export function processesUnder(dir: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if ((cwd === dir || cwd.startsWith(`${dir}/`)) && pidAlive(Number(entry))) out.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

/** Opens a pg client from a provider's ConnectionInfo, runs fn, closes it. */
export async function withPg<T>(info: ConnectionInfo, fn: (c: pg.Client) => Promise<T>, database = info.database): Promise<T> {
  const client = new pg.Client({
    host: info.host,
    port: info.port,
    user: info.user,
    database,
    password: info.password?.reveal(),
    ssl: false,
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function subdirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => join(dir, d.name));
  } catch {
    return [];
  }
}

/** Every PGDATA under a home, in every region. */
export async function dataDirsUnder(home: string): Promise<string[]> {
  const out: string[] = [];
  for (const region of await subdirs(join(home, 'local'))) {
    for (const inst of await subdirs(join(region, 'instances'))) out.push(join(inst, 'data'));
  }
  return out;
}

/** Stops every pgbouncer and cluster under the home (immediate mode: it is about to be removed), then removes it. */
export async function destroyLocalHome(home: string): Promise<void> {
  for (const region of await subdirs(join(home, 'local'))) {
    for (const pool of await subdirs(join(region, 'poolers'))) await stopPgbouncerIn(pool);
  }
  for (const dataDir of await dataDirsUnder(home)) {
    // A local mysql instance: a mariadbd whose pid file sits beside its data directory.
    const mariaPid = Number((await readFile(join(dataDir, '..', 'mariadbd.pid'), 'utf8').catch(() => '')).trim());
    if (mariaPid > 0 && pidAlive(mariaPid)) process.kill(mariaPid, 'SIGKILL');
    const pidText = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '');
    if (!pidText) continue;
    await runPgBinary('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    const pid = Number(pidText.split('\n')[0]);
    if (pid > 0 && pidAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  await rm(home, { recursive: true, force: true });
}

/** Every file under a directory, with its path (for "the password appears nowhere" checks). */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(p)));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Errors a test caught, kept so the test can assert a secret never appears in any of them. */
export function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const x = e as Error & { hint?: string; details?: unknown };
  return [x.message, x.hint ?? '', JSON.stringify(x.details ?? {})].join('\n');
}

/** The members of a ustar archive (pg_basebackup writes short names only): where each header, its data and its padded end are. */
export function tarMembers(buf: Buffer): { name: string; header: number; data: number; size: number; end: number }[] {
  const out: { name: string; header: number; data: number; size: number; end: number }[] = [];
  for (let off = 0; off + 512 <= buf.length; ) {
    const header = buf.subarray(off, off + 512);
    const name = header.subarray(0, 100).toString('latin1').split('\0')[0] ?? '';
    if (name === '') break;
    const size = parseInt(header.subarray(124, 136).toString('latin1').split('\0')[0]?.trim() || '0', 8);
    const end = off + 512 + Math.ceil(size / 512) * 512;
    out.push({ name, header: off, data: off + 512, size, end });
    off = end;
  }
  return out;
}

/** Flips 16 bytes in the middle of the first data file (base/..., >= 8 KiB) of a tar; returns its name. */
export async function corruptTarMember(tarPath: string): Promise<string> {
  const buf = await readFile(tarPath);
  const m = tarMembers(buf).find((x) => x.name.startsWith('base/') && x.size >= 8192);
  if (!m) throw new Error(`no data file to corrupt in ${tarPath}`);
  const at = m.data + Math.floor(m.size / 2);
  for (let i = 0; i < 16; i++) buf.writeUInt8(buf.readUInt8(at + i) ^ 0xff, at + i);
  await writeFile(tarPath, buf);
  return m.name;
}
