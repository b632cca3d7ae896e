/**
 * `dbops snapshot copy <id> --to-region R`: a cross-region copy with its tags, waited
 * for with progress. On AWS, CopyDBSnapshot goes to the destination region's client and
 * names the source by ARN and SourceRegion; on the local provider the copy is checked in
 * the destination namespace before it counts: by dbops' streaming verifier as the files
 * are copied, or by pg_verifybackup after when local.snapshotVerifier is pg_verifybackup. A copy that
 * already exists there is a no-op that says so (a rerun after a failure just waits for it).
 */
import { providerForSnapshot } from './database.js';
import type { Context } from '../context.js';
import { ConflictError, EnvironmentError } from '../errors.js';
import { newRunId, runRunbook } from '../runbook/runner.js';
import { type Provider, type Snapshot, type Tags, TAG } from '../providers/types.js';
import { checkCopyable, checkDrRegion, copyKey, describeCopyKey, type CopyKey } from './checks.js';
import { PURPOSE_COPY, copyIdFor, existingCopy, isCopyOf } from './policy.js';
import { SNAPSHOT_COPY } from './runbooks.js';
import { waitAvailable } from './snapshots.js';

/** The tags of a cross-region copy: the source's are copied too (CopyTags); these say what it is. */
export function copyTags(source: Snapshot, runId: string): Tags {
  return {
    [TAG.managed]: 'true',
    [TAG.runId]: runId,
    [TAG.purpose]: PURPOSE_COPY,
    [TAG.sourceSnapshot]: source.id,
    [TAG.sourceInstance]: source.instanceId,
  };
}

export interface CopyInput {
  snapshotId: string;
  /** Default: snapshots.crossRegion.region. */
  toRegion?: string;
  /** Default: snapshots.crossRegion.kmsKeyId, else the destination's alias/aws/rds. */
  kmsKeyId?: string;
  runId?: string;
  /** Progress text (the runbook step's, or a spinner's). */
  update?: (text: string) => void;
}

export interface CopyResult {
  dryRun: boolean;
  sourceRegion: string;
  targetRegion: string;
  sourceSnapshotId: string;
  targetSnapshotId: string;
  /** The copy was there already (no new copy was requested). */
  alreadyExisted: boolean;
  copy?: Snapshot;
  waitedMs?: number;
  /** The key an encrypted source is copied with (absent for an unencrypted one). */
  kmsKey?: CopyKey;
}

/** What a copy would do, decided from the source and the destination's snapshots. Pure. */
export function copyPlan(source: Snapshot, targetSnaps: Snapshot[]): { targetSnapshotId: string; existing?: Snapshot } {
  const targetSnapshotId = copyIdFor(source.id);
  const existing = existingCopy(targetSnaps, source);
  if (existing && !isCopyOf(existing, source)) {
    throw new ConflictError(`A snapshot named ${existing.id} already exists in ${existing.region} and is not a copy of ${source.id}.`, {
      hint: `Look at it with \`dbops snapshot list --region ${existing.region}\`; delete or rename it, then copy again.`,
    });
  }
  if (existing?.status === 'failed') {
    throw new EnvironmentError(`The earlier copy ${existing.id} of ${source.id} in ${existing.region} failed.`, {
      hint: `Delete it (\`dbops snapshot delete ${existing.id} --region ${existing.region}\`), then copy again.`,
    });
  }
  return { targetSnapshotId: existing?.id ?? targetSnapshotId, existing };
}

/** Copies a snapshot of the provider's region into another region and waits for the copy. */
export async function copySnapshotToRegion(ctx: Context, input: CopyInput): Promise<CopyResult> {
  const provider = await providerForSnapshot(ctx, input.snapshotId);
  const targetRegion = input.toRegion ?? ctx.config.snapshots.crossRegion.region;
  checkDrRegion(provider.region, targetRegion);
  const source = await provider.describeSnapshot(input.snapshotId);
  return copyFrom(ctx, provider, source, { ...input, toRegion: targetRegion });
}

