/**
 * The backup policy's decisions, as pure functions of (snapshots, policy, now): which
 * snapshot is of which class, which is the newest usable one, which a prune deletes and
 * why, and which a rerun of `run-policy` may reuse. No I/O here: the commands gather the
 * snapshots, these functions decide, and the tests pin every decision with a fixed clock.
 */
import { formatAge } from '../output/format.js';
import { TAG, type Snapshot, type SnapshotType } from '../providers/types.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const WEEK_MS = 7 * DAY_MS;

/** `dbops:purpose` of a manual snapshot the policy takes (`snapshot create`, `run-policy`). */
export const PURPOSE_MANUAL = 'manual';
/** `dbops:purpose` of a cross-region copy dbops made (`snapshot copy`, `run-policy`). */
export const PURPOSE_COPY = 'cross-region-copy';
/** `dbops:purpose` of the snapshot RDS takes as an instance is deleted (`provision destroy`, `instances delete`). */
export const PURPOSE_FINAL = 'final';
/** The purposes the retention policy manages; any other dbops snapshot (a final snapshot, a drill's) is left alone. */
export const POLICY_PURPOSES: readonly string[] = [PURPOSE_MANUAL, PURPOSE_COPY];

/**
 * A rerun of `run-policy` reuses a policy snapshot younger than this instead of taking
 * another: long enough to rerun a failed Sunday job the same day, short enough that next
 * week's run (7 days later) always takes a fresh one.
 */
export const RESUME_WINDOW_HOURS = 24;

/** "No manual snapshot (copy) in 8 days" is a violation: a weekly schedule plus one day of grace. */
export const MAX_SNAPSHOT_AGE_DAYS = 8;

/**
 * How the policy sees a snapshot: RDS' automated backups, a manual snapshot of an
 * instance in its own region, or a copy that came from another region.
 */
export type SnapshotClass = 'automated' | 'manual' | 'copy';

export function classOf(s: Snapshot): SnapshotClass {
  if (s.type === 'automated') return 'automated';
  if ((s.sourceRegion !== undefined && s.sourceRegion !== s.region) || s.tags[TAG.purpose] === PURPOSE_COPY) return 'copy';
  return 'manual';
}

/** Created by dbops: the tag proves it (design.md, Safety). */
export function isManaged(s: { tags: Record<string, string> }): boolean {
  return s.tags[TAG.managed] === 'true';
}

/** Milliseconds since creation; undefined without a creation time. */
export function ageMs(s: Snapshot, now: Date): number | undefined {
  return s.createdAt === undefined ? undefined : now.getTime() - s.createdAt.getTime();
}

/** Newest first; snapshots without a creation time last; ties by id (stable output). */
export function sortNewestFirst(snaps: Snapshot[]): Snapshot[] {
  return [...snaps].sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0) || a.id.localeCompare(b.id));
}

/** What `snapshot latest` and `backup status` look for. */
export interface LatestFilter {
  type?: SnapshotType | 'all';
  instanceId?: string;
  /** Only snapshots of this class (e.g. 'copy' for the newest cross-region copy). */
  class?: SnapshotClass;
}

/** The newest *available* snapshot that matches, or undefined. */
export function newestAvailable(snaps: Snapshot[], filter: LatestFilter = {}): Snapshot | undefined {
  return sortNewestFirst(snaps).find(
    (s) =>
      s.status === 'available' &&
      s.createdAt !== undefined &&
      (filter.type === undefined || filter.type === 'all' || s.type === filter.type) &&
      (filter.instanceId === undefined || s.instanceId === filter.instanceId) &&
      (filter.class === undefined || classOf(s) === filter.class),
  );
}

/** Retention from the config (`snapshots.*`), per class. */
export interface RetentionPolicy {
  /** snapshots.manualRetentionWeeks */
  manualRetentionWeeks: number;
  /** snapshots.crossRegion.retentionWeeks */
  copyRetentionWeeks: number;
  /** snapshots.keepNewest: per region, instance and class, whatever their age. */
  keepNewest: number;
}

export interface PruneDecision {
  id: string;
  region: string;
  instanceId: string;
  class: SnapshotClass;
  status: string;
  createdAt?: Date;
  action: 'keep' | 'delete';
  /** One line a DB engineer can check: why it goes or stays. */
  reason: string;
}

/** An instance whose every available snapshot in a region the plan would delete. */
export interface PruneRefusal {
  region: string;
  instanceId: string;
  count: number;
}

export interface PrunePlan {
  decisions: PruneDecision[];
  /** The decisions with action 'delete', oldest first. */
  deletes: PruneDecision[];
  /** Non-empty: the prune must not run at all. */
  refusals: PruneRefusal[];
}

/** Why a snapshot is outside the policy's reach, or undefined when the policy may judge it. */
function exemption(s: Snapshot): string | undefined {
  if (s.type === 'automated') return 'automated backup: RDS expires it after the backup retention period';
  if (!isManaged(s)) return `not created by dbops (no ${TAG.managed}=true): never touched`;
  if (s.tags[TAG.expiresAt] !== undefined) return `temporary (${TAG.expiresAt}=${s.tags[TAG.expiresAt]}): \`dbops gc\` removes it`;
  const purpose = s.tags[TAG.purpose];
  if (purpose === undefined || !POLICY_PURPOSES.includes(purpose)) {
    return `${TAG.purpose}=${purpose ?? '(none)'} is not under the retention policy`;
  }
  if (s.status !== 'available') return `status ${s.status}: only available snapshots are pruned`;
  if (s.createdAt === undefined) return 'no creation time: cannot tell its age';
  return undefined;
}

