/**
 * One Step Functions state machine per job (Amazon States Language, JSONPath):
 *
 *   Databases (Pass: the job's databases, fixed when the state machine is made)
 *   → Each database (Map over them: inline, or Distributed above schedule.distributedMapThreshold
 *     with MaxConcurrency and ToleratedFailurePercentage)
 *       Run dbops (ecs:runTask.sync: the dbops image on Fargate in the databases' subnets and
 *       security groups, no public IP, `dbops <command> --json --instance <id> --region <region>`)
 *       → on any error: Ran a task? (Choice: is the error's cause the ECS task, JSON with its TaskArn?)
 *         → yes: Failed task (Pass: States.StringToJson of the cause) → Its task id? (Choice: a
 *                TaskArn arn:…:task/<cluster>/<task id>; else Notify)
 *                → Read its log (aws-sdk cloudwatchlogs:getLogEvents: the last LOG_LINES lines of the
 *                  task's stream <awslogs-stream-prefix>/dbops/<task id>, where dbops printed
 *                  `error [step XX-n]: <sentence>`) → Notify with its log
 *                  (on a read error: Notify)
 *         → no (a timeout, a task that never started): Notify
 *         Notify / Notify with its log (sns:publish to the alarm topic: job, database, the error
 *         and cause as Step Functions got them, the runbook to follow, and the log lines) → Failed (Fail)
 *
 * A command that runs once per account (free-tier-report, gc) is the task alone, with the
 * same Catch. Pure: the names and ARNs come in, the definition goes out; test/unit/schedule
 * validates every definition with asl-validator.
 */
import { runArgv, type ScheduleItem, type ScheduleJob, type ScheduleModel, usesDistributedMap } from './config.js';

/** The container of the task definition that runs dbops (its entry point is the CLI). */
export const CONTAINER_NAME = 'dbops';

/** What a state machine refers to, made by `schedule apply` (names work as well as ARNs for ECS). */
export interface AslTargets {
  /** ECS cluster name or ARN. */
  cluster: string;
  /** Task definition family[:revision] or ARN. */
  taskDefinition: string;
  /** The job's task role (its least-privilege policy, iam.ts); passed as the run's TaskRoleArn override. */
  taskRoleArn?: string;
  /** The SNS topic a failed run is reported to. */
  alarmTopicArn: string;
  /** The log group of the task definition (awslogs-group): a failed run's last lines are read from it. */
  logGroup: string;
  /** The task definition's awslogs-stream-prefix (its family): streams are <prefix>/<container>/<task id>. */
  logStreamPrefix: string;
}

/** How many of a failed task's last log lines the notification carries (dbops' error line and hint are the last). */
export const LOG_LINES = 20;

/** A state machine definition (JSON-serialisable). */
export type AslDefinition = Record<string, unknown>;

/** The Map's inline concurrency limit: an inline Map runs at most 40 iterations at once. */
const INLINE_MAX_CONCURRENCY = 40;

/**
 * The definition for `job` over `items` (its databases; ignored for an account-wide
 * command). Throws nothing: the model was checked when it was resolved.
 */
export function stateMachineDefinition(model: ScheduleModel, job: ScheduleJob, items: ScheduleItem[], targets: AslTargets): AslDefinition {
  const perDatabase = job.databases.kind !== 'none';
  const comment = `dbops schedule: ${job.name} (dbops ${job.command}${perDatabase ? `, ${items.length} database${items.length === 1 ? '' : 's'}` : ''}); made by dbops, do not edit`;
  if (!perDatabase) {
    return {
      Comment: comment,
      StartAt: 'Run dbops',
      States: runStates(model, job, targets, undefined),
    };
  }
  const distributed = usesDistributedMap(model, items.length);
  const maxConcurrency = distributed ? model.maxConcurrency : Math.min(model.maxConcurrency, INLINE_MAX_CONCURRENCY);
  return {
    Comment: comment,
    StartAt: 'Databases',
    States: {
      Databases: {
        Type: 'Pass',
        Comment: 'The databases of the job, as `dbops schedule apply` resolved them',
        Result: { databases: items.map((i) => ({ id: i.id, region: i.region })) },
        Next: 'Each database',
      },
      'Each database': {
        Type: 'Map',
        Comment: distributed
          ? `Distributed: more than ${model.distributedMapThreshold} databases (schedule.distributedMapThreshold)`
          : 'Inline: one iteration per database',
        ItemsPath: '$.databases',
        MaxConcurrency: maxConcurrency,
        ...(distributed ? { ToleratedFailurePercentage: model.toleratedFailurePercentage, Label: mapLabel(job.name) } : {}),
        ItemProcessor: {
          ProcessorConfig: distributed ? { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } : { Mode: 'INLINE' },
          StartAt: 'Run dbops',
          States: runStates(model, job, targets, '$'),
        },
        ResultPath: null,
        End: true,
      },
    },
  };
}

/** The Label of a Distributed Map run: up to 40 characters, no spaces or special characters. */
function mapLabel(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40);
}

