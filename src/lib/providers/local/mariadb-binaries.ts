/**
 * Finds the MariaDB binaries a local `mysql` instance runs on (Debian 12 has no MySQL 8.0
 * server; MariaDB 10.11 stands in for it): MARIADB_BIN alone when set, else PATH, then
 * /usr/sbin and /usr/bin (mariadbd lives in /usr/sbin, which a non-root PATH may lack).
 * When they are missing the error says exactly what to install.
 */
import { join } from 'node:path';
import { EnvironmentError, UsageError } from '../../errors.js';
import { isExecutable, pathDirs } from '../../executables.js';
import { runUnchecked } from './process.js';

/** What the local provider runs for a mysql instance: initialize, serve, back up / prepare / copy back. */
export const MARIADB_BINARIES = ['mariadb-install-db', 'mariadbd', 'mariadb-backup'] as const;
export type MariaDbBinary = (typeof MARIADB_BINARIES)[number];

/** Where to look; injectable so tests can prove the "nothing found" message. */
export interface MariaDbSearch {
  /** MARIADB_BIN: one directory holding all of them, used alone (never silently replaced). */
  binDir?: string;
  /** Directories searched in order, each binary on its own (PATH, then /usr/sbin, /usr/bin). */
  dirs: string[];
}

/** A usable MariaDB installation. */
export interface MariaDbBinaries {
  /** From `mariadbd --version`, e.g. "10.11.19". */
  version: string;
  path(name: MariaDbBinary): string;
}

export const MARIADB_INSTALL = 'apt-get install mariadb-server mariadb-backup';

const INSTALL_HINT =
  `Install MariaDB, which stands in for MySQL 8.0 on the local provider (Debian/Ubuntu: ${MARIADB_INSTALL}), ` +
  'or set MARIADB_BIN to the directory that holds mariadbd, mariadb-install-db and mariadb-backup.';

export function defaultMariaDbSearch(env: Record<string, string | undefined>): MariaDbSearch {
  const binDir = env.MARIADB_BIN && env.MARIADB_BIN.length > 0 ? env.MARIADB_BIN : undefined;
  return { binDir, dirs: [...pathDirs(env.PATH ?? ''), '/usr/sbin', '/usr/bin'] };
}

export async function findMariaDbBinaries(search: MariaDbSearch, env: Record<string, string | undefined>): Promise<MariaDbBinaries> {
  const found = new Map<MariaDbBinary, string>();
  const dirs = search.binDir ? [search.binDir] : search.dirs;
  for (const name of MARIADB_BINARIES) {
    for (const dir of dirs) {
      if (await isExecutable(join(dir, name))) {
        found.set(name, join(dir, name));
        break;
      }
    }
  }
  const missing = MARIADB_BINARIES.filter((n) => !found.has(n));
  if (missing.length > 0) throw notInstalled(missing, search.binDir);
  const version = await mariadbdVersion(found.get('mariadbd')!, env);
  return { version, path: (name) => found.get(name)! };
}

function notInstalled(missing: readonly MariaDbBinary[], binDir: string | undefined): EnvironmentError {
  const where = binDir ? `in MARIADB_BIN ${binDir}` : 'on this machine';
  return new EnvironmentError(`The MariaDB binaries that run local mysql instances (${missing.join(', ')}) were not found ${where}.`, {
    hint: INSTALL_HINT,
    details: { missing, ...(binDir ? { mariadbBin: binDir } : {}) },
  });
}

/** "mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64 (Debian 12)" -> "10.11.19". */
export function parseMariaDbVersion(text: string): string | undefined {
  return /\bVer\s+(\d+\.\d+\.\d+)-MariaDB/i.exec(text)?.[1];
}

async function mariadbdVersion(mariadbd: string, env: Record<string, string | undefined>): Promise<string> {
  const res = await runUnchecked(mariadbd, ['--version'], { step: 'Reading the MariaDB version', env });
  const version = parseMariaDbVersion(res.stdout);
  if (res.code !== 0 || !version) {
    throw new EnvironmentError(`Could not read the MariaDB version from ${mariadbd} --version.`, {
      hint: `Reinstall MariaDB (${MARIADB_INSTALL}), or point MARIADB_BIN at a working installation.`,
    });
  }
  return version;
}

/** The MySQL version a local mysql instance may claim: 8.0 or 8.0.x (config validation says the same). */
export function checkMysqlVersion(requested: string): void {
  if (/^8\.0(\.\d+)?$/.test(requested)) return;
  throw new UsageError(`MySQL ${requested} was asked for, but local mysql instances are MariaDB standing in for MySQL 8.0.`, {
    hint: 'Set database.engineVersion to 8.0 (or 8.0.x).',
  });
}

/** A snapshot taken with one MariaDB major.minor is restored with the same one (mariadb-backup's rule). */
export function checkSameMariaDb(bins: MariaDbBinaries, snapshotVersion: string, snapshotId: string): void {
  const mm = (v: string): string => v.split('.').slice(0, 2).join('.');
  if (mm(bins.version) === mm(snapshotVersion)) return;
  throw new EnvironmentError(
    `Snapshot ${snapshotId} was taken with MariaDB ${snapshotVersion}, but this machine has MariaDB ${bins.version}.`,
    {
      hint: `mariadb-backup restores only into the same MariaDB series: install MariaDB ${mm(snapshotVersion)} and point MARIADB_BIN at it.`,
    },
  );
}
