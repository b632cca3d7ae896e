/**
 * The names of what `dbops schedule apply` creates, from one prefix (default `dbops`), and
 * the ARNs other resources refer to them by, so the whole desired state is known before
 * anything exists. Pure.
 */

/** The inline policy every schedule role carries. */
export const SCHEDULE_POLICY_NAME = 'dbops-schedule';

/** The container name in every task definition (the state machines override its command). */
export const CONTAINER_NAME = 'dbops';

/** The environment variable the container reads the config from (the SSM parameter, via `secrets`). */
export const CONFIG_ENV = 'DBOPS_CONFIG_JSON';

export interface ScheduleNames {
  prefix: string;
  parameter: string;
  logGroup: string;
  cluster: string;
  /** The one task definition every job runs (its task role is the run's override). */
  taskFamily: string;
  executionRole: string;
  schedulerRole: string;
  group: string;
  taskRole(job: string): string;
  stateMachineRole(job: string): string;
  stateMachine(job: string): string;
  schedule(job: string): string;
  /** The job a state machine or schedule name belongs to; undefined when it is not one of ours. */
  jobOf(name: string): string | undefined;
}

/** The names `dbops schedule render --target asl|iam` prints too (config.ts SCHEDULE_NAMES). */
export function scheduleNames(prefix = 'dbops'): ScheduleNames {
  return {
    prefix,
    parameter: `/${prefix}/schedule/config`,
    logGroup: `/${prefix}/schedule`,
    cluster: `${prefix}-schedule`,
    taskFamily: `${prefix}-schedule`,
    executionRole: `${prefix}-schedule-execution`,
    schedulerRole: `${prefix}-schedule-scheduler`,
    group: prefix,
    taskRole: (job) => `${prefix}-schedule-${job}`.slice(0, 64),
    stateMachineRole: (job) => `${prefix}-schedule-${job}-sfn`.slice(0, 64),
    stateMachine: (job) => `${prefix}-${job}`,
    schedule: (job) => `${prefix}-${job}`,
    jobOf: (name) => (name.startsWith(`${prefix}-`) && !name.startsWith(`${prefix}-schedule`) ? name.slice(prefix.length + 1) : undefined),
  };
}

/** ARNs of resources by name, in one account and region. */
export interface Arns {
  role(name: string): string;
  cluster(name: string): string;
  taskFamily(family: string): string;
  stateMachine(name: string): string;
  parameter(name: string): string;
  logGroup(name: string): string;
}

export function arnsIn(accountId: string, region: string, partition = 'aws'): Arns {
  return {
    role: (n) => `arn:${partition}:iam::${accountId}:role/${n}`,
    cluster: (n) => `arn:${partition}:ecs:${region}:${accountId}:cluster/${n}`,
    taskFamily: (f) => `arn:${partition}:ecs:${region}:${accountId}:task-definition/${f}`,
    stateMachine: (n) => `arn:${partition}:states:${region}:${accountId}:stateMachine:${n}`,
    parameter: (n) => `arn:${partition}:ssm:${region}:${accountId}:parameter/${n.replace(/^\//, '')}`,
    logGroup: (n) => `arn:${partition}:logs:${region}:${accountId}:log-group:${n}`,
  };
}
