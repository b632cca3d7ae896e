/**
 * The snapshot commands' lib functions on the aws adapter, against FakeRds (a stateful RDS
 * on aws-sdk-client-mock): the exact SDK calls and inputs of create, list, latest, copy,
 * delete, prune, backup status and gc, the region of the client each call went to, the
 * waiters, pagination, and the bad input of issue 5.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeDBSnapshotsCommand,
  KMSKeyNotAccessibleFault,
  SnapshotQuotaExceededFault,
  type DBSnapshot,
} from '@aws-sdk/client-rds';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, type DbopsError, EnvironmentError, NotFoundError, UsageError } from '../../../../src/lib/errors.js';
import { appendRestoreTest } from '../../../../src/lib/history/restore-tests.js';
import { createAwsProvider } from '../../../../src/lib/providers/aws/provider.js';
import type { Provider } from '../../../../src/lib/providers/types.js';
import { copySnapshotToRegion } from '../../../../src/lib/snapshots/copy.js';
import { renderCopy } from '../../../../src/lib/snapshots/render.js';
import { deleteSnapshotById } from '../../../../src/lib/snapshots/delete.js';
import { gc } from '../../../../src/lib/snapshots/gc.js';
import { pruneSnapshots } from '../../../../src/lib/snapshots/prune.js';
import { createManualSnapshot, latestSnapshot, listSnapshots } from '../../../../src/lib/snapshots/snapshots.js';
import { backupStatus } from '../../../../src/lib/snapshots/status.js';
import { FakeRds } from '../../../_helpers/fake-rds.js';
import { failNext, throttling } from '../../snapshots/_faults.js';
import { snapshotContext, type ContextOptions } from '../../snapshots/_context.js';
import { ACCOUNT, DR_REGION, FAST, REGION, awsOptions, inputsOf, regionOfCall, rejectionOf } from './helpers.js';

const NOW = new Date('2026-11-22T05:00:00Z');
const DAY = 24 * 60 * 60 * 1000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
const arn = (region: string, id: string) => `arn:aws:rds:${region}:${ACCOUNT}:snapshot:${id}`;
const MANAGED = [
  { Key: 'dbops:managed', Value: 'true' },
  { Key: 'dbops:purpose', Value: 'manual' },
];
const COPY_TAGS = [
  { Key: 'dbops:managed', Value: 'true' },
  { Key: 'dbops:purpose', Value: 'cross-region-copy' },
];

let rds: FakeRds;
let provider: Provider;

beforeEach(() => {
  rds = new FakeRds({ describesToSettle: 3 });
  rds.addInstance(REGION, 'prod-db');
  provider = createAwsProvider(awsOptions(), FAST);
});

afterEach(async () => {
  await provider.close();
  rds.restore();
});

function context(o: Partial<ContextOptions> = {}) {
  return snapshotContext({ provider, now: NOW, config: { database: { identifier: 'prod-db' } }, ...o });
}

/** A manual snapshot dbops made, `days` old. */
function managed(region: string, id: string, days: number, o: Partial<DBSnapshot> = {}): void {
  rds.addSnapshot(region, id, { SnapshotCreateTime: ago(days), TagList: MANAGED, ...o });
}

/** A copy dbops made in the DR region, `days` old. */
function drCopy(id: string, days: number, o: Partial<DBSnapshot> = {}): void {
  rds.addSnapshot(DR_REGION, id, {
    SnapshotCreateTime: ago(days),
    SourceRegion: REGION,
    SourceDBSnapshotIdentifier: arn(REGION, id),
    TagList: [...COPY_TAGS, { Key: 'dbops:source-snapshot', Value: id }],
    ...o,
  });
}

async function regionsOf(command: new (input: never) => unknown): Promise<string[]> {
  const n = rds.mock.commandCalls(command as never).length;
  return Promise.all(Array.from({ length: n }, (_, i) => regionOfCall(rds.mock, command, i)));
}

