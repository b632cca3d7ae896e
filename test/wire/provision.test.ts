/**
 * Story 1 on the wire: a new user's whole provisioning life against moto, each step's
 * AWS state read back with the SDK directly (not through dbops).
 * init --defaults -> plan -> apply -> a second apply sends no write -> plan
 * --detailed-exitcode 0 -> drift made behind dbops' back is shown and fixed -> destroy
 * leaves only the final snapshot.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeBudgetsCommand, DescribeNotificationsForBudgetCommand } from '@aws-sdk/client-budgets';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { DescribeCacheClustersCommand, DescribeReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, ModifyDBInstanceCommand } from '@aws-sdk/client-rds';
import { ListSubscriptionsCommand, ListTopicsCommand } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { READ_ONLY, wireStory } from './_moto/wire.js';

const DB = 'wire-db';
const EMAIL = 'oncall@example.com';
const story = wireStory();
const tagsOf = (list: { Key?: string; Value?: string }[] | undefined) => Object.fromEntries((list ?? []).map((t) => [t.Key, t.Value]));

describe('story 1: init, plan, apply, drift, destroy', () => {
  it('init --defaults writes the provider, region and DBOPS_* values it was given', async () => {
    const r = await story.dbops(['init', '--defaults', '--provider', 'aws', '--region', 'us-east-2'], {
      DBOPS_DATABASE__IDENTIFIER: DB,
      DBOPS_ALARMS__EMAIL: EMAIL,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Wrote .*dbops\.config\.yaml\./);
    // biome-ignore lint/suspicious/noExplicitAny: reads arbitrary keys of the written YAML
    const written = parse(readFileSync(join(story.dir, 'dbops.config.yaml'), 'utf8')) as Record<string, any>;
    expect(written.provider).toBe('aws');
    expect(written.region).toBe('us-east-2');
    expect(written.database.identifier).toBe(DB);
    expect(written.alarms.email).toBe(EMAIL);
  });

  it('plan lists every resource to create, and says which key the DR copies use', async () => {
    const r = await story.dbops('provision plan --json');
    expect(r.exitCode).toBe(0);
    const plan = JSON.parse(r.stdout) as { pending: number; changes: { kind: string; id: string; action: string }[] };
    expect(plan.changes.filter((c) => c.action === 'create').map((c) => c.kind)).toEqual([
      'security-group',
      'db-instance',
      'cache',
      'sns-topic',
      'sns-subscription',
      'alarm',
      'alarm',
      'alarm',
      'alarm',
      'alarm',
      'alarm',
      'budget',
    ]);
    // moto lists no orderable options for postgres: one line says the class check was skipped.
    expect(r.stderr).toMatch(/lists no orderable options for postgres in us-east-2 .*class check was skipped/);
    const human = await story.dbops('provision plan');
    expect(human.stdout).toContain(
      "Cross-region copies to us-west-2 (snapshot run-policy): encrypted with us-west-2's AWS-managed key alias/aws/rds",
    );
    expect(JSON.parse(r.stdout).copies).toEqual({ region: 'us-west-2', kmsKeyId: 'alias/aws/rds', keySource: 'default' });
    expect(human.stdout).toContain('12 changes pending.');
  });

  it('an apply that fails at the alarms lists what it did before the failure, each resource once', async () => {
    await story.moto.fault('PutMetricAlarm', 'AccessDenied', 403);
    const r = await story.dbops('provision apply --yes');
    await story.moto.clearFaults();
    expect(r.exitCode).toBe(3);
    const done = /Done before the failure: (.*)\. Rerun `dbops provision apply` to continue\./.exec(r.stderr)?.[1];
    expect(done?.split('; ')).toEqual([
      `create security-group ${DB}-sg`,
      `create db-instance ${DB}`,
      `create cache ${DB}-cache`,
      `create sns-topic ${DB}-alarms`,
      `create sns-subscription ${EMAIL}`,
    ]);
    expect(r.stderr, r.stderr).toMatch(/^error \[step PV-8\]: AWS denied PutMetricAlarm in us-east-2 to these credentials\.$/m);
  });

  it('a rerun of apply --yes continues and creates what the config describes (read back with the SDK)', async () => {
    const r = await story.dbops('provision apply --yes');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('Verified: a new plan finds nothing to do.');

    const db = (await story.aws.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: DB }))).DBInstances![0]!;
    expect(db).toMatchObject({
      Engine: 'postgres',
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: 20,
      StorageEncrypted: true,
      PubliclyAccessible: false,
    });
    expect(db).toMatchObject({
      BackupRetentionPeriod: 7,
      PreferredBackupWindow: '03:00-04:00',
      PreferredMaintenanceWindow: 'sun:04:00-sun:05:00',
    });
    expect(tagsOf(db.TagList)['dbops:managed']).toBe('true');

    const sgId = db.VpcSecurityGroups![0]!.VpcSecurityGroupId!;
    const sg = (await story.aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [sgId] }))).SecurityGroups![0]!;
    expect(sg.GroupName).toBe(`${DB}-sg`);
    expect(sg.IpPermissions).toEqual([]);

    const rg = (await story.aws.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: `${DB}-cache` })))
      .ReplicationGroups![0]!;
    expect(rg).toMatchObject({ CacheNodeType: 'cache.t3.micro', AuthTokenEnabled: true, TransitEncryptionEnabled: true });
    const member = (await story.aws.elasticache.send(new DescribeCacheClustersCommand({ CacheClusterId: rg.MemberClusters![0] })))
      .CacheClusters![0]!;
    expect(member.SecurityGroups?.map((g) => g.SecurityGroupId)).toEqual([sgId]);

    const topics = (await story.aws.sns.send(new ListTopicsCommand({}))).Topics!.map((t) => t.TopicArn!);
    expect(topics).toEqual([expect.stringMatching(new RegExp(`:${DB}-alarms$`))]);
    const subs = (await story.aws.sns.send(new ListSubscriptionsCommand({}))).Subscriptions!;
    expect(subs.map((s) => [s.Protocol, s.Endpoint])).toEqual([['email', EMAIL]]);

    const alarms = (await story.aws.cloudwatch.send(new DescribeAlarmsCommand({}))).MetricAlarms!;
    expect(alarms.map((a) => a.AlarmName).sort()).toEqual(
      ['cache-cpu-high', 'cache-evictions', 'db-connections-high', 'db-cpu-critical', 'db-cpu-warning', 'db-free-storage-low'].map(
        (n) => `${DB}-${n}`,
      ),
    );
    expect(alarms.every((a) => a.AlarmActions?.[0] === topics[0])).toBe(true);

    const budgets = (await story.aws.budgets.send(new DescribeBudgetsCommand({ AccountId: '123456789012' }))).Budgets!;
    expect(budgets.map((b) => [b.BudgetName, b.BudgetLimit?.Amount])).toEqual([[`${DB}-monthly`, expect.stringMatching(/^50(\.0)?$/)]]);
    const notes = (
      await story.aws.budgets.send(new DescribeNotificationsForBudgetCommand({ AccountId: '123456789012', BudgetName: `${DB}-monthly` }))
    ).Notifications!;
    expect(notes.map((n) => `${n.NotificationType}@${n.Threshold}`).sort()).toEqual([
      'ACTUAL@50',
      'ACTUAL@80',
      'FORECASTED@50',
      'FORECASTED@80',
    ]);
  });

  it('a second apply sends no write, and plan --detailed-exitcode exits 0', async () => {
    let r = { exitCode: -1, stdout: '', stderr: '' };
    const sent = await story.during(async () => {
      r = await story.dbops('provision apply --yes');
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('Nothing to do');
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.filter((s) => !READ_ONLY.test(s.action))).toEqual([]);
    const plan = await story.dbops('provision plan --detailed-exitcode');
    expect(plan.exitCode).toBe(0);
  });

  it('drift made behind dbops back (retention 1, public access on) is shown, then fixed', async () => {
    await story.aws.rds.send(
      new ModifyDBInstanceCommand({ DBInstanceIdentifier: DB, BackupRetentionPeriod: 1, PubliclyAccessible: true, ApplyImmediately: true }),
    );
    const plan = await story.dbops('provision plan --detailed-exitcode');
    expect(plan.exitCode).toBe(1);
    expect(plan.stdout).toMatch(/publiclyAccessible: true -> false/);
    expect(plan.stdout).toMatch(/backupRetentionDays: 1 -> 7/);
    expect(plan.stdout).toContain('1 change pending.');

    const apply = await story.dbops('provision apply --yes --apply-immediately');
    expect(apply.exitCode, apply.stderr).toBe(0);
    const db = (await story.aws.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: DB }))).DBInstances![0]!;
    expect(db).toMatchObject({ BackupRetentionPeriod: 7, PubliclyAccessible: false });
    expect((await story.dbops('provision plan --detailed-exitcode')).exitCode).toBe(0);
  });

  it('destroy --yes leaves only the final snapshot, tagged dbops:purpose=final', async () => {
    const r = await story.dbops('provision destroy --yes');
    expect(r.exitCode, r.stderr).toBe(0);

    expect((await story.aws.rds.send(new DescribeDBInstancesCommand({}))).DBInstances).toEqual([]);
    expect((await story.aws.elasticache.send(new DescribeReplicationGroupsCommand({}))).ReplicationGroups).toEqual([]);
    expect((await story.aws.elasticache.send(new DescribeCacheClustersCommand({}))).CacheClusters).toEqual([]);
    expect((await story.aws.cloudwatch.send(new DescribeAlarmsCommand({}))).MetricAlarms).toEqual([]);
    expect((await story.aws.sns.send(new ListTopicsCommand({}))).Topics).toEqual([]);
    expect((await story.aws.budgets.send(new DescribeBudgetsCommand({ AccountId: '123456789012' }))).Budgets ?? []).toEqual([]);
    const groups = (await story.aws.ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups!.map((g) => g.GroupName);
    expect(groups).not.toContain(`${DB}-sg`);

    const snaps = (await story.aws.rds.send(new DescribeDBSnapshotsCommand({}))).DBSnapshots!;
    expect(snaps.map((s) => s.DBSnapshotIdentifier)).toEqual([expect.stringMatching(new RegExp(`^${DB}-final-\\d{8}-\\d{6}$`))]);
    expect(tagsOf(snaps[0]!.TagList)).toMatchObject({ 'dbops:managed': 'true', 'dbops:purpose': 'final' });
  });
});
