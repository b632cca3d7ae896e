/** `dbops init`, `dbops provision` and `dbops audit`: definitions only (handlers load lazily). */
import type { CommandDef } from '../types.js';

export const init: CommandDef = {
  name: 'init',
  summary: 'Write dbops.config.yaml with an interactive wizard (free-tier defaults, rough costs)',
  description:
    "Asks for the provider, region and profile (showing the AWS account id), the database, backups and snapshots, DR, the cache, alarms, budget and who may connect, with the seeds' free-tier profile as defaults and a rough monthly cost for each choice that leaves the free tier. Shows the file, then writes it; an existing file is only overwritten after confirmation or with --force.",
  options: [
    { flags: '--defaults', description: 'write the free-tier defaults without asking (for scripts)' },
    { flags: '--force', description: 'overwrite an existing file without asking' },
    { flags: '--output <file>', description: 'where to write (default: ./dbops.config.yaml)' },
  ],
  configOptional: true,
  mutates: true,
  examples: [
    { command: 'dbops init', description: 'answer the questions on a terminal' },
    { command: 'dbops init --defaults --dry-run', description: 'show the file it would write, write nothing' },
    { command: 'dbops init --defaults', description: "the seeds' free-tier profile, no questions" },
    { command: 'dbops init --defaults --force --output staging.config.yaml', description: 'another file, overwritten' },
  ],
  load: () => import('../init.js').then((m) => m.init),
};

export const provision: CommandDef = {
  name: 'provision',
  summary: 'Plan, apply and destroy the deployment the config describes',
  description:
    'Resources, in dependency order (seed 002): security group, parameter group, database instance (and read replica), cache, SNS topic and email subscription, CloudWatch alarms, budget. On the local provider: a PostgreSQL cluster and a redis-server; the AWS-only resources are reported as not applicable.',
  examples: [
    { command: 'dbops provision plan', description: 'what apply would change, resource by resource' },
    { command: 'dbops provision apply', description: 'create or update everything, with progress' },
    { command: 'dbops provision destroy --dry-run', description: 'what destroy would remove' },
  ],
  subcommands: [
    {
      name: 'plan',
      summary: 'Show the changes apply would make: create / modify / replace / delete / no-op, with downtime and data loss flagged',
      options: [{ flags: '--detailed-exitcode', description: 'exit 1 when changes are pending, 0 when there is nothing to do (drift checks in cron)' }],
      examples: [
        { command: 'dbops provision plan --json', description: 'the plan as data' },
        { command: 'dbops provision plan --detailed-exitcode -q', description: 'cron drift check: exit 1 on drift' },
      ],
      load: () => import('../provision.js').then((m) => m.plan),
    },
    {
      name: 'apply',
      summary: 'Execute the plan in dependency order (runbook provision-apply); a second apply finds nothing to do',
      options: [{ flags: '--apply-immediately', description: 'apply modifications now instead of in the maintenance window' }],
      mutates: true,
      examples: [
        { command: 'dbops provision apply', description: 'apply; changes with downtime wait for the maintenance window' },
        { command: 'dbops provision apply --apply-immediately --yes', description: 'apply everything now, without asking' },
        { command: 'dbops provision apply --dry-run', description: 'plan only, change nothing' },
      ],
      load: () => import('../provision.js').then((m) => m.apply),
    },
    {
      name: 'destroy',
      summary: 'Remove, in reverse order, only what dbops created (runbook provision-destroy); final snapshot by default',
      options: [
        { flags: '--skip-final-snapshot', description: 'delete the database without a final snapshot' },
        { flags: '--ignore-deletion-protection', description: 'turn deletion protection off first (after confirmation) instead of refusing' },
      ],
      mutates: true,
      examples: [
        { command: 'dbops provision destroy --dry-run', description: 'list what would be deleted' },
        { command: 'dbops provision destroy --yes', description: 'destroy without asking, with a final snapshot' },
        { command: 'dbops provision destroy --yes --skip-final-snapshot', description: 'a throwaway deployment' },
      ],
      load: () => import('../provision.js').then((m) => m.destroy),
    },
  ],
};

export const audit: CommandDef = {
  name: 'audit',
  summary: 'Report risky settings of the live deployment, each with its fix (exit 1 on a high finding)',
  description:
    'Reads the database, the security groups attached to it and to the cache, the cache, the alarms and (over a connection when one can be made) pgvector: publicly accessible, 5432/6379 open to 0.0.0.0/0, storage not encrypted, Redis without AUTH or TLS, backup retention below policy, no CPU or storage alarm, deletion protection off in production, pgvector missing.',
  examples: [
    { command: 'dbops audit', description: 'findings, most severe first, with fixes' },
    { command: 'dbops audit --json', description: 'the findings as data (exit 1 when any is high)' },
  ],
  load: () => import('../audit.js').then((m) => m.audit),
};
