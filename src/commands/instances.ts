/** `dbops instances list|create|start|stop|delete|restore`: the definitions (handlers: instances.run.ts, loaded lazily). */
import { arg, defineCommand, defineGroup, opt, type Lazy, examples } from './define.js';

export const list = defineCommand({
  name: 'list',
  summary: 'List instances: id, engine, class, status, endpoint, storage, region, tags',
  isDefault: true,
  examples: examples(`
    $ dbops instances list --region us-west-2   # list another region
  `),
  load: (): Lazy => import('./instances.run.js').then((m) => m.list),
});

export const clusters = defineCommand({
  name: 'clusters',
  summary: 'List Aurora clusters: members and roles, capacity range and current ACU, writer endpoint, region',
  examples: examples(`
    $ dbops instances clusters          # the Aurora clusters of the region
    $ dbops instances clusters --json   # with reader endpoints and the restorable window
  `),
  load: (): Lazy => import('./instances.run.js').then((m) => m.clusters),
});

export const create = defineCommand({
  name: 'create',
  runbook: 'instance-create',
  summary: 'Create an instance from the config (runbook instance-create)',
  args: { id: arg('[id]', 'instance identifier (default: database.identifier)') },
  options: {
    instanceClass: opt.string('--instance-class <class>', 'override database.instanceClass'),
    connectHost: opt.string(
      '--connect-host <host[:port]>',
      'check the new instance answers (IC-4) through there (an SSH tunnel or bastion); TLS still verifies its own name',
    ),
    port: opt.int('--port <port>', 'local provider: port on 127.0.0.1 (default: a free one)'),
  },
  mutates: true,
  examples: examples(`
    $ dbops instances create                            # create database.identifier from the config
    $ dbops instances create demo-db --provider local   # a local PostgreSQL cluster
    $ dbops instances create --dry-run                  # show what would be created
  `),
  load: (): Lazy => import('./instances.run.js').then((m) => m.create),
});

export const remove = defineCommand({
  name: 'delete',
  dueBackup: false,
  runbook: 'instance-delete',
  summary: 'Delete an instance dbops created (final snapshot unless --skip-final-snapshot)',
  args: { id: arg('<id>', 'instance identifier') },
  options: { skipFinalSnapshot: opt.flag('--skip-final-snapshot', 'do not take a final snapshot first') },
  mutates: true,
  examples: examples(`
    $ dbops instances delete demo-db --dry-run                     # show what would happen
    $ dbops instances delete demo-db --yes --skip-final-snapshot   # delete without a final snapshot
  `),
  load: (): Lazy => import('./instances.run.js').then((m) => m.remove),
});

export const start = defineCommand({
  name: 'start',
  dueBackup: false,
  runbook: 'instance-start-stop',
  summary: 'Start a stopped instance (AWS: StartDBInstance; local: pg_ctl start)',
  args: { id: arg('<id>', 'instance identifier') },
  options: { wait: opt.flag('--wait', 'AWS: wait until it is available (local starts are done when the command ends)') },
  mutates: true,
  examples: examples(`
    $ dbops instances start demo-db          # start a stopped instance
    $ dbops instances start prod-db --wait   # on AWS, wait until it is available
  `),
  load: (): Lazy => import('./instances.run.js').then((m) => m.start),
});

export const stop = defineCommand({
  name: 'stop',
  dueBackup: false,
  runbook: 'instance-start-stop',
  summary: 'Stop a running instance (asks first; AWS starts it again by itself after 7 days)',
  args: { id: arg('<id>', 'instance identifier') },
  mutates: true,
  examples: examples(`
    $ dbops instances stop demo-db --dry-run   # show what would happen
    $ dbops instances stop demo-db --yes       # stop it without asking (scripts)
  `),
  load: (): Lazy => import('./instances.run.js').then((m) => m.stop),
});

export const restore = defineCommand({
  name: 'restore',
  runbook: 'pitr',
  summary: 'Restore an instance to a point in time into a new instance (runbook pitr)',
  description:
    'The newest base backup before the time, then the archived WAL replayed up to it (AWS: RestoreDBInstanceToPointInTime). The time must lie in the restorable window (`dbops backup status`); outside it: exit 2. The source is not changed. The new instance is tagged dbops:purpose=point-in-time-restore; its newest dbops.heartbeat row shows where its data really ends.',
  args: { source: arg('<source>', 'the instance to restore') },
  options: {
    to: opt.string('--to <time>', 'ISO 8601 time with a zone, e.g. 2026-05-01T09:30:00Z'),
    latestRestorable: opt.flag('--latest-restorable', 'the latest restorable time (everything archived)'),
    target: opt.requiredString('--target <id>', 'identifier of the new instance (required)', {
      message: 'instances restore needs --target <id>: the identifier of the new instance.',
      hint: 'For example: dbops instances restore prod-db --latest-restorable --target prod-db-pitr',
    }),
    instanceClass: opt.string('--instance-class <class>', "instance class of the new instance (default: the source's)"),
  },
  mutates: true,
  examples: examples(`
    $ dbops instances restore prod-db --to 2026-05-01T09:30:00Z --target prod-db-0930   # the data as it was at 09:30 UTC
    $ dbops instances restore prod-db --latest-restorable --target prod-db-latest       # everything archived (minutes behind now)
    $ dbops instances restore prod-db --to 2026-05-01T09:30:00Z --target x --dry-run    # check the time against the window only
  `),
  load: (): Lazy => import('./instances.run.js').then((m) => m.restore),
});

export const instances = defineGroup({
  name: 'instances',
  summary: 'List, create, start, stop, delete and restore (to a point in time) database instances; list Aurora clusters',
  description: 'Works on the configured provider and region. On the local provider an instance is a real PostgreSQL cluster on 127.0.0.1.',
  examples: examples(`
    $ dbops instances                                                                # list instances in the configured region
    $ dbops instances --json                                                         # the same as JSON
    $ dbops instances clusters                                                       # Aurora clusters: members, roles, ACU now
    $ dbops instances create demo-db                                                 # create an instance with the config's settings
    $ dbops instances stop demo-db --yes                                             # stop an instance (AWS restarts it after 7 days)
    $ dbops instances start demo-db                                                  # start it again
    $ dbops instances delete demo-db --yes                                           # delete an instance dbops created
    $ dbops instances restore demo-db --to 2026-05-01T09:30:00Z --target demo-0930   # point-in-time restore into a new instance
  `),
  subcommands: [list, clusters, create, start, stop, remove, restore],
});
