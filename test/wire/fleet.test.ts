/**
 * Fleet on the wire: two accounts in moto (the caller's, 123456789012, and another reached
 * by assuming a role there), two regions. `dbops fleet list` assumes the role once, lists
 * each account and region once, and finds the production databases of both accounts,
 * each under its own account; a role that cannot be assumed leaves the other account's
 * results intact and exits 3.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { beforeAll, describe, expect, it } from 'vitest';
import { wireStory } from './_moto/wire.js';

const story = wireStory();
const ROLE = 'arn:aws:iam::222222222222:role/dbops-fleet';

async function createIn(rds: RDSClient, id: string, environment: string): Promise<void> {
  await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      Engine: 'postgres',
      EngineVersion: '15.4',
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: 20,
      MasterUsername: 'postgres',
      MasterUserPassword: 'wire-password-1',
      Tags: [
        { Key: 'environment', Value: environment },
        { Key: 'dbops:managed', Value: 'true' },
      ],
    }),
  );
}

beforeAll(async () => {
  await createIn(story.aws.rds, 'core-db', 'production');
  await createIn(story.aws.rds, 'scratch-db', 'staging');
  await createIn(story.awsIn('us-west-2').rds, 'west-db', 'production');
  // The other account: what its role's session sees (moto keeps each account's resources apart).
  const sts = new STSClient({
    region: 'us-east-2',
    endpoint: story.moto.endpoint,
    credentials: { accessKeyId: 'wire-test', secretAccessKey: 'wire-test' },
    customUserAgent: 'wire-readback',
  });
  const c = (await sts.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'wire-setup' }))).Credentials!;
  const other = new RDSClient({
    region: 'us-east-2',
    endpoint: story.moto.endpoint,
    credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! },
    customUserAgent: 'wire-readback',
  });
  await createIn(other, 'content-db', 'production');
  await createIn(other, 'content-staging-db', 'staging');
}, 60_000);

function writeConfig(role: string): void {
  writeFileSync(
    join(story.dir, 'dbops.config.yaml'),
    [
      'provider: aws',
      'region: us-east-2',
      'fleet:',
      '  regions: [us-east-2, us-west-2]',
      '  accounts:',
      '    - { id: "123456789012", name: core }',
      `    - { id: "222222222222", name: content, roleArn: "${role}" }`,
      '  select:',
      '    tags: { environment: production }',
      '',
    ].join('\n'),
  );
}

describe('fleet over two accounts and two regions', () => {
  it('assumes the role once, lists each account and region once, and finds each database under its account', async () => {
    writeConfig(ROLE);
    let r = { exitCode: -1, stdout: '', stderr: '' };
    const sent = await story.during(async () => {
      r = await story.dbops('fleet list --json');
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as {
      databases: { account: string; region: string; id: string; reasons: string[] }[];
      listings: number;
    };
    expect(result.databases.map((d) => `${d.account}/${d.region}/${d.id}`)).toEqual([
      'content/us-east-2/content-db',
      'core/us-east-2/core-db',
      'core/us-west-2/west-db',
    ]);
    expect(result.databases[0]!.reasons).toEqual(['tag environment=production']);
    expect(result.listings).toBe(4);
    expect(sent.filter((q) => q.action === 'AssumeRole')).toHaveLength(1);
    expect(sent.filter((q) => q.action === 'DescribeDBInstances')).toHaveLength(4);
  });

  it('--account narrows to one account; --select replaces the config selection', async () => {
    writeConfig(ROLE);
    const r = await story.dbops('fleet list --account content --select identifier=content-* --json');
    expect(r.exitCode, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { databases: { id: string }[] }).databases.map((d) => d.id)).toEqual([
      'content-db',
      'content-staging-db',
    ]);
  });

  it("a role that cannot be assumed: that account is reported, the other's results stand, exit 3", async () => {
    writeConfig(ROLE);
    await story.moto.fault('AssumeRole', 'AccessDenied', 403, 'User is not authorized to perform: sts:AssumeRole');
    try {
      const r = await story.dbops('fleet list --json');
      expect(r.exitCode, r.stderr).toBe(3);
      const result = JSON.parse(r.stdout) as {
        databases: { id: string }[];
        problems: { account: string; region: string; message: string }[];
      };
      expect(result.databases.map((d) => d.id)).toEqual(['core-db', 'west-db']);
      expect(result.problems.map((p) => `${p.account}/${p.region}`)).toEqual(['content/us-east-2', 'content/us-west-2']);
      expect(result.problems[0]!.message).toMatch(/^Cannot assume arn:aws:iam::222222222222:role\/dbops-fleet in account 222222222222/);
      expect(r.stdout).not.toMatch(/AccessDenied/);
    } finally {
      await story.moto.clearFaults();
    }
  });
});
