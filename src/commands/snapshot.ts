/** `dbops snapshot create|list|latest|copy|delete|prune|run-policy`: the definitions (handlers: snapshot.run.ts, loaded lazily). */
import { arg, defineCommand, defineGroup, examples, type Lazy, opt } from './define.js';
import { fleetRunOptions } from './fleet-options.js';

const SNAPSHOT_TYPES = ['manual', 'automated', 'all'] as const;

export const create = defineCommand({
  name: 'create',
  runbook: 'snapshots',
  summary: 'Take a manual snapshot named <db>-manual-<UTC timestamp> (or --id)',
  description:
    'The default id is <db>-manual-<UTC timestamp>; runs in the same second get -2, -3 … so ids stay unique. With --wait, Ctrl-C stops the waiting, not the snapshot: dbops says whether it is available already or still being created.',
  options: {
    instance: opt.string('--instance <id>', 'instance to snapshot (default: database.identifier)'),
    id: opt.string('--id <snapshot-id>', 'the snapshot identifier (default: <db>-manual-<UTC timestamp>); an existing one is exit 2'),
    wait: opt.flag('--wait', 'wait until the snapshot is available, with progress'),
  },
  mutates: true,
  examples: examples(`
    $ dbops snapshot create                                      # start a snapshot of the configured instance
    $ dbops snapshot create --instance demo-db --wait            # snapshot another instance and wait
    $ dbops snapshot create --id demo-db-before-upgrade --wait   # a snapshot with a name of your choice
  `),
  load: (): Lazy => import('./snapshot.run.js').then((m) => m.create),
});

export const list = defineCommand({
  name: 'list',
  summary: 'List snapshots, newest first: id, type, status, created, age, size, encrypted, engine, region, source',
  options: {
    instance: opt.string('--instance <id>', 'only snapshots of this instance'),
    type: opt.choice('--type <type>', 'manual, automated or all', SNAPSHOT_TYPES, { default: 'all' }),
  },
  examples: examples(`
    $ dbops snapshot list --type manual               # manual snapshots only
    $ dbops snapshot list --region us-west-2 --json   # cross-region copies in the DR region, as JSON
  `),
  load: (): Lazy => import('./snapshot.run.js').then((m) => m.list),
});

export const latest = defineCommand({
  name: 'latest',
  summary: 'The newest available snapshot of an instance (exit 2 when there is none)',
  options: {
    instance: opt.string('--instance <id>', 'instance (default: database.identifier)'),
    type: opt.choice('--type <type>', 'manual, automated or all', SNAPSHOT_TYPES, { default: 'all' }),
  },
  examples: examples(`
    $ dbops snapshot latest --type manual               # the newest manual snapshot
    $ dbops snapshot latest --region us-west-2 --json   # the newest DR copy, as JSON
  `),
  load: (): Lazy => import('./snapshot.run.js').then((m) => m.latest),
});

export const copy = defineCommand({
  name: 'copy',
  runbook: 'snapshots',
  summary: 'Copy a snapshot to another region with its tags and wait for it (a no-op when the copy exists)',
  args: { id: arg('<id>', 'snapshot id in the current region') },
  options: {
    toRegion: opt.string('--to-region <region>', 'destination region (default: snapshots.crossRegion.region)'),
    kmsKey: opt.string(
      '--kms-key <key>',
      "KMS key (ARN, id or alias) in the destination region for an encrypted snapshot (default: snapshots.crossRegion.kmsKeyId, else the destination's alias/aws/rds)",
    ),
  },
  mutates: true,
  examples: examples(`
    $ dbops snapshot copy recipe-db-primary-manual-20261122-043005 --to-region us-west-2                     # copy to the DR region
    $ dbops snapshot copy <id> --to-region us-west-2 --kms-key arn:aws:kms:us-west-2:123456789012:key/abcd   # an encrypted snapshot with a key of your own (without one: alias/aws/rds of us-west-2)
  `),
  load: (): Lazy => import('./snapshot.run.js').then((m) => m.copy),
});

