/**
 * Story: an Aurora Serverless v2 cluster (seed 004) on the wire, against moto_server: the
 * CLI provisions the cluster and its db.serverless writer, lists it, snapshots it, restore-tests
 * it (a temporary cluster from the cluster snapshot, then its writer; unreachable, the writer
 * is deleted, then the cluster), refuses a
 * failover without a reader, fails over to a reader once there is one, and destroys it
 * writer first. Each step's state is read back with the SDK, not through dbops.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
} from '@aws-sdk/client-rds';
import { READ_ONLY } from './_moto/wire.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { wireStory } from './_moto/wire.js';

const HUB = 'wire-hub';
const story = wireStory();
const tagsOf = (list: { Key?: string; Value?: string }[] | undefined) => Object.fromEntries((list ?? []).map((t) => [t.Key, t.Value]));

async function cluster() {
  return (await story.aws.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: HUB }))).DBClusters![0]!;
}

beforeAll(() => {
  writeFileSync(
    join(story.dir, 'dbops.config.yaml'),
    [
      'provider: aws',
      'region: us-east-2',
      'database:',
      `  identifier: ${HUB}`,
      '  engine: aurora-postgresql',
      '  engineVersion: "15.4"',
      '  instanceClass: db.serverless',
      '  dbName: community_content',
      'cache:',
      '  enabled: false',
      'budget:',
      '  monthlyUsd: 0',
      'snapshots:',
      '  crossRegion: { enabled: false, region: us-west-2, retentionWeeks: 2 }',
      '',
    ].join('\n'),
  );
});

describe('story: Aurora Serverless v2 cluster', () => {
  it('provision apply creates the cluster with its serverless range, then the db.serverless writer', async () => {
    const r = await story.dbops('provision apply --yes');
    expect(r.exitCode, r.stderr).toBe(0);
    const c = await cluster();
    expect(c).toMatchObject({
      Engine: 'aurora-postgresql',
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 },
      StorageEncrypted: true,
      BackupRetentionPeriod: 7,
      DatabaseName: 'community_content',
    });
    expect(tagsOf(c.TagList)).toMatchObject({ 'dbops:managed': 'true', 'dbops:purpose': 'primary' });
    expect(c.DBClusterMembers?.map((m) => [m.DBInstanceIdentifier, m.IsClusterWriter])).toEqual([[`${HUB}-writer`, true]]);
    const writer = (await story.aws.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `${HUB}-writer` }))).DBInstances![0]!;
    expect(writer).toMatchObject({ DBInstanceClass: 'db.serverless', DBClusterIdentifier: HUB });
  });

  it('provision plan then finds the cluster and its writer in sync', async () => {
    const r = await story.dbops('provision plan --json');
    expect(r.exitCode, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as { changes: { kind: string; id: string; action: string }[] };
    expect(plan.changes.filter((c) => c.kind === 'db-cluster' || c.id === `${HUB}-writer`).map((c) => `${c.kind} ${c.action}`)).toEqual([
      'db-cluster no-op',
      'db-instance no-op',
    ]);
  });

  it('instances clusters --json lists it with its writer', async () => {
    const r = await story.dbops('instances clusters --json');
    expect(r.exitCode, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as {
      id: string;
      members: { instanceId: string; role: string; instanceClass: string }[];
      serverless: unknown;
    }[];
    expect(list.map((c) => [c.id, c.members.map((m) => `${m.instanceId} ${m.role} ${m.instanceClass}`), c.serverless])).toEqual([
      [HUB, [`${HUB}-writer writer db.serverless`], { minCapacity: 0.5, maxCapacity: 4 }],
    ]);
  });

  it('snapshot create --wait takes a tagged cluster snapshot', async () => {
    const r = await story.dbops('snapshot create --wait --json');
    expect(r.exitCode, r.stderr).toBe(0);
    const snaps = (await story.aws.rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: HUB, SnapshotType: 'manual' })))
      .DBClusterSnapshots!;
    expect(snaps).toHaveLength(1);
    expect(tagsOf(snaps[0]!.TagList)).toMatchObject({ 'dbops:managed': 'true', 'dbops:purpose': 'manual' });
  });

  it('restore-test --dry-run picks the newest cluster snapshot and creates nothing', async () => {
    const sent = await story.during(async () => {
      const r = await story.dbops('restore-test --dry-run --json');
      expect(r.exitCode, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { verdict: string; backup: { kind: string; ofInstance: string } };
      expect(out).toMatchObject({ verdict: 'dry-run', backup: { kind: 'snapshot', ofInstance: HUB } });
    });
    expect(sent.filter((q) => q.agent === 'dbops' && !READ_ONLY.test(q.action)).map((q) => q.action)).toEqual([]);
  });

  it('restore-test restores a temporary cluster and its db.serverless writer; unreachable, it deletes the writer, then the cluster (exit 3)', async () => {
    // GIVEN a restore whose database cannot be reached (a tunnel to a closed port)
    const sent = await story.during(async () => {
      const r = await story.dbops('restore-test --json --connect-host 127.0.0.1:1 --source-connect-host 127.0.0.1:1', {
        DBOPS_DB_PASSWORD: 'unused-password-1',
      });
      // THEN the run could not run at RT-4
      expect(r.exitCode, r.stderr).toBe(3);
      const out = JSON.parse(r.stdout) as {
        error: { step: string };
        temporary: { clusterId: string; instanceId: string; deleted: boolean };
      };
      expect(out.error.step, JSON.stringify(out.error)).toBe('RT-4');
      expect(out.temporary).toMatchObject({ instanceId: expect.stringMatching(/-w$/), deleted: true });
    });
    // AND the calls went cluster first, writer second; deletes writer first, cluster last
    const writes = sent.filter((q) => q.agent === 'dbops' && !READ_ONLY.test(q.action)).map((q) => q.action);
    expect(writes.filter((o) => o !== 'PutMetricData')).toEqual([
      'RestoreDBClusterFromSnapshot',
      'CreateDBInstance',
      'DeleteDBInstance',
      'DeleteDBCluster',
    ]);
    // AND moto holds only the cluster and its writer, read back with the SDK
    const clusters = (await story.aws.rds.send(new DescribeDBClustersCommand({}))).DBClusters ?? [];
    expect(clusters.map((c) => c.DBClusterIdentifier)).toEqual([HUB]);
    const instances = (await story.aws.rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
    expect(instances.map((i) => i.DBInstanceIdentifier)).toEqual([`${HUB}-writer`]);
  });

  it('failover refuses a cluster without a reader (exit 2), then moves the writer to a reader', async () => {
    const refused = await story.dbops('failover --yes');
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/Failover refused: Aurora cluster wire-hub has no reader to promote/);

    await story.aws.rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: `${HUB}-reader`,
        DBClusterIdentifier: HUB,
        Engine: 'aurora-postgresql',
        DBInstanceClass: 'db.serverless',
      }),
    );
    const r = await story.dbops('failover --yes --json');
    expect(r.exitCode, r.stderr).toBe(0);
    const c = await cluster();
    expect(c.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier).toBe(`${HUB}-reader`);
  });
});
