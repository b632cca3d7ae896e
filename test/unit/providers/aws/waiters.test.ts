import {
  DBInstanceNotFoundFault,
  DBSnapshotNotFoundFault,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EnvironmentError, Interrupted, NotFoundError } from '../../../../src/lib/errors.js';
import { createAwsProvider } from '../../../../src/lib/providers/aws/provider.js';
import type { Provider } from '../../../../src/lib/providers/types.js';
import { FAST, REGION, awsOptions, dbInstance, dbSnapshot, rejectionOf } from './helpers.js';

const rds = mockClient(RDSClient);
let provider: Provider;

const instanceIn = (status: string) => ({ DBInstances: [dbInstance({ DBInstanceIdentifier: 'rt-1', DBInstanceStatus: status })] });
const snapshotIn = (status: string, pct: number) => ({ DBSnapshots: [dbSnapshot({ Status: status, PercentProgress: pct })] });

beforeEach(() => {
  rds.reset();
  provider = createAwsProvider(awsOptions(), FAST);
});

afterEach(async () => {
  await provider.close();
});

describe('waitForInstance', () => {
  it('polls until available, reporting every status, and returns the instance', async () => {
    // GIVEN an instance that is creating twice, then available
    rds
      .on(DescribeDBInstancesCommand)
      .resolvesOnce(instanceIn('creating'))
      .resolvesOnce(instanceIn('backing-up'))
      .resolves(instanceIn('available'));
    const seen: string[] = [];

    // WHEN dbops waits for it
    const instance = await provider.waitForInstance('rt-1', 'available', {
      maxWaitSeconds: 60,
      onProgress: (status) => seen.push(status),
    });

    // THEN it saw each status once, in order, and got the available instance
    expect(seen).toEqual(['creating', 'backing-up', 'available']);
    expect(instance?.status).toBe('available');
    expect(rds).toHaveReceivedCommandTimes(DescribeDBInstancesCommand, 3);
    expect(rds).toHaveReceivedCommandWith(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'rt-1' });
  });

  it.each(['incompatible-restore', 'failed', 'storage-full', 'incompatible-parameters'])(
    'stops with an EnvironmentError when the instance turns %s',
    async (bad) => {
      // GIVEN a restore that goes wrong
      rds.on(DescribeDBInstancesCommand).resolvesOnce(instanceIn('creating')).resolves(instanceIn(bad));

      // WHEN
      const error = await rejectionOf(provider.waitForInstance('rt-1', 'available', { maxWaitSeconds: 60 }));

      // THEN it names the instance and the status, and polled no further
      expect(error).toBeInstanceOf(EnvironmentError);
      expect(error.message).toBe(`DB instance rt-1 in ${REGION} is ${bad}; it will not become available.`);
      expect(rds).toHaveReceivedCommandTimes(DescribeDBInstancesCommand, 2);
    },
  );

  it('gives up after maxWaitSeconds with an EnvironmentError saying what and how long', async () => {
    // GIVEN an instance stuck in creating
    rds.on(DescribeDBInstancesCommand).resolves(instanceIn('creating'));

    // WHEN dbops waits a short while
    const error = await rejectionOf(provider.waitForInstance('rt-1', 'available', { maxWaitSeconds: 0.05 }));

    // THEN
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toBe(`Gave up waiting for DB instance rt-1 in ${REGION} to become available after 50ms (last status: creating).`);
    expect(error.hint).toContain('increase aws.maxWaitMinutes');
  });

  it('stops with Interrupted when the signal aborts while polling', async () => {
    // GIVEN an instance stuck in creating, and a run interrupted by SIGTERM after the first poll
    rds.on(DescribeDBInstancesCommand).resolves(instanceIn('creating'));
    const controller = new AbortController();

    // WHEN
    const error = await rejectionOf(
      provider.waitForInstance('rt-1', 'available', {
        maxWaitSeconds: 60,
        signal: controller.signal,
        onProgress: () => controller.abort('SIGTERM'),
      }),
    );

    // THEN
    expect(error).toBeInstanceOf(Interrupted);
    expect(error.message).toBe('Interrupted by SIGTERM.');
    expect(rds).toHaveReceivedCommandTimes(DescribeDBInstancesCommand, 1);
  });

  it('does not poll at all when the signal is already aborted', async () => {
    // GIVEN an aborted run
    const controller = new AbortController();
    controller.abort('SIGINT');

    // WHEN
    const error = await rejectionOf(provider.waitForInstance('rt-1', 'available', { maxWaitSeconds: 60, signal: controller.signal }));

    // THEN
    expect(error).toBeInstanceOf(Interrupted);
    expect(rds).not.toHaveReceivedAnyCommand();
  });

  it('treats DBInstanceNotFound as success when waiting for deletion', async () => {
    // GIVEN an instance that is deleting, then gone
    rds
      .on(DescribeDBInstancesCommand)
      .resolvesOnce(instanceIn('deleting'))
      .rejects(new DBInstanceNotFoundFault({ message: 'DBInstance rt-1 not found.', $metadata: {} }));
    const seen: string[] = [];

    // WHEN
    const result = await provider.waitForInstance('rt-1', 'deleted', { maxWaitSeconds: 60, onProgress: (s) => seen.push(s) });

    // THEN
    expect(result).toBeUndefined();
    expect(seen).toEqual(['deleting', 'deleted']);
  });

  it('fails when the instance disappears while waiting for it to become available', async () => {
    // GIVEN an instance that vanishes
    rds.on(DescribeDBInstancesCommand).rejects(new DBInstanceNotFoundFault({ message: 'gone', $metadata: {} }));

    // WHEN
    const error = await rejectionOf(provider.waitForInstance('rt-1', 'available', { maxWaitSeconds: 60 }));

    // THEN
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toBe(`DB instance rt-1 in ${REGION} disappeared while waiting for it to become available.`);
  });

  it('passes on an AWS error met while polling, mapped', async () => {
    // GIVEN AWS denies the describe
    rds.on(DescribeDBInstancesCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));

    // WHEN
    const error = await rejectionOf(provider.waitForInstance('rt-1', 'available', { maxWaitSeconds: 60 }));

    // THEN
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toBe(`AWS denied DescribeDBInstances in ${REGION} to these credentials.`);
  });

  it('uses the configured ceiling when the caller passes no maxWaitSeconds', async () => {
    // GIVEN a provider configured to wait at most 0.05 s and an instance stuck in creating
    const short = createAwsProvider(awsOptions({ maxWaitSeconds: 0.05 }), FAST);
    rds.on(DescribeDBInstancesCommand).resolves(instanceIn('creating'));

    // WHEN the caller passes 0
    const error = await rejectionOf(short.waitForInstance('rt-1', 'available', { maxWaitSeconds: 0 }));

    // THEN the configured ceiling applied
    expect(error.message).toContain('after 50ms');
  });
});

