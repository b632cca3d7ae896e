/**
 * `dbops replica status --all`: the topology of every primary of the fleet (its replicas,
 * their state and lag, the connection pool in front), each through its account's
 * provider in its region. A replica whose primary is in the fleet too is shown in its
 * primary's row rather than measured twice. Only reads.
 */
import type { Context } from '../context.js';
import { replicaStatus } from '../failover/status.js';
import { plural } from '../output/format.js';
import type { Topology } from '../providers/failover-types.js';
import { type FleetRunOptions, type FleetRunResult, runOverFleet } from './run.js';
import type { FleetRequest } from './select.js';

/** A replica row that points at its primary's, or the topology measured. */
export type FleetReplicaStatus = { replicaOf: string } | Topology;

const BROKEN = new Set(['disconnected', 'stopped']);

export async function fleetReplicaStatus(
  ctx: Context,
  request: FleetRequest,
  options: Omit<FleetRunOptions<FleetReplicaStatus>, 'command'>,
): Promise<FleetRunResult<FleetReplicaStatus>> {
  return runOverFleet<FleetReplicaStatus>(
    ctx,
    request,
    async ({ member, peers, ctx: memberCtx }) => {
      const source = member.instance.replicaSourceId;
      if (source && peers.some((p) => p.id === source && p.region === member.region && p.account.label === member.account.label)) {
        return { verdict: 'ok', figure: `replica of ${source}: in its row`, result: { replicaOf: source } };
      }
      const topology = await replicaStatus(memberCtx, { instanceId: member.id });
      const broken = topology.replicas.filter((r) => BROKEN.has(r.state));
      return { verdict: broken.length > 0 ? 'failed' : 'ok', figure: figureOf(topology), result: topology };
    },
    { command: 'replica status', ...options },
  );
}

/** The summary's key figure: the replicas, their worst lag, any broken one. Pure. */
export function figureOf(t: Pick<Topology, 'primary' | 'replicas'>): string {
  if (t.replicas.length === 0) return `${t.primary.id}: no replicas`;
  const broken = t.replicas.filter((r) => BROKEN.has(r.state)).map((r) => `${r.id} ${r.state}`);
  const lags = t.replicas.map((r) => r.lagSeconds).filter((s): s is number => s !== undefined);
  const lag = lags.length > 0 ? `, lag ≤ ${Math.max(...lags)} s` : '';
  return `${plural(t.replicas.length, 'replica')}${lag}${broken.length > 0 ? `; ${broken.join(', ')}` : ''}`;
}
