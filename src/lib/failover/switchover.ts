/**
 * `dbops switchover`: a planned move of the primary role to a replica, with no data loss.
 * Follows runbooks/switchover.md (SO-1 .. SO-11).
 *
 * The write pause runs from pausing the connection layer (or stopping the primary, when
 * there is none) to the connection layer pointing at the new primary. `--timeout` bounds
 * it up to the point of no return, the promotion: past it, dbops rolls back (the old
 * primary takes writes again, the pool resumes) and says why. One cleanup entry keeps
 * "exactly one working primary" whatever ends the run — an error, the timeout, Ctrl-C:
 * before the promotion it rolls back; after it, it finishes the switch.
 */
import type { Context } from '../context.js';
import { CheckFailed, EnvironmentError, Interrupted, messageOf, UsageError } from '../errors.js';
import type { FailoverApi, ReplicaState, Topology } from '../providers/failover-types.js';
import type { Provider } from '../providers/types.js';
import type { RunbookRun } from '../runbook/runner.js';
import { describeLag, failedChecks, multiAzChecks, pickCandidate, refusalText, switchoverChecks } from './checks.js';
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
import { lsnBytesBehind } from './lsn.js';
import { SWITCHOVER } from './runbooks.js';
import { describeMaxLag, formatBytes } from './settings.js';
import type { FailoverResult, MaxLag } from './types.js';

export const DEFAULT_SWITCHOVER_MAX_LAG: MaxLag = { kind: 'bytes', bytes: 16 * 1024 * 1024 };
/** AWS: RDS publishes ReplicaLag in seconds; bytes need the data plane. */
export const DEFAULT_AWS_MAX_LAG: MaxLag = { kind: 'seconds', seconds: 10 };
export const DEFAULT_SWITCHOVER_TIMEOUT_MS = 60_000;

/** The write pause went past --timeout before the promotion: roll back. */
class PauseTimeout extends EnvironmentError {}

function pauseTimeout(phase: Phase, message: string, hint: string): PauseTimeout {
  phase.reason = message;
  return new PauseTimeout(message, { hint });
}

/** Where the switch stands: what the cleanup must undo or finish. */
interface Phase {
  pausedPool: boolean;
  stopping: boolean;
  demoted: boolean;
  promoting: boolean;
  promoted: boolean;
  switchedPool: boolean;
  followAttempted: boolean;
  pauseStartedAt?: number;
  /** Why a rollback happens, when the flow knows. */
  reason?: string;
}

