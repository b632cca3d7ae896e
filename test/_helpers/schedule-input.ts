/** A schedule model for tests of dbops schedule (two jobs, a minimal state machine), independent of the config. */
import type { PolicyDocument } from '../../src/lib/schedule/resources.js';
import type { ScheduleInput } from '../../src/lib/schedule/desired.js';

/** The account of the fake (and moto's default). */
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

const allow = (action: string, resource: string | string[] = '*'): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: [action], Resource: resource }],
});

function job(name: string, expression: string, action: string) {
  return {
    name,
    expression,
    timezone: 'Europe/Paris',
    enabled: true,
    taskPolicy: allow(action),
    stateMachinePolicy: allow('ecs:RunTask', `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/dbops-schedule:*`),
    definition: JSON.stringify({
      StartAt: 'Run',
      States: {
        Run: {
          Type: 'Task',
          Resource: 'arn:aws:states:::ecs:runTask.sync',
          Parameters: { Cluster: 'dbops-schedule', TaskDefinition: 'dbops-schedule', LaunchType: 'FARGATE' },
          End: true,
        },
      },
    }),
  };
}

export function scheduleInput(over: Partial<ScheduleInput> = {}): ScheduleInput {
  return {
    region: REGION,
    accountId: ACCOUNT,
    image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/dbops:1.0.0',
    cpu: '256',
    memory: '512',
    logRetentionDays: 30,
    configText: JSON.stringify({ provider: 'aws', region: REGION, database: { identifier: 'prod-db' } }),
    tags: { team: 'data' },
    executionPolicy: allow('logs:PutLogEvents', `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/dbops/schedule:*`),
    schedulerPolicy: allow('states:StartExecution', [
      `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:dbops-heartbeat`,
      `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:dbops-backup-status`,
    ]),
    jobs: [
      job('heartbeat', 'cron(*/5 * * * ? *)', 'rds:DescribeDBInstances'),
      job('backup-status', 'cron(0 6 * * ? *)', 'rds:DescribeDBSnapshots'),
    ],
    ...over,
  };
}
