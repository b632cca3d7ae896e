/** `dbops backup status`: the definition (handler: backup.run.ts, loaded lazily). */
import { defineCommand, defineGroup, opt, type Lazy, examples } from './define.js';
import { fleetRunOptions } from './fleet-options.js';

export const status = defineCommand({
  name: 'status',
  runbook: 'backup-status',
  summary: 'Automated backups, newest manual snapshot and DR copy, restore tests, and every policy violation (exit 1)',
  description:
    'Violations: no manual snapshot in 8 days; no cross-region copy in 8 days (when snapshots.crossRegion.enabled); automated backup retention below database.backupRetentionDays; latest restorable time older than recovery.rpoHours; on the local provider also WAL archiving off, a segment missing from the WAL archive, or a failing archive_command (pg_stat_archiver), each naming its section in runbooks/backup-status.md (BS-R5..R7); a DR drill overdue (BS-R8); with snapshots.crossRegion.replicateAutomatedBackups, replicated backups with nothing restorable in the DR region or trailing the primary by more than archive_timeout (BS-R9). Shows the earliest and latest restorable times, the own window of the DR region when replicated, and the archive (last archived segment, its age, failures). Exit 1 on any violation, so cron can alert.',
  options: { instance: opt.string('--instance <id>', 'instance (default: database.identifier)'), ...fleetRunOptions },
  isDefault: true,
  examples: examples(`
    $ dbops backup status                                                                         # the configured instance
    $ 0 8 * * * dbops backup status --quiet || mail -s "backup policy violated" ops@example.com   # cron: mail on a violation
    $ dbops backup status --json                                                                  # the status as JSON
    $ dbops backup status --json | jq .automated.replicated                                       # the DR region's restorable window and its lag
    $ dbops backup status --all --report-dir reports/                                             # every database of the fleet, one summary table
  `),
  load: (): Lazy => import('./backup.run.js').then((m) => m.status),
});

export const run = defineCommand({
  name: 'run',
  dueBackup: false,
  runbook: 'automated-backups',
  summary: 'Automated backups (runbook automated-backups): WAL archiving on, the daily base backup when due, pruning after the retention',
  description:
    'Local provider: turns WAL archiving on for an instance with backupRetentionDays > 0 (a one-time restart when archive_mode was off), takes the daily automated base backup once the backup window (database.backupWindow, UTC) has opened and none was taken since, deletes automated backups and archived WAL the retention no longer needs (manual snapshots carry their own WAL and are never touched), then checks the archive. With snapshots.crossRegion.replicateAutomatedBackups it also ships the base backups and WAL to the DR region (verified, never overwriting a different file) and prunes there by the retention. Run it from cron, e.g. hourly; any other command that touches the configured database starts a due one in the background. Exit 1 when the archive has a gap, archive_command fails, or the DR region holds a different file under a WAL name. AWS: RDS does all this itself (provision apply starts the cross-region replication); the command says so.',
  options: {
    instance: opt.string('--instance <id>', 'instance (default: database.identifier)'),
    force: opt.flag('--force', 'take an automated backup now even if one was taken since the window opened'),
  },
  mutates: true,
  examples: examples(`
    $ 15 * * * * dbops backup run --quiet           # cron: hourly; the backup is taken in the first run after the window opens
    $ dbops backup run --instance demo-db --force   # an automated backup now
    $ dbops backup run --dry-run                    # what would be taken and pruned
    $ DBOPS_SNAPSHOTS__CROSS_REGION__REPLICATE_AUTOMATED_BACKUPS=true dbops backup run   # also ship base backups and WAL to the DR region
  `),
  load: (): Lazy => import('./backup.run.js').then((m) => m.run),
});

export const backup = defineGroup({
  name: 'backup',
  runbook: 'backup-status',
  summary: 'Automated backups (WAL archive, daily base backup) and whether the backup policy holds',
  examples: examples(`
    $ dbops backup status   # settings, restorable window, WAL archive, newest snapshot and copy, restore tests, violations
    $ dbops backup run      # local provider: archiving on, daily automated backup when due, pruning
  `),
  subcommands: [status, run],
});
