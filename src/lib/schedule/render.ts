/**
 * `dbops schedule render`: the same schedule for one machine (crontab lines, systemd service
 * and timer units) or a Kubernetes cluster (batch/v1 CronJobs with the dbops image, the same
 * command, concurrencyPolicy Forbid), for users not on AWS or not yet. The Scheduler
 * expressions are translated; one that a target cannot express (L, W, # in crontab, a year,
 * a rate that does not divide the hour or the day, a one-time at()) is said, not approximated.
 * Pure: text in, text out.
 */
import { stringify } from 'yaml';
import { type ScheduleItem, type ScheduleJob, type ScheduleModel, SCHEDULABLE, staticItems } from './config.js';
import { type CronExpression, type ScheduleExpression, WEEKDAYS } from './expression.js';
import type { AnyTarget } from './targets.js';

/** A translation that cannot be made, and why. */
export class Untranslatable {
  constructor(readonly reason: string) {}
}

/** One run of a job on one machine: the argv after `dbops`, or why it cannot be written. */
export interface LocalRun {
  argv: string[];
  /** The database, when the run is for one. */
  item?: ScheduleItem;
}

/**
 * The runs of a job on one machine: one per database when they are known; a fleet command
 * with `--select` when the job selects by tag, engine or identifier; otherwise untranslatable.
 */
export function localRuns(job: ScheduleJob, outputFlag: '--json' | '--quiet'): LocalRun[] | Untranslatable {
  const base = job.argv.map((a) => (a === '--json' ? outputFlag : a));
  const items = staticItems(job);
  if (job.databases.kind === 'none') return [{ argv: base }];
  if (items) return items.map((item) => ({ argv: [...base, '--instance', item.id, '--region', item.region], item }));
  const selectors = job.databases.kind === 'fleet' ? job.databases.selectors : [];
  if (!SCHEDULABLE[job.command]?.fleet) {
    return new Untranslatable(`dbops ${job.command} takes no --select, and the job's databases are known only by listing them`);
  }
  return [{ argv: [...base, ...selectors.flatMap((s) => ['--select', selectorFlag(s)])] }];
}

function selectorFlag(s: { kind: string; value: string; text: string; key?: string }): string {
  if (s.kind === 'tag') return `tag:${s.key}=${s.value}`;
  return `${s.kind}=${s.value}`;
}

// ---------------------------------------------------------------------------------------
// cron (crontab, Kubernetes)

const FIVE_FIELD_HINT = 'crontab and Kubernetes have five fields, no year, and no L, W or #';

