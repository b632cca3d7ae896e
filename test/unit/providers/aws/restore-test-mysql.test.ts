/**
 * `dbops restore-test` of seed 003's RDS MySQL 8.0 on the aws provider against the stateful
 * FakeRds: the exact RDS calls (the snapshot restored into a private temporary instance on
 * the source's parameter group, in its subnet group and security groups; deleted without a
 * final snapshot), the checks reaching MySQL on 3306 over TLS, MySQL's runbook steps (RT-12
 * CHECK TABLE in place of amcheck). The data-plane checks are injected here; they run for
 * real against MariaDB in test/integration/engines/mysql-checks.test.ts and test/e2e.
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DeleteDBInstanceCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckSession, CheckTargets } from '../../../../src/lib/checks/session.js';
import type { CheckResult } from '../../../../src/lib/checks/types.js';
import { createAwsProvider } from '../../../../src/lib/providers/aws/provider.js';
import type { Provider } from '../../../../src/lib/providers/types.js';
import { restoreTest, type RestoreTestInput, type RestoreTestSeams } from '../../../../src/lib/restore/restore-test.js';
import { FakeRds } from '../../../_helpers/fake-rds.js';
import { config, restoreTestContext } from '../../restore/_context.js';
import { FAST, REGION, awsOptions, inputsOf } from './helpers.js';

const NOW = new Date('2026-03-06T04:30:00Z');
const RUN = 'run1';
const TEMP = `core-db-rt-${RUN}`;
const cw = mockClient(CloudWatchClient);

let rds: FakeRds;
let aws: Provider;
let home: string;

beforeEach(async () => {
  rds = new FakeRds({ describesToSettle: 2 });
  cw.reset();
  cw.on(PutMetricDataCommand).resolves({});
  aws = createAwsProvider(awsOptions(), FAST);
  home = await mkdtemp(join(tmpdir(), 'dbops-rt-mysql-aws-'));
  // Seed 003: RDS MySQL 8.0, on the group dbops provision made (TLS required).
  rds.addInstance(REGION, 'core-db', {
    Engine: 'mysql',
    EngineVersion: '8.0.35',
    MasterUsername: 'admin',
    DBName: 'core',
    BackupRetentionPeriod: 30,
    DBSubnetGroup: { DBSubnetGroupName: 'core-subnets' },
    VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0core', Status: 'active' }],
    DBParameterGroups: [{ DBParameterGroupName: 'core-db-mysql8', ParameterApplyStatus: 'in-sync' }],
    LatestRestorableTime: new Date('2026-03-06T04:25:00Z'),
  });
  rds.addSnapshot(REGION, 'rds:core-db-2026-03-06-03-10', {
    DBInstanceIdentifier: 'core-db',
    SnapshotType: 'automated',
    Engine: 'mysql',
    EngineVersion: '8.0.35',
    MasterUsername: 'admin',
    SnapshotCreateTime: new Date('2026-03-06T03:10:00Z'),
  });
});

afterEach(async () => {
  await aws.close();
  rds.restore();
  await rm(home, { recursive: true, force: true });
});

function pass(id: CheckResult['id']): CheckResult {
  return { id, title: id, status: 'passed', summary: `${id} ok`, evidence: [] };
}

/** A CheckSession that passes everything, and what it was asked to open. */
function fakeChecks() {
  const seen: { targets?: CheckTargets; closed: number } = { closed: 0 };
  const session: CheckSession = {
    server: async () => pass('server'),
    integrity: async () => [pass('check-table')],
    schema: async () => pass('schema'),
    counts: async () => pass('row-counts'),
    freshness: async () => ({ ...pass('rpo'), data: { measured: true, dataLossSeconds: 1200 } }),
    pgvector: async () => ({ ...pass('pgvector'), status: 'skipped' }),
    performance: async () => pass('performance'),
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

const seed003 = config({ provider: 'aws', database: { identifier: 'core-db', engine: 'mysql', engineVersion: '8.0' } });

async function run(input: RestoreTestInput, seams: RestoreTestSeams) {
  const t = await restoreTestContext({ config: seed003, provider: aws, home, clock: { now: () => NOW } });
  return restoreTest(t.ctx, input, seams);
}

const TAGS = [
  { Key: 'dbops:managed', Value: 'true' },
  { Key: 'dbops:run-id', Value: RUN },
  { Key: 'dbops:purpose', Value: 'restore-test' },
  { Key: 'dbops:expires-at', Value: '2026-03-06T10:30:00Z' },
  { Key: 'dbops:source-instance', Value: 'core-db' },
];

describe('restore-test of an RDS MySQL 8.0 instance on aws: the exact calls', () => {
  it('restores the snapshot on the source’s parameter group, checks MySQL on 3306 over TLS (RT-12), deletes it without a final snapshot', async () => {
    const { seen, seams } = fakeChecks();
    const { result, error } = await run({}, seams);

    expect(error).toBeUndefined();
    expect(inputsOf(rds.mock, RestoreDBInstanceFromDBSnapshotCommand)).toEqual([
      {
        DBInstanceIdentifier: TEMP,
        DBSnapshotIdentifier: 'rds:core-db-2026-03-06-03-10',
        DBInstanceClass: 'db.t3.micro',
        DBSubnetGroupName: 'core-subnets',
        VpcSecurityGroupIds: ['sg-0core'],
        DBParameterGroupName: 'core-db-mysql8',
        PubliclyAccessible: false,
        MultiAZ: false,
        Tags: [...TAGS, { Key: 'dbops:source-snapshot', Value: 'rds:core-db-2026-03-06-03-10' }],
        CopyTagsToSnapshot: true,
      },
    ]);
    expect(seen.targets?.restore).toMatchObject({
      host: `${TEMP}.abc123.${REGION}.rds.amazonaws.com`,
      port: 3306,
      engine: 'mysql',
      ssl: 'require',
      user: 'admin',
      database: 'core',
    });
    expect(seen.targets?.source).toMatchObject({ host: `core-db.abc123.${REGION}.rds.amazonaws.com`, port: 3306, engine: 'mysql' });
    expect(inputsOf(rds.mock, DeleteDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: TEMP, SkipFinalSnapshot: true }]);
    expect(rds.instanceIds(REGION)).toEqual(['core-db']);
    expect(seen.closed).toBe(1);
    expect(result.verdict).toBe('passed');
    expect(result.report.steps.map((s) => [s.id, s.status])).toEqual([
      ['RT-1', 'ok'],
      ['RT-2', 'ok'],
      ['RT-3', 'ok'],
      ['RT-4', 'ok'],
      ['RT-12', 'ok'],
      ['RT-6', 'ok'],
      ['RT-7', 'ok'],
      ['RT-8', 'ok'],
      ['RT-9', 'ok'],
      ['RT-10', 'ok'],
      ['RT-11', 'ok'],
    ]);
  });

  it('a point in time restores on the source’s parameter group too', async () => {
    const { seams } = fakeChecks();
    await run({ latestRestorable: true }, seams);
    expect(inputsOf(rds.mock, RestoreDBInstanceToPointInTimeCommand)).toEqual([
      {
        SourceDBInstanceIdentifier: 'core-db',
        TargetDBInstanceIdentifier: TEMP,
        UseLatestRestorableTime: true,
        DBInstanceClass: 'db.t3.micro',
        DBSubnetGroupName: 'core-subnets',
        VpcSecurityGroupIds: ['sg-0core'],
        DBParameterGroupName: 'core-db-mysql8',
        PubliclyAccessible: false,
        Tags: TAGS,
        CopyTagsToSnapshot: true,
      },
    ]);
  });

  it('a snapshot taken before a major upgrade (5.7) keeps its engine’s default group: a mysql8.0 group would not fit', async () => {
    rds.addSnapshot(REGION, 'core-db-before-upgrade', {
      DBInstanceIdentifier: 'core-db',
      Engine: 'mysql',
      EngineVersion: '5.7.44',
      MasterUsername: 'admin',
      SnapshotCreateTime: new Date('2026-03-01T03:10:00Z'),
    });
    const { seams } = fakeChecks();
    await run({ snapshotId: 'core-db-before-upgrade' }, seams);
    const [sent] = inputsOf(rds.mock, RestoreDBInstanceFromDBSnapshotCommand);
    expect(sent?.DBSnapshotIdentifier).toBe('core-db-before-upgrade');
    expect(sent).not.toHaveProperty('DBParameterGroupName');
  });
});
