import {
  CreateDBInstanceCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  RDSClient,
  RebootDBInstanceCommand,
  StartDBInstanceCommand,
  StopDBInstanceCommand,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EnvironmentError, NotFoundError, UsageError } from '../../../../src/lib/errors.js';
import { createAwsProvider } from '../../../../src/lib/providers/aws/provider.js';
import type { CreateInstanceInput, Provider } from '../../../../src/lib/providers/types.js';
import { Secret } from '../../../../src/lib/secret.js';
import { ACCOUNT, FAST, REGION, awsOptions, dbInstance, inputsOf, rejectionOf } from './helpers.js';

const rds = mockClient(RDSClient);
let provider: Provider;

beforeEach(() => {
  rds.reset();
  provider = createAwsProvider(awsOptions(), FAST);
});

afterEach(async () => {
  await provider.close();
});

function createInput(overrides: Partial<CreateInstanceInput> = {}): CreateInstanceInput {
  return {
    id: 'prod-db',
    engine: 'postgres',
    engineVersion: '15.8',
    instanceClass: 'db.t3.micro',
    allocatedStorageGb: 20,
    storageType: 'gp2',
    storageEncrypted: true,
    multiAz: false,
    publiclyAccessible: false,
    deletionProtection: true,
    backupRetentionDays: 7,
    backupWindow: '03:00-04:00',
    maintenanceWindow: 'sun:04:00-sun:05:00',
    autoMinorVersionUpgrade: true,
    copyTagsToSnapshot: true,
    dbName: 'app',
    masterUsername: 'dbops',
    masterPassword: { kind: 'managed' },
    tags: { 'dbops:purpose': 'primary' },
    ...overrides,
  };
}

describe('createInstance', () => {
  it('sends CreateDBInstance with the seed settings, a managed master password and dbops:managed=true', async () => {
    // GIVEN RDS accepts the instance
    rds.on(CreateDBInstanceCommand).resolves({ DBInstance: dbInstance({ DBInstanceStatus: 'creating', Endpoint: undefined }) });

    // WHEN dbops creates it with a managed password
    const instance = await provider.createInstance(createInput({ vpcSecurityGroupIds: ['sg-1'], subnetGroup: 'dbops-subnets' }));

    // THEN exactly this request was sent
    expect(inputsOf(rds, CreateDBInstanceCommand)).toEqual([
      {
        DBInstanceIdentifier: 'prod-db',
        Engine: 'postgres',
        EngineVersion: '15.8',
        DBInstanceClass: 'db.t3.micro',
        AllocatedStorage: 20,
        StorageType: 'gp2',
        StorageEncrypted: true,
        MultiAZ: false,
        PubliclyAccessible: false,
        DeletionProtection: true,
        BackupRetentionPeriod: 7,
        PreferredBackupWindow: '03:00-04:00',
        PreferredMaintenanceWindow: 'sun:04:00-sun:05:00',
        AutoMinorVersionUpgrade: true,
        CopyTagsToSnapshot: true,
        DBName: 'app',
        MasterUsername: 'dbops',
        ManageMasterUserPassword: true,
        VpcSecurityGroupIds: ['sg-1'],
        DBSubnetGroupName: 'dbops-subnets',
        Tags: [
          { Key: 'dbops:purpose', Value: 'primary' },
          { Key: 'dbops:managed', Value: 'true' },
        ],
      },
    ]);
    // AND the answer is converted to the port's shape
    expect(instance.id).toBe('prod-db');
    expect(instance.status).toBe('creating');
    expect(instance.region).toBe(REGION);
    expect(instance.endpoint).toBeUndefined();
  });

  it('sends a given master password as MasterUserPassword, without ManageMasterUserPassword', async () => {
    // GIVEN RDS accepts the instance
    rds.on(CreateDBInstanceCommand).resolves({ DBInstance: dbInstance({ DBInstanceStatus: 'creating' }) });

    // WHEN the caller gives the password
    await provider.createInstance(createInput({ masterPassword: { kind: 'value', value: new Secret('s3cret-Passw0rd') } }));

    // THEN the revealed value is sent and nothing asks RDS to manage it
    const [sent] = inputsOf(rds, CreateDBInstanceCommand);
    expect(sent?.MasterUserPassword).toBe('s3cret-Passw0rd');
    expect(sent).not.toHaveProperty('ManageMasterUserPassword');
  });

  it('forces dbops:managed=true even when the caller passes another value', async () => {
    // GIVEN RDS accepts the instance
    rds.on(CreateDBInstanceCommand).resolves({ DBInstance: dbInstance() });

    // WHEN the caller's tags say otherwise
    await provider.createInstance(createInput({ tags: { 'dbops:managed': 'false', 'dbops:run-id': 'r1' } }));

    // THEN the tag sent is true
    expect(rds).toHaveReceivedCommandWith(CreateDBInstanceCommand, {
      Tags: [
        { Key: 'dbops:managed', Value: 'true' },
        { Key: 'dbops:run-id', Value: 'r1' },
      ],
    });
  });
});