/** A Scheduler expression as a five-field cron line, or why not. */
export function toFiveFieldCron(e: ScheduleExpression): string | Untranslatable {
  if (e.kind === 'at') return new Untranslatable(`${e.text} runs once; crontab and Kubernetes CronJobs repeat`);
  if (e.kind === 'rate') {
    if (e.unit === 'minute') {
      if (e.value === 1) return '* * * * *';
      return 60 % e.value === 0 ? `*/${e.value} * * * *` : new Untranslatable(`${e.text}: ${e.value} does not divide the hour`);
    }
    if (e.unit === 'hour') {
      if (e.value === 1) return '0 * * * *';
      return 24 % e.value === 0 ? `0 */${e.value} * * *` : new Untranslatable(`${e.text}: ${e.value} does not divide the day`);
    }
    return e.value === 1 ? '0 0 * * *' : new Untranslatable(`${e.text}: every ${e.value} days has no cron equivalent (months differ)`);
  }
  const f = e.fields;
  if (f.year !== '*') return new Untranslatable(`${e.text}: a year (${f.year}); ${FIVE_FIELD_HINT}`);
  for (const [name, v] of [
    ['day-of-month', f.dayOfMonth],
    ['day-of-week', f.dayOfWeek],
  ] as const) {
    if (/[LW#]/.test(v)) return new Untranslatable(`${e.text}: ${name} ${v}; ${FIVE_FIELD_HINT}`);
  }
  const step = (v: string, max: number) => v.replace(/^(\d+)\/(\d+)$/, (_, a: string, b: string) => `${a}-${max}/${b}`);
  const minutes = f.minutes.split(',').map((v) => step(v, 59));
  const hours = f.hours.split(',').map((v) => step(v, 23));
  const dom = f.dayOfMonth === '?' ? '*' : f.dayOfMonth.split(',').map((v) => step(v, 31));
  const month = f.month
    .toLowerCase()
    .split(',')
    .map((v) => step(v, 12));
  const dow =
    f.dayOfWeek === '?'
      ? '*'
      : f.dayOfWeek
          .split(',')
          .map((v) => v.replace(/\d+/g, (n) => String(Number(n) - 1)).toLowerCase())
          .join(',');
  return [minutes.join(','), hours.join(','), Array.isArray(dom) ? dom.join(',') : dom, month.join(','), dow].join(' ');
}

/** Shell-safe word for a crontab line. */
function shellWord(w: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/** crontab lines: one per run, CRON_TZ for the time zone (cronie), disabled jobs commented out. */
export function renderCrontab(model: ScheduleModel): string {
  const out = [
    '# dbops schedule (dbops schedule render --target crontab)',
    "# cron starts each line in the home directory of this crontab's user: dbops finds dbops.config.yaml there.",
    `CRON_TZ=${model.timezone}`,
  ];
  for (const job of model.jobs) {
    const when = toFiveFieldCron(job.expression);
    const runs = localRuns(job, '--quiet');
    out.push(
      '',
      `# ${job.name}: dbops ${job.command}, ${job.expression.text}${job.enabled ? '' : ' (disabled: schedule.jobs.' + job.name + '.enabled)'}`,
    );
    if (when instanceof Untranslatable || runs instanceof Untranslatable) {
      out.push(`# not rendered: ${(when instanceof Untranslatable ? when : (runs as Untranslatable)).reason}`);
      continue;
    }
    for (const run of runs) out.push(`${job.enabled ? '' : '# '}${when}  dbops ${run.argv.map(shellWord).join(' ')}`);
  }
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------
// systemd

const DAY_NAMES = WEEKDAYS.map((d) => d[0] + d.slice(1).toLowerCase());

function systemdList(v: string, names?: (token: string) => string): string {
  const name = names ?? ((t: string) => t);
  return v
    .split(',')
    .map((item) => {
      if (item === '*') return '*';
      const [range, step] = item.split('/');
      const r = range === '*' ? '0' : range!.split('-').map(name).join('..');
      return step ? `${r}/${step}` : r;
    })
    .join(',');
}

const pad = (t: string) => (/^\d$/.test(t) ? `0${t}` : t);

/** A Scheduler cron expression as a systemd OnCalendar value, or why not. */
export function toOnCalendar(e: CronExpression, timezone: string): string | Untranslatable {
  const f = e.fields;
  if (/[W#]/.test(f.dayOfMonth + f.dayOfWeek) || /L/.test(f.dayOfWeek)) {
    return new Untranslatable(`${e.text}: systemd calendars have no nearest weekday (W), nth weekday (#) or last weekday (nL)`);
  }
  const monthNumber = (t: string) => {
    const i = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'].indexOf(t);
    return pad(i >= 0 ? String(i + 1) : t);
  };
  const dayName = (t: string) => (/^\d$/.test(t) ? DAY_NAMES[Number(t) - 1]! : DAY_NAMES[WEEKDAYS.indexOf(t)]!);
  const dow = f.dayOfWeek === '?' || f.dayOfWeek === '*' ? '' : `${systemdList(f.dayOfWeek, dayName)} `;
  const year = f.year === '*' ? '*' : systemdList(f.year);
  const month = f.month === '*' ? '*' : systemdList(f.month, monthNumber);
  const date =
    f.dayOfMonth === 'L'
      ? `${year}-${month}~01`
      : `${year}-${month}-${f.dayOfMonth === '?' || f.dayOfMonth === '*' ? '*' : systemdList(f.dayOfMonth, pad)}`;
  const time = `${systemdList(f.hours, pad)}:${systemdList(f.minutes, pad)}:00`;
  return `${dow}${date} ${time} ${timezone}`;
}

const RATE_UNIT = { minute: 'min', hour: 'h', day: 'd' } as const;

/** The [Timer] lines of a job, or why it has none. */
function timerLines(job: ScheduleJob): string[] | Untranslatable {
  const e = job.expression;
  if (e.kind === 'rate') {
    const every = `${e.value}${RATE_UNIT[e.unit]}`;
    return [`OnBootSec=${every}`, `OnUnitActiveSec=${every}`];
  }
  if (e.kind === 'at') {
    const [d, t] = e.at.split('T');
    return [`OnCalendar=${d} ${t} ${job.timezone}`, 'Persistent=true'];
  }
  const cal = toOnCalendar(e, job.timezone);
  return cal instanceof Untranslatable ? cal : [`OnCalendar=${cal}`, 'Persistent=true'];
}

/** A .service and a .timer per job, each headed by its path; disabled jobs are left out, said in a comment. */
export function renderSystemd(model: ScheduleModel): string {
  const out: string[] = [
    '# dbops schedule (dbops schedule render --target systemd): put each unit in /etc/systemd/system,',
    '# then `systemctl daemon-reload` and `systemctl enable --now dbops-<job>.timer` for each timer.',
  ];
  for (const job of model.jobs) {
    const unit = `dbops-${job.name}`;
    if (!job.enabled) {
      out.push('', `# ${job.name}: disabled (schedule.jobs.${job.name}.enabled)`);
      continue;
    }
    const timer = timerLines(job);
    const runs = localRuns(job, '--json');
    if (timer instanceof Untranslatable || runs instanceof Untranslatable) {
      out.push('', `# ${job.name}: not rendered: ${(timer instanceof Untranslatable ? timer : (runs as Untranslatable)).reason}`);
      continue;
    }
    out.push(
      '',
      `# /etc/systemd/system/${unit}.service`,
      '[Unit]',
      `Description=dbops ${job.command} (job ${job.name})`,
      'Wants=network-online.target',
      'After=network-online.target',
      '',
      '[Service]',
      'Type=oneshot',
      'User=dbops',
      ...runs.map((r) => `ExecStart=/usr/bin/env dbops ${r.argv.join(' ')}`),
      `TimeoutStartSec=${job.timeoutSeconds}`,
      '',
      `# /etc/systemd/system/${unit}.timer`,
      '[Unit]',
      `Description=dbops ${job.command}: ${job.expression.text}`,
      '',
      '[Timer]',
      ...timer,
      `Unit=${unit}.service`,
      '',
      '[Install]',
      'WantedBy=timers.target',
    );
  }
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------
// Kubernetes

/** A CronJob name: a DNS label of at most 52 characters (the Job controller appends 11). */
function cronJobName(job: ScheduleJob, item: ScheduleItem | undefined, many: boolean): string {
  const base = many && item ? `dbops-${job.name}-${item.id}` : `dbops-${job.name}`;
  return base
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 52)
    .replace(/-+$/, '');
}

/** The CronJob manifests (objects), one per run of each job. */
export function kubernetesManifests(model: ScheduleModel, image: string): { manifests: Record<string, unknown>[]; skipped: string[] } {
  const manifests: Record<string, unknown>[] = [];
  const skipped: string[] = [];
  for (const job of model.jobs) {
    const schedule = toFiveFieldCron(job.expression);
    const runs = localRuns(job, '--json');
    if (schedule instanceof Untranslatable || runs instanceof Untranslatable) {
      skipped.push(`${job.name}: ${(schedule instanceof Untranslatable ? schedule : (runs as Untranslatable)).reason}`);
      continue;
    }
    for (const run of runs) {
      manifests.push({
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: {
          name: cronJobName(job, run.item, runs.length > 1),
          labels: { 'app.kubernetes.io/name': 'dbops', 'app.kubernetes.io/component': job.name, 'app.kubernetes.io/managed-by': 'dbops' },
        },
        spec: {
          schedule,
          timeZone: job.timezone,
          concurrencyPolicy: 'Forbid',
          suspend: !job.enabled,
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            spec: {
              backoffLimit: 0,
              activeDeadlineSeconds: job.timeoutSeconds,
              template: {
                metadata: { labels: { 'app.kubernetes.io/name': 'dbops', 'app.kubernetes.io/component': job.name } },
                spec: {
                  restartPolicy: 'Never',
                  securityContext: { runAsNonRoot: true },
                  containers: [
                    {
                      name: 'dbops',
                      image,
                      args: run.argv,
                      workingDir: '/etc/dbops',
                      envFrom: [{ secretRef: { name: 'dbops-credentials', optional: true } }],
                      volumeMounts: [{ name: 'config', mountPath: '/etc/dbops', readOnly: true }],
                    },
                  ],
                  volumes: [{ name: 'config', configMap: { name: 'dbops-config' } }],
                },
              },
            },
          },
        },
      });
    }
  }
  return { manifests, skipped };
}

/** The manifests as one YAML stream. */
export function renderKubernetes(model: ScheduleModel, image: string): string {
  const { manifests, skipped } = kubernetesManifests(model, image);
  const head = [
    '# dbops schedule (dbops schedule render --target kubernetes): `kubectl apply -f` this file.',
    '# The config is the ConfigMap dbops-config (kubectl create configmap dbops-config --from-file=dbops.config.yaml),',
    '# credentials (AWS_*, DBOPS_DB_PASSWORD) the optional Secret dbops-credentials.',
    ...skipped.map((s) => `# not rendered: ${s}`),
  ];
  return `${head.join('\n')}\n${manifests.map((m) => `---\n${stringify(m, { lineWidth: 0 })}`).join('')}`;
}

// ---------------------------------------------------------------------------------------
// The command's result

export interface RenderResult {
  target: AnyTarget;
  /** What is printed: the file (crontab, units, manifests) or JSON documents. */
  text: string;
}
