/**
 * A recovery of an Aurora cluster, shared by `dbops restore-test` (RT-13 .. RT-15) and
 * `dbops dr-drill` (DR-18 .. DR-20): RDS restores a cluster without any instance, so the
 * recovery is two resources made in two phases — the temporary cluster (from a cluster
 * snapshot, or to a point in time, with the source's serverless range) and its writer
 * (`db.serverless`) — and removed in the reverse order: the writer, then the cluster,
 * without a final snapshot. Each goes on the cleanup stack before its create call is sent,
 * and is deleted only when it carries the run's id.
 */
import { isClusterEngine } from '../config/database-kind.js';
import type { Context } from '../context.js';
import type { Cluster, ClusterApi, Instance, Provider, ServerlessCapacity } from '../providers/types.js';
import type { RunbookRun, StepHandle } from '../runbook/runner.js';
import type { BackupChoice } from './backup.js';
import { removeOwned, removeTemporary, restoreFailed, type TemporaryResource } from './steps.js';
import type { TemporaryInstance } from './types.js';

/** The class of the temporary writer: Aurora Serverless v2. */
export const WRITER_CLASS = 'db.serverless';

/** What a cluster recovery needs beyond an instance's: the cluster port, and the source cluster's range and version. */
export interface ClusterRecovery {
  clusters: ClusterApi;
  /** The source cluster (described in RT-1 / DR-1, never changed). */
  source: Cluster;
  /** The temporary cluster's capacity: the source's range, so the checks compare like with like. */
  serverless: ServerlessCapacity;
}

/** The two phases of the restore time (the RTO covers both). */
export interface ClusterPhases {
  /** From the restore request to the cluster available. */
  clusterSeconds?: number;
  /** From the writer's CreateDBInstance to the writer available. */
  writerSeconds?: number;
}

/** The temporary resources' calls and cleanups, as the steps leave them. */
export interface PendingCluster {
  startedAt: Date;
  clusterCall: Promise<Cluster>;
  forgetCluster: () => void;
  writerCall?: Promise<Instance>;
  forgetWriter?: () => void;
  phases: ClusterPhases;
}

/** Sends the restore of `backup` into the temporary cluster `tmp.clusterId` (no instance yet). */
export function sendClusterRestore(
  rec: ClusterRecovery,
  backup: BackupChoice,
  tmp: TemporaryInstance & { clusterId: string },
): Promise<Cluster> {
  const placement = {
    clusterId: tmp.clusterId,
    engineVersion: rec.source.engineVersion,
    serverless: rec.serverless,
    ...(tmp.subnetGroup ? { subnetGroup: tmp.subnetGroup } : {}),
    ...(tmp.securityGroups.length > 0 ? { vpcSecurityGroupIds: tmp.securityGroups } : {}),
    tags: tmp.tags,
  };
  if (backup.kind === 'snapshot')
    return rec.clusters.restoreCluster({ ...placement, from: { kind: 'snapshot', snapshotId: backup.snapshotId } });
  return rec.clusters.restoreCluster({
    ...placement,
    from: { kind: 'point-in-time', sourceClusterId: rec.source.id, time: backup.time === 'latest' ? 'latest' : new Date(backup.time) },
  });
}

/**
 * Deletes a temporary cluster: waits for its restore call to land, deletes it only when
 * it carries this run's id, without a final snapshot, and waits until it is gone. Its
 * writer must be gone first (RDS refuses otherwise): the writer's cleanup runs before.
 */
export function removeTemporaryCluster(
  ctx: Context,
  clusters: ClusterApi,
  id: string,
  runId: string,
  call: Promise<unknown>,
  step: StepHandle | undefined,
): Promise<boolean> {
  const cluster: TemporaryResource = {
    noun: 'Cluster',
    id,
    find: () => clusters.findCluster(id),
    delete: () => clusters.deleteCluster(id, { skipFinalSnapshot: true }),
    waitFor: (target, opts) => clusters.waitForCluster(id, target, opts),
  };
  return removeOwned(ctx, cluster, runId, call, step);
}

/** Seconds between two instants, to the millisecond. */
function secondsSince(ctx: Context, t0: Date): number {
  return Math.round(ctx.clock.now().getTime() - t0.getTime()) / 1000;
}

