/**
 * `free-tier-report --all` against the FakeFleet: one report per account, each through its
 * role. An account whose role cannot be assumed is its own row (exit 3, the verdict names
 * it) and the other account's report is read in full, its instances its own.
 */
import { BudgetsClient, DescribeBudgetsCommand } from '@aws-sdk/client-budgets';
import { DescribeAlarmsCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeCacheClustersCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fleetFreeTierReport } from '../../../src/lib/fleet/free-tier.js';
import { testContext } from '../../_helpers/context.js';
import { FakeFleet, FLEET_ACCOUNTS } from '../../_helpers/fake-fleet.js';

const NOW = new Date('2026-11-22T05:00:00Z');
const elastiCache = mockClient(ElastiCacheClient);
const lambda = mockClient(LambdaClient);
const budgets = mockClient(BudgetsClient);
let fleet: FakeFleet | undefined;
afterEach(() => {
  fleet?.restore();
  vi.unstubAllGlobals();
});

/** The Free Tier API (signed JSON over fetch): no usage rows, a paid plan of the account the request is signed for. */
const freeTierFetch: typeof fetch = async (_url, init) => {
  const headers = (init?.headers ?? {}) as Record<string, string>;
  const target = headers['x-amz-target'] ?? '';
  const accountId = /Credential=ASIA(\d{12})\//.exec(headers.authorization ?? '')?.[1] ?? 'unknown';
  if (target.endsWith('GetFreeTierUsage')) return Response.json({ freeTierUsages: [] });
  return Response.json({ accountId, accountPlanType: 'PAID', accountPlanStatus: 'ACTIVE' });
};

describe('free-tier-report --all', () => {
  it("a denied account is its own row (exit 3, named in the verdict); the other account's report is intact", async () => {
    fleet = new FakeFleet({ instances: 6, now: NOW });
    fleet.denied.add(FLEET_ACCOUNTS[1]!.id);
    fleet.cloudWatch.on(ListMetricsCommand).resolves({ Metrics: [] });
    fleet.cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    elastiCache.reset();
    elastiCache.on(DescribeCacheClustersCommand).resolves({ CacheClusters: [] });
    lambda.reset();
    lambda.on(ListFunctionsCommand).resolves({ Functions: [] });
    budgets.reset();
    budgets.on(DescribeBudgetsCommand).resolves({ Budgets: [] });
    vi.stubGlobal('fetch', freeTierFetch);
    const t = await testContext({
      config: { provider: 'aws', region: 'us-east-2', fleet: fleet.fleetConfig() },
      now: NOW,
      env: { DBOPS_HOME: '/nonexistent-dbops-home' },
    });
    try {
      const result = await fleetFreeTierReport(t.ctx, {}, { withCostExplorer: false, publish: false }, { concurrency: 2 });
      expect(result.rows.map((r) => `${r.account}/${r.region}:${r.verdict}`)).toEqual(['core/us-east-2:ok', 'content/us-east-2:error']);
      const [core, content] = result.rows;
      // The core account's report, read through its role: its own instances in the config region, nothing missing but what was not asked.
      expect(core!.result?.rdsInstances.map((i) => i.id).sort()).toEqual(['core-db-00']);
      expect(core!.result?.missing ?? []).toEqual([]);
      // Its key figure: the RDS hours of its one instance, 21 days into the month.
      expect(core!.figure).toBe('RDS 71% used (forecast 100%)');
      expect(content!.error?.message).toMatch(/Cannot assume arn:aws:iam::222222222222:role\/dbops-fleet in account 222222222222/);
      expect(result.exitCode).toBe(3);
      expect(result.verdict).toBe('content (us-east-2) could not be processed.');
    } finally {
      await t.close();
    }
  });
});
