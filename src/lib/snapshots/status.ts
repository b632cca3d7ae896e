/**
 * `dbops backup status`: does the backup policy hold? Automated backup settings
 * (retention, window, latest restorable time), the newest manual snapshot and the newest
 * cross-region copy with their ages, the restore-test history, and every violation of the
 * policy. The judgement (`evaluateBackupStatus`) is a pure function of the facts, the
 * policy and `now`; the command exits 1 when there is a violation, so cron can alert.
 *
 * The local provider has no automated backups: that is reported as such ("not available
 * on the local provider"), not as a violation, and the retention and RPO checks are
 * marked not applicable; the manual-snapshot and copy checks apply as on AWS.
 */
import type { Context } from '../context.js';
import { type DrillHistoryLine, drillPolicy, readDrills } from '../drill/history.js';
import { readRestoreTests, type RestoreTestRecord } from '../history/restore-tests.js';
import { formatAge, plural } from '../output/format.js';
import { dbopsHome } from '../providers/index.js';
import type { Instance, ProviderName, Snapshot } from '../providers/types.js';
import { checkDrRegion, checkRegion } from './checks.js';
import { MAX_SNAPSHOT_AGE_DAYS, newestAvailable } from './policy.js';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** What backup status looks at, gathered from the provider and the history file. */
export interface BackupFacts {
  provider: ProviderName;
  instance: Pick<Instance, 'id' | 'region' | 'backupRetentionDays' | 'preferredBackupWindow' | 'latestRestorableTime'>;
  /** Manual snapshots of the instance in its region (any status; copies into it excluded by the caller or by class). */
  manualSnapshots: Snapshot[];
  /** Snapshots of the instance in the DR region; undefined when cross-region copies are off. */
  drSnapshots?: Snapshot[];
  drRegion?: string;
  /** Newest first. */
  restoreTests: RestoreTestRecord[];
  /** The DR drill history, oldest first (absent: not read). */
  drills?: DrillHistoryLine[];
}

/** The policy from the config. */
export interface BackupPolicy {
  /** database.backupRetentionDays */
  backupRetentionDays: number;
  /** recovery.rpoHours */
  rpoHours: number;
  /** A manual snapshot and a copy must be younger than this (weekly + 1 day). */
  maxSnapshotAgeDays: number;
  crossRegionEnabled: boolean;
  /** recovery.drillEveryDays: the last passing DR drill must be younger. */
  drillEveryDays?: number;
}

export type ViolationCode =
  | 'no-recent-manual-snapshot'
  | 'no-recent-cross-region-copy'
  | 'backup-retention-below-policy'
  | 'restorable-time-older-than-rpo'
  | 'dr-drill-overdue';

export interface Violation {
  code: ViolationCode;
  message: string;
}

export interface SnapshotSummary {
  id: string;
  region: string;
  createdAt: Date;
  ageHours: number;
  age: string;
}

export type AutomatedBackups =
  | {
      available: true;
      retentionDays: number;
      window?: string;
      latestRestorableTime?: Date;
      /** Hours between the latest restorable time and now. */
      restorableLagHours?: number;
    }
  | { available: false; note: string };

export interface BackupStatus {
  instanceId: string;
  provider: ProviderName;
  region: string;
  checkedAt: Date;
  policy: BackupPolicy;
  automated: AutomatedBackups;
  newestManualSnapshot: SnapshotSummary | null;
  /** null: none found; 'disabled': snapshots.crossRegion.enabled is false. */
  newestCrossRegionCopy: SnapshotSummary | null | 'disabled';
  restoreTests: { count: number; newest?: RestoreTestRecord; lastPassed?: RestoreTestRecord; recent: RestoreTestRecord[] };
  drills?: { count: number; lastPassed?: DrillHistoryLine; everyDays: number };
  violations: Violation[];
  /** Worth knowing, not a violation (exit code unchanged). */
  notes: string[];
  ok: boolean;
}

function summary(s: Snapshot | undefined, now: Date): SnapshotSummary | null {
  if (!s?.createdAt) return null;
  const ms = now.getTime() - s.createdAt.getTime();
  return { id: s.id, region: s.region, createdAt: s.createdAt, ageHours: Math.round((ms / HOUR_MS) * 10) / 10, age: formatAge(s.createdAt, now) };
}