/** Pure: the plan, one line per step that would change something. */
export function switchoverPlan(
  topo: Topology,
  c: ReplicaState,
  timeoutMs: number,
  probe: boolean,
  scheduled?: Date,
  provider: 'aws' | 'local' = 'local',
): string[] {
  const p = topo.primary.id;
  const pool = topo.pooler;
  const siblings = topo.replicas.filter((r) => r.id !== c.id).map((r) => r.id);
  if (provider === 'aws') {
    return [
      ...(scheduled ? [`wait until ${scheduled.toISOString()}, then measure and check again`] : []),
      ...(probe
        ? [
            `write a numbered row every ${PROBE_INTERVAL_MS} ms through ${pool ? `${pool.kind} ${pool.name}` : `the primary endpoint`} (table dbops.switch_probe_<run>)`,
          ]
        : []),
      pool
        ? `deregister ${p} from RDS Proxy ${pool.name}: no new write reaches ${p} through it`
        : `no connection layer: RDS cannot pause writes, so writes sent straight to ${p} until the promotion are not on ${c.id}`,
      `wait until ${c.id} has replayed ${p}'s WAL (its position when the data plane answers, else ReplicaLag 0); past ${timeoutMs / 1000} s roll back (${pool ? `${p} registered again` : 'nothing changed'})`,
      `PromoteReadReplica ${c.id} (backup retention kept), wait until available (point of no return)`,
      pool ? `register ${c.id} with ${pool.name} and wait for TargetHealth AVAILABLE` : `applications must now connect to ${c.id}`,
      `RDS replicas cannot change source: create a new read replica of ${c.id}; ${p} is kept (delete it with a final snapshot once you are sure)${siblings.length ? `; ${siblings.join(', ')} stay replicas of ${p}` : ''}`,
      `verify: a write through the application address lands on a primary`,
    ];
  }
  return [
    ...(scheduled ? [`wait until ${scheduled.toISOString()}, then measure and check again`] : []),
    ...(probe
      ? [
          `write a numbered row every ${PROBE_INTERVAL_MS} ms through ${pool ? `${pool.kind} ${pool.name}` : `the primary endpoint`} (table dbops.switch_probe_<run>)`,
        ]
      : []),
    pool
      ? `PAUSE ${pool.kind} ${pool.name}: running transactions finish, new ones wait`
      : 'no connection layer: clients see errors until they reconnect to the new primary',
    `stop writes at ${p} (clean shutdown: its WAL senders hand ${c.id} every byte)`,
    `wait until ${c.id} has replayed ${p}'s last WAL; past ${timeoutMs / 1000} s of write pause roll back (${p} takes writes again)`,
    `write standby.signal into ${p}, then promote ${c.id} (point of no return)`,
    pool
      ? `point ${pool.name} at ${c.id} (RELOAD) and RESUME: waiting clients continue on ${c.id}`
      : `applications must now connect to ${c.id}`,
    `rebuild ${p} as a replica of ${c.id} (pg_rewind when needed, then standby)${siblings.length ? `; ${siblings.join(', ')} follow ${c.id}` : ''}`,
    `verify: ${p} streams from ${c.id}, and a write through the application address lands on a primary`,
  ];
}

