/**
 * `dbops restore-test` on the aws provider against the stateful FakeRds: the exact RDS
 * calls (restore inputs, DeleteDBInstance without a final snapshot, point-in-time
 * inputs), the source never written, and cleanup after a failure or an interrupt at
 * every step. A fake RDS has no database behind it, so the data-plane checks are an
 * injected CheckSession here (they run for real against PostgreSQL in
 * test/integration/restore/); this file covers the control plane.
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DeleteDBInstanceCommand,
  InvalidDBInstanceStateFault,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckSession, CheckTargets } from '../../../../src/lib/checks/session.js';
import type { CheckResult } from '../../../../src/lib/checks/types.js';
import { EnvironmentError, Interrupted, UsageError } from '../../../../src/lib/errors.js';
import { mapAwsError } from '../../../../src/lib/providers/aws/errors.js';
import { createAwsProvider } from '../../../../src/lib/providers/aws/provider.js';
import type { Provider } from '../../../../src/lib/providers/types.js';
import { restoreTest, type RestoreTestInput, type RestoreTestSeams } from '../../../../src/lib/restore/restore-test.js';
import { FakeRds } from '../../../_helpers/fake-rds.js';
import { config, restoreTestContext } from '../../restore/_context.js';
import { FAST, REGION, awsOptions, inputsOf } from './helpers.js';

const NOW = new Date('2025-01-06T04:30:00Z');
const RUN = 'run1';
const TEMP = `prod-db-rt-${RUN}`;
const cw = mockClient(CloudWatchClient);

let rds: FakeRds;
let aws: Provider;
let home: string;

beforeEach(async () => {
  rds = new FakeRds({ describesToSettle: 2 });
  cw.reset();
  cw.on(PutMetricDataCommand).resolves({});
  aws = createAwsProvider(awsOptions(), FAST);
  home = await mkdtemp(join(tmpdir(), 'dbops-rt-aws-'));
  rds.addInstance(REGION, 'prod-db', {
    DBSubnetGroup: { DBSubnetGroupName: 'dbops-subnets' },
    VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0abc', Status: 'active' }],
    LatestRestorableTime: new Date('2025-01-06T04:25:00Z'),
    DeletionProtection: true,
  });
  rds.addSnapshot(REGION, 'rds:prod-db-2025-01-05-03-10', {
    SnapshotType: 'automated',
    SnapshotCreateTime: new Date('2025-01-05T03:10:00Z'),
  });
  rds.addSnapshot(REGION, 'prod-db-manual-20250106-031500', { SnapshotCreateTime: new Date('2025-01-06T03:15:00Z') });
  rds.addSnapshot(REGION, 'prod-db-manual-20250106-041500', { Status: 'creating', SnapshotCreateTime: new Date('2025-01-06T04:15:00Z') });
});

afterEach(async () => {
  await aws.close();
  rds.restore();
  await rm(home, { recursive: true, force: true });
});

function pass(id: CheckResult['id'], data?: unknown): CheckResult {
  return { id, title: id, status: 'passed', summary: `${id} ok`, evidence: [], ...(data ? { data } : {}) };
}

type Method = 'server' | 'integrity' | 'schema' | 'counts' | 'freshness' | 'pgvector' | 'performance';

/** A CheckSession that passes everything, or throws / fails / aborts in one method. */
function fakeChecks(opts: { throwIn?: Method; failIn?: Method; onCall?: (m: Method) => void } = {}) {
  const seen: { targets?: CheckTargets; calls: Method[]; closed: number } = { calls: [], closed: 0 };
  const answer = async <T>(m: Method, value: T): Promise<T> => {
    seen.calls.push(m);
    opts.onCall?.(m);
    if (opts.throwIn === m) throw new EnvironmentError(`Lost the database connection while ${m}.`);
    return value;
  };
  const result = (m: Method, id: CheckResult['id'], data?: unknown): CheckResult =>
    opts.failIn === m ? { ...pass(id, data), status: 'failed', summary: `${id} failed` } : pass(id, data);
  const session: CheckSession = {
    server: () => answer('server', result('server', 'server')),
    integrity: () => answer('integrity', [result('integrity', 'amcheck'), pass('invalid-indexes')]),
    schema: () => answer('schema', result('schema', 'schema')),
    counts: () => answer('counts', result('counts', 'row-counts')),
    freshness: () => answer('freshness', result('freshness', 'rpo', { measured: true, dataLossSeconds: 5400 })),
    pgvector: () => answer('pgvector', result('pgvector', 'pgvector')),
    performance: () => answer('performance', result('performance', 'performance')),
    onRestore: (fn) => fn({ query: async () => ({ rows: [] }) }),
    close: async () => {
      seen.closed++;
    },
  };
  const seams: RestoreTestSeams = {
    runId: RUN,
    openChecks: async (targets) => {
      seen.targets = targets;
      return session;
    },
  };
  return { seen, seams };
}

