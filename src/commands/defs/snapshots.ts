/** `dbops snapshot`, `dbops backup` and `dbops gc`: definitions only (handlers load lazily). */
import type { CommandDef } from '../types.js';

export const snapshot: CommandDef = {
  name: 'snapshot',
  summary: 'Manual snapshots, cross-region copies and their retention (runbook snapshots)',
  description: [
    "Manual snapshots are named <db>-manual-<UTC timestamp> and tagged dbops:managed=true. A cross-region copy keeps the snapshot's id in the DR region (snapshots.crossRegion.region) and carries its source's tags plus dbops:purpose=cross-region-copy. Retention (prune, run-policy): manual snapshots snapshots.manualRetentionWeeks weeks, copies snapshots.crossRegion.retentionWeeks weeks, always the newest snapshots.keepNewest per region, instance and class; automated backups and anything without dbops:managed=true are never touched. The global --region picks the region a command looks at.",
    'Local provider: a snapshot is a pg_basebackup tar, checked as it is taken and as it is copied, without extracting it (the checks of pg_verifybackup, the WAL by pg_waldump; local.snapshotVerifier: pg_verifybackup runs the tool itself afterwards); a region is a directory namespace.',
    'Exit codes: 1 = a snapshot is corrupt (local); 2 = bad input (unknown snapshot or region, DR region equal to the source, encrypted snapshot without a KMS key of the destination, not created by dbops, a prune that would delete every snapshot of an instance); 3 = retry later (snapshot still being created, AWS throttling after retries, snapshot quota reached, a deletion failed).',
  ].join('\n\n'),
  examples: [
    { command: 'dbops snapshot create --wait', description: 'snapshot the configured instance and wait for it' },
    { command: 'dbops snapshot list --region us-west-2', description: 'the copies in the DR region, newest first' },
    { command: 'dbops snapshot run-policy --yes', description: 'the weekly cron job: snapshot, copy, prune' },
    { command: 'dbops snapshot prune --dry-run', description: 'what retention would delete, and why' },
  ],
  subcommands: [
    {
      name: 'create',
      summary: 'Take a manual snapshot named <db>-manual-<UTC timestamp>',
      options: [
        { flags: '--instance <id>', description: 'instance to snapshot (default: database.identifier)' },
        { flags: '--wait', description: 'wait until the snapshot is available, with progress' },
      ],
      mutates: true,
      examples: [
        { command: 'dbops snapshot create', description: 'start a snapshot of the configured instance' },
        { command: 'dbops snapshot create --instance demo-db --wait', description: 'snapshot another instance and wait' },
      ],
      load: () => import('../snapshot.js').then((m) => m.create),
    },
    {
      name: 'list',
      summary: 'List snapshots, newest first: id, type, status, created, age, size, encrypted, engine, region, source',
      options: [
        { flags: '--instance <id>', description: 'only snapshots of this instance' },
        { flags: '--type <type>', description: 'manual, automated or all', default: 'all', choices: ['manual', 'automated', 'all'] },
      ],
      examples: [
        { command: 'dbops snapshot list --type manual', description: 'manual snapshots only' },
        { command: 'dbops snapshot list --region us-west-2 --json', description: 'cross-region copies in the DR region, as JSON' },
      ],
      load: () => import('../snapshot.js').then((m) => m.list),
    },
    {
      name: 'latest',
      summary: 'The newest available snapshot of an instance (exit 2 when there is none)',
      options: [
        { flags: '--instance <id>', description: 'instance (default: database.identifier)' },
        { flags: '--type <type>', description: 'manual, automated or all', default: 'all', choices: ['manual', 'automated', 'all'] },
      ],
      examples: [
        { command: 'dbops snapshot latest --type manual', description: 'the newest manual snapshot' },
        { command: 'dbops snapshot latest --region us-west-2 --json', description: 'the newest DR copy, as JSON' },
      ],
      load: () => import('../snapshot.js').then((m) => m.latest),
    },
    {
      name: 'copy',
      summary: 'Copy a snapshot to another region with its tags and wait for it (a no-op when the copy exists)',
      args: [{ syntax: '<id>', description: 'snapshot id in the current region' }],
      options: [
        { flags: '--to-region <region>', description: 'destination region (default: snapshots.crossRegion.region)' },
        { flags: '--kms-key <key>', description: 'KMS key ARN in the destination region, needed for an encrypted snapshot (default: snapshots.crossRegion.kmsKeyId)' },
      ],
      mutates: true,
      examples: [
        { command: 'dbops snapshot copy recipe-db-primary-manual-20261122-043005 --to-region us-west-2', description: 'copy to the DR region' },
        { command: 'dbops snapshot copy <id> --to-region us-west-2 --kms-key arn:aws:kms:us-west-2:123456789012:key/abcd', description: 'an encrypted snapshot' },
      ],
      load: () => import('../snapshot.js').then((m) => m.copy),
    },
    {
      name: 'delete',
      summary: 'Delete one manual snapshot dbops created (asks first; --yes in scripts)',
      args: [{ syntax: '<id>', description: 'snapshot id in the current region' }],
      mutates: true,
      examples: [
        { command: 'dbops snapshot delete <id> --dry-run', description: 'show what would be deleted' },
        { command: 'dbops snapshot delete <id> --region us-west-2 --yes', description: 'delete a DR copy without asking' },
      ],
      load: () => import('../snapshot.js').then((m) => m.remove),
    },
    {
      name: 'prune',
      summary: 'Delete dbops snapshots past retention in the config and DR regions (asks first; --dry-run says why)',
      options: [{ flags: '--instance <id>', description: 'only snapshots of this instance (default: all)' }],
      mutates: true,
      examples: [
        { command: 'dbops snapshot prune --dry-run', description: 'every snapshot, keep or delete, and why' },
        { command: 'dbops snapshot prune --yes --json', description: 'prune without asking, result as JSON' },
      ],
      load: () => import('../snapshot.js').then((m) => m.prune),
    },
    {
      name: 'run-policy',
      summary: 'The weekly job: snapshot, wait, copy to the DR region, wait, prune both regions (runbook snapshots; a rerun resumes)',
      options: [{ flags: '--instance <id>', description: 'instance (default: database.identifier)' }],
      mutates: true,
      examples: [
        { command: '0 5 * * sun dbops snapshot run-policy --yes --quiet', description: 'crontab: every Sunday 05:00' },
        { command: 'dbops snapshot run-policy --dry-run', description: 'check the policy and what a rerun would reuse' },
        { command: 'dbops snapshot run-policy --yes --json', description: 'the run report as JSON' },
      ],
      load: () => import('../snapshot.js').then((m) => m.runPolicy),
    },
  ],
};

