/**
 * `dbops backup status`: does the backup policy hold? Automated backup settings
 * (retention, window, latest restorable time), the newest manual snapshot and the newest
 * cross-region copy with their ages, the restore-test history, and every violation of the
 * policy. The judgement (`evaluateBackupStatus`) is a pure function of the facts, the
 * policy and `now`; the command exits 1 when there is a violation, so cron can alert.
 *
 * The local provider keeps automated backups like RDS (daily base backups + a WAL archive,
 * `dbops backup run`): its restorable window comes from the archive, and a gap in the
 * archive or a failing archive_command (pg_stat_archiver) is a violation naming its
 * response section in runbooks/backup-status.md.
 */
import { snapshotProvider } from './database.js';
import type { Context } from '../context.js';
import { type DrillHistoryLine, drillPolicy, readDrills } from '../drill/history.js';
import { readRestoreTests, type RestoreTestRecord } from '../history/restore-tests.js';
import { formatAge, plural } from '../output/format.js';
import { dbopsHome } from '../providers/index.js';
import { replicationRegion } from '../backups/automated.js';
import type { Instance, Provider, ProviderName, ReplicatedBackups, RestorableWindow, Snapshot } from '../providers/types.js';
import { defineFindings } from '../runbook/findings.js';
import { checkDrRegion, checkRegion } from './checks.js';
import { MAX_SNAPSHOT_AGE_DAYS, newestAvailable } from './policy.js';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** What backup status looks at, gathered from the provider and the history file. */
export interface BackupFacts {
  provider: ProviderName;
  instance: Pick<Instance, 'id' | 'region' | 'backupRetentionDays' | 'preferredBackupWindow' | 'latestRestorableTime' | 'createdAt'>;
  /** Manual snapshots of the instance in its region (any status; copies into it excluded by the caller or by class). */
  manualSnapshots: Snapshot[];
  /** Snapshots of the instance in the DR region; undefined when cross-region copies are off. */
  drSnapshots?: Snapshot[];
  drRegion?: string;
  /** Newest first. */
  restoreTests: RestoreTestRecord[];
  /** Local provider: its WAL archive and restorable window. */
  window?: RestorableWindow;
  /** The DR drill history, oldest first (absent: not read). */
  drills?: DrillHistoryLine[];
  /**
   * snapshots.crossRegion.replicateAutomatedBackups on: the DR region, and the replicated
   * automated backups found there (undefined: none). Absent: replication off.
   */
  replication?: { region: string; backups?: ReplicatedBackups };
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

/** Every kind of violation and its section in runbooks/backup-status.md (the coverage test checks both sides). */
export const BACKUP_FINDINGS = defineFindings('backup-status', {
  'no-recent-manual-snapshot': 'BS-R1',
  'no-recent-cross-region-copy': 'BS-R2',
  'backup-retention-below-policy': 'BS-R3',
  'restorable-time-older-than-rpo': 'BS-R4',
  'wal-archive-gap': 'BS-R5',
  'wal-archive-failing': 'BS-R6',
  'wal-archiving-off': 'BS-R7',
  'dr-drill-overdue': 'BS-R8',
  'backup-replication-gap': 'BS-R9',
});
export type ViolationCode = keyof typeof BACKUP_FINDINGS.sections;

export interface Violation {
  code: ViolationCode;
  message: string;
  /** Its response section: `runbooks/backup-status.md#BS-R1`. */
  runbook: string;
}

function violation(code: ViolationCode, message: string): Violation {
  return { code, message, runbook: BACKUP_FINDINGS.anchor(code) };
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
      /** Local provider: the oldest time a point-in-time restore reaches. */
      earliestRestorableTime?: Date;
      /** Hours between the latest restorable time and now. */
      restorableLagHours?: number;
      /** Local provider: the WAL archive's health. */
      archive?: ArchiveHealth;
      /** The automated backups replicated to the DR region (snapshots.crossRegion.replicateAutomatedBackups). */
      replicated?: ReplicatedWindow;
    }
  | { available: false; note: string };

/** The DR region's own restorable window, from the replicated automated backups. */
export interface ReplicatedWindow {
  region: string;
  /** undefined: nothing replicated there yet. */
  status?: string;
  earliestRestorableTime?: Date;
  latestRestorableTime?: Date;
  /** How far the DR region's latest restorable time trails the primary's, in seconds. */
  behindSeconds?: number;
  /** What the DR copy may trail by before it is a gap: archive_timeout (RDS: 300 s). */
  allowanceSeconds: number;
}

/** The WAL archive as `backup status` shows it (local provider). */
export interface ArchiveHealth {
  archiving: boolean;
  segments: number;
  bytes: number;
  lastArchivedWal?: string;
  lastArchivedAt?: Date;
  /** Age of the last archived segment, e.g. "3m". */
  lastArchivedAge?: string;
  failedCount?: number;
  lastFailedWal?: string;
  lastFailedAt?: Date;
  gap?: string;
  archiveTimeoutSeconds?: number;
  baseBackups: string[];
}

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
  return {
    id: s.id,
    region: s.region,
    createdAt: s.createdAt,
    ageHours: Math.round((ms / HOUR_MS) * 10) / 10,
    age: formatAge(s.createdAt, now),
  };
}

