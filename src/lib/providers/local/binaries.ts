/**
 * Finds the PostgreSQL binaries: PG_BIN (config local.pgBin), `pg_config --bindir`, PATH,
 * then /usr/lib/postgresql/<version>/bin (highest version). When none has them, the
 * error says exactly what to install.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EnvironmentError } from '../../errors.js';
import { findExecutable, isExecutable, pathDirs } from '../../executables.js';
import { runUnchecked } from './process.js';

/** Binaries the local provider runs; pg_waldump is what pg_verifybackup uses to check WAL. */
export const REQUIRED_BINARIES = ['initdb', 'pg_ctl', 'postgres', 'pg_basebackup', 'pg_verifybackup', 'pg_waldump'] as const;
export type PgBinary = (typeof REQUIRED_BINARIES)[number];
/** Binaries only switchover and failover run (same package as the required ones; not checked up front). */
export type PgTool = PgBinary | 'pg_rewind' | 'pg_controldata';

/** Where to look; injectable so tests can prove the "nothing found" message. */
export interface BinSearch {
  /** Explicit bin directory (PG_BIN / local.pgBin): used alone, never silently replaced. */
  pgBin?: string;
  /** PATH to search for initdb and pg_config. */
  path: string;
  /** Ask `pg_config --bindir` (found on `path`). */
  usePgConfig: boolean;
  /** Directories holding <version>/bin, e.g. /usr/lib/postgresql (highest version first). */
  versionedRoots: string[];
  /** Last resort bin directories (Homebrew's keg-only postgresql@15). */
  extraDirs: string[];
}

/** A usable PostgreSQL installation. */
export interface PgBinaries {
  binDir: string;
  /** From `postgres --version`, e.g. "15.20". */
  version: string;
  major: number;
  path(name: PgTool): string;
}

export function defaultBinSearch(pgBin: string | undefined, env: Record<string, string | undefined>): BinSearch {
  return {
    pgBin: pgBin && pgBin.length > 0 ? pgBin : undefined,
    path: env.PATH ?? '',
    usePgConfig: true,
    versionedRoots: ['/usr/lib/postgresql'],
    extraDirs: ['/opt/homebrew/opt/postgresql@15/bin', '/usr/local/opt/postgresql@15/bin'],
  };
}

export async function findPgBinaries(search: BinSearch, env: Record<string, string | undefined>): Promise<PgBinaries> {
  if (search.pgBin) {
    const missing = await missingIn(search.pgBin);
    if (missing.length > 0) throw explicitDirMissing(search.pgBin, missing);
    return describeBinaries(search.pgBin, env);
  }
  for (const dir of await candidateDirs(search, env)) {
    if ((await missingIn(dir)).length === 0) return describeBinaries(dir, env);
  }
  throw notInstalled();
}

async function candidateDirs(search: BinSearch, env: Record<string, string | undefined>): Promise<string[]> {
  const dirs: string[] = [];
  if (search.usePgConfig) {
    const pgConfig = await findOnPath('pg_config', search.path);
    if (pgConfig) {
      const res = await runUnchecked(pgConfig, ['--bindir'], {
        step: 'Asking pg_config for the bin directory',
        env,
      }).catch(() => undefined);
      if (res && res.code === 0 && res.stdout.trim()) dirs.push(res.stdout.trim());
    }
  }
  const initdb = await findOnPath('initdb', search.path);
  if (initdb) dirs.push(join(initdb, '..'));
  for (const root of search.versionedRoots) dirs.push(...(await versionedBins(root)));
  return [...dirs, ...search.extraDirs];
}

function findOnPath(name: string, pathEnv: string): Promise<string | undefined> {
  return findExecutable(name, pathDirs(pathEnv));
}

/** <root>/<version>/bin for every numeric version, highest first. */
async function versionedBins(root: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^\d+(\.\d+)?$/.test(n))
    .sort((a, b) => Number(b) - Number(a))
    .map((n) => join(root, n, 'bin'));
}

async function missingIn(dir: string): Promise<PgBinary[]> {
  const missing: PgBinary[] = [];
  for (const name of REQUIRED_BINARIES) if (!(await isExecutable(join(dir, name)))) missing.push(name);
  return missing;
}

async function describeBinaries(binDir: string, env: Record<string, string | undefined>): Promise<PgBinaries> {
  const version = await postgresVersion(join(binDir, 'postgres'), env);
  return { binDir, version, major: Number(version.split('.')[0]), path: (name) => join(binDir, name) };
}

/** "postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)" -> "15.20". */
export function parsePostgresVersion(text: string): string | undefined {
  return /\(PostgreSQL\)\s+(\d+(?:\.\d+)?)/.exec(text)?.[1];
}

async function postgresVersion(postgres: string, env: Record<string, string | undefined>): Promise<string> {
  const res = await runUnchecked(postgres, ['--version'], { step: 'Reading the PostgreSQL version', env });
  const version = parsePostgresVersion(res.stdout);
  if (res.code !== 0 || !version) {
    throw new EnvironmentError(`Could not read the PostgreSQL version from ${postgres} --version.`, {
      hint: 'Point PG_BIN at a working PostgreSQL bin directory.',
    });
  }
  return version;
}

const INSTALL_HINT =
  'Install PostgreSQL 15 server binaries (Debian/Ubuntu: apt-get install postgresql-15, or postgresql; ' +
  'macOS: brew install postgresql@15), or set PG_BIN to the directory that holds initdb and pg_ctl.';

function explicitDirMissing(dir: string, missing: PgBinary[]): EnvironmentError {
  return new EnvironmentError(`PG_BIN ${dir} does not contain the PostgreSQL binaries ${missing.join(', ')}.`, {
    hint: INSTALL_HINT,
    details: { pgBin: dir, missing },
  });
}

function notInstalled(): EnvironmentError {
  return new EnvironmentError('PostgreSQL server binaries (initdb, pg_ctl, postgres, pg_basebackup, pg_verifybackup) were not found.', {
    hint: INSTALL_HINT,
  });
}

/** The local binaries must be the major version asked for (config engineVersion "15" or "15.4"). */
export function checkEngineVersion(bins: PgBinaries, requested: string, what = `PostgreSQL ${requested} was asked for`): void {
  const major = Number(requested.split('.')[0]);
  if (major === bins.major) return;
  throw new EnvironmentError(`${what}, but the local binaries in ${bins.binDir} are ${bins.version}.`, {
    hint: `Install PostgreSQL ${requested.split('.')[0]} and point PG_BIN at its bin directory.`,
  });
}
