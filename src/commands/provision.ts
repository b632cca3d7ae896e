/** `dbops provision plan|apply|destroy`: the definitions (handlers: provision.run.ts, loaded lazily). */
import { defineCommand, defineGroup, opt, type Lazy } from './define.js';

export const plan = defineCommand({
  name: 'plan',
  summary: 'Show the changes apply would make: create / modify / replace / delete / no-op, with downtime and data loss flagged',
  options: { detailedExitcode: opt.flag('--detailed-exitcode', 'exit 1 when changes are pending, 0 when there is nothing to do (drift checks in cron)') },
  examples: [
    { command: 'dbops provision plan --json', description: 'the plan as data' },
    { command: 'dbops provision plan --detailed-exitcode -q', description: 'cron drift check: exit 1 on drift' },
  ],
  load: (): Lazy => import('./provision.run.js').then((m) => m.plan),
});

export const apply = defineCommand({
  name: 'apply',
  runbook: 'provision-apply',
  summary: 'Execute the plan in dependency order (runbook provision-apply); a second apply finds nothing to do',
  options: { applyImmediately: opt.flag('--apply-immediately', 'apply modifications now instead of in the maintenance window') },
  mutates: true,
  examples: [
    { command: 'dbops provision apply', description: 'apply; changes with downtime wait for the maintenance window' },
    { command: 'dbops provision apply --apply-immediately --yes', description: 'apply everything now, without asking' },
    { command: 'dbops provision apply --dry-run', description: 'plan only, change nothing' },
  ],
  load: (): Lazy => import('./provision.run.js').then((m) => m.apply),
});

export const destroy = defineCommand({
  name: 'destroy',
  runbook: 'provision-destroy',
  summary: 'Remove, in reverse order, only what dbops created (runbook provision-destroy); final snapshot by default',
  options: {
    skipFinalSnapshot: opt.flag('--skip-final-snapshot', 'delete the database without a final snapshot'),
    ignoreDeletionProtection: opt.flag('--ignore-deletion-protection', 'turn deletion protection off first (after confirmation) instead of refusing'),
  },
  mutates: true,
  examples: [
    { command: 'dbops provision destroy --dry-run', description: 'list what would be deleted' },
    { command: 'dbops provision destroy --yes', description: 'destroy without asking, with a final snapshot' },
    { command: 'dbops provision destroy --yes --skip-final-snapshot', description: 'a throwaway deployment' },
  ],
  load: (): Lazy => import('./provision.run.js').then((m) => m.destroy),
});

export const provision = defineGroup({
  name: 'provision',
  summary: 'Plan, apply and destroy the deployment the config describes',
  description:
    'Resources, in dependency order (seed 002): security group, parameter group, database instance (and read replica), cache, SNS topic and email subscription, CloudWatch alarms, budget. On the local provider: a PostgreSQL cluster and a redis-server; the AWS-only resources are reported as not applicable.',
  examples: [
    { command: 'dbops provision plan', description: 'what apply would change, resource by resource' },
    { command: 'dbops provision apply', description: 'create or update everything, with progress' },
    { command: 'dbops provision destroy --dry-run', description: 'what destroy would remove' },
  ],
  subcommands: [plan, apply, destroy],
});
