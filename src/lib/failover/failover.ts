/**
 * `dbops failover`: the primary is down or unhealthy; promote the replica that has the
 * most of its data, fence the old primary so it can never come back as a second writable
 * primary, switch the connection layer, and report the data loss: what the old primary
 * had past the point where the new one forked. Follows runbooks/failover.md (FO-1 .. FO-9).
 */
import type { Context } from '../context.js';
import { CheckFailed, Interrupted, messageOf, UsageError } from '../errors.js';
import type { FailoverApi, ReplicaState, Topology, WalLoss } from '../providers/failover-types.js';
import type { Provider } from '../providers/types.js';
import type { RunbookRun } from '../runbook/runner.js';
import { failedChecks, failoverChecks, pickCandidate, refusalText } from './checks.js';
import {
  appAddress,
  probeResultStep,
  probeStartStep,
  runSwitch,
  PROBE_INTERVAL_MS,
  requirePoolerIfConfigured,
  verifyWrite,
  waitStreaming,
  type Facts,
  type FailoverInput,
  type FailoverSeams,
} from './common.js';
import { FAILOVER } from './runbooks.js';
import { describeLoss, describeMaxLag } from './settings.js';
import type { FailoverResult, MaxLag } from './types.js';

export const DEFAULT_FAILOVER_MAX_LAG: MaxLag = { kind: 'bytes', bytes: 16 * 1024 * 1024 };
/** AWS: RDS publishes ReplicaLag in seconds; bytes need the data plane. */
export const DEFAULT_AWS_FAILOVER_MAX_LAG: MaxLag = { kind: 'seconds', seconds: 10 };

/** FO-6 locally: pgbouncer's RELOAD takes a moment. */
export const DEFAULT_FAILOVER_TIMEOUT_MS = 60_000;
/** FO-6 on AWS: RDS Proxy reports a newly registered target AVAILABLE only after minutes. */
export const DEFAULT_AWS_FAILOVER_TIMEOUT_MS = 5 * 60_000;

/** How long FO-6 waits for the connection layer to serve the new primary: --timeout, else the provider's default. Pure. */
export function failoverTimeoutMs(timeoutMs: number | undefined, provider: 'aws' | 'local'): number {
  return timeoutMs ?? (provider === 'aws' ? DEFAULT_AWS_FAILOVER_TIMEOUT_MS : DEFAULT_FAILOVER_TIMEOUT_MS);
}

/** Pure: the plan. */
export function failoverPlan(topo: Topology, c: ReplicaState, probe: boolean, provider: 'aws' | 'local' = 'local'): string[] {
  const p = topo.primary.id;
  const pool = topo.pooler;
  const siblings = topo.replicas.filter((r) => r.id !== c.id).map((r) => r.id);
  if (provider === 'aws') {
    return [
      ...(probe
        ? [`write a numbered row every ${PROBE_INTERVAL_MS} ms through ${pool ? `${pool.kind} ${pool.name}` : 'the primary endpoint'}`]
        : []),
      ...(pool ? [`deregister ${p} from RDS Proxy ${pool.name}`] : []),
      `fence ${p}: StopDBInstance (RDS refuses while it still has a read replica: then again right after the promotion), tagged dbops:fenced-by`,
      `PromoteReadReplica ${c.id} (backup retention kept), wait until available${siblings.length ? `; ${siblings.join(', ')} stay replicas of ${p} (RDS replicas cannot change source)` : ''}`,
      pool ? `register ${c.id} with ${pool.name} and wait for TargetHealth AVAILABLE` : `applications must now connect to ${c.id}`,
      `measure the loss: ${c.id}'s ReplicaLag at promotion, and ${p}'s WAL position when its data plane answers`,
      `verify: a write through the application address lands on ${c.id}`,
    ];
  }
  return [
    ...(probe
      ? [`write a numbered row every ${PROBE_INTERVAL_MS} ms through ${pool ? `${pool.kind} ${pool.name}` : 'the primary endpoint'}`]
      : []),
    ...(pool ? [`PAUSE ${pool.kind} ${pool.name}: clients wait instead of failing`] : []),
    `fence ${p}: stop it if it still runs, write standby.signal so a manual start comes up read-only, and record the fence so dbops never starts it as a primary`,
    `promote ${c.id}${siblings.length ? `; ${siblings.join(', ')} follow it` : ''}`,
    pool ? `point ${pool.name} at ${c.id} (RELOAD) and RESUME` : `applications must now connect to ${c.id}`,
    `measure what ${p} had past the fork point (its WAL)`,
    `verify: a write through the application address lands on ${c.id}`,
  ];
}

