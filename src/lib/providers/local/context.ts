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
import { checkRunAsCanWrite, giveTo, resolveRunAs } from './os-user.js';
import { SecretsStore } from './secrets.js';
import type { Toolbox } from './toolbox.js';
import { validateRegion } from './validate.js';

/** Seams for tests: where binaries are searched, and the clock. */
export interface LocalProviderInternals {
  binSearch?: BinSearch;
  now?: () => Date;
}

export interface LocalShared {
  opts: LocalProviderOptions;
  secrets: SecretsStore;
  now(): Date;
  toolbox(): Promise<Toolbox>;
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
  return {
    opts,
    secrets: new SecretsStore(opts.home),
    now: internals.now ?? (() => new Date()),
    toolbox: once(async () => {
      const runAs = await resolveRunAs(opts.osUser);
      const bins = await findPgBinaries(search, opts.env);
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
