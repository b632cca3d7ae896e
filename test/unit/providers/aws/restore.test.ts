import {
  CreateDBInstanceReadReplicaCommand,
  PromoteReadReplicaCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAwsProvider } from '../../../../src/lib/providers/aws/provider.js';
import type { Provider } from '../../../../src/lib/providers/types.js';
import { FAST, awsOptions, dbInstance, inputsOf } from './helpers.js';

const rds = mockClient(RDSClient);
let provider: Provider;

const TAGS = { 'dbops:run-id': 'r42', 'dbops:purpose': 'restore-test', 'dbops:expires-at': '2025-01-06T06:00:00.000Z' };
const SENT_TAGS = [
  { Key: 'dbops:run-id', Value: 'r42' },
  { Key: 'dbops:purpose', Value: 'restore-test' },
  { Key: 'dbops:expires-at', Value: '2025-01-06T06:00:00.000Z' },
  { Key: 'dbops:managed', Value: 'true' },
];

beforeEach(() => {
  rds.reset();
  provider = createAwsProvider(awsOptions(), FAST);
});

afterEach(async () => {
  await provider.close();
});

describe('restoreFromSnapshot', () => {
  it('sends RestoreDBInstanceFromDBSnapshot with placement, tags and CopyTagsToSnapshot', async () => {
    // GIVEN RDS starts the restore
    rds.on(RestoreDBInstanceFromDBSnapshotCommand).resolves({
      DBInstance: dbInstance({ DBInstanceIdentifier: 'rt-r42', DBInstanceStatus: 'creating' }),
    });

    // WHEN dbops restores the weekly snapshot to a temporary instance
    const instance = await provider.restoreFromSnapshot({
      snapshotId: 'weekly-2025-01-05',
      instanceId: 'rt-r42',
      instanceClass: 'db.t3.micro',
      subnetGroup: 'dbops-subnets',
      vpcSecurityGroupIds: ['sg-restore'],
      publiclyAccessible: false,
      multiAz: false,
      tags: TAGS,
    });

    // THEN
    expect(inputsOf(rds, RestoreDBInstanceFromDBSnapshotCommand)).toEqual([
      {
        DBInstanceIdentifier: 'rt-r42',
        DBSnapshotIdentifier: 'weekly-2025-01-05',
        DBInstanceClass: 'db.t3.micro',
        DBSubnetGroupName: 'dbops-subnets',
        VpcSecurityGroupIds: ['sg-restore'],
        PubliclyAccessible: false,
        MultiAZ: false,
        Tags: SENT_TAGS,
        CopyTagsToSnapshot: true,
      },
    ]);
    expect(instance).toMatchObject({ id: 'rt-r42', status: 'creating' });
  });
});

describe('restoreToPointInTime', () => {
  it("uses UseLatestRestorableTime for 'latest'", async () => {
    // GIVEN
    rds
      .on(RestoreDBInstanceToPointInTimeCommand)
      .resolves({ DBInstance: dbInstance({ DBInstanceIdentifier: 'pitr-1', DBInstanceStatus: 'creating' }) });

    // WHEN
    await provider.restoreToPointInTime({
      sourceInstanceId: 'prod-db',
      instanceId: 'pitr-1',
      time: 'latest',
      instanceClass: 'db.t3.micro',
      publiclyAccessible: false,
      tags: TAGS,
    });

    // THEN
    expect(inputsOf(rds, RestoreDBInstanceToPointInTimeCommand)).toEqual([
      {
        SourceDBInstanceIdentifier: 'prod-db',
        TargetDBInstanceIdentifier: 'pitr-1',
        UseLatestRestorableTime: true,
        DBInstanceClass: 'db.t3.micro',
        PubliclyAccessible: false,
        Tags: SENT_TAGS,
        CopyTagsToSnapshot: true,
      },
    ]);
  });

  it('uses RestoreTime for a given time', async () => {
    // GIVEN
    rds.on(RestoreDBInstanceToPointInTimeCommand).resolves({ DBInstance: dbInstance({ DBInstanceIdentifier: 'pitr-2' }) });
    const at = new Date('2025-01-05T09:30:00Z');

    // WHEN
    await provider.restoreToPointInTime({
      sourceInstanceId: 'prod-db',
      instanceId: 'pitr-2',
      time: at,
      instanceClass: 'db.t3.small',
      subnetGroup: 'dbops-subnets',
      vpcSecurityGroupIds: ['sg-1', 'sg-2'],
      publiclyAccessible: true,
      tags: {},
    });

    // THEN
    expect(inputsOf(rds, RestoreDBInstanceToPointInTimeCommand)).toEqual([
      {
        SourceDBInstanceIdentifier: 'prod-db',
        TargetDBInstanceIdentifier: 'pitr-2',
        RestoreTime: at,
        DBInstanceClass: 'db.t3.small',
        DBSubnetGroupName: 'dbops-subnets',
        VpcSecurityGroupIds: ['sg-1', 'sg-2'],
        PubliclyAccessible: true,
        Tags: [{ Key: 'dbops:managed', Value: 'true' }],
        CopyTagsToSnapshot: true,
      },
    ]);
  });
});

describe('read replicas', () => {
  it('creates a replica with the managed tag', async () => {
    // GIVEN
    rds.on(CreateDBInstanceReadReplicaCommand).resolves({
      DBInstance: dbInstance({
        DBInstanceIdentifier: 'prod-db-replica',
        DBInstanceStatus: 'creating',
        ReadReplicaSourceDBInstanceIdentifier: 'prod-db',
      }),
    });

    // WHEN
    const replica = await provider.createReadReplica({
      sourceInstanceId: 'prod-db',
      replicaId: 'prod-db-replica',
      instanceClass: 'db.t3.micro',
      publiclyAccessible: false,
      tags: { 'dbops:purpose': 'replica' },
    });

    // THEN
    expect(inputsOf(rds, CreateDBInstanceReadReplicaCommand)).toEqual([
      {
        DBInstanceIdentifier: 'prod-db-replica',
        SourceDBInstanceIdentifier: 'prod-db',
        DBInstanceClass: 'db.t3.micro',
        PubliclyAccessible: false,
        Tags: [
          { Key: 'dbops:purpose', Value: 'replica' },
          { Key: 'dbops:managed', Value: 'true' },
        ],
      },
    ]);
    expect(replica.replicaSourceId).toBe('prod-db');
  });

  it('leaves class and public access to RDS when not given', async () => {
    // GIVEN
    rds.on(CreateDBInstanceReadReplicaCommand).resolves({ DBInstance: dbInstance({ DBInstanceIdentifier: 'r2' }) });

    // WHEN
    await provider.createReadReplica({ sourceInstanceId: 'prod-db', replicaId: 'r2', tags: {} });

    // THEN
    expect(inputsOf(rds, CreateDBInstanceReadReplicaCommand)).toEqual([
      { DBInstanceIdentifier: 'r2', SourceDBInstanceIdentifier: 'prod-db', Tags: [{ Key: 'dbops:managed', Value: 'true' }] },
    ]);
  });

  it('promotes a replica', async () => {
    // GIVEN
    rds
      .on(PromoteReadReplicaCommand)
      .resolves({ DBInstance: dbInstance({ DBInstanceIdentifier: 'prod-db-replica', DBInstanceStatus: 'modifying' }) });

    // WHEN
    const promoted = await provider.promoteReadReplica('prod-db-replica');

    // THEN
    expect(inputsOf(rds, PromoteReadReplicaCommand)).toEqual([{ DBInstanceIdentifier: 'prod-db-replica' }]);
    expect(promoted.status).toBe('modifying');
  });
});
