/**
 * Provisioning flows against FakeAwsAccount: plan, apply on a fresh / partly / fully
 * provisioned account, idempotency, a failure mid-way and the rerun, modifications in
 * the maintenance window or at once, destroy; the exact inputs of each create call.
 */
import { CreateBudgetCommand } from '@aws-sdk/client-budgets';
import { PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand } from '@aws-sdk/client-ec2';
import { CreateReplicationGroupCommand, DeleteReplicationGroupCommand } from '@aws-sdk/client-elasticache';
import {
  CreateDBInstanceCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  ModifyDBInstanceCommand,
  type RDSClient,
  StartDBInstanceAutomatedBackupsReplicationCommand,
} from '@aws-sdk/client-rds';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EnvironmentError, UsageError } from '../../../../src/lib/errors.js';
import { appliedOf, applyProvision, planProvision } from '../../../../src/lib/provision/apply.js';
import { destroyProvision } from '../../../../src/lib/provision/destroy.js';
import { awsConfig, awsDeps, FakeAwsAccount, type AwsDeps } from '../../../_helpers/fake-aws-provision.js';
import { inputsOf, rejectionOf } from './helpers.js';

let aws: FakeAwsAccount;
const open: AwsDeps[] = [];

async function deps(...args: Parameters<typeof awsDeps>): Promise<AwsDeps> {
  const d = await awsDeps(...args);
  open.push(d);
  return d;
}

beforeEach(() => {
  aws = new FakeAwsAccount({ describesToSettle: 2 });
});

afterEach(async () => {
  for (const d of open.splice(0)) await d.close();
  aws.restore();
});

const MANAGED = { Key: 'dbops:managed', Value: 'true' };

function actions(plan: { changes: { kind: string; id: string; action: string }[] }): string[] {
  return plan.changes.map((c) => `${c.kind} ${c.id} ${c.action}`);
}

