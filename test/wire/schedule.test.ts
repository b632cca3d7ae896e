/**
 * dbops schedule on the wire, against moto: plan, apply, a second apply that sends no
 * write, drift, destroy that leaves nothing; what apply made read back with plain SDK
 * clients (task definition, roles, schedules, state machines).
 */
import { DescribeClustersCommand, DescribeTaskDefinitionCommand, ECSClient, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import { GetRoleCommand, GetRolePolicyCommand, IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { GetScheduleCommand, ListSchedulesCommand, SchedulerClient, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { DescribeStateMachineCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createAwsSchedule } from '../../src/lib/providers/aws/schedule.js';
import { applySchedule, destroySchedule, planScheduleOnly, type ScheduleDeps } from '../../src/lib/schedule/apply.js';
import { desiredSchedule } from '../../src/lib/schedule/desired.js';
import { testContext } from '../_helpers/context.js';
import { scheduleInput } from '../_helpers/schedule-input.js';
import { READ_ONLY, wireStory } from './_moto/wire.js';

const REGION = 'us-east-1';
const story = wireStory();

function clients() {
  const base = {
    region: REGION,
    endpoint: story.moto.endpoint,
    credentials: { accessKeyId: 'wire-test', secretAccessKey: 'wire-test' },
    customUserAgent: 'wire-readback',
  };
  return {
    ecs: new ECSClient(base),
    iam: new IAMClient(base),
    scheduler: new SchedulerClient(base),
    sfn: new SFNClient(base),
    ssm: new SSMClient(base),
    logs: new CloudWatchLogsClient(base),
  };
}

async function deps(): Promise<ScheduleDeps> {
  const { ctx } = await testContext({ yes: true });
  const cloud = createAwsSchedule(
    REGION,
    {
      endpointUrl: story.moto.endpoint,
      maxAttempts: 1,
      credentials: async () => ({ accessKeyId: 'wire-test', secretAccessKey: 'wire-test' }),
    },
    { roleRetry: { attempts: 1, delayMs: 0 } },
  );
  return {
    cloud,
    desired: desiredSchedule(scheduleInput()),
    prefix: 'dbops',
    out: ctx.out,
    clock: ctx.clock,
    signal: ctx.signal,
    prompt: ctx.prompt,
    dryRun: false,
  };
}

describe('dbops schedule on the wire (moto)', () => {
  it('plan, apply (read back), second apply without writes, drift shown and fixed, destroy leaves nothing', async () => {
    const d = await deps();
    const aws = clients();
    const acct = '123456789012';
    try {
      // GIVEN an empty account: the plan creates all 15 resources and writes nothing
      const planned = await story.during(() => planScheduleOnly(d));
      expect(planned.filter((r) => !READ_ONLY.test(r.action))).toEqual([]);
      const plan = await planScheduleOnly(d);
      expect(plan.changes.map((c) => c.action)).toEqual(Array(15).fill('create'));

      // WHEN applying
      const applied = await applySchedule(d);

      // THEN the verify step finds nothing pending, and the resources read back as intended
      expect(applied.after?.pending).toBe(0);
      const param = await aws.ssm.send(new GetParameterCommand({ Name: '/dbops/schedule/config' }));
      expect(JSON.parse(param.Parameter!.Value!)).toEqual({ provider: 'aws', region: REGION, database: { identifier: 'prod-db' } });
      const groups = await aws.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/dbops/schedule' }));
      expect(groups.logGroups?.map((g) => [g.logGroupName, g.retentionInDays])).toEqual([['/dbops/schedule', 30]]);
      const cluster = await aws.ecs.send(new DescribeClustersCommand({ clusters: ['dbops-schedule'], include: ['TAGS'] }));
      expect(cluster.clusters?.[0]).toMatchObject({ status: 'ACTIVE', capacityProviders: ['FARGATE', 'FARGATE_SPOT'] });
      const td = await aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'dbops-schedule', include: ['TAGS'] }));
      expect(td.taskDefinition).toMatchObject({
        family: 'dbops-schedule',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        executionRoleArn: `arn:aws:iam::${acct}:role/dbops-schedule-execution`,
      });
      expect(td.taskDefinition?.containerDefinitions?.[0]).toMatchObject({
        name: 'dbops',
        image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/dbops:1.0.0',
        secrets: [{ name: 'DBOPS_CONFIG_JSON', valueFrom: `arn:aws:ssm:${REGION}:${acct}:parameter/dbops/schedule/config` }],
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': '/dbops/schedule', 'awslogs-region': REGION, 'awslogs-stream-prefix': 'dbops-schedule' },
        },
      });
      expect(td.tags).toEqual(expect.arrayContaining([{ key: 'dbops:managed', value: 'true' }]));
      const role = await aws.iam.send(new GetRoleCommand({ RoleName: 'dbops-schedule-heartbeat' }));
      expect(role.Role?.Tags).toEqual(expect.arrayContaining([{ Key: 'dbops:managed', Value: 'true' }]));
      const policy = await aws.iam.send(new GetRolePolicyCommand({ RoleName: 'dbops-schedule-heartbeat', PolicyName: 'dbops-schedule' }));
      expect(JSON.parse(decodeURIComponent(policy.PolicyDocument!)).Statement).toEqual([
        { Effect: 'Allow', Action: ['rds:DescribeDBInstances'], Resource: '*' },
      ]);
      const schedulerPolicy = await aws.iam.send(
        new GetRolePolicyCommand({ RoleName: 'dbops-schedule-scheduler', PolicyName: 'dbops-schedule' }),
      );
      expect(JSON.parse(decodeURIComponent(schedulerPolicy.PolicyDocument!)).Statement).toEqual([
        {
          Effect: 'Allow',
          Action: ['states:StartExecution'],
          Resource: [
            `arn:aws:states:${REGION}:${acct}:stateMachine:dbops-heartbeat`,
            `arn:aws:states:${REGION}:${acct}:stateMachine:dbops-backup-status`,
          ],
        },
      ]);
      const machines = await aws.sfn.send(new ListStateMachinesCommand({}));
      expect(machines.stateMachines?.map((m) => m.name).sort()).toEqual(['dbops-backup-status', 'dbops-heartbeat']);
      const sm = await aws.sfn.send(
        new DescribeStateMachineCommand({ stateMachineArn: `arn:aws:states:${REGION}:${acct}:stateMachine:dbops-heartbeat` }),
      );
      expect(sm.roleArn).toBe(`arn:aws:iam::${acct}:role/dbops-schedule-heartbeat-sfn`);
      expect(JSON.parse(sm.definition!).States.Run.Parameters).toEqual({
        Cluster: 'dbops-schedule',
        TaskDefinition: 'dbops-schedule',
        LaunchType: 'FARGATE',
      });
      const schedule = await aws.scheduler.send(new GetScheduleCommand({ Name: 'dbops-heartbeat', GroupName: 'dbops' }));
      expect(schedule).toMatchObject({
        ScheduleExpression: 'cron(*/5 * * * ? *)',
        ScheduleExpressionTimezone: 'Europe/Paris',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: { Arn: sm.stateMachineArn, RoleArn: `arn:aws:iam::${acct}:role/dbops-schedule-scheduler` },
      });

      // WHEN applying again / THEN not one write reaches AWS
      const second = await story.during(() => applySchedule(d));
      expect(second.filter((r) => !READ_ONLY.test(r.action))).toEqual([]);

      // WHEN someone changes the heartbeat schedule outside dbops
      await aws.scheduler.send(
        new UpdateScheduleCommand({
          ...schedule,
          Name: 'dbops-heartbeat',
          GroupName: 'dbops',
          ScheduleExpression: 'cron(0 * * * ? *)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: schedule.Target!,
        }),
      );
      // THEN the plan shows exactly that drift, and apply puts it back with one write
      const drift = await planScheduleOnly(d);
      expect(drift.changes.filter((c) => c.action !== 'no-op').map((c) => [c.action, c.id, c.fields])).toEqual([
        ['modify', 'dbops-heartbeat', [{ field: 'expression', from: 'cron(0 * * * ? *)', to: 'cron(*/5 * * * ? *)' }]],
      ]);
      const fixed = await story.during(() => applySchedule(d));
      expect(fixed.filter((r) => !READ_ONLY.test(r.action)).map((r) => r.action)).toEqual(['UpdateSchedule']);

      // WHEN destroying
      const destroyed = await destroySchedule(d);

      // THEN all 15 went, and nothing of dbops' is left
      expect(destroyed.deletions).toHaveLength(15);
      expect((await aws.sfn.send(new ListStateMachinesCommand({}))).stateMachines).toEqual([]);
      expect((await aws.scheduler.send(new ListSchedulesCommand({}))).Schedules).toEqual([]);
      expect((await aws.ecs.send(new ListTaskDefinitionsCommand({ status: 'ACTIVE' }))).taskDefinitionArns).toEqual([]);
      expect(
        (await aws.ecs.send(new DescribeClustersCommand({ clusters: ['dbops-schedule'] }))).clusters?.filter((c) => c.status === 'ACTIVE'),
      ).toEqual([]);
      expect((await aws.iam.send(new ListRolesCommand({}))).Roles?.filter((r) => r.RoleName?.startsWith('dbops-'))).toEqual([]);
      expect((await aws.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/dbops' }))).logGroups).toEqual([]);
      await expect(aws.ssm.send(new GetParameterCommand({ Name: '/dbops/schedule/config' }))).rejects.toThrow(
        /ParameterNotFound|not found/i,
      );
      expect((await planScheduleOnly(d)).changes.every((c) => c.action === 'create')).toBe(true);
    } finally {
      await d.cloud.close();
    }
  }, 90_000);
});

describe('dbops schedule on the wire, as a process (moto)', () => {
  const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/dbops:1.0.0';
  const config = (schedule: Record<string, unknown>) =>
    stringify({
      provider: 'aws',
      region: REGION,
      database: { identifier: 'wire-sched-db' },
      tags: { team: 'data' },
      schedule: { image: IMAGE, subnets: ['subnet-0123abcd'], securityGroups: ['sg-0123abcd'], ...schedule },
    });
  const write = (text: string) => writeFileSync(join(story.dir, 'dbops.config.yaml'), text);

  it.each([
    [
      'an expression the Scheduler rejects',
      { jobs: { heartbeat: { expression: 'cron(*/5 * * * *)' } } },
      /expression cron\(\*\/5 \* \* \* \*\) is refused/,
    ],
    ['an image that is not a full URI', { image: 'dbops:latest' }, /schedule.image dbops:latest is not a full image URI/],
    ['a private database without subnets', { subnets: [] }, /schedule.subnets is not set, and wire-sched-db is private/],
    [
      'a command that does not run unattended',
      { jobs: { setup: { command: 'init', expression: 'rate(1 day)' } } },
      /`init` cannot run unattended/,
    ],
    ['a secret value in the config', { jobs: {} }, /secret value/],
    [
      'a Distributed Map in a region without one',
      { distributedMapThreshold: 1 },
      /needs a Step Functions Distributed Map, and ca-west-1 is not a region/,
    ],
  ])('refuses %s with exit 2, before any AWS call', async (_what, schedule, message) => {
    // GIVEN the config (the secret case: a password put in the config's tags)
    const text = config(schedule);
    if (message.source === 'secret value') write(text.replace('team: data', 'team: data\n  dbPassword: hunter2hunter2'));
    else if ('distributedMapThreshold' in schedule)
      write(
        `${text.replace(`region: ${REGION}`, 'region: ca-west-1')}fleet:\n  databases:\n    - identifier: db-a\n    - identifier: db-b\n`,
      );
    else write(text);

    // WHEN planning and applying
    for (const sub of ['plan', 'apply --yes']) {
      const sent = await story.during(async () => {
        const r = await story.dbops(`schedule ${sub}`);
        // THEN exit 2 with the reason, no secret echoed, and not one request
        expect(r.exitCode, r.stderr).toBe(2);
        expect(r.stderr).toMatch(message);
        expect(r.stderr).not.toContain('hunter2');
      });
      expect(sent).toEqual([]);
    }
  });

  it('plan, apply, second apply without writes, status, destroy: the seeds’ six jobs', async () => {
    write(config({ timezone: 'Europe/Paris' }));

    const plan = await story.dbops('schedule plan --json --detailed-exitcode');
    expect(plan.exitCode, plan.stderr).toBe(1);
    const planned = JSON.parse(plan.stdout) as { pending: number; jobs: string[] };
    expect(planned.jobs).toEqual(['heartbeat', 'backup-status', 'snapshot-policy', 'restore-test', 'free-tier-report', 'dr-drill']);
    expect(planned.pending).toBe(6 * 4 + 7);

    const noYes = await story.dbops('schedule apply');
    expect(noYes.exitCode).toBe(2);

    const applied = await story.dbops('schedule apply --yes');
    expect(applied.exitCode, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('Verified: a new plan finds nothing to do.');

    const again = await story.during(async () => expect((await story.dbops('schedule apply --yes')).exitCode).toBe(0));
    expect(again.filter((r) => !READ_ONLY.test(r.action))).toEqual([]);
    expect((await story.dbops('schedule plan --detailed-exitcode -q')).exitCode).toBe(0);

    const status = await story.dbops('schedule status --json');
    expect(status.exitCode, status.stderr).toBe(0);
    const jobs = (JSON.parse(status.stdout) as { jobs: { job: string; deployed: boolean; state: string; nextRun?: string }[] }).jobs;
    expect(jobs.map((j) => [j.job, j.deployed, j.state])).toEqual(planned.jobs.map((j) => [j, true, 'ENABLED']));
    expect(jobs.find((j) => j.job === 'backup-status')?.nextRun).toMatch(/^20\d\d-\d\d-\d\dT0[67]:00:00.000Z$/);
    expect(jobs.find((j) => j.job === 'heartbeat')?.nextRun).toBeUndefined();

    const dry = await story.dbops('schedule destroy --dry-run');
    expect(dry.stdout).toContain('Dry run: nothing deleted.');
    const destroyed = await story.dbops('schedule destroy --yes');
    expect(destroyed.exitCode, destroyed.stderr).toBe(0);
    const after = JSON.parse((await story.dbops('schedule plan --json')).stdout) as { changes: { action: string }[] };
    expect(after.changes.every((c) => c.action === 'create')).toBe(true);
  }, 120_000);
});
