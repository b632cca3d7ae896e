/**
 * The schedule model: the config's `schedule:` section with the seeds' defaults filled in,
 * each job's command as the argv dbops runs unattended, its databases, expression and time
 * zone. Pure: no provider, no AWS call. `dbops schedule render` prints it for cron, systemd
 * and Kubernetes; `dbops schedule plan/apply` turns it into EventBridge Scheduler schedules,
 * Step Functions state machines (asl.ts) and IAM roles (iam.ts).
 *
 * Everything that can be refused before a call is refused here, one sentence with its
 * reason and a hint, exit 2 (ConfigError): a bad expression, an unknown or interactive
 * command, an image that is not a full URI, a private database without subnets or security
 * groups, a Distributed Map in a region that has none.
 */
import type { DbopsConfig, ScheduleConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { configSelectors, type Selector, validateFleet } from '../fleet/select.js';
import { ExpressionProblem, parseExpression, type ScheduleExpression } from './expression.js';

/** A command dbops can run on a schedule, and how it runs there. */
export interface SchedulableCommand {
  /** The command path, e.g. "backup status". */
  path: string;
  /** Run once per database (`--instance <id> --region <region>`), or once per run (account-wide). */
  perDatabase: boolean;
  /** Arguments it needs to run without a terminal (a confirmation it would otherwise ask for). */
  unattended: string[];
  /** How long one run may take by default, in seconds. */
  timeoutSeconds: number;
  /** The runbook a failed run's notification points to (the command's own). */
  runbook: string;
  /** Takes --all / --select (a whole fleet in one run, on one machine). */
  fleet?: boolean;
}

/**
 * The commands a job may name. Each has a row in the least-privilege table
 * (src/lib/providers/aws/operations.ts); test/unit/schedule checks both against the command
 * definitions.
 */
export const SCHEDULABLE: Readonly<Record<string, SchedulableCommand>> = {
  heartbeat: { path: 'heartbeat', perDatabase: true, unattended: [], timeoutSeconds: 120, runbook: 'heartbeat' },
  'backup status': { path: 'backup status', perDatabase: true, unattended: [], timeoutSeconds: 600, runbook: 'backup-status', fleet: true },
  'snapshot run-policy': {
    path: 'snapshot run-policy',
    perDatabase: true,
    unattended: ['--yes'],
    timeoutSeconds: 3600,
    runbook: 'snapshots',
    fleet: true,
  },
  'restore-test': {
    path: 'restore-test',
    perDatabase: true,
    unattended: ['--yes'],
    timeoutSeconds: 4 * 3600,
    runbook: 'restore-test',
    fleet: true,
  },
  'dr-drill run': { path: 'dr-drill run', perDatabase: true, unattended: [], timeoutSeconds: 6 * 3600, runbook: 'dr-drill', fleet: true },
  'free-tier-report': { path: 'free-tier-report', perDatabase: false, unattended: [], timeoutSeconds: 600, runbook: 'free-tier' },
  gc: { path: 'gc', perDatabase: false, unattended: ['--yes'], timeoutSeconds: 1800, runbook: 'gc' },
  audit: { path: 'audit', perDatabase: true, unattended: [], timeoutSeconds: 600, runbook: 'audit', fleet: true },
};

/** Short forms a job may use for a command with a default subcommand. */
const ALIASES: Readonly<Record<string, string>> = { 'dr-drill': 'dr-drill run', backup: 'backup status' };

/** Commands that cannot run unattended, and why (what a job naming one is told). */
export const NOT_UNATTENDED: Readonly<Record<string, string>> = {
  init: 'init is the setup wizard: it asks its questions on a terminal',
  psql: 'psql is an interactive session on a terminal',
  'dr-drill run --interactive': 'a game-day drill shows, times and closes each manual step with a person at the terminal',
  switchover: 'a switchover is decided by a person and asks for confirmation',
  failover: 'a failover is decided by a person, who fences the old primary',
  'provision apply':
    'provision apply changes the estate and asks for confirmation; schedule `provision plan --detailed-exitcode` from cron instead',
  'provision destroy': 'provision destroy deletes the estate',
  'instances delete': 'deleting an instance is decided by a person',
  'migrate up': 'migrations go with a deployment, not a clock',
  runbook: 'runbook prints a runbook for a person to read',
};

/** The seeds' schedule (000/001/002, and the README's crontab lines), in the Scheduler's syntax, UTC. */
export const DEFAULT_JOBS: Readonly<Record<string, { command: string; expression: string; timeout?: string }>> = {
  heartbeat: { command: 'heartbeat', expression: 'rate(5 minutes)' },
  'backup-status': { command: 'backup status', expression: 'cron(0 8 * * ? *)' },
  'snapshot-policy': { command: 'snapshot run-policy', expression: 'cron(0 5 ? * SUN *)' },
  'restore-test': { command: 'restore-test', expression: 'cron(0 5 1 * ? *)' },
  'free-tier-report': { command: 'free-tier-report', expression: 'cron(0 7 * * ? *)' },
  'dr-drill': { command: 'dr-drill run', expression: 'cron(0 6 1 1,4,7,10 ? *)' },
};

export const SCHEDULE_DEFAULTS = {
  timezone: 'UTC',
  logRetentionDays: 30,
  /** Inline Map runs at most 40 iterations at once; above that many databases, a Distributed Map. */
  distributedMapThreshold: 40,
  maxConcurrency: 4,
  toleratedFailurePercentage: 0,
} as const;

/** The databases a job runs over. */
export type ScheduleDatabases =
  /** The one configured database (no `fleet:` and no job selection). */
  | { kind: 'configured'; id: string; region: string }
  /** A fleet selection, resolved when the state machine is made (apply) or the job runs. */
  | { kind: 'fleet'; named: { id: string; region: string; account?: string }[]; selectors: Selector[] }
  /** An account-wide command: one run, no database. */
  | { kind: 'none' };

export interface ScheduleJob {
  name: string;
  /** The command path, e.g. "backup status". */
  command: string;
  /** Its runbook (runbooks/<runbook>.md). */
  runbook: string;
  /** dbops' arguments for one run, before the database's: ['backup', 'status', '--json']. */
  argv: string[];
  expression: ScheduleExpression;
  timezone: string;
  enabled: boolean;
  timeoutSeconds: number;
  databases: ScheduleDatabases;
}

export interface ScheduleModel {
  region: string;
  /** Undefined until set: render needs none for cron/systemd, apply and kubernetes do. */
  image?: string;
  timezone: string;
  subnets: string[];
  securityGroups: string[];
  logRetentionDays: number;
  /** Where a failed run is reported: the configured ARN, or the alarm topic `dbops provision` creates (by name). */
  alarmTopic: { arn: string; name?: undefined } | { arn?: undefined; name: string };
  distributedMapThreshold: number;
  maxConcurrency: number;
  toleratedFailurePercentage: number;
  /** Every job, enabled or not, by name. */
  jobs: ScheduleJob[];
}

/** One place a per-database run goes: the item of a job's Map. */
export interface ScheduleItem {
  id: string;
  region: string;
}

/** The schedule of a config, defaults filled in. Throws ConfigError (exit 2) on a bad job. */
export function resolveSchedule(config: DbopsConfig): ScheduleModel {
  const s: ScheduleConfig = config.schedule ?? {};
  // The jobs run over the fleet: a database named twice would run twice, as in `dbops fleet list`, refused.
  validateFleet(config);
  const timezone = s.timezone ?? SCHEDULE_DEFAULTS.timezone;
  checkTimezone(timezone);
  const names = [...new Set([...Object.keys(DEFAULT_JOBS), ...Object.keys(s.jobs ?? {})])];
  const jobs = names.map((name) => resolveJob(config, name, timezone));
  return {
    region: config.region,
    ...(s.image ? { image: s.image } : {}),
    timezone,
    subnets: s.subnets ?? [],
    securityGroups: s.securityGroups ?? [],
    logRetentionDays: s.logRetentionDays ?? SCHEDULE_DEFAULTS.logRetentionDays,
    alarmTopic: s.alarmTopicArn ? { arn: s.alarmTopicArn } : { name: `${config.database.identifier}-alarms` },
    distributedMapThreshold: s.distributedMapThreshold ?? SCHEDULE_DEFAULTS.distributedMapThreshold,
    maxConcurrency: s.maxConcurrency ?? config.fleet?.concurrency ?? SCHEDULE_DEFAULTS.maxConcurrency,
    toleratedFailurePercentage: s.toleratedFailurePercentage ?? SCHEDULE_DEFAULTS.toleratedFailurePercentage,
    jobs,
  };
}

/** The enabled jobs only. */
export function enabledJobs(model: ScheduleModel): ScheduleJob[] {
  return model.jobs.filter((j) => j.enabled);
}

function resolveJob(config: DbopsConfig, name: string, timezone: string): ScheduleJob {
  const given = config.schedule?.jobs?.[name] ?? {};
  const base = DEFAULT_JOBS[name];
  const where = `schedule.jobs.${name}`;
  const commandText = given.command ?? base?.command;
  if (!commandText) {
    throw new ConfigError(`${where} has no command.`, { hint: 'Give it one, e.g. command: backup status.' });
  }
  const expressionText = given.expression ?? (given.command && given.command !== base?.command ? undefined : base?.expression);
  if (!expressionText) {
    throw new ConfigError(`${where} has no expression.`, { hint: 'Give it one, e.g. expression: cron(0 8 * * ? *) or rate(1 hour).' });
  }
  const command = schedulableCommand(commandText, where);
  const expression = parseExpression(expressionText);
  if (expression instanceof ExpressionProblem) {
    throw new ConfigError(`${where}.expression ${expressionText} is refused: ${expression.reason}.`, { hint: expression.hint });
  }
  const timeoutText = given.timeout ?? base?.timeout;
  const timeoutSeconds = timeoutText ? seconds(timeoutText) : command.timeoutSeconds;
  // 0 is no limit for systemd and an error for Step Functions and Kubernetes; a year is the longest run Step Functions allows.
  if (timeoutSeconds < 1 || timeoutSeconds > 365 * 24 * 3600) {
    throw new ConfigError(`${where}.timeout ${timeoutText} is refused: a run's time limit is from 1s to a year.`, {
      hint: `Leave it out for the command's own (${command.timeoutSeconds}s), or give one such as 30min or 4h.`,
    });
  }
  const databases: ScheduleDatabases = command.perDatabase ? jobDatabases(config, given.select) : { kind: 'none' };
  return {
    name,
    command: command.path,
    runbook: command.runbook,
    argv: [...command.path.split(' '), '--json', ...command.unattended],
    expression,
    timezone,
    enabled: given.enabled ?? true,
    timeoutSeconds,
    databases,
  };
}

/**
 * The schedulable command a command line runs, from its leading words (`['dr-drill']` →
 * "dr-drill run", `['backup', 'status']` → "backup status"), or undefined.
 */
export function scheduledCommandOf(words: readonly string[]): string | undefined {
  for (let n = Math.min(words.length, 2); n >= 1; n--) {
    const path = words.slice(0, n).join(' ');
    if (SCHEDULABLE[path]) return path;
    if (n === words.length && ALIASES[path]) return ALIASES[path];
  }
  return undefined;
}

/** The command a job names, or the reason it cannot be scheduled. */
export function schedulableCommand(text: string, where = 'schedule job'): SchedulableCommand {
  const words = text.trim().split(/\s+/);
  const path = words.filter((w) => !w.startsWith('-')).join(' ');
  const key = ALIASES[path] ?? path;
  const flags = words.filter((w) => w.startsWith('-'));
  const refusal = NOT_UNATTENDED[`${key} ${flags.join(' ')}`.trim()] ?? NOT_UNATTENDED[key] ?? NOT_UNATTENDED[words[0]!];
  if (refusal) {
    throw new ConfigError(`${where}: \`${text}\` cannot run unattended: ${refusal}.`, {
      hint: `A job runs one of: ${Object.keys(SCHEDULABLE).join(', ')}.`,
    });
  }
  const found = SCHEDULABLE[key];
  if (!found) {
    throw new ConfigError(`${where}: \`${text}\` is not a command dbops runs on a schedule.`, {
      hint: `A job runs one of: ${Object.keys(SCHEDULABLE).join(', ')} (options come from the config, not the job).`,
    });
  }
  if (flags.length > 0) {
    throw new ConfigError(`${where}: \`${text}\` carries options (${flags.join(' ')}); a job names the command only.`, {
      hint: 'Settings come from the config stored with the schedule; the database and --json are added per run.',
    });
  }
  return found;
}

function jobDatabases(config: DbopsConfig, select: NonNullable<ScheduleConfig['jobs']>[string]['select']): ScheduleDatabases {
  if (select) return { kind: 'fleet', named: [], selectors: configSelectors(select) };
  const fleet = config.fleet;
  if (!fleet) return { kind: 'configured', id: config.database.identifier, region: config.region };
  return {
    kind: 'fleet',
    named: (fleet.databases ?? []).map((d) => ({
      id: d.identifier,
      region: d.region ?? config.region,
      ...(d.account ? { account: d.account } : {}),
    })),
    selectors: configSelectors(fleet.select),
  };
}

/** The items a job's Map runs over when they are known without a listing (no selectors). */
export function staticItems(job: ScheduleJob): ScheduleItem[] | undefined {
  const d = job.databases;
  if (d.kind === 'configured') return [{ id: d.id, region: d.region }];
  if (d.kind === 'none') return [];
  // Selectors, or a fleet with neither names nor selectors (every database of its regions): a listing decides.
  if (d.selectors.length > 0 || d.named.length === 0) return undefined;
  return d.named.map((n) => ({ id: n.id, region: n.region }));
}

/** The full dbops argv of one run: the job's, and the database's when it runs per database. */
export function runArgv(job: ScheduleJob, item?: ScheduleItem): string[] {
  return item ? [...job.argv, '--instance', item.id, '--region', item.region] : [...job.argv];
}

function seconds(text: string): number {
  const m = /^(\d+)\s*(s|sec|m|min|h)$/.exec(text.trim())!;
  const n = Number(m[1]);
  return m[2] === 'h' ? n * 3600 : m[2] === 'm' || m[2] === 'min' ? n * 60 : n;
}

function checkTimezone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw new ConfigError(`schedule.timezone ${tz} is not an IANA time zone.`, {
      hint: 'For example UTC, Europe/Paris or America/Chicago.',
    });
  }
}

