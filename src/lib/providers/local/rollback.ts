/**
 * Undo of a half-made instance (create, restore, replica): stop its server if one was
 * started, keep its server log under failed/, remove its directory, its WAL archive (a
 * restore that got as far as starting may have archived a segment) and its secret. Best
 * effort: an undo failure never hides the error that caused it.
 */
import { mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stopCluster } from './cluster.js';
import { removeTree } from './remove-tree.js';
import type { RegionContext } from './context.js';
import type { Toolbox } from './toolbox.js';

export async function discardInstance(rc: RegionContext, tb: Toolbox, id: string): Promise<void> {
  await stopCluster(tb, id, rc.layout.dataDir(id), { mode: 'immediate' }).catch(() => undefined);
  await keepLog(rc, id).catch(() => undefined);
  await Promise.all([
    removeTree(rc.layout.instanceDir(id)).catch(() => undefined),
    removeTree(rc.layout.walArchiveDir(id)).catch(() => undefined),
    rc.shared.secrets.remove('instances', rc.region, id).catch(() => undefined),
  ]);
}

/** The server log says why a start failed: keep it where the error's hint points. */
async function keepLog(rc: RegionContext, id: string): Promise<void> {
  const kept = rc.layout.failedLog(id);
  await mkdir(dirname(kept), { recursive: true });
  await rename(rc.layout.logFile(id), kept);
}

/** Runs `work`; on failure discards the instance and rethrows the original error. */
export async function orDiscard<T>(rc: RegionContext, tb: Toolbox, id: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    await discardInstance(rc, tb, id);
    throw e;
  }
}
