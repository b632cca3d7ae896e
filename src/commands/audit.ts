/** `dbops audit`: the definition (handler: audit.run.ts, loaded lazily). */
import { defineCommand, examples, type Lazy, opt } from './define.js';
import { fleetRunOptions } from './fleet-options.js';

export const audit = defineCommand({
  name: 'audit',
  runbook: 'audit',
  summary: 'Report risky settings of the live deployment, each with its fix (exit 1 on a high finding)',
  description:
    'Reads the database, the security groups attached to it and to the cache, the cache, the alarms and (over a connection when one can be made) pgvector: publicly accessible, 5432/6379 open to 0.0.0.0/0, storage not encrypted, Redis without AUTH or TLS, backup retention below policy, no CPU or storage alarm, deletion protection off in production, pgvector missing.',
  fleet:
    "With --all or --select (docs/fleet.md): every database of the fleet, each with its own config, in its own region and account, --concurrency at a time: one summary table with each database's findings, each full report under --report-dir, the worst exit code. Only the databases are audited then (not the config's cache). An audit only reads.",
  options: {
    instance: opt.string('--instance <id>', 'audit this DB instance (default: database.identifier), e.g. one dbops did not create'),
    cache: opt.string('--cache <id>', 'audit this cache: a replication group or cache cluster (default: cache.identifier)'),
    connectHost: opt.string(
      '--connect-host <host[:port]>',
      'reach the instance there for the pgvector check (an SSH tunnel or bastion); TLS still verifies its own name',
    ),
    ...fleetRunOptions,
  },
  examples: examples(`
    $ dbops audit                                             # findings, most severe first, with fixes
    $ dbops audit --instance recipe-db --cache recipe-cache   # an existing deployment, without a config naming it
    $ dbops audit --json                                      # the findings as data (exit 1 when any is high)
    $ dbops audit --all --report-dir reports/                 # every database of the fleet, one summary table
    $ dbops audit --select environment=production --json      # the production databases, one JSON document
  `),
  load: (): Lazy => import('./audit.run.js').then((m) => m.audit),
});
