/** `dbops heartbeat`: the definition (handler: heartbeat.run.ts, loaded lazily). */
import { defineCommand, type Lazy } from './define.js';
import { target } from './migrate.js';

export const heartbeat = defineCommand({
  name: 'heartbeat',
  runbook: 'heartbeat',
  summary: 'Write one row to dbops.heartbeat (cron every few minutes; restore tests measure real data loss from it)',
  description:
    'Inserts one row (id, beat_at from the database clock, written_by) into dbops.heartbeat, creating the dbops schema if needed. A restore test reads the newest row of the restored copy: the gap to the time it should cover is the real RPO.',
  options: { ...target },
  mutates: true,
  examples: [
    { command: 'dbops heartbeat', description: 'one beat on the configured instance' },
    { command: '*/5 * * * * dbops heartbeat --quiet', description: 'crontab: every five minutes' },
    { command: 'dbops heartbeat --url "$DATABASE_URL" --json', description: 'any PostgreSQL, result as JSON' },
  ],
  load: (): Lazy => import('./heartbeat.run.js').then((m) => m.heartbeat),
});
