/**
 * `dbops restore-test` of an Aurora Serverless v2 cluster on the aws provider, against the
 * stateful FakeRds (its clusters): the exact calls (RestoreDBClusterFromSnapshot /
 * RestoreDBClusterToPointInTime with the serverless range, CreateDBInstance of the
 * db.serverless writer, DeleteDBInstance then DeleteDBCluster without a final snapshot),
 * the two RTO phases, a snapshot of the wrong kind said plainly, and a failure or an
 * interrupt at each step leaving nothing (writer and cluster both deleted, in that order).
 * The data-plane checks are an injected CheckSession (they run for real in test/integration/).
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBClusterToPointInTimeCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckSession } from '../../../../src/lib/checks/session.js';
import type { CheckResult } from '../../../../src/lib/checks/types.js';
import { EnvironmentError, Interrupted, UsageError } from '../../../../src/lib/errors.js';
import { createAwsProvider } from '../../../../src/lib/providers/aws/provider.js';
import type { Provider } from '../../../../src/lib/providers/types.js';
import { restoreTest, type RestoreTestInput, type RestoreTestSeams } from '../../../../src/lib/restore/restore-test.js';
import { RESTORE_TEST_CLUSTER } from '../../../../src/lib/restore/runbook.js';
import { FakeRds } from '../../../_helpers/fake-rds.js';
import { config, restoreTestContext } from '../../restore/_context.js';
import { FAST, REGION, awsOptions, inputsOf } from './helpers.js';

const NOW = new Date('2025-01-06T04:30:00Z');
const RUN = 'run1';
const CLUSTER = `content-hub-rt-${RUN}`;
const WRITER = `content-hub-rt-${RUN}-w`;
const cw = mockClient(CloudWatchClient);

let rds: FakeRds;
let aws: Provider;
let home: string;

beforeEach(async () => {
  rds = new FakeRds({ describesToSettle: 2 });
  cw.reset();
  cw.on(PutMetricDataCommand).resolves({});
  aws = createAwsProvider(awsOptions(), FAST);
  home = await mkdtemp(join(tmpdir(), 'dbops-rt-aurora-'));
  rds.clusters.addCluster(REGION, 'content-hub', {
    ServerlessV2ScalingConfiguration: { MinCapacity: 1, MaxCapacity: 4 },
    DBSubnetGroup: 'dbops-subnets',
    VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0abc', Status: 'active' }],
    DeletionProtection: true,
    LatestRestorableTime: new Date('2025-01-06T04:25:00Z'),
    EarliestRestorableTime: new Date('2024-12-30T04:25:00Z'),
  });
  rds.addClusterMember(REGION, 'content-hub', 'content-hub-writer');
  rds.clusters.addClusterSnapshot(REGION, 'rds:content-hub-2025-01-05-03-10', {
    SnapshotType: 'automated',
    SnapshotCreateTime: new Date('2025-01-05T03:10:00Z'),
  });
  rds.clusters.addClusterSnapshot(REGION, 'content-hub-weekly-1', { SnapshotCreateTime: new Date('2025-01-06T03:15:00Z') });
  rds.addSnapshot(REGION, 'prod-db-manual-1', { DBInstanceIdentifier: 'prod-db', SnapshotCreateTime: new Date('2025-01-06T03:15:00Z') });
});

afterEach(async () => {
  await aws.close();
  rds.restore();
  await rm(home, { recursive: true, force: true });
});

function pass(id: CheckResult['id'], data?: unknown): CheckResult {
  return { id, title: id, status: 'passed', summary: `${id} ok`, evidence: [], ...(data ? { data } : {}) };
}

/** A CheckSession that passes everything; `onServer` runs when RT-4 asks the server. */
function fakeChecks(onServer?: () => void) {
  const seen: { targets?: Parameters<NonNullable<RestoreTestSeams['openChecks']>>[0] } = {};
  const session: CheckSession = {
    server: async () => {
      onServer?.();
      return pass('server');
    },
    integrity: async () => [pass('amcheck'), pass('invalid-indexes')],
    schema: async () => pass('schema'),
    counts: async () => pass('row-counts'),
    freshness: async () => pass('rpo', { measured: true, dataLossSeconds: 600 }),
    pgvector: async () => pass('pgvector'),
    performance: async () => pass('performance'),
    onRestore: (fn) => fn({ query: async () => ({ rows: [] }) }),
    close: async () => undefined,
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

const auroraConfig = () =>
  config({
    provider: 'aws',
    database: { identifier: 'content-hub', engine: 'aurora-postgresql', instanceClass: 'db.serverless', engineVersion: '15.4' },
  });

async function run(input: RestoreTestInput, seams: RestoreTestSeams, provider: Provider = aws) {
  const t = await restoreTestContext({ config: auroraConfig(), provider, home, clock: { now: () => NOW } });
  const outcome = await restoreTest(t.ctx, input, seams);
  return { ...outcome, t };
}

const TAGS = [
  { Key: 'dbops:managed', Value: 'true' },
  { Key: 'dbops:run-id', Value: RUN },
  { Key: 'dbops:purpose', Value: 'restore-test' },
  { Key: 'dbops:expires-at', Value: '2025-01-06T10:30:00Z' },
  { Key: 'dbops:source-instance', Value: 'content-hub' },
];

/** The deletes sent, in order: the writer, then the cluster. */
function deletes(): string[] {
  return rds.mock
    .calls()
    .map((c) => c.args[0] as unknown as { constructor: { name: string }; input: Record<string, unknown> })
    .filter((cmd) => cmd.constructor.name === 'DeleteDBInstanceCommand' || cmd.constructor.name === 'DeleteDBClusterCommand')
    .map((cmd) => `${cmd.constructor.name}:${String(cmd.input.DBInstanceIdentifier ?? cmd.input.DBClusterIdentifier)}`);
}

function nothingLeft(): void {
  expect(rds.clusters.clusterIds(REGION)).toEqual(['content-hub']);
  expect(rds.instanceIds(REGION)).toEqual(['content-hub-writer']);
  expect(rds.clusters.cluster(REGION, 'content-hub')?.DBClusterMembers?.map((m) => m.DBInstanceIdentifier)).toEqual(['content-hub-writer']);
}

describe('restore-test of an Aurora cluster on aws: the exact calls', () => {
  it('restores the newest cluster snapshot into a temporary cluster with the source range, adds a db.serverless writer, then deletes the writer and the cluster', async () => {
    // GIVEN the cluster with an automated and a newer manual cluster snapshot
    const { seen, seams } = fakeChecks();

    // WHEN the restore test runs
    const { result, error } = await run({}, seams);

    // THEN the newest cluster snapshot was restored with these exact inputs
    expect(error).toBeUndefined();
    expect(inputsOf(rds.mock, RestoreDBClusterFromSnapshotCommand)).toEqual([
      {
        SnapshotIdentifier: 'content-hub-weekly-1',
        Engine: 'aurora-postgresql',
        EngineVersion: '15.4',
        DBClusterIdentifier: CLUSTER,
        ServerlessV2ScalingConfiguration: { MinCapacity: 1, MaxCapacity: 4 },
        DBSubnetGroupName: 'dbops-subnets',
        VpcSecurityGroupIds: ['sg-0abc'],
        DeletionProtection: false,
        CopyTagsToSnapshot: true,
        Tags: [...TAGS, { Key: 'dbops:source-snapshot', Value: 'content-hub-weekly-1' }],
      },
    ]);
    // AND the writer was added once the cluster was available
    expect(inputsOf(rds.mock, CreateDBInstanceCommand)).toEqual([
      {
        DBInstanceIdentifier: WRITER,
        DBClusterIdentifier: CLUSTER,
        Engine: 'aurora-postgresql',
        DBInstanceClass: 'db.serverless',
        PubliclyAccessible: false,
        AutoMinorVersionUpgrade: false,
        PromotionTier: 0,
        Tags: [...TAGS, { Key: 'dbops:source-snapshot', Value: 'content-hub-weekly-1' }],
      },
    ]);
    expect(inputsOf(rds.mock, RestoreDBInstanceFromDBSnapshotCommand)).toEqual([]);
    // AND the writer was deleted, then the cluster, both without a final snapshot
    expect(inputsOf(rds.mock, DeleteDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: WRITER, SkipFinalSnapshot: true }]);
    expect(inputsOf(rds.mock, DeleteDBClusterCommand)).toEqual([{ DBClusterIdentifier: CLUSTER, SkipFinalSnapshot: true }]);
    expect(deletes()).toEqual([`DeleteDBInstanceCommand:${WRITER}`, `DeleteDBClusterCommand:${CLUSTER}`]);
    nothingLeft();
    // AND the checks reached the writer's endpoint with the cluster's user and database, the source at its cluster endpoint
    expect(seen.targets?.restore).toMatchObject({ host: `${WRITER}.abc123.${REGION}.rds.amazonaws.com`, user: 'dbops', database: 'app' });
    expect(seen.targets?.source).toMatchObject({ host: `content-hub.cluster-abc123.${REGION}.rds.amazonaws.com`, ssl: 'require' });
    // AND the steps are the cluster section's, every one ok; the restore's two phases are reported
    expect(result.verdict).toBe('passed');
    expect(result.report.steps.map((s) => `${s.id}:${s.status}`)).toEqual(RESTORE_TEST_CLUSTER.steps.map((s) => `${s.id}:ok`));
    expect(result.timing).toMatchObject({ restoreSeconds: 0, clusterSeconds: 0, writerSeconds: 0 });
    expect(result.temporary).toMatchObject({ instanceId: WRITER, clusterId: CLUSTER, instanceClass: 'db.serverless', deleted: true });
    expect(result.checks.find((c) => c.id === 'rto')?.step).toBe('RT-14');
  });

  it('sends RestoreDBClusterToPointInTime with UseLatestRestorableTime for --latest-restorable', async () => {
    const { seams } = fakeChecks();
    const { error } = await run({ latestRestorable: true }, seams);
    expect(error).toBeUndefined();
    expect(inputsOf(rds.mock, RestoreDBClusterToPointInTimeCommand)).toEqual([
      {
        SourceDBClusterIdentifier: 'content-hub',
        UseLatestRestorableTime: true,
        DBClusterIdentifier: CLUSTER,
        ServerlessV2ScalingConfiguration: { MinCapacity: 1, MaxCapacity: 4 },
        DBSubnetGroupName: 'dbops-subnets',
        VpcSecurityGroupIds: ['sg-0abc'],
        DeletionProtection: false,
        CopyTagsToSnapshot: true,
        Tags: TAGS,
      },
    ]);
    expect(deletes()).toEqual([`DeleteDBInstanceCommand:${WRITER}`, `DeleteDBClusterCommand:${CLUSTER}`]);
    nothingLeft();
  });

  it('sends RestoreToTime for --point-in-time inside the window', async () => {
    const { seams } = fakeChecks();
    const { error } = await run({ pointInTime: '2025-01-06T01:00:00Z' }, seams);
    expect(error).toBeUndefined();
    expect(inputsOf(rds.mock, RestoreDBClusterToPointInTimeCommand)[0]).toMatchObject({
      SourceDBClusterIdentifier: 'content-hub',
      RestoreToTime: new Date('2025-01-06T01:00:00Z'),
    });
    expect(inputsOf(rds.mock, RestoreDBClusterToPointInTimeCommand)[0]).not.toHaveProperty('UseLatestRestorableTime');
  });

  it('refuses a DB instance snapshot named for a cluster, plainly, before creating anything (exit 2)', async () => {
    const { seams } = fakeChecks();
    const { error } = await run({ snapshotId: 'prod-db-manual-1' }, seams);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as UsageError).message).toBe(
      'prod-db-manual-1 is a snapshot of the DB instance prod-db, not a cluster snapshot: an Aurora cluster restores and copies only cluster snapshots.',
    );
    expect(inputsOf(rds.mock, RestoreDBClusterFromSnapshotCommand)).toEqual([]);
    nothingLeft();
  });

  it('with --dry-run picks the cluster snapshot and creates nothing', async () => {
    const { seams } = fakeChecks();
    const t = await restoreTestContext({ config: auroraConfig(), provider: aws, home, clock: { now: () => NOW }, dryRun: true });
    const { result, error } = await restoreTest(t.ctx, {}, seams);
    expect(error).toBeUndefined();
    expect(result.verdict).toBe('dry-run');
    expect(result.backup).toMatchObject({ kind: 'snapshot', snapshotId: 'content-hub-weekly-1' });
    expect(inputsOf(rds.mock, RestoreDBClusterFromSnapshotCommand)).toEqual([]);
  });
});

