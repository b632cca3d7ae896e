/**
 * `dbops failover` when the database is an Aurora cluster: FailoverDBCluster to a reader
 * (TargetDBInstanceIdentifier), following runbooks/cluster-failover.md (CF-1 .. CF-3). A
 * cluster without a reader is refused: there is nothing to fail over to.
 */
import { isClusterEngine } from '../config/database-kind.js';
import type { Context } from '../context.js';
import { EnvironmentError, UsageError } from '../errors.js';
import type { Cluster, ClusterMember, ProviderName } from '../providers/types.js';
import { runRunbook, type RunReport } from '../runbook/runner.js';
import { CLUSTER_FAILOVER } from './runbooks.js';

export interface ClusterFailoverInput {
  clusterId: string;
  /** --candidate: the reader to promote (default: first in failover order). */
  candidate?: string;
}

export interface ClusterFailoverResult {
  kind: 'cluster';
  dryRun: boolean;
  clusterId: string;
  /** The writer before the failover. */
  fromWriter?: string;
  /** The reader that becomes the writer. */
  target: string;
  plan: string[];
  /** The writer once the cluster settled (the target when all went well). */
  writer?: string;
  report?: RunReport;
}

/** Whether `dbops failover` on `id` is a cluster failover: the configured database is an Aurora cluster of that id. */
export function isClusterFailover(ctx: Pick<Context, 'config'>, id: string): boolean {
  return isClusterEngine(ctx.config.database.engine) && id === ctx.config.database.identifier;
}

/**
 * The reader to promote: the one asked for, or the first in failover order. Pure; throws the
 * refusals (bad input, exit 2: a cluster without a reader has nothing to fail over to).
 */
export function pickReader(
  cluster: Pick<Cluster, 'id' | 'members'>,
  candidate: string | undefined,
  provider: ProviderName = 'aws',
): ClusterMember {
  const readers = cluster.members.filter((m) => m.role === 'reader');
  const writer = cluster.members.find((m) => m.role === 'writer');
  if (readers.length === 0) {
    throw new UsageError(
      `Failover refused: Aurora cluster ${cluster.id} has no reader to promote${writer ? ` (its only instance is the writer ${writer.instanceId})` : ''}.`,
      {
        hint:
          provider === 'local'
            ? 'Add a reader (readReplica.enabled: true, then `dbops provision apply`), then fail over; runbooks/cluster-failover.md, CF-1.'
            : `Add a reader (\`aws rds create-db-instance --db-cluster-identifier ${cluster.id} --db-instance-class db.serverless --engine aurora-postgresql ...\`), then fail over; runbooks/cluster-failover.md, CF-1.`,
      },
    );
  }
  if (candidate === undefined) {
    return [...readers].sort((a, b) => (a.promotionTier ?? 1) - (b.promotionTier ?? 1) || a.instanceId.localeCompare(b.instanceId))[0]!;
  }
  const found = readers.find((m) => m.instanceId === candidate);
  if (!found) {
    throw new UsageError(`${candidate} is not a reader of Aurora cluster ${cluster.id}.`, {
      hint: `Its readers: ${readers.map((r) => r.instanceId).join(', ')} (\`dbops status ${cluster.id}\`).`,
    });
  }
  return found;
}

function writerOf(c: Cluster | undefined): string | undefined {
  return c?.members.find((m) => m.role === 'writer')?.instanceId;
}

export async function failoverCluster(ctx: Context, input: ClusterFailoverInput): Promise<ClusterFailoverResult> {
  const provider = await ctx.provider();
  const clusters = provider.clusters;
  if (!clusters) {
    throw new UsageError(`The ${provider.name} provider has no Aurora clusters.`, {
      hint: 'Aurora clusters are on the aws and local providers.',
    });
  }
  const { value, report } = await runRunbook(CLUSTER_FAILOVER, { out: ctx.out, clock: ctx.clock, signal: ctx.signal }, async (run) => {
    const picked = await run.step('CF-1', async (s) => {
      const cluster = await clusters.describeCluster(input.clusterId);
      if (cluster.status !== 'available') {
        throw new EnvironmentError(`Aurora cluster ${cluster.id} is ${cluster.status}; a failover needs it available.`, {
          hint: 'Wait until it is available (`dbops status`), then retry.',
        });
      }
      const target = pickReader(cluster, input.candidate, provider.name);
      const from = writerOf(cluster);
      s.detail(`writer ${from ?? '(none)'}; promoting reader ${target.instanceId}`);
      return { cluster, target: target.instanceId, from };
    });
    const plan = [
      `FailoverDBCluster ${picked.cluster.id} to ${picked.target}: the writer endpoint moves to it; connections drop and must reconnect`,
      `wait until ${picked.cluster.id} is available with ${picked.target} as its writer`,
    ];
    const base = {
      kind: 'cluster' as const,
      clusterId: picked.cluster.id,
      ...(picked.from ? { fromWriter: picked.from } : {}),
      target: picked.target,
      plan,
    };
    if (ctx.flags.dryRun) {
      for (const id of ['CF-2', 'CF-3']) run.skip(id, 'dry run');
      return { ...base, dryRun: true };
    }
    const ok = await ctx.prompt.confirm(
      `Fail over Aurora cluster ${picked.cluster.id} from ${picked.from ?? '(no writer)'} to ${picked.target}? Writes are refused for about 30-60 s.`,
    );
    if (!ok) throw new UsageError('Failover cancelled; nothing was changed.');
    await run.step('CF-2', async (s) => {
      const now = await clusters.failoverCluster(picked.cluster.id, picked.target);
      s.detail(`FailoverDBCluster accepted: ${now.status}`);
    });
    const writer = await run.step('CF-3', async (s) => {
      const settled = await clusters.waitForCluster(picked.cluster.id, 'available', {
        maxWaitSeconds: 0,
        signal: ctx.signal,
        onProgress: (status) => s.update(status),
      });
      const w = writerOf(settled);
      if (w !== picked.target) {
        throw new EnvironmentError(
          `Aurora cluster ${picked.cluster.id} is available with ${w ?? 'no writer'} as its writer, not ${picked.target}.`,
          {
            hint: `Read the cluster's events: \`aws rds describe-events --source-type db-cluster --source-identifier ${picked.cluster.id}\`.`,
          },
        );
      }
      s.detail(`${w} is the writer`);
      return w;
    });
    return { ...base, dryRun: false, writer };
  });
  return { ...value, report };
}

/** The human rendering. */
export function renderClusterFailover(r: ClusterFailoverResult): string {
  if (r.dryRun) return [`Dry run: would fail over Aurora cluster ${r.clusterId}:`, ...r.plan.map((p) => `  - ${p}`)].join('\n');
  return `Aurora cluster ${r.clusterId} failed over: ${r.fromWriter ?? '(no writer)'} -> ${r.writer ?? r.target} is the writer.`;
}
