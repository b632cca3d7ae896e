import { runAutomatedBackups, type BackupRunResult } from '../lib/backups/automated.js';
import { Chalk } from 'chalk';
import { ExitCode } from '../lib/errors.js';
import { fleetBackupStatus } from '../lib/fleet/backup-status.js';
import { renderFleetRun } from '../lib/fleet/render.js';
import { fleetRequest, isFleetRun } from './fleet-options.js';
import { plural } from '../lib/output/format.js';
import { renderReport } from '../lib/runbook/render.js';
import { renderBackupStatus } from '../lib/snapshots/render.js';
import { backupStatus } from '../lib/snapshots/status.js';
import * as def from './backup.js';
import { handler } from './define.js';

/** `dbops backup status`: exit 1 on a violation of the backup policy (rendered first), so cron can alert. */
export const status = handler(def.status, async (ctx, { opts }) => {
  if (isFleetRun(opts)) {
    const fleet = await fleetBackupStatus(ctx, fleetRequest(ctx, opts), {
      concurrency: opts.concurrency,
      reportDir: opts.reportDir,
      renderReport: (r) => renderBackupStatus(r, new Chalk({ level: 0 })),
    });
    ctx.out.result(fleet, renderFleetRun);
    if (fleet.interrupted) throw fleet.interrupted;
    return fleet.exitCode;
  }
  const result = await backupStatus(ctx, { instanceId: opts.instance ?? ctx.config.database.identifier });
  ctx.out.result(result, renderBackupStatus);
  return result.ok ? undefined : ExitCode.checksFailed;
});

function renderRun(r: BackupRunResult, c: import('chalk').ChalkInstance): string {
  const lines = [renderReport(r.report!, c)];
  if (r.note) lines.push('', r.note);
  const w = r.window;
  if (w) {
    lines.push(
      '',
      w.latestRestorableTime
        ? `Restorable: ${w.earliestRestorableTime?.toISOString()} to ${w.latestRestorableTime.toISOString()} (${plural(w.baseBackups.length, 'base backup')}, ${plural(w.segments, 'WAL file')}).`
        : 'Restorable: nothing yet (no base backup the archive continues).',
    );
  }
  for (const p of r.problems) lines.push(c.red(`✖ ${p}`) + ' (runbooks/automated-backups.md, AB-3)');
  return lines.join('\n');
}

/** `dbops backup run`: exit 1 when the archive has a gap or archive_command fails. */
export const run = handler(def.run, async (ctx, { opts }) => {
  const result = await runAutomatedBackups(ctx, { instanceId: opts.instance ?? ctx.config.database.identifier, force: opts.force });
  ctx.out.result(result, renderRun);
  return result.problems.length === 0 ? undefined : ExitCode.checksFailed;
});