function snapshotViolation(
  code: ViolationCode,
  what: string,
  where: string,
  found: SnapshotSummary | null,
  maxDays: number,
  now: Date,
): Violation | undefined {
  if (found && now.getTime() - found.createdAt.getTime() <= maxDays * DAY_MS) return undefined;
  return violation(
    code,
    found
      ? `The newest ${what} in ${where} (${found.id}) is ${found.age} old: more than ${plural(maxDays, 'day')}.`
      : `There is no available ${what} in ${where}: the policy wants one at most ${plural(maxDays, 'day')} old.`,
  );
}

function archiveHealth(w: RestorableWindow, now: Date): ArchiveHealth {
  const a = w.archiver;
  return {
    archiving: w.archiving,
    segments: w.segments,
    bytes: w.bytes,
    baseBackups: w.baseBackups,
    ...(a?.lastArchivedWal ? { lastArchivedWal: a.lastArchivedWal } : {}),
    ...(a?.lastArchivedAt ? { lastArchivedAt: a.lastArchivedAt, lastArchivedAge: formatAge(a.lastArchivedAt, now) } : {}),
    ...(a ? { failedCount: a.failedCount } : {}),
    ...(a?.lastFailedWal ? { lastFailedWal: a.lastFailedWal } : {}),
    ...(a?.lastFailedAt ? { lastFailedAt: a.lastFailedAt } : {}),
    ...(w.gap ? { gap: w.gap } : {}),
    ...(w.archiveTimeoutSeconds ? { archiveTimeoutSeconds: w.archiveTimeoutSeconds } : {}),
  };
}

/** The DR region's window beside the primary's latest restorable time. Pure. */
export function replicatedWindow(
  replication: NonNullable<BackupFacts['replication']>,
  primaryLatest: Date | undefined,
  allowanceSeconds: number,
): ReplicatedWindow {
  const b = replication.backups;
  const latest = b?.latestRestorableTime;
  return {
    region: replication.region,
    allowanceSeconds,
    ...(b ? { status: b.status } : {}),
    ...(b?.earliestRestorableTime ? { earliestRestorableTime: b.earliestRestorableTime } : {}),
    ...(latest ? { latestRestorableTime: latest } : {}),
    ...(latest && primaryLatest ? { behindSeconds: Math.max(0, Math.round((primaryLatest.getTime() - latest.getTime()) / 1000)) } : {}),
  };
}