describe('provision on a fresh account', () => {
  it('plans every resource as create, in the dependency order of seed 002', async () => {
    // GIVEN an empty account WHEN planning the seeds' profile
    const plan = await planProvision(await deps(awsConfig()));
    // THEN each resource is listed once, in order, as create
    expect(actions(plan)).toEqual([
      'security-group recipe-db-primary-sg create',
      'parameter-group default.postgres15 no-op',
      'db-instance recipe-db-primary create',
      'cache recipe-db-primary-cache create',
      'sns-topic recipe-db-primary-alarms create',
      'sns-subscription oncall@example.com create',
      'alarm recipe-db-primary-db-cpu-critical create',
      'alarm recipe-db-primary-db-cpu-warning create',
      'alarm recipe-db-primary-db-free-storage-low create',
      'alarm recipe-db-primary-db-connections-high create',
      'alarm recipe-db-primary-cache-cpu-high create',
      'alarm recipe-db-primary-cache-evictions create',
      'budget recipe-db-primary-monthly create',
    ]);
    expect(plan.pending).toBe(12);
  });

  it("creates everything with the config's exact inputs, tagged at create time", async () => {
    // GIVEN an empty account WHEN applying
    const d = await deps(awsConfig());
    const result = await applyProvision(d, { applyImmediately: false });
    const runId = result.report!.runId;
    const tags = [
      { Key: 'dbops:managed', Value: 'true' },
      { Key: 'dbops:run-id', Value: runId },
      { Key: 'dbops:purpose', Value: 'provision' },
    ];

    // THEN the security group admits 5432 and 6379 from the configured CIDR only
    expect(inputsOf(aws.ec2, CreateSecurityGroupCommand)).toEqual([
      {
        GroupName: 'recipe-db-primary-sg',
        Description: 'dbops: recipe-db-primary database and cache',
        VpcId: 'vpc-default',
        TagSpecifications: [{ ResourceType: 'security-group', Tags: [...tags, { Key: 'Name', Value: 'recipe-db-primary-sg' }] }],
      },
    ]);
    const sgId = aws.ec2.commandCalls(CreateSecurityGroupCommand)[0]!.returnValue as unknown;
    const groupId = ((await sgId) as { GroupId: string }).GroupId;
    expect(inputsOf(aws.ec2, AuthorizeSecurityGroupIngressCommand)).toEqual([
      {
        GroupId: groupId,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 5432,
            ToPort: 5432,
            IpRanges: [{ CidrIp: '203.0.113.7/32', Description: 'database from network.allowedCidr' }],
          },
          {
            IpProtocol: 'tcp',
            FromPort: 6379,
            ToPort: 6379,
            IpRanges: [{ CidrIp: '203.0.113.7/32', Description: 'cache from network.allowedCidr' }],
          },
        ],
      },
    ]);
    // AND the database is seed 000's, minus its unsafe choices
    expect(inputsOf(aws.rds, CreateDBInstanceCommand)).toEqual([
      {
        DBInstanceIdentifier: 'recipe-db-primary',
        Engine: 'postgres',
        EngineVersion: '15',
        DBInstanceClass: 'db.t3.micro',
        AllocatedStorage: 20,
        MaxAllocatedStorage: 20,
        StorageType: 'gp2',
        StorageEncrypted: true,
        MultiAZ: false,
        PubliclyAccessible: false,
        DeletionProtection: false,
        BackupRetentionPeriod: 7,
        PreferredBackupWindow: '03:00-04:00',
        PreferredMaintenanceWindow: 'sun:04:00-sun:05:00',
        AutoMinorVersionUpgrade: true,
        CopyTagsToSnapshot: true,
        DBName: 'recipe_book',
        MasterUsername: 'dbadmin',
        ManageMasterUserPassword: true,
        VpcSecurityGroupIds: [groupId],
        Tags: [
          { Key: 'dbops:managed', Value: 'true' },
          { Key: 'dbops:run-id', Value: runId },
          { Key: 'dbops:purpose', Value: 'primary' },
        ],
      },
    ]);
    // AND the cache is a one-node replication group with AUTH and TLS, its token in Secrets Manager
    const rg = inputsOf(aws.elastiCache, CreateReplicationGroupCommand);
    expect(rg).toHaveLength(1);
    const { AuthToken, ...rest } = rg[0]!;
    expect(rest).toEqual({
      ReplicationGroupId: 'recipe-db-primary-cache',
      ReplicationGroupDescription: 'dbops cache recipe-db-primary-cache',
      Engine: 'redis',
      EngineVersion: '7.0',
      CacheNodeType: 'cache.t3.micro',
      NumCacheClusters: 1,
      AutomaticFailoverEnabled: false,
      MultiAZEnabled: false,
      Port: 6379,
      SecurityGroupIds: [groupId],
      TransitEncryptionEnabled: true,
      AtRestEncryptionEnabled: true,
      PreferredMaintenanceWindow: 'sun:06:00-sun:07:00',
      SnapshotRetentionLimit: 0,
      Tags: tags,
    });
    const secret = inputsOf(aws.secrets, CreateSecretCommand)[0]!;
    expect(secret.Name).toBe('dbops/recipe-db-primary-cache/auth-token');
    expect(JSON.parse(secret.SecretString!)).toEqual({ token: AuthToken });
    expect(AuthToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // AND the token never reached the output
    expect(d.io.stderr() + JSON.stringify(result)).not.toContain(AuthToken!);
    // AND the topic, the subscription, the alarms and the budget
    expect(inputsOf(aws.sns, CreateTopicCommand)).toEqual([{ Name: 'recipe-db-primary-alarms', Tags: tags }]);
    const topicArn = `arn:aws:sns:us-east-2:${aws.account}:recipe-db-primary-alarms`;
    expect(inputsOf(aws.sns, SubscribeCommand)).toEqual([
      { TopicArn: topicArn, Protocol: 'email', Endpoint: 'oncall@example.com', ReturnSubscriptionArn: true },
    ]);
    const alarms = inputsOf(aws.cloudWatch, PutMetricAlarmCommand);
    expect(
      alarms.map((a) => [a.AlarmName, a.MetricName, a.Statistic, a.ComparisonOperator, a.Threshold, a.Period, a.EvaluationPeriods]),
    ).toEqual([
      ['recipe-db-primary-db-cpu-critical', 'CPUUtilization', 'Average', 'GreaterThanThreshold', 90, 300, 2],
      ['recipe-db-primary-db-cpu-warning', 'CPUUtilization', 'Average', 'GreaterThanThreshold', 70, 300, 2],
      ['recipe-db-primary-db-free-storage-low', 'FreeStorageSpace', 'Minimum', 'LessThanThreshold', 2147483648, 300, 1],
      ['recipe-db-primary-db-connections-high', 'DatabaseConnections', 'Maximum', 'GreaterThanThreshold', 100, 300, 2],
      ['recipe-db-primary-cache-cpu-high', 'CPUUtilization', 'Average', 'GreaterThanThreshold', 90, 300, 2],
      ['recipe-db-primary-cache-evictions', 'Evictions', 'Sum', 'GreaterThanThreshold', 100, 300, 2],
    ]);
    expect(alarms.every((a) => a.AlarmActions?.[0] === topicArn && JSON.stringify(a.Tags) === JSON.stringify(tags))).toBe(true);
    expect(alarms[4]!.Dimensions).toEqual([{ Name: 'CacheClusterId', Value: 'recipe-db-primary-cache-001' }]);
    expect(inputsOf(aws.budgets, CreateBudgetCommand)).toEqual([
      {
        AccountId: aws.account,
        Budget: {
          BudgetName: 'recipe-db-primary-monthly',
          BudgetLimit: { Amount: '50', Unit: 'USD' },
          TimeUnit: 'MONTHLY',
          BudgetType: 'COST',
        },
        NotificationsWithSubscribers: [50, 80].flatMap((t) =>
          ['ACTUAL', 'FORECASTED'].map((type) => ({
            Notification: { NotificationType: type, ComparisonOperator: 'GREATER_THAN', Threshold: t, ThresholdType: 'PERCENTAGE' },
            Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'oncall@example.com' }],
          })),
        ),
        ResourceTags: tags,
      },
    ]);
    // AND the last step planned again and found nothing to do
    expect(result.after?.pending).toBe(0);
    expect(result.report!.steps.map((s) => `${s.id} ${s.status}`)).toEqual([
      'PV-1 ok',
      'PV-2 ok',
      'PV-3 skipped',
      'PV-12 skipped',
      'PV-13 skipped',
      'PV-4 ok',
      'PV-5 skipped',
      'PV-11 skipped',
      'PV-6 ok',
      'PV-14 skipped',
      'PV-7 ok',
      'PV-8 ok',
      'PV-9 ok',
      'PV-10 ok',
    ]);
  });

  it('is idempotent: a second apply finds nothing to do and sends no write', async () => {
    // GIVEN an applied deployment
    await applyProvision(await deps(awsConfig()), { applyImmediately: false });
    const writesBefore =
      aws.rds.commandCalls(CreateDBInstanceCommand).length +
      aws.rds.commandCalls(ModifyDBInstanceCommand).length +
      aws.cloudWatch.commandCalls(PutMetricAlarmCommand).length;
    // WHEN applying again
    const again = await applyProvision(await deps(awsConfig()), { applyImmediately: false });
    // THEN the plan is empty and nothing was written
    expect(again.plan.pending).toBe(0);
    expect(again.applied).toEqual([]);
    expect(
      aws.rds.commandCalls(CreateDBInstanceCommand).length +
        aws.rds.commandCalls(ModifyDBInstanceCommand).length +
        aws.cloudWatch.commandCalls(PutMetricAlarmCommand).length,
    ).toBe(writesBefore);
    expect(again.report!.steps.slice(1).every((s) => s.status === 'skipped' && s.detail === 'nothing to do')).toBe(true);
  });
});

