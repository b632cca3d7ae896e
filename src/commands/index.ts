/**
 * The single list of dbops commands. Each entry is metadata + options + a lazy handler.
 * Adding a command = adding an entry here and a file beside this one.
 */
import { freeTierReport } from './defs/free-tier-report.js';
import { heartbeat, migrate } from './defs/migrate.js';
import { audit, init, provision } from './defs/provision.js';
import { restoreTest } from './defs/restore-test.js';
import { backup, gc, snapshot } from './defs/snapshots.js';
import { vector } from './defs/vector.js';
import type { CommandDef } from './types.js';

const instances: CommandDef = {
  name: 'instances',
  summary: 'List, create and delete database instances',
  description:
    'Works on the configured provider and region. On the local provider an instance is a real PostgreSQL cluster on 127.0.0.1.',
  examples: [
    { command: 'dbops instances', description: 'list instances in the configured region' },
    { command: 'dbops instances --json', description: 'the same as JSON' },
    { command: 'dbops instances create demo-db', description: 'create an instance with the config\'s settings' },
    { command: 'dbops instances delete demo-db --yes', description: 'delete an instance dbops created' },
  ],
  subcommands: [
    {
      name: 'list',
      summary: 'List instances: id, engine, class, status, endpoint, storage, region, tags',
      isDefault: true,
      examples: [{ command: 'dbops instances list --region us-west-2', description: 'list another region' }],
      load: () => import('./instances.js').then((m) => m.list),
    },
    {
      name: 'create',
      summary: 'Create an instance from the config (runbook instance-create)',
      args: [{ syntax: '[id]', description: 'instance identifier (default: database.identifier)' }],
      options: [
        { flags: '--instance-class <class>', description: 'override database.instanceClass' },
        { flags: '--port <port>', description: 'local provider: port on 127.0.0.1 (default: a free one)', parse: 'int' },
      ],
      mutates: true,
      examples: [
        { command: 'dbops instances create', description: 'create database.identifier from the config' },
        { command: 'dbops instances create demo-db --provider local', description: 'a local PostgreSQL cluster' },
        { command: 'dbops instances create --dry-run', description: 'show what would be created' },
      ],
      load: () => import('./instances.js').then((m) => m.create),
    },
    {
      name: 'delete',
      summary: 'Delete an instance dbops created (final snapshot unless --skip-final-snapshot)',
      args: [{ syntax: '<id>', description: 'instance identifier' }],
      options: [{ flags: '--skip-final-snapshot', description: 'do not take a final snapshot first' }],
      mutates: true,
      examples: [
        { command: 'dbops instances delete demo-db --dry-run', description: 'show what would happen' },
        { command: 'dbops instances delete demo-db --yes --skip-final-snapshot', description: 'delete without a final snapshot' },
      ],
      load: () => import('./instances.js').then((m) => m.remove),
    },
  ],
};

const status: CommandDef = {
  name: 'status',
  summary: 'Show one instance in detail',
  args: [{ syntax: '[id]', description: 'instance identifier (default: database.identifier)' }],
  examples: [
    { command: 'dbops status', description: 'the configured instance' },
    { command: 'dbops status demo-db --json', description: 'one instance as JSON' },
  ],
  load: () => import('./status.js').then((m) => m.status),
};

const psql: CommandDef = {
  name: 'psql',
  summary: 'Open psql on an instance with its stored credentials',
  description:
    'Runs psql with the connection details and password from the provider (the password goes to psql through its environment, never on the command line). Arguments after -- are passed to psql.',
  args: [
    { syntax: '[id]', description: 'instance identifier (default: database.identifier)' },
    { syntax: '[psqlArgs...]', description: 'arguments for psql, after --' },
  ],
  examples: [
    { command: 'dbops psql', description: 'interactive psql on the configured instance' },
    { command: 'dbops psql demo-db -- -c "select version()"', description: 'run one statement' },
    { command: 'dbops psql demo-db -- -v ON_ERROR_STOP=1 -f sql/examples/demo-data.sql', description: 'run a file' },
  ],
  load: () => import('./psql.js').then((m) => m.psql),
};

const config: CommandDef = {
  name: 'config',
  summary: 'Show the effective config or validate a config file',
  examples: [
    { command: 'dbops config show', description: 'every value and where it came from' },
    { command: 'dbops config validate dbops.config.yaml', description: 'check a file' },
  ],
  subcommands: [
    {
      name: 'show',
      summary: 'Print the effective config and the source of each value (default, file, env, flag)',
      examples: [{ command: 'DBOPS_REGION=eu-west-1 dbops config show --json', description: 'see an override' }],
      load: () => import('./config.js').then((m) => m.show),
    },
    {
      name: 'validate',
      summary: 'Check a config file (default: the one found from the working directory)',
      args: [{ syntax: '[file]', description: 'path to a dbops.config.yaml' }],
      examples: [{ command: 'dbops config validate ./dbops.config.yaml', description: 'exit 0 when valid, 2 otherwise' }],
      load: () => import('./config.js').then((m) => m.validate),
    },
  ],
};

export const COMMANDS: CommandDef[] = [
  init,
  provision,
  audit,
  instances,
  status,
  snapshot,
  backup,
  restoreTest,
  gc,
  migrate,
  heartbeat,
  vector,
  freeTierReport,
  psql,
  config,
];
