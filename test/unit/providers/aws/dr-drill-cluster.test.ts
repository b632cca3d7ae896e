/**
 * `dbops dr-drill` of an Aurora Serverless v2 cluster on the aws provider against the
 * stateful FakeRds (its clusters): the region scenario restores the newest cluster
 * snapshot copy in the DR region (RestoreDBClusterFromSnapshot there, the DR network, the
 * source's serverless range), the instance scenario the cluster's latest restorable time
 * (RestoreDBClusterToPointInTime); a db.serverless writer; the writer deleted, then the
 * cluster; the replica scenario refused; and a failure or an interrupt at each step
 * leaving nothing. The data plane is an injected CheckSession.
 */
import {
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBClusterToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckSession } from '../../../../src/lib/checks/session.js';
import type { CheckResult, Queryable } from '../../../../src/lib/checks/types.js';
import { drDrill, type DrillSeams } from '../../../../src/lib/drill/drill.js';
import { DR_DRILL_CLUSTER } from '../../../../src/lib/drill/runbook.js';
import { EnvironmentError, Interrupted, UsageError } from '../../../../src/lib/errors.js';
import { createAwsProvider } from '../../../../src/lib/providers/aws/provider.js';
import type { Provider } from '../../../../src/lib/providers/types.js';
import { FakeRds } from '../../../_helpers/fake-rds.js';
import { config, restoreTestContext } from '../../restore/_context.js';
import { awsOptions, DR_REGION, FAST, inputsOf, REGION, regionOfCall } from './helpers.js';

const NOW = new Date('2025-01-06T04:30:00Z');
const RUN = 'drl1';
const CLUSTER = `content-hub-dr-${RUN}`;
const WRITER = `content-hub-dr-${RUN}-w`;

let rds: FakeRds;
let aws: Provider;
let home: string;

beforeEach(async () => {
  rds = new FakeRds({ describesToSettle: 2 });
  aws = createAwsProvider(awsOptions(), FAST);
  home = await mkdtemp(join(tmpdir(), 'dbops-drill-aurora-'));
  rds.clusters.addCluster(REGION, 'content-hub', {
    ServerlessV2ScalingConfiguration: { MinCapacity: 1, MaxCapacity: 4 },
    DBSubnetGroup: 'dbops-subnets',
    VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0abc', Status: 'active' }],
    LatestRestorableTime: new Date('2025-01-06T04:25:00Z'),
  });
  rds.addClusterMember(REGION, 'content-hub', 'content-hub-writer');
  rds.clusters.addClusterSnapshot(REGION, 'content-hub-weekly-1', { SnapshotCreateTime: new Date('2025-01-06T03:15:00Z') });
  rds.clusters.addClusterSnapshot(DR_REGION, 'content-hub-weekly-1-dr', { SnapshotCreateTime: new Date('2025-01-06T03:15:00Z') });
});

afterEach(async () => {
  await aws.close();
  rds.restore();
  await rm(home, { recursive: true, force: true });
});

const pass = (id: CheckResult['id'], data?: unknown): CheckResult => ({
  id,
  title: id,
  status: 'passed',
  summary: `${id} ok`,
  evidence: [],
  ...(data ? { data } : {}),
});

/** Answers the drill's own queries on the recovery: the probe row read back. */
const recoveryDb: Queryable = {
  query: async <R extends object>(sql: string) => ({
    rows: (/^SELECT seq FROM dbops\.dbops_drill_probe_/.test(sql)
      ? [{ seq: 1 }]
      : /track_commit_timestamp/.test(sql)
        ? [{ on: 'off' }]
        : []) as unknown as R[],
  }),
};

function seams(extra: Partial<DrillSeams> = {}): DrillSeams & { restoreHost: () => string | undefined } {
  let restoreHost: string | undefined;
  const session: CheckSession = {
    server: async () => pass('server'),
    integrity: async () => [pass('amcheck'), pass('invalid-indexes')],
    schema: async () => pass('schema'),
    counts: async () => pass('row-counts'),
    freshness: async () => pass('rpo', { measured: true, dataLossSeconds: 4500, newestInRestore: '2025-01-06T03:15:00.000Z' }),
    pgvector: async () => pass('pgvector'),
    performance: async () => pass('performance'),
    onRestore: (fn) => fn(recoveryDb),
    close: async () => undefined,
  };
  return {
    runId: RUN,
    openChecks: async (targets) => {
      restoreHost = targets.restore.host;
      return session;
    },
    restoreHost: () => restoreHost,
    ...extra,
  };
}

