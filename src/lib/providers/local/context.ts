/**
 * The local provider's shared state: options, the secrets store, the toolbox (binaries
 * and run-as user, found once), and per-region preparation of $DBOPS_HOME. A
 * RegionContext is what every operation module takes.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EnvironmentError } from '../../errors.js';
import type { LocalProviderOptions } from '../index.js';
import { defaultBinSearch, findPgBinaries, type BinSearch } from './binaries.js';
import { localRoot, regionLayout, type RegionLayout } from './layout.js';
import { defaultMariaDbSearch, findMariaDbBinaries, type MariaDbSearch } from './mariadb-binaries.js';
import { checkRunAsCanWrite, giveTo, resolveRunAs } from './os-user.js';
import { runUnchecked } from './process.js';
import { SecretsStore } from './secrets.js';
import type { MariaToolbox, Toolbox } from './toolbox.js';
import { validateRegion } from './validate.js';

/** Seams for tests: where binaries are searched, and the clock. */
export interface LocalProviderInternals {
  binSearch?: BinSearch;
  /** Where the MariaDB binaries of mysql instances are searched (default: MARIADB_BIN, PATH, /usr/sbin, /usr/bin). */
  mariadbSearch?: MariaDbSearch;
  now?: () => Date;
}

/** The OS user MariaDB runs as when dbops is root (the mariadb-server package creates it). */
export const DEFAULT_MYSQL_OS_USER = 'mysql';

export interface LocalShared {
  opts: LocalProviderOptions;
  secrets: SecretsStore;
  now(): Date;
  toolbox(): Promise<Toolbox>;
  /** MariaDB binaries and their run-as user, for mysql instances; found on first use, apart from PostgreSQL's. */
  mariaToolbox(): Promise<MariaToolbox>;
  /** Regions whose directories are known to exist and be reachable by the run-as user. */
  prepared: Map<string, Promise<void>>;
}

export interface RegionContext {
  shared: LocalShared;
  region: string;
  layout: RegionLayout;
}

/** Memoizes an async factory, forgetting failures so a fixed environment is picked up on retry. */
function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    p ??= fn().catch((e: unknown) => {
      p = undefined;
      throw e;
    });
    return p;
  };
}

export function createShared(opts: LocalProviderOptions, internals: LocalProviderInternals = {}): LocalShared {
  const search = internals.binSearch ?? defaultBinSearch(opts.pgBin, opts.env);
  const mariaSearch = internals.mariadbSearch ?? defaultMariaDbSearch(opts.env);
  return {
    opts,
    secrets: new SecretsStore(opts.home),
    now: internals.now ?? (() => new Date()),
    toolbox: once(async () => {
      const runAs = await resolveRunAs(opts.osUser);
      const bins = await findPgBinaries(search, opts.env);
      return { bins, runAs, env: opts.env };
    }),
    mariaToolbox: once(async () => {
      const bins = await findMariaDbBinaries(mariaSearch, opts.env);
      const runAs = await resolveRunAs(opts.mysqlOsUser ?? DEFAULT_MYSQL_OS_USER, 'MariaDB');
      return { bins, runAs, env: opts.env };
    }),
    prepared: new Map(),
  };
}

export function regionContext(shared: LocalShared, region: string): RegionContext {
  validateRegion(region);
  return { shared, region, layout: regionLayout(shared.opts.home, region) };
}

/** $DBOPS_HOME exists and we can write it; otherwise one sentence naming the path. */
export async function ensureHome(home: string): Promise<void> {
  const st = await stat(home).catch(() => undefined);
  if (st && !st.isDirectory()) {
    throw new EnvironmentError(`DBOPS_HOME ${home} is not a directory.`, {
      hint: 'Point DBOPS_HOME at a directory (default ~/.dbops; as root e.g. /var/lib/dbops), or move the file away.',
    });
  }
  try {
    await mkdir(home, { recursive: true });
    const probe = join(home, `.write-probe-${randomBytes(4).toString('hex')}`);
    await writeFile(probe, '', { flag: 'wx', mode: 0o600 });
    await rm(probe, { force: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new EnvironmentError(`DBOPS_HOME ${home} is not writable (${code}).`, {
      hint: 'Set DBOPS_HOME to a directory you can write, e.g. ~/.dbops (as root: /var/lib/dbops).',
      cause: e,
    });
  }
}

/**
 * Makes $DBOPS_HOME/local/<region>/{instances,snapshots,tmp}, hands them to the run-as
 * user and proves that user can reach them. Returns the toolbox for the operation.
 */
export async function prepareRegion(rc: RegionContext): Promise<Toolbox> {
  const { shared, region } = rc;
  await ensureHome(shared.opts.home);
  const tb = await shared.toolbox();
  let p = shared.prepared.get(region);
  if (!p) {
    p = makeRegionDirs(rc, tb);
    shared.prepared.set(region, p);
    p.catch(() => shared.prepared.delete(region));
  }
  await p;
  return tb;
}

async function makeRegionDirs(rc: RegionContext, tb: Toolbox): Promise<void> {
  const { layout } = rc;
  const dirs = [localRoot(layout.home), layout.regionDir, layout.instancesDir, layout.snapshotsDir, layout.tmpDir];
  for (const dir of dirs) {
    await mkdir(dir, { recursive: true });
    // A restrictive umask (027, 077) must not lock the server's user out of our own directories.
    if (tb.runAs) await chmod(dir, 0o755);
  }
  for (const dir of [layout.instancesDir, layout.snapshotsDir, layout.tmpDir]) await giveTo(tb.runAs, dir);
  await checkRunAsCanWrite(tb.runAs, layout.instancesDir, layout.home);
}

/**
 * prepareRegion for mysql instances: the same directories, without needing PostgreSQL's
 * binaries. The MariaDB user only needs to traverse them (each instance and snapshot
 * directory is handed to it), so their owner is left as PostgreSQL's preparation made it.
 */
export async function prepareMariaRegion(rc: RegionContext): Promise<MariaToolbox> {
  const { layout, shared } = rc;
  await ensureHome(shared.opts.home);
  const tb = await shared.mariaToolbox();
  for (const dir of [localRoot(layout.home), layout.regionDir, layout.instancesDir, layout.snapshotsDir, layout.tmpDir]) {
    await mkdir(dir, { recursive: true });
    // A restrictive umask (027, 077) must not lock the server's user out of our own directories.
    if (tb.runAs) await chmod(dir, 0o755);
  }
  if (tb.runAs) {
    const res = await runUnchecked('test', ['-x', layout.instancesDir, '-a', '-x', layout.snapshotsDir], {
      step: 'Checking access',
      env: {},
      runAs: tb.runAs,
    });
    if (res.code !== 0) {
      throw new EnvironmentError(
        `The OS user "${tb.runAs.user}" that runs MariaDB cannot reach ${layout.instancesDir} under DBOPS_HOME ${layout.home}.`,
        {
          hint: `Set DBOPS_HOME to a directory the ${tb.runAs.user} user can reach, e.g. /var/lib/dbops (every parent directory needs o+x).`,
        },
      );
    }
  }
  return tb;
}