export const remove = defineCommand({
  name: 'delete',
  runbook: 'snapshots',
  summary: 'Delete one manual snapshot dbops created (asks first; --yes in scripts)',
  args: { id: arg('<id>', 'snapshot id in the current region') },
  mutates: true,
  examples: examples(`
    $ dbops snapshot delete <id> --dry-run                  # show what would be deleted
    $ dbops snapshot delete <id> --region us-west-2 --yes   # delete a DR copy without asking
  `),
  load: (): Lazy => import('./snapshot.run.js').then((m) => m.remove),
});

export const prune = defineCommand({
  name: 'prune',
  runbook: 'snapshots',
  summary: 'Delete dbops snapshots past retention in the config and DR regions (asks first; --dry-run says why)',
  options: { instance: opt.string('--instance <id>', 'only snapshots of this instance (default: all)') },
  mutates: true,
  examples: examples(`
    $ dbops snapshot prune --dry-run      # every snapshot, keep or delete, and why
    $ dbops snapshot prune --yes --json   # prune without asking, result as JSON
  `),
  load: (): Lazy => import('./snapshot.run.js').then((m) => m.prune),
});

export const runPolicy = defineCommand({
  name: 'run-policy',
  runbook: 'snapshots',
  summary: 'The weekly job: snapshot, wait, copy to the DR region, wait, prune both regions (runbook snapshots; a rerun resumes)',
  description:
    'Snapshot, wait, copy to the DR region, wait, prune both regions (runbooks/snapshots.md, SN-1 .. SN-7); a rerun resumes: a policy snapshot younger than 24 h and an existing copy are reused.',
  fleet:
    "With --all or --select (docs/fleet.md): every dbops-managed database of the fleet (the others are left alone and say so), --concurrency at a time, after one confirmation that says how many; within the account's quotas: at most 5 cross-region copies in flight per destination region (the others wait for a slot), 100 manual snapshots per region (a warning at 90 %, a refusal with the reason past it: that database's row, exit 3). One summary row per database, each run's report under --report-dir.",
  options: { instance: opt.string('--instance <id>', 'instance (default: database.identifier)'), ...fleetRunOptions },
  mutates: true,
  examples: examples(`
    $ 0 5 * * sun dbops snapshot run-policy --yes --quiet     # crontab: every Sunday 05:00
    $ dbops snapshot run-policy --dry-run                     # check the policy and what a rerun would reuse
    $ dbops snapshot run-policy --yes --json                  # the run report as JSON
    $ dbops snapshot run-policy --all --yes --concurrency 8   # every dbops-managed database of the fleet, copies queued 5 per region
  `),
  load: (): Lazy => import('./snapshot.run.js').then((m) => m.runPolicy),
});

export const snapshot = defineGroup({
  name: 'snapshot',
  runbook: 'snapshots',
  summary: 'Manual snapshots, cross-region copies and their retention (runbook snapshots)',
  description: [
    "Manual snapshots are named <db>-manual-<UTC timestamp> and tagged dbops:managed=true. A cross-region copy keeps the snapshot's id in the DR region (snapshots.crossRegion.region) and carries its source's tags plus dbops:purpose=cross-region-copy. Retention (prune, run-policy): manual snapshots snapshots.manualRetentionWeeks weeks, copies snapshots.crossRegion.retentionWeeks weeks, always the newest snapshots.keepNewest per region, instance and class; automated backups and anything without dbops:managed=true are never touched. The global --region picks the region a command looks at.",
    'Local provider: a snapshot is a pg_basebackup tar, checked as it is taken and as it is copied, without extracting it (the checks of pg_verifybackup, the WAL by pg_waldump; local.snapshotVerifier: pg_verifybackup runs the tool itself afterwards); a region is a directory namespace.',
    'Exit codes: 1 = a snapshot is corrupt (local); 2 = bad input (unknown snapshot or region, DR region equal to the source, a KMS key ARN of another region than the destination, not created by dbops, a prune that would delete every snapshot of an instance); 3 = retry later (snapshot still being created, AWS throttling after retries, snapshot quota reached, a deletion failed).',
  ].join('\n\n'),
  examples: examples(`
    $ dbops snapshot create --wait             # snapshot the configured instance and wait for it
    $ dbops snapshot list --region us-west-2   # the copies in the DR region, newest first
    $ dbops snapshot run-policy --yes          # the weekly cron job: snapshot, copy, prune
    $ dbops snapshot prune --dry-run           # what retention would delete, and why
  `),
  subcommands: [create, list, latest, copy, remove, prune, runPolicy],
});
