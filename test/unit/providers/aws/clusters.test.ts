/**
 * The aws adapter's Aurora clusters against FakeRds (fake-clusters.ts): the exact inputs
 * of each DBCluster* call, a cluster created then its writer, members with their roles,
 * failover moving the writer, cluster snapshots per region and a cross-region copy by
 * ARN, deletion in order (instance, then cluster), and ids of the wrong kind said plainly.
 */
import {
  CopyDBClusterSnapshotCommand,
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBClusterSnapshotCommand,
  FailoverDBClusterCommand,
} from '@aws-sdk/client-rds';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, EnvironmentError, NotFoundError, UsageError } from '../../../../src/lib/errors.js';
import { createAwsProvider } from '../../../../src/lib/providers/aws/provider.js';
import type { ClusterApi, CreateClusterInput, Provider } from '../../../../src/lib/providers/types.js';
import { Secret } from '../../../../src/lib/secret.js';
import { FakeRds } from '../../../_helpers/fake-rds.js';
import { ACCOUNT, DR_REGION, FAST, REGION, awsOptions, inputsOf, regionOfCall, rejectionOf } from './helpers.js';

let rds: FakeRds;
let provider: Provider;
let clusters: ClusterApi;

beforeEach(() => {
  rds = new FakeRds({ describesToSettle: 2 });
  provider = createAwsProvider(awsOptions(), FAST);
  clusters = provider.clusters!;
});

afterEach(async () => {
  await provider.close();
  rds.restore();
});

const wait = { maxWaitSeconds: 30 };

function clusterInput(overrides: Partial<CreateClusterInput> = {}): CreateClusterInput {
  return {
    id: 'content-hub',
    engine: 'postgres',
    engineVersion: '15.4',
    serverless: { minCapacity: 0.5, maxCapacity: 4 },
    storageEncrypted: true,
    deletionProtection: false,
    backupRetentionDays: 7,
    backupWindow: '03:00-04:00',
    maintenanceWindow: 'sun:04:00-sun:05:00',
    copyTagsToSnapshot: true,
    dbName: 'community_content',
    masterUsername: 'dbadmin',
    masterPassword: { kind: 'managed' },
    tags: { 'dbops:purpose': 'primary' },
    ...overrides,
  };
}