describe('describeInstance / findInstance', () => {
  it('converts every field of the RDS shape', async () => {
    // GIVEN a full RDS answer
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'replica-1' }).resolves({
      DBInstances: [
        dbInstance({
          DBInstanceIdentifier: 'replica-1',
          DBInstanceArn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:replica-1`,
          AvailabilityZone: 'us-east-2a',
          MaxAllocatedStorage: 100,
          StorageType: 'gp2',
          StorageEncrypted: true,
          KmsKeyId: 'arn:aws:kms:us-east-2:123456789012:key/abc',
          PreferredBackupWindow: '03:00-04:00',
          PreferredMaintenanceWindow: 'sun:04:00-sun:05:00',
          LatestRestorableTime: new Date('2025-01-05T10:00:00Z'),
          InstanceCreateTime: new Date('2024-06-01T00:00:00Z'),
          VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-1', Status: 'active' }],
          DBSubnetGroup: { DBSubnetGroupName: 'dbops-subnets' },
          ReadReplicaSourceDBInstanceIdentifier: 'prod-db',
          TagList: [{ Key: 'dbops:managed', Value: 'true' }],
        }),
      ],
    });

    // WHEN dbops describes it
    const instance = await provider.describeInstance('replica-1');

    // THEN the port's shape carries the same facts
    expect(instance).toEqual({
      id: 'replica-1',
      arn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:replica-1`,
      engine: 'postgres',
      engineVersion: '15.8',
      instanceClass: 'db.t3.micro',
      status: 'available',
      endpoint: { host: 'prod-db.abc123.us-east-2.rds.amazonaws.com', port: 5432 },
      region: REGION,
      availabilityZone: 'us-east-2a',
      allocatedStorageGb: 20,
      maxAllocatedStorageGb: 100,
      storageType: 'gp2',
      storageEncrypted: true,
      kmsKeyId: 'arn:aws:kms:us-east-2:123456789012:key/abc',
      multiAz: false,
      publiclyAccessible: false,
      deletionProtection: true,
      backupRetentionDays: 7,
      preferredBackupWindow: '03:00-04:00',
      preferredMaintenanceWindow: 'sun:04:00-sun:05:00',
      latestRestorableTime: new Date('2025-01-05T10:00:00Z'),
      masterUsername: 'dbops',
      dbName: 'app',
      createdAt: new Date('2024-06-01T00:00:00Z'),
      vpcSecurityGroupIds: ['sg-1'],
      subnetGroup: 'dbops-subnets',
      replicaSourceId: 'prod-db',
      replicaIds: [],
      tags: { 'dbops:managed': 'true' },
    });
    expect(inputsOf(rds, DescribeDBInstancesCommand)).toEqual([{ DBInstanceIdentifier: 'replica-1' }]);
  });

  it('throws NotFoundError naming the id and region when RDS says DBInstanceNotFound', async () => {
    // GIVEN RDS does not know the instance
    const { DBInstanceNotFoundFault } = await import('@aws-sdk/client-rds');
    rds.on(DescribeDBInstancesCommand).rejects(new DBInstanceNotFoundFault({ message: 'DBInstance ghost not found.', $metadata: {} }));

    // WHEN dbops describes it
    const error = await rejectionOf(provider.describeInstance('ghost'));

    // THEN the user reads which instance, where, and what to run next
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe(`DB instance ghost not found in ${REGION}.`);
    expect(error.hint).toContain('dbops instances');
  });

  it('findInstance returns undefined for a missing instance but rethrows other failures', async () => {
    // GIVEN one missing instance and one call AWS refuses
    const { DBInstanceNotFoundFault } = await import('@aws-sdk/client-rds');
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'ghost' })
      .rejects(new DBInstanceNotFoundFault({ message: 'x', $metadata: {} }));
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'secret-db' })
      .rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDenied' }));

    // WHEN / THEN
    await expect(provider.findInstance('ghost')).resolves.toBeUndefined();
    await expect(provider.findInstance('secret-db')).rejects.toBeInstanceOf(EnvironmentError);
  });
});