// ---------------------------------------------------------------------------------------
// Checks that depend on where the schedule goes

/** A full image URI: registry host, repository, and a tag or a sha256 digest. */
const IMAGE_URI =
  /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?\/[a-z0-9]+([._/-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/;

/** Throws ConfigError unless `image` is registry/repository:tag or registry/repository@sha256:digest. */
export function checkImage(image: string | undefined): string {
  if (!image) {
    throw new ConfigError('schedule.image is not set: the jobs need the dbops container image to run.', {
      hint: 'Build the repository Dockerfile, push it to a registry (e.g. ECR) and set schedule.image to its full URI, e.g. 123456789012.dkr.ecr.us-east-2.amazonaws.com/dbops:1.4.0.',
    });
  }
  const host = image.includes('/') ? image.split('/')[0]! : '';
  const isHost = host.includes('.') || host.includes(':') || host === 'localhost';
  if (!IMAGE_URI.test(image) || !isHost) {
    const why = !/[:@]/.test(image.split('/').pop() ?? '')
      ? 'it has no tag or digest (a moving "latest" would change what runs unseen)'
      : !isHost
        ? 'it names no registry host'
        : 'it is not registry/repository:tag or registry/repository@sha256:<64 hex>';
    throw new ConfigError(`schedule.image ${image} is not a full image URI: ${why}.`, {
      hint: 'For example 123456789012.dkr.ecr.us-east-2.amazonaws.com/dbops:1.4.0 or ghcr.io/acme/dbops@sha256:<digest>.',
    });
  }
  return image;
}

/**
 * The tasks run in the databases' VPC: a private database (not publicly accessible, the
 * default) is reached only from subnets and a security group it allows.
 */
export function checkNetwork(model: ScheduleModel, config: DbopsConfig): void {
  if (config.database.publiclyAccessible) return;
  const missing = [
    model.subnets.length === 0 ? 'schedule.subnets' : '',
    model.securityGroups.length === 0 ? 'schedule.securityGroups' : '',
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new ConfigError(
      `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set, and ${config.database.identifier} is private: the tasks could not reach it.`,
      {
        hint: "Set schedule.subnets to private subnets of the database's VPC (with a NAT or VPC endpoints for the AWS APIs) and schedule.securityGroups to a group the database's security group allows.",
      },
    );
  }
}

/**
 * Regions where Step Functions offers the Distributed Map state. Source: the AWS What's New
 * post of 2022-12-01, "AWS Step Functions launches large-scale parallel workflows for data
 * processing and serverless applications" (Distributed Map "in all commercial AWS Regions
 * where Step Functions is available" at launch), and the Step Functions endpoints page
 * (docs.aws.amazon.com/general/latest/gr/step-functions.html) for those regions. Regions
 * opened since, GovCloud, China and the ISO partitions are not listed: the check refuses
 * them, and the hint says how to stay on an inline Map, which works everywhere.
 */
export const DISTRIBUTED_MAP_REGIONS: readonly string[] = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'af-south-1',
  'ap-east-1',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ca-central-1',
  'eu-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-north-1',
  'eu-south-1',
  'me-south-1',
  'sa-east-1',
];

/** Whether a job over `fleetSize` databases uses a Distributed Map. */
export function usesDistributedMap(model: ScheduleModel, fleetSize: number): boolean {
  return fleetSize > model.distributedMapThreshold;
}

/** Refuses a Distributed Map where Step Functions has none. */
export function checkDistributedMapRegion(model: ScheduleModel, job: ScheduleJob, fleetSize: number): void {
  if (!usesDistributedMap(model, fleetSize) || DISTRIBUTED_MAP_REGIONS.includes(model.region)) return;
  throw new ConfigError(
    `schedule.jobs.${job.name} runs over ${fleetSize} databases, more than schedule.distributedMapThreshold (${model.distributedMapThreshold}), which needs a Step Functions Distributed Map, and ${model.region} is not a region dbops knows to have one.`,
    {
      hint: `Raise schedule.distributedMapThreshold to ${fleetSize} or more to use an inline Map (at most 40 databases at once), or run the schedule from one of: ${DISTRIBUTED_MAP_REGIONS.join(', ')}.`,
    },
  );
}

/** Everything a schedule for AWS needs before any call: image, network. Throws ConfigError. */
export function validateForAws(model: ScheduleModel, config: DbopsConfig): void {
  checkImage(model.image);
  checkNetwork(model, config);
}

/** The names of what the schedule makes in AWS (all tagged dbops:managed), one place for apply and render. */
export const SCHEDULE_NAMES = {
  cluster: 'dbops-schedule',
  taskDefinitionFamily: 'dbops-schedule',
  executionRole: 'dbops-schedule-execution',
  logGroup: '/dbops/schedule',
  configParameter: '/dbops/schedule/config',
  taskRole: (job: string): string => `dbops-schedule-${job}`.slice(0, 64),
  stateMachineRole: (job: string): string => `dbops-schedule-${job}-sfn`.slice(0, 64),
  schedulerRole: 'dbops-schedule-scheduler',
  stateMachine: (job: string): string => `dbops-${job}`,
  schedule: (job: string): string => `dbops-${job}`,
} as const;
