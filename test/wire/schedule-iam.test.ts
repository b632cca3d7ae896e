/**
 * The least-privilege proof of `dbops schedule` (issue 20): each command the schedule runs
 * is run here against moto, in the situations that make it send what it can (a snapshot due,
 * one past retention, a copy to make, expired temporary resources), and the operations each
 * run sent are held against its row of src/lib/providers/aws/operations.ts, both ways: an
 * operation sent that the policy does not allow fails, and so does an allowed one no run
 * sent, unless WIRE_UNSEEN there says why no wire story can send it.
 *
 * The data plane is out of reach here (moto's endpoints answer nobody): the commands that
 * connect are pointed at a closed port and fail after their AWS calls, which is all this
 * story needs; test/wire/restore-test.test.ts runs them through, and every wire story's
 * afterAll (wire.ts) checks its scheduled runs against the same table.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateDBInstanceCommand, CreateDBSnapshotCommand, type Tag } from '@aws-sdk/client-rds';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_OPERATIONS } from '../../src/lib/providers/aws/operations.js';
import { unproven, violations } from './_moto/least-privilege.js';
import { wireStory } from './_moto/wire.js';

const DB = 'wire-db';
const DAY = 86_400_000;
const story = wireStory();
const CLOSED = '127.0.0.1:1';
const env = { DBOPS_DB_PASSWORD: 'wire-password-1' };

const tags = (t: Record<string, string>): Tag[] => Object.entries(t).map(([Key, Value]) => ({ Key, Value }));

async function instance(id: string, t: Record<string, string>): Promise<void> {
  await story.aws.rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      Engine: 'postgres',
      EngineVersion: '15',
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: 20,
      MasterUsername: 'dbadmin',
      MasterUserPassword: 'wire-password-1',
      StorageEncrypted: true,
      BackupRetentionPeriod: 7,
      CopyTagsToSnapshot: true,
      Tags: tags(t),
    }),
  );
}

async function snapshot(id: string, ageDays: number, t: Record<string, string>): Promise<void> {
  await story.aws.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: DB, DBSnapshotIdentifier: id, Tags: tags(t) }));
  await story.moto.backdateSnapshot('us-east-2', id, new Date(Date.now() - ageDays * DAY));
}

beforeAll(async () => {
  await instance(DB, { 'dbops:managed': 'true', 'dbops:purpose': 'primary' });
  const past = new Date(Date.now() - DAY).toISOString();
  await instance('wire-db-rt-expired', { 'dbops:managed': 'true', 'dbops:purpose': 'restore-test', 'dbops:expires-at': past });
  // A weekly snapshot past the retention (4 weeks), and an expired drill snapshot for gc.
  await snapshot('wire-db-manual-old', 60, { 'dbops:managed': 'true', 'dbops:purpose': 'weekly' });
  await snapshot('wire-db-drill-expired', 2, { 'dbops:managed': 'true', 'dbops:purpose': 'dr-drill', 'dbops:expires-at': past });
  writeFileSync(
    join(story.dir, 'dbops.config.yaml'),
    `provider: aws\nregion: us-east-2\ndatabase:\n  identifier: ${DB}\ncache:\n  enabled: false\n`,
  );
}, 60_000);

describe('least privilege of the scheduled commands, proven on the wire', () => {
  it('runs each scheduled command the way the schedule does', async () => {
    // Exit codes vary (a closed port, a policy violated); what is checked is what each run sent.
    await story.dbops(['heartbeat', '--json', '--instance', DB, '--connect-host', CLOSED], env);
    await story.dbops(['backup', 'status', '--json', '--instance', DB], env);
    await story.dbops(['snapshot', 'run-policy', '--json', '--yes', '--instance', DB], env);
    await story.dbops(
      ['restore-test', '--json', '--yes', '--instance', DB, '--connect-host', CLOSED, '--source-connect-host', CLOSED],
      env,
    );
    await story.dbops(['free-tier-report', '--json'], env);
    await story.dbops(['gc', '--json', '--yes'], env);
    await story.dbops(['audit', '--json', '--instance', DB, '--connect-host', CLOSED], env);
    expect(story.runs.map((r) => r.words.join(' '))).toEqual([
      'heartbeat',
      'backup status',
      'snapshot run-policy',
      'restore-test',
      'free-tier-report',
      'gc',
      'audit',
    ]);
  }, 240_000);

  it('no command sends an operation its policy does not allow', () => {
    expect(violations(story.runs)).toEqual([]);
  });

  it('every operation a policy allows was sent by a run of its command, or is excused with the reason', () => {
    expect(unproven(story.runs, Object.keys(COMMAND_OPERATIONS))).toEqual([]);
  });

  it('the proof can fail: a run sending an operation outside its row is caught', () => {
    expect(violations([{ words: ['backup', 'status'], operations: ['rds:DeleteDBInstance'] }])).toEqual([
      'backup status sent rds:DeleteDBInstance, which its policy does not allow',
    ]);
    expect(unproven([], ['heartbeat'])).toEqual(['heartbeat: the policy allows rds:DescribeDBInstances, which no wire story of it sent']);
  });
});
