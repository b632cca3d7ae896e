/** `dbops schedule`: the definitions (handlers: schedule.run.ts, loaded lazily). One subcommand per definition. */
import { ALL_TARGETS } from '../lib/schedule/targets.js';
import { defineCommand, defineGroup, examples, type Lazy, opt } from './define.js';

export const render = defineCommand({
  name: 'render',
  summary: 'The schedule for one machine (crontab, systemd) or Kubernetes (CronJobs); asl and iam print what apply makes in AWS',
  description:
    "Prints the jobs of the config's `schedule:` section (defaults: the seeds' schedule) for another scheduler: crontab lines (CRON_TZ for the time zone), a systemd service and timer per job (OnCalendar from the cron expression), or batch/v1 CronJobs with the dbops image, the same command and concurrencyPolicy Forbid. An expression a target cannot express is said, not approximated. --target asl prints each job's Step Functions state machine, --target iam the policies of its roles. Reads nothing but the config.",
  options: {
    target: opt.choice('--target <target>', `what to print: ${ALL_TARGETS.join(', ')}`, ALL_TARGETS),
    accountId: opt.string('--account-id <id>', 'asl/iam: the AWS account, for ARNs (the alarm topic, the roles)'),
  },
  examples: examples(`
    $ dbops schedule render --target crontab > /etc/cron.d/dbops          # the seeds' jobs as crontab lines
    $ dbops schedule render --target systemd                                # a .service and .timer per job
    $ dbops schedule render --target kubernetes | kubectl apply -f -        # CronJobs running schedule.image
    $ dbops schedule render --target asl --account-id 123456789012          # the Step Functions state machines
    $ dbops schedule render --target iam --json                             # the least-privilege policies, as JSON
  `),
  load: (): Lazy => import('./schedule.run.js').then((m) => m.render),
});

export const plan = defineCommand({
  name: 'plan',
  summary: 'Show what apply would change in the AWS account (create / modify / delete / no-op / blocked), drift included',
  options: {
    detailedExitcode: opt.flag('--detailed-exitcode', 'exit 1 when changes are pending, 0 when the account matches (drift checks in cron)'),
  },
  examples: examples(`
    $ dbops schedule plan                             # the rows apply would change, in creation order
    $ dbops schedule plan --detailed-exitcode -q      # cron drift check: exit 1 on drift
    $ dbops schedule plan --json                      # the plan as data
  `),
  load: (): Lazy => import('./schedule.run.js').then((m) => m.plan),
});

export const apply = defineCommand({
  name: 'apply',
  runbook: 'schedule',
  summary: 'Create or update the schedule in the AWS account (runbook schedule, SC-1 to SC-9); a second apply changes nothing',
  description:
    'In order: the config as an SSM parameter (no secret values), the log group, the IAM roles (a task role and a state machine role per job, the execution role, the Scheduler role), the Fargate cluster and task definition, one Step Functions state machine per job, the `dbops` schedule group and one EventBridge Scheduler schedule per job. Only resources tagged dbops:managed=true are changed. The schedule is validated before any AWS call.',
  mutates: true,
  examples: examples(`
    $ dbops schedule apply               # apply after confirmation
    $ dbops schedule apply --yes         # without asking (CI)
    $ dbops schedule apply --dry-run     # the plan, nothing changed
  `),
  load: (): Lazy => import('./schedule.run.js').then((m) => m.apply),
});

export const destroy = defineCommand({
  name: 'destroy',
  runbook: 'schedule',
  summary: 'Delete, in reverse order, what schedule apply made (runbook schedule, SC-10 to SC-16); only dbops-tagged resources',
  mutates: true,
  examples: examples(`
    $ dbops schedule destroy --dry-run   # list what would be deleted
    $ dbops schedule destroy --yes       # delete without asking
  `),
  load: (): Lazy => import('./schedule.run.js').then((m) => m.destroy),
});

export const status = defineCommand({
  name: 'status',
  summary: 'Each job: its schedule state, next run, and last executions with verdict, duration and the failing database',
  description: 'Exit 1 when the latest execution of a job failed, timed out or was aborted.',
  options: {
    last: opt.int('--last <n>', 'how many executions per job', { default: 5, min: 1, max: 100 }),
  },
  examples: examples(`
    $ dbops schedule status              # every job, its next run and last five executions
    $ dbops schedule status --json -q    # the same as data (exit 1 when a job's latest run failed)
  `),
  load: (): Lazy => import('./schedule.run.js').then((m) => m.status),
});

export const schedule = defineGroup({
  name: 'schedule',
  summary: 'The maintenance schedule (heartbeat, backup checks, snapshots, restore tests, DR drills) outside this machine',
  description:
    'The jobs of the config `schedule:` section, each a dbops command on a Scheduler expression (cron(...), rate(...), at(...)) over the databases of its selection. `render` writes them for cron, systemd or Kubernetes; `plan`, `apply`, `destroy` and `status` run them in the AWS account (runbook schedule, docs/schedule.md).',
  examples: examples(`
    $ dbops schedule render --target crontab   # the schedule as crontab lines
    $ dbops schedule plan                      # what apply would change in the AWS account
    $ dbops schedule apply                     # run the schedule on EventBridge Scheduler, Step Functions and Fargate
    $ dbops schedule status                    # next runs and last executions
  `),
  subcommands: [render, plan, apply, destroy, status],
});
