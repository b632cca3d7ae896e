/** `dbops backup status`: the definition (handler: backup.run.ts, loaded lazily). */
import { defineCommand, defineGroup, opt, type Lazy } from './define.js';

export const status = defineCommand({
  name: 'status',
  runbook: 'backup-status',
  summary: 'Automated backups, newest manual snapshot and DR copy, restore tests, and every policy violation (exit 1)',
  description:
    'Violations: no manual snapshot in 8 days; no cross-region copy in 8 days (when snapshots.crossRegion.enabled); automated backup retention below database.backupRetentionDays; latest restorable time older than recovery.rpoHours. Exit 1 on any violation, so cron can alert. The local provider has no automated backups: that is reported, not counted as a violation, and the snapshot checks still apply.',
  options: { instance: opt.string('--instance <id>', 'instance (default: database.identifier)') },
  isDefault: true,
  examples: [
    { command: 'dbops backup status', description: 'the configured instance' },
    { command: '0 8 * * * dbops backup status --quiet || mail -s "backup policy violated" ops@example.com', description: 'cron: mail on a violation' },
    { command: 'dbops backup status --json', description: 'the status as JSON' },
  ],
  load: (): Lazy => import('./backup.run.js').then((m) => m.status),
});

export const backup = defineGroup({
  name: 'backup',
  runbook: 'backup-status',
  summary: 'Check that the backup policy holds',
  examples: [{ command: 'dbops backup status', description: 'settings, newest snapshot and copy, restore tests, violations' }],
  subcommands: [status],
});
