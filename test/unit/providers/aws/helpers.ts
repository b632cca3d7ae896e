/**
 * Shared set-up for the aws adapter's tests: the aws-sdk-client-mock matchers, provider
 * options, canned SDK shapes, and small assertion helpers.
 */
import type { DBInstance, DBSnapshot } from '@aws-sdk/client-rds';
import type { AwsStub } from 'aws-sdk-client-mock';
import { allCustomMatcher, type CustomMatcher } from 'aws-sdk-client-mock-vitest';
import { expect } from 'vitest';
import type { AwsProviderOptions } from '../../../../src/lib/providers/index.js';
import type { AwsProviderTuning } from '../../../../src/lib/providers/aws/provider.js';

expect.extend(allCustomMatcher);

declare module 'vitest' {
  // biome-ignore lint/suspicious/noExplicitAny: must repeat vitest's own declaration of Matchers<T = any> to extend it
  interface Matchers<T = any> extends CustomMatcher<T> {}
}

// biome-ignore lint/suspicious/noExplicitAny: a stub of any client, whatever its input and output types
type AnyStub = AwsStub<any, any, any>;

export const REGION = 'us-east-2';
export const DR_REGION = 'us-west-2';
export const ACCOUNT = '123456789012';

/** Waiter delays small enough that no test sleeps noticeably. */
export const FAST: AwsProviderTuning = { pollDelaySeconds: 0.001 };

export function awsOptions(overrides: Partial<AwsProviderOptions> = {}): AwsProviderOptions {
  return { region: REGION, maxAttempts: 3, maxWaitSeconds: 60, env: {}, ...overrides };
}

/** The inputs of every call of one command, in order: for exact equality assertions. */
export function inputsOf<I extends object>(mock: AnyStub, command: new (input: I) => { input: I }): I[] {
  return mock.commandCalls(command as never).map((call) => (call.args[0] as unknown as { input: I }).input);
}

/** The region of the client that sent the n-th call of a command. */
export async function regionOfCall(mock: AnyStub, command: new (input: never) => unknown, n = 0): Promise<string> {
  const call = mock.commandCalls(command as never)[n];
  if (!call) throw new Error(`no call #${n} of ${command.name}`);
  const client = call.thisValue as { config: { region: () => Promise<string> } };
  return client.config.region();
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { hint?: string; cause?: unknown }> {
  try {
    await promise;
  } catch (e) {
    return e as Error & { hint?: string };
  }
  throw new Error('expected the promise to reject, but it resolved');
}

export function dbInstance(overrides: Partial<DBInstance> = {}): DBInstance {
  return {
    DBInstanceIdentifier: 'prod-db',
    DBInstanceArn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:prod-db`,
    Engine: 'postgres',
    EngineVersion: '15.8',
    DBInstanceClass: 'db.t3.micro',
    DBInstanceStatus: 'available',
    Endpoint: { Address: 'prod-db.abc123.us-east-2.rds.amazonaws.com', Port: 5432 },
    AllocatedStorage: 20,
    StorageEncrypted: false,
    MultiAZ: false,
    PubliclyAccessible: false,
    DeletionProtection: true,
    BackupRetentionPeriod: 7,
    MasterUsername: 'dbops',
    DBName: 'app',
    VpcSecurityGroups: [],
    ReadReplicaDBInstanceIdentifiers: [],
    TagList: [],
    ...overrides,
  };
}

export function dbSnapshot(overrides: Partial<DBSnapshot> = {}): DBSnapshot {
  return {
    DBSnapshotIdentifier: 'weekly-2025-01-05',
    DBSnapshotArn: `arn:aws:rds:${REGION}:${ACCOUNT}:snapshot:weekly-2025-01-05`,
    DBInstanceIdentifier: 'prod-db',
    SnapshotType: 'manual',
    Status: 'available',
    Engine: 'postgres',
    EngineVersion: '15.8',
    AllocatedStorage: 20,
    Encrypted: false,
    PercentProgress: 100,
    TagList: [],
    ...overrides,
  };
}
