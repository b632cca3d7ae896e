/**
 * The aws adapter of `dbops schedule` (the ScheduleCloud port, schedule/resources.ts):
 * reads, creates, updates and deletes the SSM parameter, log group, IAM roles, ECS
 * cluster and task definitions, Step Functions state machines and EventBridge Scheduler
 * schedules, each through the one client pool (sdk.ts) and the provisioning caller (error
 * codes stay here). Every taggable resource is created with its tags; `read` says whether
 * what exists is dbops' (dbops:managed=true; a schedule: in the dbops-tagged group).
 */
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import type {
  Execution,
  Fields,
  Leftover,
  Observed,
  Resource,
  RoleResource,
  ScheduleCloud,
  ScheduleResource,
  StateMachineResource,
  TaskDefinitionResource,
  TaskLog,
} from '../../schedule/resources.js';
import { canonicalJson, STATUS_LOG_LINES } from '../../schedule/resources.js';
import { CONFIG_ENV, CONTAINER_NAME, SCHEDULE_POLICY_NAME } from '../../schedule/names.js';
import { EnvironmentError } from '../../errors.js';
import { TAG, type Tags } from '../types.js';
import type { AwsService } from './errors.js';
import { isAwsCode, provisionCaller, type ProvisionCaller } from './provision-errors.js';
import { AwsClients, type AwsSdkSettings, type RegionClients } from './sdk.js';

const MANAGED = TAG.managed;

/** How long to wait for a new IAM role to be assumable (IAM is eventually consistent). */
export interface ScheduleTuning {
  roleRetry?: { attempts: number; delayMs: number };
}

function managedIn(tags: Record<string, string | undefined>): boolean {
  return tags[MANAGED] === 'true';
}

function tagMap(list: { Key?: string; Value?: string; key?: string; value?: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of list ?? []) {
    const k = t.Key ?? t.key;
    if (k) out[k] = t.Value ?? t.value ?? '';
  }
  return out;
}

const upperTags = (tags: Tags) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
const lowerTags = (tags: Tags) => Object.entries(tags).map(([key, value]) => ({ key, value }));

/** IAM returns policy documents URL-encoded; moto and older SDKs sometimes do not. */
export function policyDocument(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return JSON.parse(decodeURIComponent(text));
  }
}

function trustPolicy(service: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });
}

function trustedService(doc: unknown): string {
  const st = (doc as { Statement?: { Principal?: { Service?: string | string[] } }[] } | undefined)?.Statement ?? [];
  return st
    .flatMap((s) => s.Principal?.Service ?? [])
    .sort()
    .join(',');
}

/** The request that registers a job's task definition. Pure. */
export function taskDefinitionRequest(r: TaskDefinitionResource, tags: Tags) {
  const container: ContainerDefinition = {
    name: CONTAINER_NAME,
    image: r.image,
    essential: true,
    secrets: [{ name: CONFIG_ENV, valueFrom: r.configParameterArn }],
    logConfiguration: {
      logDriver: 'awslogs',
      options: { 'awslogs-group': r.logGroup, 'awslogs-region': r.region, 'awslogs-stream-prefix': r.id },
    },
  };
  return {
    family: r.id,
    requiresCompatibilities: ['FARGATE' as const],
    networkMode: 'awsvpc' as const,
    cpu: r.cpu,
    memory: r.memory,
    executionRoleArn: r.executionRoleArn,
    containerDefinitions: [container],
    tags: lowerTags(tags),
  };
}

/** The request that creates or updates a job's schedule. Pure. */
export function scheduleRequest(r: ScheduleResource) {
  return {
    Name: r.id,
    GroupName: r.group,
    ScheduleExpression: r.expression,
    ScheduleExpressionTimezone: r.timezone,
    FlexibleTimeWindow: { Mode: 'OFF' as const },
    State: r.state,
    Target: { Arn: r.targetArn, RoleArn: r.roleArn },
    Description: `dbops schedule: job ${r.id}`,
  };
}