describe('snapshot create', () => {
  it('sends CreateDBSnapshot named <db>-manual-<UTC timestamp>, tagged, and waits with progress until available', async () => {
    // GIVEN the available prod-db and a fixed clock
    const { ctx, io } = await context();
    // WHEN dbops snapshots it with --wait
    const r = await createManualSnapshot(ctx, { instanceId: 'prod-db', wait: true });
    // THEN exactly this request went to us-east-2
    const [input] = inputsOf(rds.mock, CreateDBSnapshotCommand);
    expect(input).toEqual({
      DBSnapshotIdentifier: 'prod-db-manual-20261122-050000',
      DBInstanceIdentifier: 'prod-db',
      Tags: [
        { Key: 'dbops:managed', Value: 'true' },
        { Key: 'dbops:run-id', Value: expect.any(String) },
        { Key: 'dbops:purpose', Value: 'manual' },
        { Key: 'dbops:source-instance', Value: 'prod-db' },
      ],
    });
    expect(await regionOfCall(rds.mock, CreateDBSnapshotCommand)).toBe(REGION);
    // AND it was polled by id until available (creating, creating, available)
    expect(inputsOf(rds.mock, DescribeDBSnapshotsCommand)).toEqual(
      Array(3).fill({ DBSnapshotIdentifier: 'prod-db-manual-20261122-050000' }),
    );
    expect(r.snapshot).toMatchObject({ id: 'prod-db-manual-20261122-050000', status: 'available', region: REGION });
    expect(io.stderr()).toMatch(/^✔ \[SN-9\] Wait for the manual snapshot: Snapshot prod-db-manual-20261122-050000: available/m);
  });

  it('says the quota is reached (exit 3) when RDS answers SnapshotQuotaExceeded', async () => {
    const fault = failNext(
      CreateDBSnapshotCommand,
      () => new SnapshotQuotaExceededFault({ message: 'Cannot create more than 100 manual snapshots', $metadata: {} }),
    );
    try {
      const { ctx } = await context();
      const e = (await rejectionOf(createManualSnapshot(ctx, { instanceId: 'prod-db', wait: false }))) as DbopsError;
      expect(e).toBeInstanceOf(EnvironmentError);
      expect(e.exitCode).toBe(3);
      expect(e.message).toBe(`The account has reached its manual DB snapshot quota in ${REGION}.`);
      expect(e.hint).toContain('Delete old manual snapshots');
      expect(fault.hits).toBe(1);
    } finally {
      fault.restore();
    }
  });

  it('names an unknown instance (exit 2) and creates nothing', async () => {
    const { ctx } = await context();
    const e = (await rejectionOf(createManualSnapshot(ctx, { instanceId: 'ghost-db', wait: false }))) as DbopsError;
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e.message).toBe(`DB instance ghost-db not found in ${REGION}.`);
    expect(rds.mock.commandCalls(CreateDBSnapshotCommand)).toHaveLength(0);
  });

  it('sends nothing with --dry-run', async () => {
    const { ctx } = await context({ dryRun: true });
    const r = await createManualSnapshot(ctx, { instanceId: 'prod-db', wait: true });
    expect(r).toEqual({ dryRun: true, snapshotId: 'prod-db-manual-20261122-050000', instanceId: 'prod-db', region: REGION });
    expect(rds.mock.commandCalls(CreateDBSnapshotCommand)).toHaveLength(0);
  });
});