/** The run task, its notification and its failure. `item`: the JSONPath of the database ({id, region}), if any. */
function runStates(model: ScheduleModel, job: ScheduleJob, targets: AslTargets, item: string | undefined): Record<string, unknown> {
  const command = item
    ? { 'Command.$': `States.Array(${[...job.argv.map(quote), "'--instance'", `${item}.id`, "'--region'", `${item}.region`].join(', ')})` }
    : { Command: runArgv(job) };
  const where = item ? ['{} in {}', `${item}.id`, `${item}.region`] : ['the account', undefined, undefined];
  const head = [`dbops ${job.command} (job ${job.name}) failed on ${where[0]}.`, 'Error: {}.', 'Cause: {}.'];
  const runbook = `Runbook: runbooks/${job.runbook}.md (dbops runbook ${job.runbook})`;
  const plain = [
    ...head,
    `${runbook}; the command's own one-line error and runbook step are the last lines of its log (${targets.logGroup}).`,
  ];
  const withLog = [
    ...head,
    `${runbook}. The last lines of its log (${targets.logGroup}), where \`error [step XX-n]\` is its one-line error and runbook step: {}`,
  ];
  const args = [...(item ? [`${item}.id`, `${item}.region`] : []), '$.error.Error', '$.error.Cause'];
  const notify = (format: string[], extra: string[]) => ({
    Type: 'Task',
    Resource: 'arn:aws:states:::sns:publish',
    Parameters: {
      TopicArn: targets.alarmTopicArn,
      Subject: `dbops ${job.name} failed`.slice(0, 100),
      'Message.$': `States.Format('${escapeFormat(format.join(' '))}', ${[...args, ...extra].join(', ')})`,
    },
    ResultPath: null,
    Next: 'Failed',
  });
  const stream = `${escapeFormat(`${targets.logStreamPrefix}/${CONTAINER_NAME}/`)}{}`;
  return {
    'Run dbops': {
      Type: 'Task',
      Comment: `dbops ${job.argv.join(' ')}${item ? ' --instance <id> --region <region>' : ''}`,
      Resource: 'arn:aws:states:::ecs:runTask.sync',
      Parameters: {
        LaunchType: 'FARGATE',
        Cluster: targets.cluster,
        TaskDefinition: targets.taskDefinition,
        NetworkConfiguration: {
          AwsvpcConfiguration: { Subnets: model.subnets, SecurityGroups: model.securityGroups, AssignPublicIp: 'DISABLED' },
        },
        Overrides: {
          ...(targets.taskRoleArn ? { TaskRoleArn: targets.taskRoleArn } : {}),
          ContainerOverrides: [{ Name: CONTAINER_NAME, ...command }],
        },
        PropagateTags: 'TASK_DEFINITION',
      },
      TimeoutSeconds: job.timeoutSeconds,
      Retry: [{ ErrorEquals: ['ECS.AmazonECSException', 'ECS.ServerException'], IntervalSeconds: 30, MaxAttempts: 2, BackoffRate: 2 }],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Ran a task?' }],
      ResultPath: null,
      End: true,
    },
    'Ran a task?': {
      Type: 'Choice',
      Comment: 'A task that ran and failed: the cause is the ECS task as JSON; a timeout or a task that never started is not',
      Choices: [
        {
          And: [
            { Variable: '$.error.Cause', IsPresent: true },
            { Variable: '$.error.Cause', IsString: true },
            { Variable: '$.error.Cause', StringMatches: '{*"TaskArn"*}' },
          ],
          Next: 'Failed task',
        },
      ],
      Default: 'Notify',
    },
    'Failed task': {
      Type: 'Pass',
      Parameters: { 'task.$': 'States.StringToJson($.error.Cause)' },
      ResultPath: '$.failed',
      Next: 'Its task id?',
    },
    'Its task id?': {
      Type: 'Choice',
      Comment: 'The task ARN arn:aws:ecs:<region>:<account>:task/<cluster>/<task id>: its stream is named by the id',
      Choices: [
        {
          And: [
            { Variable: '$.failed.task.TaskArn', IsPresent: true },
            { Variable: '$.failed.task.TaskArn', IsString: true },
            { Variable: '$.failed.task.TaskArn', StringMatches: 'arn:*:ecs:*:task/*/*' },
          ],
          Next: 'Read its log',
        },
      ],
      Default: 'Notify',
    },
    'Read its log': {
      Type: 'Task',
      Comment: `The last ${LOG_LINES} lines of the task's log stream: dbops' one-line error and runbook step`,
      Resource: 'arn:aws:states:::aws-sdk:cloudwatchlogs:getLogEvents',
      Parameters: {
        LogGroupName: targets.logGroup,
        'LogStreamName.$': `States.Format('${stream}', States.ArrayGetItem(States.StringSplit($.failed.task.TaskArn, '/'), 2))`,
        StartFromHead: false,
        Limit: LOG_LINES,
      },
      ResultSelector: { 'lines.$': '$.Events[*].Message' },
      ResultPath: '$.log',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.logError', Next: 'Notify' }],
      Next: 'Notify with its log',
    },
    'Notify with its log': notify(withLog, ['States.JsonToString($.log.lines)']),
    Notify: notify(plain, []),
    Failed: {
      Type: 'Fail',
      Error: 'DbopsRunFailed',
      Cause: `dbops ${job.command} failed; the alarm topic has the details.`,
    },
  };
}

/** An intrinsic-function string literal: single quotes, with ' { } \ escaped. */
function quote(word: string): string {
  return `'${escapeFormat(word)}'`;
}

function escapeFormat(text: string): string {
  return text.replace(/[\\'{}]/g, (c) => `\\${c}`).replace(/\\\{\\\}/g, '{}');
}
