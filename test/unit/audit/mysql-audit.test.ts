/**
 * `dbops audit` of an RDS MySQL 8.0 instance (seed 003) in FakeAwsAccount: public,
 * unencrypted, 3306 open to 0.0.0.0/0, and require_secure_transport off in its parameter
 * group (read with DescribeDBParameters; default.mysql8.0 leaves it unset, which is OFF).
 */
import { DescribeDBParametersCommand } from '@aws-sdk/client-rds';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAudit, type ExtensionProbe } from '../../../src/lib/audit/audit.js';
import { awsConfig, awsDeps, FakeAwsAccount, type AwsDeps } from '../../_helpers/fake-aws-provision.js';

let aws: FakeAwsAccount;
const open: AwsDeps[] = [];
let probed = 0;
const probe: ExtensionProbe = async () => {
  probed++;
  return { status: 'missing' };
};

beforeEach(() => {
  aws = new FakeAwsAccount();
  probed = 0;
});

afterEach(async () => {
  for (const d of open.splice(0)) await d.close();
  aws.restore();
});

function buildSeed003(parameterGroup?: string): void {
  aws.addSecurityGroup({
    GroupId: 'sg-0mysql0',
    GroupName: 'core-db-sg',
    IpPermissions: [{ IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
  });
  aws.addInstance({
    DBInstanceIdentifier: 'core-db',
    Engine: 'mysql',
    EngineVersion: '8.0.35',
    DBInstanceClass: 'db.t3.micro',
    AllocatedStorage: 20,
    StorageType: 'gp2',
    StorageEncrypted: false,
    MultiAZ: false,
    PubliclyAccessible: true,
    DeletionProtection: true,
    BackupRetentionPeriod: 30,
    PreferredBackupWindow: '03:00-04:00',
    MasterUsername: 'admin',
    VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0mysql0', Status: 'active' }],
    ...(parameterGroup ? { DBParameterGroups: [{ DBParameterGroupName: parameterGroup, ParameterApplyStatus: 'in-sync' }] } : {}),
  });
}

async function audit(): Promise<Awaited<ReturnType<typeof runAudit>>> {
  const d = await awsDeps(awsConfig());
  open.push(d);
  return runAudit(d, probe, { instanceId: 'core-db' });
}

describe('audit of an RDS MySQL 8.0 instance', () => {
  it('finds public access, 3306 open to the world, no encryption and require_secure_transport off in default.mysql8.0', async () => {
    // GIVEN seed 003's instance on the default parameter group, with a security group open to the world on 3306
    buildSeed003('default.mysql8.0');
    // WHEN auditing it
    const result = await audit();
    // THEN the MySQL findings (alarms are missing too: no alarm was built)
    expect(result.findings.map((f) => [f.severity, f.id, f.resource])).toEqual([
      ['high', 'db-publicly-accessible', 'db-instance core-db'],
      ['high', 'port-open-to-world', 'security-group sg-0mysql0 (core-db-sg)'],
      ['high', 'db-storage-unencrypted', 'db-instance core-db'],
      ['medium', 'no-cpu-alarm', 'db-instance core-db'],
      ['medium', 'no-storage-alarm', 'db-instance core-db'],
      ['medium', 'mysql-secure-transport-off', 'db-instance core-db'],
    ]);
    const byId = new Map(result.findings.map((f) => [f.id, f]));
    expect(byId.get('port-open-to-world')!.message).toBe('Port 3306 (database) is open to 0.0.0.0/0.');
    expect(byId.get('port-open-to-world')!.fix).toContain('--port 3306 --cidr 0.0.0.0/0');
    expect(byId.get('mysql-secure-transport-off')).toMatchObject({
      message:
        'require_secure_transport is not set (OFF, the MySQL 8.0 default) in parameter group default.mysql8.0: clients may connect without TLS, so passwords and rows can cross the network in clear text.',
      runbook: 'runbooks/audit.md#AU-R17',
    });
    expect(byId.get('mysql-secure-transport-off')!.fix).toContain('--db-parameter-group-family mysql8.0');
    // AND the parameter group was read by name, and pgvector was not probed (a PostgreSQL extension)
    expect(aws.rds.commandCalls(DescribeDBParametersCommand).map((c) => c.args[0].input.DBParameterGroupName)).toEqual([
      'default.mysql8.0',
    ]);
    expect(probed).toBe(0);
  });

  it('reads a custom group page by page: OFF is a finding, ON (or 1) is not', async () => {
    const filler = Array.from({ length: 150 }, (_, i) => ({ ParameterName: `p${i}`, ParameterValue: '1' }));
    for (const [value, finding] of [
      ['0', true],
      ['OFF', true],
      ['1', false],
      ['ON', false],
    ] as const) {
      aws.restore();
      aws = new FakeAwsAccount();
      // GIVEN a custom group whose require_secure_transport is on its second page
      aws.parameterGroups.set('core-mysql8', [...filler, { ParameterName: 'require_secure_transport', ParameterValue: value }]);
      buildSeed003('core-mysql8');
      const result = await audit();
      const found = result.findings.find((f) => f.id === 'mysql-secure-transport-off');
      expect(found !== undefined, value).toBe(finding);
      if (found) {
        expect(found.message).toContain(`require_secure_transport is ${value} in parameter group core-mysql8`);
        expect(found.fix).toBe(
          'Run `aws rds modify-db-parameter-group --db-parameter-group-name core-mysql8 --parameters "ParameterName=require_secure_transport,ParameterValue=1,ApplyMethod=immediate"` (a dynamic parameter: no reboot); clients must then connect with TLS (--ssl-mode=REQUIRED).',
        );
      }
      expect(aws.rds.commandCalls(DescribeDBParametersCommand).map((c) => c.args[0].input.Marker)).toEqual([undefined, '100']);
    }
  });

  it('reads the default group of the version when the instance names none', async () => {
    buildSeed003();
    const result = await audit();
    expect(result.findings.find((f) => f.id === 'mysql-secure-transport-off')!.message).toContain('in parameter group default.mysql8.0');
  });

  it('still audits the rest when the parameter group cannot be read, and warns in one sentence', async () => {
    // GIVEN DescribeDBParameters is denied
    buildSeed003('default.mysql8.0');
    aws.rds
      .on(DescribeDBParametersCommand)
      .rejects(
        Object.assign(new Error('User is not authorized to perform: rds:DescribeDBParameters'), { name: 'AccessDenied', $metadata: {} }),
      );
    const d = await awsDeps(awsConfig());
    open.push(d);
    const result = await runAudit(d, probe, { instanceId: 'core-db' });
    // THEN the other findings are there, this one is not, and stderr says why
    expect(result.findings.map((f) => f.id)).toContain('port-open-to-world');
    expect(result.findings.map((f) => f.id)).not.toContain('mysql-secure-transport-off');
    expect(d.io.stderr()).toMatch(/require_secure_transport was not checked: .+ \(parameter group default\.mysql8\.0\)\./);
  });
});
