/**
 * The state machines of the schedule: every generated definition passes asl-validator (the
 * Amazon States Language schema and its checks), inline Map below the threshold, Distributed
 * Map above it, the ECS task in the subnets without a public IP, the failure notified.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/lib/config/defaults.js';
import { type AslDefinition, CONTAINER_NAME, stateMachineDefinition } from '../../../src/lib/schedule/asl.js';
import { resolveSchedule, type ScheduleItem, staticItems } from '../../../src/lib/schedule/config.js';

type Validate = (definition: unknown) => { isValid: boolean; errorsText: (separator?: string) => string };
const validateAsl = createRequire(import.meta.url)('asl-validator') as Validate;

const model = resolveSchedule({
  ...DEFAULTS,
  schedule: { subnets: ['subnet-0a1b2c3d'], securityGroups: ['sg-0a1b2c3d'], maxConcurrency: 8, toleratedFailurePercentage: 10 },
});
const targets = {
  cluster: 'dbops-schedule',
  taskDefinition: 'dbops-schedule',
  taskRoleArn: 'arn:aws:iam::123456789012:role/dbops-schedule-backup-status',
  alarmTopicArn: 'arn:aws:sns:us-east-2:123456789012:recipe-db-primary-alarms',
  logGroup: '/dbops/schedule',
  logStreamPrefix: 'dbops-schedule',
};
const fleetOf = (n: number): ScheduleItem[] => Array.from({ length: n }, (_, i) => ({ id: `db-${i + 1}`, region: 'us-east-2' }));

/** Throws with asl-validator's errors unless the definition is valid. */
function valid(def: AslDefinition): AslDefinition {
  const r = validateAsl(JSON.parse(JSON.stringify(def)));
  if (!r.isValid) throw new Error(`invalid ASL: ${r.errorsText('; ')}`);
  return def;
}

const get = (def: AslDefinition, ...path: string[]): unknown => path.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], def);