describe('cross-region automated backup replication (snapshots.crossRegion.replicateAutomatedBackups)', () => {
  const withReplication = () =>
    awsConfig((c) => {
      c.snapshots.crossRegion.replicateAutomatedBackups = true;
    });

  it('apply starts it from the DR region with the source ARN, the retention and the DR region key; a second apply leaves it alone', async () => {
    const result = await applyProvision(await deps(withReplication()), { applyImmediately: false });
    expect(inputsOf(aws.rds, StartDBInstanceAutomatedBackupsReplicationCommand)).toEqual([
      {
        SourceDBInstanceArn: 'arn:aws:rds:us-east-2:123456789012:db:recipe-db-primary',
        BackupRetentionPeriod: 7,
        KmsKeyId: 'alias/aws/rds',
      },
    ]);
    const call = aws.rds.commandCalls(StartDBInstanceAutomatedBackupsReplicationCommand)[0]!;
    expect(await (call.thisValue as RDSClient).config.region()).toBe('us-west-2');
    expect(result.report!.steps.find((s) => s.id === 'PV-4')!.detail).toMatch(/; automated backup replication to us-west-2 started$/);
    await applyProvision(await deps(withReplication()), { applyImmediately: false });
    expect(aws.rds.commandCalls(StartDBInstanceAutomatedBackupsReplicationCommand)).toHaveLength(1);
    expect(inputsOf(aws.rds, DescribeDBInstanceAutomatedBackupsCommand)).toEqual([
      { DBInstanceIdentifier: 'recipe-db-primary' },
      { DBInstanceIdentifier: 'recipe-db-primary' },
    ]);
  });

  it('is not started with the key off (the default)', async () => {
    await applyProvision(await deps(awsConfig()), { applyImmediately: false });
    expect(aws.rds.commandCalls(StartDBInstanceAutomatedBackupsReplicationCommand)).toHaveLength(0);
    expect(aws.rds.commandCalls(DescribeDBInstanceAutomatedBackupsCommand)).toHaveLength(0);
  });
});

