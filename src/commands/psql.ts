/** `dbops psql`: the definition (handler: psql.run.ts, loaded lazily). */
import { arg, defineCommand, type Lazy } from './define.js';

export const psql = defineCommand({
  name: 'psql',
  summary: 'Open psql on an instance with its stored credentials',
  description:
    'Runs psql with the connection details and password from the provider (the password goes to psql through its environment, never on the command line). Arguments after -- are passed to psql.',
  args: {
    id: arg('[id]', 'instance identifier (default: database.identifier)'),
    psqlArgs: arg('[psqlArgs...]', 'arguments for psql, after --'),
  },
  examples: [
    { command: 'dbops psql', description: 'interactive psql on the configured instance' },
    { command: 'dbops psql demo-db -- -c "select version()"', description: 'run one statement' },
    { command: 'dbops psql demo-db -- -v ON_ERROR_STOP=1 -f sql/examples/demo-data.sql', description: 'run a file' },
  ],
  load: (): Lazy => import('./psql.run.js').then((m) => m.psql),
});