/** A DR copy that has nothing restorable, or trails the primary by more than the allowance. Pure. */
function replicationViolation(auto: AutomatedBackups, instanceId: string): Violation | undefined {
  if (!auto.available || !auto.replicated || auto.latestRestorableTime === undefined) return undefined;
  const r = auto.replicated;
  if (r.latestRestorableTime === undefined) {
    return violation(
      'backup-replication-gap',
      `The automated backups of ${instanceId} are replicated to ${r.region}, but nothing is restorable there${r.status ? ` (${r.status})` : ' yet'}: a regional disaster falls back to the newest copy.`,
    );
  }
  if (r.behindSeconds !== undefined && r.behindSeconds > r.allowanceSeconds) {
    return violation(
      'backup-replication-gap',
      `The replicated automated backups of ${instanceId} in ${r.region} trail the primary by ${formatSeconds(r.behindSeconds)} (allowance ${formatSeconds(r.allowanceSeconds)}): their latest restorable time is ${r.latestRestorableTime.toISOString()}.`,
    );
  }
  return undefined;
}

function formatSeconds(s: number): string {
  return s >= 3600 ? `${Math.round((s / 3600) * 10) / 10} h` : s >= 60 ? `${Math.round(s / 60)} min` : `${s} s`;
}

/** RDS uploads the transaction log every 5 minutes: the DR copy may trail by that much. */
const RDS_UPLOAD_SECONDS = 300;

function automatedOf(facts: BackupFacts, now: Date): AutomatedBackups {
  const w = facts.window;
  // No point-in-time recovery at all (a local mysql instance): say why rather than "none".
  if (w?.unsupported) return { available: false, note: `automated backups: none, ${w.unsupported}; snapshots are its only backups` };
  const lrt = w ? w.latestRestorableTime : facts.instance.latestRestorableTime;
  const allowance = w?.archiveTimeoutSeconds ?? RDS_UPLOAD_SECONDS;
  return {
    available: true,
    retentionDays: facts.instance.backupRetentionDays,
    window: facts.instance.preferredBackupWindow,
    latestRestorableTime: lrt,
    ...(w?.earliestRestorableTime ? { earliestRestorableTime: w.earliestRestorableTime } : {}),
    restorableLagHours: lrt === undefined ? undefined : Math.round(((now.getTime() - lrt.getTime()) / HOUR_MS) * 10) / 10,
    ...(w ? { archive: archiveHealth(w, now) } : {}),
    ...(facts.replication ? { replicated: replicatedWindow(facts.replication, lrt, allowance) } : {}),
  };
}

/** A failing archive_command: failures newer than the last success (pg_stat_archiver). Pure. */
function archiveFailing(a: ArchiveHealth): boolean {
  if (!a.failedCount || !a.lastFailedAt) return false;
  return !a.lastArchivedAt || a.lastFailedAt > a.lastArchivedAt;
}

function archiveViolations(auto: AutomatedBackups, instanceId: string): Violation[] {
  if (!auto.available || !auto.archive || auto.retentionDays === 0) return [];
  const a = auto.archive;
  const out: Violation[] = [];
  if (!a.archiving) {
    out.push(
      violation(
        'wal-archiving-off',
        `${instanceId} does not archive its WAL yet (archive_mode off): run \`dbops backup run --instance ${instanceId}\` (restarts it once).`,
      ),
    );
  }
  if (a.gap) {
    out.push(
      violation('wal-archive-gap', `The WAL archive of ${instanceId} misses segment ${a.gap}: the restorable window stops before it.`),
    );
  }
  if (archiveFailing(a)) {
    out.push(
      violation(
        'wal-archive-failing',
        `The archive_command of ${instanceId} is failing: ${a.failedCount} failure${a.failedCount === 1 ? '' : 's'}, last on ${a.lastFailedWal ?? '?'} at ${a.lastFailedAt!.toISOString()} (see its server log).`,
      ),
    );
  }
  return out;
}

/**
 * No latest restorable time yet, on an instance younger than the RPO: nothing older than the
 * RPO can be lost yet (RDS too has none until its first backup), so it is a note, not a violation.
 */
function youngWithoutBackup(auto: AutomatedBackups, policy: BackupPolicy, createdAt: Date | undefined, now: Date): number | undefined {
  if (!auto.available || auto.retentionDays === 0 || auto.restorableLagHours !== undefined || !createdAt) return undefined;
  const ageHours = (now.getTime() - createdAt.getTime()) / HOUR_MS;
  return ageHours >= 0 && ageHours < policy.rpoHours ? Math.round(ageHours * 10) / 10 : undefined;
}