class AwsSchedule implements ScheduleCloud {
  readonly #pool: AwsClients;
  readonly #caller: ProvisionCaller;
  readonly #retry: { attempts: number; delayMs: number };
  #account?: string;

  constructor(
    readonly region: string,
    settings: AwsSdkSettings,
    tuning: ScheduleTuning,
  ) {
    this.#pool = new AwsClients(settings);
    this.#caller = provisionCaller(region, settings);
    this.#retry = tuning.roleRetry ?? { attempts: 12, delayMs: 5000 };
  }

  get #c(): RegionClients {
    return this.#pool.forRegion(this.region);
  }

  async accountId(): Promise<string> {
    if (!this.#account) {
      const out = await this.#caller.call({ operation: 'GetCallerIdentity', service: 'sts' }, () => this.#c.sts.getCallerIdentity({}));
      if (!out.Account) throw new EnvironmentError('AWS STS GetCallerIdentity returned no account id.');
      this.#account = out.Account;
    }
    return this.#account;
  }

  /** A call that returns undefined on the listed "not found" codes. */
  async #find<T>(operation: string, service: AwsService, subject: string, codes: string[], fn: () => Promise<T>) {
    try {
      return await this.#caller.call({ operation, service, subject, expect: codes }, fn);
    } catch (e) {
      if (isAwsCode(e, ...codes)) return undefined;
      throw e;
    }
  }

  /** A call naming a role just created: retried while IAM has not made the role assumable yet. */
  async #withNewRole<T>(operation: string, service: AwsService, subject: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        const notYet = e instanceof Error && /^(AccessDenied|Validation)(Exception)?$/.test(e.name) && /assume/i.test(e.message);
        if (notYet && attempt < this.#retry.attempts) {
          await new Promise((r) => setTimeout(r, this.#retry.delayMs));
          continue;
        }
        return this.#caller.call({ operation, service, subject }, () => Promise.reject(e));
      }
    }
  }

  // ---- read ----

  async read(r: Resource): Promise<Observed | undefined> {
    switch (r.kind) {
      case 'parameter':
        return this.#readParameter(r.id);
      case 'log-group':
        return this.#readLogGroup(r.id);
      case 'role':
        return this.#readRole(r.id, r.policyName);
      case 'ecs-cluster':
        return this.#readCluster(r.id);
      case 'task-definition':
        return this.#readTaskDefinition(r.id);
      case 'state-machine':
        return this.#readStateMachine(r.id);
      case 'schedule-group':
        return this.#readGroup(r.id);
      case 'schedule':
        return this.#readSchedule(r.id, r.group);
    }
  }

  async readLeftover(l: Leftover): Promise<Observed | undefined> {
    switch (l.kind) {
      case 'role':
        return this.#readRole(l.id, SCHEDULE_POLICY_NAME);
      case 'task-definition':
        return this.#readTaskDefinition(l.id);
      case 'state-machine':
        return this.#readStateMachine(l.id);
      case 'schedule':
        return this.#readSchedule(l.id, l.group ?? '');
      case 'parameter':
        return this.#readParameter(l.id);
      case 'log-group':
        return this.#readLogGroup(l.id);
      case 'ecs-cluster':
        return this.#readCluster(l.id);
      case 'schedule-group':
        return this.#readGroup(l.id);
    }
  }

  async #readParameter(name: string): Promise<Observed | undefined> {
    const subject = `SSM parameter ${name}`;
    const out = await this.#find('GetParameter', 'ssm', subject, ['ParameterNotFound'], () => this.#c.ssm.getParameter({ Name: name }));
    if (!out?.Parameter) return undefined;
    const tags = await this.#caller.call({ operation: 'ListTagsForResource', service: 'ssm', subject }, () =>
      this.#c.ssm.listTagsForResource({ ResourceType: 'Parameter', ResourceId: name }),
    );
    return { managed: managedIn(tagMap(tags.TagList)), fields: { value: out.Parameter.Value ?? '' } };
  }

  async #readLogGroup(name: string): Promise<Observed | undefined> {
    const subject = `log group ${name}`;
    const out = await this.#caller.call({ operation: 'DescribeLogGroups', service: 'logs', subject }, () =>
      this.#c.logs.describeLogGroups({ logGroupNamePrefix: name }),
    );
    const group = (out.logGroups ?? []).find((g) => g.logGroupName === name);
    if (!group) return undefined;
    const tags = await this.#caller.call({ operation: 'ListTagsLogGroup', service: 'logs', subject }, () =>
      this.#c.logs.listTagsLogGroup({ logGroupName: name }),
    );
    return { managed: managedIn(tags.tags ?? {}), fields: { retentionDays: group.retentionInDays ?? 0 } };
  }

  async #readRole(name: string, policyName: string): Promise<Observed | undefined> {
    const subject = `IAM role ${name}`;
    const out = await this.#find('GetRole', 'iam', subject, ['NoSuchEntity'], () => this.#c.iam.getRole({ RoleName: name }));
    if (!out?.Role) return undefined;
    const policy = await this.#find('GetRolePolicy', 'iam', subject, ['NoSuchEntity'], () =>
      this.#c.iam.getRolePolicy({ RoleName: name, PolicyName: policyName }),
    );
    const fields: Fields = { trustedBy: trustedService(policyDocument(out.Role.AssumeRolePolicyDocument)) };
    fields.policy = policy?.PolicyDocument ? canonicalJson(policyDocument(policy.PolicyDocument)) : '(none)';
    return { managed: managedIn(tagMap(out.Role.Tags)), fields };
  }

  async #readCluster(name: string): Promise<Observed | undefined> {
    const out = await this.#caller.call({ operation: 'DescribeClusters', service: 'ecs', subject: `ECS cluster ${name}` }, () =>
      this.#c.ecs.describeClusters({ clusters: [name], include: ['TAGS'] }),
    );
    const cluster = (out.clusters ?? []).find((c) => c.clusterName === name && c.status !== 'INACTIVE');
    if (!cluster) return undefined;
    return { managed: managedIn(tagMap(cluster.tags)), fields: {} };
  }

  /** The ACTIVE revisions of a family, newest first. */
  async #revisions(family: string): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const out = await this.#caller.call({ operation: 'ListTaskDefinitions', service: 'ecs', subject: `task definition ${family}` }, () =>
        this.#c.ecs.listTaskDefinitions({ familyPrefix: family, status: 'ACTIVE', sort: 'DESC', ...(nextToken ? { nextToken } : {}) }),
      );
      arns.push(...(out.taskDefinitionArns ?? []).filter((a) => a.split('/').pop()?.replace(/:\d+$/, '') === family));
      nextToken = out.nextToken;
    } while (nextToken);
    return arns;
  }

  async #readTaskDefinition(family: string): Promise<Observed | undefined> {
    const [latest] = await this.#revisions(family);
    if (!latest) return undefined;
    const out = await this.#caller.call({ operation: 'DescribeTaskDefinition', service: 'ecs', subject: `task definition ${family}` }, () =>
      this.#c.ecs.describeTaskDefinition({ taskDefinition: latest, include: ['TAGS'] }),
    );
    const td = out.taskDefinition;
    const c = td?.containerDefinitions?.find((x) => x.name === CONTAINER_NAME);
    return {
      managed: managedIn(tagMap(out.tags)),
      fields: {
        image: c?.image ?? '',
        cpu: td?.cpu ?? '',
        memory: td?.memory ?? '',
        executionRoleArn: td?.executionRoleArn ?? '',
        logGroup: c?.logConfiguration?.options?.['awslogs-group'] ?? '',
        configFrom: c?.secrets?.find((s) => s.name === CONFIG_ENV)?.valueFrom ?? '',
      },
    };
  }

  async #stateMachineArn(name: string): Promise<string | undefined> {
    let nextToken: string | undefined;
    do {
      const out = await this.#caller.call({ operation: 'ListStateMachines', service: 'states' }, () =>
        this.#c.sfn.listStateMachines({ ...(nextToken ? { nextToken } : {}) }),
      );
      const found = (out.stateMachines ?? []).find((m) => m.name === name);
      if (found) return found.stateMachineArn;
      nextToken = out.nextToken;
    } while (nextToken);
    return undefined;
  }

  async #readStateMachine(name: string): Promise<Observed | undefined> {
    const arn = await this.#stateMachineArn(name);
    if (!arn) return undefined;
    const subject = `state machine ${name}`;
    const out = await this.#find('DescribeStateMachine', 'states', subject, ['StateMachineDoesNotExist'], () =>
      this.#c.sfn.describeStateMachine({ stateMachineArn: arn }),
    );
    if (!out || out.status === 'DELETING') return undefined;
    const tags = await this.#caller.call({ operation: 'ListTagsForResource', service: 'states', subject }, () =>
      this.#c.sfn.listTagsForResource({ resourceArn: arn }),
    );
    return {
      managed: managedIn(tagMap(tags.tags)),
      fields: { roleArn: out.roleArn ?? '', definition: canonicalJson(JSON.parse(out.definition ?? '{}')) },
    };
  }

  async #readGroup(name: string): Promise<Observed | undefined> {
    const subject = `schedule group ${name}`;
    const out = await this.#find('GetScheduleGroup', 'scheduler', subject, ['ResourceNotFound'], () =>
      this.#c.scheduler.getScheduleGroup({ Name: name }),
    );
    if (!out?.Arn || out.State === 'DELETING') return undefined;
    const arn = out.Arn;
    const tags = await this.#caller.call({ operation: 'ListTagsForResource', service: 'scheduler', subject }, () =>
      this.#c.scheduler.listTagsForResource({ ResourceArn: arn }),
    );
    return { managed: managedIn(tagMap(tags.Tags)), fields: {} };
  }

  async #readSchedule(name: string, group: string): Promise<Observed | undefined> {
    const out = await this.#find('GetSchedule', 'scheduler', `schedule ${name}`, ['ResourceNotFound'], () =>
      this.#c.scheduler.getSchedule({ Name: name, GroupName: group }),
    );
    if (!out) return undefined;
    // Schedules carry no tags: one in the dbops-tagged group is dbops'.
    const groupState = await this.#readGroup(group);
    return {
      managed: groupState?.managed ?? false,
      fields: {
        expression: out.ScheduleExpression ?? '',
        timezone: out.ScheduleExpressionTimezone ?? 'UTC',
        target: out.Target?.Arn ?? '',
        roleArn: out.Target?.RoleArn ?? '',
        state: out.State ?? '',
      },
    };
  }

  // ---- create / update ----

  async create(r: Resource, tags: Tags): Promise<void> {
    switch (r.kind) {
      case 'parameter': {
        await this.#caller.call({ operation: 'PutParameter', service: 'ssm', subject: `SSM parameter ${r.id}` }, () =>
          this.#c.ssm.putParameter({ Name: r.id, Value: r.value, Type: 'String', Tier: 'Standard', Tags: upperTags(tags) }),
        );
        return;
      }
      case 'log-group': {
        const subject = `log group ${r.id}`;
        await this.#caller.call({ operation: 'CreateLogGroup', service: 'logs', subject }, () =>
          this.#c.logs.createLogGroup({ logGroupName: r.id, tags }),
        );
        await this.#caller.call({ operation: 'PutRetentionPolicy', service: 'logs', subject }, () =>
          this.#c.logs.putRetentionPolicy({ logGroupName: r.id, retentionInDays: r.retentionDays }),
        );
        return;
      }
      case 'role': {
        await this.#caller.call({ operation: 'CreateRole', service: 'iam', subject: `IAM role ${r.id}` }, () =>
          this.#c.iam.createRole({
            RoleName: r.id,
            AssumeRolePolicyDocument: trustPolicy(r.service),
            Description: `dbops schedule: ${r.purpose}`,
            Tags: upperTags(tags),
          }),
        );
        await this.#putRolePolicy(r);
        return;
      }
      case 'ecs-cluster': {
        await this.#caller.call({ operation: 'CreateCluster', service: 'ecs', subject: `ECS cluster ${r.id}` }, () =>
          this.#c.ecs.createCluster({
            clusterName: r.id,
            capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
            defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
            tags: lowerTags(tags),
          }),
        );
        return;
      }
      case 'task-definition':
        return this.#registerTaskDefinition(r, tags);
      case 'state-machine':
        return this.#createStateMachine(r, tags);
      case 'schedule-group': {
        await this.#caller.call({ operation: 'CreateScheduleGroup', service: 'scheduler', subject: `schedule group ${r.id}` }, () =>
          this.#c.scheduler.createScheduleGroup({ Name: r.id, Tags: upperTags(tags) }),
        );
        return;
      }
      case 'schedule': {
        await this.#withNewRole('CreateSchedule', 'scheduler', `schedule ${r.id}`, () =>
          this.#c.scheduler.createSchedule(scheduleRequest(r)),
        );
        return;
      }
    }
  }

  async #putRolePolicy(r: RoleResource): Promise<void> {
    await this.#caller.call({ operation: 'PutRolePolicy', service: 'iam', subject: `IAM role ${r.id}` }, () =>
      this.#c.iam.putRolePolicy({ RoleName: r.id, PolicyName: r.policyName, PolicyDocument: JSON.stringify(r.policy) }),
    );
  }

  async #registerTaskDefinition(r: TaskDefinitionResource, tags: Tags): Promise<void> {
    await this.#caller.call({ operation: 'RegisterTaskDefinition', service: 'ecs', subject: `task definition ${r.id}` }, () =>
      this.#c.ecs.registerTaskDefinition(taskDefinitionRequest(r, tags)),
    );
  }

  async #createStateMachine(r: StateMachineResource, tags: Tags): Promise<void> {
    await this.#withNewRole('CreateStateMachine', 'states', `state machine ${r.id}`, () =>
      this.#c.sfn.createStateMachine({ name: r.id, definition: r.definition, roleArn: r.roleArn, type: 'STANDARD', tags: lowerTags(tags) }),
    );
  }

  async update(r: Resource, tags: Tags): Promise<void> {
    switch (r.kind) {
      case 'parameter': {
        await this.#caller.call({ operation: 'PutParameter', service: 'ssm', subject: `SSM parameter ${r.id}` }, () =>
          this.#c.ssm.putParameter({ Name: r.id, Value: r.value, Type: 'String', Overwrite: true }),
        );
        return;
      }
      case 'log-group': {
        await this.#caller.call({ operation: 'PutRetentionPolicy', service: 'logs', subject: `log group ${r.id}` }, () =>
          this.#c.logs.putRetentionPolicy({ logGroupName: r.id, retentionInDays: r.retentionDays }),
        );
        return;
      }
      case 'role': {
        await this.#caller.call({ operation: 'UpdateAssumeRolePolicy', service: 'iam', subject: `IAM role ${r.id}` }, () =>
          this.#c.iam.updateAssumeRolePolicy({ RoleName: r.id, PolicyDocument: trustPolicy(r.service) }),
        );
        await this.#putRolePolicy(r);
        return;
      }
      case 'task-definition':
        // A task definition is immutable: a new revision replaces it.
        return this.#registerTaskDefinition(r, tags);
      case 'state-machine': {
        const arn = await this.#stateMachineArn(r.id);
        await this.#withNewRole('UpdateStateMachine', 'states', `state machine ${r.id}`, () =>
          this.#c.sfn.updateStateMachine({ stateMachineArn: arn, definition: r.definition, roleArn: r.roleArn }),
        );
        return;
      }
      case 'schedule': {
        await this.#withNewRole('UpdateSchedule', 'scheduler', `schedule ${r.id}`, () =>
          this.#c.scheduler.updateSchedule(scheduleRequest(r)),
        );
        return;
      }
      case 'ecs-cluster':
      case 'schedule-group':
        // Nothing is compared on these: they never need an update.
        return;
    }
  }

  // ---- delete ----

  async remove(l: Leftover): Promise<void> {
    const gone = ['ResourceNotFound', 'NoSuchEntity', 'ParameterNotFound', 'StateMachineDoesNotExist'];
    switch (l.kind) {
      case 'parameter':
        await this.#find('DeleteParameter', 'ssm', `SSM parameter ${l.id}`, gone, () => this.#c.ssm.deleteParameter({ Name: l.id }));
        return;
      case 'log-group':
        await this.#find('DeleteLogGroup', 'logs', `log group ${l.id}`, gone, () => this.#c.logs.deleteLogGroup({ logGroupName: l.id }));
        return;
      case 'role':
        await this.#find('DeleteRolePolicy', 'iam', `IAM role ${l.id}`, gone, () =>
          this.#c.iam.deleteRolePolicy({ RoleName: l.id, PolicyName: SCHEDULE_POLICY_NAME }),
        );
        await this.#find('DeleteRole', 'iam', `IAM role ${l.id}`, gone, () => this.#c.iam.deleteRole({ RoleName: l.id }));
        return;
      case 'ecs-cluster':
        await this.#find('DeleteCluster', 'ecs', `ECS cluster ${l.id}`, ['ClusterNotFound'], () =>
          this.#c.ecs.deleteCluster({ cluster: l.id }),
        );
        return;
      case 'task-definition':
        for (const arn of await this.#revisions(l.id)) {
          await this.#caller.call({ operation: 'DeregisterTaskDefinition', service: 'ecs', subject: `task definition ${l.id}` }, () =>
            this.#c.ecs.deregisterTaskDefinition({ taskDefinition: arn }),
          );
        }
        return;
      case 'state-machine': {
        const arn = await this.#stateMachineArn(l.id);
        if (arn)
          await this.#caller.call({ operation: 'DeleteStateMachine', service: 'states', subject: `state machine ${l.id}` }, () =>
            this.#c.sfn.deleteStateMachine({ stateMachineArn: arn }),
          );
        return;
      }
      case 'schedule-group':
        await this.#find('DeleteScheduleGroup', 'scheduler', `schedule group ${l.id}`, gone, () =>
          this.#c.scheduler.deleteScheduleGroup({ Name: l.id }),
        );
        return;
      case 'schedule':
        await this.#find('DeleteSchedule', 'scheduler', `schedule ${l.id}`, gone, () =>
          this.#c.scheduler.deleteSchedule({ Name: l.id, GroupName: l.group }),
        );
        return;
    }
  }

  async existingJobs(prefix: string): Promise<string[]> {
    const names = new Set<string>();
    let nextToken: string | undefined;
    do {
      const out = await this.#caller.call({ operation: 'ListStateMachines', service: 'states' }, () =>
        this.#c.sfn.listStateMachines({ ...(nextToken ? { nextToken } : {}) }),
      );
      for (const m of out.stateMachines ?? []) if (m.name?.startsWith(`${prefix}-`)) names.add(m.name);
      nextToken = out.nextToken;
    } while (nextToken);
    const group = await this.#readGroup(prefix);
    if (group) {
      let NextToken: string | undefined;
      do {
        const out = await this.#caller.call({ operation: 'ListSchedules', service: 'scheduler' }, () =>
          this.#c.scheduler.listSchedules({ GroupName: prefix, ...(NextToken ? { NextToken } : {}) }),
        );
        for (const s of out.Schedules ?? []) if (s.Name?.startsWith(`${prefix}-`)) names.add(s.Name);
        NextToken = out.NextToken;
      } while (NextToken);
    }
    return [...names].sort();
  }

  async executions(stateMachineArn: string, max: number, log?: TaskLog): Promise<Execution[]> {
    const out = await this.#find('ListExecutions', 'states', `state machine ${stateMachineArn}`, ['StateMachineDoesNotExist'], () =>
      this.#c.sfn.listExecutions({ stateMachineArn, maxResults: max }),
    );
    const result: Execution[] = [];
    for (const e of out?.executions ?? []) {
      const d = await this.#caller.call({ operation: 'DescribeExecution', service: 'states' }, () =>
        this.#c.sfn.describeExecution({ executionArn: e.executionArn }),
      );
      const failedTask = d.status === 'FAILED' || d.status === 'TIMED_OUT' ? await this.#failedTask(e.executionArn!, log) : undefined;
      result.push({
        ...(failedTask ? { failedTask } : {}),
        name: d.name ?? e.name ?? '',
        status: d.status ?? e.status ?? '',
        ...(d.startDate ? { startDate: d.startDate } : {}),
        ...(d.stopDate ? { stopDate: d.stopDate } : {}),
        ...(d.output ? { output: d.output } : {}),
        ...(d.error ? { error: d.error } : {}),
        ...(d.cause ? { cause: d.cause } : {}),
      });
    }
    return result;
  }

  /**
   * The last failed task of an execution (newest events first): which database, as the ECS
   * task's command says; with `log`, the task's last log lines (dbops' `error [step XX-n]`).
   */
  async #failedTask(executionArn: string, log: TaskLog | undefined): Promise<Execution['failedTask']> {
    const out = await this.#caller.call({ operation: 'GetExecutionHistory', service: 'states' }, () =>
      this.#c.sfn.getExecutionHistory({ executionArn, reverseOrder: true, maxResults: 100 }),
    );
    const failed = (out.events ?? []).find((ev) => ev.taskFailedEventDetails || ev.taskTimedOutEventDetails);
    const d = failed?.taskFailedEventDetails ?? failed?.taskTimedOutEventDetails;
    if (!d) return undefined;
    const taskId = log ? ecsTaskId(d.cause) : undefined;
    const logLines = log && taskId ? await this.#logTail(log, taskId) : undefined;
    return { ...(d.error ? { error: d.error } : {}), ...(d.cause ? { cause: d.cause } : {}), ...(logLines ? { logLines } : {}) };
  }

  /**
   * The last lines of a task's log stream, oldest first. A stream that is gone (retention, a
   * task that never started) or a log the caller may not read leaves them out: status still
   * shows what the execution says.
   */
  async #logTail(log: TaskLog, taskId: string): Promise<string[] | undefined> {
    const logStreamName = `${log.streamPrefix}/${CONTAINER_NAME}/${taskId}`;
    const out = await this.#find(
      'GetLogEvents',
      'logs',
      `log stream ${log.group}/${logStreamName}`,
      ['ResourceNotFound', 'AccessDenied'],
      () => this.#c.logs.getLogEvents({ logGroupName: log.group, logStreamName, startFromHead: false, limit: STATUS_LOG_LINES }),
    );
    return out ? (out.events ?? []).flatMap((ev) => (ev.message === undefined ? [] : [ev.message])) : undefined;
  }

  async close(): Promise<void> {
    this.#pool.destroy();
  }
}

/** The id of the ECS task a `.sync` failure's cause describes (the last part of its TaskArn). Pure. */
export function ecsTaskId(cause: string | undefined): string | undefined {
  if (!cause) return undefined;
  try {
    const task = JSON.parse(cause) as { TaskArn?: unknown; taskArn?: unknown };
    const taskArn = task.TaskArn ?? task.taskArn;
    return typeof taskArn === 'string' && /:task\/.+\/.+/.test(taskArn) ? taskArn.split('/').pop() : undefined;
  } catch {
    return undefined;
  }
}

export function createAwsSchedule(region: string, settings: AwsSdkSettings, tuning: ScheduleTuning = {}): ScheduleCloud {
  return new AwsSchedule(region, settings, tuning);
}
