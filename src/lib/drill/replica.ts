/**
 * The replica scenario (DR-5, DR-6): a throwaway replica of the throwaway primary the drill
 * restored, then the failover of `dbops failover` — fence, promote, its write probe — run on
 * that copy. Production is never failed over: the failover is handed a context whose
 * primary is the throwaway one, and the drill records production's identity (system
 * identifier, timeline) before and after to show it untouched.
 */
import type { Context } from '../context.js';
import { connect as openClient } from '../db/connect.js';
import { CheckFailed, Interrupted } from '../errors.js';
import type { Provider } from '../providers/types.js';
import { removeTemporary } from '../restore/steps.js';
import type { RunbookRun } from '../runbook/runner.js';
import { type DrillFacts, drillInstanceId } from './drill.js';

/** What identifies a PostgreSQL cluster's history: changed by a failover, never by a read. */
interface Identity {
  systemIdentifier: string;
  timeline: number;
}

async function identityOf(provider: Provider, id: string, ctx: Context): Promise<Identity | undefined> {
  try {
    const c = await openClient(await provider.connectionInfo(id), {
      applicationName: 'dbops dr-drill (read-only)',
      warn: (m) => ctx.out.warn(m),
    });
    try {
      const r = await c.query<{ sysid: string; tli: number }>(
        'SELECT (SELECT system_identifier::text FROM pg_control_system()) AS sysid, (SELECT timeline_id FROM pg_control_checkpoint()) AS tli',
      );
      return { systemIdentifier: r.rows[0]!.sysid, timeline: Number(r.rows[0]!.tli) };
    } finally {
      await c.end();
    }
  } catch {
    return undefined;
  }
}

export async function drillFailover(ctx: Context, target: Provider, facts: DrillFacts, run: RunbookRun): Promise<string> {
  const primary = facts.temporary!;
  const source = facts.source!;
  const replicaId = drillInstanceId(source.id, run.runId, '-r');
  await run.step('DR-5', async (s) => {
    const call = target.createReadReplica({
      sourceInstanceId: primary.instanceId,
      replicaId,
      instanceClass: primary.instanceClass,
      publiclyAccessible: false,
      tags: { ...primary.tags },
    });
    call.catch(() => undefined);
    run.addCleanup(`delete throwaway replica ${replicaId} (${target.region})`, async () => {
      await removeTemporary(ctx, target, replicaId, run.runId, call, undefined);
    });
    await call;
    facts.replicaId = replicaId;
    await target.waitForInstance(replicaId, 'available', {
      maxWaitSeconds: ctx.config.aws.maxWaitMinutes * 60,
      signal: ctx.signal,
      onProgress: (st) => s.update(st),
    });
    s.detail(`${replicaId} replicates ${primary.instanceId}`);
  });
  await run.step('DR-6', async (s) => {
    const before = await identityOf(target, source.id, ctx);
    const { failover } = await import('../failover/failover.js');
    const onCopy: Context = {
      ...ctx,
      config: {
        ...ctx.config,
        database: { ...ctx.config.database, identifier: primary.instanceId },
        connectionPool: { ...ctx.config.connectionPool, enabled: false },
      },
      flags: { ...ctx.flags, yes: true, dryRun: false },
      prompt: { confirm: async () => true },
      provider: async () => target,
    };
    const { result, error } = await failover(onCopy, {
      primaryId: primary.instanceId,
      candidate: replicaId,
      probe: true,
      force: true,
      // Not a production failover: the drill record keeps it, the failover history does not.
      history: false,
    });
    // Interrupted inside the failover: the drill's own step (DR-6) and runbook say how to finish, not failover.md's FO-n.
    if (error instanceof Interrupted) throw new Interrupted(typeof ctx.signal.reason === 'string' ? ctx.signal.reason : 'SIGINT');
    if (error) throw error;
    const after = await identityOf(target, source.id, ctx);
    const untouched =
      before !== undefined &&
      after !== undefined &&
      before.systemIdentifier === after.systemIdentifier &&
      before.timeline === after.timeline;
    facts.failover = {
      promoted: replicaId,
      ...(result.probe
        ? {
            probeWrites: result.probe.acked,
            probeLost: result.probe.lostAcked,
            unavailableSeconds: Math.round(result.probe.longestGapMs) / 1000,
          }
        : {}),
      productionUntouched: untouched,
    };
    if (!untouched)
      throw new CheckFailed(
        `Production ${source.id} could not be shown untouched by the drill's failover (system identifier / timeline ${before ? 'changed' : 'unreadable'}).`,
      );
    s.detail(
      `${replicaId} promoted; ${primary.instanceId} fenced${result.probe ? `; probe: ${result.probe.acked} writes, ${result.probe.lostAcked} lost, longest gap ${Math.round(result.probe.longestGapMs)} ms` : ''}; production ${source.id} untouched (timeline ${after?.timeline})`,
    );
  });
  return replicaId;
}
