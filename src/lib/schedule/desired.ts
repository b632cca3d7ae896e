/**
 * The desired state of `dbops schedule apply`: every resource, named (names.ts) and in
 * creation order, from what the schedule's model computed (input.ts: each job's cron, time
 * zone, policies and state machine definition). Pure.
 */
import { TAG, type Tags } from '../providers/types.js';
import { arnsIn, SCHEDULE_POLICY_NAME, scheduleNames } from './names.js';
import type { DesiredSchedule, PolicyDocument, Resource, RoleResource } from './resources.js';

export interface JobInput {
  name: string;
  /** EventBridge Scheduler expression: `cron(...)`, `rate(...)` or `at(...)`. */
  expression: string;
  timezone: string;
  enabled: boolean;
  /** The task role: what the job's command calls. */
  taskPolicy: PolicyDocument;
  /** The state machine's role: run the task, pass the roles, notify. */
  stateMachinePolicy: PolicyDocument;
  /** The state machine definition (ASL JSON text). */
  definition: string;
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
  /** The execution role: pull the image, write the logs, read the config parameter. */
  executionPolicy: PolicyDocument;
  /** The Scheduler's role: start the jobs' state machines. */
  schedulerPolicy: PolicyDocument;
  jobs: JobInput[];
}

/** The purpose tag of everything `dbops schedule` creates. */
export const SCHEDULE_PURPOSE = 'schedule';

function role(id: string, service: string, purpose: string, policy: PolicyDocument): RoleResource {
  return { kind: 'role', id, service, purpose, policyName: SCHEDULE_POLICY_NAME, policy };
}

export function desiredSchedule(input: ScheduleInput): DesiredSchedule {
  const n = scheduleNames(input.prefix);
  const arns = arnsIn(input.accountId, input.region, input.partition);
  const resources: Resource[] = [
    { kind: 'parameter', id: n.parameter, value: input.configText },
    { kind: 'log-group', id: n.logGroup, retentionDays: input.logRetentionDays },
    role(n.executionRole, 'ecs-tasks.amazonaws.com', 'task execution role (image, logs, config)', input.executionPolicy),
  ];
  for (const j of input.jobs) {
    resources.push(
      role(n.taskRole(j.name), 'ecs-tasks.amazonaws.com', `task role of job ${j.name}`, j.taskPolicy),
      role(n.stateMachineRole(j.name), 'states.amazonaws.com', `state machine role of job ${j.name}`, j.stateMachinePolicy),
    );
  }
  resources.push(
    role(n.schedulerRole, 'scheduler.amazonaws.com', 'EventBridge Scheduler (start the state machines)', input.schedulerPolicy),
    { kind: 'ecs-cluster', id: n.cluster },
    {
      kind: 'task-definition',
      id: n.taskFamily,
      image: input.image,
      cpu: input.cpu,
      memory: input.memory,
      executionRoleArn: arns.role(n.executionRole),
      logGroup: n.logGroup,
      region: input.region,
      configParameterArn: arns.parameter(n.parameter),
    },
  );
  for (const j of input.jobs) {
    resources.push({
      kind: 'state-machine',
      id: n.stateMachine(j.name),
      roleArn: arns.role(n.stateMachineRole(j.name)),
      definition: j.definition,
    });
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
    jobs: input.jobs.map((j) => j.name),
  };
}