const awsConfig = (restoreTest = {}) => config({ provider: 'aws', database: { identifier: 'prod-db' }, restoreTest });

async function run(
  input: RestoreTestInput,
  seams: RestoreTestSeams,
  provider: Provider = aws,
  cfg = awsConfig({ instanceClass: 'db.t3.small' }),
) {
  const t = await restoreTestContext({ config: cfg, provider, home, clock: { now: () => NOW } });
  const outcome = await restoreTest(t.ctx, input, seams);
  return { ...outcome, t };
}

const RESTORE_TAGS = [
  { Key: 'dbops:managed', Value: 'true' },
  { Key: 'dbops:run-id', Value: RUN },
  { Key: 'dbops:purpose', Value: 'restore-test' },
  { Key: 'dbops:expires-at', Value: '2025-01-06T10:30:00Z' },
  { Key: 'dbops:source-instance', Value: 'prod-db' },
];

/** Every RDS command sent that names the source instance, except reads. */
function writesToSource(): string[] {
  return rds.mock
    .calls()
    .map((c) => c.args[0] as unknown as { constructor: { name: string }; input: Record<string, unknown> })
    .filter((cmd) => !cmd.constructor.name.startsWith('Describe'))
    .filter((cmd) => Object.values(cmd.input).includes('prod-db'))
    .map((cmd) => cmd.constructor.name)
    .filter((name) => name !== 'RestoreDBInstanceToPointInTimeCommand'); // reads the source's backups, writes the target
}

