/**
 * The aws adapter of dbops schedule, call by call: the exact request each create, update,
 * read and delete sends (aws-sdk-client-mock), how "not found" is read, and the retry while
 * IAM has not made a new role assumable.
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  GetLogEventsCommand,
  PutRetentionPolicyCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateClusterCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { CreateRoleCommand, GetRoleCommand, IAMClient, NoSuchEntityException, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateScheduleCommand, CreateScheduleGroupCommand, SchedulerClient, ValidationException } from '@aws-sdk/client-scheduler';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAwsSchedule, ecsTaskId } from '../../../../src/lib/providers/aws/schedule.js';
import { desiredSchedule } from '../../../../src/lib/schedule/desired.js';
import type { Resource, ScheduleCloud } from '../../../../src/lib/schedule/resources.js';
import { scheduleInput } from '../../../_helpers/schedule-input.js';

const REGION = 'us-east-1';
const ACCT = '123456789012';
const meta = { $metadata: {} };
const TAGS = { team: 'data', 'dbops:managed': 'true', 'dbops:purpose': 'schedule' };

function resource<K extends Resource['kind']>(kind: K, id?: string): Extract<Resource, { kind: K }> {
  const found = desiredSchedule(scheduleInput()).resources.find(
    (r): r is Extract<Resource, { kind: K }> => r.kind === kind && (id === undefined || r.id === id),
  );
  if (!found) throw new Error(`no ${kind} ${id ?? ''}`);
  return found;
}

describe('aws schedule adapter: exact requests', () => {
  const ssm = mockClient(SSMClient);
  const logs = mockClient(CloudWatchLogsClient);
  const iam = mockClient(IAMClient);
  const ecs = mockClient(ECSClient);
  const sfn = mockClient(SFNClient);
  const scheduler = mockClient(SchedulerClient);
  let cloud: ScheduleCloud;

  beforeEach(() => {
    for (const m of [ssm, logs, iam, ecs, sfn, scheduler]) m.reset();
    cloud = createAwsSchedule(REGION, { maxAttempts: 1 }, { roleRetry: { attempts: 3, delayMs: 0 } });
  });
  afterEach(async () => {
    await cloud.close();
  });

  it('stores the config as a tagged String parameter, and overwrites it on update without tags', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const p = resource('parameter');

    await cloud.create(p, TAGS);
    await cloud.update(p, TAGS);

    expect(ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input)).toEqual([
      {
        Name: '/dbops/schedule/config',
        Value: p.value,
        Type: 'String',
        Tier: 'Standard',
        Tags: [
          { Key: 'team', Value: 'data' },
          { Key: 'dbops:managed', Value: 'true' },
          { Key: 'dbops:purpose', Value: 'schedule' },
        ],
      },
      { Name: '/dbops/schedule/config', Value: p.value, Type: 'String', Overwrite: true },
    ]);
  });

  it('reads a missing parameter as absent (ParameterNotFound), and a missing role (NoSuchEntity)', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'nope', ...meta }));
    iam.on(GetRoleCommand).rejects(new NoSuchEntityException({ message: 'nope', ...meta }));

    expect(await cloud.read(resource('parameter'))).toBeUndefined();
    expect(await cloud.read(resource('role', 'dbops-schedule-heartbeat'))).toBeUndefined();
  });

  it('creates the log group with its tags, then its retention', async () => {
    logs.on(CreateLogGroupCommand).resolves({});
    logs.on(PutRetentionPolicyCommand).resolves({});

    await cloud.create(resource('log-group'), TAGS);

    expect(logs.commandCalls(CreateLogGroupCommand)[0]!.args[0].input).toEqual({ logGroupName: '/dbops/schedule', tags: TAGS });
    expect(logs.commandCalls(PutRetentionPolicyCommand)[0]!.args[0].input).toEqual({
      logGroupName: '/dbops/schedule',
      retentionInDays: 30,
    });
  });

  it('creates a job role trusted by ECS tasks, tagged, with exactly the job policy inline', async () => {
    iam.on(CreateRoleCommand).resolves({});
    iam.on(PutRolePolicyCommand).resolves({});

    await cloud.create(resource('role', 'dbops-schedule-heartbeat'), TAGS);

    const created = iam.commandCalls(CreateRoleCommand)[0]!.args[0].input;
    expect(created.RoleName).toBe('dbops-schedule-heartbeat');
    expect(JSON.parse(created.AssumeRolePolicyDocument!)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    expect(created.Tags).toEqual([
      { Key: 'team', Value: 'data' },
      { Key: 'dbops:managed', Value: 'true' },
      { Key: 'dbops:purpose', Value: 'schedule' },
    ]);
    const put = iam.commandCalls(PutRolePolicyCommand)[0]!.args[0].input;
    expect(put.PolicyName).toBe('dbops-schedule');
    expect(JSON.parse(put.PolicyDocument!)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: '*' }],
    });
  });

  it('creates a Fargate cluster and the task definition with the image, execution role, logs and the config from SSM', async () => {
    ecs.on(CreateClusterCommand).resolves({});
    ecs.on(RegisterTaskDefinitionCommand).resolves({});

    await cloud.create(resource('ecs-cluster'), TAGS);
    await cloud.create(resource('task-definition', 'dbops-schedule'), TAGS);

    expect(ecs.commandCalls(CreateClusterCommand)[0]!.args[0].input).toEqual({
      clusterName: 'dbops-schedule',
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
      tags: [
        { key: 'team', value: 'data' },
        { key: 'dbops:managed', value: 'true' },
        { key: 'dbops:purpose', value: 'schedule' },
      ],
    });
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)[0]!.args[0].input).toEqual({
      family: 'dbops-schedule',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      executionRoleArn: `arn:aws:iam::${ACCT}:role/dbops-schedule-execution`,
      containerDefinitions: [
        {
          name: 'dbops',
          image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/dbops:1.0.0',
          essential: true,
          secrets: [{ name: 'DBOPS_CONFIG_JSON', valueFrom: `arn:aws:ssm:${REGION}:${ACCT}:parameter/dbops/schedule/config` }],
          logConfiguration: {
            logDriver: 'awslogs',
            options: { 'awslogs-group': '/dbops/schedule', 'awslogs-region': REGION, 'awslogs-stream-prefix': 'dbops-schedule' },
          },
        },
      ],
      tags: [
        { key: 'team', value: 'data' },
        { key: 'dbops:managed', value: 'true' },
        { key: 'dbops:purpose', value: 'schedule' },
      ],
    });
  });

  it('creates the state machine (STANDARD, its role, tagged)', async () => {
    sfn.on(CreateStateMachineCommand).resolves({ stateMachineArn: 'x', creationDate: new Date(0) });
    const sm = resource('state-machine', 'dbops-heartbeat');

    await cloud.create(sm, TAGS);

    expect(sfn.commandCalls(CreateStateMachineCommand)[0]!.args[0].input).toEqual({
      name: 'dbops-heartbeat',
      definition: sm.definition,
      roleArn: `arn:aws:iam::${ACCT}:role/dbops-schedule-heartbeat-sfn`,
      type: 'STANDARD',
      tags: [
        { key: 'team', value: 'data' },
        { key: 'dbops:managed', value: 'true' },
        { key: 'dbops:purpose', value: 'schedule' },
      ],
    });
  });

  it('creates the tagged group, then the schedule (cron, time zone, window off, target and role), retrying while IAM catches up', async () => {
    scheduler.on(CreateScheduleGroupCommand).resolves({ ScheduleGroupArn: 'g' });
    scheduler
      .on(CreateScheduleCommand)
      .rejectsOnce(
        new ValidationException({
          message: 'The execution role you provide must allow AWS EventBridge Scheduler to assume the role.',
          Message: 'x',
          ...meta,
        }),
      )
      .resolves({ ScheduleArn: 's' });

    await cloud.create(resource('schedule-group'), TAGS);
    await cloud.create(resource('schedule', 'dbops-heartbeat'), TAGS);

    expect(scheduler.commandCalls(CreateScheduleGroupCommand)[0]!.args[0].input).toEqual({
      Name: 'dbops',
      Tags: [
        { Key: 'team', Value: 'data' },
        { Key: 'dbops:managed', Value: 'true' },
        { Key: 'dbops:purpose', Value: 'schedule' },
      ],
    });
    const calls = scheduler.commandCalls(CreateScheduleCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.args[0].input).toEqual({
      Name: 'dbops-heartbeat',
      GroupName: 'dbops',
      ScheduleExpression: 'cron(*/5 * * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: `arn:aws:states:${REGION}:${ACCT}:stateMachine:dbops-heartbeat`,
        RoleArn: `arn:aws:iam::${ACCT}:role/dbops-schedule-scheduler`,
      },
      Description: 'dbops schedule: job dbops-heartbeat',
    });
  });

  it('a schedule the Scheduler rejects for another reason fails at once, as bad input with the AWS message', async () => {
    scheduler
      .on(CreateScheduleCommand)
      .rejects(new ValidationException({ message: 'Invalid Schedule Expression cron(61 * * * ? *).', Message: 'x', ...meta }));

    await expect(cloud.create(resource('schedule', 'dbops-heartbeat'), TAGS)).rejects.toThrow(/Invalid Schedule Expression/);
    expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(1);
  });

  it('reads the last executions: ListExecutions, DescribeExecution of each, and the failed task of a failed one', async () => {
    const arn = `arn:aws:states:${REGION}:${ACCT}:stateMachine:dbops-heartbeat`;
    sfn.on(ListExecutionsCommand).resolves({
      executions: [{ executionArn: 'e1', stateMachineArn: arn, name: 'run-1', status: 'FAILED', startDate: new Date(0) }],
    });
    sfn.on(DescribeExecutionCommand).resolves({
      executionArn: 'e1',
      stateMachineArn: arn,
      name: 'run-1',
      status: 'FAILED',
      startDate: new Date(0),
      stopDate: new Date(5000),
      error: 'States.TaskFailed',
      cause: '{"database":"prod-db"}',
    });

    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 3, type: 'ExecutionFailed', timestamp: new Date(5000) },
        {
          id: 2,
          type: 'TaskFailed',
          timestamp: new Date(4000),
          taskFailedEventDetails: {
            resourceType: 'ecs',
            resource: 'runTask.sync',
            error: 'States.TaskFailed',
            cause: '{"StoppedReason":"x"}',
          },
        },
      ],
    });

    const out = await cloud.executions(arn, 5);

    expect(sfn.commandCalls(ListExecutionsCommand)[0]!.args[0].input).toEqual({ stateMachineArn: arn, maxResults: 5 });
    expect(sfn.commandCalls(DescribeExecutionCommand)[0]!.args[0].input).toEqual({ executionArn: 'e1' });
    expect(sfn.commandCalls(GetExecutionHistoryCommand)[0]!.args[0].input).toEqual({
      executionArn: 'e1',
      reverseOrder: true,
      maxResults: 100,
    });
    expect(out).toEqual([
      {
        name: 'run-1',
        status: 'FAILED',
        startDate: new Date(0),
        stopDate: new Date(5000),
        error: 'States.TaskFailed',
        cause: '{"database":"prod-db"}',
        failedTask: { error: 'States.TaskFailed', cause: '{"StoppedReason":"x"}' },
      },
    ]);
  });
  it("with the task log, reads a failed task's last lines from its stream <prefix>/dbops/<task id>; a stream gone leaves them out", async () => {
    const arn = `arn:aws:states:${REGION}:${ACCT}:stateMachine:dbops-heartbeat`;
    const taskArn = `arn:aws:ecs:${REGION}:${ACCT}:task/dbops-schedule/0a1b2c3d4e5f60718293a4b5c6d7e8f9`;
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        { executionArn: 'e1', stateMachineArn: arn, name: 'run-1', status: 'FAILED', startDate: new Date(0) },
        { executionArn: 'e2', stateMachineArn: arn, name: 'run-2', status: 'FAILED', startDate: new Date(0) },
      ],
    });
    sfn.on(DescribeExecutionCommand).callsFake((i) => ({ executionArn: i.executionArn, name: i.executionArn, status: 'FAILED' }));
    const failedTask = (cause: string) => ({
      events: [
        {
          id: 2,
          type: 'TaskFailed' as const,
          timestamp: new Date(4000),
          taskFailedEventDetails: { resourceType: 'ecs', resource: 'runTask.sync', error: 'States.TaskFailed', cause },
        },
      ],
    });
    const cause = JSON.stringify({ TaskArn: taskArn, StoppedReason: 'Essential container in task exited' });
    sfn.on(GetExecutionHistoryCommand, { executionArn: 'e1' }).resolves(failedTask(cause));
    sfn.on(GetExecutionHistoryCommand, { executionArn: 'e2' }).resolves(failedTask('{"StoppedReason":"CannotPullContainerError"}'));
    logs.on(GetLogEventsCommand).resolvesOnce({
      events: [
        { timestamp: 1, message: 'error [step HB-2]: prod-db did not answer on port 5432 within 5 s.' },
        { timestamp: 2, message: 'hint: Check the security group.' },
      ],
    });

    const out = await cloud.executions(arn, 5, { group: '/dbops/schedule', streamPrefix: 'dbops-schedule' });

    // Only the execution whose cause names its task reads a stream
    expect(logs.commandCalls(GetLogEventsCommand).map((c) => c.args[0].input)).toEqual([
      {
        logGroupName: '/dbops/schedule',
        logStreamName: 'dbops-schedule/dbops/0a1b2c3d4e5f60718293a4b5c6d7e8f9',
        startFromHead: false,
        limit: 50,
      },
    ]);
    expect(out.map((e) => e.failedTask)).toEqual([
      {
        error: 'States.TaskFailed',
        cause,
        logLines: ['error [step HB-2]: prod-db did not answer on port 5432 within 5 s.', 'hint: Check the security group.'],
      },
      { error: 'States.TaskFailed', cause: '{"StoppedReason":"CannotPullContainerError"}' },
    ]);

    // A stream that is gone (retention): the failed task without its lines, no error
    logs.on(GetLogEventsCommand).rejects(new ResourceNotFoundException({ message: 'The specified log stream does not exist.', ...meta }));
    const again = await cloud.executions(arn, 1, { group: '/dbops/schedule', streamPrefix: 'dbops-schedule' });
    expect(again[0]!.failedTask).toEqual({ error: 'States.TaskFailed', cause });

    // An operator who may not read the log (no logs:GetLogEvents): the same, status still answers
    logs
      .on(GetLogEventsCommand)
      .rejects(Object.assign(new Error('not authorized to perform: logs:GetLogEvents'), { name: 'AccessDeniedException' }));
    const denied = await cloud.executions(arn, 1, { group: '/dbops/schedule', streamPrefix: 'dbops-schedule' });
    expect(denied[0]!.failedTask).toEqual({ error: 'States.TaskFailed', cause });
  });

  it('the task id is the last part of the TaskArn in a .sync cause; anything else has none', () => {
    expect(ecsTaskId('{"TaskArn":"arn:aws:ecs:us-east-1:123456789012:task/dbops-schedule/abc123"}')).toBe('abc123');
    expect(ecsTaskId('{"StoppedReason":"x"}')).toBeUndefined();
    expect(ecsTaskId('States.Timeout')).toBeUndefined();
    expect(ecsTaskId(undefined)).toBeUndefined();
  });
});
