/**
 * What `dbops schedule apply` keeps in the user's AWS account, as data: one resource per
 * row of the plan, in the order apply creates them (destroy deletes in reverse). Each
 * resource has the settings the plan compares (`fieldsOf`), read back the same way by the
 * adapter (providers/aws/schedule.ts), so a second apply finds nothing to do and a change
 * made outside dbops shows as drift. Pure.
 */
import type { Tags } from '../providers/types.js';

export type ScheduleKind =
  | 'parameter'
  | 'log-group'
  | 'role'
  | 'ecs-cluster'
  | 'task-definition'
  | 'state-machine'
  | 'schedule-group'
  | 'schedule';

/** The order apply creates kinds in; destroy goes backwards. */
export const KIND_ORDER: readonly ScheduleKind[] = [
  'parameter',
  'log-group',
  'role',
  'ecs-cluster',
  'task-definition',
  'state-machine',
  'schedule-group',
  'schedule',
];

/** An IAM policy document. */
export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: { Sid?: string; Effect: 'Allow' | 'Deny'; Action: string | string[]; Resource: string | string[]; Condition?: unknown }[];
}

/** The dbops config, as an SSM String parameter (no secret in it: secrets stay in Secrets Manager). */
export interface ParameterResource {
  kind: 'parameter';
  id: string;
  value: string;
}

export interface LogGroupResource {
  kind: 'log-group';
  id: string;
  retentionDays: number;
}

/** An IAM role with one inline policy, assumed by one AWS service. */
export interface RoleResource {
  kind: 'role';
  id: string;
  /** The service principal that may assume it, e.g. ecs-tasks.amazonaws.com. */
  service: string;
  policyName: string;
  policy: PolicyDocument;
  /** What the role is for, in the plan: "task role of job heartbeat". */
  purpose: string;
}

export interface ClusterResource {
  kind: 'ecs-cluster';
  id: string;
}

/** The Fargate task definition the jobs run (each run passes its job's task role): the dbops image, the config from SSM. */
export interface TaskDefinitionResource {
  kind: 'task-definition';
  /** The family. */
  id: string;
  image: string;
  cpu: string;
  memory: string;
  executionRoleArn: string;
  logGroup: string;
  region: string;
  /** The SSM parameter the container reads the config from (`secrets` valueFrom). */
  configParameterArn: string;
}

export interface StateMachineResource {
  kind: 'state-machine';
  id: string;
  roleArn: string;
  /** The Amazon States Language definition, as JSON text. */
  definition: string;
}

export interface ScheduleGroupResource {
  kind: 'schedule-group';
  id: string;
}

/** An EventBridge Scheduler schedule: cron + time zone, target the job's state machine. */
export interface ScheduleResource {
  kind: 'schedule';
  id: string;
  group: string;
  expression: string;
  timezone: string;
  targetArn: string;
  roleArn: string;
  state: 'ENABLED' | 'DISABLED';
}

export type Resource =
  | ParameterResource
  | LogGroupResource
  | RoleResource
  | ClusterResource
  | TaskDefinitionResource
  | StateMachineResource
  | ScheduleGroupResource
  | ScheduleResource;

/** Everything apply keeps, in creation order, and the tags every taggable one carries. */
export interface DesiredSchedule {
  region: string;
  accountId: string;
  resources: Resource[];
  tags: Tags;
  /** The jobs, by name (state machine / schedule names are derived from them). */
  jobs: string[];
}

/** The settings one resource is compared on (the adapter reads the same back). */
export type Fields = Record<string, string | number>;

/** JSON with object keys sorted, so two equal documents compare equal as text. Pure. */
export function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>)
          .filter(([, x]) => x !== undefined)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, x]) => [k, sort(x)]),
      );
    return v;
  };
  return JSON.stringify(sort(value));
}

/** The compared settings of a desired resource. Pure. */
export function fieldsOf(r: Resource): Fields {
  switch (r.kind) {
    case 'parameter':
      return { value: r.value };
    case 'log-group':
      return { retentionDays: r.retentionDays };
    case 'role':
      return { trustedBy: r.service, policy: canonicalJson(r.policy) };
    case 'ecs-cluster':
    case 'schedule-group':
      return {};
    case 'task-definition':
      return {
        image: r.image,
        cpu: r.cpu,
        memory: r.memory,
        executionRoleArn: r.executionRoleArn,
        logGroup: r.logGroup,
        configFrom: r.configParameterArn,
      };
    case 'state-machine':
      return { roleArn: r.roleArn, definition: canonicalJson(JSON.parse(r.definition)) };
    case 'schedule':
      return { expression: r.expression, timezone: r.timezone, target: r.targetArn, roleArn: r.roleArn, state: r.state };
  }
}

/** What the adapter found for one resource. */
export interface Observed {
  /** Tagged dbops:managed=true (schedules: in the dbops-tagged group). */
  managed: boolean;
  fields: Fields;
}

/** A resource that exists but is not wanted any more (a job removed from the config). */
export interface Leftover {
  kind: ScheduleKind;
  id: string;
  /** For a schedule: its group. */
  group?: string;
}

/**
 * The port the plan, apply, destroy and status go through; the aws adapter implements it
 * (providers/aws/schedule.ts), tests drive it through aws-sdk-client-mock or moto.
 */
export interface ScheduleCloud {
  readonly region: string;
  accountId(): Promise<string>;
  read(r: Resource): Promise<Observed | undefined>;
  create(r: Resource, tags: Tags): Promise<void>;
  update(r: Resource, tags: Tags): Promise<void>;
  /** Deletes a dbops resource (the caller checked it is dbops'). */
  remove(r: Leftover): Promise<void>;
  /** Whether a resource of that kind and id exists and is dbops': for leftovers. */
  readLeftover(r: Leftover): Promise<Observed | undefined>;
  /** The dbops jobs that exist (state machines and schedules named by the prefix), whatever the config says. */
  existingJobs(prefix: string): Promise<string[]>;
  /**
   * The last `max` executions; with `log`, a failed task's last log lines too (its stream
   * `<streamPrefix>/<container>/<task id>` in `group`), when they can be read.
   */
  executions(stateMachineArn: string, max: number, log?: TaskLog): Promise<Execution[]>;
  close(): Promise<void>;
}

/** One Step Functions execution, as status shows it. */
export interface Execution {
  name: string;
  status: string;
  startDate?: Date;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  /** A failed execution: the last task that failed in it (its error and cause: the ECS task, with the command it ran). */
  failedTask?: { error?: string; cause?: string; logLines?: string[] };
}

/** Where the tasks log (the task definition's awslogs-group and awslogs-stream-prefix). */
export interface TaskLog {
  group: string;
  streamPrefix: string;
}

/** How many of a failed task's last log lines status reads (its error line is among the last). */
export const STATUS_LOG_LINES = 50;
