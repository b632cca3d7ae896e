/** `dbops status`: the definition (handler: status.run.ts, loaded lazily). */
import { arg, defineCommand, type Lazy } from './define.js';

export const status = defineCommand({
  name: 'status',
  summary: 'Show one instance in detail, and the connection pool in front of it (SHOW POOLS figures)',
  args: { id: arg('[id]', 'instance identifier (default: database.identifier)') },
  examples: [
    { command: 'dbops status', description: 'the configured instance' },
    { command: 'dbops status demo-db --json', description: 'one instance as JSON' },
  ],
  load: (): Lazy => import('./status.run.js').then((m) => m.status),
});