function retentionWeeks(cls: SnapshotClass, policy: RetentionPolicy): number {
  return cls === 'copy' ? policy.copyRetentionWeeks : policy.manualRetentionWeeks;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function judge(s: Snapshot, rank: number, policy: RetentionPolicy, now: Date): PruneDecision {
  const base = { id: s.id, region: s.region, instanceId: s.instanceId, class: classOf(s), status: s.status, createdAt: s.createdAt };
  const exempt = exemption(s);
  if (exempt) return { ...base, action: 'keep', reason: exempt };
  const age = formatAge(s.createdAt, now);
  if (rank < policy.keepNewest) {
    return {
      ...base,
      action: 'keep',
      reason: `one of the newest ${plural(policy.keepNewest, base.class + ' snapshot')} of ${s.instanceId} in ${s.region} (${age} old)`,
    };
  }
  const weeks = retentionWeeks(base.class, policy);
  return ageMs(s, now)! > weeks * WEEK_MS
    ? { ...base, action: 'delete', reason: `older than the ${plural(weeks, 'week')} ${base.class} retention (${age} old)` }
    : { ...base, action: 'keep', reason: `within the ${plural(weeks, 'week')} ${base.class} retention (${age} old)` };
}

/** Rank of each judgeable snapshot within its (region, instance, class) group, newest = 0. */
function ranks(snaps: Snapshot[]): Map<Snapshot, number> {
  const seen = new Map<string, number>();
  const out = new Map<Snapshot, number>();
  for (const s of sortNewestFirst(snaps)) {
    if (exemption(s)) continue;
    const key = `${s.region}\u0000${s.instanceId}\u0000${classOf(s)}`;
    const n = seen.get(key) ?? 0;
    out.set(s, n);
    seen.set(key, n + 1);
  }
  return out;
}

/** Instances (per region) whose every available snapshot, of any type, is in `deletes`. */
function refusalsOf(snaps: Snapshot[], deletes: PruneDecision[]): PruneRefusal[] {
  const key = (region: string, instanceId: string) => `${region}\u0000${instanceId}`;
  const doomed = new Set(deletes.map((d) => `${key(d.region, d.instanceId)}\u0000${d.id}`));
  const groups = new Map<string, Snapshot[]>();
  for (const s of snaps.filter((x) => x.status === 'available')) {
    const k = key(s.region, s.instanceId);
    groups.set(k, [...(groups.get(k) ?? []), s]);
  }
  const out: PruneRefusal[] = [];
  for (const group of groups.values()) {
    const first = group[0]!;
    if (group.every((s) => doomed.has(`${key(s.region, s.instanceId)}\u0000${s.id}`))) {
      out.push({ region: first.region, instanceId: first.instanceId, count: group.length });
    }
  }
  return out.sort((a, b) => a.region.localeCompare(b.region) || a.instanceId.localeCompare(b.instanceId));
}

/**
 * The retention decision for every snapshot given (any regions, instances, types):
 * automated ones, ones dbops did not create, temporary ones and ones outside the policy's
 * purposes are kept; of the rest, the newest `keepNewest` per region, instance and class
 * are kept, and the others go once older than their class's retention. A plan that would
 * leave an instance with no available snapshot in a region carries a refusal.
 */
export function planPrune(snaps: Snapshot[], policy: RetentionPolicy, now: Date): PrunePlan {
  const rank = ranks(snaps);
  const decisions = sortNewestFirst(snaps).map((s) => judge(s, rank.get(s) ?? 0, policy, now));
  const deletes = decisions.filter((d) => d.action === 'delete').reverse();
  return { decisions, deletes, refusals: refusalsOf(snaps, deletes) };
}

/**
 * The snapshot a rerun of `run-policy` continues with: the newest policy snapshot of the
 * instance in its own region, made by dbops less than RESUME_WINDOW_HOURS ago and not
 * failed (it may still be creating: the rerun waits for it).
 */
export function resumableSnapshot(snaps: Snapshot[], instanceId: string, now: Date): Snapshot | undefined {
  return sortNewestFirst(snaps).find((s) => {
    const age = ageMs(s, now);
    return (
      s.instanceId === instanceId &&
      classOf(s) === 'manual' &&
      isManaged(s) &&
      s.tags[TAG.purpose] === PURPOSE_MANUAL &&
      s.tags[TAG.expiresAt] === undefined &&
      !['failed', 'deleting', 'deleted'].includes(s.status) &&
      age !== undefined &&
      age >= 0 &&
      age < RESUME_WINDOW_HOURS * 60 * 60 * 1000
    );
  });
}

/** The id of a snapshot's copy in another region: the same id (RDS ids are per region), automated prefixes dropped. */
export function copyIdFor(sourceId: string): string {
  return sourceId.replace(/^(rds|awsbackup):/, '').replace(/[^a-zA-Z0-9-]/g, '-');
}

/** Whether `candidate` (in the target region) is a copy of `source`. */
export function isCopyOf(candidate: Snapshot, source: Snapshot): boolean {
  return (
    candidate.sourceSnapshotId === source.id ||
    candidate.sourceSnapshotId === source.arn ||
    candidate.tags[TAG.sourceSnapshot] === source.id
  );
}

/** The existing copy of `source` among the target region's snapshots: by lineage first, then by the id dbops would give it. */
export function existingCopy(targetSnaps: Snapshot[], source: Snapshot): Snapshot | undefined {
  const live = targetSnaps.filter((s) => !['deleting', 'deleted'].includes(s.status));
  return live.find((s) => isCopyOf(s, source)) ?? live.find((s) => s.id === copyIdFor(source.id));
}
