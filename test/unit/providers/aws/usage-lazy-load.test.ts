/**
 * The usage adapter loads an SDK client package only when a call needs it (this file
 * imports no SDK module statically; vitest runs it in its own process).
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createAwsUsageApi } from '../../../../src/lib/providers/aws/usage.js';

const loaded = (pkg: string): boolean => Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes(`/${pkg}/`));
const PACKAGES = [
  'client-rds',
  'client-cloudwatch',
  'client-elasticache',
  'client-lambda',
  'client-budgets',
  'client-cost-explorer',
  'client-sts',
];

describe('usage adapter: lazy SDK loading', () => {
  it('loads nothing when built, and only Lambda for a Lambda call', async () => {
    // GIVEN the adapter built
    const api = createAwsUsageApi({ region: 'us-east-2', maxAttempts: 1 });

    // THEN no client package is loaded
    for (const pkg of PACKAGES) expect(loaded(`@aws-sdk/${pkg}`), pkg).toBe(false);

    // WHEN a Lambda call is made (mocked)
    const { mockClient } = await import('aws-sdk-client-mock');
    const { LambdaClient, ListFunctionsCommand } = await import('@aws-sdk/client-lambda');
    const lambda = mockClient(LambdaClient);
    lambda.on(ListFunctionsCommand).resolves({ Functions: [{ FunctionName: 'f', MemorySize: 256 }] });
    expect(await api.listFunctions()).toEqual([{ name: 'f', memoryMb: 256 }]);

    // THEN Lambda's package is loaded (the check sees loads), the other services' are not
    expect(loaded('@aws-sdk/client-lambda')).toBe(true);
    for (const pkg of PACKAGES.filter((p) => p !== 'client-lambda')) expect(loaded(`@aws-sdk/${pkg}`), pkg).toBe(false);
    lambda.restore();
    await api.close();
  });
});
