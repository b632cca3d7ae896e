/** `dbops status`: the definition (handler: status.run.ts, loaded lazily). */
import { arg, defineCommand, examples, type Lazy } from './define.js';

export const status = defineCommand({
  name: 'status',
  summary: 'Show one instance in detail, and the connection pool in front of it (SHOW POOLS figures)',
  args: { id: arg('[id]', 'instance identifier (default: database.identifier)') },
  examples: examples(`
    $ dbops status                  # the configured instance
    $ dbops status demo-db --json   # one instance as JSON
  `),
  load: (): Lazy => import('./status.run.js').then((m) => m.status),
});