describe('listInstances', () => {
  it('follows Marker over every page and leaves out engines dbops does not run', async () => {
    // GIVEN three pages of instances, one of them Oracle
    rds
      .on(DescribeDBInstancesCommand)
      .resolvesOnce({ DBInstances: [dbInstance({ DBInstanceIdentifier: 'a' })], Marker: 'm1' })
      .resolvesOnce({ DBInstances: [dbInstance({ DBInstanceIdentifier: 'b', Engine: 'oracle-ee' })], Marker: 'm2' })
      .resolvesOnce({ DBInstances: [dbInstance({ DBInstanceIdentifier: 'c', Engine: 'mysql' })] });

    // WHEN dbops lists them
    const instances = await provider.listInstances();

    // THEN every page was asked for, in order, and Oracle is not listed
    expect(inputsOf(rds, DescribeDBInstancesCommand)).toEqual([
      { MaxRecords: 100 },
      { MaxRecords: 100, Marker: 'm1' },
      { MaxRecords: 100, Marker: 'm2' },
    ]);
    expect(instances.map((i) => [i.id, i.engine])).toEqual([
      ['a', 'postgres'],
      ['c', 'mysql'],
    ]);
  });
});

describe('deleteInstance', () => {
  it('skips the final snapshot for a temporary instance', async () => {
    // GIVEN RDS accepts the delete
    rds.on(DeleteDBInstanceCommand).resolves({ DBInstance: dbInstance({ DBInstanceStatus: 'deleting' }) });

    // WHEN dbops deletes without a final snapshot
    await provider.deleteInstance('rt-123', { skipFinalSnapshot: true });

    // THEN
    expect(inputsOf(rds, DeleteDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: 'rt-123', SkipFinalSnapshot: true }]);
  });

  it('names the final snapshot when one is wanted', async () => {
    // GIVEN RDS accepts the delete
    rds.on(DeleteDBInstanceCommand).resolves({ DBInstance: dbInstance({ DBInstanceStatus: 'deleting' }) });

    // WHEN
    await provider.deleteInstance('old-db', { skipFinalSnapshot: false, finalSnapshotId: 'old-db-final' });

    // THEN
    expect(inputsOf(rds, DeleteDBInstanceCommand)).toEqual([
      { DBInstanceIdentifier: 'old-db', SkipFinalSnapshot: false, FinalDBSnapshotIdentifier: 'old-db-final' },
    ]);
  });

  it('refuses a final snapshot without its id, before calling AWS', async () => {
    // GIVEN / WHEN a final snapshot is wanted but not named
    const error = await rejectionOf(provider.deleteInstance('old-db', { skipFinalSnapshot: false }));

    // THEN
    expect(error).toBeInstanceOf(UsageError);
    expect(rds).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
  });
});

describe('rebootInstance', () => {
  it('sends ForceFailover as asked and returns the rebooting instance', async () => {
    // GIVEN RDS starts the reboot
    rds.on(RebootDBInstanceCommand).resolves({ DBInstance: dbInstance({ DBInstanceStatus: 'rebooting', MultiAZ: true }) });

    // WHEN dbops fails over
    const instance = await provider.rebootInstance('prod-db', { forceFailover: true });

    // THEN
    expect(inputsOf(rds, RebootDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: 'prod-db', ForceFailover: true }]);
    expect(instance.status).toBe('rebooting');
  });
});

describe('startInstance / stopInstance', () => {
  it('starts a stopped instance with StartDBInstance and returns it starting', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [dbInstance({ DBInstanceStatus: 'stopped' })] });
    rds.on(StartDBInstanceCommand).resolves({ DBInstance: dbInstance({ DBInstanceStatus: 'starting' }) });
    const instance = await provider.startInstance('prod-db');
    expect(inputsOf(rds, StartDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: 'prod-db' }]);
    expect(instance.status).toBe('starting');
  });

  it('stops an available instance with StopDBInstance; one stopped already is left alone', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [dbInstance({ DBInstanceStatus: 'available' })] });
    rds.on(StopDBInstanceCommand).resolves({ DBInstance: dbInstance({ DBInstanceStatus: 'stopping' }) });
    expect((await provider.stopInstance('prod-db')).status).toBe('stopping');
    expect(inputsOf(rds, StopDBInstanceCommand)).toEqual([{ DBInstanceIdentifier: 'prod-db' }]);
    rds.reset();
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [dbInstance({ DBInstanceStatus: 'stopped' })] });
    expect((await provider.stopInstance('prod-db')).status).toBe('stopped');
    expect(inputsOf(rds, StopDBInstanceCommand)).toEqual([]);
  });
});

describe('close', () => {
  it('destroys the clients that were created, in every region used, and only those', async () => {
    // GIVEN calls made in two regions
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    await provider.findInstance('a');
    await provider.forRegion('us-west-2').findInstance('b');
    const destroy = vi.spyOn(RDSClient.prototype, 'destroy');

    // WHEN the provider closes
    await provider.close();

    // THEN both RDS clients were destroyed (no CloudWatch or Secrets Manager client existed)
    const regions = await Promise.all(destroy.mock.contexts.map((c) => (c as RDSClient).config.region()));
    expect(regions.sort()).toEqual(['us-east-2', 'us-west-2']);
    destroy.mockRestore();
  });
});
