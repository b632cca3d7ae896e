import {
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  DBSnapshotNotFoundFault,
  DeleteDBSnapshotCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError, UsageError } from '../../../../src/lib/errors.js';
import { createAwsProvider } from '../../../../src/lib/providers/aws/provider.js';
import type { Provider } from '../../../../src/lib/providers/types.js';
import { ACCOUNT, DR_REGION, FAST, REGION, awsOptions, dbSnapshot, inputsOf, regionOfCall, rejectionOf } from './helpers.js';

const rds = mockClient(RDSClient);
let provider: Provider;

const SOURCE_ARN = `arn:aws:rds:${REGION}:${ACCOUNT}:snapshot:weekly-2025-01-05`;

beforeEach(() => {
  rds.reset();
  provider = createAwsProvider(awsOptions(), FAST);
});

afterEach(async () => {
  await provider.close();
});

describe('createSnapshot', () => {
  it('sends CreateDBSnapshot with the given tags plus dbops:managed=true', async () => {
    // GIVEN RDS starts the snapshot
    rds.on(CreateDBSnapshotCommand).resolves({ DBSnapshot: dbSnapshot({ Status: 'creating', PercentProgress: 0 }) });

    // WHEN dbops takes it
    const snapshot = await provider.createSnapshot({
      instanceId: 'prod-db',
      snapshotId: 'weekly-2025-01-05',
      tags: { 'dbops:purpose': 'weekly' },
    });

    // THEN
    expect(inputsOf(rds, CreateDBSnapshotCommand)).toEqual([
      {
        DBSnapshotIdentifier: 'weekly-2025-01-05',
        DBInstanceIdentifier: 'prod-db',
        Tags: [
          { Key: 'dbops:purpose', Value: 'weekly' },
          { Key: 'dbops:managed', Value: 'true' },
        ],
      },
    ]);
    expect(snapshot.status).toBe('creating');
  });
});

describe('describeSnapshot', () => {
  it('converts the RDS shape, sizes in bytes and the source of a copy', async () => {
    // GIVEN a copy that came from us-east-2
    rds.on(DescribeDBSnapshotsCommand).resolves({
      DBSnapshots: [
        dbSnapshot({
          DBSnapshotIdentifier: 'dr-weekly',
          DBSnapshotArn: `arn:aws:rds:${DR_REGION}:${ACCOUNT}:snapshot:dr-weekly`,
          SnapshotCreateTime: new Date('2025-01-05T03:10:00Z'),
          Encrypted: true,
          KmsKeyId: 'arn:aws:kms:us-west-2:123456789012:key/dr',
          SourceRegion: REGION,
          SourceDBSnapshotIdentifier: SOURCE_ARN,
          PercentProgress: 100,
          TagList: [{ Key: 'dbops:managed', Value: 'true' }],
        }),
      ],
    });

    // WHEN it is described in the DR region
    const snapshot = await provider.forRegion(DR_REGION).describeSnapshot('dr-weekly');

    // THEN
    expect(snapshot).toEqual({
      id: 'dr-weekly',
      arn: `arn:aws:rds:${DR_REGION}:${ACCOUNT}:snapshot:dr-weekly`,
      instanceId: 'prod-db',
      type: 'manual',
      status: 'available',
      createdAt: new Date('2025-01-05T03:10:00Z'),
      sizeBytes: 20 * 1024 ** 3,
      encrypted: true,
      kmsKeyId: 'arn:aws:kms:us-west-2:123456789012:key/dr',
      engine: 'postgres',
      engineVersion: '15.8',
      region: DR_REGION,
      sourceRegion: REGION,
      sourceSnapshotId: 'weekly-2025-01-05',
      progressPercent: 100,
      tags: { 'dbops:managed': 'true' },
    });
    expect(inputsOf(rds, DescribeDBSnapshotsCommand)).toEqual([{ DBSnapshotIdentifier: 'dr-weekly' }]);
    expect(await regionOfCall(rds, DescribeDBSnapshotsCommand)).toBe(DR_REGION);
  });

  it('throws NotFoundError naming the id and region, with a hint to list snapshots', async () => {
    // GIVEN RDS does not know the snapshot
    rds.on(DescribeDBSnapshotsCommand).rejects(new DBSnapshotNotFoundFault({ message: 'DBSnapshot ghost not found.', $metadata: {} }));

    // WHEN
    const error = await rejectionOf(provider.describeSnapshot('ghost'));

    // THEN
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe(`DB snapshot ghost not found in ${REGION}.`);
    expect(error.hint).toContain('dbops snapshot list');
    await expect(provider.findSnapshot('ghost')).resolves.toBeUndefined();
  });
});

