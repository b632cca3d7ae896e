/**
 * Manual snapshots: create (named `<db>-manual-<UTC timestamp>`, seed 000's convention),
 * list (newest first) and latest (the newest available one, which restore tests and
 * drills start from). Copy, delete, prune, run-policy, backup status and gc live in the
 * modules beside this one; the decisions they share are in policy.ts.
 */
import { snapshotProvider } from './database.js';
import type { Context } from '../context.js';
import { ConflictError, Interrupted, isDbopsError, NotFoundError, UsageError } from '../errors.js';
import { isRdsIdentifier } from '../identifiers.js';
import { compactTimestamp } from '../instances/instances.js';
import { runRunbook } from '../runbook/runner.js';
import { SNAPSHOT_CREATE } from './runbooks.js';
import { type Provider, type Snapshot, type SnapshotType, type Tags, TAG } from '../providers/types.js';
import { checkRegion } from './checks.js';
import { PURPOSE_MANUAL, newestAvailable, sortNewestFirst } from './policy.js';

export { sortNewestFirst } from './policy.js';

export function manualSnapshotId(instanceId: string, now: Date): string {
  return `${instanceId}-manual-${compactTimestamp(now)}`;
}

/** The tags of a manual snapshot dbops takes (the adapters add dbops:managed=true). */
export function manualSnapshotTags(instanceId: string, runId: string): Tags {
  return {
    [TAG.managed]: 'true',
    [TAG.runId]: runId,
    [TAG.purpose]: PURPOSE_MANUAL,
    [TAG.sourceInstance]: instanceId,
  };
}

export interface CreateSnapshotResult {
  dryRun: boolean;
  snapshotId: string;
  instanceId: string;
  region: string;
  snapshot?: Snapshot;
  waitedMs?: number;
}

/** How long snapshot and copy waits may take (aws.maxWaitMinutes). */
export function maxWaitSeconds(ctx: Pick<Context, 'config'>): number {
  return ctx.config.aws.maxWaitMinutes * 60;
}

/** Waits for a snapshot to be available, showing its status and percentage on `update`. */
export async function waitAvailable(
  ctx: Pick<Context, 'config' | 'signal'>,
  provider: Provider,
  id: string,
  update: (text: string) => void,
): Promise<Snapshot> {
  const ready = await provider.waitForSnapshot(id, 'available', {
    maxWaitSeconds: maxWaitSeconds(ctx),
    signal: ctx.signal,
    onProgress: (status, _ms, detail) => update(`${status}${detail ? ` ${detail}` : ''}`),
  });
  return ready ?? (await provider.describeSnapshot(id));
}

/** Tries per call of `snapshot create` before giving up on finding a free name. */
const NAME_TRIES = 20;

/**
 * `dbops snapshot create`: `--id` exactly as given (a clash is exit 2), else
 * `<db>-manual-<UTC timestamp>`, with `-2`, `-3` … when a concurrent run took that name
 * in the same second: the provider's create is the atomic claim, so ids are unique
 * whatever runs at the same time.
 *
 * With --wait, a Ctrl-C stops the waiting, not the snapshot: the result says what is
 * true (available already, or still being created and how to check it).
 */