describe('snapshot list and latest', () => {
  it('follows DescribeDBSnapshots over several pages and sorts newest first', async () => {
    // GIVEN 230 snapshots: three pages of 100
    for (let i = 0; i < 230; i++) managed(REGION, `s-${String(i).padStart(3, '0')}`, i / 10);
    const { ctx } = await context();
    // WHEN listed
    const snaps = await listSnapshots(ctx, { type: 'manual' });
    // THEN every page was asked for, in order, and the result is newest first
    expect(inputsOf(rds.mock, DescribeDBSnapshotsCommand)).toEqual([
      { SnapshotType: 'manual', MaxRecords: 100 },
      { SnapshotType: 'manual', MaxRecords: 100, Marker: '100' },
      { SnapshotType: 'manual', MaxRecords: 100, Marker: '200' },
    ]);
    expect(snaps).toHaveLength(230);
    expect(snaps.slice(0, 2).map((s) => s.id)).toEqual(['s-000', 's-001']);
    expect(snaps.at(-1)?.id).toBe('s-229');
  });

  it('lists the region --region names (the DR region)', async () => {
    drCopy('prod-db-manual-1', 1);
    const west = createAwsProvider(awsOptions({ region: DR_REGION }), FAST);
    try {
      const { ctx } = await snapshotContext({ provider: west, now: NOW });
      const snaps = await listSnapshots(ctx, { type: 'all' });
      expect(snaps.map((s) => [s.id, s.region, s.sourceRegion])).toEqual([['prod-db-manual-1', DR_REGION, REGION]]);
      expect(await regionsOf(DescribeDBSnapshotsCommand)).toEqual([DR_REGION]);
    } finally {
      await west.close();
    }
  });

  it('refuses an unknown region (exit 2) before calling AWS', async () => {
    const { ctx } = await context({ config: { region: 'us-west-9' } });
    const e = (await rejectionOf(listSnapshots(ctx, { type: 'all' }))) as DbopsError;
    expect([e.exitCode, e.message]).toEqual([2, 'Region "us-west-9" is not an AWS region.']);
    expect(rds.mock.calls()).toHaveLength(0);
  });

  it('reports throttling that outlasted the SDK retries as one sentence (exit 3)', async () => {
    const fault = failNext(DescribeDBSnapshotsCommand, throttling);
    try {
      const { ctx } = await context();
      const e = (await rejectionOf(listSnapshots(ctx, { type: 'all' }))) as DbopsError;
      expect(e.exitCode).toBe(3);
      expect(e.message).toBe(`AWS kept throttling DescribeDBSnapshots in ${REGION}, even after 3 attempts.`);
      expect(e.hint).toBe('Wait a minute and retry, or raise aws.maxAttempts in the config.');
    } finally {
      fault.restore();
    }
  });

  it('latest: the newest available snapshot of the instance, of the type asked', async () => {
    managed(REGION, 'old', 9);
    managed(REGION, 'new', 2);
    managed(REGION, 'creating', 0, { Status: 'creating' });
    managed(REGION, 'other-instance', 1, { DBInstanceIdentifier: 'other-db' });
    rds.addSnapshot(REGION, 'rds:prod-db-2026-11-22-03-10', { SnapshotType: 'automated', SnapshotCreateTime: ago(0.08) });
    const { ctx } = await context();
    expect((await latestSnapshot(ctx, { instanceId: 'prod-db', type: 'manual' })).id).toBe('new');
    expect((await latestSnapshot(ctx, { instanceId: 'prod-db', type: 'all' })).id).toBe('rds:prod-db-2026-11-22-03-10');
    expect(inputsOf(rds.mock, DescribeDBSnapshotsCommand)[0]).toEqual({
      DBInstanceIdentifier: 'prod-db',
      SnapshotType: 'manual',
      MaxRecords: 100,
    });
  });

  it('latest: none available is "not found" (exit 2) and says how many are not ready', async () => {
    managed(REGION, 'creating', 0, { Status: 'creating' });
    const { ctx } = await context();
    const e = (await rejectionOf(latestSnapshot(ctx, { instanceId: 'prod-db', type: 'manual' }))) as DbopsError;
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e.message).toBe(`No available manual snapshot of prod-db in ${REGION} (1 not available yet).`);
  });
});

