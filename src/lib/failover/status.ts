/**
 * `dbops replica status`: the replication topology around a primary, measured now
 * (state, lag in bytes and seconds, the connection layer's SHOW POOLS figures), or with
 * `--history` the switchovers and failovers recorded so far.
 */
import type { Context } from '../context.js';
import { createFailoverProvider } from '../providers/failover.js';
import type { FailoverApi, Topology } from '../providers/failover-types.js';
import { dbopsHome } from '../providers/index.js';
import { requirePrimary } from './common.js';
import { readFailovers } from './history.js';
import type { HistoryRecord } from './types.js';

/** The primary named, or the configured one; a replica's id shows its primary's topology. */
export async function replicaStatus(
  ctx: Context,
  input: { instanceId?: string },
  seams: { failover?: FailoverApi } = {},
): Promise<Topology> {
  const provider = await ctx.provider();
  let id = input.instanceId ?? ctx.config.database.identifier;
  const inst = await provider.findInstance(id);
  if (inst?.replicaSourceId) id = inst.replicaSourceId;
  await requirePrimary(provider, id);
  const api = seams.failover ?? (await createFailoverProvider(ctx.config, ctx.env, provider));
  return api.topology(id);
}

export async function replicaHistory(ctx: Context): Promise<HistoryRecord[]> {
  return readFailovers(dbopsHome(ctx.env), { region: ctx.config.region, provider: ctx.config.provider });
}
