/**
 * `status --all` against the FakeFleet: 50 instances over 2 accounts (each by its role)
 * × 3 regions. The AWS calls grow with accounts × regions, never with databases × metrics
 * (counted for 10 and 50 databases); one account whose role cannot be assumed leaves the
 * other's rows intact and makes the exit code 3; a database nearly out of storage fails
 * alone; --select narrows by tags and identifier patterns; the --json document's shape.
 */
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSelector } from '../../../src/lib/fleet/select.js';
import { fleetStatus } from '../../../src/lib/fleet/status.js';
import { testContext } from '../../_helpers/context.js';
import { FakeFleet, FLEET_ACCOUNTS } from '../../_helpers/fake-fleet.js';

const NOW = new Date('2026-11-22T05:00:00Z');
let fleet: FakeFleet | undefined;
afterEach(() => fleet?.restore());

async function run(o: { instances?: number; deny?: string; full?: string[]; select?: string[]; verbose?: boolean } = {}) {
  fleet = new FakeFleet({ instances: o.instances ?? 50, now: NOW, full: o.full });
  if (o.deny) fleet.denied.add(o.deny);
  const t = await testContext({
    config: { provider: 'aws', region: 'us-east-2', fleet: fleet.fleetConfig() },
    now: NOW,
    verbose: o.verbose,
    env: { DBOPS_HOME: '/nonexistent-dbops-home' },
  });
  try {
    const result = await fleetStatus(t.ctx, { all: !o.select, selectors: (o.select ?? []).map(parseSelector) }, { concurrency: 8 });
    return {
      result,
      describeInstances: fleet.rds.mock.commandCalls(DescribeDBInstancesCommand).length,
      getMetricData: fleet.cloudWatch.commandCalls(GetMetricDataCommand).length,
      rdsCalls: fleet.rds.mock.calls().length,
      queries: fleet.metricQueries,
    };
  } finally {
    await t.close();
  }
}

describe('status --all', () => {
  it('lists each account and region once and reads every figure in one GetMetricData per account and region, for 10 databases as for 50', async () => {
    const small = await run({ instances: 10 });
    const large = await run({ instances: 50 });
    expect(small.result.rows).toHaveLength(10);
    expect(large.result.rows).toHaveLength(50);
    for (const r of [small, large]) {
      expect(r.describeInstances).toBe(6);
      expect(r.rdsCalls).toBe(6);
      expect(r.getMetricData).toBe(6);
    }
    // 3 figures per database, all in those 6 calls.
    expect(large.queries).toBe(150);
    expect(large.result.exitCode).toBe(0);
    expect(large.result.verdict).toBe('all 50 passed.');
    const row = large.result.rows.find((r) => r.id === 'core-db-02')!;
    expect(row).toMatchObject({ account: 'core', accountId: FLEET_ACCOUNTS[0]!.id, region: 'eu-west-1', verdict: 'ok' });
    expect(row.figure).toBe('available · db.t3.micro · CPU 12.5% · storage 50% used · 4 conn');
  });

  it('one account whose role cannot be assumed: its regions are reported, the other account is whole, exit 3', async () => {
    const { result } = await run({ deny: FLEET_ACCOUNTS[1]!.id });
    expect(result.rows).toHaveLength(25);
    expect(new Set(result.rows.map((r) => r.account))).toEqual(new Set(['core']));
    expect(result.rows.every((r) => r.verdict === 'ok')).toBe(true);
    expect(result.problems.map((p) => `${p.account}/${p.region}`).sort()).toEqual([
      'content/eu-west-1',
      'content/us-east-2',
      'content/us-west-2',
    ]);
    expect(result.problems[0]!.message).toMatch(/Cannot assume arn:aws:iam::222222222222:role\/dbops-fleet in account 222222222222/);
    expect(result.exitCode).toBe(3);
    expect(result.verdict).toBe('3 account/region problems.');
  });

  it('a database with more than 90 % of its storage used fails alone: exit 1, and the verdict names it', async () => {
    const { result } = await run({ instances: 12, full: ['content-db-07'] });
    const failed = result.rows.filter((r) => r.verdict === 'failed');
    expect(failed.map((r) => r.id)).toEqual(['content-db-07']);
    expect(failed[0]!.result?.problems).toEqual(['storage 95% used']);
    expect(result.exitCode).toBe(1);
    expect(result.verdict).toBe('content-db-07 (us-west-2) failed; the rest passed.');
  });

  it('--select by tag and identifier pattern narrows the fleet; the figures are still one call per account and region', async () => {
    const { result, getMetricData } = await run({ select: ['environment=production', 'identifier=core-db-1*'] });
    expect(result.rows.map((r) => r.id)).toEqual(['core-db-14', 'core-db-12', 'core-db-18', 'core-db-10', 'core-db-16']);
    expect(getMetricData).toBeLessThanOrEqual(3);
  });

  it('--json: one document with every database, its account, region, verdict, key figure and full status', async () => {
    const { result } = await run({ instances: 4, verbose: true });
    const doc = JSON.parse(JSON.stringify(result));
    expect(Object.keys(doc).sort()).toEqual(
      ['accounts', 'awsCalls', 'command', 'exitCode', 'problems', 'provider', 'regions', 'rows', 'unit', 'verdict'].sort(),
    );
    expect(doc).toMatchObject({ command: 'status', unit: 'database', accounts: ['core', 'content'], exitCode: 0 });
    expect(doc.rows[0]).toEqual({
      account: 'content',
      accountId: FLEET_ACCOUNTS[1]!.id,
      region: 'us-east-2',
      id: 'content-db-03',
      verdict: 'ok',
      figure: 'available · db.t3.micro · CPU 12.5% · storage 50% used · 4 conn',
      result: expect.objectContaining({
        id: 'content-db-03',
        status: 'available',
        metrics: { cpuPercent: 12.5, freeStorageGb: 10, storageUsedPercent: 50, connections: 4 },
      }),
    });
    expect(doc.awsCalls.byOperation.GetMetricData).toBeGreaterThan(0);
  });
});
