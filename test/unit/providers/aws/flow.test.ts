/**
 * Whole flows against FakeRds: statuses move as on RDS, so these drive the adapter the way
 * a restore test, a cross-region copy and a failover drill will.
 */
import { CopyDBSnapshotCommand, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../../../src/lib/errors.js';
import { createAwsProvider } from '../../../../src/lib/providers/aws/provider.js';
import { TAG, type Provider } from '../../../../src/lib/providers/types.js';
import { FakeRds } from '../../../_helpers/fake-rds.js';
import { DR_REGION, FAST, REGION, awsOptions, regionOfCall } from './helpers.js';

let rds: FakeRds;
let provider: Provider;
const wait = { maxWaitSeconds: 30 };

beforeEach(() => {
  rds = new FakeRds({ describesToSettle: 3 });
  provider = createAwsProvider(awsOptions(), FAST);
});

afterEach(async () => {
  await provider.close();
  rds.restore();
});

describe('FakeRds flows', () => {
  it('create -> available -> snapshot -> available -> restore -> available -> delete -> gone', async () => {
    // GIVEN an empty account in us-east-2
    const statuses: string[] = [];
    const onProgress = (s: string) => statuses.push(s);

    // WHEN dbops creates an instance and waits for it
    const created = await provider.createInstance({
      id: 'prod-db',
      engine: 'postgres',
      engineVersion: '15.8',
      instanceClass: 'db.t3.micro',
      allocatedStorageGb: 20,
      storageType: 'gp2',
      storageEncrypted: false,
      multiAz: false,
      publiclyAccessible: false,
      deletionProtection: false,
      backupRetentionDays: 7,
      backupWindow: '03:00-04:00',
      maintenanceWindow: 'sun:04:00-sun:05:00',
      autoMinorVersionUpgrade: true,
      copyTagsToSnapshot: true,
      dbName: 'app',
      masterUsername: 'dbops',
      masterPassword: { kind: 'managed' },
      tags: {},
    });
    const available = await provider.waitForInstance('prod-db', 'available', { ...wait, onProgress });

    // THEN it was creating, then available with an endpoint
    expect(created.status).toBe('creating');
    expect(statuses).toEqual(['creating', 'creating', 'available']);
    expect(available?.endpoint).toEqual({ host: `prod-db.abc123.${REGION}.rds.amazonaws.com`, port: 5432 });

    // WHEN it snapshots, restores the snapshot to a temporary instance and deletes that
    await provider.createSnapshot({ instanceId: 'prod-db', snapshotId: 'rt-snap', tags: { [TAG.runId]: 'r1' } });
    const snapshot = await provider.waitForSnapshot('rt-snap', 'available', wait);
    await provider.restoreFromSnapshot({
      snapshotId: 'rt-snap',
      instanceId: 'rt-r1',
      instanceClass: 'db.t3.micro',
      publiclyAccessible: false,
      tags: { [TAG.runId]: 'r1', [TAG.purpose]: 'restore-test' },
    });
    const restored = await provider.waitForInstance('rt-r1', 'available', wait);
    await provider.deleteInstance('rt-r1', { skipFinalSnapshot: true });
    const gone = await provider.waitForInstance('rt-r1', 'deleted', wait);

    // THEN each step reached its state, everything carried dbops:managed, and only the temp instance is gone
    expect(snapshot).toMatchObject({ id: 'rt-snap', status: 'available', progressPercent: 100 });
    expect(restored).toMatchObject({ id: 'rt-r1', status: 'available', dbName: 'app', masterUsername: 'dbops' });
    expect(restored?.tags).toEqual({ [TAG.runId]: 'r1', [TAG.purpose]: 'restore-test', [TAG.managed]: 'true' });
    expect(snapshot?.tags).toEqual({ [TAG.runId]: 'r1', [TAG.managed]: 'true' });
    expect(available?.tags).toEqual({ [TAG.managed]: 'true' });
    expect(gone).toBeUndefined();
    expect(rds.instanceIds(REGION)).toEqual(['prod-db']);
    expect(await provider.findInstance('rt-r1')).toBeUndefined();
  });

  it('copies a snapshot to the DR region and waits for it there', async () => {
    // GIVEN an available weekly snapshot in us-east-2
    rds.addInstance(REGION, 'prod-db');
    rds.addSnapshot(REGION, 'weekly-1', { DBInstanceIdentifier: 'prod-db', TagList: [{ Key: 'dbops:managed', Value: 'true' }] });

    // WHEN dbops copies it to us-west-2 and waits in us-west-2
    const copy = await provider.copySnapshot({
      snapshotId: 'weekly-1',
      targetRegion: DR_REGION,
      targetSnapshotId: 'weekly-1-dr',
      copyTags: true,
      tags: { [TAG.purpose]: 'cross-region-copy' },
    });
    const dr = provider.forRegion(DR_REGION);
    const done = await dr.waitForSnapshot('weekly-1-dr', 'available', wait);

    // THEN the copy lives in us-west-2 only, knows its source, and was requested from there
    expect(copy).toMatchObject({ id: 'weekly-1-dr', region: DR_REGION, status: 'creating' });
    expect(done).toMatchObject({ status: 'available', sourceRegion: REGION, sourceSnapshotId: 'weekly-1', region: DR_REGION });
    expect(done?.tags).toEqual({ [TAG.managed]: 'true', [TAG.purpose]: 'cross-region-copy' });
    expect(await regionOfCall(rds.mock, CopyDBSnapshotCommand)).toBe(DR_REGION);
    expect(rds.snapshotIds(DR_REGION)).toEqual(['weekly-1-dr']);
    expect(rds.snapshotIds(REGION)).toEqual(['weekly-1']);
    await expect(provider.describeSnapshot('weekly-1-dr')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('creates a read replica, promotes it, and the source no longer lists it', async () => {
    // GIVEN the production instance
    rds.addInstance(REGION, 'prod-db');

    // WHEN a replica is created, becomes available and is promoted
    await provider.createReadReplica({ sourceInstanceId: 'prod-db', replicaId: 'prod-db-r1', tags: {} });
    const replica = await provider.waitForInstance('prod-db-r1', 'available', wait);
    const sourceWithReplica = await provider.describeInstance('prod-db');
    await provider.promoteReadReplica('prod-db-r1');
    const promoted = await provider.waitForInstance('prod-db-r1', 'available', wait);

    // THEN
    expect(replica?.replicaSourceId).toBe('prod-db');
    expect(sourceWithReplica.replicaIds).toEqual(['prod-db-r1']);
    expect(promoted?.replicaSourceId).toBeUndefined();
    expect((await provider.describeInstance('prod-db')).replicaIds).toEqual([]);
  });

  it('pages through many snapshots and refuses a duplicate id', async () => {
    // GIVEN 230 manual snapshots and 5 automated ones
    rds.addInstance(REGION, 'prod-db');
    for (let i = 0; i < 230; i++) rds.addSnapshot(REGION, `m-${String(i).padStart(3, '0')}`);
    for (let i = 0; i < 5; i++) rds.addSnapshot(REGION, `rds:prod-db-${i}`, { SnapshotType: 'automated' });

    // WHEN
    const manual = await provider.listSnapshots({ instanceId: 'prod-db', type: 'manual' });
    const duplicate = provider.createSnapshot({ instanceId: 'prod-db', snapshotId: 'm-000', tags: {} });

    // THEN three pages were read and every manual snapshot returned
    expect(rds.mock).toHaveReceivedCommandTimes(DescribeDBSnapshotsCommand, 3);
    expect(manual).toHaveLength(230);
    expect(manual.every((s) => s.type === 'manual')).toBe(true);
    await expect(duplicate).rejects.toBeInstanceOf(ConflictError);
  });
});
