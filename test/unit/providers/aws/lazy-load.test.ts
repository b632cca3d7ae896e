/**
 * `dbops --help` must load no AWS SDK module: the adapter imports the SDK only when a call
 * is made. This file imports no SDK module statically, so the module cache shows what the
 * adapter itself loaded (vitest runs each test file in its own process).
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createAwsProvider } from '../../../../src/lib/providers/aws/provider.js';
import { FAST, awsOptions } from './helpers.js';

const loaded = (pkg: string): boolean => Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes(`/${pkg}/`));

describe('lazy SDK loading', () => {
  it('loads an SDK client package only when the first call needs it', async () => {
    // GIVEN the adapter module is imported and a provider built
    const provider = createAwsProvider(awsOptions(), FAST);

    // THEN no AWS SDK client package is loaded yet
    expect(loaded('@aws-sdk/client-rds')).toBe(false);
    expect(loaded('@aws-sdk/client-cloudwatch')).toBe(false);
    expect(loaded('@aws-sdk/client-secrets-manager')).toBe(false);
    expect(loaded('@aws-sdk/client-iam')).toBe(false);

    // WHEN an RDS call is made (mocked, so nothing goes over the network)
    const { mockClient } = await import('aws-sdk-client-mock');
    const { RDSClient, DescribeDBInstancesCommand } = await import('@aws-sdk/client-rds');
    const rds = mockClient(RDSClient);
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    await provider.findInstance('prod-db');

    // THEN an RDS call loads neither CloudWatch nor Secrets Manager nor IAM
    expect(loaded('@aws-sdk/client-cloudwatch')).toBe(false);
    expect(loaded('@aws-sdk/client-secrets-manager')).toBe(false);
    expect(loaded('@aws-sdk/client-iam')).toBe(false);
    rds.restore();
    await provider.close();
  });
});
