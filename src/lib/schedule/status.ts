/**
 * `dbops schedule status`: for each job, its schedule (state, expression, time zone, next
 * run computed from the expression) and its last executions (ListExecutions /
 * DescribeExecution) with verdict, duration and, for a failure, the database and runbook
 * step it failed on: the step and one-line error from the failed task's own log (dbops'
 * `error [step XX-n]: <sentence>` line), else read from the execution's error, cause and
 * output. Read-only.
 */
import { arnsIn, scheduleNames } from './names.js';
import { nextRun } from './next-run.js';
import type { DesiredSchedule, Execution, ScheduleCloud, ScheduleResource, TaskLog } from './resources.js';

export type Verdict = 'ok' | 'failed' | 'running' | 'aborted' | 'timed-out';

export interface ExecutionStatus {
  name: string;
  verdict: Verdict;
  startedAt?: string;
  durationSeconds?: number;
  /** For a failure: the database it failed on, the runbook step, and the one-line error. */
  database?: string;
  step?: string;
  error?: string;
}

export interface JobStatus {
  job: string;
  /** Whether the schedule exists in the account. */
  deployed: boolean;
  state?: string;
  expression: string;
  timezone: string;
  /** ISO time of the next run; undefined for a rate or a disabled schedule. */
  nextRun?: string;
  executions: ExecutionStatus[];
}

export interface ScheduleStatus {
  region: string;
  jobs: JobStatus[];
}

function verdictOf(status: string): Verdict {
  switch (status) {
    case 'SUCCEEDED':
      return 'ok';
    case 'RUNNING':
    case 'PENDING_REDRIVE':
      return 'running';
    case 'ABORTED':
      return 'aborted';
    case 'TIMED_OUT':
      return 'timed-out';
    default:
      return 'failed';
  }
}

function parse(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const STEP = /\b([A-Z]{2}-R?\d+)\b/;

/** The first value of one of these keys anywhere in a JSON value (dbops' --json error, an item of a Map, an ECS task). */
function findKey(v: unknown, keys: string[], depth = 0): string | undefined {
  if (depth > 8 || v === null || typeof v !== 'object') {
    if (typeof v === 'string' && depth > 0) {
      const inner = parse(v);
      if (inner !== v) return findKey(inner, keys, depth + 1);
    }
    return undefined;
  }
  for (const [k, x] of Object.entries(v)) if (keys.includes(k) && (typeof x === 'string' || typeof x === 'number')) return String(x);
  for (const x of Object.values(v)) {
    const found = findKey(x, keys, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** `--database X` / `--instance X` in a command override (the ECS task a .sync failure describes). */
function databaseInCommand(v: unknown): string | undefined {
  const text = typeof v === 'string' ? v : JSON.stringify(v ?? '');
  return /--(?:database|instance|db)["',\s=]+([A-Za-z0-9-]+)/.exec(text)?.[1];
}

/** dbops' last line on a failed run: `error [step XX-n]: <sentence>` (program.ts reportError). */
const ERROR_LINE = /^error(?: \[step ([^\]]+)\])?: (.+)$/;

/** The step and sentence of the last `error …:` line of a task's log, if any. Pure. */
export function errorLineOf(lines: readonly string[] | undefined): { step?: string; error: string } | undefined {
  for (const line of [...(lines ?? [])].reverse()) {
    const m = ERROR_LINE.exec(line.trim());
    if (m) return { ...(m[1] ? { step: m[1] } : {}), error: m[2]! };
  }
  return undefined;
}

/** The failing database, step and message of an execution. Pure. */
export function failureOf(
  e: Pick<Execution, 'error' | 'cause' | 'output' | 'failedTask'>,
): Pick<ExecutionStatus, 'database' | 'step' | 'error'> {
  // The failed task's cause first (the ECS task, with its command and stop reason), then the execution's own.
  const sources = [parse(e.failedTask?.cause), parse(e.output), parse(e.cause)];
  // The task's own error line first: dbops said which step and why.
  const logged = errorLineOf(e.failedTask?.logLines);
  const database = sources.map((s) => findKey(s, ['database', 'databaseId', 'dbId']) ?? databaseInCommand(s)).find(Boolean);
  const step =
    logged?.step ??
    sources.map((s) => findKey(s, ['step', 'runbookStep'])).find(Boolean) ??
    [e.failedTask?.cause, e.cause, e.output].map((t) => (t ? STEP.exec(t)?.[1] : undefined)).find(Boolean);
  const message =
    logged?.error ??
    sources.map((s) => findKey(s, ['message', 'errorMessage', 'StoppedReason', 'stoppedReason'])).find(Boolean) ??
    sources.find((s): s is string => typeof s === 'string') ??
    e.failedTask?.error ??
    e.error;
  return {
    ...(database ? { database } : {}),
    ...(step ? { step } : {}),
    ...(message ? { error: message.split('\n')[0]!.slice(0, 300) } : {}),
  };
}

export function executionStatus(e: Execution): ExecutionStatus {
  const verdict = verdictOf(e.status);
  return {
    name: e.name,
    verdict,
    ...(e.startDate ? { startedAt: e.startDate.toISOString() } : {}),
    ...(e.startDate && e.stopDate ? { durationSeconds: Math.round((e.stopDate.getTime() - e.startDate.getTime()) / 1000) } : {}),
    ...(verdict === 'ok' || verdict === 'running' ? {} : failureOf(e)),
  };
}

export async function scheduleStatus(
  cloud: ScheduleCloud,
  desired: DesiredSchedule,
  prefix: string,
  now: Date,
  lastN = 5,
): Promise<ScheduleStatus> {
  const n = scheduleNames(prefix);
  const arns = arnsIn(desired.accountId, desired.region);
  // Where the task definition logs (desired.ts: awslogs-group and awslogs-stream-prefix).
  const log: TaskLog = { group: n.logGroup, streamPrefix: n.taskFamily };
  const jobs: JobStatus[] = [];
  for (const job of desired.jobs) {
    const wanted = desired.resources.find((r): r is ScheduleResource => r.kind === 'schedule' && r.id === n.schedule(job));
    if (!wanted) continue;
    const seen = await cloud.read(wanted);
    const expression = String(seen?.fields.expression ?? wanted.expression);
    const timezone = String(seen?.fields.timezone ?? wanted.timezone);
    const state = seen ? String(seen.fields.state) : undefined;
    const next = seen && state === 'ENABLED' ? nextRun(expression, timezone, now) : undefined;
    const executions = seen ? (await cloud.executions(arns.stateMachine(n.stateMachine(job)), lastN, log)).map(executionStatus) : [];
    jobs.push({
      job,
      deployed: seen !== undefined,
      ...(state ? { state } : {}),
      expression,
      timezone,
      ...(next ? { nextRun: next.toISOString() } : {}),
      executions,
    });
  }
  return { region: desired.region, jobs };
}
