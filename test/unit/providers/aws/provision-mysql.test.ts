/**
 * `dbops provision` for engine mysql (seed 003's RDS MySQL 8.0) in FakeAwsAccount: the
 * security group admits 3306, the instance is MySQL 8.0 on the default parameter group
 * of family mysql8.0 with seed 003's 30-day retention, and the plan says the default group
 * leaves require_secure_transport OFF.
 */
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand } from '@aws-sdk/client-ec2';
import { CreateDBInstanceCommand } from '@aws-sdk/client-rds';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyProvision, planProvision } from '../../../../src/lib/provision/apply.js';
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
  it('plans the default parameter group default.mysql8.0 and says it leaves require_secure_transport OFF', async () => {
    const plan = await planProvision(await deps(seed003()));
    expect(plan.changes.filter((c) => c.kind === 'parameter-group').map((c) => [c.id, c.action])).toEqual([['default.mysql8.0', 'no-op']]);
    expect(plan.warnings).toContain(
      'The database uses the default parameter group default.mysql8.0, which leaves require_secure_transport OFF: clients may connect without TLS (`dbops audit` reports it; runbooks/audit.md AU-R17 sets it ON).',
    );
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
        Tags: [
          { Key: 'dbops:managed', Value: 'true' },
          { Key: 'dbops:run-id', Value: runId },
          { Key: 'dbops:purpose', Value: 'primary' },
        ],
      },
    ]);
  });
});
