/**
 * dbops schedule plan → apply → second apply → drift → destroy against a stateful fake
 * account (test/_helpers/fake-schedule.ts) through the real aws adapter.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAwsSchedule } from '../../../src/lib/providers/aws/schedule.js';
import { applySchedule, destroySchedule, planScheduleOnly, type ScheduleDeps } from '../../../src/lib/schedule/apply.js';
import { desiredSchedule, type ScheduleInput } from '../../../src/lib/schedule/desired.js';
import type { ScheduleCloud } from '../../../src/lib/schedule/resources.js';
import { scheduleInput } from '../../_helpers/schedule-input.js';
import { scheduleStatus } from '../../../src/lib/schedule/status.js';
import { FAKE_ACCOUNT, FakeScheduleAccount } from '../../_helpers/fake-schedule.js';
import { testContext } from '../../_helpers/context.js';

const REGION = 'us-east-1';

describe('dbops schedule against a fake account', () => {
  let fake: FakeScheduleAccount;
  let cloud: ScheduleCloud;

  beforeEach(() => {
    fake = new FakeScheduleAccount();
    cloud = createAwsSchedule(REGION, { maxAttempts: 1 }, { roleRetry: { attempts: 1, delayMs: 0 } });
  });
  afterEach(async () => {
    await cloud.close();
    fake.restore();
  });

  async function deps(o: { yes?: boolean; dryRun?: boolean; input?: ScheduleInput } = {}): Promise<ScheduleDeps> {
    const { ctx } = await testContext({ yes: o.yes ?? true, dryRun: o.dryRun ?? false, now: new Date('2026-12-02T10:00:00Z') });
    return {
      cloud,
      desired: desiredSchedule(o.input ?? scheduleInput()),
      prefix: 'dbops',
      out: ctx.out,
      clock: ctx.clock,
      signal: ctx.signal,
      prompt: ctx.prompt,
      dryRun: ctx.flags.dryRun,
    };
  }

  it('plans everything as create, applies it tagged, and a second apply sends no write', async () => {
    // GIVEN an empty account
    // WHEN planning
    const plan = await planScheduleOnly(await deps());

    // THEN every resource is a create, in creation order, and nothing was written
    expect(plan.changes.map((c) => `${c.action} ${c.kind} ${c.id}`)).toEqual([
      'create parameter /dbops/schedule/config',
      'create log-group /dbops/schedule',
      'create role dbops-schedule-execution',
      'create role dbops-schedule-heartbeat',
      'create role dbops-schedule-heartbeat-sfn',
      'create role dbops-schedule-backup-status',
      'create role dbops-schedule-backup-status-sfn',
      'create role dbops-schedule-scheduler',
      'create ecs-cluster dbops-schedule',
      'create task-definition dbops-schedule',
      'create state-machine dbops-heartbeat',
      'create state-machine dbops-backup-status',
      'create schedule-group dbops',
      'create schedule dbops-heartbeat',
      'create schedule dbops-backup-status',
    ]);
    expect(fake.writes()).toEqual([]);

    // WHEN applying
    const applied = await applySchedule(await deps());

    // THEN all exist, tagged, and the verify step found nothing pending
    expect(applied.after?.pending).toBe(0);
    expect(fake.count()).toBe(15);
    expect(fake.roles.get('dbops-schedule-heartbeat')!.tags).toEqual({
      team: 'data',
      'dbops:managed': 'true',
      'dbops:purpose': 'schedule',
    });
    expect(fake.params.get('/dbops/schedule/config')!.tags['dbops:managed']).toBe('true');
    expect(fake.logGroups.get('/dbops/schedule')).toEqual({ retention: 30, tags: expect.objectContaining({ 'dbops:managed': 'true' }) });
    expect(fake.schedules.get('dbops/dbops-heartbeat')).toMatchObject({
      ScheduleExpression: 'cron(*/5 * * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: `arn:aws:states:${REGION}:${FAKE_ACCOUNT}:stateMachine:dbops-heartbeat`,
        RoleArn: `arn:aws:iam::${FAKE_ACCOUNT}:role/dbops-schedule-scheduler`,
      },
    });

    // WHEN applying again
    const before = fake.calls.length;
    const again = await applySchedule(await deps());

    // THEN nothing is pending and no write was sent
    expect(again.plan.pending).toBe(0);
    expect(fake.calls.slice(before).filter((c) => !/^(Get|Describe|List)/.test(c))).toEqual([]);
  });

  it('shows a schedule expression changed outside dbops as drift, and apply puts it back', async () => {
    // GIVEN an applied schedule whose heartbeat expression someone changed in the console
    await applySchedule(await deps());
    fake.schedules.get('dbops/dbops-heartbeat')!.ScheduleExpression = 'cron(0 * * * ? *)';

    // WHEN planning
    const plan = await planScheduleOnly(await deps());

    // THEN exactly that row is a modify, with the field
    expect(plan.changes.filter((c) => c.action !== 'no-op')).toEqual([
      expect.objectContaining({
        kind: 'schedule',
        id: 'dbops-heartbeat',
        action: 'modify',
        fields: [{ field: 'expression', from: 'cron(0 * * * ? *)', to: 'cron(*/5 * * * ? *)' }],
      }),
    ]);

    // WHEN applying
    const before = fake.calls.length;
    await applySchedule(await deps());

    // THEN one UpdateSchedule put it back
    expect(fake.calls.slice(before).filter((c) => !/^(Get|Describe|List)/.test(c))).toEqual(['UpdateScheduleCommand']);
    expect(fake.schedules.get('dbops/dbops-heartbeat')!.ScheduleExpression).toBe('cron(*/5 * * * ? *)');
  });

  it('registers a new task definition revision when the image changes', async () => {
    await applySchedule(await deps());
    const input = scheduleInput({ image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/dbops:1.1.0' });

    const before = fake.calls.length;
    const r = await applySchedule(await deps({ input }));

    expect(r.plan.changes.filter((c) => c.action === 'modify').map((c) => c.id)).toEqual(['dbops-schedule']);
    expect(fake.calls.slice(before).filter((c) => !/^(Get|Describe|List)/.test(c))).toEqual(['RegisterTaskDefinitionCommand']);
    expect(fake.taskDefs.filter((t) => t.family === 'dbops-schedule').map((t) => t.revision)).toEqual([1, 2]);
  });

  it('deletes the resources of a job removed from the config', async () => {
    await applySchedule(await deps());
    const input = scheduleInput();
    input.jobs = input.jobs.filter((j) => j.name === 'heartbeat');

    const r = await applySchedule(await deps({ input }));

    expect(r.plan.changes.filter((c) => c.action === 'delete').map((c) => `${c.kind} ${c.id}`)).toEqual([
      'schedule dbops-backup-status',
      'state-machine dbops-backup-status',
      'role dbops-schedule-backup-status-sfn',
      'role dbops-schedule-backup-status',
    ]);
    expect(fake.machines.has('dbops-backup-status')).toBe(false);
    expect(fake.roles.has('dbops-schedule-backup-status')).toBe(false);
    expect(r.after?.pending).toBe(0);
  });

  it('refuses to change a resource of a dbops name that dbops did not create', async () => {
    // GIVEN a role named like dbops' execution role, without the tag, with another policy
    fake.roles.set('dbops-schedule-execution', { trust: '{"Statement":[]}', tags: {}, policies: new Map() });

    // WHEN applying / THEN it is refused, before any write
    await expect(applySchedule(await deps())).rejects.toThrow(/role dbops-schedule-execution exists but was not created by dbops/);
    expect(fake.writes()).toEqual([]);
  });

  it('a role whose policy could not be put is deleted by the cleanup stack, and a rerun completes', async () => {
    // GIVEN IAM failing PutRolePolicy once, for the heartbeat task role
    fake.failOnce('PutRolePolicyCommand', (i) => i.RoleName === 'dbops-schedule-heartbeat', new Error('Rate exceeded'));

    // WHEN applying / THEN it fails at SC-4, and the half-made role is gone
    await expect(applySchedule(await deps())).rejects.toThrow(/Rate exceeded/);
    expect(fake.roles.has('dbops-schedule-heartbeat')).toBe(false);
    expect(fake.roles.has('dbops-schedule-execution')).toBe(true);

    // WHEN applying again / THEN it finishes
    const again = await applySchedule(await deps());
    expect(again.after?.pending).toBe(0);
    expect(fake.count()).toBe(15);
  });

  it('dry run and no --yes without a TTY change nothing', async () => {
    const dry = await applySchedule(await deps({ dryRun: true }));
    expect(dry.dryRun).toBe(true);
    await expect(applySchedule(await deps({ yes: false }))).rejects.toThrow(/Refusing without confirmation/);
    expect(fake.writes()).toEqual([]);
  });

  it('destroy deletes in reverse order only what dbops made, and leaves nothing', async () => {
    // GIVEN an applied schedule and a foreign log group of another name
    await applySchedule(await deps());
    fake.logGroups.set('/other/app', { tags: {} });

    // WHEN destroying with --dry-run, then for real
    const dry = await destroySchedule(await deps({ dryRun: true }));
    const writesBefore = fake.writes().length;
    expect(dry.deletions).toHaveLength(15);
    // AND off a terminal without --yes: one short question counted by kind, not 15 names in a row, and nothing deleted
    await expect(destroySchedule(await deps({ yes: false }))).rejects.toThrow(
      'Refusing without confirmation: Delete the schedule in us-east-1: 15 resources (2 schedules, 1 schedule-group, 2 state-machines, 1 task-definition, 1 ecs-cluster, 6 roles, 1 log-group, 1 parameter)?',
    );
    expect(fake.writes().length).toBe(writesBefore);
    const r = await destroySchedule(await deps());

    // THEN reverse order, and only the foreign log group is left
    expect(fake.writes().length).toBeGreaterThan(writesBefore);
    expect(r.deletions.map((d) => d.kind)).toEqual([
      'schedule',
      'schedule',
      'schedule-group',
      'state-machine',
      'state-machine',
      'task-definition',
      'ecs-cluster',
      'role',
      'role',
      'role',
      'role',
      'role',
      'role',
      'log-group',
      'parameter',
    ]);
    expect(fake.count()).toBe(1);
    expect([...fake.logGroups.keys()]).toEqual(['/other/app']);

    // AND a second destroy finds nothing
    const again = await destroySchedule(await deps());
    expect(again.deletions).toEqual([]);
  });

  it('status: next run from the expression and the last executions with verdict, duration, the failing database and the step from its log', async () => {
    // GIVEN an applied schedule and three heartbeat executions: one ok, one failed on old-db
    // whose task log is gone, and the latest failed on prod-db, its task's log ending with dbops' error line
    await applySchedule(await deps());
    const task = (id: string, db: string) =>
      JSON.stringify({
        TaskArn: `arn:aws:ecs:us-east-1:${FAKE_ACCOUNT}:task/dbops-schedule/${id}`,
        Overrides: {
          ContainerOverrides: [{ Name: 'dbops', Command: ['heartbeat', '--json', '--instance', db, '--region', 'us-east-1'] }],
        },
        StoppedReason: 'Essential container in task exited',
        Containers: [{ Name: 'dbops', ExitCode: 3 }],
      });
    fake.addExecution('dbops-heartbeat', {
      name: 'ok-run',
      status: 'SUCCEEDED',
      startDate: new Date('2026-12-02T09:45:00Z'),
      stopDate: new Date('2026-12-02T09:46:05Z'),
    });
    fake.addExecution('dbops-heartbeat', {
      name: 'old-run',
      status: 'FAILED',
      startDate: new Date('2026-12-02T09:50:00Z'),
      stopDate: new Date('2026-12-02T09:50:30Z'),
      error: 'DbopsRunFailed',
      cause: 'dbops heartbeat failed; the alarm topic has the details.',
      taskFailed: { error: 'States.TaskFailed', cause: task('0ld0ld0ld', 'old-db') },
    });
    fake.addExecution('dbops-heartbeat', {
      name: 'bad-run',
      status: 'FAILED',
      startDate: new Date('2026-12-02T09:55:00Z'),
      stopDate: new Date('2026-12-02T09:55:42Z'),
      error: 'DbopsRunFailed',
      cause: 'dbops heartbeat failed; the alarm topic has the details.',
      taskFailed: { error: 'States.TaskFailed', cause: task('9f8e7d6c5b4a', 'prod-db') },
    });
    fake.addLogStream('/dbops/schedule', 'dbops-schedule/dbops/9f8e7d6c5b4a', [
      '{',
      '  "ok": false,',
      '  "error": { "code": "connection" }',
      '}',
      'error [step HB-1]: prod-db did not answer on port 5432 within 5 s.',
      'hint: Check that the security group lets the schedule reach the database.',
    ]);

    // WHEN reading the status at 10:00 UTC (11:00 in Paris)
    const s = await scheduleStatus(cloud, desiredSchedule(scheduleInput()), 'dbops', new Date('2026-12-02T10:00:00Z'));

    // THEN the step and sentence from the task's log; without a log, what the execution says
    expect(s.jobs[0]).toEqual({
      job: 'heartbeat',
      deployed: true,
      state: 'ENABLED',
      expression: 'cron(*/5 * * * ? *)',
      timezone: 'Europe/Paris',
      nextRun: '2026-12-02T10:05:00.000Z',
      executions: [
        {
          name: 'bad-run',
          verdict: 'failed',
          startedAt: '2026-12-02T09:55:00.000Z',
          durationSeconds: 42,
          database: 'prod-db',
          step: 'HB-1',
          error: 'prod-db did not answer on port 5432 within 5 s.',
        },
        {
          name: 'old-run',
          verdict: 'failed',
          startedAt: '2026-12-02T09:50:00.000Z',
          durationSeconds: 30,
          database: 'old-db',
          error: 'Essential container in task exited',
        },
        { name: 'ok-run', verdict: 'ok', startedAt: '2026-12-02T09:45:00.000Z', durationSeconds: 65 },
      ],
    });
    expect(fake.calls.filter((c) => c === 'GetLogEventsCommand')).toHaveLength(2);
    // 06:00 Paris = 05:00 UTC the next day
    expect(s.jobs[1]).toMatchObject({ job: 'backup-status', nextRun: '2026-12-03T05:00:00.000Z', executions: [] });
  });
});
