/**
 * FakeScheduleAccount: a stateful AWS account for `dbops schedule` on aws-sdk-client-mock
 * (after FakeAwsAccount): SSM parameters, CloudWatch Logs groups, IAM roles with inline
 * policies, ECS clusters and task definition revisions, Step Functions state machines and
 * their executions, EventBridge Scheduler groups and schedules, STS. It records every
 * command it answers (`calls`), so a test can say "the second apply sent no write"; tests
 * change its state directly to make drift or seed executions. `restore()` in afterEach.
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  GetLogEventsCommand,
  ListTagsLogGroupCommand,
  PutRetentionPolicyCommand,
  ResourceNotFoundException as LogsNotFound,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateClusterCommand,
  DeleteClusterCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs';
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  NoSuchEntityException,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  DeleteScheduleGroupCommand,
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ListSchedulesCommand,
  ListTagsForResourceCommand as SchedulerTags,
  ResourceNotFoundException as SchedulerNotFound,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  ListTagsForResourceCommand as SfnTags,
  SFNClient,
  StateMachineDoesNotExist,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import {
  DeleteParameterCommand,
  GetParameterCommand,
  ListTagsForResourceCommand as SsmTags,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';

export const FAKE_ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const meta = { $metadata: {} };

type KV = { Key?: string; Value?: string; key?: string; value?: string };
const toMap = (tags: KV[] | Record<string, string> | undefined): Record<string, string> =>
  Array.isArray(tags) ? Object.fromEntries(tags.map((t) => [t.Key ?? t.key ?? '', t.Value ?? t.value ?? ''])) : { ...(tags ?? {}) };

export interface FakeExecution {
  executionArn: string;
  name: string;
  status: string;
  startDate: Date;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  /** The failed task of the execution (its history's TaskFailed event). */
  taskFailed?: { error: string; cause: string };
}

export class FakeScheduleAccount {
  readonly params = new Map<string, { value: string; tags: Record<string, string> }>();
  readonly logGroups = new Map<string, { retention?: number; tags: Record<string, string> }>();
  /** The lines of each task's log stream, by `<group>|<stream>` (addLogStream). */
  readonly logStreams = new Map<string, string[]>();
  readonly roles = new Map<string, { trust: string; tags: Record<string, string>; policies: Map<string, string> }>();
  readonly clusters = new Map<string, { status: string; tags: Record<string, string> }>();
  readonly taskDefs: {
    family: string;
    revision: number;
    status: string;
    input: RegisterTaskDefinitionCommandInput;
    tags: Record<string, string>;
  }[] = [];
  readonly machines = new Map<
    string,
    { arn: string; definition: string; roleArn: string; tags: Record<string, string>; executions: FakeExecution[] }
  >();
  readonly groups = new Map<string, { arn: string; tags: Record<string, string> }>();
  readonly schedules = new Map<string, CreateScheduleCommandInput>();
  /** Calls that fail once: command name, which input, the error. */
  readonly #failures: { command: string; match: (input: Record<string, unknown>) => boolean; error: Error }[] = [];
  /** Every command answered, by name ("CreateRoleCommand"), in order. */
  readonly calls: string[] = [];

  readonly #mocks: { restore(): void }[] = [];

  constructor() {
    this.#ssm();
    this.#logs();
    this.#iam();
    this.#ecs();
    this.#sfn();
    this.#scheduler();
    const sts = mockClient(STSClient);
    sts
      .on(GetCallerIdentityCommand)
      .callsFake(() => this.#log('GetCallerIdentityCommand', { Account: FAKE_ACCOUNT, Arn: `arn:aws:iam::${FAKE_ACCOUNT}:user/test` }));
    this.#keep(sts);
  }

  /** The calls that change something (everything but Get/Describe/List). */
  writes(): string[] {
    return this.calls.filter((c) => !/^(Get|Describe|List)/.test(c));
  }

  /** How many resources of any kind exist (ACTIVE task definitions, ACTIVE clusters). */
  count(): number {
    return (
      this.params.size +
      this.logGroups.size +
      this.roles.size +
      [...this.clusters.values()].filter((c) => c.status === 'ACTIVE').length +
      this.taskDefs.filter((t) => t.status === 'ACTIVE').length +
      this.machines.size +
      this.groups.size +
      this.schedules.size
    );
  }

  addExecution(machine: string, e: Omit<FakeExecution, 'executionArn'>): void {
    const m = this.machines.get(machine)!;
    m.executions.unshift({ ...e, executionArn: `${m.arn.replace(':stateMachine:', ':execution:')}:${e.name}` });
  }

  /** A task's log stream in an existing log group, with its lines (what the container printed). */
  addLogStream(group: string, stream: string, lines: string[]): void {
    if (!this.logGroups.has(group)) throw new Error(`fake: no log group ${group}`);
    this.logStreams.set(`${group}|${stream}`, lines);
  }

  /** The next `command` ("PutRolePolicyCommand") whose input matches fails with `error`, once. */
  failOnce(command: string, match: (input: Record<string, unknown>) => boolean, error: Error): void {
    this.#failures.push({ command, match, error });
  }

  #maybeFail(command: string, input: object): void {
    const i = this.#failures.findIndex((f) => f.command === command && f.match(input as Record<string, unknown>));
    if (i < 0) return;
    const [f] = this.#failures.splice(i, 1);
    this.calls.push(command);
    throw f!.error;
  }

