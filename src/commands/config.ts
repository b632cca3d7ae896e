/** `dbops config show|validate`: the definitions (handlers: config.run.ts, loaded lazily). */
import { arg, defineCommand, defineGroup, examples, type Lazy } from './define.js';

export const show = defineCommand({
  name: 'show',
  summary: 'Print the effective config and the source of each value (default, file, env, flag)',
  examples: examples(`
    $ DBOPS_REGION=eu-west-1 dbops config show --json   # see an override
  `),
  load: (): Lazy => import('./config.run.js').then((m) => m.show),
});

export const validate = defineCommand({
  name: 'validate',
  summary: 'Check a config file (default: the one found from the working directory)',
  args: { file: arg('[file]', 'path to a dbops.config.yaml') },
  examples: examples(`
    $ dbops config validate ./dbops.config.yaml   # exit 0 when valid, 2 otherwise
  `),
  load: (): Lazy => import('./config.run.js').then((m) => m.validate),
});

export const config = defineGroup({
  name: 'config',
  summary: 'Show the effective config or validate a config file',
  examples: examples(`
    $ dbops config show                         # every value and where it came from
    $ dbops config validate dbops.config.yaml   # check a file
  `),
  subcommands: [show, validate],
});