describe('restore-test of an instance: a cluster snapshot named', () => {
  it('is refused plainly before anything is created (exit 2)', async () => {
    rds.addInstance(REGION, 'prod-db');
    const { seams } = fakeChecks();
    const t = await restoreTestContext({
      config: config({ provider: 'aws', database: { identifier: 'prod-db' } }),
      provider: aws,
      home,
      clock: { now: () => NOW },
    });
    const { error } = await restoreTest(t.ctx, { snapshotId: 'content-hub-weekly-1' }, seams);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(
      'content-hub-weekly-1 is a snapshot of the Aurora cluster content-hub, not a DB instance snapshot: instance snapshots and cluster snapshots are not interchangeable.',
    );
    expect(inputsOf(rds.mock, RestoreDBInstanceFromDBSnapshotCommand)).toEqual([]);
  });
});

describe('restore-test of an Aurora cluster on aws: a failure or an interrupt at each step leaves nothing', () => {
  const created = ['RT-13', 'RT-14', 'RT-4', 'RT-5', 'RT-6', 'RT-7', 'RT-8', 'RT-9', 'RT-10', 'RT-15'];

  it.each(created)('a failure at the end of %s: exit 3, the writer deleted, then the cluster', async (step) => {
    // GIVEN a run whose step throws once its work is done
    const { seams } = fakeChecks();
    const { result, error } = await run(
      {},
      {
        ...seams,
        faults: (id, at) => {
          if (id === step && at === 'end') throw new EnvironmentError(`Injected fault at the end of ${id}.`);
        },
      },
    );
    // THEN the run failed at that step, and nothing of it is left, deleted writer first
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(result.verdict).toBe('error');
    expect(result.error?.step).toBe(step);
    const writerMade = step !== 'RT-13';
    expect(deletes()).toEqual([...(writerMade ? [`DeleteDBInstanceCommand:${WRITER}`] : []), `DeleteDBClusterCommand:${CLUSTER}`]);
    nothingLeft();
  });

  it.each(created.slice(0, -1))('SIGINT as %s starts: exit 130, the writer deleted, then the cluster', async (step) => {
    let t: Awaited<ReturnType<typeof restoreTestContext>> | undefined;
    const { seams } = fakeChecks();
    t = await restoreTestContext({ config: auroraConfig(), provider: aws, home, clock: { now: () => NOW } });
    const { result, error } = await restoreTest(
      t.ctx,
      {},
      {
        ...seams,
        faults: (id, at) => {
          if (id === step && at === 'start') t?.controller.abort('SIGINT');
        },
      },
    );
    expect(error).toBeInstanceOf(Interrupted);
    expect(result.verdict).toBe('interrupted');
    // Interrupted as RT-13 starts, the restore call is already on its way: the cluster is deleted all the same
    const writerMade = step !== 'RT-13';
    expect(deletes()).toEqual([...(writerMade ? [`DeleteDBInstanceCommand:${WRITER}`] : []), `DeleteDBClusterCommand:${CLUSTER}`]);
    nothingLeft();
    expect(cw.calls()).toHaveLength(0);
  });
});

describe('restore-test of an Aurora cluster: the report', () => {
  it('names the temporary cluster and its writer, and the restore time with its two phases', async () => {
    const { seams } = fakeChecks();
    const { result } = await run({}, seams);
    const { renderMarkdown } = await import('../../../../src/lib/restore/render.js');
    const md = renderMarkdown(result);
    expect(md).toContain(`- Temporary Aurora cluster \`${CLUSTER}\` with writer \`${WRITER}\` (db.serverless), deleted;`);
    expect(md).toContain('| RTO (restore until available; cluster, then writer) | 4 h | 0ms (cluster 0ms, writer 0ms) | within |');
  });
});