describe('listSnapshots', () => {
  it('follows Marker over every page with the instance and type filters', async () => {
    // GIVEN three pages of manual snapshots
    rds
      .on(DescribeDBSnapshotsCommand)
      .resolvesOnce({ DBSnapshots: [dbSnapshot({ DBSnapshotIdentifier: 's1' }), dbSnapshot({ DBSnapshotIdentifier: 's2' })], Marker: 'p2' })
      .resolvesOnce({ DBSnapshots: [dbSnapshot({ DBSnapshotIdentifier: 's3' })], Marker: 'p3' })
      .resolvesOnce({ DBSnapshots: [dbSnapshot({ DBSnapshotIdentifier: 's4' })] });

    // WHEN dbops lists the manual snapshots of prod-db
    const snapshots = await provider.listSnapshots({ instanceId: 'prod-db', type: 'manual' });

    // THEN every page was fetched in order and all snapshots returned, in this region
    expect(inputsOf(rds, DescribeDBSnapshotsCommand)).toEqual([
      { DBInstanceIdentifier: 'prod-db', SnapshotType: 'manual', MaxRecords: 100 },
      { DBInstanceIdentifier: 'prod-db', SnapshotType: 'manual', MaxRecords: 100, Marker: 'p2' },
      { DBInstanceIdentifier: 'prod-db', SnapshotType: 'manual', MaxRecords: 100, Marker: 'p3' },
    ]);
    expect(snapshots.map((s) => s.id)).toEqual(['s1', 's2', 's3', 's4']);
    expect(new Set(snapshots.map((s) => s.region))).toEqual(new Set([REGION]));
  });

  it("asks for every type when type is 'all' or absent, and maps automated snapshots", async () => {
    // GIVEN one automated snapshot
    rds.on(DescribeDBSnapshotsCommand).resolves({
      DBSnapshots: [dbSnapshot({ DBSnapshotIdentifier: 'rds:prod-db-2025-01-05-03-00', SnapshotType: 'automated' })],
    });

    // WHEN
    const all = await provider.listSnapshots({ type: 'all' });
    await provider.listSnapshots();

    // THEN no SnapshotType filter was sent
    expect(inputsOf(rds, DescribeDBSnapshotsCommand)).toEqual([{ MaxRecords: 100 }, { MaxRecords: 100 }]);
    expect(all.map((s) => [s.id, s.type])).toEqual([['rds:prod-db-2025-01-05-03-00', 'automated']]);
  });

  it('lists in the region of the provider forRegion returns', async () => {
    // GIVEN
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [dbSnapshot({ DBSnapshotIdentifier: 'dr-1' })] });

    // WHEN
    const snapshots = await provider.forRegion(DR_REGION).listSnapshots({ type: 'manual' });

    // THEN the call went to a us-west-2 client and the snapshots say so
    expect(await regionOfCall(rds, DescribeDBSnapshotsCommand)).toBe(DR_REGION);
    expect(snapshots.map((s) => s.region)).toEqual([DR_REGION]);
  });
});

describe('deleteSnapshot / tagSnapshot', () => {
  it('sends DeleteDBSnapshot with the id', async () => {
    // GIVEN
    rds.on(DeleteDBSnapshotCommand).resolves({ DBSnapshot: dbSnapshot({ Status: 'deleting' }) });

    // WHEN
    await provider.deleteSnapshot('weekly-2024-12-01');

    // THEN
    expect(inputsOf(rds, DeleteDBSnapshotCommand)).toEqual([{ DBSnapshotIdentifier: 'weekly-2024-12-01' }]);
  });
});

