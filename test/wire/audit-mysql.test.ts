/**
 * Seed 003's RDS MySQL 8.0 on the wire, built directly in moto with the SDK: public,
 * unencrypted, its security group open to 0.0.0.0/0 on 3306, on the default parameter
 * group (default.mysql8.0, which leaves require_secure_transport unset: OFF). `dbops audit
 * --instance` reports each, reads the group with DescribeDBParameters, and writes nothing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { CreateDBInstanceCommand } from '@aws-sdk/client-rds';
import { beforeAll, describe, expect, it } from 'vitest';
import { READ_ONLY, wireStory } from './_moto/wire.js';

const story = wireStory();
let groupId = '';

beforeAll(async () => {
  const vpc = (await story.aws.ec2.send(new DescribeVpcsCommand({}))).Vpcs![0]!.VpcId!;
  groupId = (
    await story.aws.ec2.send(
      new CreateSecurityGroupCommand({ GroupName: 'core-db-sg', Description: 'seed 003: open to the world', VpcId: vpc }),
    )
  ).GroupId!;
  await story.aws.ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: groupId,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    }),
  );
  await story.aws.rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: 'core-db',
      Engine: 'mysql',
      EngineVersion: '8.0.35',
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: 20,
      MasterUsername: 'admin',
      MasterUserPassword: 'seed-password-3',
      PubliclyAccessible: true,
      StorageEncrypted: false,
      BackupRetentionPeriod: 30,
      VpcSecurityGroupIds: [groupId],
    }),
  );
  writeFileSync(join(story.dir, 'dbops.config.yaml'), 'provider: aws\nregion: us-east-2\n');
}, 60_000);

describe('audit of an RDS MySQL 8.0 instance on the wire', () => {
  it('reports public access, 3306 open, no encryption and require_secure_transport OFF; exit 1; no write', async () => {
    let r = { exitCode: -1, stdout: '', stderr: '' };
    const sent = await story.during(async () => {
      r = await story.dbops('audit --instance core-db --json');
    });
    expect(r.exitCode, r.stderr).toBe(1);
    const result = JSON.parse(r.stdout) as { findings: { id: string; severity: string; message: string; fix: string }[] };
    const ids = result.findings.map((f) => f.id);
    expect(ids).toEqual(
      expect.arrayContaining(['db-publicly-accessible', 'port-open-to-world', 'db-storage-unencrypted', 'mysql-secure-transport-off']),
    );
    expect(ids.some((id) => id.startsWith('pgvector'))).toBe(false);
    const open = result.findings.find((f) => f.id === 'port-open-to-world')!;
    expect(open.fix).toContain(`--group-id ${groupId} --protocol tcp --port 3306 --cidr 0.0.0.0/0`);
    expect(result.findings.find((f) => f.id === 'mysql-secure-transport-off')!.message).toContain('in parameter group default.mysql8.0');
    expect(sent.map((s) => s.action)).toContain('DescribeDBParameters');
    expect(sent.filter((s) => !READ_ONLY.test(s.action))).toEqual([]);
  });
});
