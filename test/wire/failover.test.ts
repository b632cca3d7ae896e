/**
 * Story 7 on the wire: replica status, switchover and failover on AWS against moto — a
 * primary with a read replica (CreateDBInstanceReadReplica), ReplicaLag seeded in
 * CloudWatch. The topology, the dry runs (nothing sent but reads), a failover refused with
 * its numbers while RDS says the primary is available, then `failover --force`:
 * the old primary tagged and stopped, PromoteReadReplica keeping the backup retention.
 * moto has no database behind its endpoints, so the final write check (FO-8) cannot
 * succeed: the run ends there with exit 3 and one sentence, after every AWS step is done;
 * the state is read back with the SDK.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateDBInstanceCommand, CreateDBInstanceReadReplicaCommand, DescribeDBInstancesCommand, type Tag } from '@aws-sdk/client-rds';
import { beforeAll, describe, expect, it } from 'vitest';
import { READ_ONLY, wireStory } from './_moto/wire.js';

const P = 'wire-fo-db';
const R = 'wire-fo-db-replica';
const story = wireStory();

const tagsOf = (list: Tag[] | undefined) => Object.fromEntries((list ?? []).map((t) => [t.Key, t.Value]));
const describeDb = async (id: string) =>
  (await story.aws.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;

async function seedLag(seconds: number): Promise<void> {
  await story.aws.cloudwatch.send(
    new PutMetricDataCommand({
      Namespace: 'AWS/RDS',
      MetricData: [
        { MetricName: 'ReplicaLag', Dimensions: [{ Name: 'DBInstanceIdentifier', Value: R }], Value: seconds, Timestamp: new Date() },
      ],
    }),
  );
}

beforeAll(async () => {
  await story.aws.rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: P,
      Engine: 'postgres',
      EngineVersion: '15',
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: 20,
      MasterUsername: 'dbadmin',
      MasterUserPassword: 'wire-password-1',
      BackupRetentionPeriod: 7,
      PreferredBackupWindow: '03:00-04:00',
    }),
  );
  await story.aws.rds.send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: R, SourceDBInstanceIdentifier: P }));
  await seedLag(2);
  writeFileSync(join(story.dir, 'dbops.config.yaml'), `provider: aws\nregion: us-east-2\ndatabase:\n  identifier: ${P}\n`);
}, 60_000);

describe('story 7: replica status, switchover and failover on RDS', () => {
  it('replica status: the replica, its ReplicaLag in seconds, no connection layer', async () => {
    const r = await story.dbops('replica status --json');
    expect(r.exitCode, r.stderr).toBe(0);
    const topo = JSON.parse(r.stdout) as {
      primary: { id: string; reachable: boolean };
      replicas: { id: string; sourceId: string; lagSeconds?: number }[];
      pooler?: unknown;
    };
    expect(topo.primary).toMatchObject({ id: P, reachable: true });
    expect(topo.replicas.map((x) => [x.id, x.sourceId, x.lagSeconds])).toEqual([[R, P, 2]]);
    expect(topo.pooler).toBeUndefined();
  });

  it('switchover --dry-run: the checks with their values, only reads on the wire', async () => {
    const sent = await story.during(async () => {
      const r = await story.dbops('switchover --dry-run --json');
      expect(r.exitCode, r.stderr).toBe(0);
      const res = JSON.parse(r.stdout) as { outcome: string; checks: { id: string; status: string; value: string; limit?: string }[] };
      expect(res.outcome).toBe('dry-run');
      expect(res.checks.find((c) => c.id === 'replay-lag')).toMatchObject({ status: 'pass', value: '2 s', limit: '≤ 10 s' });
    });
    expect(sent.filter((q) => !READ_ONLY.test(q.action))).toEqual([]);
  });

  it('failover refuses while RDS says the primary is available and no database answers from here', async () => {
    const r = await story.dbops('failover --yes');
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain(`Failover refused: Primary ${P} is unreachable or unhealthy: available; data plane not reachable from here`);
    expect((await describeDb(R)).ReadReplicaSourceDBInstanceIdentifier).toBe(P);
  });

  it('failover --force: the old primary fenced (tagged, stopped), the replica promoted with the backup retention kept', async () => {
    const r = await story.dbops('failover --force --yes --json');
    // moto has no database: the final write check (FO-8) is the only step that cannot succeed
    expect(r.exitCode, r.stderr).toBe(3);
    const res = JSON.parse(r.stdout) as {
      outcome: string;
      report: { steps: { id: string; status: string }[] };
      loss?: { seconds?: number };
    };
    expect(res.loss?.seconds).toBe(2);
    expect(res.report.steps.map((s) => [s.id, s.status])).toEqual([
      ['FO-1', 'ok'],
      ['FO-2', 'skipped'],
      ['FO-3', 'skipped'],
      ['FO-4', 'ok'],
      ['FO-5', 'ok'],
      ['FO-6', 'ok'],
      ['FO-7', 'ok'],
      ['FO-8', 'failed'],
      ['FO-9', 'not-run'],
    ]);
    const promoted = await describeDb(R);
    expect(promoted.ReadReplicaSourceDBInstanceIdentifier).toBeUndefined();
    expect(promoted.BackupRetentionPeriod).toBe(7);
    const old = await describeDb(P);
    expect(old.DBInstanceStatus).toBe('stopped');
    expect(tagsOf(old.TagList)).toMatchObject({ 'dbops:fenced-for': R });
    expect(r.stderr).toContain(`A write through the application address ${R}.`);
  });
});