export async function createManualSnapshot(
  ctx: Context,
  input: { instanceId: string; wait: boolean; snapshotId?: string },
): Promise<CreateSnapshotResult> {
  checkRegion(ctx.config.region);
  if (input.snapshotId !== undefined) validateSnapshotId(input.snapshotId);
  const provider = await snapshotProvider(ctx, input.instanceId);
  const first = input.snapshotId ?? manualSnapshotId(input.instanceId, ctx.clock.now());
  const planned = { snapshotId: first, instanceId: input.instanceId, region: provider.region };
  await provider.describeInstance(input.instanceId);
  if (ctx.flags.dryRun) return { dryRun: true, ...planned };
  let snapshotId = first;
  let runId: string | undefined;
  let t0: number | undefined;
  try {
    const { value } = await runRunbook(
      SNAPSHOT_CREATE,
      { out: ctx.out, clock: ctx.clock, signal: ctx.signal },
      async (run): Promise<CreateSnapshotResult> => {
        runId = run.runId;
        const snapshot = await run.step('SN-8', async (s) => {
          const tags = manualSnapshotTags(input.instanceId, run.runId);
          for (let attempt = 1; ; attempt++) {
            snapshotId = attempt === 1 ? first : `${first}-${attempt}`;
            s.update(`Snapshot ${snapshotId} of ${input.instanceId}`);
            try {
              const created = await provider.createSnapshot({ instanceId: input.instanceId, snapshotId, tags });
              s.detail(`Snapshot ${snapshotId} of ${input.instanceId}: ${created.status}`);
              return created;
            } catch (e) {
              if (isDbopsError(e) && e.kind === 'already-exists' && input.snapshotId === undefined && attempt < NAME_TRIES) continue;
              if (isDbopsError(e) && e.kind === 'already-exists' && input.snapshotId !== undefined) {
                throw new ConflictError(`Snapshot ${snapshotId} already exists in ${provider.region}.`, {
                  hint: 'Pass another --id, or leave --id out for <db>-manual-<UTC timestamp>.',
                  cause: e,
                  kind: 'already-exists',
                });
              }
              throw e;
            }
          }
        });
        const base = { snapshotId, instanceId: input.instanceId, region: provider.region };
        if (!input.wait || snapshot.status === 'available') {
          run.skip('SN-9', input.wait ? `${snapshotId} is available already` : 'no --wait');
          return { dryRun: false, ...base, snapshot, waitedMs: input.wait ? 0 : undefined };
        }
        const started = performance.now();
        t0 = started;
        return run.step('SN-9', async (s) => {
          const ready = await waitAvailable(ctx, provider, snapshotId, (t) => s.update(`Snapshot ${snapshotId}: ${t}`));
          s.detail(`Snapshot ${snapshotId}: ${ready.status}`);
          return { dryRun: false, ...base, snapshot: ready, waitedMs: performance.now() - started };
        });
      },
    );
    return value;
  } catch (e) {
    if (!(e instanceof Interrupted)) throw e;
    // Ctrl-C stops dbops, not the snapshot: when this run's snapshot exists, say where it stands and how to follow it.
    const now = await provider.findSnapshot(snapshotId).catch(() => undefined);
    if (!now || now.tags[TAG.runId] !== runId) throw e;
    const waitedMs = t0 === undefined ? undefined : performance.now() - t0;
    const check = `dbops snapshot list --instance ${input.instanceId}${provider.region !== ctx.config.region ? ` --region ${provider.region}` : ''}`;
    if (now.status === 'available' || !input.wait) {
      if (t0 !== undefined) ctx.out.info(`Stopped waiting, but snapshot ${snapshotId} is available already.`);
      return {
        dryRun: false,
        snapshotId,
        instanceId: input.instanceId,
        region: provider.region,
        snapshot: now,
        ...(input.wait ? { waitedMs: waitedMs ?? 0 } : {}),
      };
    }
    throw new Interrupted(signalName(ctx.signal), {
      hint: `Only ${t0 === undefined ? 'dbops' : 'the waiting'} stopped: snapshot ${snapshotId} continues (status ${now.status}); \`${check}\` shows when it is available.`,
      details: { snapshotId, status: now.status },
      step: e.step,
      ...(e.report ? { report: e.report } : {}),
    });
  }
}

function signalName(signal: AbortSignal): string {
  return typeof signal.reason === 'string' ? signal.reason : 'SIGINT';
}

/** --id: RDS' snapshot identifier rules (1-255 letters, digits, single hyphens, a letter first). */
function validateSnapshotId(id: string): void {
  if (!isRdsIdentifier(id, 255)) {
    throw new UsageError(`"${id}" is not a valid snapshot identifier.`, {
      hint: 'Use 1-255 letters, digits and single hyphens, starting with a letter and not ending with a hyphen (RDS rules).',
    });
  }
}

export async function listSnapshots(ctx: Context, input: { instanceId?: string; type: SnapshotType | 'all' }): Promise<Snapshot[]> {
  checkRegion(ctx.config.region);
  const provider = await snapshotProvider(ctx, input.instanceId);
  const snaps = await provider.listSnapshots({ instanceId: input.instanceId, type: input.type });
  return sortNewestFirst(snaps);
}

/** The newest available snapshot of an instance in the provider's region; NotFoundError (exit 2) when there is none. */
export async function latestSnapshot(ctx: Context, input: { instanceId: string; type: SnapshotType | 'all' }): Promise<Snapshot> {
  checkRegion(ctx.config.region);
  const provider = await snapshotProvider(ctx, input.instanceId);
  return findLatestSnapshot(provider, input);
}

/** The same for a provider already at hand (restore tests and drills call this). */
export async function findLatestSnapshot(provider: Provider, input: { instanceId: string; type: SnapshotType | 'all' }): Promise<Snapshot> {
  const snaps = await provider.listSnapshots({ instanceId: input.instanceId, type: input.type });
  const latest = newestAvailable(snaps, { type: input.type, instanceId: input.instanceId });
  if (latest) return latest;
  const kind = input.type === 'all' ? '' : `${input.type} `;
  const pending = snaps.filter((s) => s.status !== 'available').length;
  throw new NotFoundError(
    `No available ${kind}snapshot of ${input.instanceId} in ${provider.region}${pending > 0 ? ` (${pending} not available yet)` : ''}.`,
    {
      hint: `Take one with \`dbops snapshot create --instance ${input.instanceId} --wait\`, or check --region and --type.`,
    },
  );
}
