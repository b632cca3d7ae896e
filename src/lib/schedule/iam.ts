/**
 * The IAM policies of the schedule, from the table of the operations each command calls
 * (src/lib/providers/aws/operations.ts, proven on the wire):
 *
 *   - a task role per job: exactly its command's actions; sts:AssumeRole only on the fleet
 *     accounts' roles, and only when the config names some;
 *   - the execution role ECS uses to start the task: pull the image (ECR), write the log group,
 *     read the stored config (the SSM parameter ECS injects as the task's DBOPS_CONFIG_JSON);
 *   - the state machine's role: run the task definition, pass the two roles, follow the task
 *     (the .sync integration's EventBridge rule), read a failed task's last log lines (its
 *     stream in the schedule's log group), publish to the alarm topic, and for a
 *     Distributed Map start and stop its child executions.
 *
 * Resources are `*` where the actions work on any database of the fleet (RDS Describe* has
 * no resource-level narrowing worth the fragility); named where they are known. Pure.
 */
import type { DbopsConfig } from '../config/schema.js';
import { COMMAND_OPERATIONS, FLEET_ROLE_ACTION, type IamAction } from '../providers/aws/operations.js';
import type { ScheduleJob } from './config.js';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow';
  Action: IamAction[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** Where the schedule's own resources are, for the roles' resource ARNs. */
export interface IamScope {
  /** `aws` (or `aws-us-gov`, `aws-cn`). */
  partition?: string;
  region: string;
  /** The account the schedule runs in; `*` when not known yet (render). */
  accountId?: string;
  /** The SSM parameter the config is stored in, e.g. /dbops/schedule/config. */
  configParameter: string;
  logGroup: string;
}

const arn = (scope: IamScope, service: string, resource: string, region = scope.region): string =>
  `arn:${scope.partition ?? 'aws'}:${service}:${region}:${scope.accountId ?? '*'}:${resource}`;

/** The actions a job's task role allows (its command's row), sorted. */
export function jobActions(job: ScheduleJob): IamAction[] {
  return [...(COMMAND_OPERATIONS[job.command] ?? [])].sort();
}

/**
 * The task role policy of one job: nothing else (the config reaches the task through the
 * execution role). `_scope` is kept for callers: the role's resources need none today.
 */
export function taskRolePolicy(job: ScheduleJob, config: DbopsConfig, _scope: IamScope): PolicyDocument {
  const statements: PolicyStatement[] = [{ Sid: 'DbopsCommand', Effect: 'Allow', Action: jobActions(job), Resource: '*' }];
  const roles = (config.fleet?.accounts ?? []).flatMap((a) => (a.roleArn ? [a.roleArn] : []));
  if (roles.length > 0) statements.push({ Sid: 'FleetAccounts', Effect: 'Allow', Action: [FLEET_ROLE_ACTION], Resource: roles });
  return { Version: '2012-10-17', Statement: statements };
}

/** The execution role policy: pull the image, write the logs, read the config parameter. */
export function executionRolePolicy(scope: IamScope, image: string | undefined): PolicyDocument {
  const ecr = image !== undefined && /\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\//.test(image);
  const statements: PolicyStatement[] = [];
  if (ecr) {
    const [host, rest] = [image.split('/')[0]!, image.slice(image.indexOf('/') + 1)];
    const repo = rest.replace(/[:@].*$/, '');
    const [account, , , region] = host.split('.');
    statements.push(
      { Sid: 'EcrToken', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: '*' },
      {
        Sid: 'EcrPull',
        Effect: 'Allow',
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        Resource: `arn:${scope.partition ?? 'aws'}:ecr:${region}:${account}:repository/${repo}`,
      },
    );
  }
  statements.push({
    Sid: 'Logs',
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: arn(scope, 'logs', `log-group:${scope.logGroup}:*`),
  });
  statements.push({
    Sid: 'StoredConfig',
    Effect: 'Allow',
    Action: ['ssm:GetParameters'],
    Resource: arn(scope, 'ssm', `parameter/${scope.configParameter.replace(/^\//, '')}`),
  });
  return { Version: '2012-10-17', Statement: statements };
}

/** What the state machine of a job refers to, for its role. */
export interface StateMachineRoleTargets {
  /** The task definition family the jobs run. */
  taskDefinitionFamily: string;
  /** The roles the run passes to ECS: the job's task role and the execution role. */
  passRoleArns: string[];
  alarmTopicArn: string;
  /** The state machine's own ARN, when it runs a Distributed Map (child executions). */
  stateMachineArn?: string;
  cluster: string;
}

/** The state machine role policy of one job. */
export function stateMachineRolePolicy(scope: IamScope, t: StateMachineRoleTargets): PolicyDocument {
  const statements: PolicyStatement[] = [
    {
      Sid: 'RunTask',
      Effect: 'Allow',
      Action: ['ecs:RunTask'],
      Resource: arn(scope, 'ecs', `task-definition/${t.taskDefinitionFamily}:*`),
      Condition: { ArnLike: { 'ecs:cluster': arn(scope, 'ecs', `cluster/${t.cluster}`) } },
    },
    {
      Sid: 'FollowTask',
      Effect: 'Allow',
      Action: ['ecs:DescribeTasks', 'ecs:StopTask'],
      Resource: arn(scope, 'ecs', `task/${t.cluster}/*`),
    },
    {
      Sid: 'SyncRule',
      Effect: 'Allow',
      Action: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'],
      Resource: arn(scope, 'events', 'rule/StepFunctionsGetEventsForECSTaskRule'),
    },
    {
      Sid: 'PassRoles',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: t.passRoleArns,
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    },
    {
      Sid: 'ReadFailedLog',
      Effect: 'Allow',
      Action: ['logs:GetLogEvents'],
      Resource: arn(scope, 'logs', `log-group:${scope.logGroup}:log-stream:*`),
    },
    { Sid: 'Notify', Effect: 'Allow', Action: ['sns:Publish'], Resource: t.alarmTopicArn },
  ];
  if (t.stateMachineArn) {
    const executions = t.stateMachineArn.replace(':stateMachine:', ':execution:');
    statements.push(
      { Sid: 'DistributedMap', Effect: 'Allow', Action: ['states:StartExecution'], Resource: t.stateMachineArn },
      {
        Sid: 'DistributedMapRuns',
        Effect: 'Allow',
        Action: ['states:DescribeExecution', 'states:StopExecution'],
        Resource: `${executions}:*`,
      },
    );
  }
  return { Version: '2012-10-17', Statement: statements };
}

/** Who may assume each role (trust policies). */
export function trustPolicy(
  service: 'ecs-tasks.amazonaws.com' | 'states.amazonaws.com' | 'scheduler.amazonaws.com',
): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  };
}

/** The Scheduler role: start the job's state machine. */
export function schedulerRolePolicy(stateMachineArn: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'StartJob', Effect: 'Allow', Action: ['states:StartExecution'], Resource: stateMachineArn }],
  };
}