describe('createCluster and its writer', () => {
  it('sends CreateDBCluster with the serverless range, encryption, backups, copy-tags and a managed password, then the db.serverless writer', async () => {
    // GIVEN an empty region WHEN the cluster is created, waited for, and its writer added
    const created = await clusters.createCluster(clusterInput());
    expect(created.status).toBe('creating');
    await clusters.waitForCluster('content-hub', 'available', wait);
    const writer = await clusters.createClusterInstance({
      clusterId: 'content-hub',
      instanceId: 'content-hub-1',
      instanceClass: 'db.serverless',
      publiclyAccessible: false,
      autoMinorVersionUpgrade: true,
      tags: { 'dbops:purpose': 'primary' },
    });

    // THEN the two requests are exactly these
    expect(inputsOf(rds.mock, CreateDBClusterCommand)).toEqual([
      {
        DBClusterIdentifier: 'content-hub',
        Engine: 'aurora-postgresql',
        EngineVersion: '15.4',
        ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 },
        StorageEncrypted: true,
        DeletionProtection: false,
        BackupRetentionPeriod: 7,
        PreferredBackupWindow: '03:00-04:00',
        PreferredMaintenanceWindow: 'sun:04:00-sun:05:00',
        CopyTagsToSnapshot: true,
        DatabaseName: 'community_content',
        MasterUsername: 'dbadmin',
        ManageMasterUserPassword: true,
        Tags: [
          { Key: 'dbops:purpose', Value: 'primary' },
          { Key: 'dbops:managed', Value: 'true' },
        ],
      },
    ]);
    expect(inputsOf(rds.mock, CreateDBInstanceCommand)).toEqual([
      {
        DBInstanceIdentifier: 'content-hub-1',
        DBClusterIdentifier: 'content-hub',
        Engine: 'aurora-postgresql',
        DBInstanceClass: 'db.serverless',
        PubliclyAccessible: false,
        AutoMinorVersionUpgrade: true,
        Tags: [
          { Key: 'dbops:purpose', Value: 'primary' },
          { Key: 'dbops:managed', Value: 'true' },
        ],
      },
    ]);
    // AND the writer is a member of the cluster, which reads back with its endpoints and range
    expect(writer.clusterId).toBe('content-hub');
    const c = await clusters.describeCluster('content-hub');
    expect(c).toMatchObject({
      id: 'content-hub',
      engine: 'postgres',
      rdsEngine: 'aurora-postgresql',
      status: 'available',
      endpoint: { host: `content-hub.cluster-abc123.${REGION}.rds.amazonaws.com`, port: 5432 },
      readerEndpoint: { host: `content-hub.cluster-ro-abc123.${REGION}.rds.amazonaws.com`, port: 5432 },
      members: [{ instanceId: 'content-hub-1', role: 'writer', promotionTier: 1 }],
      serverless: { minCapacity: 0.5, maxCapacity: 4 },
      storageEncrypted: true,
      backupRetentionDays: 7,
      copyTagsToSnapshot: true,
      managedPassword: true,
      tags: { 'dbops:purpose': 'primary', 'dbops:managed': 'true' },
    });
  });

  it('sends a given password and port, and never a managed one then', async () => {
    await clusters.createCluster(clusterInput({ masterPassword: { kind: 'value', value: new Secret('s3cret-pw') }, port: 6432 }));
    const [input] = inputsOf(rds.mock, CreateDBClusterCommand);
    expect(input).toMatchObject({ MasterUserPassword: 's3cret-pw', Port: 6432 });
    expect(input).not.toHaveProperty('ManageMasterUserPassword');
  });

  it('refuses a db.serverless writer in a cluster without a serverless range (RDS), as an environment error naming the cluster', async () => {
    rds.clusters.addCluster(REGION, 'old', { ServerlessV2ScalingConfiguration: undefined });
    const e = await rejectionOf(
      clusters.createClusterInstance({
        clusterId: 'old',
        instanceId: 'old-1',
        instanceClass: 'db.serverless',
        publiclyAccessible: false,
        autoMinorVersionUpgrade: true,
        tags: {},
      }),
    );
    expect(e).toBeInstanceOf(EnvironmentError);
    expect(e.message).toMatch(/^DB cluster old is not in a state that allows CreateDBInstance: Set the Serverless v2 scaling/);
  });

  it('maps a name clash to a ConflictError naming the cluster', async () => {
    rds.clusters.addCluster(REGION, 'content-hub');
    const e = await rejectionOf(clusters.createCluster(clusterInput()));
    expect(e).toBeInstanceOf(ConflictError);
    expect(e.message).toBe(`DB cluster content-hub already exists in ${REGION}.`);
  });
});

describe('describe and list', () => {
  it('lists Aurora PostgreSQL clusters with members and roles; a missing one is a NotFoundError', async () => {
    // GIVEN a cluster with a writer and a reader, and an Aurora MySQL cluster dbops does not run
    rds.clusters.addCluster(REGION, 'content-hub');
    rds.addClusterMember(REGION, 'content-hub', 'hub-1');
    rds.addClusterMember(REGION, 'content-hub', 'hub-2');
    rds.clusters.addCluster(REGION, 'legacy', { Engine: 'aurora-mysql' });

    // WHEN listed
    const list = await clusters.listClusters();

    // THEN only the PostgreSQL one, its writer and reader named
    expect(list.map((c) => [c.id, c.members])).toEqual([
      [
        'content-hub',
        [
          { instanceId: 'hub-1', role: 'writer', promotionTier: 1 },
          { instanceId: 'hub-2', role: 'reader', promotionTier: 1 },
        ],
      ],
    ]);
    // AND the members are instances of the cluster
    expect((await provider.describeInstance('hub-2')).clusterId).toBe('content-hub');
    expect(await clusters.findCluster('nope')).toBeUndefined();
    const e = await rejectionOf(clusters.describeCluster('nope'));
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e.message).toBe(`DB cluster nope not found in ${REGION}.`);
  });
});

