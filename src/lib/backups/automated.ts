/**
 * `dbops backup run`: automated backups of an instance, following
 * runbooks/automated-backups.md (AB-1..AB-3). On the local provider dbops does what RDS
 * does by itself: WAL archiving on, the daily base backup in the backup window, pruning
 * after backupRetentionDays; then the archive's health and the restorable window. On AWS
 * RDS takes them: the command only reports the window.
 */
import type { Context } from '../context.js';
import { snapshotProvider } from '../snapshots/database.js';
import { plural } from '../output/format.js';
import type { DbopsConfig } from '../config/schema.js';
import type { AutomatedBackupRun, BackupReplicationRun, RestorableWindow } from '../providers/types.js';
import { type RunReport, runRunbook } from '../runbook/runner.js';
import { AUTOMATED_BACKUPS } from './runbooks.js';

export interface BackupRunResult {
  instanceId: string;
  dryRun: boolean;
  /** What the provider did (local); undefined on AWS, where RDS does it. */
  run?: AutomatedBackupRun;
  window?: RestorableWindow;
  /** Problems AB-3 found (a gap in the archive, a failing archive_command): exit 1. */
  problems: string[];
  note?: string;
  report?: RunReport;
}

/** The DR region the automated backups are replicated to, when snapshots.crossRegion.replicateAutomatedBackups is on. Pure. */
export function replicationRegion(config: DbopsConfig): string | undefined {
  const cr = config.snapshots.crossRegion;
  return cr.enabled && cr.replicateAutomatedBackups && cr.region !== config.region ? cr.region : undefined;
}

/** One phrase for AB-2's detail. Pure. */
export function describeReplication(r: BackupReplicationRun): string {
  const parts = [
    r.shippedBaseBackups.length > 0 ? `shipped ${r.shippedBaseBackups.join(', ')}` : '',
    r.shippedWalFiles > 0 ? `${plural(r.shippedWalFiles, 'WAL file')} shipped` : '',
    r.prunedBaseBackups.length > 0 ? `pruned ${r.prunedBaseBackups.join(', ')}` : '',
    r.prunedWalFiles > 0 ? `${plural(r.prunedWalFiles, 'WAL file')} pruned` : '',
    r.conflicts.length > 0
      ? `${plural(r.conflicts.length, 'file')} held with other contents, not overwritten: ${r.conflicts.join(', ')}`
      : '',
  ].filter((p) => p !== '');
  return `${r.region}: ${parts.length > 0 ? parts.join(', ') : 'up to date'}`;
}

/** The archive's problems, one sentence each. Pure. */
export function archiveProblems(w: RestorableWindow): string[] {
  const out: string[] = [];
  if (w.gap) out.push(`The WAL archive of ${w.instanceId} misses segment ${w.gap}: the restorable window stops before it.`);
  const a = w.archiver;
  if (a && a.failedCount > 0 && a.lastFailedAt && (!a.lastArchivedAt || a.lastFailedAt > a.lastArchivedAt)) {
    out.push(`The archive_command of ${w.instanceId} is failing (${a.failedCount} failures, last on ${a.lastFailedWal ?? '?'}).`);
  }
  return out;
}

export async function runAutomatedBackups(ctx: Context, input: { instanceId: string; force: boolean }): Promise<BackupRunResult> {
  // An Aurora cluster (local provider: its writer's base backups and WAL archive) is described as the cluster.
  const provider = await snapshotProvider(ctx, input.instanceId);
  const { value, report } = await runRunbook(AUTOMATED_BACKUPS, { out: ctx.out, clock: ctx.clock, signal: ctx.signal }, async (run) => {
    const id = input.instanceId;
    const instance = await run.step('AB-1', async (s) => {
      const inst = await provider.describeInstance(id);
      s.detail(`retention ${inst.backupRetentionDays} days, window ${inst.preferredBackupWindow ?? '-'}`);
      return inst;
    });
    if (!provider.runAutomatedBackups) {
      run.skip('AB-2', 'RDS takes automated backups itself');
      run.skip('AB-3', 'RDS reports LatestRestorableTime: dbops backup status');
      return {
        instanceId: id,
        dryRun: ctx.flags.dryRun,
        problems: [],
        note: `RDS takes the automated backups of ${id} itself (retention ${instance.backupRetentionDays} days); nothing to do.`,
      } satisfies BackupRunResult;
    }
    const did = await run.step('AB-2', async (s) => {
      const replicateTo = replicationRegion(ctx.config);
      const r = await provider.runAutomatedBackups!(id, {
        force: input.force,
        dryRun: ctx.flags.dryRun,
        ...(replicateTo ? { replicateTo } : {}),
      });
      const parts = [
        r.skipped ? `skipped: ${r.skipped}` : '',
        r.restarted ? 'restarted to turn archiving on' : '',
        r.snapshotId
          ? `${ctx.flags.dryRun ? 'would take' : 'took'} ${r.snapshotId}`
          : r.skipped
            ? ''
            : `not due (next ${r.nextDueAt?.toISOString() ?? '?'})`,
        r.prunedSnapshots.length > 0 ? `${ctx.flags.dryRun ? 'would prune' : 'pruned'} ${r.prunedSnapshots.join(', ')}` : '',
        r.prunedWalFiles > 0 ? `${plural(r.prunedWalFiles, 'WAL file')} pruned` : '',
        r.replication ? describeReplication(r.replication) : '',
        r.replicationStopped ? `replication to ${r.replicationStopped} stopped (the copies there are kept)` : '',
      ].filter((p) => p !== '');
      s.detail(parts.join('; '));
      return r;
    });
    const window = await run.step('AB-3', async (s) => {
      const w = await provider.restorableWindow!(id);
      s.detail(
        w.latestRestorableTime
          ? `restorable ${w.earliestRestorableTime?.toISOString()} to ${w.latestRestorableTime.toISOString()}`
          : 'no restorable window yet',
      );
      return w;
    });
    const conflicts = did.replication?.conflicts ?? [];
    const problems = [
      ...archiveProblems(window),
      ...(conflicts.length > 0
        ? [
            `The DR region ${did.replication!.region} holds ${plural(conflicts.length, 'WAL file')} of ${id} with other contents (${conflicts.join(', ')}): not overwritten.`,
          ]
        : []),
    ];
    return { instanceId: id, dryRun: ctx.flags.dryRun, run: did, window, problems } satisfies BackupRunResult;
  });
  return { ...value, report };
}

/**
 * "Taken when due by any dbops command that touches the instance": after a start, the
 * local provider takes the automated backup the instance missed while it was stopped.
 * Its failure is a warning, never the command's failure (cron's `backup run` retries).
 */
export async function automatedBackupIfDue(ctx: Context, instanceId: string): Promise<void> {
  const provider = await ctx.provider();
  if (!provider.runAutomatedBackups) return;
  try {
    const replicateTo = replicationRegion(ctx.config);
    const r = await provider.runAutomatedBackups(instanceId, { force: false, ...(replicateTo ? { replicateTo } : {}) });
    if (r.snapshotId) ctx.out.info(`Automated backup ${r.snapshotId} of ${instanceId} taken (it was due).`);
  } catch (e) {
    ctx.out.warn(
      `The automated backup of ${instanceId} that was due failed: ${e instanceof Error ? e.message : String(e)} (runbooks/automated-backups.md, AB-2).`,
    );
  }
}
