/** `dbops instances list|create|start|stop|delete`: the definitions (handlers: instances.run.ts, loaded lazily). */
import { arg, defineCommand, defineGroup, opt, type Lazy } from './define.js';

export const list = defineCommand({
  name: 'list',
  summary: 'List instances: id, engine, class, status, endpoint, storage, region, tags',
  isDefault: true,
  examples: [{ command: 'dbops instances list --region us-west-2', description: 'list another region' }],
  load: (): Lazy => import('./instances.run.js').then((m) => m.list),
});

export const create = defineCommand({
  name: 'create',
  runbook: 'instance-create',
  summary: 'Create an instance from the config (runbook instance-create)',
  args: { id: arg('[id]', 'instance identifier (default: database.identifier)') },
  options: {
    instanceClass: opt.string('--instance-class <class>', 'override database.instanceClass'),
    port: opt.int('--port <port>', 'local provider: port on 127.0.0.1 (default: a free one)'),
  },
  mutates: true,
  examples: [
    { command: 'dbops instances create', description: 'create database.identifier from the config' },
    { command: 'dbops instances create demo-db --provider local', description: 'a local PostgreSQL cluster' },
    { command: 'dbops instances create --dry-run', description: 'show what would be created' },
  ],
  load: (): Lazy => import('./instances.run.js').then((m) => m.create),
});

export const remove = defineCommand({
  name: 'delete',
  runbook: 'instance-delete',
  summary: 'Delete an instance dbops created (final snapshot unless --skip-final-snapshot)',
  args: { id: arg('<id>', 'instance identifier') },
  options: { skipFinalSnapshot: opt.flag('--skip-final-snapshot', 'do not take a final snapshot first') },
  mutates: true,
  examples: [
    { command: 'dbops instances delete demo-db --dry-run', description: 'show what would happen' },
    { command: 'dbops instances delete demo-db --yes --skip-final-snapshot', description: 'delete without a final snapshot' },
  ],
  load: (): Lazy => import('./instances.run.js').then((m) => m.remove),
});

export const start = defineCommand({
  name: 'start',
  summary: 'Start a stopped instance (AWS: StartDBInstance; local: pg_ctl start)',
  args: { id: arg('<id>', 'instance identifier') },
  options: { wait: opt.flag('--wait', 'AWS: wait until it is available (local starts are done when the command ends)') },
  mutates: true,
  examples: [
    { command: 'dbops instances start demo-db', description: 'start a stopped instance' },
    { command: 'dbops instances start prod-db --wait', description: 'on AWS, wait until it is available' },
  ],
  load: (): Lazy => import('./instances.run.js').then((m) => m.start),
});

export const stop = defineCommand({
  name: 'stop',
  summary: 'Stop a running instance (asks first; AWS starts it again by itself after 7 days)',
  args: { id: arg('<id>', 'instance identifier') },
  mutates: true,
  examples: [
    { command: 'dbops instances stop demo-db --dry-run', description: 'show what would happen' },
    { command: 'dbops instances stop demo-db --yes', description: 'stop it without asking (scripts)' },
  ],
  load: (): Lazy => import('./instances.run.js').then((m) => m.stop),
});

export const instances = defineGroup({
  name: 'instances',
  summary: 'List, create, start, stop and delete database instances',
  description:
    'Works on the configured provider and region. On the local provider an instance is a real PostgreSQL cluster on 127.0.0.1.',
  examples: [
    { command: 'dbops instances', description: 'list instances in the configured region' },
    { command: 'dbops instances --json', description: 'the same as JSON' },
    { command: 'dbops instances create demo-db', description: 'create an instance with the config\'s settings' },
    { command: 'dbops instances stop demo-db --yes', description: 'stop an instance (AWS restarts it after 7 days)' },
    { command: 'dbops instances start demo-db', description: 'start it again' },
    { command: 'dbops instances delete demo-db --yes', description: 'delete an instance dbops created' },
  ],
  subcommands: [list, create, start, stop, remove],
});
