/**
 * A fleet account reached through its role: the exact AssumeRole input (session name,
 * external id, one hour), the SDK clients of that account signing with the assumed
 * session, the session reused until shortly before it expires, and a role that cannot
 * be assumed said in one sentence naming the account and the role (no AWS error code).
 */
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EnvironmentError, isPortError } from '../../../../src/lib/errors.js';
import { assumedRoleCredentials, assumeRoleInput } from '../../../../src/lib/providers/aws/accounts.js';
import { createAwsProvider } from '../../../../src/lib/providers/aws/provider.js';
import { awsOptions, dbInstance, inputsOf, rejectionOf } from './helpers.js';

const ROLE = {
  accountId: '222222222222',
  roleArn: 'arn:aws:iam::222222222222:role/dbops-fleet',
  externalId: 'x-42',
  sessionName: 'dbops-fleet',
};
const EXPIRES = new Date(Date.now() + 3600_000);

describe('fleet accounts (AssumeRole)', () => {
  const sts = mockClient(STSClient);
  const rds = mockClient(RDSClient);
  beforeEach(() => {
    sts.reset();
    rds.reset();
  });
  afterEach(() => {
    sts.reset();
    rds.reset();
  });

  it('sends the exact AssumeRole input', () => {
    expect(assumeRoleInput(ROLE)).toEqual({
      RoleArn: ROLE.roleArn,
      RoleSessionName: 'dbops-fleet',
      DurationSeconds: 3600,
      ExternalId: 'x-42',
    });
    expect(assumeRoleInput({ ...ROLE, externalId: undefined, sessionName: 'dbops fleet/run 1' }).RoleSessionName).toBe('dbops-fleet-run-1');
  });

  it("the account's clients sign with the assumed session, assumed once", async () => {
    sts.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: 'ASIAFLEET', SecretAccessKey: 'secret-fleet', SessionToken: 'token', Expiration: EXPIRES },
    });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [dbInstance({ DBInstanceIdentifier: 'content-db' })] });
    const provider = createAwsProvider(awsOptions({ assumeRole: ROLE }));
    try {
      expect((await provider.listInstances()).map((i) => i.id)).toEqual(['content-db']);
      expect((await provider.forRegion('us-west-2').listInstances()).map((i) => i.id)).toEqual(['content-db']);
      const clients = rds.commandCalls(DescribeDBInstancesCommand).map((c) => c.thisValue as RDSClient);
      for (const client of clients) {
        const creds = await client.config.credentials();
        expect(creds).toMatchObject({ accessKeyId: 'ASIAFLEET', secretAccessKey: 'secret-fleet', sessionToken: 'token' });
      }
      expect(inputsOf(sts, AssumeRoleCommand)).toEqual([assumeRoleInput(ROLE)]);
    } finally {
      await provider.close();
    }
  });

  it('assumes again shortly before the session expires', async () => {
    let now = Date.now();
    sts.on(AssumeRoleCommand).callsFake(() => ({
      Credentials: { AccessKeyId: `ASIA${now}`, SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(now + 3600_000) },
    }));
    // The client pool's facade shape: assumeRole(input) → send(new AssumeRoleCommand(input)).
    const facade = {
      assumeRole: (i: never) => new STSClient({ region: 'us-east-2' }).send(new AssumeRoleCommand(i)),
      getCallerIdentity: () => Promise.reject(new Error('unused')),
    };
    const provider = assumedRoleCredentials(facade, ROLE, { region: 'us-east-2', maxAttempts: 1 }, () => now);
    const first = await provider();
    expect((await provider()).accessKeyId).toBe(first.accessKeyId);
    now += 56 * 60_000;
    expect((await provider()).accessKeyId).not.toBe(first.accessKeyId);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it('a role that cannot be assumed: one sentence with the account and the role, kind access-denied', async () => {
    sts
      .on(AssumeRoleCommand)
      .rejects(Object.assign(new Error('User is not authorized to perform: sts:AssumeRole'), { name: 'AccessDenied' }));
    const provider = createAwsProvider(awsOptions({ assumeRole: ROLE }));
    // As the SDK does before signing: resolve the client's credentials.
    rds.on(DescribeDBInstancesCommand).callsFake(async (_input, getClient: () => RDSClient) => {
      await getClient().config.credentials();
      return { DBInstances: [] };
    });
    try {
      const e = await rejectionOf(provider.listInstances());
      expect(e).toBeInstanceOf(EnvironmentError);
      expect(e.message).toMatch(
        /^Cannot assume arn:aws:iam::222222222222:role\/dbops-fleet in account 222222222222: AWS denied AssumeRole/,
      );
      expect(e.message).not.toMatch(/AccessDenied/);
      expect(isPortError(e, 'access-denied')).toBe(true);
    } finally {
      await provider.close();
    }
  });
});