function snapshotViolation(code: ViolationCode, what: string, where: string, found: SnapshotSummary | null, maxDays: number, now: Date): Violation | undefined {
  if (found && now.getTime() - found.createdAt.getTime() <= maxDays * DAY_MS) return undefined;
  return {
    code,
    message: found
      ? `The newest ${what} in ${where} (${found.id}) is ${found.age} old: more than ${plural(maxDays, 'day')}.`
      : `There is no available ${what} in ${where}: the policy wants one at most ${plural(maxDays, 'day')} old.`,
  };
}

function automatedOf(facts: BackupFacts, now: Date): AutomatedBackups {
  if (facts.provider === 'local') {
    return { available: false, note: 'automated backups: not available on the local provider (it keeps no WAL archive); only snapshots protect the data' };
  }
  const lrt = facts.instance.latestRestorableTime;
  return {
    available: true,
    retentionDays: facts.instance.backupRetentionDays,
    window: facts.instance.preferredBackupWindow,
    latestRestorableTime: lrt,
    restorableLagHours: lrt === undefined ? undefined : Math.round(((now.getTime() - lrt.getTime()) / HOUR_MS) * 10) / 10,
  };
}

function automatedViolations(auto: AutomatedBackups, policy: BackupPolicy, instanceId: string): Violation[] {
  if (!auto.available) return [];
  const out: Violation[] = [];
  if (auto.retentionDays < policy.backupRetentionDays) {
    out.push({
      code: 'backup-retention-below-policy',
      message:
        auto.retentionDays === 0
          ? `Automated backups of ${instanceId} are off (retention 0 days); the policy wants ${plural(policy.backupRetentionDays, 'day')}.`
          : `Automated backups of ${instanceId} are kept ${plural(auto.retentionDays, 'day')}; the policy wants ${policy.backupRetentionDays}.`,
    });
  }
  if (auto.restorableLagHours === undefined) {
    out.push({ code: 'restorable-time-older-than-rpo', message: `${instanceId} has no latest restorable time: point-in-time recovery is not possible (RPO ${policy.rpoHours} h).` });
  } else if (auto.restorableLagHours > policy.rpoHours) {
    out.push({
      code: 'restorable-time-older-than-rpo',
      message: `The latest restorable time of ${instanceId} is ${auto.restorableLagHours} h ago: older than the RPO of ${policy.rpoHours} h.`,
    });
  }
  return out;
}

function restoreTestNotes(tests: RestoreTestRecord[]): string[] {
  const newest = tests[0];
  if (!newest) return ['No restore test recorded yet: run `dbops restore-test` (the seeds ask for one a month).'];
  if (newest.verdict !== 'passed') return [`The newest restore test (${newest.startedAt}, run ${newest.runId}) ${newest.verdict === 'failed' ? 'failed' : `ended: ${newest.verdict}`}.`];
  return [];
}

function lastPassedDrill(drills: DrillHistoryLine[], everyDays: number, now: Date): { lastPassed?: DrillHistoryLine } {
  const { lastPassed } = drillPolicy(drills, everyDays, now);
  return lastPassed ? { lastPassed } : {};
}

/** Drills recorded, and none passed within recovery.drillEveryDays: a violation. */
function drillViolation(drills: DrillHistoryLine[] | undefined, everyDays: number | undefined, now: Date): Violation | undefined {
  if (!drills || everyDays === undefined) return undefined;
  const p = drillPolicy(drills, everyDays, now);
  if (!p.overdue) return undefined;
  return {
    code: 'dr-drill-overdue',
    message: p.lastPassed
      ? `The last passing DR drill (${p.lastPassed.drillId}, ${p.lastPassed.startedAt}) is ${p.ageDays} days old: more than recovery.drillEveryDays (${everyDays}). Run \`dbops dr-drill\`.`
      : `No DR drill has passed (${drills.length} recorded): the policy wants one every ${everyDays} days. Run \`dbops dr-drill\`.`,
  };
}