describe('failoverCluster', () => {
  it('sends FailoverDBCluster with the target reader; the writer moves once it settles', async () => {
    rds.clusters.addCluster(REGION, 'content-hub');
    rds.addClusterMember(REGION, 'content-hub', 'hub-1');
    rds.addClusterMember(REGION, 'content-hub', 'hub-2');

    const now = await clusters.failoverCluster('content-hub', 'hub-2');

    expect(inputsOf(rds.mock, FailoverDBClusterCommand)).toEqual([
      { DBClusterIdentifier: 'content-hub', TargetDBInstanceIdentifier: 'hub-2' },
    ]);
    expect(now.status).toBe('failing-over');
    const after = await clusters.waitForCluster('content-hub', 'available', wait);
    expect(after?.members.find((m) => m.role === 'writer')?.instanceId).toBe('hub-2');
  });
});

describe('deleteCluster', () => {
  it('is refused while the cluster has instances, then deletes after its writer is gone (SkipFinalSnapshot)', async () => {
    rds.clusters.addCluster(REGION, 'tmp-hub');
    rds.addClusterMember(REGION, 'tmp-hub', 'tmp-hub-1');

    const refused = await rejectionOf(clusters.deleteCluster('tmp-hub', { skipFinalSnapshot: true }));
    expect(refused).toBeInstanceOf(EnvironmentError);
    expect(refused.message).toMatch(/still contains DB instances/);

    await provider.deleteInstance('tmp-hub-1', { skipFinalSnapshot: true });
    await provider.waitForInstance('tmp-hub-1', 'deleted', wait);
    await clusters.deleteCluster('tmp-hub', { skipFinalSnapshot: true });
    expect(await clusters.waitForCluster('tmp-hub', 'deleted', wait)).toBeUndefined();
    expect(inputsOf(rds.mock, DeleteDBClusterCommand).at(-1)).toEqual({ DBClusterIdentifier: 'tmp-hub', SkipFinalSnapshot: true });
    expect(rds.clusters.clusterIds(REGION)).toEqual([]);
  });

  it('takes a final cluster snapshot when asked, with the cluster tags when it copies tags to snapshots', async () => {
    rds.clusters.addCluster(REGION, 'old-hub', { CopyTagsToSnapshot: true, TagList: [{ Key: 'team', Value: 'content' }] });
    await clusters.deleteCluster('old-hub', { skipFinalSnapshot: false, finalSnapshotId: 'old-hub-final' });
    expect(inputsOf(rds.mock, DeleteDBClusterCommand)).toEqual([
      { DBClusterIdentifier: 'old-hub', SkipFinalSnapshot: false, FinalDBSnapshotIdentifier: 'old-hub-final' },
    ]);
    expect(rds.clusters.clusterSnapshot(REGION, 'old-hub-final')?.TagList).toEqual([{ Key: 'team', Value: 'content' }]);
  });
});

