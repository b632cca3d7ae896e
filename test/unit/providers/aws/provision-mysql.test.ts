/**
 * `dbops provision` for engine mysql (seed 003's RDS MySQL 8.0) in FakeAwsAccount: the
 * security group admits 3306, a custom parameter group of family mysql8.0 requires TLS
 * (require_secure_transport=1) and the instance, MySQL 8.0 with seed 003's 30-day
 * retention, uses it; drift in the group is planned and set back; destroy removes the group
 * after the instance.
 */
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand } from '@aws-sdk/client-ec2';
import {
  CreateDBInstanceCommand,
  CreateDBParameterGroupCommand,
  DeleteDBInstanceCommand,
  DeleteDBParameterGroupCommand,
  ModifyDBInstanceCommand,
  ModifyDBParameterGroupCommand,
} from '@aws-sdk/client-rds';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyProvision, planProvision } from '../../../../src/lib/provision/apply.js';
import { destroyProvision } from '../../../../src/lib/provision/destroy.js';
import { awsConfig, awsDeps, FakeAwsAccount, type AwsDeps } from '../../../_helpers/fake-aws-provision.js';
import { inputsOf } from './helpers.js';

let aws: FakeAwsAccount;
const open: AwsDeps[] = [];

async function deps(...args: Parameters<typeof awsDeps>): Promise<AwsDeps> {
  const d = await awsDeps(...args);
  open.push(d);
  return d;
}

beforeEach(() => {
  aws = new FakeAwsAccount({ describesToSettle: 1 });
});

afterEach(async () => {
  for (const d of open.splice(0)) await d.close();
  aws.restore();
});

/** Seed 003 as a config: engine mysql, 8.0, 30 days (what loadConfig gives engine mysql by default). */
const seed003 = () =>
  awsConfig((c) => {
    c.database.identifier = 'core-db';
    c.database.engine = 'mysql';
    c.database.engineVersion = '8.0';
    c.database.backupRetentionDays = 30;
    c.database.dbName = 'core';
    c.cache.enabled = false;
  });