/** The verdict on the facts. Pure: same facts, policy and now, same answer. */
export function evaluateBackupStatus(facts: BackupFacts, policy: BackupPolicy, now: Date): BackupStatus {
  const region = facts.instance.region;
  const manual = summary(newestAvailable(facts.manualSnapshots, { instanceId: facts.instance.id, class: 'manual' }), now);
  const copy = policy.crossRegionEnabled
    ? summary(newestAvailable(facts.drSnapshots ?? [], { instanceId: facts.instance.id, class: 'copy' }), now)
    : 'disabled';
  const automated = automatedOf(facts, now);
  const violations = [
    snapshotViolation('no-recent-manual-snapshot', 'manual snapshot', region, manual, policy.maxSnapshotAgeDays, now),
    copy === 'disabled'
      ? undefined
      : snapshotViolation('no-recent-cross-region-copy', 'cross-region copy', facts.drRegion ?? '(DR region)', copy, policy.maxSnapshotAgeDays, now),
    ...automatedViolations(automated, policy, facts.instance.id),
    drillViolation(facts.drills, policy.drillEveryDays, now),
  ].filter((v): v is Violation => v !== undefined);
  const notes = [
    ...(automated.available ? [] : [`Retention and RPO checks: not applicable on the ${facts.provider} provider (no automated backups); the RPO of ${policy.rpoHours} h cannot be proven here.`]),
    ...(copy === 'disabled' ? ['Cross-region copies are off (snapshots.crossRegion.enabled: false).'] : []),
    ...restoreTestNotes(facts.restoreTests),
    ...(facts.drills && facts.drills.length === 0 ? ['No DR drill recorded yet: run `dbops dr-drill` (the seeds ask for one a quarter).'] : []),
  ];
  return {
    instanceId: facts.instance.id,
    provider: facts.provider,
    region,
    checkedAt: now,
    policy,
    automated,
    newestManualSnapshot: manual,
    newestCrossRegionCopy: copy,
    restoreTests: {
      count: facts.restoreTests.length,
      newest: facts.restoreTests[0],
      lastPassed: facts.restoreTests.find((t) => t.verdict === 'passed'),
      recent: facts.restoreTests.slice(0, 5),
    },
    ...(facts.drills && policy.drillEveryDays !== undefined
      ? { drills: { count: facts.drills.length, ...lastPassedDrill(facts.drills, policy.drillEveryDays, now), everyDays: policy.drillEveryDays } }
      : {}),
    violations,
    notes,
    ok: violations.length === 0,
  };
}

export function backupPolicy(ctx: Pick<Context, 'config'>): BackupPolicy {
  return {
    backupRetentionDays: ctx.config.database.backupRetentionDays,
    rpoHours: ctx.config.recovery.rpoHours,
    maxSnapshotAgeDays: MAX_SNAPSHOT_AGE_DAYS,
    crossRegionEnabled: ctx.config.snapshots.crossRegion.enabled,
    drillEveryDays: ctx.config.recovery.drillEveryDays,
  };
}

/** Gathers the facts (instance, snapshots in both regions, restore-test history) and judges them. */
export async function backupStatus(ctx: Context, input: { instanceId: string }): Promise<BackupStatus> {
  const policy = backupPolicy(ctx);
  const drRegion = policy.crossRegionEnabled ? ctx.config.snapshots.crossRegion.region : undefined;
  if (drRegion) checkDrRegion(ctx.config.region, drRegion);
  else checkRegion(ctx.config.region);
  const provider = await ctx.provider();
  const instance = await provider.describeInstance(input.instanceId);
  const manualSnapshots = await provider.listSnapshots({ instanceId: input.instanceId, type: 'manual' });
  const drSnapshots = drRegion ? await provider.forRegion(drRegion).listSnapshots({ instanceId: input.instanceId, type: 'manual' }) : undefined;
  const restoreTests = await readRestoreTests(dbopsHome(ctx.env), { provider: provider.name, instanceId: input.instanceId });
  const drills = await readDrills(dbopsHome(ctx.env), { provider: provider.name, instanceId: input.instanceId });
  return evaluateBackupStatus(
    { provider: provider.name, instance, manualSnapshots, drSnapshots, drRegion, restoreTests, drills },
    policy,
    ctx.clock.now(),
  );
}