describe('cluster snapshots', () => {
  it('creates one tagged dbops:managed, waits for it, lists it as a cluster snapshot of its cluster, deletes it', async () => {
    rds.clusters.addCluster(REGION, 'content-hub');
    const s = await clusters.createClusterSnapshot({
      clusterId: 'content-hub',
      snapshotId: 'weekly-1',
      tags: { 'dbops:purpose': 'weekly' },
    });
    expect(inputsOf(rds.mock, CreateDBClusterSnapshotCommand)).toEqual([
      {
        DBClusterSnapshotIdentifier: 'weekly-1',
        DBClusterIdentifier: 'content-hub',
        Tags: [
          { Key: 'dbops:purpose', Value: 'weekly' },
          { Key: 'dbops:managed', Value: 'true' },
        ],
      },
    ]);
    expect(s).toMatchObject({ id: 'weekly-1', of: 'cluster', instanceId: 'content-hub', status: 'creating' });
    const ready = await clusters.waitForClusterSnapshot('weekly-1', 'available', wait);
    expect(ready).toMatchObject({ status: 'available', encrypted: true, engine: 'postgres', type: 'manual', region: REGION });

    const listed = await clusters.listClusterSnapshots({ clusterId: 'content-hub', type: 'manual' });
    expect(listed.map((x) => x.id)).toEqual(['weekly-1']);

    await clusters.deleteClusterSnapshot('weekly-1');
    expect(inputsOf(rds.mock, DeleteDBClusterSnapshotCommand)).toEqual([{ DBClusterSnapshotIdentifier: 'weekly-1' }]);
    expect(await clusters.waitForClusterSnapshot('weekly-1', 'deleted', wait)).toBeUndefined();
  });

  it('copies to the DR region through its client, the source named by ARN, with the KMS key of the destination region', async () => {
    // GIVEN an encrypted cluster snapshot in the primary region
    rds.clusters.addClusterSnapshot(REGION, 'weekly-1', { TagList: [{ Key: 'dbops:managed', Value: 'true' }] });
    const key = `arn:aws:kms:${DR_REGION}:${ACCOUNT}:alias/aws/rds`;

    // WHEN copied to the DR region
    const copy = await clusters.copyClusterSnapshot({
      snapshotId: 'weekly-1',
      targetRegion: DR_REGION,
      targetSnapshotId: 'weekly-1-dr',
      kmsKeyId: key,
      copyTags: false,
      tags: { 'dbops:purpose': 'dr-copy' },
    });

    // THEN the request went to the DR region, naming the source by ARN and its region
    expect(await regionOfCall(rds.mock, CopyDBClusterSnapshotCommand)).toBe(DR_REGION);
    expect(inputsOf(rds.mock, CopyDBClusterSnapshotCommand)).toEqual([
      {
        SourceDBClusterSnapshotIdentifier: `arn:aws:rds:${REGION}:${ACCOUNT}:cluster-snapshot:weekly-1`,
        TargetDBClusterSnapshotIdentifier: 'weekly-1-dr',
        SourceRegion: REGION,
        KmsKeyId: key,
        CopyTags: false,
        Tags: [
          { Key: 'dbops:purpose', Value: 'dr-copy' },
          { Key: 'dbops:managed', Value: 'true' },
        ],
      },
    ]);
    // AND the copy lives in the DR region, naming where it came from
    expect(copy).toMatchObject({ id: 'weekly-1-dr', region: DR_REGION, sourceRegion: REGION, sourceSnapshotId: 'weekly-1', of: 'cluster' });
    expect(rds.clusters.clusterSnapshotIds(DR_REGION)).toEqual(['weekly-1-dr']);
    expect(rds.clusters.clusterSnapshotIds(REGION)).toEqual(['weekly-1']);
  });

  it('refuses an encrypted cross-region copy without a key of the destination region before calling AWS', async () => {
    rds.clusters.addClusterSnapshot(REGION, 'weekly-1');
    const e = await rejectionOf(
      clusters.copyClusterSnapshot({ snapshotId: 'weekly-1', targetRegion: DR_REGION, targetSnapshotId: 'x', copyTags: true, tags: {} }),
    );
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe(
      `Cluster snapshot weekly-1 is encrypted: copying it to ${DR_REGION} needs a KMS key valid in the destination region (${DR_REGION}).`,
    );
    expect(inputsOf(rds.mock, CopyDBClusterSnapshotCommand)).toEqual([]);
  });
});

describe('an id of the wrong kind', () => {
  it('a cluster snapshot id where an instance snapshot is expected is said plainly (exit 2)', async () => {
    rds.clusters.addClusterSnapshot(REGION, 'hub-weekly-1', { DBClusterIdentifier: 'content-hub' });
    const e = await rejectionOf(provider.describeSnapshot('hub-weekly-1'));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe(
      'hub-weekly-1 is a snapshot of the Aurora cluster content-hub, not a DB instance snapshot: instance snapshots and cluster snapshots are not interchangeable.',
    );
    expect(await provider.findSnapshot('hub-weekly-1')).toBeUndefined();
  });

  it('an instance snapshot id where a cluster snapshot is expected is said plainly (exit 2)', async () => {
    rds.addSnapshot(REGION, 'prod-weekly-1', { DBInstanceIdentifier: 'prod-db' });
    const e = await rejectionOf(clusters.describeClusterSnapshot('prod-weekly-1'));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe(
      'prod-weekly-1 is a snapshot of the DB instance prod-db, not a cluster snapshot: an Aurora cluster restores and copies only cluster snapshots.',
    );
  });

  it('an id that is neither stays a plain NotFoundError', async () => {
    const e = await rejectionOf(clusters.describeClusterSnapshot('nothing'));
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e.message).toBe(`DB cluster snapshot nothing not found in ${REGION}.`);
    const f = await rejectionOf(provider.describeSnapshot('nothing'));
    expect(f).toBeInstanceOf(NotFoundError);
  });
});
