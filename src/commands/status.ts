/** `dbops status`: the definition (handler: status.run.ts, loaded lazily). */
import { arg, defineCommand, examples, type Lazy } from './define.js';
import { fleetRunOptions } from './fleet-options.js';

export const status = defineCommand({
  name: 'status',
  summary:
    'Show one instance in detail, and the connection pool in front of it (SHOW POOLS figures); or an Aurora cluster: members and roles, endpoints, capacity and current ACU',
  description:
    'Shows one instance in detail, and the connection pool in front of it (SHOW POOLS figures); or an Aurora cluster: members and roles, endpoints, capacity and current ACU.',
  fleet:
    'With --all or --select (docs/fleet.md): every database of the fleet in one table (status, class, CPU, storage used, connections over the last 15 minutes), from one instance listing and one batched GetMetricData per account and region; exit 1 when a database is in a status it cannot serve from or has more than 90 % of its storage used, 3 when one could not be read.',
  args: { id: arg('[id]', 'instance or Aurora cluster identifier (default: database.identifier)') },
  options: fleetRunOptions,
  examples: examples(`
    $ dbops status                                          # the configured instance (or cluster)
    $ dbops status demo-db --json                           # one instance as JSON
    $ dbops status content-hub                              # an Aurora cluster: writer, readers, endpoints, ACU now
    $ dbops status --all --verbose                          # every database of the fleet, and the AWS calls it took
    $ dbops status --select environment=production --json   # the production databases as one JSON document
  `),
  load: (): Lazy => import('./status.run.js').then((m) => m.status),
});
