/**
 * Which provider the snapshot commands use: the configured database's kind decides. When
 * `database.engine` is aurora-postgresql, the snapshot domain works on the cluster and its
 * cluster snapshots (providers/cluster-view.ts) with the same steps, policy and output;
 * otherwise on instances, exactly as before.
 */
import { isClusterEngine } from '../config/database-kind.js';
import type { Context } from '../context.js';
import { clusterView } from '../providers/cluster-view.js';
import type { Provider } from '../providers/types.js';

/** The provider for database `id` (default: every database of the configured kind). */
export async function snapshotProvider(ctx: Pick<Context, 'config' | 'provider'>, id?: string): Promise<Provider> {
  const base = await ctx.provider();
  const db = ctx.config.database;
  if (!base.clusters || !isClusterEngine(db.engine)) return base;
  return id === undefined || id === db.identifier ? clusterView(base) : base;
}

/**
 * The provider for a snapshot named by id: with an Aurora config, the cluster view when
 * the id is a cluster snapshot's (an instance snapshot's id keeps the instance provider).
 */
export async function providerForSnapshot(ctx: Pick<Context, 'config' | 'provider'>, snapshotId: string): Promise<Provider> {
  const base = await ctx.provider();
  if (!base.clusters || !isClusterEngine(ctx.config.database.engine)) return base;
  return (await base.clusters.findClusterSnapshot(snapshotId)) ? clusterView(base) : base;
}
