import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EnvironmentError } from '../../../../src/lib/errors.js';
import { createAwsProvider } from '../../../../src/lib/providers/aws/provider.js';
import type { Provider } from '../../../../src/lib/providers/types.js';
import { redact } from '../../../../src/lib/secret.js';
import { FAST, REGION, awsOptions, dbInstance, inputsOf, regionOfCall, rejectionOf } from './helpers.js';

const rds = mockClient(RDSClient);
const sm = mockClient(SecretsManagerClient);
let provider: Provider;

const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:123456789012:secret:rds!db-abc`;
const PASSWORD = 'Xk9#managed-pw-7731';

beforeEach(() => {
  rds.reset();
  sm.reset();
  provider = createAwsProvider(awsOptions(), FAST);
});

afterEach(async () => {
  await provider.close();
});

describe('connectionInfo', () => {
  it('reads the RDS-managed password from Secrets Manager and requires TLS', async () => {
    // GIVEN an instance whose master password RDS manages
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [dbInstance({ MasterUserSecret: { SecretArn: SECRET_ARN, SecretStatus: 'active' } })],
    });
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: 'dbops', password: PASSWORD }) });

    // WHEN
    const info = await provider.connectionInfo('prod-db');

    // THEN
    expect(inputsOf(sm, GetSecretValueCommand)).toEqual([{ SecretId: SECRET_ARN }]);
    expect(await regionOfCall(sm, GetSecretValueCommand)).toBe(REGION);
    expect(info).toMatchObject({
      host: 'prod-db.abc123.us-east-2.rds.amazonaws.com',
      port: 5432,
      user: 'dbops',
      database: 'app',
      ssl: 'require',
    });
    expect(info.caBundlePath).toBeUndefined();
    expect(info.password?.reveal()).toBe(PASSWORD);
  });

  it('never lets the password reach JSON, strings or inspect, and registers it for redaction', async () => {
    // GIVEN
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [dbInstance({ MasterUserSecret: { SecretArn: SECRET_ARN } })],
    });
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ password: PASSWORD }) });

    // WHEN
    const info = await provider.connectionInfo('prod-db');

    // THEN
    expect(JSON.stringify(info)).not.toContain(PASSWORD);
    expect(JSON.stringify(info)).toContain('"password":"[redacted]"');
    expect(`${info.password}`).not.toContain(PASSWORD);
    expect(inspect(info)).not.toContain(PASSWORD);
    expect(redact(`connecting with ${PASSWORD}`)).toBe('connecting with [redacted]');
  });

  it('prefers DBOPS_DB_PASSWORD and then asks Secrets Manager nothing', async () => {
    // GIVEN the env var is set
    const withEnv = createAwsProvider(awsOptions({ env: { DBOPS_DB_PASSWORD: 'from-env-pw' } }), FAST);
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [dbInstance({ MasterUserSecret: { SecretArn: SECRET_ARN } })] });

    // WHEN
    const info = await withEnv.connectionInfo('prod-db');

    // THEN
    expect(info.password?.reveal()).toBe('from-env-pw');
    expect(sm).not.toHaveReceivedAnyCommand();
  });

  it("verifies the server certificate when a CA bundle is configured, and defaults the database to 'postgres'", async () => {
    // GIVEN a CA bundle, and an instance without a DB name or managed secret
    const verifying = createAwsProvider(awsOptions({ caBundle: '/etc/ssl/rds-global-bundle.pem' }), FAST);
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [dbInstance({ DBName: undefined })] });

    // WHEN
    const info = await verifying.connectionInfo('prod-db');

    // THEN
    expect(info).toEqual({
      host: 'prod-db.abc123.us-east-2.rds.amazonaws.com',
      port: 5432,
      user: 'dbops',
      database: 'postgres',
      ssl: 'verify-full',
      caBundlePath: '/etc/ssl/rds-global-bundle.pem',
    });
  });

  it('says the instance has no endpoint yet while it is creating', async () => {
    // GIVEN
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [dbInstance({ DBInstanceStatus: 'creating', Endpoint: undefined })] });

    // WHEN
    const error = await rejectionOf(provider.connectionInfo('prod-db'));

    // THEN
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toBe('DB instance prod-db has no endpoint yet (status creating).');
  });

  it('does not quote a malformed secret in its error', async () => {
    // GIVEN a secret that is not JSON
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [dbInstance({ MasterUserSecret: { SecretArn: SECRET_ARN } })] });
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'plain-text-secret-value' });

    // WHEN
    const error = await rejectionOf(provider.connectionInfo('prod-db'));

    // THEN
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toBe('The master user secret of DB instance prod-db holds no password.');
    expect(inspect(error, { depth: 5 })).not.toContain('plain-text-secret-value');
  });
});