async function context() {
  return restoreTestContext({
    config: config({
      provider: 'aws',
      database: { identifier: 'content-hub', engine: 'aurora-postgresql', instanceClass: 'db.serverless', engineVersion: '15.4' },
      recovery: { drSubnetGroup: 'dr-subnets', drSecurityGroupIds: ['sg-0dr'] },
    }),
    provider: aws,
    home,
    clock: { now: () => NOW },
  });
}

const TAGS = [
  { Key: 'dbops:managed', Value: 'true' },
  { Key: 'dbops:run-id', Value: RUN },
  { Key: 'dbops:purpose', Value: 'dr-drill' },
  { Key: 'dbops:expires-at', Value: '2025-01-06T10:30:00Z' },
  { Key: 'dbops:source-instance', Value: 'content-hub' },
];

/** The deletes sent, in order, with their region-free ids. */
function deletes(): string[] {
  return rds.mock
    .calls()
    .map((c) => c.args[0] as unknown as { constructor: { name: string }; input: Record<string, unknown> })
    .filter((cmd) => cmd.constructor.name === 'DeleteDBInstanceCommand' || cmd.constructor.name === 'DeleteDBClusterCommand')
    .map((cmd) => `${cmd.constructor.name}:${String(cmd.input.DBInstanceIdentifier ?? cmd.input.DBClusterIdentifier)}`);
}

function nothingLeft(): void {
  expect(rds.clusters.clusterIds(DR_REGION)).toEqual([]);
  expect(rds.instanceIds(DR_REGION)).toEqual([]);
  expect(rds.clusters.clusterIds(REGION)).toEqual(['content-hub']);
  expect(rds.instanceIds(REGION)).toEqual(['content-hub-writer']);
}