export async function switchover(
  ctx: Context,
  input: FailoverInput,
  seams: FailoverSeams = {},
): Promise<{ result: FailoverResult; error?: Error }> {
  return runSwitch(
    ctx,
    {
      op: 'switchover',
      runbook: SWITCHOVER,
      steps,
      succeeded: (c, primaryId, candidate) =>
        c.flags.dryRun
          ? `every pre-check passed; ${candidate} would take over from ${primaryId}`
          : `${candidate} is the primary; ${primaryId} follows it`,
    },
    input,
    seams,
  );
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
  const timeoutMs = input.timeoutMs ?? DEFAULT_SWITCHOVER_TIMEOUT_MS;
  const maxLag = input.maxLag ?? (api.name === 'aws' ? DEFAULT_AWS_MAX_LAG : DEFAULT_SWITCHOVER_MAX_LAG);
  const picked = await preChecks(ctx, provider, api, primaryId, input, maxLag, timeoutMs, facts, run);
  if (picked === 'in-place') return inPlaceSteps(ctx, provider, api, primaryId, input, facts, run, seams);
  const confirmed = await confirmUnlessDryRun(
    ctx,
    run,
    `Switch the primary role from ${primaryId} to ${picked.id}? Writes pause for up to ${timeoutMs / 1000} s${facts.pooler ? ` behind ${facts.pooler.name}` : '; clients must reconnect to the new primary'}.`,
  );
  if (!confirmed) return;
  // The topology may have moved while waiting: measure and check again.
  const again = await scheduledStep(ctx, run, input, async () => {
    const c = await measureAndCheck(ctx, provider, api, primaryId, input, maxLag, timeoutMs, facts);
    if (c === 'in-place')
      throw new EnvironmentError(`${primaryId} lost its replicas while waiting for the scheduled time.`, {
        hint: '`dbops replica status` shows the topology; run the switchover again.',
      });
    return c;
  });
  const candidate = again ?? picked;

  const phase: Phase = {
    pausedPool: false,
    stopping: false,
    demoted: false,
    promoting: false,
    promoted: false,
    switchedPool: false,
    followAttempted: false,
  };
  const c = candidate.id;
  let current = primaryId;
  const pool = facts.pooler;
  const pooler = api.pooler;

  const probe = await probeStartStep(
    run,
    'SO-3',
    input,
    seams,
    facts,
    provider,
    api,
    () => current,
    (m) => ctx.out.warn(m),
  );

  // From here on one cleanup keeps exactly one working primary.
  const forgetGuard = run.addCleanup(
    `keep one working primary (${primaryId} or ${c})`,
    async () => {
      if (phase.promoted || (phase.promoting && (await api.role(c).catch(() => 'down')) === 'primary')) {
        phase.promoted = true;
        current = c;
        await finishForward(api, primaryId, c, phase, facts, pool?.name, timeoutMs);
      } else {
        phase.reason ??= ctx.signal.aborted ? 'the run was interrupted before the promotion' : 'a step before the promotion failed';
        await rollBack(api, primaryId, c, phase, facts, pool?.name);
        current = primaryId;
      }
    },
    { keepable: false },
  );
  const deadline = () => (phase.pauseStartedAt ?? performance.now()) + timeoutMs;
  const remainingMs = () => Math.max(0, deadline() - performance.now());

  // Outside the pause: dirty pages written and a fresh WAL segment (a short stop and a short
  // promotion), and the sessions the pause needs opened ahead.
  run.addCleanup('close the sessions opened for the switch', async () => void (await Promise.all([api.release(), pooler?.release()])), {
    keepable: false,
  });
  await api.prepare(primaryId, c);
  if (pool && pooler) await pooler.prepare(pool.name);
  if (pool && pooler) {
    await run.step('SO-4', async (s) => {
      phase.pauseStartedAt = performance.now();
      try {
        await pooler.pause(pool.name, { timeoutMs: remainingMs(), signal: ctx.signal });
      } catch (e) {
        if (e instanceof Interrupted || ctx.signal.aborted) throw e;
        throw pauseTimeout(
          phase,
          `${pool.name} could not pause within --timeout ${timeoutMs / 1000} s: ${messageOf(e)}`,
          'Long transactions hold the pause; retry when they finish, or give a longer --timeout.',
        );
      }
      phase.pausedPool = true;
      s.detail(`${pool.name} paused; clients wait`);
    });
  } else run.skip('SO-4', 'no connection layer');

  let stopLsn = '';
  await run.step('SO-5', async (s) => {
    phase.pauseStartedAt ??= performance.now();
    phase.stopping = true;
    const stopped = await api.stopWrites(primaryId, { signal: ctx.signal });
    stopLsn = stopped.lsn;
    s.detail(stopped.detail ?? `${primaryId} shut down cleanly; last WAL record at ${stopLsn}`);
  });

  await run.step('SO-6', async (s) => {
    try {
      const { replayLsn, detail } = await api.waitForReplay(c, stopLsn, {
        maxWaitSeconds: remainingMs() / 1000,
        signal: ctx.signal,
        onProgress: (status) => s.update(status),
      });
      s.detail(detail ?? `${c} replayed ${replayLsn} (past ${stopLsn})`);
    } catch (e) {
      if (e instanceof Interrupted || ctx.signal.aborted) throw e;
      const topo = await api.topology(primaryId).catch(() => undefined);
      const replica = topo?.replicas.find((r) => r.id === c);
      const seen = replica?.replayLsn;
      const short =
        seen && stopLsn
          ? `; it had replayed ${seen}, ${formatBytes(lsnBytesBehind(stopLsn, seen))} short`
          : replica?.lagSeconds !== undefined
            ? `; its ReplicaLag was ${replica.lagSeconds} s`
            : '';
      throw pauseTimeout(
        phase,
        `${c} had not replayed ${primaryId}'s last WAL (${stopLsn || 'ReplicaLag 0'}) when the write pause reached --timeout ${timeoutMs / 1000} s${short}`,
        `Rolled back: ${primaryId} takes writes again. Check why ${c} replays slowly (\`dbops replica status\`), then retry.`,
      );
    }
  });

  let promotedAt = '';
  await run.step('SO-7', async (s) => {
    if (remainingMs() <= 0)
      throw pauseTimeout(
        phase,
        `the write pause reached --timeout ${timeoutMs / 1000} s before ${c} could be promoted`,
        `Rolled back: ${primaryId} takes writes again.`,
      );
    await api.demote(primaryId, c);
    phase.demoted = true;
    phase.promoting = true;
    const promoted = await api.promote(c, { signal: ctx.signal });
    promotedAt = promoted.lsn;
    phase.promoted = true;
    current = c;
    s.detail(promoted.detail ?? `${c} promoted; new timeline forked at ${promotedAt}`);
  });

  await run.step('SO-8', async (s) => {
    if (pool && pooler) {
      // --timeout also bounds the wait for the connection layer's health (RDS Proxy: TargetHealth AVAILABLE).
      await pooler.retarget(pool.name, c, { maxWaitSeconds: timeoutMs / 1000, signal: ctx.signal });
      await pooler.resume(pool.name);
      phase.switchedPool = true;
      facts.writePauseMs = performance.now() - phase.pauseStartedAt!;
      s.detail(`${pool.name} -> ${c}, resumed; writes paused ${Math.round(facts.writePauseMs)} ms`);
    } else {
      facts.writePauseMs = performance.now() - phase.pauseStartedAt!;
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

  const followers: string[] = [];
  await run.step('SO-9', async (s) => {
    phase.followAttempted = true;
    const follow = await api.follow(primaryId, c);
    facts.extra.follow = follow;
    const lines = [follow.detail];
    for (const r of facts.before?.replicas ?? []) {
      if (r.id === c) continue;
      const res = await api.repoint(r.id, c);
      if (res.follows) followers.push(r.id);
      else lines.push(res.detail);
    }
    s.detail(lines.join('; '));
  });

  await run.step('SO-10', async (s) => {
    const follow = facts.extra.follow;
    // A replica still being created (AWS) streams later: not waited for, reported.
    const waitFor = [...(follow && !follow.creating ? [follow.replicaId] : []), ...followers];
    facts.after = await waitStreaming(api, c, waitFor, ctx.signal);
    const lagging = facts.after.replicas.filter((r) => waitFor.includes(r.id) && r.state !== 'streaming');
    const addr = await appAddress(
      provider,
      api,
      pool,
      () => c,
      (m) => ctx.out.warn(m),
    );
    const wrote = await (seams.verifyWrite ?? verifyWrite)(await addr.resolve());
    forgetGuard();
    if (lagging.length > 0) {
      throw new EnvironmentError(`${c} is the primary and takes writes, but ${lagging.map((r) => `${r.id} is ${r.state}`).join(', ')}.`, {
        hint: `Look at their server logs; \`dbops replica status --instance ${c}\` shows the topology.`,
      });
    }
    const creating = follow?.creating
      ? `; ${follow.replicaId} is being created (\`dbops replica status --instance ${c}\` shows when it streams)`
      : '';
    s.detail(`${waitFor.length ? `${waitFor.join(', ')} streaming from ${c}; ` : ''}${wrote}${creating}`);
  });

  await probeResultStep(
    run,
    'SO-11',
    probe,
    (n) =>
      new CheckFailed(`${n} acknowledged writes are missing on ${c} after the switchover.`, {
        hint: 'This should never happen in a switchover: keep the report and the server logs of both instances.',
      }),
  );

  await retireStep(ctx, api, primaryId, input, run);
}

/** SO-12: only where the old primary cannot follow (AWS), only when asked, and confirmed. */
async function retireStep(ctx: Context, api: FailoverApi, primaryId: string, input: FailoverInput, run: RunbookRun): Promise<void> {
  const retire = api.retire?.bind(api);
  if (!retire) {
    run.skip('SO-12', 'the old primary follows the new one');
    return;
  }
  if (!input.deleteOldPrimary) {
    run.skip(
      'SO-12',
      `${primaryId} kept: delete it with \`dbops instances delete ${primaryId}\` (final snapshot) once you are sure, or pass --delete-old-primary`,
    );
    return;
  }
  await run.step('SO-12', async (s) => {
    const ok = await ctx.prompt.confirm(`Delete ${primaryId} now, with a final snapshot? It no longer takes part in replication.`);
    if (!ok) {
      s.detail(`${primaryId} kept (not confirmed)`);
      return;
    }
    s.detail((await retire(primaryId, { runId: run.runId })).detail);
  });
}

async function measureAndCheck(
  ctx: Context,
  provider: Provider,
  api: FailoverApi,
  primaryId: string,
  input: FailoverInput,
  maxLag: MaxLag,
  timeoutMs: number,
  facts: Facts,
): Promise<ReplicaState | 'in-place'> {
  const topo = await api.topology(primaryId);
  facts.before = topo;
  if (topo.pooler) facts.pooler = topo.pooler;
  requirePoolerIfConfigured(ctx, topo);
  if (topo.replicas.length === 0 && topo.primary.multiAz && input.candidate === undefined && api.failoverInPlace) {
    facts.candidateId = `${primaryId} (Multi-AZ standby)`;
    facts.checks = multiAzChecks(topo);
    facts.plan = multiAzPlan(topo, input.probe, input.scheduled);
    if (failedChecks(facts.checks).length > 0) {
      facts.outcome = 'refused';
      throw new CheckFailed(`Switchover refused: ${refusalText(facts.checks)}.`, {
        hint: failedChecks(facts.checks)[0]!.remedy ?? '`dbops replica status` shows the topology.',
      });
    }
    return 'in-place';
  }
  const all = (await provider.listInstances()).map((i) => i.id);
  const candidate = pickCandidate(topo, input.candidate, all);
  facts.candidateId = candidate.id;
  facts.checks = switchoverChecks(topo, candidate, maxLag);
  facts.plan = switchoverPlan(topo, candidate, timeoutMs, input.probe, input.scheduled, api.name);
  if (failedChecks(facts.checks).length > 0) {
    facts.outcome = 'refused';
    const first = failedChecks(facts.checks)[0]!;
    throw new CheckFailed(`Switchover refused: ${refusalText(facts.checks)}.`, {
      hint: first.remedy ?? '`dbops replica status` shows the topology.',
    });
  }
  return candidate;
}

async function preChecks(
  ctx: Context,
  provider: Provider,
  api: FailoverApi,
  primaryId: string,
  input: FailoverInput,
  maxLag: MaxLag,
  timeoutMs: number,
  facts: Facts,
  run: RunbookRun,
): Promise<ReplicaState | 'in-place'> {
  return run.step('SO-1', async (s) => {
    const c = await measureAndCheck(ctx, provider, api, primaryId, input, maxLag, timeoutMs, facts);
    const warn = facts.checks.filter((x) => x.status === 'warn').length;
    if (c === 'in-place') {
      s.detail(
        `${facts.checks.length} checks passed${warn ? ` (${warn} warning${warn === 1 ? '' : 's'})` : ''}; no replica: a reboot with failover to ${primaryId}'s Multi-AZ standby`,
      );
      return c;
    }
    s.detail(
      `${facts.checks.length} checks passed${warn ? ` (${warn} warning${warn === 1 ? '' : 's'})` : ''}; candidate ${c.id}, lag ${describeLag(c)} (limit ${describeMaxLag(maxLag)})`,
    );
    return c;
  });
}

function sleepUntil(at: Date, ctx: Context): Promise<void> {
  const ms = at.getTime() - ctx.clock.now().getTime();
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Interrupted());
    };
    const timer = setTimeout(() => {
      ctx.signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Before the promotion: the old primary takes writes again, the pool resumes. */
async function rollBack(
  api: FailoverApi,
  primaryId: string,
  candidateId: string,
  phase: Phase,
  facts: Facts,
  poolName: string | undefined,
): Promise<void> {
  const actions: string[] = [];
  if (phase.demoted) {
    await api.undoDemote(primaryId);
    actions.push(`standby.signal removed from ${primaryId}`);
  }
  if (phase.stopping) {
    await api.resumeWrites(primaryId);
    actions.push(`${primaryId} started again as the primary`);
  }
  if (phase.pausedPool && poolName && api.pooler) {
    await api.pooler.resume(poolName);
    actions.push(`${poolName} resumed on ${primaryId}`);
  }
  if (phase.stopping) {
    // The candidate reconnects to the restarted primary by itself; say whether it did.
    const topo = await waitStreaming(api, primaryId, [candidateId], new AbortController().signal, 5000);
    const state = topo.replicas.find((r) => r.id === candidateId)?.state ?? 'missing';
    actions.push(
      state === 'streaming'
        ? `${candidateId} streams from ${primaryId} again`
        : `${candidateId} is ${state} (a replica reconnects when its replay needs WAL; \`dbops replica status\` shows it)`,
    );
  }
  facts.rollback = { reason: phase.reason ?? 'the switchover did not reach the promotion', actions };
}

/** After the promotion: the pool must reach the new primary, and the old one follows it. */
async function finishForward(
  api: FailoverApi,
  primaryId: string,
  c: string,
  phase: Phase,
  facts: Facts,
  poolName: string | undefined,
  timeoutMs: number,
): Promise<void> {
  let poolError: unknown;
  // Whatever the pool answers, the old primary still follows (AWS: its new replica is created).
  if (poolName && api.pooler && !phase.switchedPool) {
    try {
      await api.pooler.retarget(poolName, c, { maxWaitSeconds: timeoutMs / 1000 });
      await api.pooler.resume(poolName);
      phase.switchedPool = true;
    } catch (e) {
      poolError = e;
    }
  }
  if (!phase.followAttempted) {
    phase.followAttempted = true;
    facts.extra.follow = await api.follow(primaryId, c);
  }
  if (poolError !== undefined) throw poolError;
}

/** Pure: the plan of a Multi-AZ reboot with failover (AWS, no replica). */
export function multiAzPlan(topo: Topology, probe: boolean, scheduled?: Date): string[] {
  const p = topo.primary.id;
  const pool = topo.pooler;
  return [
    ...(scheduled ? [`wait until ${scheduled.toISOString()}, then measure and check again`] : []),
    ...(probe
      ? [`write a numbered row every ${PROBE_INTERVAL_MS} ms through ${pool ? `${pool.kind} ${pool.name}` : 'the primary endpoint'}`]
      : []),
    `RebootDBInstance ${p} with ForceFailover: RDS moves the primary to its Multi-AZ standby (same endpoint; connections drop for the failover)`,
    `wait until ${p} is available again${pool ? `, and ${pool.name}'s target AVAILABLE` : ''}`,
    'verify: a write through the application address lands on a primary',
  ];
}

/** A dry run skips every step past SO-1 (false); otherwise the operator confirms, or nothing changes. */
async function confirmUnlessDryRun(ctx: Context, run: RunbookRun, question: string): Promise<boolean> {
  if (ctx.flags.dryRun) {
    for (const st of SWITCHOVER.steps.slice(1)) run.skip(st.id, 'dry run');
    return false;
  }
  if (!(await ctx.prompt.confirm(question))) throw new UsageError('Switchover cancelled; nothing was changed.');
  return true;
}

/** SO-2: with --at, sleeps until then and checks again (`recheck` throws when a check fails); else its skip. */
async function scheduledStep<T>(ctx: Context, run: RunbookRun, input: FailoverInput, recheck: () => Promise<T>): Promise<T | undefined> {
  const at = input.scheduled;
  if (!at) {
    run.skip('SO-2', 'not scheduled');
    return undefined;
  }
  let result: T | undefined;
  await run.step('SO-2', async (s) => {
    s.update(`until ${at.toISOString()}`);
    await sleepUntil(at, ctx);
    result = await recheck();
    s.detail(`checked again at ${ctx.clock.now().toISOString()}: all passed`);
  });
  return result;
}

/** AWS Multi-AZ without a replica: the reboot with failover, SO-7, keeps the endpoint; nothing to switch or rebuild. */
async function inPlaceSteps(
  ctx: Context,
  provider: Provider,
  api: FailoverApi,
  primaryId: string,
  input: FailoverInput,
  facts: Facts,
  run: RunbookRun,
  seams: FailoverSeams,
): Promise<void> {
  const failoverInPlace = api.failoverInPlace?.bind(api);
  if (!failoverInPlace) throw new EnvironmentError(`The ${api.name} provider has no Multi-AZ failover.`);
  const confirmed = await confirmUnlessDryRun(
    ctx,
    run,
    `Reboot ${primaryId} with failover to its Multi-AZ standby? Connections drop while RDS fails over (the endpoint stays).`,
  );
  if (!confirmed) return;
  await scheduledStep(ctx, run, input, async () => {
    const topo = await api.topology(primaryId);
    facts.checks = multiAzChecks(topo);
    if (failedChecks(facts.checks).length > 0) {
      facts.outcome = 'refused';
      throw new CheckFailed(`Switchover refused: ${refusalText(facts.checks)}.`, {
        hint: failedChecks(facts.checks)[0]!.remedy ?? '`dbops replica status` shows the topology.',
      });
    }
  });
  const probe = await probeStartStep(
    run,
    'SO-3',
    input,
    seams,
    facts,
    provider,
    api,
    () => primaryId,
    (m) => ctx.out.warn(m),
  );
  run.skip('SO-4', 'Multi-AZ: the endpoint stays; nothing to pause');
  run.skip('SO-5', 'Multi-AZ: RDS stops writes during its failover');
  run.skip('SO-6', 'Multi-AZ: the standby is synchronous');
  const started = performance.now();
  await run.step('SO-7', async (s) => {
    // A Multi-AZ failover takes one to two minutes: bounded by the larger of --timeout and aws.maxWaitMinutes.
    const maxWaitSeconds = Math.max((input.timeoutMs ?? DEFAULT_SWITCHOVER_TIMEOUT_MS) / 1000, ctx.config.aws.maxWaitMinutes * 60);
    const res = await failoverInPlace(primaryId, { maxWaitSeconds, signal: ctx.signal });
    s.detail(res.detail);
  });
  const pool = facts.pooler;
  await run.step('SO-8', async (s) => {
    if (pool && api.pooler) {
      await api.pooler.retarget(pool.name, primaryId, { maxWaitSeconds: 300, signal: ctx.signal });
      s.detail(`${pool.name}'s target ${primaryId} AVAILABLE`);
    } else s.detail('the endpoint is unchanged; applications reconnect to it');
    facts.writePauseMs = performance.now() - started;
  });
  run.skip('SO-9', 'Multi-AZ: RDS rebuilt the standby itself');
  await run.step('SO-10', async (s) => {
    facts.after = await api.topology(primaryId);
    const addr = await appAddress(
      provider,
      api,
      pool,
      () => primaryId,
      (m) => ctx.out.warn(m),
    );
    s.detail(await (seams.verifyWrite ?? verifyWrite)(await addr.resolve()));
  });
  await probeResultStep(
    run,
    'SO-11',
    probe,
    (n) =>
      new CheckFailed(`${n} acknowledged writes are missing on ${primaryId} after the reboot with failover.`, {
        hint: 'Keep the report and the RDS events of the instance.',
      }),
  );
  run.skip('SO-12', 'Multi-AZ: the instance itself stays the primary');
}