export async function failover(
  ctx: Context,
  input: FailoverInput,
  seams: FailoverSeams = {},
): Promise<{ result: FailoverResult; error?: Error }> {
  return runSwitch(
    ctx,
    {
      op: 'failover',
      runbook: FAILOVER,
      steps,
      succeeded: (c, primaryId, candidate, facts) =>
        c.flags.dryRun
          ? `pre-checks passed; ${candidate} would take over from ${primaryId}`
          : `${candidate} is the primary; ${primaryId} is fenced${facts.extra.loss ? `; ${describeLoss(facts.extra.loss)} lost` : ''}`,
    },
    input,
    seams,
  );
}

/** Each candidate's missing data measured against the old primary's own WAL when it can be read. */
async function lagOf(api: FailoverApi, primaryId: string, r: ReplicaState): Promise<WalLoss | undefined> {
  const at = r.receiveLsn ?? r.replayLsn;
  return at ? api.lossSince(primaryId, at) : undefined;
}

async function steps(
  ctx: Context,
  provider: Provider,
  api: FailoverApi,
  primaryId: string,
  input: FailoverInput,
  facts: Facts,
  run: RunbookRun,
  seams: FailoverSeams,
): Promise<void> {
  const maxLag = input.maxLag ?? (api.name === 'aws' ? DEFAULT_AWS_FAILOVER_MAX_LAG : DEFAULT_FAILOVER_MAX_LAG);
  const poolWaitSeconds = failoverTimeoutMs(input.timeoutMs, api.name) / 1000;
  const candidate = await run.step('FO-1', async (s) => {
    const topo = await api.topology(primaryId);
    facts.before = topo;
    if (topo.pooler) facts.pooler = topo.pooler;
    if (topo.primary.fenced) {
      throw new UsageError(
        `Instance ${primaryId} was already fenced by failover run ${topo.primary.fenced.runId}; ${topo.primary.fenced.newPrimaryId} took over.`,
        {
          hint: `Name the current primary: --instance ${topo.primary.fenced.newPrimaryId}.`,
        },
      );
    }
    requirePoolerIfConfigured(ctx, topo);
    const all = (await provider.listInstances()).map((i) => i.id);
    // Least data missing first: measured against the old primary's WAL when readable.
    const lags = new Map<string, WalLoss | undefined>();
    for (const r of topo.replicas) lags.set(r.id, await lagOf(api, primaryId, r));
    const ranked: Topology = {
      ...topo,
      replicas: topo.replicas.map((r) => {
        const l = lags.get(r.id);
        return l?.bytes !== undefined ? { ...r, lagBytes: l.bytes } : r;
      }),
    };
    const c = pickCandidate(ranked, input.candidate, all);
    facts.candidateId = c.id;
    facts.checks = failoverChecks(topo, c, maxLag, lags.get(c.id), input.force ?? false);
    facts.plan = failoverPlan(topo, c, input.probe, api.name);
    if (failedChecks(facts.checks).length > 0) {
      facts.outcome = 'refused';
      throw new CheckFailed(`Failover refused: ${refusalText(facts.checks)}.`, {
        hint: failedChecks(facts.checks)[0]!.remedy ?? '`dbops replica status` shows the topology.',
      });
    }
    s.detail(`candidate ${c.id}; ${facts.checks.map((x) => `${x.id} ${x.status}`).join(', ')} (max lag ${describeMaxLag(maxLag)})`);
    return c;
  });
  if (ctx.flags.dryRun) {
    for (const st of FAILOVER.steps.slice(1)) run.skip(st.id, 'dry run');
    return;
  }
  const c = candidate.id;
  const ok = await ctx.prompt.confirm(
    `Fail over from ${primaryId} to ${c}? ${primaryId} will be fenced (it never takes writes again), and data it had past ${c}'s position is lost.`,
  );
  if (!ok) throw new UsageError('Failover cancelled; nothing was changed.');

  let current = primaryId;
  const pool = facts.pooler;
  const pooler = api.pooler;
  const probe = await probeStartStep(
    run,
    'FO-2',
    input,
    seams,
    facts,
    provider,
    api,
    () => current,
    (m) => ctx.out.warn(m),
  );

  const followers: string[] = [];
  let paused = false;
  let promoted = false;
  let switched = false;
  // FO-6 waited its --timeout for the new target: the cleanup does not wait a second time.
  let retargetTried = false;
  const started = performance.now();
  // Whatever ends the run: the pool flows again, towards the new primary once there is one.
  const forget = run.addCleanup(
    'resume the connection layer',
    async () => {
      if (!pool || !pooler) return;
      if (!promoted && (await api.role(c).catch(() => 'down')) === 'primary') promoted = true;
      if (promoted && !switched && !retargetTried) await pooler.retarget(pool.name, c, { maxWaitSeconds: poolWaitSeconds });
      if (paused || (promoted && !switched)) await pooler.resume(pool.name);
    },
    { keepable: false },
  );

  if (pool && pooler) {
    await run.step('FO-3', async (s) => {
      try {
        await pooler.pause(pool.name, { timeoutMs: 10_000, signal: ctx.signal });
        paused = true;
        s.detail(`${pool.name} paused; clients wait`);
      } catch (e) {
        if (e instanceof Interrupted || ctx.signal.aborted) throw e;
        s.detail(`could not pause (${messageOf(e)}); clients see errors until the switch`);
      }
    });
  } else run.skip('FO-3', 'no connection layer');

  await run.step('FO-4', async (s) => {
    facts.extra.fence = await api.fence(primaryId, { at: ctx.clock.now().toISOString(), runId: run.runId, newPrimaryId: c });
    s.detail(facts.extra.fence.actions.join('; '));
  });

  let promotedAt = '';
  await run.step('FO-5', async (s) => {
    const res = await api.promote(c, { signal: ctx.signal });
    promotedAt = res.lsn;
    promoted = true;
    current = c;
    const lines = [res.detail ?? `${c} promoted; new timeline forked at ${promotedAt}`];
    if (api.completeFence && facts.extra.fence) {
      const before = facts.extra.fence.actions.length;
      facts.extra.fence = await api.completeFence(primaryId, facts.extra.fence);
      lines.push(...facts.extra.fence.actions.slice(before));
    }
    for (const r of facts.before?.replicas ?? []) {
      if (r.id === c) continue;
      const rp = await api.repoint(r.id, c);
      if (rp.follows) followers.push(r.id);
      else lines.push(rp.detail);
    }
    s.detail(lines.filter(Boolean).join('; '));
  });

  await run.step('FO-6', async (s) => {
    if (pool && pooler) {
      retargetTried = true;
      await pooler.retarget(pool.name, c, { maxWaitSeconds: poolWaitSeconds, signal: ctx.signal });
      await pooler.resume(pool.name);
      switched = true;
      paused = false;
      facts.writePauseMs = performance.now() - started;
      s.detail(`${pool.name} -> ${c}, resumed`);
    } else {
      const from = facts.before?.primary.endpoint;
      const to = candidate.endpoint;
      facts.extra.endpointChange = {
        from: from ? `${from.host}:${from.port}` : primaryId,
        to: to ? `${to.host}:${to.port}` : c,
        advice: `There is no connection layer: point applications at ${c} (or configure connectionPool so they keep one address).`,
      };
      s.detail(`no connection layer; applications must use ${facts.extra.endpointChange.to}`);
    }
  });
  forget();

  await run.step('FO-7', async (s) => {
    const loss = await api.lossSince(primaryId, promotedAt, c);
    if (loss) {
      facts.extra.loss = loss;
      s.detail(`${describeLoss(loss)}${promotedAt ? ` past ${promotedAt}` : ''} (${loss.source})`);
    } else s.detail(`${primaryId}'s storage could not be read: the loss is unknown`);
  });

  await run.step('FO-8', async (s) => {
    facts.after = await waitStreaming(api, c, followers, ctx.signal);
    const addr = await appAddress(
      provider,
      api,
      pool,
      () => c,
      (m) => ctx.out.warn(m),
    );
    s.detail(await (seams.verifyWrite ?? verifyWrite)(await addr.resolve()));
  });

  await probeResultStep(run, 'FO-9', probe);
}
