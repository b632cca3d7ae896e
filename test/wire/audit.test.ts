/**
 * Story 2 on the wire: the seeds' unsafe design (seed 000), built directly in moto with
 * the SDK, not by dbops: a public, unencrypted PostgreSQL tagged production, a security
 * group opening 5432 and 6379 to 0.0.0.0/0, a Redis cache.t2.micro without AUTH. `dbops
 * audit --instance --cache` (no config naming them) reports every high finding, exit 1;
 * and it changed nothing (the state read back is the same).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { CreateCacheClusterCommand } from '@aws-sdk/client-elasticache';
import { CreateDBInstanceCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { beforeAll, describe, expect, it } from 'vitest';
import { READ_ONLY, wireStory } from './_moto/wire.js';

const story = wireStory();
let groupId = '';

beforeAll(async () => {
  const vpc = (await story.aws.ec2.send(new DescribeVpcsCommand({}))).Vpcs![0]!.VpcId!;
  groupId = (
    await story.aws.ec2.send(
      new CreateSecurityGroupCommand({ GroupName: 'recipe-db-sg', Description: 'seed 000: open to the world', VpcId: vpc }),
    )
  ).GroupId!;
  await story.aws.ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: groupId,
      IpPermissions: [5432, 6379].map((port) => ({ IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [{ CidrIp: '0.0.0.0/0' }] })),
    }),
  );
  await story.aws.rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: 'recipe-db',
      Engine: 'postgres',
      EngineVersion: '15.4',
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: 20,
      MasterUsername: 'postgres',
      MasterUserPassword: 'seed-password-1',
      PubliclyAccessible: true,
      StorageEncrypted: false,
      BackupRetentionPeriod: 7,
      VpcSecurityGroupIds: [groupId],
      Tags: [{ Key: 'Environment', Value: 'production' }],
    }),
  );
  await story.aws.elasticache.send(
    new CreateCacheClusterCommand({
      CacheClusterId: 'recipe-cache',
      Engine: 'redis',
      CacheNodeType: 'cache.t2.micro',
      NumCacheNodes: 1,
      SecurityGroupIds: [groupId],
    }),
  );
  // A config that names neither: the ids come from the command line.
  writeFileSync(join(story.dir, 'dbops.config.yaml'), 'provider: aws\nregion: us-east-2\n');
}, 60_000);

describe("story 2: audit of the seeds' unsafe design", () => {
  it('reports every high finding with its fix, exit 1, and changes nothing', async () => {
    let r = { exitCode: -1, stdout: '', stderr: '' };
    const sent = await story.during(async () => {
      r = await story.dbops('audit --instance recipe-db --cache recipe-cache --json');
    });
    expect(r.exitCode, r.stderr).toBe(1);
    const result = JSON.parse(r.stdout) as {
      database: string;
      cache: string;
      findings: { id: string; severity: string; resource: string; fix: string }[];
    };
    expect([result.database, result.cache]).toEqual(['recipe-db', 'recipe-cache']);
    const high = result.findings.filter((f) => f.severity === 'high');
    expect(high.map((f) => f.id).sort()).toEqual([
      'cache-no-auth',
      'db-publicly-accessible',
      'db-storage-unencrypted',
      'deletion-protection-off',
      'port-open-to-world',
      'port-open-to-world',
    ]);
    expect(high.filter((f) => f.id === 'port-open-to-world').map((f) => f.fix)).toEqual([
      expect.stringContaining(`--group-id ${groupId} --protocol tcp --port 5432 --cidr 0.0.0.0/0`),
      expect.stringContaining(`--group-id ${groupId} --protocol tcp --port 6379 --cidr 0.0.0.0/0`),
    ]);
    // An audit reads: no write went on the wire, and the state is as it was.
    expect(sent.filter((s) => !READ_ONLY.test(s.action))).toEqual([]);
    const db = (await story.aws.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'recipe-db' }))).DBInstances![0]!;
    expect([db.PubliclyAccessible, db.StorageEncrypted]).toEqual([true, false]);
    const sg = (await story.aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }))).SecurityGroups![0]!;
    expect(sg.IpPermissions?.map((p) => p.FromPort).sort()).toEqual([5432, 6379]);
  });

  it('says so in the human report: six high findings, exit 1', async () => {
    const r = await story.dbops('audit --instance recipe-db --cache recipe-cache');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('Audit of recipe-db and recipe-cache (aws us-east-2):');
    expect(r.stdout).toMatch(/6 high, \d+ medium, \d+ low — exit 1\./);
  });

  it('an unknown instance is one sentence and exit 2, not a stack', async () => {
    const r = await story.dbops('audit --instance no-such-db');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^error: There is nothing to audit: DB instance no-such-db does not exist in us-east-2\.\nhint: /m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