describe('restore-test on aws: the exact calls', () => {
  it('restores the newest available snapshot into a private temporary instance in the source network, then deletes it without a final snapshot', async () => {
    // GIVEN the source with two available snapshots and a newer one still being created
    const { seen, seams } = fakeChecks();

    // WHEN the restore test runs with default flags
    const { result, error } = await run({}, seams);

    // THEN the newest AVAILABLE snapshot was restored with these exact inputs
    expect(error).toBeUndefined();
    expect(inputsOf(rds.mock, RestoreDBInstanceFromDBSnapshotCommand)).toEqual([
      {
        DBInstanceIdentifier: TEMP,
        DBSnapshotIdentifier: 'prod-db-manual-20250106-031500',
        DBInstanceClass: 'db.t3.small',
        DBSubnetGroupName: 'dbops-subnets',
        VpcSecurityGroupIds: ['sg-0abc'],
        PubliclyAccessible: false,
        MultiAZ: false,
        Tags: [...RESTORE_TAGS, { Key: 'dbops:source-snapshot', Value: 'prod-db-manual-20250106-031500' }],
        CopyTagsToSnapshot: true,
      },
    ]);
    // AND it was deleted without a final snapshot, and is gone; the source is untouched
    expect(inputsOf(rds.mock, DeleteDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: TEMP, SkipFinalSnapshot: true }]);
    expect(rds.instanceIds(REGION)).toEqual(['prod-db']);
    expect(writesToSource()).toEqual([]);
    // AND the checks reached the temporary instance's endpoint over TLS, the source at its own
    expect(seen.targets?.restore).toMatchObject({
      host: `${TEMP}.abc123.${REGION}.rds.amazonaws.com`,
      port: 5432,
      ssl: 'require',
      user: 'dbops',
      database: 'app',
    });
    expect(seen.targets?.source).toMatchObject({ host: `prod-db.abc123.${REGION}.rds.amazonaws.com`, ssl: 'require' });
    expect(seen.targets?.concurrency).toBe(2);
    expect(seen.calls).toEqual(['server', 'integrity', 'schema', 'counts', 'freshness', 'pgvector', 'performance']);
    expect(seen.closed).toBe(1);
    // AND the verdict, the steps, the metrics and the history
    expect(result.verdict).toBe('passed');
    expect(result.report.steps.map((s) => s.status)).toEqual(Array(11).fill('ok'));
    expect(result.temporary).toMatchObject({
      instanceId: TEMP,
      created: true,
      deleted: true,
      kept: false,
      expiresAt: '2025-01-06T10:30:00Z',
    });
    expect(inputsOf(cw, PutMetricDataCommand)).toEqual([
      {
        Namespace: 'dbops',
        MetricData: [
          {
            MetricName: 'RestoreTestSuccess',
            Value: 1,
            Unit: 'Count',
            Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'prod-db' }],
            Timestamp: NOW,
          },
          {
            MetricName: 'RestoreTestDurationSeconds',
            Value: 0,
            Unit: 'Seconds',
            Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'prod-db' }],
            Timestamp: NOW,
          },
          {
            MetricName: 'RestoreTestDataLossSeconds',
            Value: 5400,
            Unit: 'Seconds',
            Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'prod-db' }],
            Timestamp: NOW,
          },
        ],
      },
    ]);
    const history = (await readFile(join(home, 'history', 'restore-tests.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(history).toEqual([
      {
        runId: RUN,
        provider: 'aws',
        region: REGION,
        instanceId: 'prod-db',
        snapshotId: 'prod-db-manual-20250106-031500',
        startedAt: NOW.toISOString(),
        finishedAt: NOW.toISOString(),
        verdict: 'passed',
        restoreSeconds: 0,
        dataLossSeconds: 5400,
        failedChecks: [],
      },
    ]);
  });

  it('sends RestoreDBInstanceToPointInTime with UseLatestRestorableTime for --latest-restorable', async () => {
    // GIVEN
    const { seams } = fakeChecks();

    // WHEN
    const { result } = await run({ latestRestorable: true }, seams);

    // THEN
    expect(inputsOf(rds.mock, RestoreDBInstanceToPointInTimeCommand)).toEqual([
      {
        SourceDBInstanceIdentifier: 'prod-db',
        TargetDBInstanceIdentifier: TEMP,
        UseLatestRestorableTime: true,
        DBInstanceClass: 'db.t3.small',
        DBSubnetGroupName: 'dbops-subnets',
        VpcSecurityGroupIds: ['sg-0abc'],
        PubliclyAccessible: false,
        Tags: RESTORE_TAGS,
        CopyTagsToSnapshot: true,
      },
    ]);
    expect(rds.mock.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)).toHaveLength(0);
    expect(result.backup).toEqual({ kind: 'point-in-time', time: 'latest', latestRestorableTime: '2025-01-06T04:25:00.000Z' });
    expect(inputsOf(rds.mock, DeleteDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: TEMP, SkipFinalSnapshot: true }]);
  });

  it('sends RestoreTime for --point-in-time, and refuses a time after the latest restorable one before creating anything', async () => {
    // GIVEN
    const { seams } = fakeChecks();

    // WHEN a valid time, then one after LatestRestorableTime
    await run({ pointInTime: '2025-01-06T02:00:00Z' }, seams);
    const late = await run({ pointInTime: '2025-01-06T04:29:00Z' }, fakeChecks().seams);

    // THEN the first restored to exactly that time; the second stopped in RT-1 with a usage error
    expect(inputsOf(rds.mock, RestoreDBInstanceToPointInTimeCommand).map((i) => [i.RestoreTime, i.UseLatestRestorableTime])).toEqual([
      [new Date('2025-01-06T02:00:00Z'), undefined],
    ]);
    expect(late.error).toBeInstanceOf(UsageError);
    expect(late.error?.message).toMatch(
      /^2025-01-06T04:29:00\.000Z is outside the restorable window of prod-db: \S+Z to 2025-01-06T04:25:00\.000Z\.$/,
    );
    expect(late.result.temporary).toBeUndefined();
    expect(late.result.recorded).toBeUndefined();
  });

  it('with --keep leaves the instance, says how to reach and remove it, and still closes the connections', async () => {
    // GIVEN
    const { seen, seams } = fakeChecks();

    // WHEN
    const { result } = await run({ keep: true }, seams);

    // THEN
    expect(rds.mock.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
    expect(rds.instanceIds(REGION)).toEqual(['prod-db', TEMP]);
    expect(seen.closed).toBe(1);
    expect(result.temporary).toMatchObject({
      kept: true,
      deleted: false,
      connectCommand: `dbops psql ${TEMP}`,
      removeCommand: `dbops instances delete ${TEMP} --yes --skip-final-snapshot`,
    });
    expect(result.report.steps.at(-1)).toMatchObject({ id: 'RT-11', status: 'skipped' });
    expect(result.cleanup).toEqual([{ label: `delete temporary instance ${TEMP}`, status: 'kept', durationMs: 0 }]);
  });

  it('with --dry-run picks the backup and creates nothing', async () => {
    // GIVEN
    const { seen, seams } = fakeChecks();
    const t = await restoreTestContext({ config: awsConfig(), provider: aws, home, clock: { now: () => NOW }, dryRun: true });

    // WHEN
    const { result, error } = await restoreTest(t.ctx, {}, seams);

    // THEN
    expect(error).toBeUndefined();
    expect(result.verdict).toBe('dry-run');
    expect(result.temporary).toMatchObject({ instanceId: TEMP, created: false, subnetGroup: 'dbops-subnets', securityGroups: ['sg-0abc'] });
    expect(rds.mock.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)).toHaveLength(0);
    expect(seen.calls).toEqual([]);
    expect(cw.calls()).toHaveLength(0);
  });
});

