/**
 * `dbops dr-drill` on the aws provider against the stateful FakeRds: the exact calls in
 * the DR region for the region scenario (RestoreDBInstanceFromDBSnapshot with the DR
 * region's subnet group and security group, the tags, no public access), the
 * point-in-time inputs of the instance scenario, the refusal on retention 0, and the
 * cleanup calls. The data plane is an injected CheckSession (real PostgreSQL runs in
 * test/integration/drill/).
 */
import {
  DeleteDBInstanceCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckSession } from '../../../../src/lib/checks/session.js';
import type { CheckResult, Queryable } from '../../../../src/lib/checks/types.js';
import { drDrill, type DrillSeams } from '../../../../src/lib/drill/drill.js';
import { renderDrillMarkdown } from '../../../../src/lib/drill/render.js';
import { UsageError } from '../../../../src/lib/errors.js';
import { createAwsProvider } from '../../../../src/lib/providers/aws/provider.js';
import type { Provider } from '../../../../src/lib/providers/types.js';
import { FakeRds } from '../../../_helpers/fake-rds.js';
import { config, restoreTestContext } from '../../restore/_context.js';
import { awsOptions, DR_REGION, FAST, inputsOf, regionOfCall, REGION } from './helpers.js';

const NOW = new Date('2025-01-06T04:30:00Z');
const RUN = 'drl1';
const TEMP = `prod-db-dr-${RUN}`;

let rds: FakeRds;
let aws: Provider;
let home: string;

