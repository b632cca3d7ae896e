/** `dbops psql`: the definition (handler: psql.run.ts, loaded lazily). */
import { arg, defineCommand, examples, type Lazy, opt } from './define.js';

export const psql = defineCommand({
  name: 'psql',
  summary: 'Open psql on an instance with its stored credentials',
  description:
    'Runs psql with the connection details and password from the provider (the password goes to psql through its environment, never on the command line). Arguments after -- are passed to psql.',
  args: {
    id: arg('[id]', 'instance identifier (default: database.identifier)'),
    psqlArgs: arg('[psqlArgs...]', 'arguments for psql, after --'),
  },
  options: {
    connectHost: opt.string(
      '--connect-host <host[:port]>',
      'reach the instance there (an SSH tunnel or bastion); TLS still verifies its own name',
    ),
  },
  examples: examples(`
    $ dbops psql                                                               # interactive psql on the configured instance
    $ dbops psql demo-db -- -c "select version()"                              # run one statement
    $ dbops psql demo-db -- -v ON_ERROR_STOP=1 -f sql/examples/demo-data.sql   # run a file
    $ dbops psql recipe-db --connect-host 127.0.0.1:15432                      # through an SSH tunnel (ssh -L 15432:<endpoint>:5432 bastion)
  `),
  load: (): Lazy => import('./psql.run.js').then((m) => m.psql),
});