/** What a copy into `toRegion` needs, checked: the target id, an existing copy, the KMS key. */
export interface PreparedCopy {
  target: Provider;
  targetSnapshotId: string;
  existing?: Snapshot;
  /** Only for an encrypted source. */
  kmsKey?: CopyKey;
}

/** Checks the source (available, KMS key) and looks for an existing copy in the destination. */
export async function prepareCopy(
  ctx: Pick<Context, 'config'>,
  provider: Provider,
  source: Snapshot,
  toRegion: string,
  kmsKey?: string,
): Promise<PreparedCopy> {
  checkCopyable(source);
  const key = source.encrypted ? copyKey(kmsKey, ctx.config.snapshots.crossRegion.kmsKeyId, toRegion) : undefined;
  const target = provider.forRegion(toRegion);
  const { targetSnapshotId, existing } = copyPlan(source, await target.listSnapshots({ instanceId: source.instanceId, type: 'manual' }));
  return { target, targetSnapshotId, existing, ...(key ? { kmsKey: key } : {}) };
}

/** Sends the copy request (CopyDBSnapshot to the destination region on AWS); returns the copy as the destination sees it. */
export function requestCopy(provider: Provider, source: Snapshot, prepared: PreparedCopy, runId: string): Promise<Snapshot> {
  return provider.copySnapshot({
    snapshotId: source.id,
    targetRegion: prepared.target.region,
    targetSnapshotId: prepared.targetSnapshotId,
    ...(prepared.kmsKey ? { kmsKeyId: prepared.kmsKey.kmsKeyId } : {}),
    copyTags: true,
    tags: copyTags(source, runId),
  });
}

/** The copy of a snapshot already described: a no-op when it exists, else requested; then waited for. */
export async function copyFrom(
  ctx: Context,
  provider: Provider,
  source: Snapshot,
  input: CopyInput & { toRegion: string },
): Promise<CopyResult> {
  const prepared = await prepareCopy(ctx, provider, source, input.toRegion, input.kmsKeyId);
  const { existing, targetSnapshotId } = prepared;
  const base = {
    sourceRegion: provider.region,
    targetRegion: input.toRegion,
    sourceSnapshotId: source.id,
    targetSnapshotId,
    ...(prepared.kmsKey ? { kmsKey: prepared.kmsKey } : {}),
  };
  const update = input.update ?? (() => undefined);
  if (existing?.status === 'available') return { dryRun: ctx.flags.dryRun, ...base, alreadyExisted: true, copy: existing };
  if (ctx.flags.dryRun) return { dryRun: true, ...base, alreadyExisted: existing !== undefined, copy: existing };
  const t0 = performance.now();
  if (!existing) {
    update(prepared.kmsKey ? `requesting the copy, ${describeCopyKey(prepared.kmsKey, input.toRegion)}` : 'requesting the copy');
    await requestCopy(provider, source, prepared, input.runId ?? newRunId());
  } else {
    update(`already being copied (${existing.status})`);
  }
  const copy = await waitAvailable(ctx, prepared.target, targetSnapshotId, update);
  return { dryRun: false, ...base, alreadyExisted: existing !== undefined, copy, waitedMs: performance.now() - t0 };
}

/** `dbops snapshot copy`: the same, as step SN-10 of runbooks/snapshots.md (progress, errors and report name it). */
export async function copySnapshotCommand(ctx: Context, input: Omit<CopyInput, 'update'>): Promise<CopyResult> {
  const { value } = await runRunbook(SNAPSHOT_COPY, { out: ctx.out, clock: ctx.clock, signal: ctx.signal }, (run) =>
    run.step('SN-10', async (s) => {
      const result = await copySnapshotToRegion(ctx, { ...input, runId: run.runId, update: (text) => s.update(text) });
      s.detail(
        `${result.targetSnapshotId} in ${result.targetRegion}: ${result.dryRun ? 'dry run' : (result.copy?.status ?? 'requested')}${result.alreadyExisted ? ' (existed already)' : ''}`,
      );
      return result;
    }),
  );
  return value;
}