describe('snapshot copy', () => {
  const SNAP = 'prod-db-manual-20261115-050000';
  const KEY = `arn:aws:kms:${DR_REGION}:${ACCOUNT}:key/dr-key`;

  it('sends CopyDBSnapshot to the DR region with the source ARN, SourceRegion, KmsKeyId, CopyTags, and waits for the copy', async () => {
    // GIVEN an encrypted manual snapshot in us-east-2
    managed(REGION, SNAP, 7, { Encrypted: true, KmsKeyId: 'key-east' });
    const { ctx } = await context();
    const progress: string[] = [];
    // WHEN dbops copies it to us-west-2 with a key there
    const r = await copySnapshotToRegion(ctx, {
      snapshotId: SNAP,
      toRegion: DR_REGION,
      kmsKeyId: KEY,
      runId: 'run1',
      update: (t) => progress.push(t),
    });
    // THEN the copy request went to the us-west-2 client, naming the source by ARN and region
    expect(inputsOf(rds.mock, CopyDBSnapshotCommand)).toEqual([
      {
        SourceDBSnapshotIdentifier: arn(REGION, SNAP),
        TargetDBSnapshotIdentifier: SNAP,
        SourceRegion: REGION,
        KmsKeyId: KEY,
        CopyTags: true,
        Tags: [
          { Key: 'dbops:managed', Value: 'true' },
          { Key: 'dbops:run-id', Value: 'run1' },
          { Key: 'dbops:purpose', Value: 'cross-region-copy' },
          { Key: 'dbops:source-snapshot', Value: SNAP },
          { Key: 'dbops:source-instance', Value: 'prod-db' },
        ],
      },
    ]);
    expect(await regionsOf(CopyDBSnapshotCommand)).toEqual([DR_REGION]);
    // AND the source was described here, the destination looked at and then polled there
    expect(inputsOf(rds.mock, DescribeDBSnapshotsCommand)).toEqual([
      { DBSnapshotIdentifier: SNAP },
      { DBInstanceIdentifier: 'prod-db', SnapshotType: 'manual', MaxRecords: 100 },
      { DBSnapshotIdentifier: SNAP },
      { DBSnapshotIdentifier: SNAP },
      { DBSnapshotIdentifier: SNAP },
      { DBSnapshotIdentifier: SNAP },
    ]);
    expect(await regionsOf(DescribeDBSnapshotsCommand)).toEqual([REGION, DR_REGION, REGION, DR_REGION, DR_REGION, DR_REGION]);
    expect(progress).toEqual([
      'requesting the copy, encrypted with arn:aws:kms:us-west-2:123456789012:key/dr-key (--kms-key)',
      'creating 0%',
      'creating 0%',
      'available 100%',
    ]);
    // AND the copy carries the source's tags and ours, in us-west-2
    expect(r).toMatchObject({
      dryRun: false,
      alreadyExisted: false,
      sourceRegion: REGION,
      targetRegion: DR_REGION,
      targetSnapshotId: SNAP,
    });
    expect(r.copy).toMatchObject({
      id: SNAP,
      region: DR_REGION,
      status: 'available',
      sourceRegion: REGION,
      sourceSnapshotId: SNAP,
      encrypted: true,
    });
    expect(r.copy?.tags).toMatchObject({ 'dbops:managed': 'true', 'dbops:purpose': 'cross-region-copy', 'dbops:source-snapshot': SNAP });
  });

  it('takes the destination and KMS key from the config when not given', async () => {
    managed(REGION, SNAP, 7, { Encrypted: true });
    const { ctx } = await context({ config: { snapshots: { crossRegion: { region: DR_REGION, kmsKeyId: KEY } } } });
    await copySnapshotToRegion(ctx, { snapshotId: SNAP });
    expect(inputsOf(rds.mock, CopyDBSnapshotCommand)[0]).toMatchObject({ KmsKeyId: KEY, SourceRegion: REGION });
    expect(await regionsOf(CopyDBSnapshotCommand)).toEqual([DR_REGION]);
  });

  it('is a no-op that says so when the copy already exists there', async () => {
    managed(REGION, SNAP, 7);
    drCopy(SNAP, 7);
    const { ctx } = await context();
    const r = await copySnapshotToRegion(ctx, { snapshotId: SNAP, toRegion: DR_REGION });
    expect(r).toMatchObject({ alreadyExisted: true, targetSnapshotId: SNAP });
    expect(r.copy?.status).toBe('available');
    expect(rds.mock.commandCalls(CopyDBSnapshotCommand)).toHaveLength(0);
  });

  it('waits for a copy already under way instead of requesting another', async () => {
    managed(REGION, SNAP, 7);
    const { ctx } = await context();
    await copySnapshotToRegion(
      { ...ctx, config: { ...ctx.config, aws: { ...ctx.config.aws, maxWaitMinutes: 0.00001 } } },
      { snapshotId: SNAP, toRegion: DR_REGION },
    ).catch(() => undefined);
    expect(rds.mock.commandCalls(CopyDBSnapshotCommand)).toHaveLength(1);
    const r = await copySnapshotToRegion(ctx, { snapshotId: SNAP, toRegion: DR_REGION });
    expect(r.alreadyExisted).toBe(true);
    expect(r.copy?.status).toBe('available');
    expect(rds.mock.commandCalls(CopyDBSnapshotCommand)).toHaveLength(1);
  });

  it.each<[string, () => void, Partial<{ toRegion: string; kmsKeyId: string }>, number, string]>([
    ['an unknown snapshot', () => undefined, {}, 2, `DB snapshot ${SNAP} not found in ${REGION}.`],
    [
      'the source region as destination',
      () => managed(REGION, SNAP, 1),
      { toRegion: REGION },
      2,
      `The destination region ${REGION} is the source region: a cross-region copy must go to another region.`,
    ],
    [
      'an unknown destination',
      () => managed(REGION, SNAP, 1),
      { toRegion: 'us-west-9' },
      2,
      'Destination region "us-west-9" is not an AWS region.',
    ],
    [
      'an encrypted snapshot with a key of the source region',
      () => managed(REGION, SNAP, 1, { Encrypted: true }),
      { kmsKeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:key/east` },
      2,
      `The KMS key arn:aws:kms:${REGION}:${ACCOUNT}:key/east is in ${REGION}, but the copy goes to ${DR_REGION}: KMS keys do not cross regions.`,
    ],
    [
      'a snapshot still being created',
      () => managed(REGION, SNAP, 0, { Status: 'creating', PercentProgress: 40 }),
      {},
      3,
      `Snapshot ${SNAP} is still being created (status creating, 40%); it cannot be copied yet.`,
    ],
    [
      'a name taken in the destination by something else',
      () => {
        managed(REGION, SNAP, 1);
        rds.addSnapshot(DR_REGION, SNAP, { TagList: [] });
      },
      {},
      2,
      `A snapshot named ${SNAP} already exists in ${DR_REGION} and is not a copy of ${SNAP}.`,
    ],
  ])('refuses %s, and copies nothing', async (_what, seed, input, code, message) => {
    seed();
    const { ctx } = await context();
    const e = (await rejectionOf(copySnapshotToRegion(ctx, { snapshotId: SNAP, toRegion: DR_REGION, ...input }))) as DbopsError;
    expect([e.exitCode, e.message]).toEqual([code, message]);
    expect(e.hint).toBeTruthy();
    expect(rds.mock.commandCalls(CopyDBSnapshotCommand)).toHaveLength(0);
  });

  it("copies an encrypted snapshot with the destination region's alias/aws/rds when no key is configured, and says so", async () => {
    managed(REGION, SNAP, 1, { Encrypted: true });
    const { ctx } = await context();
    const r = await copySnapshotToRegion(ctx, { snapshotId: SNAP, toRegion: DR_REGION });
    expect(r.kmsKey).toEqual({ kmsKeyId: 'alias/aws/rds', source: 'default' });
    expect(rds.mock.commandCalls(CopyDBSnapshotCommand)[0]!.args[0].input.KmsKeyId).toBe('alias/aws/rds');
    expect(renderCopy(r)).toContain(
      `encrypted with ${DR_REGION}'s AWS-managed key alias/aws/rds (the default; --kms-key or snapshots.crossRegion.kmsKeyId picks another)`,
    );
  });

  it('reports a KMS key AWS cannot use in the destination (exit 3, the key exists but is not usable)', async () => {
    managed(REGION, SNAP, 1, { Encrypted: true });
    const fault = failNext(CopyDBSnapshotCommand, () => new KMSKeyNotAccessibleFault({ message: 'key disabled', $metadata: {} }));
    try {
      const { ctx } = await context();
      const e = (await rejectionOf(copySnapshotToRegion(ctx, { snapshotId: SNAP, toRegion: DR_REGION, kmsKeyId: KEY }))) as DbopsError;
      expect([e.exitCode, e.message]).toEqual([3, `The KMS key for CopyDBSnapshot is not accessible in ${DR_REGION}.`]);
      expect(e.hint).toContain(`exists in ${DR_REGION}`);
    } finally {
      fault.restore();
    }
  });

  it('with --dry-run says what it would do and copies nothing', async () => {
    managed(REGION, SNAP, 1);
    const { ctx } = await context({ dryRun: true });
    const r = await copySnapshotToRegion(ctx, { snapshotId: SNAP, toRegion: DR_REGION });
    expect(r).toEqual({
      dryRun: true,
      alreadyExisted: false,
      sourceRegion: REGION,
      targetRegion: DR_REGION,
      sourceSnapshotId: SNAP,
      targetSnapshotId: SNAP,
      copy: undefined,
    });
    expect(rds.mock.commandCalls(CopyDBSnapshotCommand)).toHaveLength(0);
  });
});

describe('snapshot delete', () => {
  it('deletes a snapshot dbops made, after confirmation', async () => {
    managed(REGION, 'mine', 3);
    const { ctx, asked } = await context({ answer: true });
    const r = await deleteSnapshotById(ctx, { id: 'mine' });
    expect(r).toMatchObject({ id: 'mine', region: REGION, dryRun: false, deleted: true });
    expect(asked).toEqual([`Delete snapshot mine (prod-db, 3d00h old, 20.0 GiB) in ${REGION}?`]);
    expect(inputsOf(rds.mock, DeleteDBSnapshotCommand)).toEqual([{ DBSnapshotIdentifier: 'mine' }]);
  });

  it('deletes nothing when not confirmed, or with --dry-run', async () => {
    managed(REGION, 'mine', 3);
    await deleteSnapshotById((await context({ answer: false })).ctx, { id: 'mine' });
    const dry = await context({ dryRun: true });
    expect(await deleteSnapshotById(dry.ctx, { id: 'mine' })).toMatchObject({ dryRun: true, deleted: false });
    expect(dry.asked).toEqual([]);
    expect(rds.mock.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
  });

  it('refuses without a TTY and without --yes (exit 2)', async () => {
    managed(REGION, 'mine', 3);
    const { ctx } = await context();
    const e = (await rejectionOf(deleteSnapshotById(ctx, { id: 'mine' }))) as DbopsError;
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toMatch(/^Refusing without confirmation: Delete snapshot mine/);
    expect(rds.mock.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
  });

  it.each([
    [
      'one made by hand',
      () => rds.addSnapshot(REGION, 'x', { TagList: [] }),
      'Snapshot x was not created by dbops (no dbops:managed=true tag); dbops will not delete it.',
    ],
    [
      'an automated backup',
      () => rds.addSnapshot(REGION, 'x', { SnapshotType: 'automated', TagList: MANAGED }),
      'Snapshot x is an automated backup; RDS deletes it when it falls out of the backup retention period.',
    ],
    ['an unknown one', () => undefined, `DB snapshot x not found in ${REGION}.`],
  ])('refuses %s (exit 2), even with --yes', async (_what, seed, message) => {
    seed();
    const { ctx } = await context({ yes: true });
    const e = (await rejectionOf(deleteSnapshotById(ctx, { id: 'x' }))) as DbopsError;
    expect([e.exitCode, e.message]).toEqual([2, message]);
    expect(rds.mock.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
  });
});

describe('snapshot prune', () => {
  beforeEach(() => {
    // Weekly manual snapshots for 6 weeks, weekly copies for 4, and what prune must never touch.
    for (const d of [1, 8, 15, 22, 29, 36]) managed(REGION, `m-${d}`, d);
    for (const d of [1, 8, 15, 22]) drCopy(`m-${d}`, d);
    rds.addSnapshot(REGION, 'rds:prod-db-old', { SnapshotType: 'automated', SnapshotCreateTime: ago(90) });
    rds.addSnapshot(REGION, 'by-hand', { SnapshotCreateTime: ago(90), TagList: [] });
    managed(REGION, 'prod-db-final-1', 90, {
      TagList: [
        { Key: 'dbops:managed', Value: 'true' },
        { Key: 'dbops:purpose', Value: 'primary' },
      ],
    });
  });

  it('with --dry-run lists every decision and deletes nothing', async () => {
    const { ctx, asked } = await context({ dryRun: true });
    const r = await pruneSnapshots(ctx, {});
    expect(r.plan.deletes.map((d) => `${d.region}/${d.id}`)).toEqual([
      `${REGION}/m-36`,
      `${REGION}/m-29`,
      `${DR_REGION}/m-22`,
      `${DR_REGION}/m-15`,
    ]);
    expect(r.plan.decisions).toHaveLength(13);
    expect(asked).toEqual([]);
    expect(rds.mock.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
    expect(await regionsOf(DescribeDBSnapshotsCommand)).toEqual([REGION, DR_REGION]);
  });

  it('deletes exactly what is past retention, each in its own region, after one confirmation', async () => {
    const { ctx, asked } = await context({ answer: true });
    const r = await pruneSnapshots(ctx, {});
    expect(asked).toEqual([`Delete 4 snapshots past retention in ${REGION} and ${DR_REGION}?`]);
    expect(inputsOf(rds.mock, DeleteDBSnapshotCommand)).toEqual(
      ['m-36', 'm-29', 'm-22', 'm-15'].map((id) => ({ DBSnapshotIdentifier: id })),
    );
    expect(await regionsOf(DeleteDBSnapshotCommand)).toEqual([REGION, REGION, DR_REGION, DR_REGION]);
    expect(r.deleted).toHaveLength(4);
    expect(r.failed).toEqual([]);
  });

  it('goes on past a failed delete and reports it', async () => {
    const fault = failNext(DeleteDBSnapshotCommand, throttling, { input: { DBSnapshotIdentifier: 'm-29' } });
    try {
      const { ctx } = await context({ yes: true });
      const r = await pruneSnapshots(ctx, {});
      expect(r.deleted.map((d) => d.id)).toEqual(['m-36', 'm-22', 'm-15']);
      expect(r.failed).toEqual([
        { id: 'm-29', region: REGION, error: `AWS kept throttling DeleteDBSnapshot in ${REGION}, even after 3 attempts.` },
      ]);
    } finally {
      fault.restore();
    }
  });

  it('only the DR region config decides where it looks: copies off means the config region only', async () => {
    const { ctx } = await context({ yes: true, config: { snapshots: { crossRegion: { enabled: false } } } });
    const r = await pruneSnapshots(ctx, {});
    expect(r.regions).toEqual([REGION]);
    expect(await regionsOf(DeleteDBSnapshotCommand)).toEqual([REGION, REGION]);
  });
});

describe('backup status (aws)', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'dbops-status-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('holds when the policy is kept, and shows the restore-test history', async () => {
    // GIVEN fresh backups everywhere and one passed restore test on record
    rds.addInstance(REGION, 'prod-db', {
      BackupRetentionPeriod: 7,
      PreferredBackupWindow: '03:00-04:00',
      LatestRestorableTime: new Date(NOW.getTime() - 300_000),
    });
    managed(REGION, 'm-1', 1);
    drCopy('m-1', 1);
    await appendRestoreTest(home, {
      runId: 'rt1',
      provider: 'aws',
      region: REGION,
      instanceId: 'prod-db',
      startedAt: '2026-11-01T06:00:00Z',
      finishedAt: '2026-11-01T06:20:00Z',
      verdict: 'passed',
      failedChecks: [],
    });
    const { ctx } = await context({ env: { DBOPS_HOME: home } });
    // WHEN
    const s = await backupStatus(ctx, { instanceId: 'prod-db' });
    // THEN
    expect(s.ok).toBe(true);
    expect(s.automated).toMatchObject({ available: true, retentionDays: 7, window: '03:00-04:00', restorableLagHours: 0.1 });
    expect(s.newestManualSnapshot?.id).toBe('m-1');
    expect(s.newestCrossRegionCopy).toMatchObject({ id: 'm-1', region: DR_REGION });
    expect(s.restoreTests.newest?.runId).toBe('rt1');
    expect(inputsOf(rds.mock, DescribeDBSnapshotsCommand)).toEqual([
      { DBInstanceIdentifier: 'prod-db', SnapshotType: 'manual', MaxRecords: 100 },
      { DBInstanceIdentifier: 'prod-db', SnapshotType: 'manual', MaxRecords: 100 },
    ]);
    expect(await regionsOf(DescribeDBSnapshotsCommand)).toEqual([REGION, DR_REGION]);
  });

  it('lists every violation', async () => {
    rds.addInstance(REGION, 'prod-db', { BackupRetentionPeriod: 1, LatestRestorableTime: ago(2) });
    managed(REGION, 'm-10', 10);
    const { ctx } = await context({ env: { DBOPS_HOME: home } });
    const s = await backupStatus(ctx, { instanceId: 'prod-db' });
    expect(s.violations.map((v) => v.code)).toEqual([
      'no-recent-manual-snapshot',
      'no-recent-cross-region-copy',
      'backup-retention-below-policy',
      'restorable-time-older-than-rpo',
    ]);
    expect(s.ok).toBe(false);
  });
});

describe('gc (aws)', () => {
  const expired = (region: string) => [
    { Key: 'dbops:managed', Value: 'true' },
    { Key: 'dbops:purpose', Value: 'restore-test' },
    { Key: 'dbops:expires-at', Value: new Date(NOW.getTime() - 3_600_000).toISOString() },
    { Key: 'dbops:region', Value: region },
  ];

  beforeEach(() => {
    rds.addInstance(REGION, 'rt-crashed', { TagList: expired(REGION) });
    rds.addInstance(REGION, 'not-ours', { TagList: [{ Key: 'dbops:expires-at', Value: '2020-01-01T00:00:00Z' }] });
    rds.addSnapshot(DR_REGION, 'drill-snap', { TagList: expired(DR_REGION) });
    rds.addSnapshot(REGION, 'fresh', {
      TagList: [
        { Key: 'dbops:managed', Value: 'true' },
        { Key: 'dbops:expires-at', Value: '2026-11-23T00:00:00Z' },
      ],
    });
  });

  it('deletes expired dbops resources in both regions (instances without a final snapshot) after confirmation', async () => {
    const { ctx, asked } = await context({ answer: true });
    const r = await gc(ctx);
    expect(asked).toEqual([`Delete 1 expired instance and 1 expired snapshot in ${REGION} and ${DR_REGION} (no final snapshot)?`]);
    expect(inputsOf(rds.mock, DeleteDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: 'rt-crashed', SkipFinalSnapshot: true }]);
    expect(inputsOf(rds.mock, DeleteDBSnapshotCommand)).toEqual([{ DBSnapshotIdentifier: 'drill-snap' }]);
    expect(await regionsOf(DeleteDBSnapshotCommand)).toEqual([DR_REGION]);
    expect(r.deleted.map((i) => i.id)).toEqual(['rt-crashed', 'drill-snap']);
    expect(r.items.filter((i) => i.action === 'keep').map((i) => i.id)).toEqual(['not-ours', 'fresh']);
  });

  it('with --dry-run deletes nothing', async () => {
    const { ctx } = await context({ dryRun: true });
    const r = await gc(ctx);
    expect(r.items.filter((i) => i.action === 'delete').map((i) => i.id)).toEqual(['rt-crashed', 'drill-snap']);
    expect(rds.mock.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
    expect(rds.mock.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
  });
});

describe('error classes are the ones the exit codes promise', () => {
  it('a name clash is a ConflictError', async () => {
    managed(REGION, 'x', 1);
    rds.addSnapshot(DR_REGION, 'x', { TagList: [] });
    const { ctx } = await context();
    expect(await rejectionOf(copySnapshotToRegion(ctx, { snapshotId: 'x', toRegion: DR_REGION }))).toBeInstanceOf(ConflictError);
  });
});