describe('provision on a partly provisioned account', () => {
  it('creates only what is missing and leaves what exists', async () => {
    // GIVEN the security group and the database exist (made by dbops)
    const sg = aws.addSecurityGroup({
      GroupName: 'recipe-db-primary-sg',
      Tags: [MANAGED],
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '203.0.113.7/32' }] },
        { IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379, IpRanges: [{ CidrIp: '203.0.113.7/32' }] },
      ],
    });
    await applyProvision(
      await deps(
        awsConfig((c) => {
          c.cache.enabled = false;
          c.budget.monthlyUsd = 0;
        }),
      ),
      { applyImmediately: false },
    );
    aws.rds.resetHistory();
    aws.cloudWatch.resetHistory();
    // WHEN applying the full config
    const result = await applyProvision(await deps(awsConfig()), { applyImmediately: false });
    // THEN the plan kept the database, re-admitted 6379 (the cache-less apply revoked it), and created the cache, its alarms and the budget
    expect(actions(result.plan).filter((a) => !a.endsWith('no-op'))).toEqual([
      'security-group recipe-db-primary-sg modify',
      'cache recipe-db-primary-cache create',
      'alarm recipe-db-primary-cache-cpu-high create',
      'alarm recipe-db-primary-cache-evictions create',
      'budget recipe-db-primary-monthly create',
    ]);
    expect(aws.rds.commandCalls(CreateDBInstanceCommand)).toHaveLength(0);
    expect(aws.ec2.commandCalls(CreateSecurityGroupCommand)).toHaveLength(0);
    expect(inputsOf(aws.elastiCache, CreateReplicationGroupCommand)[0]!.SecurityGroupIds).toEqual([sg]);
    expect(inputsOf(aws.cloudWatch, PutMetricAlarmCommand).map((a) => a.AlarmName)).toEqual([
      'recipe-db-primary-cache-cpu-high',
      'recipe-db-primary-cache-evictions',
    ]);
  });

  it('reports what it created when it fails mid-way, and a rerun continues from there', async () => {
    // GIVEN ElastiCache refuses the first create
    aws.failOnce.set(
      'CreateReplicationGroup',
      Object.assign(new Error('Insufficient capacity'), { name: 'InsufficientCacheClusterCapacityFault', $metadata: {} }),
    );
    const d = await deps(awsConfig());
    // WHEN applying
    const err = await rejectionOf(applyProvision(d, { applyImmediately: false }));
    // THEN the error names the step and what was done before it; everything made is tagged
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as EnvironmentError).step).toBe('PV-6');
    expect(appliedOf(err)!.map((a) => `${a.action} ${a.kind}`)).toEqual(['create security-group', 'create db-instance', 'create cache']);
    expect(aws.instance('recipe-db-primary')!.TagList).toContainEqual(MANAGED);
    // WHEN applying again
    const rerun = await applyProvision(await deps(awsConfig()), { applyImmediately: false });
    // THEN it continues: no second database or group, the cache and the rest are created, the stored token reused
    expect(aws.rds.commandCalls(CreateDBInstanceCommand)).toHaveLength(1);
    expect(aws.ec2.commandCalls(CreateSecurityGroupCommand)).toHaveLength(1);
    expect(aws.secrets.commandCalls(CreateSecretCommand)).toHaveLength(1);
    expect(rerun.after?.pending).toBe(0);
  });
});