function automatedViolations(
  auto: AutomatedBackups,
  policy: BackupPolicy,
  instanceId: string,
  youngHours: number | undefined,
): Violation[] {
  if (!auto.available) return [];
  const out: Violation[] = [];
  if (auto.retentionDays < policy.backupRetentionDays) {
    out.push(
      violation(
        'backup-retention-below-policy',
        auto.retentionDays === 0
          ? `Automated backups of ${instanceId} are off (retention 0 days); the policy wants ${plural(policy.backupRetentionDays, 'day')}.`
          : `Automated backups of ${instanceId} are kept ${plural(auto.retentionDays, 'day')}; the policy wants ${policy.backupRetentionDays}.`,
      ),
    );
  }
  if (auto.restorableLagHours === undefined) {
    if (youngHours === undefined)
      out.push(
        violation(
          'restorable-time-older-than-rpo',
          `${instanceId} has no latest restorable time: point-in-time recovery is not possible (RPO ${policy.rpoHours} h).`,
        ),
      );
  } else if (auto.restorableLagHours > policy.rpoHours) {
    out.push(
      violation(
        'restorable-time-older-than-rpo',
        `The latest restorable time of ${instanceId} is ${auto.restorableLagHours} h ago: older than the RPO of ${policy.rpoHours} h.`,
      ),
    );
  }
  return out;
}

function restoreTestNotes(tests: RestoreTestRecord[]): string[] {
  const newest = tests[0];
  if (!newest) return ['No restore test recorded yet: run `dbops restore-test` (the seeds ask for one a month).'];
  if (newest.verdict !== 'passed')
    return [
      `The newest restore test (${newest.startedAt}, run ${newest.runId}) ${newest.verdict === 'failed' ? 'failed' : `ended: ${newest.verdict}`}.`,
    ];
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
  return violation(
    'dr-drill-overdue',
    p.lastPassed
      ? `The last passing DR drill (${p.lastPassed.drillId}, ${p.lastPassed.startedAt}) is ${p.ageDays} days old: more than recovery.drillEveryDays (${everyDays}). Run \`dbops dr-drill\`.`
      : `No DR drill has passed (${drills.length} recorded): the policy wants one every ${everyDays} days. Run \`dbops dr-drill\`.`,
  );
}