describe('state machine definitions', () => {
  it('every default job, on one database and on a large fleet, is valid ASL', () => {
    for (const job of model.jobs) {
      for (const items of [staticItems(job) ?? [], fleetOf(41), fleetOf(500)]) valid(stateMachineDefinition(model, job, items, targets));
    }
  });

  it('an inline Map up to the threshold: the task runs dbops for one database, private, and a failure is notified then fails', () => {
    const job = model.jobs.find((j) => j.name === 'backup-status')!;
    const def = valid(stateMachineDefinition(model, job, fleetOf(2), targets));
    expect(get(def, 'States', 'Databases', 'Result')).toEqual({
      databases: [
        { id: 'db-1', region: 'us-east-2' },
        { id: 'db-2', region: 'us-east-2' },
      ],
    });
    const map = get(def, 'States', 'Each database') as Record<string, unknown>;
    expect([map.Type, map.ItemsPath, map.MaxConcurrency, map.ToleratedFailurePercentage]).toEqual(['Map', '$.databases', 8, undefined]);
    expect(get(def, 'States', 'Each database', 'ItemProcessor', 'ProcessorConfig')).toEqual({ Mode: 'INLINE' });
    const run = get(def, 'States', 'Each database', 'ItemProcessor', 'States', 'Run dbops') as Record<string, unknown>;
    expect(run).toEqual({
      Type: 'Task',
      Comment: 'dbops backup status --json --instance <id> --region <region>',
      Resource: 'arn:aws:states:::ecs:runTask.sync',
      Parameters: {
        LaunchType: 'FARGATE',
        Cluster: 'dbops-schedule',
        TaskDefinition: 'dbops-schedule',
        NetworkConfiguration: {
          AwsvpcConfiguration: { Subnets: ['subnet-0a1b2c3d'], SecurityGroups: ['sg-0a1b2c3d'], AssignPublicIp: 'DISABLED' },
        },
        Overrides: {
          TaskRoleArn: 'arn:aws:iam::123456789012:role/dbops-schedule-backup-status',
          ContainerOverrides: [
            {
              Name: CONTAINER_NAME,
              'Command.$': "States.Array('backup', 'status', '--json', '--instance', $.id, '--region', $.region)",
            },
          ],
        },
        PropagateTags: 'TASK_DEFINITION',
      },
      TimeoutSeconds: 600,
      Retry: [{ ErrorEquals: ['ECS.AmazonECSException', 'ECS.ServerException'], IntervalSeconds: 30, MaxAttempts: 2, BackoffRate: 2 }],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Ran a task?' }],
      ResultPath: null,
      End: true,
    });
    const states = get(def, 'States', 'Each database', 'ItemProcessor', 'States') as Record<string, Record<string, unknown>>;
    expect(Object.keys(states)).toEqual([
      'Run dbops',
      'Ran a task?',
      'Failed task',
      'Its task id?',
      'Read its log',
      'Notify with its log',
      'Notify',
      'Failed',
    ]);
    // The failed task's log is read only when the cause is the ECS task (a timeout's is not)
    expect(states['Ran a task?']).toMatchObject({
      Type: 'Choice',
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
    });
    expect(states['Failed task']).toEqual({
      Type: 'Pass',
      Parameters: { 'task.$': 'States.StringToJson($.error.Cause)' },
      ResultPath: '$.failed',
      Next: 'Its task id?',
    });
    // Only a task ARN of the long form (…:task/<cluster>/<task id>) names a stream; anything else notifies without the log
    expect(states['Its task id?']).toMatchObject({
      Type: 'Choice',
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
    });
    // Its stream: <awslogs-stream-prefix>/<container>/<task id>, the last 20 lines; a read error still notifies
    expect(states['Read its log']).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:cloudwatchlogs:getLogEvents',
      Parameters: {
        LogGroupName: '/dbops/schedule',
        'LogStreamName.$':
          "States.Format('dbops-schedule/dbops/{}', States.ArrayGetItem(States.StringSplit($.failed.task.TaskArn, '/'), 2))",
        StartFromHead: false,
        Limit: 20,
      },
      ResultSelector: { 'lines.$': '$.Events[*].Message' },
      ResultPath: '$.log',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.logError', Next: 'Notify' }],
      Next: 'Notify with its log',
    });
    expect(states['Notify with its log']).toEqual({
      Type: 'Task',
      Resource: 'arn:aws:states:::sns:publish',
      Parameters: {
        TopicArn: 'arn:aws:sns:us-east-2:123456789012:recipe-db-primary-alarms',
        Subject: 'dbops backup-status failed',
        'Message.$':
          "States.Format('dbops backup status (job backup-status) failed on {} in {}. Error: {}. Cause: {}. Runbook: runbooks/backup-status.md (dbops runbook backup-status). The last lines of its log (/dbops/schedule), where `error [step XX-n]` is its one-line error and runbook step: {}', $.id, $.region, $.error.Error, $.error.Cause, States.JsonToString($.log.lines))",
      },
      ResultPath: null,
      Next: 'Failed',
    });
    expect(states.Notify).toEqual({
      Type: 'Task',
      Resource: 'arn:aws:states:::sns:publish',
      Parameters: {
        TopicArn: 'arn:aws:sns:us-east-2:123456789012:recipe-db-primary-alarms',
        Subject: 'dbops backup-status failed',
        'Message.$':
          "States.Format('dbops backup status (job backup-status) failed on {} in {}. Error: {}. Cause: {}. Runbook: runbooks/backup-status.md (dbops runbook backup-status); the command\\'s own one-line error and runbook step are the last lines of its log (/dbops/schedule).', $.id, $.region, $.error.Error, $.error.Cause)",
      },
      ResultPath: null,
      Next: 'Failed',
    });
    expect(states.Failed?.Type).toBe('Fail');
  });

  it("an account-wide command reads its failed task's log the same way, its message without a database", () => {
    const job = model.jobs.find((j) => j.name === 'free-tier-report')!;
    const def = valid(stateMachineDefinition(model, job, [], { ...targets, taskRoleArn: undefined }));
    expect(get(def, 'States', 'Run dbops', 'Catch')).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Ran a task?' }]);
    expect(get(def, 'States', 'Read its log', 'Next')).toBe('Notify with its log');
    expect(get(def, 'States', 'Notify with its log', 'Parameters', 'Message.$')).toBe(
      "States.Format('dbops free-tier-report (job free-tier-report) failed on the account. Error: {}. Cause: {}. Runbook: runbooks/free-tier.md (dbops runbook free-tier). The last lines of its log (/dbops/schedule), where `error [step XX-n]` is its one-line error and runbook step: {}', $.error.Error, $.error.Cause, States.JsonToString($.log.lines))",
    );
  });

  it('a Distributed Map above the threshold, with MaxConcurrency and ToleratedFailurePercentage', () => {
    const job = model.jobs.find((j) => j.name === 'restore-test')!;
    const def = valid(stateMachineDefinition(model, job, fleetOf(41), targets));
    const map = get(def, 'States', 'Each database') as Record<string, unknown>;
    expect([map.MaxConcurrency, map.ToleratedFailurePercentage, map.Label]).toEqual([8, 10, 'restore-test']);
    expect(get(def, 'States', 'Each database', 'ItemProcessor', 'ProcessorConfig')).toEqual({
      Mode: 'DISTRIBUTED',
      ExecutionType: 'STANDARD',
    });
    expect(
      get(def, 'States', 'Each database', 'ItemProcessor', 'States', 'Run dbops', 'Parameters', 'Overrides', 'ContainerOverrides'),
    ).toEqual([
      { Name: 'dbops', 'Command.$': "States.Array('restore-test', '--json', '--yes', '--instance', $.id, '--region', $.region)" },
    ]);
    expect(get(def, 'States', 'Each database', 'ItemProcessor', 'States', 'Run dbops', 'TimeoutSeconds')).toBe(4 * 3600);
  });

  it('an account-wide command is the task alone, with its literal command', () => {
    const job = model.jobs.find((j) => j.name === 'free-tier-report')!;
    const def = valid(stateMachineDefinition(model, job, [], { ...targets, taskRoleArn: undefined }));
    expect(def.StartAt).toBe('Run dbops');
    expect(get(def, 'States', 'Run dbops', 'Parameters', 'Overrides')).toEqual({
      ContainerOverrides: [{ Name: 'dbops', Command: ['free-tier-report', '--json'] }],
    });
  });

  it('the validator does catch a broken definition (the check can fail)', () => {
    const job = model.jobs[1]!;
    const def = stateMachineDefinition(model, job, fleetOf(1), targets);
    expect(() => valid({ ...def, StartAt: 'Nowhere' })).toThrow(/invalid ASL/);
  });
});