export const backup: CommandDef = {
  name: 'backup',
  summary: 'Check that the backup policy holds',
  examples: [{ command: 'dbops backup status', description: 'settings, newest snapshot and copy, restore tests, violations' }],
  subcommands: [
    {
      name: 'status',
      summary: 'Automated backups, newest manual snapshot and DR copy, restore tests, and every policy violation (exit 1)',
      description:
        'Violations: no manual snapshot in 8 days; no cross-region copy in 8 days (when snapshots.crossRegion.enabled); automated backup retention below database.backupRetentionDays; latest restorable time older than recovery.rpoHours. Exit 1 on any violation, so cron can alert. The local provider has no automated backups: that is reported, not counted as a violation, and the snapshot checks still apply.',
      options: [{ flags: '--instance <id>', description: 'instance (default: database.identifier)' }],
      isDefault: true,
      examples: [
        { command: 'dbops backup status', description: 'the configured instance' },
        { command: '0 8 * * * dbops backup status --quiet || mail -s "backup policy violated" ops@example.com', description: 'cron: mail on a violation' },
        { command: 'dbops backup status --json', description: 'the status as JSON' },
      ],
      load: () => import('../backup.js').then((m) => m.status),
    },
  ],
};

export const gc: CommandDef = {
  name: 'gc',
  summary: 'Delete expired temporary instances and snapshots a crashed run left (dbops:expires-at in the past)',
  description:
    'Looks in the config region and snapshots.crossRegion.region for instances and snapshots tagged dbops:managed=true whose dbops:expires-at is past, and deletes them (instances without a final snapshot) after confirmation or --yes. Never touches anything without dbops:managed=true, nor an instance with deletion protection. Exit 3 when a deletion failed (the others still go).',
  mutates: true,
  examples: [
    { command: 'dbops gc --dry-run', description: 'list what has expired' },
    { command: 'dbops gc --yes', description: 'delete it without asking' },
  ],
  load: () => import('../gc.js').then((m) => m.gc),
};