/** RT-13 / DR-18: the cleanup registered, the cluster restore sent, then waited for until available. */
export async function restoreClusterStep(
  ctx: Context,
  rec: ClusterRecovery,
  backup: BackupChoice,
  tmp: TemporaryInstance & { clusterId: string },
  run: RunbookRun,
  stepId: string,
  opts: { maxWaitSeconds: number; where?: string },
): Promise<PendingCluster> {
  let pending: PendingCluster | undefined;
  await run.step(stepId, async (s) => {
    const startedAt = ctx.clock.now();
    const clusterCall = sendClusterRestore(rec, backup, tmp);
    clusterCall.catch(() => undefined); // awaited below and by the cleanup
    const forgetCluster = run.addCleanup(`delete temporary cluster ${tmp.clusterId}${opts.where ? ` (${opts.where})` : ''}`, async () => {
      if (await removeTemporaryCluster(ctx, rec.clusters, tmp.clusterId, run.runId, clusterCall, undefined)) tmp.deleted = true;
    });
    pending = { startedAt, clusterCall, forgetCluster, phases: {} };
    try {
      await clusterCall;
    } catch (e) {
      throw restoreFailed(e);
    }
    tmp.created = true;
    s.update('creating');
    const ready = await rec.clusters.waitForCluster(tmp.clusterId, 'available', {
      maxWaitSeconds: opts.maxWaitSeconds,
      signal: ctx.signal,
      onProgress: (status) => s.update(status),
    });
    pending.phases.clusterSeconds = secondsSince(ctx, startedAt);
    s.detail(
      `${tmp.clusterId} available in ${pending.phases.clusterSeconds} s (${rec.serverless.minCapacity}-${rec.serverless.maxCapacity} ACU${ready?.endpoint ? `, ${ready.endpoint.host}` : ''})`,
    );
  });
  return pending!;
}

/**
 * RT-14 / DR-19 body: the writer (db.serverless, promotion tier 0, private, the run's
 * tags) added to the temporary cluster, its cleanup registered first, then waited for.
 * Returns the restore time so far: from the cluster's restore request to the writer available.
 */
export async function addWriter(
  ctx: Context,
  provider: Provider,
  rec: ClusterRecovery,
  tmp: TemporaryInstance & { clusterId: string },
  pending: PendingCluster,
  run: RunbookRun,
  s: StepHandle,
  opts: { maxWaitSeconds: number; where?: string },
): Promise<number> {
  const t0 = ctx.clock.now();
  const writerCall = rec.clusters.createClusterInstance({
    clusterId: tmp.clusterId,
    instanceId: tmp.instanceId,
    instanceClass: WRITER_CLASS,
    publiclyAccessible: false,
    autoMinorVersionUpgrade: false,
    promotionTier: 0,
    tags: tmp.tags,
  });
  writerCall.catch(() => undefined);
  pending.writerCall = writerCall;
  pending.forgetWriter = run.addCleanup(`delete temporary writer ${tmp.instanceId}${opts.where ? ` (${opts.where})` : ''}`, async () => {
    await removeTemporary(ctx, provider, tmp.instanceId, run.runId, writerCall, undefined);
  });
  await writerCall;
  const ready = await provider.waitForInstance(tmp.instanceId, 'available', {
    maxWaitSeconds: opts.maxWaitSeconds,
    signal: ctx.signal,
    onProgress: (status) => s.update(status),
  });
  pending.phases.writerSeconds = secondsSince(ctx, t0);
  if (ready?.endpoint) tmp.endpoint = `${ready.endpoint.host}:${ready.endpoint.port}`;
  return secondsSince(ctx, pending.startedAt);
}

/** RT-15 / DR-20 body: the writer deleted and gone, then the cluster (no final snapshot). */
export async function removeClusterRecovery(
  ctx: Context,
  provider: Provider,
  rec: ClusterRecovery,
  tmp: TemporaryInstance & { clusterId: string },
  pending: PendingCluster,
  runId: string,
  s: StepHandle,
): Promise<void> {
  if (pending.writerCall) await removeTemporary(ctx, provider, tmp.instanceId, runId, pending.writerCall, s);
  pending.forgetWriter?.();
  await removeTemporaryCluster(ctx, rec.clusters, tmp.clusterId, runId, pending.clusterCall, s);
  pending.forgetCluster();
  tmp.deleted = true;
  s.detail(`${tmp.instanceId}, then ${tmp.clusterId} deleted (no final snapshot)`);
}

/** The source cluster's serverless range, or the config's when the source reports none. */
export function recoveryCapacity(source: Cluster, fallback: ServerlessCapacity): ServerlessCapacity {
  return source.serverless ?? fallback;
}

/** The source as an Aurora cluster, when the config is Aurora's and the id names a cluster of this provider. */
export async function auroraSource(
  ctx: Pick<Context, 'config'>,
  provider: Provider,
  id: string,
): Promise<{ clusters: ClusterApi; cluster: Cluster } | undefined> {
  const clusters = provider.clusters;
  if (!clusters || !isClusterEngine(ctx.config.database.engine)) return undefined;
  const cluster = await clusters.findCluster(id).catch(() => undefined);
  return cluster ? { clusters, cluster } : undefined;
}
