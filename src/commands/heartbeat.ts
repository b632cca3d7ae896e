/** `dbops heartbeat`: the definition (handler: heartbeat.run.ts, loaded lazily). */
import { defineCommand, examples, type Lazy } from './define.js';
import { target } from './migrate.js';

export const heartbeat = defineCommand({
  name: 'heartbeat',
  runbook: 'heartbeat',
  summary: 'Write one row to dbops.heartbeat (cron every few minutes; restore tests measure real data loss from it)',
  description:
    'Inserts one row (id, beat_at from the database clock, written_by) into dbops.heartbeat, creating the dbops schema if needed. A restore test reads the newest row of the restored copy: the gap to the time it should cover is the real RPO.',
  options: { ...target },
  mutates: true,
  examples: examples(`
    $ dbops heartbeat                                # one beat on the configured instance
    $ */5 * * * * dbops heartbeat --quiet            # crontab: every five minutes
    $ dbops heartbeat --url "$DATABASE_URL" --json   # any PostgreSQL, result as JSON
  `),
  load: (): Lazy => import('./heartbeat.run.js').then((m) => m.heartbeat),
});
