/** `dbops provision plan|apply|destroy`: the definitions (handlers: provision.run.ts, loaded lazily). */
import { defineCommand, defineGroup, examples, type Lazy, opt } from './define.js';

export const plan = defineCommand({
  name: 'plan',
  summary: 'Show the changes apply would make: create / modify / replace / delete / no-op, with downtime and data loss flagged',
  options: {
    detailedExitcode: opt.flag(
      '--detailed-exitcode',
      'exit 1 when changes are pending, 0 when there is nothing to do (drift checks in cron)',
    ),
  },
  examples: examples(`
    $ dbops provision plan --json                   # the plan as data
    $ dbops provision plan --detailed-exitcode -q   # cron drift check: exit 1 on drift
  `),
  load: (): Lazy => import('./provision.run.js').then((m) => m.plan),
});

export const apply = defineCommand({
  name: 'apply',
  runbook: 'provision-apply',
  summary: 'Execute the plan in dependency order (runbook provision-apply); a second apply finds nothing to do',
  options: {
    applyImmediately: opt.flag('--apply-immediately', 'apply modifications now instead of in the maintenance window'),
    allowDataLoss: opt.flag('--allow-data-loss', 'allow changes that lose data (a cache replaced or deleted); --yes alone never does'),
  },
  mutates: true,
  examples: examples(`
    $ dbops provision apply                             # apply; changes with downtime wait for the maintenance window
    $ dbops provision apply --apply-immediately --yes   # apply everything now, without asking
    $ dbops provision apply --yes --allow-data-loss     # a plan with DATA LOSS rows (e.g. the cache replaced to turn AUTH on), on purpose
    $ dbops provision apply --dry-run                   # plan only, change nothing
  `),
  load: (): Lazy => import('./provision.run.js').then((m) => m.apply),
});

export const destroy = defineCommand({
  name: 'destroy',
  dueBackup: false,
  runbook: 'provision-destroy',
  summary: 'Remove, in reverse order, only what dbops created (runbook provision-destroy); final snapshot by default',
  options: {
    skipFinalSnapshot: opt.flag('--skip-final-snapshot', 'delete the database without a final snapshot'),
    ignoreDeletionProtection: opt.flag(
      '--ignore-deletion-protection',
      'turn deletion protection off first (after confirmation) instead of refusing',
    ),
  },
  mutates: true,
  examples: examples(`
    $ dbops provision destroy --dry-run                     # list what would be deleted
    $ dbops provision destroy --yes                         # destroy without asking, with a final snapshot
    $ dbops provision destroy --yes --skip-final-snapshot   # a throwaway deployment
  `),
  load: (): Lazy => import('./provision.run.js').then((m) => m.destroy),
});

export const provision = defineGroup({
  name: 'provision',
  summary: 'Plan, apply and destroy the deployment the config describes',
  description:
    'Resources, in dependency order (seed 002): security group, parameter group, database instance (and read replica), cache, SNS topic and email subscription, CloudWatch alarms, budget. On the local provider: a PostgreSQL cluster and a redis-server; the AWS-only resources are reported as not applicable.',
  examples: examples(`
    $ dbops provision plan                # what apply would change, resource by resource
    $ dbops provision apply               # create or update everything, with progress
    $ dbops provision destroy --dry-run   # what destroy would remove
  `),
  subcommands: [plan, apply, destroy],
});