describe('dr-drill of an Aurora cluster on aws', () => {
  it('region: restores the newest cluster snapshot copy in the DR region into a temporary cluster and writer there; deletes the writer, then the cluster', async () => {
    const s = seams();
    const t = await context();
    const { record, error } = await drDrill(t.ctx, {}, s);
    expect(error).toBeUndefined();
    expect(inputsOf(rds.mock, RestoreDBClusterFromSnapshotCommand)).toEqual([
      {
        SnapshotIdentifier: 'content-hub-weekly-1-dr',
        Engine: 'aurora-postgresql',
        EngineVersion: '15.4',
        DBClusterIdentifier: CLUSTER,
        ServerlessV2ScalingConfiguration: { MinCapacity: 1, MaxCapacity: 4 },
        DBSubnetGroupName: 'dr-subnets',
        VpcSecurityGroupIds: ['sg-0dr'],
        DeletionProtection: false,
        CopyTagsToSnapshot: true,
        Tags: [...TAGS, { Key: 'dbops:source-snapshot', Value: 'content-hub-weekly-1-dr' }],
      },
    ]);
    expect(await regionOfCall(rds.mock, RestoreDBClusterFromSnapshotCommand)).toBe(DR_REGION);
    expect(inputsOf(rds.mock, CreateDBInstanceCommand)).toEqual([
      {
        DBInstanceIdentifier: WRITER,
        DBClusterIdentifier: CLUSTER,
        Engine: 'aurora-postgresql',
        DBInstanceClass: 'db.serverless',
        PubliclyAccessible: false,
        AutoMinorVersionUpgrade: false,
        PromotionTier: 0,
        Tags: [...TAGS, { Key: 'dbops:source-snapshot', Value: 'content-hub-weekly-1-dr' }],
      },
    ]);
    expect(await regionOfCall(rds.mock, CreateDBInstanceCommand)).toBe(DR_REGION);
    // no replicated automated backups are looked for: a cluster's DR copies are its cluster snapshots
    expect(inputsOf(rds.mock, DescribeDBInstanceAutomatedBackupsCommand)).toEqual([]);
    expect(inputsOf(rds.mock, DeleteDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: WRITER, SkipFinalSnapshot: true }]);
    expect(inputsOf(rds.mock, DeleteDBClusterCommand)).toEqual([{ DBClusterIdentifier: CLUSTER, SkipFinalSnapshot: true }]);
    expect(deletes()).toEqual([`DeleteDBInstanceCommand:${WRITER}`, `DeleteDBClusterCommand:${CLUSTER}`]);
    expect(await regionOfCall(rds.mock, DeleteDBClusterCommand)).toBe(DR_REGION);
    nothingLeft();
    expect(s.restoreHost()).toBe(`${WRITER}.abc123.${DR_REGION}.rds.amazonaws.com`);
    expect(record.verdict).toBe('passed');
    expect(record.steps.map((x) => x.id)).toEqual(DR_DRILL_CLUSTER.steps.map((x) => x.id));
    expect(record.phases.map((p) => p.name)).toEqual(expect.arrayContaining(['find', 'cluster', 'writer', 'start', 'verify', 'writes']));
    expect(record.recovery).toMatchObject({ instanceId: WRITER, clusterId: CLUSTER, region: DR_REGION, deleted: true });
  });

  it('instance: restores the cluster to its latest restorable time (RestoreDBClusterToPointInTime) in the primary region', async () => {
    const t = await context();
    const { error } = await drDrill(t.ctx, { scenario: 'instance' }, seams());
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
    expect(await regionOfCall(rds.mock, RestoreDBClusterToPointInTimeCommand)).toBe(REGION);
    expect(deletes()).toEqual([`DeleteDBInstanceCommand:${WRITER}`, `DeleteDBClusterCommand:${CLUSTER}`]);
    expect(rds.clusters.clusterIds(REGION)).toEqual(['content-hub']);
    expect(rds.instanceIds(REGION)).toEqual(['content-hub-writer']);
  });

  it('replica: refused in one sentence before anything is created (exit 2)', async () => {
    const t = await context();
    const { error } = await drDrill(t.ctx, { scenario: 'replica' }, seams());
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(
      "The replica scenario cannot be drilled on the Aurora cluster content-hub: its readers share the cluster's storage, and it fails over to one of them with `dbops failover`.",
    );
    expect(deletes()).toEqual([]);
    nothingLeft();
  });

  it('region without a cluster snapshot copy in the DR region: the no-copy finding, nothing created', async () => {
    const dr = aws.forRegion(DR_REGION).clusters!;
    await dr.deleteClusterSnapshot('content-hub-weekly-1-dr');
    await dr.waitForClusterSnapshot('content-hub-weekly-1-dr', 'deleted', { maxWaitSeconds: 5 });
    const t = await context();
    const { record } = await drDrill(t.ctx, {}, seams());
    expect(record.verdict).toBe('failed');
    expect(record.findings.map((f) => f.kind)).toContain('no-dr-copy');
    expect(inputsOf(rds.mock, RestoreDBClusterFromSnapshotCommand)).toEqual([]);
    nothingLeft();
  });
});

describe('dr-drill of an Aurora cluster on aws: a failure or an interrupt at each step leaves nothing', () => {
  const created = ['DR-18', 'DR-19', 'DR-7', 'DR-8', 'DR-9', 'DR-10', 'DR-11', 'DR-12', 'DR-13', 'DR-14', 'DR-20'];

  it.each(created)('a failure at the end of %s: the writer deleted, then the cluster', async (step) => {
    const t = await context();
    const { record, error } = await drDrill(
      t.ctx,
      {},
      seams({
        faults: (id, at) => {
          if (id === step && at === 'end') throw new EnvironmentError(`Injected fault at the end of ${id}.`);
        },
      }),
    );
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(record.error?.step).toBe(step);
    expect(deletes()).toEqual([...(step === 'DR-18' ? [] : [`DeleteDBInstanceCommand:${WRITER}`]), `DeleteDBClusterCommand:${CLUSTER}`]);
    nothingLeft();
  });

  it.each(created.slice(0, -1))('SIGINT as %s starts: the writer deleted, then the cluster', async (step) => {
    const t = await context();
    const { error } = await drDrill(
      t.ctx,
      {},
      seams({
        faults: (id, at) => {
          if (id === step && at === 'start') t.controller.abort('SIGINT');
        },
      }),
    );
    expect(error).toBeInstanceOf(Interrupted);
    expect(deletes()).toEqual([...(step === 'DR-18' ? [] : [`DeleteDBInstanceCommand:${WRITER}`]), `DeleteDBClusterCommand:${CLUSTER}`]);
    nothingLeft();
  });
});