describe('copySnapshot', () => {
  it('sends CopyDBSnapshot to a client in the target region, naming the source by ARN and region', async () => {
    // GIVEN an encrypted source in us-east-2 and a copy RDS accepts in us-west-2
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [dbSnapshot({ Encrypted: true, KmsKeyId: 'key-east' })] });
    rds.on(CopyDBSnapshotCommand).resolves({
      DBSnapshot: dbSnapshot({
        DBSnapshotIdentifier: 'dr-weekly-2025-01-05',
        DBSnapshotArn: `arn:aws:rds:${DR_REGION}:${ACCOUNT}:snapshot:dr-weekly-2025-01-05`,
        Status: 'pending',
        SourceRegion: REGION,
        SourceDBSnapshotIdentifier: SOURCE_ARN,
      }),
    });

    // WHEN dbops copies it with a key of the target region
    const copy = await provider.copySnapshot({
      snapshotId: 'weekly-2025-01-05',
      targetRegion: DR_REGION,
      targetSnapshotId: 'dr-weekly-2025-01-05',
      kmsKeyId: 'arn:aws:kms:us-west-2:123456789012:key/dr',
      copyTags: true,
      tags: { 'dbops:purpose': 'cross-region-copy' },
    });

    // THEN the source was described here and the copy requested there
    expect(await regionOfCall(rds, DescribeDBSnapshotsCommand)).toBe(REGION);
    expect(await regionOfCall(rds, CopyDBSnapshotCommand)).toBe(DR_REGION);
    expect(inputsOf(rds, CopyDBSnapshotCommand)).toEqual([
      {
        SourceDBSnapshotIdentifier: SOURCE_ARN,
        TargetDBSnapshotIdentifier: 'dr-weekly-2025-01-05',
        SourceRegion: REGION,
        KmsKeyId: 'arn:aws:kms:us-west-2:123456789012:key/dr',
        CopyTags: true,
        Tags: [
          { Key: 'dbops:purpose', Value: 'cross-region-copy' },
          { Key: 'dbops:managed', Value: 'true' },
        ],
      },
    ]);
    // AND the copy is reported as the target region sees it
    expect(copy).toMatchObject({ id: 'dr-weekly-2025-01-05', region: DR_REGION, sourceRegion: REGION, status: 'pending' });
  });

  it('refuses to copy an encrypted snapshot across regions without a KMS key of the target region', async () => {
    // GIVEN an encrypted source
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [dbSnapshot({ Encrypted: true, KmsKeyId: 'key-east' })] });

    // WHEN no kmsKeyId is given
    const error = await rejectionOf(
      provider.copySnapshot({
        snapshotId: 'weekly-2025-01-05',
        targetRegion: DR_REGION,
        targetSnapshotId: 'dr-weekly-2025-01-05',
        copyTags: true,
        tags: {},
      }),
    );

    // THEN the user is told what is missing, and nothing was copied
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain('KMS key valid in the destination region');
    expect(error.message).toContain(DR_REGION);
    expect(rds).not.toHaveReceivedCommand(CopyDBSnapshotCommand);
  });

  it('copies within one region by id, without SourceRegion', async () => {
    // GIVEN an unencrypted source
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [dbSnapshot()] });
    rds.on(CopyDBSnapshotCommand).resolves({ DBSnapshot: dbSnapshot({ DBSnapshotIdentifier: 'kept-copy', Status: 'creating' }) });

    // WHEN
    await provider.copySnapshot({
      snapshotId: 'weekly-2025-01-05',
      targetRegion: REGION,
      targetSnapshotId: 'kept-copy',
      copyTags: false,
      tags: {},
    });

    // THEN
    expect(inputsOf(rds, CopyDBSnapshotCommand)).toEqual([
      {
        SourceDBSnapshotIdentifier: 'weekly-2025-01-05',
        TargetDBSnapshotIdentifier: 'kept-copy',
        CopyTags: false,
        Tags: [{ Key: 'dbops:managed', Value: 'true' }],
      },
    ]);
  });
});
