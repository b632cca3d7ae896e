/** `dbops dr-drill`: the definitions (handlers: dr-drill.run.ts, loaded lazily). */
import { arg, defineCommand, defineGroup, opt, type Lazy, examples } from './define.js';
import { fleetRunOptions } from './fleet-options.js';

export const run = defineCommand({
  name: 'run',
  runbook: 'dr-drill',
  summary:
    'Recover production as a disaster would force, in a temporary instance; measure RTO and RPO; write the evidence (runbook dr-drill)',
  description: [
    'Follows runbooks/dr-drill.md (DR-1 .. DR-17). --scenario region (default): the primary region is lost; recover from the automated backups replicated to snapshots.crossRegion.region (to their latest restorable time: snapshots.crossRegion.replicateAutomatedBackups) or else from the newest copy there (the report says which) into a temporary instance <db>-dr-<run-id> there (recovery.drSubnetGroup, recovery.drSecurityGroupIds, not publicly accessible, tagged dbops:purpose=dr-drill and dbops:expires-at). --scenario instance: point-in-time restore to the latest restorable time in the primary region. --scenario replica: a throwaway primary from the newest backup and a throwaway replica of it, then the failover of `dbops failover` with its write probe on that copy. Production is never changed: the source is read in a read-only session.',
    "An Aurora Serverless v2 source (database.engine aurora-postgresql) recovers as a temporary cluster and its db.serverless writer (DR-18, DR-19; the RTO phases cluster and writer), deleted writer first, then cluster (DR-20): region from the newest cluster snapshot copy in the DR region, instance to the cluster's latest restorable time; the replica scenario is refused (a cluster fails over to its own reader: `dbops failover`). See docs/aurora.md.",
    'The restore-test checks run on the recovery against the source; a comparison that cannot be made (source unreachable) is "could not verify" and fails the drill. RTO: T0 (the start, or --detected-at) to the recovery accepting writes with every check passed, in phases; with --interactive the manual steps (point the application, tell the stakeholders) are shown, timed and closed with done/failed/skipped and a note. RPO: T0 minus the newest dbops heartbeat in the recovery (else the newest commit timestamp, else the backup time, labelled). Both against recovery.rtoHours / rpoHours.',
    "The record (--json, --report <file.md>) carries a sha256 of each check's evidence and of itself (`dbops dr-drill verify`); one line goes to the history (`dbops dr-drill history`, `dbops backup status`). Exit codes: 0 both objectives met and every check passed; 1 an objective missed, a check failed or could not be verified, or no copy in the DR region; 2 bad input; 3 the drill could not run; 130 interrupted. Cleanup ran in every case; --keep keeps the recovery.",
  ].join('\n\n'),
  fleet:
    "With --all or --select (docs/fleet.md): every database of the fleet, each with its own config, --concurrency at a time, after one confirmation that says how many. The account's DB instance quota in each recovery region is read first (DescribeAccountAttributes): drills wait for room the run's own temporary instances take, and one is refused, with the reason, when the account has none (its row, exit 3). One summary row per database (RTO, RPO), each record under --report-dir; Ctrl-C stops every drill and removes every temporary instance. dbops calls no ElastiCache TestFailover, so its 15-a-day quota does not arise.",
  options: {
    scenario: opt.string('--scenario <scenario>', 'region (default), instance or replica'),
    instance: opt.string('--instance <id>', 'the production instance (default: database.identifier)'),
    interactive: opt.flag('--interactive', 'game day: show, time and close each manual step (needs a terminal)'),
    detectedAt: opt.string('--detected-at <time>', 'T0: when the disaster was detected, ISO 8601 with a zone (default: now)'),
    participant: opt.list('--participant <name>', 'who took part (repeat for each person)'),
    report: opt.string('--report <file.md>', 'also write the record as Markdown (audit file)'),
    keep: opt.flag('--keep', 'keep the recovery afterwards, and print how to reach and remove it'),
    ...fleetRunOptions,
  },
  isDefault: true,
  mutates: true,
  examples: examples(`
    $ dbops dr-drill                                                                                     # region drill: recover in the DR region from its replicated automated backups, else the newest copy
    $ dbops dr-drill --interactive --participant "A. Ops" --participant "B. Lead" --report q2-drill.md   # a game day with the team, timed manual steps, audit report
    $ dbops dr-drill --scenario instance --json > drill.json                                             # point-in-time recovery in the primary region; the sealed record as JSON
    $ dbops dr-drill --scenario replica                                                                  # fail over a throwaway copy of the topology, with the write probe
    $ dbops dr-drill --scenario instance --report hub-drill.md                                           # Aurora: the cluster to its latest restorable time, a temporary cluster and writer
    $ dbops dr-drill --detected-at 2026-05-01T09:30:00Z                                                  # measure RTO/RPO from when the disaster was detected
    $ dbops dr-drill --dry-run                                                                           # show the backup and the recovery it would create, create nothing
    $ 0 6 1 1,4,7,10 * dbops dr-drill --quiet --report /var/log/dbops/dr-drill.md                        # crontab: quarterly (manual steps "not exercised")
    $ dbops dr-drill --all --yes --concurrency 2 --report-dir drills/                                    # every database of the fleet, 2 at a time within the DB instance quota
  `),
  load: (): Lazy => import('./dr-drill.run.js').then((m) => m.run),
});

export const verify = defineCommand({
  name: 'verify',
  summary: "Check a drill record's sha256s: the record and each check's evidence (exit 1 when altered)",
  args: { file: arg('<record.json>', 'a record written by `dbops dr-drill --json`') },
  examples: examples(`
    $ dbops dr-drill verify q2-drill.json   # exit 0 when unaltered, 1 when any byte of the content changed
  `),
  load: (): Lazy => import('./dr-drill.run.js').then((m) => m.verify),
});

export const history = defineCommand({
  name: 'history',
  summary: 'Every drill with its RTO, RPO and verdict, and a chart against the targets',
  options: {
    instance: opt.string('--instance <id>', 'only drills of this instance'),
    plot: opt.string('--plot <file.svg>', 'also write the chart of RTO and RPO over time as SVG'),
  },
  examples: examples(`
    $ dbops dr-drill history                     # the drills and a terminal chart
    $ dbops dr-drill history --plot drills.svg   # the chart as SVG, for the audit file
  `),
  load: (): Lazy => import('./dr-drill.run.js').then((m) => m.history),
});

export const drDrill = defineGroup({
  name: 'dr-drill',
  runbook: 'dr-drill',
  summary: 'Quarterly disaster recovery drill: a real recovery, RTO and RPO measured, evidence an auditor accepts',
  examples: examples(`
    $ dbops dr-drill                             # region drill (the default subcommand: run)
    $ dbops dr-drill verify drill.json           # check a record was not edited
    $ dbops dr-drill history --plot drills.svg   # RTO and RPO over time
  `),
  subcommands: [run, verify, history],
});
