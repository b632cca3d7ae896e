import {
  CopyDBSnapshotCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DBInstanceAlreadyExistsFault,
  DBSnapshotAlreadyExistsFault,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  InvalidDBInstanceStateFault,
  KMSKeyNotAccessibleFault,
  RDSClient,
  SnapshotQuotaExceededFault,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, type DbopsError, EnvironmentError, ExitCode, isPortError } from '../../../../src/lib/errors.js';
import { mapAwsError } from '../../../../src/lib/providers/aws/errors.js';
import { createAwsProvider } from '../../../../src/lib/providers/aws/provider.js';
import type { Provider } from '../../../../src/lib/providers/types.js';
import { DR_REGION, FAST, REGION, awsOptions, dbSnapshot, rejectionOf } from './helpers.js';

const rds = mockClient(RDSClient);
let provider: Provider;

const $metadata = { httpStatusCode: 400, requestId: 'req-1' };

function awsError(name: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name, $metadata, ...extra });
}

function networkError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:4566`), { code });
}

beforeEach(() => {
  rds.reset();
  provider = createAwsProvider(awsOptions(), FAST);
});

afterEach(async () => {
  await provider.close();
});

describe('AWS errors become dbops errors with one sentence and a hint', () => {
  it('says no credentials were found, and how to provide them', async () => {
    // GIVEN the credential chain found nothing
    rds.on(DescribeDBInstancesCommand).rejects(awsError('CredentialsProviderError', 'Could not load credentials from any providers'));

    // WHEN
    const error = await rejectionOf(provider.describeInstance('prod-db'));

    // THEN
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toBe('No AWS credentials found.');
    expect(error.hint).toBe('Set AWS_PROFILE or pass --profile, run `aws configure`, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.');
  });

  it('says no region is set when the provider has none, without calling AWS', async () => {
    // GIVEN a provider without a region
    const noRegion = createAwsProvider(awsOptions({ region: '' }), FAST);

    // WHEN
    const error = await rejectionOf(noRegion.listInstances());

    // THEN
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toBe('No AWS region is set.');
    expect(error.hint).toContain('--region');
    expect(rds).not.toHaveReceivedAnyCommand();
  });

  it('maps the SDK\'s "Region is missing" to the same EnvironmentError', () => {
    // GIVEN / WHEN
    const error = mapAwsError(new Error('Region is missing'), {
      operation: 'DescribeDBInstances',
      service: 'rds',
      region: '',
      maxAttempts: 3,
    });

    // THEN
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toBe('No AWS region is set.');
  });

  it('turns DBInstanceAlreadyExists into a ConflictError naming the new instance', async () => {
    // GIVEN
    rds.on(CreateDBInstanceCommand).rejects(new DBInstanceAlreadyExistsFault({ message: 'DB instance already exists', $metadata }));

    // WHEN
    const error = await rejectionOf(
      provider.createInstance({
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
        tags: {},
      }),
    );

    // THEN
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(`DB instance prod-db already exists in ${REGION}.`);
    expect(isPortError(error, 'already-exists')).toBe(true);
  });

  it('turns DBSnapshotAlreadyExists in the target region into a ConflictError naming the copy and that region', async () => {
    // GIVEN the copy's id is taken in us-west-2
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [dbSnapshot()] });
    rds.on(CopyDBSnapshotCommand).rejects(new DBSnapshotAlreadyExistsFault({ message: 'exists', $metadata }));

    // WHEN
    const error = await rejectionOf(
      provider.copySnapshot({
        snapshotId: 'weekly-2025-01-05',
        targetRegion: DR_REGION,
        targetSnapshotId: 'dr-1',
        copyTags: true,
        tags: {},
      }),
    );

    // THEN
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(`DB snapshot dr-1 already exists in ${DR_REGION}.`);
  });

  it.each([
    ['ECONNREFUSED', networkError('ECONNREFUSED')],
    ['ENOTFOUND', networkError('ENOTFOUND')],
    ['EAI_AGAIN', networkError('EAI_AGAIN')],
    ['ETIMEDOUT', networkError('ETIMEDOUT')],
    ['a TimeoutError', awsError('TimeoutError', 'socket timed out')],
    ['an AggregateError of ECONNREFUSED', new AggregateError([networkError('ECONNREFUSED')], '')],
  ])('says the endpoint cannot be reached on %s', async (_label, thrown) => {
    // GIVEN a LocalStack endpoint that does not answer
    const local = createAwsProvider(awsOptions({ endpointUrl: 'http://localhost:4566' }), FAST);
    rds.on(DescribeDBInstancesCommand).rejects(thrown);

    // WHEN
    const error = await rejectionOf(local.describeInstance('prod-db'));

    // THEN
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toBe('Cannot reach the AWS endpoint http://localhost:4566.');
    expect(error.hint).toContain('--endpoint-url');
    expect(isPortError(error, 'unreachable')).toBe(true);
    expect(error.cause).toBe(thrown);
  });

  it("names the region's endpoint when no endpoint URL is configured", async () => {
    // GIVEN
    rds.on(DescribeDBInstancesCommand).rejects(networkError('ENOTFOUND'));

    // WHEN
    const error = await rejectionOf(provider.describeInstance('prod-db'));

    // THEN
    expect(error.message).toBe(`Cannot reach the AWS endpoint https://rds.${REGION}.amazonaws.com.`);
  });

  it.each([
    [
      'throttling that outlasted the retries',
      awsError('ThrottlingException', 'Rate exceeded', { $retryable: { throttling: true } }),
      `AWS kept throttling DescribeDBInstances in ${REGION}, even after 3 attempts.`,
      'aws.maxAttempts',
      'throttled',
    ],
    [
      'access denied',
      awsError('AccessDenied', 'User: arn:aws:iam::1:user/x is not authorized to perform: rds:DescribeDBInstances'),
      `AWS denied DescribeDBInstances in ${REGION} to these credentials.`,
      'IAM',
      'access-denied',
    ],
    [
      'an expired token',
      awsError('ExpiredToken', 'The security token included in the request is expired'),
      'AWS rejected the credentials (ExpiredToken).',
      'aws sso login',
      'bad-credentials',
    ],
    [
      'an invalid instance state',
      new InvalidDBInstanceStateFault({ message: 'Instance prod-db is not in available state.', $metadata }),
      'DB instance prod-db is not in a state that allows DescribeDBInstances: Instance prod-db is not in available state.',
      'Wait until it is available',
      'state-conflict',
    ],
  ] as const)('explains %s, marked %s for domain code', async (_label, thrown, message, hint, kind) => {
    // GIVEN
    rds.on(DescribeDBInstancesCommand).rejects(thrown);

    // WHEN
    const error = await rejectionOf(provider.describeInstance('prod-db'));

    // THEN
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toBe(message);
    expect(error.hint).toContain(hint);
    expect(error.cause).toBe(thrown);
    expect(isPortError(error, kind)).toBe(true);
  });

  it('explains a full snapshot quota and an inaccessible KMS key', async () => {
    // GIVEN
    rds
      .on(CreateDBSnapshotCommand)
      .rejectsOnce(new SnapshotQuotaExceededFault({ message: 'quota', $metadata }))
      .rejectsOnce(new KMSKeyNotAccessibleFault({ message: 'key disabled', $metadata }));
    const input = { instanceId: 'prod-db', snapshotId: 's1', tags: {} };

    // WHEN
    const quota = await rejectionOf(provider.createSnapshot(input));
    const kms = await rejectionOf(provider.createSnapshot(input));

    // THEN
    expect(quota).toBeInstanceOf(EnvironmentError);
    expect(quota.message).toBe(`The account has reached its manual DB snapshot quota in ${REGION}.`);
    expect(quota.hint).toContain('Delete old manual snapshots');
    expect(isPortError(quota, 'quota-exceeded')).toBe(true);
    expect(kms).toBeInstanceOf(EnvironmentError);
    expect(kms.message).toBe(`The KMS key for CreateDBSnapshot is not accessible in ${REGION}.`);
    expect(kms.hint).toContain('key policy');
  });

  it('names any other AWS error and its message, keeping the original as cause and no stack in the message', async () => {
    // GIVEN an error dbops has no special words for
    const thrown = awsError('InvalidParameterCombination', 'Cannot combine X with Y');
    rds.on(DescribeDBInstancesCommand).rejects(thrown);

    // WHEN
    const error = await rejectionOf(provider.describeInstance('prod-db'));

    // THEN
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as DbopsError).exitCode).toBe(ExitCode.environment);
    expect(error.message).toBe(`AWS DescribeDBInstances failed in ${REGION}: InvalidParameterCombination: Cannot combine X with Y`);
    expect((error as DbopsError).kind).toBeUndefined();
    expect(error.message).not.toContain('\n');
    expect(error.cause).toBe(thrown);
    expect((error as DbopsError).details).toEqual({
      awsError: 'InvalidParameterCombination',
      operation: 'DescribeDBInstances',
      region: REGION,
      requestId: 'req-1',
      httpStatus: 400,
    });
  });
});