describe('waitForSnapshot', () => {
  it('reports progress percent while the snapshot is created', async () => {
    // GIVEN a snapshot at 0%, 60%, then available
    rds
      .on(DescribeDBSnapshotsCommand)
      .resolvesOnce(snapshotIn('creating', 0))
      .resolvesOnce(snapshotIn('creating', 60))
      .resolves(snapshotIn('available', 100));
    const seen: [string, string | undefined][] = [];

    // WHEN
    const snapshot = await provider.waitForSnapshot('weekly-2025-01-05', 'available', {
      maxWaitSeconds: 60,
      onProgress: (status, _ms, detail) => seen.push([status, detail]),
    });

    // THEN
    expect(seen).toEqual([
      ['creating', '0%'],
      ['creating', '60%'],
      ['available', '100%'],
    ]);
    expect(snapshot?.status).toBe('available');
  });

  it('fails on a failed snapshot', async () => {
    // GIVEN
    rds.on(DescribeDBSnapshotsCommand).resolves(snapshotIn('failed', 10));

    // WHEN
    const error = await rejectionOf(provider.waitForSnapshot('weekly-2025-01-05', 'available', { maxWaitSeconds: 60 }));

    // THEN
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toBe(`DB snapshot weekly-2025-01-05 in ${REGION} is failed; it will not become available.`);
  });

  it('treats DBSnapshotNotFound as success when waiting for deletion', async () => {
    // GIVEN
    rds
      .on(DescribeDBSnapshotsCommand)
      .resolvesOnce(snapshotIn('deleting', 100))
      .rejects(new DBSnapshotNotFoundFault({ message: 'gone', $metadata: {} }));

    // WHEN / THEN
    await expect(provider.waitForSnapshot('weekly-2025-01-05', 'deleted', { maxWaitSeconds: 60 })).resolves.toBeUndefined();
  });

  it('findSnapshot still reports NotFound as undefined, describeSnapshot as NotFoundError', async () => {
    // GIVEN
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [] });

    // WHEN / THEN an empty answer means not found too
    await expect(provider.findSnapshot('ghost')).resolves.toBeUndefined();
    await expect(provider.describeSnapshot('ghost')).rejects.toBeInstanceOf(NotFoundError);
  });
});