describe('modifications of a fully provisioned deployment', () => {
  beforeEach(async () => {
    await applyProvision(await deps(awsConfig()), { applyImmediately: false });
  });

  it('plans a class change as modify with downtime, applied in the maintenance window by default', async () => {
    // GIVEN the config asks for a bigger class and a longer retention
    const config = awsConfig((c) => {
      c.database.instanceClass = 'db.t3.small';
      c.database.backupRetentionDays = 14;
    });
    const plan = await planProvision(await deps(config));
    const db = plan.changes.find((c) => c.kind === 'db-instance')!;
    expect(db).toMatchObject({ action: 'modify', downtime: true, dataLoss: false });
    expect(db.fields.map((f) => [f.field, f.from, f.to, f.downtime, f.deferrable])).toEqual([
      ['instanceClass', 'db.t3.micro', 'db.t3.small', true, true],
      ['backupRetentionDays', 7, 14, false, false],
    ]);
    // WHEN applying without --apply-immediately
    aws.rds.resetHistory();
    await applyProvision(await deps(config), { applyImmediately: false });
    // THEN ModifyDBInstance asked for the maintenance window, and the next plan sees it pending, not drift
    expect(inputsOf(aws.rds, ModifyDBInstanceCommand)).toEqual([
      { DBInstanceIdentifier: 'recipe-db-primary', DBInstanceClass: 'db.t3.small', BackupRetentionPeriod: 14, ApplyImmediately: false },
    ]);
    const after = await planProvision(await deps(config));
    expect(after.pending).toBe(0);
    expect(after.changes.find((c) => c.kind === 'db-instance')!.notes).toEqual([
      'pending until the maintenance window: instanceClass=db.t3.small',
    ]);
  });

  it('applies immediately with --apply-immediately, after confirming the downtime', async () => {
    const config = awsConfig((c) => {
      c.database.instanceClass = 'db.t3.small';
    });
    const d = await deps(config);
    aws.rds.resetHistory();
    await applyProvision(d, { applyImmediately: true });
    expect(inputsOf(aws.rds, ModifyDBInstanceCommand)).toEqual([
      { DBInstanceIdentifier: 'recipe-db-primary', DBInstanceClass: 'db.t3.small', ApplyImmediately: true },
    ]);
    expect(d.asked).toEqual(['Apply in us-east-2: modify db-instance recipe-db-primary (downtime)?']);
    expect(aws.instance('recipe-db-primary')!.DBInstanceClass).toBe('db.t3.small');
  });

  it('refuses to replace the database (encryption change = data loss) and changes nothing', async () => {
    const config = awsConfig((c) => {
      c.database.storageEncrypted = false;
    });
    const plan = await planProvision(await deps(config));
    expect(plan.changes.find((c) => c.kind === 'db-instance')).toMatchObject({ action: 'replace', dataLoss: true });
    aws.rds.resetHistory();
    const err = await rejectionOf(applyProvision(await deps(config), { applyImmediately: false }));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(
      'Changing storageEncrypted of recipe-db-primary means replacing the instance and losing its data; dbops will not do that automatically.',
    );
    expect(aws.rds.commandCalls(ModifyDBInstanceCommand)).toHaveLength(0);
  });

  it('an engine version the endpoint does not report (the member cluster is missing) is never a reason to replace the cache', async () => {
    // GIVEN the deployment, whose cache's member cluster DescribeCacheClusters no longer knows (moto's gap)
    for (const [id, c] of aws.cacheClusters) if (c.ReplicationGroupId) aws.cacheClusters.delete(id);
    aws.elastiCache.resetHistory();
    // WHEN planning and applying with --yes
    const plan = await planProvision(await deps(awsConfig()));
    const cache = plan.changes.find((c) => c.kind === 'cache')!;
    expect(cache.action).not.toBe('replace');
    expect(cache.notes.join(' ')).toContain("did not report the cache's engine version");
    await applyProvision(await deps(awsConfig()), { applyImmediately: false });
    // THEN the replication group was never deleted
    expect(aws.elastiCache.commandCalls(DeleteReplicationGroupCommand)).toHaveLength(0);
  });

  it('a change that loses data (AUTH turned off: a new cache) needs --allow-data-loss beyond a yes', async () => {
    // GIVEN the deployed cache with AUTH, and a config that turns AUTH off
    const config = awsConfig((c) => {
      c.cache.authEnabled = false;
    });
    aws.elastiCache.resetHistory();
    // WHEN apply is confirmed but not allowed to lose data
    const err = await rejectionOf(applyProvision(await deps(config), { applyImmediately: false }));
    // THEN it refuses before changing anything
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(
      'This plan loses data: replace cache recipe-db-primary-cache (authEnabled). Apply refuses that without --allow-data-loss.',
    );
    expect(aws.elastiCache.commandCalls(DeleteReplicationGroupCommand)).toHaveLength(0);
    // AND with --allow-data-loss it replaces the cache
    const done = await applyProvision(await deps(config), { applyImmediately: false, allowDataLoss: true });
    expect(done.applied.map((a) => `${a.action} ${a.kind} ${a.id}`)).toContain('replace cache recipe-db-primary-cache');
    expect(aws.elastiCache.commandCalls(DeleteReplicationGroupCommand)).toHaveLength(1);
  });

  it('changes a budget threshold and the alarm email in place', async () => {
    const config = awsConfig((c) => {
      c.budget.monthlyUsd = 80;
      c.budget.alertPercents = [50, 90];
    });
    const result = await applyProvision(await deps(config), { applyImmediately: false });
    expect(result.applied.map((a) => `${a.kind} ${a.action}`)).toEqual(['budget modify']);
    const b = aws.budgetsByName.get('recipe-db-primary-monthly')!;
    expect(b.input.Budget!.BudgetLimit).toEqual({ Amount: '80', Unit: 'USD' });
    expect(b.notifications.map((n) => `${n.n.NotificationType}@${n.n.Threshold}`).sort()).toEqual([
      'ACTUAL@50',
      'ACTUAL@90',
      'FORECASTED@50',
      'FORECASTED@90',
    ]);
    expect(result.after?.pending).toBe(0);
  });
});