describe('restore-test on aws: a failed check', () => {
  it('fails the verdict, runs the remaining checks, deletes the instance and publishes RestoreTestSuccess 0', async () => {
    // GIVEN the row counts fail
    const { seen, seams } = fakeChecks({ failIn: 'counts' });

    // WHEN
    const { result, error } = await run({}, seams);

    // THEN
    expect(error).toBeUndefined();
    expect(result.verdict).toBe('failed');
    expect(result.failedChecks).toEqual(['row-counts']);
    expect(seen.calls).toEqual(['server', 'integrity', 'schema', 'counts', 'freshness', 'pgvector', 'performance']);
    expect(result.report.steps.map((s) => `${s.id}:${s.status}`)).toEqual([
      'RT-1:ok',
      'RT-2:ok',
      'RT-3:ok',
      'RT-4:ok',
      'RT-5:ok',
      'RT-6:ok',
      'RT-7:failed',
      'RT-8:ok',
      'RT-9:ok',
      'RT-10:ok',
      'RT-11:ok',
    ]);
    expect(inputsOf(rds.mock, DeleteDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: TEMP, SkipFinalSnapshot: true }]);
    expect(inputsOf(cw, PutMetricDataCommand)[0]?.MetricData?.[0]).toMatchObject({ MetricName: 'RestoreTestSuccess', Value: 0 });
  });
});

