/** `dbops restore-test`: the definition (handler: restore-test.run.ts, loaded lazily). */
import { defineCommand, examples, type Lazy, opt } from './define.js';
import { fleetOptions, fleetRunOptions } from './fleet-options.js';

export const restoreTest = defineCommand({
  name: 'restore-test',
  runbook: 'restore-test',
  summary: 'Restore the newest backup into a temporary instance, check it, measure RTO and RPO, clean up (runbook restore-test)',
  description: [
    "Follows runbooks/restore-test.md (RT-1 .. RT-11): picks the newest available snapshot of the instance (or --snapshot, or a point in time on AWS), restores it into a temporary instance <db>-rt-<run-id> (restoreTest.instanceClass, not publicly accessible, in the source's subnet group and security groups, tagged dbops:purpose=restore-test and dbops:expires-at), waits for it, and checks it against the source: the server and its version, amcheck over every table and B-tree index, invalid indexes, the schema and the dbops migration history, row counts, the data loss window from dbops.heartbeat, pgvector, and query latency (sql/checks/*.sql; MySQL: sql/checks/mysql/*.sql, and CHECK TABLE … EXTENDED in place of amcheck). On RDS the copy uses the source's DB parameter group. The source is only read, in a read-only session.",
    'The temporary instance is deleted (no final snapshot) on success, failure, Ctrl-C and SIGTERM; --keep keeps it. A crashed run leaves it tagged for `dbops gc`. Results go to stdout (--json), CloudWatch metrics RestoreTestSuccess, RestoreTestDurationSeconds and RestoreTestDataLossSeconds (restoreTest.metricsNamespace), the history `dbops backup status` shows, and --report <file.md>.',
    "An Aurora Serverless v2 source (database.engine aurora-postgresql) is restored as a cluster: RT-13 RestoreDBClusterFromSnapshot (its newest cluster snapshot, or --snapshot of one) or RestoreDBClusterToPointInTime into <db>-rt-<run-id> with the source's serverless range, RT-14 its db.serverless writer <db>-rt-<run-id>-w (the RTO covers both phases, reported apart), the same checks on the writer, RT-15 the writer deleted, then the cluster (docs/aurora.md). An instance snapshot named for a cluster, or a cluster snapshot for an instance, is refused (exit 2).",
    'Exit codes: 0 every check passed; 1 a check failed (the report says which and why); 3 the test could not run (no snapshot, no permission, the restore failed or the snapshot is corrupt); 130 interrupted. Cleanup ran in every case.',
  ].join('\n\n'),
  fleet:
    "With --all or --select (docs/fleet.md): every database of the fleet, each with its own config (fleet.databases overrides), in its own region and account, --concurrency at a time; one summary table (restore time and data-loss window, or the failed checks), each database's full report under --report-dir, the worst exit code. It creates a temporary instance per database: off a terminal it needs --yes. Ctrl-C stops the run; every started test deletes its temporary instance.",
  options: {
    instance: opt.string('--instance <id>', 'the source instance (default: database.identifier)'),
    snapshot: opt.string('--snapshot <id>', 'restore this snapshot (default: the newest available one, automated or manual)'),
    pointInTime: opt.string('--point-in-time <time>', 'AWS: restore the source as it was at this ISO 8601 time, e.g. 2026-05-01T09:30:00Z'),
    latestRestorable: opt.flag('--latest-restorable', 'AWS: restore the source to its latest restorable time'),
    connectHost: opt.string(
      '--connect-host <host[:port]>',
      'reach the temporary instance there (an SSH tunnel or bastion); TLS still verifies its own name',
    ),
    sourceConnectHost: opt.string(
      '--source-connect-host <host[:port]>',
      'reach the source instance there (its own tunnel); TLS still verifies its own name',
    ),
    concurrency: opt.int(
      '--concurrency <n>',
      'connections the checks use on the temporary instance (default: restoreTest.concurrency); with --all/--select: databases tested at once (default fleet.concurrency, else 4)',
      { min: 1, max: 64 },
    ),
    keep: opt.flag('--keep', 'keep the temporary instance afterwards, and print how to connect and how to delete it'),
    report: opt.string('--report <file.md>', 'also write the report as Markdown (incident or audit record)'),
    instanceClass: opt.string('--instance-class <class>', 'class of the temporary instance (default: restoreTest.instanceClass)'),
    expiresIn: opt.string(
      '--expires-in <duration>',
      'dbops:expires-at of the temporary instance: 6h, 90m, 2d (default: restoreTest.expiresAfterHours)',
    ),
    ...fleetOptions,
    reportDir: fleetRunOptions.reportDir,
  },
  mutates: true,
  examples: examples(`
    $ dbops restore-test                                                                        # test the newest backup of the configured instance
    $ dbops restore-test --snapshot recipe-db-manual-20260501-030000 --report rt.md             # a given snapshot, with a Markdown report
    $ dbops restore-test --latest-restorable --instance-class db.t3.small                       # AWS: point-in-time restore to the latest restorable time
    $ dbops restore-test --connect-host 127.0.0.1:15432                                         # through an SSH tunnel to the temporary instance
    $ dbops restore-test --source-connect-host 127.0.0.1:15433 --connect-host 127.0.0.1:15432   # from outside the VPC: the source through one tunnel, the temporary instance through another
    $ dbops restore-test --keep --json                                                          # keep the instance to look around; result as JSON
    $ dbops restore-test --dry-run                                                              # show the backup and the instance it would create, create nothing
    $ dbops restore-test --snapshot content-hub-weekly-1                                        # Aurora: a cluster snapshot into a temporary cluster and its db.serverless writer
    $ dbops restore-test --all --concurrency 2 --yes --report-dir reports/                      # every database of the fleet, two at a time, one summary table
    $ dbops restore-test --select environment=production --region eu-west-1 --yes               # the production databases of one region
    $ 0 5 1 * * dbops restore-test --quiet --report /var/log/dbops/restore-test.md              # crontab: monthly on the 1st at 05:00 UTC (after the 03:00-04:00 backup window)
  `),
  load: (): Lazy => import('./restore-test.run.js').then((m) => m.restoreTest),
});