describe('destroy', () => {
  it('removes everything dbops made, in reverse order, with a final snapshot', async () => {
    // GIVEN an applied deployment and an alarm someone else made with the same prefix
    await applyProvision(await deps(awsConfig()), { applyImmediately: false });
    // WHEN destroying
    const d = await deps(awsConfig());
    const result = await destroyProvision(d, { skipFinalSnapshot: false, ignoreDeletionProtection: false });
    // THEN everything is gone, the database with a final snapshot
    expect(result.items.map((i) => `${i.kind} ${i.action}`)).toEqual([
      'budget delete',
      ...Array(6).fill('alarm delete'),
      'sns-topic delete',
      'cache delete',
      'db-instance delete',
      'security-group delete',
    ]);
    expect(inputsOf(aws.rds, DeleteDBInstanceCommand)).toEqual([
      {
        DBInstanceIdentifier: 'recipe-db-primary',
        SkipFinalSnapshot: false,
        FinalDBSnapshotIdentifier: 'recipe-db-primary-final-20260301-100000',
      },
    ]);
    // AND the final snapshot says what it is (RDS copied the instance's purpose=primary onto it)
    const finalTags = Object.fromEntries(
      (aws.snapshots.get('recipe-db-primary-final-20260301-100000')!.TagList ?? []).map((t) => [t.Key, t.Value]),
    );
    expect(finalTags).toMatchObject({ 'dbops:managed': 'true', 'dbops:purpose': 'final' });
    expect(aws.counts()).toEqual({ instances: 0, securityGroups: 0, caches: 0, topics: 0, alarms: 0, budgets: 0, secrets: 0 });
    expect(d.asked).toEqual([
      'Destroy 11 resources in us-east-2: budget recipe-db-primary-monthly, alarm recipe-db-primary-db-cpu-critical, alarm recipe-db-primary-db-cpu-warning, alarm recipe-db-primary-db-free-storage-low, alarm recipe-db-primary-db-connections-high, alarm recipe-db-primary-cache-cpu-high, alarm recipe-db-primary-cache-evictions, sns-topic recipe-db-primary-alarms, cache recipe-db-primary-cache, db-instance recipe-db-primary, security-group sg-00000001 (final snapshot recipe-db-primary-final-20260301-100000)?',
    ]);
  });

  it('leaves resources dbops did not create', async () => {
    // GIVEN a database of that name made by hand (no dbops tag)
    aws.addInstance({
      DBInstanceIdentifier: 'recipe-db-primary',
      Engine: 'postgres',
      EngineVersion: '15.8',
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: 20,
      MasterUsername: 'dbadmin',
      TagList: [],
    });
    const result = await destroyProvision(await deps(awsConfig()), { skipFinalSnapshot: true, ignoreDeletionProtection: false });
    expect(result.items).toEqual([
      { kind: 'db-instance', id: 'recipe-db-primary', action: 'keep', reason: 'not created by dbops (no dbops:managed=true tag)' },
    ]);
    expect(aws.rds.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
  });

  it('refuses when deletion protection is on, before deleting anything', async () => {
    await applyProvision(
      await deps(
        awsConfig((c) => {
          c.database.deletionProtection = true;
        }),
      ),
      { applyImmediately: false },
    );
    const before = aws.counts();
    const err = await rejectionOf(destroyProvision(await deps(awsConfig()), { skipFinalSnapshot: true, ignoreDeletionProtection: false }));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe('DB instance recipe-db-primary has deletion protection on; nothing was destroyed.');
    expect(aws.counts()).toEqual(before);
  });

  it('with --ignore-deletion-protection turns it off first, then deletes', async () => {
    await applyProvision(
      await deps(
        awsConfig((c) => {
          c.database.deletionProtection = true;
        }),
      ),
      { applyImmediately: false },
    );
    aws.rds.resetHistory();
    const d = await deps(awsConfig());
    await destroyProvision(d, { skipFinalSnapshot: true, ignoreDeletionProtection: true });
    expect(inputsOf(aws.rds, ModifyDBInstanceCommand)).toEqual([
      { DBInstanceIdentifier: 'recipe-db-primary', DeletionProtection: false, ApplyImmediately: true },
    ]);
    expect(inputsOf(aws.rds, DeleteDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: 'recipe-db-primary', SkipFinalSnapshot: true }]);
    expect(d.asked[0]).toContain('turning its deletion protection off first');
    expect(aws.counts().instances).toBe(0);
  });

  it('--dry-run and a refused confirmation delete nothing', async () => {
    await applyProvision(await deps(awsConfig()), { applyImmediately: false });
    const before = aws.counts();
    const dry = await destroyProvision(await deps(awsConfig(), { dryRun: true }), {
      skipFinalSnapshot: false,
      ignoreDeletionProtection: false,
    });
    const no = await destroyProvision(await deps(awsConfig(), { confirm: false }), {
      skipFinalSnapshot: false,
      ignoreDeletionProtection: false,
    });
    expect([dry.dryRun, dry.confirmed, no.confirmed]).toEqual([true, false, false]);
    expect(aws.counts()).toEqual(before);
  });
});