beforeEach(async () => {
  rds = new FakeRds({ describesToSettle: 2 });
  aws = createAwsProvider(awsOptions(), FAST);
  home = await mkdtemp(join(tmpdir(), 'dbops-drill-aws-'));
  rds.addInstance(REGION, 'prod-db', {
    DBSubnetGroup: { DBSubnetGroupName: 'dbops-subnets' },
    VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0abc', Status: 'active' }],
    LatestRestorableTime: new Date('2025-01-06T04:25:00Z'),
  });
  rds.addSnapshot(REGION, 'prod-db-manual-20250106-031500', { SnapshotCreateTime: new Date('2025-01-06T03:15:00Z') });
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

function seams(): DrillSeams {
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
  return { runId: RUN, openChecks: async () => session };
}

async function drill(
  input: Parameters<typeof drDrill>[1],
  recovery: Record<string, unknown> = { drSubnetGroup: 'dr-subnets', drSecurityGroupIds: ['sg-0dr'] },
) {
  const t = await restoreTestContext({
    config: config({ provider: 'aws', database: { identifier: 'prod-db' }, recovery }),
    provider: aws,
    home,
    clock: { now: () => NOW },
  });
  return drDrill(t.ctx, input, seams());
}

const TAGS = [
  { Key: 'dbops:managed', Value: 'true' },
  { Key: 'dbops:run-id', Value: RUN },
  { Key: 'dbops:purpose', Value: 'dr-drill' },
  { Key: 'dbops:expires-at', Value: '2025-01-06T10:30:00Z' },
  { Key: 'dbops:source-instance', Value: 'prod-db' },
];

describe('dr-drill on aws', () => {
  it('region: restores the newest copy in the DR region into its subnet group and security group, private, tagged; deletes it there', async () => {
    rds.addSnapshot(DR_REGION, 'prod-db-manual-20250106-031500-copy', {
      SnapshotCreateTime: new Date('2025-01-06T03:15:00Z'),
      DBInstanceIdentifier: 'prod-db',
    });
    const { record, error } = await drill({});
    expect(error).toBeUndefined();
    expect(inputsOf(rds.mock, RestoreDBInstanceFromDBSnapshotCommand)).toEqual([
      {
        DBInstanceIdentifier: TEMP,
        DBSnapshotIdentifier: 'prod-db-manual-20250106-031500-copy',
        DBInstanceClass: 'db.t3.micro',
        DBSubnetGroupName: 'dr-subnets',
        VpcSecurityGroupIds: ['sg-0dr'],
        PubliclyAccessible: false,
        MultiAZ: false,
        Tags: [...TAGS, { Key: 'dbops:source-snapshot', Value: 'prod-db-manual-20250106-031500-copy' }],
        CopyTagsToSnapshot: true,
      },
    ]);
    expect(await regionOfCall(rds.mock, RestoreDBInstanceFromDBSnapshotCommand)).toBe(DR_REGION);
    expect(inputsOf(rds.mock, DeleteDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: TEMP, SkipFinalSnapshot: true }]);
    expect(await regionOfCall(rds.mock, DeleteDBInstanceCommand)).toBe(DR_REGION);
    expect(rds.instanceIds(DR_REGION)).toEqual([]);
    expect(rds.instanceIds(REGION)).toEqual(['prod-db']);
    expect(record).toMatchObject({
      verdict: 'passed',
      environment: { provider: 'aws', recoveryRegion: DR_REGION },
      rpo: { seconds: 4500, basis: 'heartbeat', withinTarget: true },
    });
  });

  it('region with replicated automated backups: restores them to their latest restorable time in the DR region, preferred over the copy', async () => {
    rds.addSnapshot(DR_REGION, 'prod-db-manual-20250106-031500-copy', {
      SnapshotCreateTime: new Date('2025-01-06T03:15:00Z'),
      DBInstanceIdentifier: 'prod-db',
    });
    const arn = rds.addReplicatedBackups(DR_REGION, REGION, 'prod-db', {
      RestoreWindow: { EarliestTime: new Date('2024-12-30T04:00:00Z'), LatestTime: new Date('2025-01-06T04:20:00Z') },
    }).DBInstanceAutomatedBackupsArn!;
    const { record, error } = await drill({});
    expect(error).toBeUndefined();
    expect(inputsOf(rds.mock, DescribeDBInstanceAutomatedBackupsCommand)).toEqual([{ DBInstanceIdentifier: 'prod-db' }]);
    expect(await regionOfCall(rds.mock, DescribeDBInstanceAutomatedBackupsCommand)).toBe(DR_REGION);
    expect(inputsOf(rds.mock, RestoreDBInstanceToPointInTimeCommand)).toEqual([
      {
        SourceDBInstanceAutomatedBackupsArn: arn,
        TargetDBInstanceIdentifier: TEMP,
        UseLatestRestorableTime: true,
        DBInstanceClass: 'db.t3.micro',
        DBSubnetGroupName: 'dr-subnets',
        VpcSecurityGroupIds: ['sg-0dr'],
        PubliclyAccessible: false,
        Tags: TAGS,
        CopyTagsToSnapshot: true,
      },
    ]);
    expect(await regionOfCall(rds.mock, RestoreDBInstanceToPointInTimeCommand)).toBe(DR_REGION);
    expect(rds.mock.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)).toHaveLength(0);
    expect(inputsOf(rds.mock, DeleteDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: TEMP, SkipFinalSnapshot: true }]);
    expect(rds.instanceIds(DR_REGION)).toEqual([]);
    expect(record.environment.backup).toEqual({
      kind: 'point-in-time',
      time: 'latest',
      latestRestorableTime: '2025-01-06T04:20:00.000Z',
      replicated: { id: arn, sourceRegion: REGION },
      region: DR_REGION,
      source: 'replicated-automated-backups',
    });
    expect(renderDrillMarkdown(record)).toContain(
      `- Backup: the latest restorable time of the automated backups replicated from ${REGION} (2025-01-06T04:20:00.000Z) in ${DR_REGION} (replicated automated backups, preferred over the newest copy)`,
    );
    expect(record.steps.find((s) => s.id === 'DR-2')!.detail).toBe(
      `the latest restorable time of the automated backups replicated from ${REGION} (2025-01-06T04:20:00.000Z) in ${DR_REGION} (replicated automated backups: preferred over the newest copy) -> ${TEMP}`,
    );
  });

  it('region without replicated automated backups: the newest copy, and the record says so', async () => {
    rds.addSnapshot(DR_REGION, 'prod-db-manual-20250106-031500-copy', {
      SnapshotCreateTime: new Date('2025-01-06T03:15:00Z'),
      DBInstanceIdentifier: 'prod-db',
    });
    const { record } = await drill({});
    expect(record.environment.backup).toMatchObject({ kind: 'snapshot', source: 'newest-copy' });
    expect(renderDrillMarkdown(record)).toContain('(the newest copy: no replicated automated backups there)');
    expect(rds.mock.commandCalls(RestoreDBInstanceToPointInTimeCommand)).toHaveLength(0);
  });

  it('instance: point-in-time restore to the latest restorable time in the primary region, the source network; deleted after', async () => {
    const { record, error } = await drill({ scenario: 'instance' });
    expect(error).toBeUndefined();
    expect(inputsOf(rds.mock, RestoreDBInstanceToPointInTimeCommand)).toEqual([
      {
        SourceDBInstanceIdentifier: 'prod-db',
        TargetDBInstanceIdentifier: TEMP,
        UseLatestRestorableTime: true,
        DBInstanceClass: 'db.t3.micro',
        DBSubnetGroupName: 'dbops-subnets',
        VpcSecurityGroupIds: ['sg-0abc'],
        PubliclyAccessible: false,
        Tags: TAGS,
        CopyTagsToSnapshot: true,
      },
    ]);
    expect(await regionOfCall(rds.mock, RestoreDBInstanceToPointInTimeCommand)).toBe(REGION);
    expect(inputsOf(rds.mock, DeleteDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: TEMP, SkipFinalSnapshot: true }]);
    expect(record.environment.backup).toEqual({
      kind: 'point-in-time',
      time: 'latest',
      latestRestorableTime: '2025-01-06T04:25:00.000Z',
      region: REGION,
    });
  });

  it('a source on its own parameter group: the instance scenario restores into it; the region scenario does not (a group is regional)', async () => {
    rds.addInstance(REGION, 'prod-db', {
      DBSubnetGroup: { DBSubnetGroupName: 'dbops-subnets' },
      VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0abc', Status: 'active' }],
      DBParameterGroups: [{ DBParameterGroupName: 'prod-db-params', ParameterApplyStatus: 'in-sync' }],
      LatestRestorableTime: new Date('2025-01-06T04:25:00Z'),
    });
    rds.addSnapshot(DR_REGION, 'prod-db-manual-20250106-031500-copy', {
      SnapshotCreateTime: new Date('2025-01-06T03:15:00Z'),
      DBInstanceIdentifier: 'prod-db',
    });
    expect((await drill({ scenario: 'instance' })).error).toBeUndefined();
    expect(inputsOf(rds.mock, RestoreDBInstanceToPointInTimeCommand).map((i) => i.DBParameterGroupName)).toEqual(['prod-db-params']);
    expect((await drill({})).error).toBeUndefined();
    const [dr] = inputsOf(rds.mock, RestoreDBInstanceFromDBSnapshotCommand);
    expect(dr?.DBSubnetGroupName).toBe('dr-subnets');
    expect(dr).not.toHaveProperty('DBParameterGroupName');
  });

  it('instance on a source with retention 0: refused with the reason, nothing created', async () => {
    await aws.close();
    rds.restore();
    rds = new FakeRds({ describesToSettle: 2 });
    aws = createAwsProvider(awsOptions(), FAST);
    rds.addInstance(REGION, 'prod-db', { BackupRetentionPeriod: 0 });
    const { record, error } = await drill({ scenario: 'instance' });
    expect(error).toBeInstanceOf(UsageError);
    expect(error?.message).toBe('Instance prod-db has automated backups off (retention 0 days): there is no point in time to recover to.');
    expect(record.verdict).toBe('error');
    expect(rds.mock.commandCalls(RestoreDBInstanceToPointInTimeCommand)).toHaveLength(0);
  });
});
