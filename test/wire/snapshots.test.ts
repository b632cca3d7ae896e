/**
 * Story 3 on the wire: manual snapshots, an encrypted copy to us-west-2 (with no key
 * configured: the destination's alias/aws/rds), retention that keeps foreign and young
 * snapshots, the weekly run-policy, `backup status` met (0) and violated (1), and gc
 * deleting only expired dbops-tagged resources. Each step's state is read back with the
 * SDK (and the KMS alias with boto3), not through dbops.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CopyDBSnapshotCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBInstanceCommand,
  type Tag,
} from '@aws-sdk/client-rds';
import { beforeAll, describe, expect, it } from 'vitest';
import { wireStory } from './_moto/wire.js';

const DB = 'wire-db';
const DAY = 86_400_000;
const story = wireStory();
const dr = () => story.awsIn('us-west-2');

const tags = (t: Record<string, string>): Tag[] => Object.entries(t).map(([Key, Value]) => ({ Key, Value }));
const tagsOf = (list: Tag[] | undefined) => Object.fromEntries((list ?? []).map((t) => [t.Key, t.Value]));
const managed = (purpose: string, extra: Record<string, string> = {}) =>
  tags({ 'dbops:managed': 'true', 'dbops:purpose': purpose, ...extra });

async function snapshots(region = 'us-east-2', type: 'manual' | 'automated' = 'manual') {
  const c = region === 'us-east-2' ? story.aws : story.awsIn(region);
  return (await c.rds.send(new DescribeDBSnapshotsCommand({ SnapshotType: type }))).DBSnapshots!;
}

async function seedSnapshot(id: string, ageDays: number, t: Tag[]): Promise<void> {
  await story.aws.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: DB, DBSnapshotIdentifier: id, Tags: t }));
  await story.moto.backdateSnapshot('us-east-2', id, new Date(Date.now() - ageDays * DAY));
}

/** The ARN of alias/aws/rds in a region, asked of moto's KMS with boto3 (python3 has moto, so boto3). */
function awsManagedRdsKey(region: string): string {
  const py = [
    'import boto3',
    'from botocore.config import Config',
    `kms = boto3.client('kms', region_name='${region}', endpoint_url='${story.moto.endpoint}', aws_access_key_id='wire-test', aws_secret_access_key='wire-test', config=Config(user_agent_extra='wire-readback'))`,
    "print(kms.describe_key(KeyId='alias/aws/rds')['KeyMetadata']['Arn'])",
  ].join('\n');
  const r = spawnSync(process.env.MOTO_PYTHON ?? 'python3', ['-c', py], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

beforeAll(async () => {
  await story.aws.rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: DB,
      Engine: 'postgres',
      EngineVersion: '15',
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: 20,
      MasterUsername: 'dbadmin',
      MasterUserPassword: 'wire-password-1',
      StorageEncrypted: true,
      BackupRetentionPeriod: 7,
      PreferredBackupWindow: '03:00-04:00',
      PreferredMaintenanceWindow: 'sun:04:00-sun:05:00',
      CopyTagsToSnapshot: true,
      Tags: tags({ 'dbops:managed': 'true', 'dbops:purpose': 'primary' }),
    }),
  );
  writeFileSync(join(story.dir, 'dbops.config.yaml'), `provider: aws\nregion: us-east-2\ndatabase:\n  identifier: ${DB}\n`);
}, 60_000);

