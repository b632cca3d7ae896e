/**
 * Fleet on the wire: two accounts in moto (the caller's, 123456789012, and another reached
 * by assuming a role there), two regions. `dbops fleet list` assumes the role once, lists
 * each account and region once, and finds the production databases of both accounts,
 * each under its own account; a role that cannot be assumed leaves the other account's
 * results intact and exits 3. Then backup status, audit, status (one GetMetricData per
 * account and region) and gc --dry-run over the same fleet.
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

function writeConfig(role: string, extra: string[] = []): void {
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
      ...extra,
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

describe('backup status over the fleet', () => {
  // west-db lives in the fleet's DR region: its own override copies to us-east-2.
  const WEST = [
    '  databases:',
    '    - { identifier: west-db, region: us-west-2, account: "123456789012", overrides: { snapshots: { crossRegion: { region: us-east-2 } } } }',
  ];

  it('judges every database once, with reads batched per account and region; --verbose counts the calls', async () => {
    writeConfig(ROLE, WEST);
    let r = { exitCode: -1, stdout: '', stderr: '' };
    const sent = await story.during(async () => {
      r = await story.dbops(`backup status --all --json --verbose --report-dir ${join(story.dir, 'reports')}`);
    });
    // No snapshot exists anywhere: every database violates the policy (exit 1), none could not be processed.
    expect(r.exitCode, r.stderr).toBe(1);
    const result = JSON.parse(r.stdout) as {
      rows: { account: string; region: string; id: string; verdict: string; figure: string; reportFile?: string }[];
      awsCalls: { total: number; byOperation: Record<string, number> };
      verdict: string;
    };
    expect(result.rows.map((x) => `${x.account}/${x.region}/${x.id}:${x.verdict}`)).toEqual([
      'content/us-east-2/content-db:failed',
      'core/us-east-2/core-db:failed',
      'core/us-west-2/west-db:failed',
    ]);
    expect(result.rows[0]!.figure).toMatch(/^\d violations?: no-recent-manual-snapshot/);
    expect(result.rows.every((x) => x.reportFile?.endsWith('.json'))).toBe(true);
    // One instance listing and one snapshot listing per account and region; the role assumed once.
    const count = (action: string) => sent.filter((q) => q.action === action).length;
    expect(count('DescribeDBInstances')).toBe(4);
    expect(count('DescribeDBSnapshots')).toBe(4);
    expect(count('AssumeRole')).toBe(1);
    expect(result.awsCalls.byOperation.DescribeDBSnapshots).toBe(4);
    expect(result.verdict).toBe('content-db (us-east-2), core-db (us-east-2), west-db (us-west-2) failed; the rest passed.');
  });

  it("an account that cannot be reached: its databases are reported, the others' results stand, exit 3", async () => {
    writeConfig(ROLE, WEST);
    await story.moto.fault('AssumeRole', 'AccessDenied', 403, 'User is not authorized to perform: sts:AssumeRole');
    try {
      const r = await story.dbops('backup status --all');
      expect(r.exitCode, r.stderr).toBe(3);
      expect(r.stdout).toMatch(/core\s+us-east-2\s+core-db\s+failed/);
      expect(r.stdout).toMatch(/✖ content \/ us-east-2: Cannot assume arn:aws:iam::222222222222:role\/dbops-fleet in account 222222222222/);
      expect(r.stdout).toMatch(/2 account\/region problems; core-db \(us-east-2\), west-db \(us-west-2\) failed\.$/m);
    } finally {
      await story.moto.clearFaults();
    }
  });
});

describe('audit over the fleet', () => {
  it("audits each database in its own account and region (the role's session for the other account); it only reads", async () => {
    writeConfig(ROLE);
    let r = { exitCode: -1, stdout: '', stderr: '' };
    const sent = await story.during(async () => {
      r = await story.dbops('audit --all --json');
    });
    const result = JSON.parse(r.stdout) as {
      command: string;
      exitCode: number;
      rows: {
        account: string;
        region: string;
        id: string;
        verdict: string;
        figure: string;
        result?: { database: string; region: string };
      }[];
    };
    expect(result.command).toBe('audit');
    // content-db exists only in the other account: it is found there only through the assumed role.
    expect(result.rows.map((x) => `${x.account}/${x.region}/${x.id}:${x.result?.database}@${x.result?.region}`)).toEqual([
      'content/us-east-2/content-db:content-db@us-east-2',
      'core/us-east-2/core-db:core-db@us-east-2',
      'core/us-west-2/west-db:west-db@us-west-2',
    ]);
    expect(result.rows.every((x) => /^(no findings|\d+ findings? \()/.test(x.figure))).toBe(true);
    expect(r.exitCode).toBe(result.rows.some((x) => x.verdict === 'failed') ? 1 : 0);
    expect(sent.filter((q) => q.action === 'AssumeRole')).toHaveLength(1);
    // An audit never creates, modifies, tags or deletes anything.
    expect(sent.map((q) => q.action).filter((a) => !/^(Describe|List|Get|AssumeRole)/.test(a))).toEqual([]);
  }, 60_000);
});

describe('status and gc over the fleet', () => {
  it('status --all: every database under its account, the figures in one GetMetricData per account and region', async () => {
    writeConfig(ROLE);
    let r = { exitCode: -1, stdout: '', stderr: '' };
    const sent = await story.during(async () => {
      r = await story.dbops('status --all --json --verbose');
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as {
      command: string;
      rows: { account: string; region: string; id: string; verdict: string; figure: string }[];
      awsCalls: { byOperation: Record<string, number> };
    };
    expect(result.rows.map((x) => `${x.account}/${x.region}/${x.id}:${x.verdict}`)).toEqual([
      'content/us-east-2/content-db:ok',
      'core/us-east-2/core-db:ok',
      'core/us-west-2/west-db:ok',
    ]);
    expect(result.rows[0]!.figure).toMatch(/^available · db\.t3\.micro/);
    const count = (action: string) => sent.filter((q) => q.action === action).length;
    // 4 account regions listed; figures only where the fleet has databases: 3 account regions, one call each.
    expect(count('DescribeDBInstances')).toBe(4);
    expect(count('GetMetricData')).toBe(3);
    expect(count('AssumeRole')).toBe(1);
    expect(result.awsCalls.byOperation.GetMetricData).toBe(3);
  });

  it('gc --all --dry-run: every account and region looked at, nothing deleted; --select refused', async () => {
    writeConfig(ROLE);
    let r = { exitCode: -1, stdout: '', stderr: '' };
    const sent = await story.during(async () => {
      r = await story.dbops('gc --all --dry-run --json');
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { unit: string; rows: { account: string; region: string; figure: string }[] };
    expect(result.unit).toBe('region');
    expect(result.rows.map((x) => `${x.account}/${x.region}:${x.figure}`)).toEqual([
      'core/us-east-2:nothing expired',
      'core/us-west-2:nothing expired',
      'content/us-east-2:nothing expired',
      'content/us-west-2:nothing expired',
    ]);
    expect(sent.map((q) => q.action).filter((a) => /^(Delete|Create|Modify)/.test(a))).toEqual([]);
    const sel = await story.dbops('gc --all --select environment=production');
    expect(sel.exitCode).toBe(2);
  });
});

describe('free-tier-report over the fleet', () => {
  it("one report per account, each read through that account's session; the instances are each account's own", async () => {
    writeConfig(ROLE);
    let r = { exitCode: -1, stdout: '', stderr: '' };
    const sent = await story.during(async () => {
      r = await story.dbops('free-tier-report --all --json');
    });
    const result = JSON.parse(r.stdout) as {
      unit: string;
      exitCode: number;
      rows: { account: string; region: string; id: string; verdict: string; figure: string; result?: { rdsInstances: { id: string }[] } }[];
    };
    expect(result.unit).toBe('account');
    expect(result.rows.map((x) => `${x.account}/${x.region}`)).toEqual(['core/us-east-2', 'content/us-east-2']);
    expect(result.rows.map((x) => (x.result?.rdsInstances ?? []).map((i) => i.id).sort())).toEqual([
      ['core-db', 'scratch-db'],
      ['content-db', 'content-staging-db'],
    ]);
    expect(r.exitCode, r.stderr).toBe(result.rows.some((x) => x.verdict === 'failed') ? 4 : 0);
    expect(sent.filter((q) => q.action === 'AssumeRole')).toHaveLength(1);
  }, 60_000);
});
