/** `dbops fleet list`: the definitions (handlers: fleet.run.ts, loaded lazily). */
import { defineCommand, defineGroup, examples, type Lazy } from './define.js';
import { fleetOptions } from './fleet-options.js';

export const list = defineCommand({
  name: 'list',
  summary: 'What a selection resolves to, per account and region, and why each database is in it',
  isDefault: true,
  options: fleetOptions,
  examples: examples(`
    $ dbops fleet list                                  # the configured fleet (fleet: in the config)
    $ dbops fleet list --select environment=production  # every database tagged environment=production
    $ dbops fleet list --select engine=postgres --region us-west-2 --json   # PostgreSQL databases in one region, as JSON
  `),
  load: (): Lazy => import('./fleet.run.js').then((m) => m.list),
});

export const fleet = defineGroup({
  name: 'fleet',
  summary: 'The databases a fleet run covers: many databases, regions and accounts (config fleet:)',
  description:
    'A fleet is the accounts × regions of the config `fleet:` section; in them, the databases named in fleet.databases and those matching fleet.select (or --select). Each account and region is listed once.',
  examples: examples(`
    $ dbops fleet                                # the configured fleet
    $ dbops fleet --select identifier='recipe-*' # databases whose identifier matches
  `),
  subcommands: [list],
});
