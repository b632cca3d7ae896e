import type { RunbookDef } from '../runbook/runner.js';

/** runbooks/automated-backups.md: `dbops backup run` (cron, daily or hourly). */
export const AUTOMATED_BACKUPS: RunbookDef = {
  name: 'automated-backups',
  title: 'Automated backups: WAL archiving, the daily base backup, retention',
  steps: [
    { id: 'AB-1', title: 'Check the instance and turn WAL archiving on' },
    { id: 'AB-2', title: 'Take the daily base backup when due, and prune after the retention' },
    { id: 'AB-3', title: 'Check the archive and the restorable window' },
  ],
};

/** runbooks/pitr.md: `dbops instances restore <source> --to <time> | --latest-restorable --target <id>`. */
export const PITR: RunbookDef = {
  name: 'pitr',
  title: 'Restore an instance to a point in time',
  steps: [
    { id: 'PR-1', title: 'Check the request against the restorable window' },
    { id: 'PR-2', title: 'Restore the base backup and replay the archived WAL to the target' },
    { id: 'PR-3', title: 'Wait until the new instance is available' },
    { id: 'PR-4', title: 'Check what the new instance holds' },
  ],
};