/** The verdict on the facts. Pure: same facts, policy and now, same answer. */
export function evaluateBackupStatus(facts: BackupFacts, policy: BackupPolicy, now: Date): BackupStatus {
  const region = facts.instance.region;
  const manual = summary(newestAvailable(facts.manualSnapshots, { instanceId: facts.instance.id, class: 'manual' }), now);
  const copy = policy.crossRegionEnabled
    ? summary(newestAvailable(facts.drSnapshots ?? [], { instanceId: facts.instance.id, class: 'copy' }), now)
    : 'disabled';
  const automated = automatedOf(facts, now);
  const young = youngWithoutBackup(automated, policy, facts.instance.createdAt, now);
  const violations = [
    snapshotViolation('no-recent-manual-snapshot', 'manual snapshot', region, manual, policy.maxSnapshotAgeDays, now),
    copy === 'disabled'
      ? undefined
      : snapshotViolation(
          'no-recent-cross-region-copy',
          'cross-region copy',
          facts.drRegion ?? '(DR region)',
          copy,
          policy.maxSnapshotAgeDays,
          now,
        ),
    ...automatedViolations(automated, policy, facts.instance.id, young),
    ...archiveViolations(automated, facts.instance.id),
    drillViolation(facts.drills, policy.drillEveryDays, now),
    replicationViolation(automated, facts.instance.id),
  ].filter((v): v is Violation => v !== undefined);
  const notes = [
    ...(automated.available
      ? []
      : [
          `Retention and RPO checks: not applicable on the ${facts.provider} provider (no automated backups); the RPO of ${policy.rpoHours} h cannot be proven here.`,
        ]),
    ...(young !== undefined
      ? [
          `No latest restorable time yet: ${facts.instance.id} is ${young} h old, under the RPO of ${policy.rpoHours} h; its first automated backup (${facts.provider === 'local' ? '`dbops backup run`, cron' : 'RDS, in the backup window'}) starts the window.`,
        ]
      : []),
    ...(copy === 'disabled' ? ['Cross-region copies are off (snapshots.crossRegion.enabled: false).'] : []),
    ...restoreTestNotes(facts.restoreTests),
    ...(facts.drills && facts.drills.length === 0
      ? ['No DR drill recorded yet: run `dbops dr-drill` (the seeds ask for one a quarter).']
      : []),
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
      ? {
          drills: {
            count: facts.drills.length,
            ...lastPassedDrill(facts.drills, policy.drillEveryDays, now),
            everyDays: policy.drillEveryDays,
          },
        }
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

/** With replication on: the replicated automated backups in the DR region (DescribeDBInstanceAutomatedBackups there). */
export async function replicationFacts(ctx: Context, instanceId: string): Promise<BackupFacts['replication']> {
  const region = replicationRegion(ctx.config);
  if (!region) return undefined;
  const dr = (await ctx.provider()).forRegion(region);
  if (!dr.findReplicatedBackups) return undefined;
  const backups = await dr.findReplicatedBackups(instanceId);
  return { region, ...(backups ? { backups } : {}) };
}

/** Gathers the facts (instance, snapshots in both regions, restore-test history) and judges them. */
export async function backupStatus(ctx: Context, input: { instanceId: string }): Promise<BackupStatus> {
  const policy = backupPolicy(ctx);
  const drRegion = policy.crossRegionEnabled ? ctx.config.snapshots.crossRegion.region : undefined;
  if (drRegion) checkDrRegion(ctx.config.region, drRegion);
  else checkRegion(ctx.config.region);
  const provider = await snapshotProvider(ctx, input.instanceId);
  const instance = await provider.describeInstance(input.instanceId);
  const manualSnapshots = await provider.listSnapshots({ instanceId: input.instanceId, type: 'manual' });
  const drSnapshots = drRegion
    ? await provider.forRegion(drRegion).listSnapshots({ instanceId: input.instanceId, type: 'manual' })
    : undefined;
  const facts = await backupFactsOf(ctx, provider, instance, { manualSnapshots, drSnapshots, drRegion });
  const replication = await replicationFacts(ctx, input.instanceId);
  return evaluateBackupStatus({ ...facts, ...(replication ? { replication } : {}) }, policy, ctx.clock.now());
}

/**
 * The facts of one database once its snapshots are known: its restore tests and drills
 * (dbops' own history), and its restorable window where the provider computes one. The
 * caller lists the snapshots: of one database, or of a whole region at once for a fleet.
 */
export async function backupFactsOf(
  ctx: Pick<Context, 'env'>,
  provider: Provider,
  instance: Instance,
  snapshots: Pick<BackupFacts, 'manualSnapshots' | 'drSnapshots' | 'drRegion'>,
): Promise<BackupFacts> {
  const home = dbopsHome(ctx.env);
  const mine = (list: Snapshot[] | undefined) => list?.filter((s) => s.instanceId === instance.id);
  const restoreTests = await readRestoreTests(home, { provider: provider.name, instanceId: instance.id });
  const found = provider.restorableWindow ? await provider.restorableWindow(instance.id) : undefined;
  // No point-in-time recovery there at all (a local mysql instance): no archive to judge.
  const window = found?.unsupported ? undefined : found;
  const drills = await readDrills(home, { provider: provider.name, instanceId: instance.id });
  const drSnapshots = mine(snapshots.drSnapshots);
  return {
    provider: provider.name,
    instance,
    manualSnapshots: mine(snapshots.manualSnapshots) ?? [],
    ...(drSnapshots ? { drSnapshots } : {}),
    ...(snapshots.drRegion ? { drRegion: snapshots.drRegion } : {}),
    restoreTests,
    drills,
    ...(window ? { window } : {}),
  };
}