  restore(): void {
    for (const m of this.#mocks) m.restore();
  }

  #keep(m: { restore(): void }): void {
    this.#mocks.push(m);
  }

  #log<T>(name: string, out: T): T {
    this.calls.push(name);
    return out;
  }

  #ssm(): void {
    const m = mockClient(SSMClient);
    const nf = () => new ParameterNotFound({ message: 'not found', ...meta });
    m.on(GetParameterCommand).callsFake((i) => {
      this.calls.push('GetParameterCommand');
      const p = this.params.get(i.Name!);
      if (!p) throw nf();
      return { Parameter: { Name: i.Name, Value: p.value, Type: 'String' } };
    });
    m.on(SsmTags).callsFake((i) =>
      this.#log('ListTagsForResourceCommand', {
        TagList: Object.entries(this.params.get(i.ResourceId!)?.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    m.on(PutParameterCommand).callsFake((i) => {
      this.calls.push('PutParameterCommand');
      const had = this.params.get(i.Name!);
      if (had && !i.Overwrite) throw new Error('ParameterAlreadyExists');
      this.params.set(i.Name!, { value: i.Value!, tags: had?.tags ?? toMap(i.Tags) });
      return { Version: 1 };
    });
    m.on(DeleteParameterCommand).callsFake((i) => {
      this.calls.push('DeleteParameterCommand');
      if (!this.params.delete(i.Name!)) throw nf();
      return {};
    });
    this.#keep(m);
  }

  #logs(): void {
    const m = mockClient(CloudWatchLogsClient);
    m.on(DescribeLogGroupsCommand).callsFake((i) =>
      this.#log('DescribeLogGroupsCommand', {
        logGroups: [...this.logGroups]
          .filter(([n]) => n.startsWith(i.logGroupNamePrefix ?? ''))
          .map(([logGroupName, g]) => ({ logGroupName, ...(g.retention ? { retentionInDays: g.retention } : {}) })),
      }),
    );
    m.on(CreateLogGroupCommand).callsFake((i) => {
      this.logGroups.set(i.logGroupName!, { tags: { ...(i.tags ?? {}) } });
      return this.#log('CreateLogGroupCommand', {});
    });
    m.on(PutRetentionPolicyCommand).callsFake((i) => {
      this.logGroups.get(i.logGroupName!)!.retention = i.retentionInDays;
      return this.#log('PutRetentionPolicyCommand', {});
    });
    m.on(ListTagsLogGroupCommand).callsFake((i) =>
      this.#log('ListTagsLogGroupCommand', { tags: this.logGroups.get(i.logGroupName!)?.tags ?? {} }),
    );
    m.on(GetLogEventsCommand).callsFake((i) => {
      this.calls.push('GetLogEventsCommand');
      const lines = this.logGroups.has(i.logGroupName!) ? this.logStreams.get(`${i.logGroupName}|${i.logStreamName}`) : undefined;
      if (!lines) throw new LogsNotFound({ message: 'The specified log stream does not exist.', ...meta });
      // Newest last; without startFromHead, the last `limit` lines.
      const limit = i.limit ?? 10_000;
      const picked = i.startFromHead ? lines.slice(0, limit) : lines.slice(-limit);
      return { events: picked.map((message, n) => ({ timestamp: n, message, ingestionTime: n })) };
    });
    m.on(DeleteLogGroupCommand).callsFake((i) => {
      this.calls.push('DeleteLogGroupCommand');
      if (!this.logGroups.delete(i.logGroupName!)) throw new LogsNotFound({ message: 'gone', ...meta });
      for (const k of [...this.logStreams.keys()]) if (k.startsWith(`${i.logGroupName}|`)) this.logStreams.delete(k);
      return {};
    });
    this.#keep(m);
  }

  #iam(): void {
    const m = mockClient(IAMClient);
    const nf = () => new NoSuchEntityException({ message: 'no such entity', ...meta });
    m.on(GetRoleCommand).callsFake((i) => {
      this.calls.push('GetRoleCommand');
      const r = this.roles.get(i.RoleName!);
      if (!r) throw nf();
      return {
        Role: {
          RoleName: i.RoleName,
          Arn: `arn:aws:iam::${FAKE_ACCOUNT}:role/${i.RoleName}`,
          AssumeRolePolicyDocument: encodeURIComponent(r.trust),
          Tags: Object.entries(r.tags).map(([Key, Value]) => ({ Key, Value })),
        },
      };
    });
    m.on(GetRolePolicyCommand).callsFake((i) => {
      this.calls.push('GetRolePolicyCommand');
      const doc = this.roles.get(i.RoleName!)?.policies.get(i.PolicyName!);
      if (!doc) throw nf();
      return { RoleName: i.RoleName, PolicyName: i.PolicyName, PolicyDocument: encodeURIComponent(doc) };
    });
    m.on(CreateRoleCommand).callsFake((i) => {
      this.roles.set(i.RoleName!, { trust: i.AssumeRolePolicyDocument!, tags: toMap(i.Tags), policies: new Map() });
      return this.#log('CreateRoleCommand', { Role: { RoleName: i.RoleName, Arn: `arn:aws:iam::${FAKE_ACCOUNT}:role/${i.RoleName}` } });
    });
    m.on(PutRolePolicyCommand).callsFake((i) => {
      this.#maybeFail('PutRolePolicyCommand', i);
      this.roles.get(i.RoleName!)!.policies.set(i.PolicyName!, i.PolicyDocument!);
      return this.#log('PutRolePolicyCommand', {});
    });
    m.on(UpdateAssumeRolePolicyCommand).callsFake((i) => {
      this.roles.get(i.RoleName!)!.trust = i.PolicyDocument!;
      return this.#log('UpdateAssumeRolePolicyCommand', {});
    });
    m.on(DeleteRolePolicyCommand).callsFake((i) => {
      this.calls.push('DeleteRolePolicyCommand');
      if (!this.roles.get(i.RoleName!)?.policies.delete(i.PolicyName!)) throw nf();
      return {};
    });
    m.on(DeleteRoleCommand).callsFake((i) => {
      this.calls.push('DeleteRoleCommand');
      const r = this.roles.get(i.RoleName!);
      if (!r) throw nf();
      if (r.policies.size > 0) throw new Error('DeleteConflict: the role has policies');
      this.roles.delete(i.RoleName!);
      return {};
    });
    this.#keep(m);
  }

  #ecs(): void {
    const m = mockClient(ECSClient);
    const arnOf = (t: { family: string; revision: number }) =>
      `arn:aws:ecs:${REGION}:${FAKE_ACCOUNT}:task-definition/${t.family}:${t.revision}`;
    m.on(DescribeClustersCommand).callsFake((i: { clusters?: string[] }) =>
      this.#log('DescribeClustersCommand', {
        clusters: (i.clusters ?? [])
          .filter((n) => this.clusters.has(n))
          .map((clusterName) => ({
            clusterName,
            status: this.clusters.get(clusterName)!.status,
            tags: Object.entries(this.clusters.get(clusterName)!.tags).map(([key, value]) => ({ key, value })),
          })),
        failures: (i.clusters ?? []).filter((n) => !this.clusters.has(n)).map((arn) => ({ arn, reason: 'MISSING' })),
      }),
    );
    m.on(CreateClusterCommand).callsFake((i) => {
      this.clusters.set(i.clusterName!, { status: 'ACTIVE', tags: toMap(i.tags) });
      return this.#log('CreateClusterCommand', { cluster: { clusterName: i.clusterName } });
    });
    m.on(DeleteClusterCommand).callsFake((i) => {
      this.clusters.get(i.cluster!)!.status = 'INACTIVE';
      return this.#log('DeleteClusterCommand', {});
    });
    m.on(ListTaskDefinitionsCommand).callsFake((i) =>
      this.#log('ListTaskDefinitionsCommand', {
        taskDefinitionArns: this.taskDefs
          .filter((t) => t.family.startsWith(i.familyPrefix ?? '') && (!i.status || t.status === i.status))
          .sort((a, b) => (i.sort === 'DESC' ? b.revision - a.revision : a.revision - b.revision))
          .map(arnOf),
      }),
    );
    m.on(DescribeTaskDefinitionCommand).callsFake((i) => {
      this.calls.push('DescribeTaskDefinitionCommand');
      const t = this.taskDefs.find((x) => arnOf(x) === i.taskDefinition);
      if (!t) throw new Error('ClientException: Unable to describe task definition.');
      const { tags: _ignored, ...def } = t.input;
      return {
        taskDefinition: { ...def, taskDefinitionArn: arnOf(t), revision: t.revision, status: t.status },
        tags: Object.entries(t.tags).map(([key, value]) => ({ key, value })),
      };
    });
    m.on(RegisterTaskDefinitionCommand).callsFake((i) => {
      const revision = this.taskDefs.filter((t) => t.family === i.family).length + 1;
      const t = { family: i.family!, revision, status: 'ACTIVE', input: structuredClone(i), tags: toMap(i.tags) };
      this.taskDefs.push(t);
      return this.#log('RegisterTaskDefinitionCommand', { taskDefinition: { taskDefinitionArn: arnOf(t) } });
    });
    m.on(DeregisterTaskDefinitionCommand).callsFake((i) => {
      const t = this.taskDefs.find((x) => arnOf(x) === i.taskDefinition)!;
      t.status = 'INACTIVE';
      return this.#log('DeregisterTaskDefinitionCommand', {});
    });
    this.#keep(m);
  }

  #sfn(): void {
    const m = mockClient(SFNClient);
    const byArn = (arn: string | undefined) => [...this.machines].find(([, x]) => x.arn === arn);
    const nf = () => new StateMachineDoesNotExist({ message: 'does not exist', ...meta });
    m.on(ListStateMachinesCommand).callsFake(() =>
      this.#log('ListStateMachinesCommand', {
        stateMachines: [...this.machines].map(([name, x]) => ({
          name,
          stateMachineArn: x.arn,
          type: 'STANDARD',
          creationDate: new Date(0),
        })),
      }),
    );
    m.on(DescribeStateMachineCommand).callsFake((i) => {
      this.calls.push('DescribeStateMachineCommand');
      const found = byArn(i.stateMachineArn);
      if (!found) throw nf();
      return {
        name: found[0],
        stateMachineArn: found[1].arn,
        definition: found[1].definition,
        roleArn: found[1].roleArn,
        status: 'ACTIVE',
      };
    });
    m.on(SfnTags).callsFake((i) =>
      this.#log('ListTagsForResourceCommand', {
        tags: Object.entries(byArn(i.resourceArn)?.[1].tags ?? {}).map(([key, value]) => ({ key, value })),
      }),
    );
    m.on(CreateStateMachineCommand).callsFake((i) => {
      const arn = `arn:aws:states:${REGION}:${FAKE_ACCOUNT}:stateMachine:${i.name}`;
      this.machines.set(i.name!, { arn, definition: i.definition!, roleArn: i.roleArn!, tags: toMap(i.tags), executions: [] });
      return this.#log('CreateStateMachineCommand', { stateMachineArn: arn, creationDate: new Date(0) });
    });
    m.on(UpdateStateMachineCommand).callsFake((i) => {
      const found = byArn(i.stateMachineArn)!;
      if (i.definition) found[1].definition = i.definition;
      if (i.roleArn) found[1].roleArn = i.roleArn;
      return this.#log('UpdateStateMachineCommand', { updateDate: new Date(0) });
    });
    m.on(DeleteStateMachineCommand).callsFake((i) => {
      const found = byArn(i.stateMachineArn);
      if (found) this.machines.delete(found[0]);
      return this.#log('DeleteStateMachineCommand', {});
    });
    m.on(ListExecutionsCommand).callsFake((i) => {
      this.calls.push('ListExecutionsCommand');
      const found = byArn(i.stateMachineArn);
      if (!found) throw nf();
      return {
        executions: found[1].executions.slice(0, i.maxResults ?? 100).map((e) => ({
          executionArn: e.executionArn,
          stateMachineArn: found[1].arn,
          name: e.name,
          status: e.status,
          startDate: e.startDate,
        })),
      };
    });
    const execution = (arn: string | undefined) =>
      [...this.machines.values()].flatMap((x) => x.executions).find((x) => x.executionArn === arn)!;
    m.on(DescribeExecutionCommand).callsFake((i) => {
      const { taskFailed: _history, ...e } = execution(i.executionArn);
      return this.#log('DescribeExecutionCommand', e);
    });
    m.on(GetExecutionHistoryCommand).callsFake((i) => {
      const e = execution(i.executionArn);
      const failed = e.taskFailed
        ? [
            {
              id: 2,
              type: 'TaskFailed',
              timestamp: e.stopDate ?? e.startDate,
              taskFailedEventDetails: { resourceType: 'ecs', resource: 'runTask.sync', ...e.taskFailed },
            },
          ]
        : [];
      return this.#log('GetExecutionHistoryCommand', { events: [...failed, { id: 1, type: 'ExecutionStarted', timestamp: e.startDate }] });
    });
    this.#keep(m);
  }

  #scheduler(): void {
    const m = mockClient(SchedulerClient);
    const nf = () => new SchedulerNotFound({ message: 'not found', Message: 'not found', ...meta });
    m.on(GetScheduleGroupCommand).callsFake((i) => {
      this.calls.push('GetScheduleGroupCommand');
      const g = this.groups.get(i.Name!);
      if (!g) throw nf();
      return { Name: i.Name, Arn: g.arn, State: 'ACTIVE' };
    });
    m.on(CreateScheduleGroupCommand).callsFake((i) => {
      const arn = `arn:aws:scheduler:${REGION}:${FAKE_ACCOUNT}:schedule-group/${i.Name}`;
      this.groups.set(i.Name!, { arn, tags: toMap(i.Tags) });
      return this.#log('CreateScheduleGroupCommand', { ScheduleGroupArn: arn });
    });
    m.on(DeleteScheduleGroupCommand).callsFake((i) => {
      this.groups.delete(i.Name!);
      for (const k of [...this.schedules.keys()]) if (k.startsWith(`${i.Name}/`)) this.schedules.delete(k);
      return this.#log('DeleteScheduleGroupCommand', {});
    });
    m.on(SchedulerTags).callsFake((i) =>
      this.#log('ListTagsForResourceCommand', {
        Tags: Object.entries([...this.groups.values()].find((g) => g.arn === i.ResourceArn)?.tags ?? {}).map(([Key, Value]) => ({
          Key,
          Value,
        })),
      }),
    );
    m.on(ListSchedulesCommand).callsFake((i) =>
      this.#log('ListSchedulesCommand', {
        Schedules: [...this.schedules.values()]
          .filter((s) => (s.GroupName ?? 'default') === (i.GroupName ?? 'default'))
          .map((s) => ({ Name: s.Name, GroupName: s.GroupName })),
      }),
    );
    m.on(GetScheduleCommand).callsFake((i) => {
      this.calls.push('GetScheduleCommand');
      const s = this.schedules.get(`${i.GroupName}/${i.Name}`);
      if (!s) throw nf();
      return { ...s };
    });
    m.on(CreateScheduleCommand).callsFake((i) => {
      this.schedules.set(`${i.GroupName}/${i.Name}`, structuredClone(i));
      return this.#log('CreateScheduleCommand', {
        ScheduleArn: `arn:aws:scheduler:${REGION}:${FAKE_ACCOUNT}:schedule/${i.GroupName}/${i.Name}`,
      });
    });
    m.on(UpdateScheduleCommand).callsFake((i) => {
      this.schedules.set(`${i.GroupName}/${i.Name}`, structuredClone(i));
      return this.#log('UpdateScheduleCommand', { ScheduleArn: 'x' });
    });
    m.on(DeleteScheduleCommand).callsFake((i) => {
      this.calls.push('DeleteScheduleCommand');
      if (!this.schedules.delete(`${i.GroupName}/${i.Name}`)) throw nf();
      return {};
    });
    this.#keep(m);
  }
}
