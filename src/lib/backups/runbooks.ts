import { defineRunbook } from '../runbook/define.js';

/** runbooks/automated-backups.md: `dbops backup run` (cron, daily or hourly). */
export const AUTOMATED_BACKUPS = defineRunbook('automated-backups', 'Automated backups: WAL archiving, the daily base backup, retention', [
  'AB-1',
  'AB-2',
  'AB-3',
]);

/** runbooks/pitr.md: `dbops instances restore <source> --to <time> | --latest-restorable --target <id>`. */
export const PITR = defineRunbook('pitr', 'Restore an instance to a point in time', ['PR-1', 'PR-2', 'PR-3', 'PR-4']);
