/**
 * The one AWS client pool (sdk.ts): every adapter built on a Provider calls AWS through
 * its pool, so a run holds one SDK client per service and region; and the list of
 * operations the pool exposes names real SDK commands.
 */
import { CloudWatchClient, ListMetricsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createAwsProvisionProvider } from '../../../../src/lib/providers/aws/provision.js';
import { awsClientsOf, createAwsProvider } from '../../../../src/lib/providers/aws/provider.js';
import { awsOperations } from '../../../../src/lib/providers/aws/sdk.js';
import { createAwsUsageApi } from '../../../../src/lib/providers/aws/usage.js';
import { DR_REGION, FAST, REGION, awsOptions } from './helpers.js';

const rds = mockClient(RDSClient);
const cw = mockClient(CloudWatchClient);

afterEach(() => {
  rds.reset();
  cw.reset();
});

/** The distinct SDK client objects that sent the calls recorded by a mock. */
function clientsOf(mock: typeof rds | typeof cw): unknown[] {
  return [...new Set(mock.send.getCalls().map((c) => c.thisValue as unknown))];
}

describe('the AWS client pool', () => {
  it('gives the Provider, its other regions, provisioning and usage one client per service and region', async () => {
    // GIVEN a provider, the provisioning and usage adapters built on its pool
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [] });
    cw.on(PutMetricDataCommand).resolves({});
    cw.on(ListMetricsCommand).resolves({ Metrics: [] });
    const opts = awsOptions();
    const provider = createAwsProvider(opts, FAST);
    const pool = awsClientsOf(provider);
    expect(pool).toBeDefined();
    const provision = createAwsProvisionProvider(opts, provider, FAST);
    const usage = createAwsUsageApi({ region: REGION, maxAttempts: 1 }, pool);

    // WHEN each of them calls RDS and CloudWatch, in two regions, twice over
    for (let i = 0; i < 2; i++) {
      await provider.findInstance('prod-db');
      await provision.database.findDatabase('prod-db');
      await usage.listDbInstances();
      await provider.forRegion(DR_REGION).listSnapshots();
      await provider.putMetricData('Dbops/Test', [{ metricName: 'M', value: 1 }]);
      await usage.listMetrics();
    }

    // THEN one RDS client per region and one CloudWatch client sent everything
    expect(rds.send.callCount).toBe(8);
    const rdsClients = clientsOf(rds) as RDSClient[];
    expect(await Promise.all(rdsClients.map((c) => c.config.region()))).toEqual([REGION, DR_REGION]);
    expect(clientsOf(cw)).toHaveLength(1);

    // AND closing the adapters built on the pool leaves it to its owner
    await usage.close();
    await provision.close();
    await provider.findInstance('prod-db');
    expect(clientsOf(rds)).toHaveLength(2);
    await provider.close();
  });

  it('lists the operations it exposes, each a command of its SDK package', async () => {
    // GIVEN the table of operations
    const table = awsOperations();
    const packages: Record<string, string> = {
      rds: '@aws-sdk/client-rds',
      cloudWatch: '@aws-sdk/client-cloudwatch',
      secretsManager: '@aws-sdk/client-secrets-manager',
      ec2: '@aws-sdk/client-ec2',
      elastiCache: '@aws-sdk/client-elasticache',
      sns: '@aws-sdk/client-sns',
      budgets: '@aws-sdk/client-budgets',
      sts: '@aws-sdk/client-sts',
      lambda: '@aws-sdk/client-lambda',
      iam: '@aws-sdk/client-iam',
      costExplorer: '@aws-sdk/client-cost-explorer',
      ssm: '@aws-sdk/client-ssm',
      ecs: '@aws-sdk/client-ecs',
      logs: '@aws-sdk/client-cloudwatch-logs',
      sfn: '@aws-sdk/client-sfn',
      scheduler: '@aws-sdk/client-scheduler',
    };

    // THEN every SDK service is listed, and each operation is a command class of its package
    expect(Object.keys(table).sort()).toEqual([...Object.keys(packages), 'freeTier'].sort());
    for (const [service, pkg] of Object.entries(packages)) {
      const mod = (await import(pkg)) as Record<string, unknown>;
      const ops = table[service as keyof typeof table];
      expect(ops.length, service).toBeGreaterThan(0);
      expect(new Set(ops).size, service).toBe(ops.length);
      for (const op of ops) expect(typeof mod[`${op}Command`], `${service}.${op}`).toBe('function');
    }
    expect(table.rds).toContain('DescribeDBInstances');
    expect(table.freeTier).toEqual(['GetFreeTierUsage', 'GetAccountPlanState']);
  });
});