describe('provision of an RDS MySQL 8.0 instance', () => {
  it('plans a custom parameter group core-db-mysql8 of family mysql8.0 with require_secure_transport=1', async () => {
    const plan = await planProvision(await deps(seed003()));
    expect(plan.changes.filter((c) => c.kind === 'parameter-group').map((c) => [c.id, c.action, c.notes])).toEqual([
      ['core-db-mysql8', 'create', ['family mysql8.0; require_secure_transport=1']],
    ]);
    expect(plan.warnings.filter((w) => w.includes('require_secure_transport'))).toEqual([]);
  });

  it('creates the group (tagged), requires TLS in it, creates the instance with it; a second plan has nothing to do', async () => {
    const result = await applyProvision(await deps(seed003()), { applyImmediately: false });
    const runId = result.report!.runId;
    const tags = [
      { Key: 'dbops:managed', Value: 'true' },
      { Key: 'dbops:run-id', Value: runId },
      { Key: 'dbops:purpose', Value: 'provision' },
    ];
    expect(inputsOf(aws.rds, CreateDBParameterGroupCommand)).toEqual([
      {
        DBParameterGroupName: 'core-db-mysql8',
        DBParameterGroupFamily: 'mysql8.0',
        Description: 'dbops: core-db (mysql8.0, TLS required)',
        Tags: tags,
      },
    ]);
    expect(inputsOf(aws.rds, ModifyDBParameterGroupCommand)).toEqual([
      {
        DBParameterGroupName: 'core-db-mysql8',
        Parameters: [{ ParameterName: 'require_secure_transport', ParameterValue: '1', ApplyMethod: 'immediate' }],
      },
    ]);
    expect(inputsOf(aws.rds, CreateDBInstanceCommand).map((i) => i.DBParameterGroupName)).toEqual(['core-db-mysql8']);
    // The group exists before the instance that names it.
    const order = aws.rds.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name);
    expect(order.indexOf('ModifyDBParameterGroupCommand')).toBeLessThan(order.indexOf('CreateDBInstanceCommand'));
    expect(result.applied.filter((a) => a.kind === 'parameter-group')).toEqual([
      {
        kind: 'parameter-group',
        id: 'core-db-mysql8',
        action: 'create',
        detail: 'created core-db-mysql8 (mysql8.0), set require_secure_transport=1',
      },
    ]);
    expect(result.after?.pending).toBe(0);
    const again = await planProvision(await deps(seed003()));
    expect(again.changes.find((c) => c.kind === 'parameter-group')).toMatchObject({
      action: 'no-op',
      notes: ['in sync: require_secure_transport=1'],
    });
  });

  it('plans drift in the group (require_secure_transport set to 0 by hand) and sets it back, and only that', async () => {
    await applyProvision(await deps(seed003()), { applyImmediately: false });
    aws.parameterGroups.get('core-db-mysql8')!.find((p) => p.ParameterName === 'require_secure_transport')!.ParameterValue = '0';
    aws.rds.resetHistory();

    const plan = await planProvision(await deps(seed003()));
    const row = plan.changes.find((c) => c.kind === 'parameter-group')!;
    expect([row.action, row.fields.map((f) => [f.field, f.from, f.to, f.downtime])]).toEqual([
      'modify',
      [['parameters.require_secure_transport', '0', '1', false]],
    ]);
    expect(plan.pending).toBe(1);

    await applyProvision(await deps(seed003()), { applyImmediately: false });
    expect(inputsOf(aws.rds, CreateDBParameterGroupCommand)).toEqual([]);
    expect(inputsOf(aws.rds, ModifyDBParameterGroupCommand)).toEqual([
      {
        DBParameterGroupName: 'core-db-mysql8',
        Parameters: [{ ParameterName: 'require_secure_transport', ParameterValue: '1', ApplyMethod: 'immediate' }],
      },
    ]);
    expect(inputsOf(aws.rds, ModifyDBInstanceCommand)).toEqual([]);
  });

  it('moves an existing dbops instance off default.mysql8.0 onto the group (effective at its next reboot)', async () => {
    await applyProvision(await deps(seed003()), { applyImmediately: false });
    aws.instances.get('core-db')!.shape.DBParameterGroups = [{ DBParameterGroupName: 'default.mysql8.0', ParameterApplyStatus: 'in-sync' }];
    aws.rds.resetHistory();

    const plan = await planProvision(await deps(seed003()));
    const db = plan.changes.find((c) => c.kind === 'db-instance')!;
    expect(db.fields.map((f) => [f.field, f.from, f.to, f.downtime, f.note])).toEqual([
      [
        'parameterGroup',
        'default.mysql8.0',
        'core-db-mysql8',
        false,
        'effective after the next reboot, which RDS shows as pending-reboot: reboot in a quiet hour with `aws rds reboot-db-instance`',
      ],
    ]);
    await applyProvision(await deps(seed003()), { applyImmediately: true });
    expect(inputsOf(aws.rds, ModifyDBInstanceCommand)).toEqual([
      { DBInstanceIdentifier: 'core-db', DBParameterGroupName: 'core-db-mysql8', ApplyImmediately: true },
    ]);
    // The next plan has nothing to do, and says the group waits for a reboot.
    const after = await planProvision(await deps(seed003()));
    expect(after.pending).toBe(0);
    expect(after.changes.find((c) => c.kind === 'db-instance')!.notes).toContain(
      'parameter group core-db-mysql8 takes effect after the next reboot (pending-reboot): `aws rds reboot-db-instance --db-instance-identifier core-db` in a quiet hour',
    );
  });

  it('refuses to change a group of that name it did not create (blocked), before creating anything', async () => {
    aws.rds.on(CreateDBParameterGroupCommand).callsFake(() => {
      throw new Error('must not be called');
    });
    aws.customParameterGroups.set('core-db-mysql8', {
      DBParameterGroupName: 'core-db-mysql8',
      DBParameterGroupFamily: 'mysql8.0',
      DBParameterGroupArn: 'arn:aws:rds:us-east-2:123456789012:pg:core-db-mysql8',
      Tags: [],
    });
    aws.parameterGroups.set('core-db-mysql8', [{ ParameterName: 'require_secure_transport', ParameterValue: '0' }]);
    const plan = await planProvision(await deps(seed003()));
    expect(plan.changes.find((c) => c.kind === 'parameter-group')?.action).toBe('blocked');
    await expect(applyProvision(await deps(seed003()), { applyImmediately: false })).rejects.toMatchObject({
      message: 'parameter-group core-db-mysql8 exists but was not created by dbops; dbops will not change it.',
      exitCode: 2,
    });
    expect(inputsOf(aws.rds, CreateDBInstanceCommand)).toEqual([]);
  });

  it('destroy deletes the group once the instance is gone (never before), and a PostgreSQL deployment has no group calls', async () => {
    await applyProvision(await deps(seed003()), { applyImmediately: false });
    aws.rds.resetHistory();
    const result = await destroyProvision(await deps(seed003()), { skipFinalSnapshot: true, ignoreDeletionProtection: false });
    expect(result.items.filter((i) => i.kind === 'parameter-group')).toEqual([
      { kind: 'parameter-group', id: 'core-db-mysql8', action: 'delete' },
    ]);
    expect(inputsOf(aws.rds, DeleteDBParameterGroupCommand)).toEqual([{ DBParameterGroupName: 'core-db-mysql8' }]);
    const order = aws.rds.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name);
    expect(order.indexOf('DeleteDBInstanceCommand')).toBeLessThan(order.indexOf('DeleteDBParameterGroupCommand'));
    expect(inputsOf(aws.rds, DeleteDBInstanceCommand)).toHaveLength(1);
    expect(aws.customParameterGroups.size).toBe(0);

    aws.rds.resetHistory();
    await applyProvision(await deps(awsConfig((c) => (c.cache.enabled = false))), { applyImmediately: false });
    expect(inputsOf(aws.rds, CreateDBParameterGroupCommand)).toEqual([]);
    expect(inputsOf(aws.rds, CreateDBInstanceCommand).map((i) => i.DBParameterGroupName)).toEqual([undefined]);
  });

  it('opens 3306 (not 5432) to the configured CIDR and creates MySQL 8.0 with 30-day backups', async () => {
    const d = await deps(seed003());
    const result = await applyProvision(d, { applyImmediately: false });
    const runId = result.report!.runId;
    const groupId = ((await aws.ec2.commandCalls(CreateSecurityGroupCommand)[0]!.returnValue) as { GroupId: string }).GroupId;
    expect(inputsOf(aws.ec2, AuthorizeSecurityGroupIngressCommand)).toEqual([
      {
        GroupId: groupId,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 3306,
            ToPort: 3306,
            IpRanges: [{ CidrIp: '203.0.113.7/32', Description: 'database from network.allowedCidr' }],
          },
        ],
      },
    ]);
    expect(inputsOf(aws.rds, CreateDBInstanceCommand)).toEqual([
      {
        DBInstanceIdentifier: 'core-db',
        Engine: 'mysql',
        EngineVersion: '8.0',
        DBInstanceClass: 'db.t3.micro',
        AllocatedStorage: 20,
        MaxAllocatedStorage: 20,
        StorageType: 'gp2',
        StorageEncrypted: true,
        MultiAZ: false,
        PubliclyAccessible: false,
        DeletionProtection: false,
        BackupRetentionPeriod: 30,
        PreferredBackupWindow: '03:00-04:00',
        PreferredMaintenanceWindow: 'sun:04:00-sun:05:00',
        AutoMinorVersionUpgrade: true,
        CopyTagsToSnapshot: true,
        DBName: 'core',
        MasterUsername: 'dbadmin',
        ManageMasterUserPassword: true,
        VpcSecurityGroupIds: [groupId],
        DBParameterGroupName: 'core-db-mysql8',
        Tags: [
          { Key: 'dbops:managed', Value: 'true' },
          { Key: 'dbops:run-id', Value: runId },
          { Key: 'dbops:purpose', Value: 'primary' },
        ],
      },
    ]);
  });
});
