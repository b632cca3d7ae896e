/** `dbops status`: the definition (handler: status.run.ts, loaded lazily). */
import { arg, defineCommand, examples, type Lazy } from './define.js';

export const status = defineCommand({
  name: 'status',
  summary:
    'Show one instance in detail, and the connection pool in front of it (SHOW POOLS figures); or an Aurora cluster: members and roles, endpoints, capacity and current ACU',
  args: { id: arg('[id]', 'instance or Aurora cluster identifier (default: database.identifier)') },
  examples: examples(`
    $ dbops status                  # the configured instance (or cluster)
    $ dbops status demo-db --json   # one instance as JSON
    $ dbops status content-hub      # an Aurora cluster: writer, readers, endpoints, ACU now
  `),
  load: (): Lazy => import('./status.run.js').then((m) => m.status),
});