describe('story 3: snapshots, copies, retention, policy, gc', () => {
  let manual = '';

  it('snapshot create --wait takes a tagged manual snapshot; latest shows its source', async () => {
    const r = await story.dbops('snapshot create --wait --json');
    expect(r.exitCode, r.stderr).toBe(0);
    manual = (JSON.parse(r.stdout) as { snapshot: { id: string } }).snapshot?.id ?? (JSON.parse(r.stdout) as { id: string }).id;
    expect(manual).toMatch(new RegExp(`^${DB}-manual-\\d{8}-\\d{6}$`));
    const snap = (await snapshots()).find((s) => s.DBSnapshotIdentifier === manual)!;
    expect(snap).toMatchObject({ Status: 'available', DBInstanceIdentifier: DB, Encrypted: true });
    expect(tagsOf(snap.TagList)).toMatchObject({ 'dbops:managed': 'true', 'dbops:purpose': 'manual' });

    const latest = await story.dbops('snapshot latest');
    expect(latest.stdout).toMatch(new RegExp(`Snapshot +${manual}`));
    expect(latest.stdout).toMatch(new RegExp(`Source +${DB}\\n`));
  });

  it("snapshot copy of an encrypted snapshot uses us-west-2's alias/aws/rds when no key is configured, and says so", async () => {
    const r = await story.dbops(['snapshot', 'copy', manual]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      "encrypted with us-west-2's AWS-managed key alias/aws/rds (the default; --kms-key or snapshots.crossRegion.kmsKeyId picks another)",
    );
    const copy = (await snapshots('us-west-2')).find((s) => s.DBSnapshotIdentifier === manual)!;
    expect(copy).toMatchObject({ Status: 'available', Encrypted: true, KmsKeyId: awsManagedRdsKey('us-west-2') });
    expect(tagsOf(copy.TagList)).toMatchObject({
      'dbops:managed': 'true',
      'dbops:purpose': 'cross-region-copy',
      'dbops:source-snapshot': manual,
    });
  });

  it('prune deletes only dbops snapshots past retention: foreign and young ones stay', async () => {
    await seedSnapshot('wire-db-manual-old', 40, managed('manual'));
    await seedSnapshot('wire-db-handmade-old', 60, tags({ owner: 'dba' }));
    await seedSnapshot('wire-db-manual-young', 3, managed('manual'));
    // A copy dbops made three weeks ago (the DR region keeps two): copied with the SDK, then aged.
    await seedSnapshot('wire-db-handmade-src', 21, tags({ owner: 'dba' }));
    await dr().rds.send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: `arn:aws:rds:us-east-2:123456789012:snapshot:wire-db-handmade-src`,
        TargetDBSnapshotIdentifier: 'wire-db-copy-old',
        KmsKeyId: 'alias/aws/rds',
        Tags: managed('cross-region-copy', { 'dbops:source-instance': DB, 'dbops:source-snapshot': 'wire-db-handmade-src' }),
      }),
    );
    await story.moto.backdateSnapshot('us-west-2', 'wire-db-copy-old', new Date(Date.now() - 21 * DAY));

    const dry = await story.dbops('snapshot prune --dry-run');
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect((await snapshots()).map((s) => s.DBSnapshotIdentifier)).toContain('wire-db-manual-old');

    const r = await story.dbops('snapshot prune --yes');
    expect(r.exitCode, r.stderr).toBe(0);
    const left = (await snapshots()).map((s) => s.DBSnapshotIdentifier);
    expect(left).not.toContain('wire-db-manual-old');
    expect(left).toEqual(expect.arrayContaining(['wire-db-handmade-old', 'wire-db-manual-young', manual]));
    expect((await snapshots('us-west-2')).map((s) => s.DBSnapshotIdentifier)).not.toContain('wire-db-copy-old');
  });

  it("run-policy resumes this week's snapshot, reuses its copy, and leaves both regions within policy", async () => {
    const r = await story.dbops('snapshot run-policy --yes');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr, r.stderr).toMatch(/SN-2\].*skipped \(reusing/);
    const east = await snapshots();
    const west = await snapshots('us-west-2');
    expect(
      east
        .filter((s) => tagsOf(s.TagList)['dbops:purpose'] === 'manual')
        .map((s) => s.DBSnapshotIdentifier)
        .sort(),
    ).toEqual([manual, 'wire-db-manual-young'].sort());
    expect(west.filter((s) => tagsOf(s.TagList)['dbops:managed'] === 'true').map((s) => s.DBSnapshotIdentifier)).toEqual([manual]);
  });

  it('backup status: the policy holds (0), then is violated behind its back (1)', async () => {
    const met = await story.dbops('backup status');
    expect(met.exitCode, met.stdout + met.stderr).toBe(0);
    expect(met.stdout).toContain('The backup policy holds.');

    await story.aws.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: DB, BackupRetentionPeriod: 1, ApplyImmediately: true }));
    const broken = await story.dbops('backup status');
    expect(broken.exitCode).toBe(1);
    expect(broken.stdout).toContain('Automated backups  1 day (policy 7)');
    expect(broken.stdout).not.toMatch(/\b1 days\b/);
  });

  it('gc deletes only expired resources tagged dbops:managed', async () => {
    const past = new Date(Date.now() - DAY).toISOString();
    const future = new Date(Date.now() + DAY).toISOString();
    const instance = (id: string, t: Record<string, string>) =>
      story.aws.rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: id,
          Engine: 'postgres',
          DBInstanceClass: 'db.t3.micro',
          AllocatedStorage: 20,
          MasterUsername: 'u',
          MasterUserPassword: 'wire-password-1',
          Tags: tags(t),
        }),
      );
    await instance('wire-db-rt-expired', { 'dbops:managed': 'true', 'dbops:purpose': 'restore-test', 'dbops:expires-at': past });
    await instance('wire-db-rt-fresh', { 'dbops:managed': 'true', 'dbops:purpose': 'restore-test', 'dbops:expires-at': future });
    await instance('someone-elses', { 'dbops:expires-at': past });
    await seedSnapshot('wire-db-drill-expired', 2, managed('dr-drill', { 'dbops:expires-at': past }));
    await seedSnapshot('wire-db-drill-foreign', 2, tags({ 'dbops:expires-at': past }));

    const r = await story.dbops('gc --yes');
    expect(r.exitCode, r.stderr).toBe(0);
    const ids = (await story.aws.rds.send(new DescribeDBInstancesCommand({}))).DBInstances!.map((d) => d.DBInstanceIdentifier);
    expect(ids).not.toContain('wire-db-rt-expired');
    expect(ids).toEqual(expect.arrayContaining([DB, 'wire-db-rt-fresh', 'someone-elses']));
    const snaps = (await snapshots()).map((s) => s.DBSnapshotIdentifier);
    expect(snaps).not.toContain('wire-db-drill-expired');
    expect(snaps).toContain('wire-db-drill-foreign');
  });
});
