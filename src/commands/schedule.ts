/** `dbops schedule`: the definitions (handlers: schedule.run.ts, loaded lazily). One subcommand per definition. */
import { ALL_TARGETS } from '../lib/schedule/render.js';
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

export const schedule = defineGroup({
  name: 'schedule',
  summary: 'The maintenance schedule (heartbeat, backup checks, snapshots, restore tests, DR drills) outside this machine',
  description:
    'The jobs of the config `schedule:` section, each a dbops command on a Scheduler expression (cron(...), rate(...), at(...)) over the databases of its selection. `render` writes them for cron, systemd or Kubernetes (docs/schedule.md).',
  examples: examples(`
    $ dbops schedule render --target crontab   # the schedule as crontab lines
  `),
  subcommands: [render],
});
