/** `dbops audit`: the definition (handler: audit.run.ts, loaded lazily). */
import { defineCommand, opt, type Lazy } from './define.js';

export const audit = defineCommand({
  name: 'audit',
  runbook: 'audit',
  summary: 'Report risky settings of the live deployment, each with its fix (exit 1 on a high finding)',
  description:
    'Reads the database, the security groups attached to it and to the cache, the cache, the alarms and (over a connection when one can be made) pgvector: publicly accessible, 5432/6379 open to 0.0.0.0/0, storage not encrypted, Redis without AUTH or TLS, backup retention below policy, no CPU or storage alarm, deletion protection off in production, pgvector missing.',
  options: {
    instance: opt.string('--instance <id>', 'audit this DB instance (default: database.identifier), e.g. one dbops did not create'),
    cache: opt.string('--cache <id>', 'audit this cache: a replication group or cache cluster (default: cache.identifier)'),
  },
  examples: [
    { command: 'dbops audit', description: 'findings, most severe first, with fixes' },
    { command: 'dbops audit --instance recipe-db --cache recipe-cache', description: 'an existing deployment, without a config naming it' },
    { command: 'dbops audit --json', description: 'the findings as data (exit 1 when any is high)' },
  ],
  load: (): Lazy => import('./audit.run.js').then((m) => m.audit),
});
