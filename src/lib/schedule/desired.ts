/**
 * The desired state of `dbops schedule apply`, from the schedule's model (jobs with their
 * cron, time zone, IAM policy and state machine definition) and the account: every
 * resource, named (names.ts) and in creation order. Pure.
 */
import { TAG, type Tags } from '../providers/types.js';
import { arnsIn, type Arns, SCHEDULE_POLICY_NAME, scheduleNames, type ScheduleNames } from './names.js';
import type { DesiredSchedule, PolicyDocument, Resource, RoleResource } from './resources.js';

/** What the state machine of one job refers to, by ARN or name. */
export interface JobRefs {
  clusterArn: string;
  taskDefinitionFamily: string;
  taskDefinitionArn: string;
  containerName: string;
  taskRoleArn: string;
}

export interface JobInput {
  name: string;
  /** EventBridge Scheduler expression: `cron(...)` or `rate(...)`. */
  expression: string;
  timezone: string;
  enabled: boolean;
  /** What the job's task may call (the commands' operations). */
  policy: PolicyDocument;
  /** The state machine definition (ASL JSON), given what it refers to. */
  definition(refs: JobRefs): string;
}

export interface ScheduleInput {
  region: string;
  accountId: string;
  partition?: string;
  prefix?: string;
  image: string;
  cpu: string;
  memory: string;
  logRetentionDays: number;
  /** The config the tasks run with, as stored in SSM (no secret values). */
  configText: string;
  /** The config's extra tags. */
  tags: Tags;
  /** The SNS topic a failed item notifies, when there is one. */
  alarmTopicArn?: string;
  jobs: JobInput[];
}

/** The purpose tag of everything `dbops schedule` creates. */
export const SCHEDULE_PURPOSE = 'schedule';

function role(id: string, service: string, purpose: string, policy: PolicyDocument): RoleResource {
  return { kind: 'role', id, service, purpose, policyName: SCHEDULE_POLICY_NAME, policy };
}

/** The execution role: pull the image, write the logs, read the config parameter. */
export function executionPolicy(n: ScheduleNames, arns: Arns): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['ecr:GetAuthorizationToken', 'ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
        Resource: '*',
      },
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${arns.logGroup(n.logGroup)}:*` },
      { Effect: 'Allow', Action: ['ssm:GetParameters', 'ssm:GetParameter'], Resource: arns.parameter(n.parameter) },
    ],
  };
}

/** The state machines' role: run and watch the tasks (.sync uses an EventBridge rule), pass the roles, notify. */
export function stateMachinePolicy(
  n: ScheduleNames,
  arns: Arns,
  region: string,
  accountId: string,
  jobs: string[],
  topicArn?: string,
): PolicyDocument {
  const partition = arns.role('x').split(':')[1];
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'ecs:RunTask', Resource: jobs.map((j) => `${arns.taskFamily(n.taskFamily(j))}:*`) },
      { Effect: 'Allow', Action: ['ecs:StopTask', 'ecs:DescribeTasks'], Resource: '*' },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: [arns.role(n.executionRole), ...jobs.map((j) => arns.role(n.taskRole(j)))],
      },
      {
        Effect: 'Allow',
        Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        Resource: `arn:${partition}:events:${region}:${accountId}:rule/StepFunctionsGetEventsForECSTaskRule`,
      },
      {
        Effect: 'Allow',
        Action: ['states:StartExecution', 'states:DescribeExecution', 'states:StopExecution'],
        Resource: jobs.map((j) => arns.stateMachine(n.stateMachine(j))),
      },
      ...(topicArn ? [{ Effect: 'Allow' as const, Action: 'sns:Publish', Resource: topicArn }] : []),
    ],
  };
}

/** The Scheduler's role: start the jobs' state machines, nothing else. */
export function schedulerPolicy(n: ScheduleNames, arns: Arns, jobs: string[]): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'states:StartExecution', Resource: jobs.map((j) => arns.stateMachine(n.stateMachine(j))) }],
  };
}

export function desiredSchedule(input: ScheduleInput): DesiredSchedule {
  const n = scheduleNames(input.prefix);
  const arns = arnsIn(input.accountId, input.region, input.partition);
  const jobs = input.jobs.map((j) => j.name);
  const resources: Resource[] = [
    { kind: 'parameter', id: n.parameter, value: input.configText },
    { kind: 'log-group', id: n.logGroup, retentionDays: input.logRetentionDays },
    role(n.executionRole, 'ecs-tasks.amazonaws.com', 'task execution role (image, logs, config)', executionPolicy(n, arns)),
    ...input.jobs.map((j) => role(n.taskRole(j.name), 'ecs-tasks.amazonaws.com', `task role of job ${j.name}`, j.policy)),
    role(
      n.stateMachineRole,
      'states.amazonaws.com',
      'state machines (run tasks, pass roles, notify)',
      stateMachinePolicy(n, arns, input.region, input.accountId, jobs, input.alarmTopicArn),
    ),
    role(n.schedulerRole, 'scheduler.amazonaws.com', 'EventBridge Scheduler (start the state machines)', schedulerPolicy(n, arns, jobs)),
    { kind: 'ecs-cluster', id: n.cluster },
  ];
  for (const j of input.jobs) {
    resources.push({
      kind: 'task-definition',
      id: n.taskFamily(j.name),
      image: input.image,
      cpu: input.cpu,
      memory: input.memory,
      executionRoleArn: arns.role(n.executionRole),
      taskRoleArn: arns.role(n.taskRole(j.name)),
      logGroup: n.logGroup,
      region: input.region,
      configParameterArn: arns.parameter(n.parameter),
    });
  }
  for (const j of input.jobs) {
    const definition = j.definition({
      clusterArn: arns.cluster(n.cluster),
      taskDefinitionFamily: n.taskFamily(j.name),
      taskDefinitionArn: arns.taskFamily(n.taskFamily(j.name)),
      containerName: 'dbops',
      taskRoleArn: arns.role(n.taskRole(j.name)),
    });
    resources.push({ kind: 'state-machine', id: n.stateMachine(j.name), roleArn: arns.role(n.stateMachineRole), definition });
  }
  resources.push({ kind: 'schedule-group', id: n.group });
  for (const j of input.jobs) {
    resources.push({
      kind: 'schedule',
      id: n.schedule(j.name),
      group: n.group,
      expression: j.expression,
      timezone: j.timezone,
      targetArn: arns.stateMachine(n.stateMachine(j.name)),
      roleArn: arns.role(n.schedulerRole),
      state: j.enabled ? 'ENABLED' : 'DISABLED',
    });
  }
  return {
    region: input.region,
    accountId: input.accountId,
    resources,
    tags: { ...input.tags, [TAG.managed]: 'true', [TAG.purpose]: SCHEDULE_PURPOSE },
    jobs,
  };
}
