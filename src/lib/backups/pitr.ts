/**
 * `dbops instances restore <source> --to <time> | --latest-restorable --target <id>`:
 * a new instance holding the source's data as of a point in time (RDS
 * RestoreDBInstanceToPointInTime; local: base backup + archived WAL replay, pitr.ts in the
 * local provider). Follows runbooks/pitr.md (PR-1..PR-4). The source is never touched.
 */
import { readHeartbeats } from '../checks/freshness.js';
import type { Context } from '../context.js';
import { connect } from '../db/connect.js';
import { ConflictError, UsageError } from '../errors.js';
import { validateIdentifier } from '../instances/instances.js';
import type { Instance } from '../providers/types.js';
import { TAG } from '../providers/types.js';
import { checkPointInTime, noWindowRefusal } from '../restore/backup.js';
import { parsePointInTime } from '../restore/settings.js';
import { removeTemporary } from '../restore/steps.js';
import { type RunReport, runRunbook, type StepFaults } from '../runbook/runner.js';
import { PITR } from './runbooks.js';

export interface PitrInput {
  sourceId: string;
  targetId: string;
  /** ISO 8601 with a zone, or undefined with latestRestorable. */
  to?: string;
  latestRestorable: boolean;
  instanceClass?: string;
}

export interface PitrResult {
  sourceId: string;
  targetId: string;
  dryRun: boolean;
  /** ISO time asked for, or 'latest'. */
  requested: string;
  window: { earliest?: string; latest?: string };
  instance?: Instance;
  /** The newest dbops.heartbeat row in the new instance: the real end of its data. */
  newestHeartbeat?: string;
  /** Seconds between the newest heartbeat and the target (latest: the latest restorable time). */
  heartbeatLagSeconds?: number;
  report?: RunReport;
}

function request(input: PitrInput, now: Date): Date | 'latest' {
  if ((input.to !== undefined) === input.latestRestorable) {
    throw new UsageError('Give exactly one of --to <time> and --latest-restorable.', {
      hint: 'For example: dbops instances restore prod-db --to 2026-05-01T09:30:00Z --target prod-db-pitr',
    });
  }
  return input.to !== undefined ? parsePointInTime(input.to, now, '--to') : 'latest';
}

/** Seams for tests; production passes none. */
export interface PitrSeams {
  runId?: string;
  /** Fault injection at each step (test/faults). */
  faults?: StepFaults;
}

/** Restores the source to a point in time into a new instance, following runbooks/pitr.md. */
export async function restoreToPointInTime(ctx: Context, input: PitrInput, seams: PitrSeams = {}): Promise<PitrResult> {
  validateIdentifier(input.targetId);
  const time = request(input, ctx.clock.now());
  const provider = await ctx.provider();
  const base = { sourceId: input.sourceId, targetId: input.targetId, requested: time === 'latest' ? 'latest' : time.toISOString() };
  const opts = { out: ctx.out, clock: ctx.clock, signal: ctx.signal, runId: seams.runId, faults: seams.faults };
  const { value, report } = await runRunbook(PITR, opts, async (run) => {
    // Until PR-4 has read the new instance, a failure or an interrupt removes it: never a half-made instance.
    let forget = (): void => undefined;
    const window = await run.step('PR-1', async (s) => {
      const source = await provider.describeInstance(input.sourceId);
      if (await provider.findInstance(input.targetId)) {
        throw new ConflictError(`An instance named ${input.targetId} already exists in ${provider.region}.`, {
          hint: 'Pick another --target.',
        });
      }
      const w = provider.restorableWindow ? await provider.restorableWindow(source.id) : undefined;
      const win = w ? { earliest: w.earliestRestorableTime, latest: w.latestRestorableTime } : { latest: source.latestRestorableTime };
      const refused = noWindowRefusal(source.id, w);
      if (refused) throw refused;
      checkPointInTime(time, source, ctx.clock.now(), win);
      s.detail(`window ${win.earliest?.toISOString() ?? '?'} to ${win.latest?.toISOString() ?? '?'}`);
      return {
        ...(win.earliest ? { earliest: win.earliest.toISOString() } : {}),
        ...(win.latest ? { latest: win.latest.toISOString() } : {}),
      };
    });
    if (ctx.flags.dryRun) {
      for (const id of ['PR-2', 'PR-3', 'PR-4']) run.skip(id, 'dry run');
      return { ...base, dryRun: true, window } satisfies PitrResult;
    }
    await run.step('PR-2', async (s) => {
      const source = await provider.describeInstance(input.sourceId);
      const call = provider.restoreToPointInTime({
        sourceInstanceId: input.sourceId,
        instanceId: input.targetId,
        time,
        instanceClass: input.instanceClass ?? source.instanceClass,
        publiclyAccessible: false,
        vpcSecurityGroupIds: source.vpcSecurityGroupIds,
        subnetGroup: source.subnetGroup,
        tags: {
          [TAG.managed]: 'true',
          [TAG.runId]: run.runId,
          [TAG.purpose]: 'point-in-time-restore',
          [TAG.sourceInstance]: input.sourceId,
        },
      });
      call.catch(() => undefined);
      // On the cleanup stack before the call lands; only an instance tagged with this run's id is ever deleted.
      forget = run.addCleanup(`delete the unfinished restore ${input.targetId}`, async () => {
        await removeTemporary(ctx, provider, input.targetId, run.runId, call, undefined);
      });
      const made = await call;
      s.detail(`${made.id}: ${made.status}`);
    });
    const instance = await run.step('PR-3', async (s) => {
      const ready = await provider.waitForInstance(input.targetId, 'available', {
        maxWaitSeconds: ctx.config.aws.maxWaitMinutes * 60,
        signal: ctx.signal,
        onProgress: (status) => s.update(status),
      });
      s.detail(ready?.endpoint ? `${ready.endpoint.host}:${ready.endpoint.port}` : 'available');
      return ready!;
    });
    const beats = await run.step('PR-4', async (s) => {
      const client = await connect(await provider.connectionInfo(input.targetId), { warn: (m) => ctx.out.warn(m) });
      try {
        const h = await readHeartbeats(client);
        s.detail(
          h.newest
            ? `newest heartbeat ${h.newest.toISOString()}`
            : h.table
              ? 'no heartbeat rows'
              : 'no dbops.heartbeat table (run `dbops heartbeat` from cron to measure data loss)',
        );
        return h;
      } finally {
        await client.end();
      }
    });
    forget();
    const reference = time === 'latest' ? (window.latest ? new Date(window.latest) : undefined) : time;
    return {
      ...base,
      dryRun: false,
      window,
      instance,
      ...(beats.newest ? { newestHeartbeat: beats.newest.toISOString() } : {}),
      ...(beats.newest && reference
        ? { heartbeatLagSeconds: Math.max(0, Math.round((reference.getTime() - beats.newest.getTime()) / 1000)) }
        : {}),
    } satisfies PitrResult;
  });
  return { ...value, report };
}