/** The provider with one method replaced. */
function withOverride(base: Provider, override: Partial<Provider>): Provider {
  return new Proxy(base, {
    get(target, prop, receiver) {
      if (prop in override) return override[prop as keyof Provider];
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describe('restore-test on aws: cleanup after a failure at each step', () => {
  it('RT-1: no available snapshot -> exit 3, nothing created, RestoreTestSuccess 0', async () => {
    // GIVEN only a snapshot still being created
    rds.restore();
    rds = new FakeRds();
    rds.addInstance(REGION, 'prod-db');
    rds.addSnapshot(REGION, 'creating-1', { Status: 'creating' });

    // WHEN
    const { result, error } = await run({}, fakeChecks().seams);

    // THEN
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error?.message).toBe(`No available snapshot of prod-db in ${REGION}: there is no backup to test.`);
    expect((error as EnvironmentError).exitCode).toBe(3);
    expect(result.verdict).toBe('error');
    expect(result.error?.step).toBe('RT-1');
    expect(rds.mock.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)).toHaveLength(0);
    expect(rds.mock.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
    expect(inputsOf(cw, PutMetricDataCommand)[0]?.MetricData?.map((d) => [d.MetricName, d.Value])).toEqual([['RestoreTestSuccess', 0]]);
  });

  it('RT-2: the restore call is refused -> exit 3, no instance, no delete', async () => {
    // GIVEN RDS denies the restore
    const denied = Object.assign(new Error('User is not authorized to perform: rds:RestoreDBInstanceFromDBSnapshot'), {
      name: 'AccessDenied',
      $metadata: {},
    });
    rds.mock.on(RestoreDBInstanceFromDBSnapshotCommand).rejects(denied);

    // WHEN
    const { result, error } = await run({}, fakeChecks().seams);

    // THEN
    expect(error?.message).toBe(`AWS denied RestoreDBInstanceFromDBSnapshot in ${REGION} to these credentials.`);
    expect((error as EnvironmentError).exitCode).toBe(3);
    expect(result.error?.step).toBe('RT-2');
    expect(result.temporary).toMatchObject({ created: false, deleted: false });
    expect(rds.mock.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
    expect(rds.instanceIds(REGION)).toEqual(['prod-db']);
  });

  it('RT-3: the instance never becomes available -> it is deleted without a final snapshot', async () => {
    // GIVEN the wait fails (RDS reports incompatible-restore)
    const provider = withOverride(aws, {
      waitForInstance: (id, target, opts) =>
        target === 'available'
          ? Promise.reject(new EnvironmentError(`DB instance ${id} in ${REGION} is incompatible-restore; it will not become available.`))
          : aws.waitForInstance(id, target, opts),
    });

    // WHEN
    const { result, error } = await run({}, fakeChecks().seams, provider);

    // THEN
    expect(error?.message).toContain('incompatible-restore');
    expect(result.error?.step).toBe('RT-3');
    expect(inputsOf(rds.mock, DeleteDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: TEMP, SkipFinalSnapshot: true }]);
    expect(rds.instanceIds(REGION)).toEqual(['prod-db']);
    expect(result.temporary).toMatchObject({ created: true, deleted: true });
    expect(result.cleanup.map((c) => [c.label, c.status])).toEqual([[`delete temporary instance ${TEMP}`, 'done']]);
  });

  it('RT-4: the checks cannot connect -> the instance is deleted', async () => {
    // GIVEN
    const seams: RestoreTestSeams = {
      runId: RUN,
      openChecks: () => Promise.reject(new EnvironmentError('Cannot connect to PostgreSQL at x:5432 as dbops: timeout.')),
    };

    // WHEN
    const { result, error } = await run({}, seams);

    // THEN
    expect(error?.message).toBe('Cannot connect to PostgreSQL at x:5432 as dbops: timeout.');
    expect(result.error?.step).toBe('RT-4');
    expect(inputsOf(rds.mock, DeleteDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: TEMP, SkipFinalSnapshot: true }]);
    expect(rds.instanceIds(REGION)).toEqual(['prod-db']);
  });

  it.each([
    ['RT-4', 'server'],
    ['RT-5', 'integrity'],
    ['RT-6', 'schema'],
    ['RT-7', 'counts'],
    ['RT-8', 'freshness'],
    ['RT-9', 'pgvector'],
    ['RT-10', 'performance'],
  ] as const)('%s: a lost connection (%s) -> exit 3, connections closed, the instance deleted', async (step, method) => {
    // GIVEN the check session breaks in that step
    const { seen, seams } = fakeChecks({ throwIn: method });

    // WHEN
    const { result, error } = await run({}, seams);

    // THEN
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(result.verdict).toBe('error');
    expect(result.error?.step).toBe(step);
    expect(seen.closed).toBe(1);
    expect(inputsOf(rds.mock, DeleteDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: TEMP, SkipFinalSnapshot: true }]);
    expect(rds.instanceIds(REGION)).toEqual(['prod-db']);
    expect(result.cleanup.map((c) => [c.label, c.status])).toEqual([
      ['close the database connections', 'done'],
      [`delete temporary instance ${TEMP}`, 'done'],
    ]);
  });

  it('RT-11: a delete that fails once is retried by the cleanup stack', async () => {
    // GIVEN DeleteDBInstance fails the first time
    let calls = 0;
    const provider = withOverride(aws, {
      deleteInstance: (id, input) =>
        ++calls === 1 ? Promise.reject(new EnvironmentError('AWS DeleteDBInstance failed: throttled.')) : aws.deleteInstance(id, input),
    });

    // WHEN
    const { result, error } = await run({}, fakeChecks().seams, provider);

    // THEN the step failed, the cleanup deleted it, and the run says it could not finish cleanly
    expect(error?.message).toBe('AWS DeleteDBInstance failed: throttled.');
    expect(result.error?.step).toBe('RT-11');
    expect(calls).toBe(2);
    expect(rds.instanceIds(REGION)).toEqual(['prod-db']);
    expect(result.temporary?.deleted).toBe(true);
  });

  it('RT-11: RDS refuses the delete in a transitional state -> waits until available, then deletes again', async () => {
    // GIVEN the first DeleteDBInstance is refused with InvalidDBInstanceState, as mapped by the adapter
    const calls: string[] = [];
    const provider = withOverride(aws, {
      deleteInstance: (id, input) => {
        calls.push('delete');
        if (calls.filter((c) => c === 'delete').length > 1) return aws.deleteInstance(id, input);
        const refused = new InvalidDBInstanceStateFault({
          message: `Instance ${id} is currently modifying.`,
          $metadata: { httpStatusCode: 400 },
        });
        return Promise.reject(
          mapAwsError(refused, { operation: 'DeleteDBInstance', service: 'rds', region: REGION, maxAttempts: 3, instanceId: id }),
        );
      },
      waitForInstance: (id, target, opts) => {
        calls.push(`wait ${target}`);
        return aws.waitForInstance(id, target, opts);
      },
    });

    // WHEN
    const { result, error } = await run({}, fakeChecks().seams, provider);

    // THEN the run waited for the instance to settle, deleted it, and passed
    expect(error).toBeUndefined();
    expect(calls).toEqual(['wait available', 'delete', 'wait available', 'delete', 'wait deleted']);
    expect(inputsOf(rds.mock, DeleteDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: TEMP, SkipFinalSnapshot: true }]);
    expect(rds.instanceIds(REGION)).toEqual(['prod-db']);
    expect(result.temporary?.deleted).toBe(true);
  });

  it('never deletes an instance this run did not create (a name clash)', async () => {
    // GIVEN an instance already named like the temporary one, from another run
    rds.addInstance(REGION, TEMP, { TagList: [{ Key: 'dbops:run-id', Value: 'someone-else' }] });

    // WHEN
    const { result, error } = await run({}, fakeChecks().seams);

    // THEN the restore was refused, and the other instance is left alone
    expect(error?.message).toBe(`DB instance ${TEMP} already exists in ${REGION}.`);
    expect(rds.mock.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
    expect(rds.instanceIds(REGION)).toEqual(['prod-db', TEMP]);
    expect(result.recorded).toBeUndefined();
  });
});

describe('restore-test on aws: interrupted at each step', () => {
  it.each(['RT-3', 'RT-4', 'RT-5', 'RT-6', 'RT-7', 'RT-8', 'RT-9', 'RT-10'] as const)(
    'SIGINT in %s: exit 130, the instance deleted, no metrics',
    async (step) => {
      // GIVEN a run that is interrupted as the step starts
      let t: Awaited<ReturnType<typeof restoreTestContext>> | undefined;
      const methods: Record<string, Method> = {
        'RT-4': 'server',
        'RT-5': 'integrity',
        'RT-6': 'schema',
        'RT-7': 'counts',
        'RT-8': 'freshness',
        'RT-9': 'pgvector',
        'RT-10': 'performance',
      };
      const { seams } = fakeChecks({ onCall: (m) => m === methods[step] && t?.controller.abort('SIGINT') });
      const provider =
        step === 'RT-3'
          ? withOverride(aws, {
              waitForInstance: (id, target, opts) => {
                if (target === 'available') t?.controller.abort('SIGINT');
                return aws.waitForInstance(id, target, opts);
              },
            })
          : aws;
      t = await restoreTestContext({ config: awsConfig(), provider, home, clock: { now: () => NOW } });

      // WHEN
      const { result, error } = await restoreTest(t.ctx, {}, seams);

      // THEN
      expect(error).toBeInstanceOf(Interrupted);
      expect((error as Interrupted).exitCode).toBe(130);
      expect(result.verdict).toBe('interrupted');
      expect(result.report.steps.find((s) => s.id === step)?.status).toBe('interrupted');
      expect(inputsOf(rds.mock, DeleteDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: TEMP, SkipFinalSnapshot: true }]);
      expect(rds.instanceIds(REGION)).toEqual(['prod-db']);
      expect(cw.calls()).toHaveLength(0);
    },
  );
});
