/**
 * `dbops failover` of an Aurora cluster against FakeRds' clusters: FailoverDBCluster with
 * the reader as TargetDBInstanceIdentifier, the writer moved when the cluster settles, the
 * runbook's steps; a cluster without a reader refused (exit 1), a candidate that is not a
 * reader (exit 2), --dry-run changing nothing.
 */
import { FailoverDBClusterCommand } from '@aws-sdk/client-rds';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode, UsageError } from '../../../src/lib/errors.js';
import { failoverCluster, isClusterFailover, pickReader, renderClusterFailover } from '../../../src/lib/failover/cluster.js';
import { createAwsProvider } from '../../../src/lib/providers/aws/provider.js';
import { testContext, type TestContext } from '../../_helpers/context.js';
import { FakeRds } from '../../_helpers/fake-rds.js';
import { awsOptions, FAST, inputsOf, REGION } from '../providers/aws/helpers.js';

const HUB = 'content-hub';
let rds: FakeRds;
let t: TestContext;

async function context(o: { yes?: boolean; dryRun?: boolean } = { yes: true }): Promise<TestContext> {
  return testContext({
    config: {
      provider: 'aws',
      database: { identifier: HUB, engine: 'aurora-postgresql', engineVersion: '15.4', instanceClass: 'db.serverless' },
    },
    provider: () => Promise.resolve(createAwsProvider(awsOptions(), FAST)),
    ...o,
  });
}

beforeEach(() => {
  rds = new FakeRds();
  rds.clusters.addCluster(REGION, HUB);
  rds.addClusterMember(REGION, HUB, 'hub-writer', { PromotionTier: 0 });
});

afterEach(async () => {
  await t?.close();
  rds.restore();
});

describe('failover of an Aurora cluster', () => {
  it('sends FailoverDBCluster to the first reader in failover order and waits until it is the writer', async () => {
    rds.addClusterMember(REGION, HUB, 'hub-reader-b', { PromotionTier: 2 });
    rds.addClusterMember(REGION, HUB, 'hub-reader-a', { PromotionTier: 1 });
    t = await context();
    expect(isClusterFailover(t.ctx, HUB)).toBe(true);
    expect(isClusterFailover(t.ctx, 'other-db')).toBe(false);

    const r = await failoverCluster(t.ctx, { clusterId: HUB });

    expect(inputsOf(rds.mock, FailoverDBClusterCommand)).toEqual([
      { DBClusterIdentifier: HUB, TargetDBInstanceIdentifier: 'hub-reader-a' },
    ]);
    expect(r).toMatchObject({ kind: 'cluster', dryRun: false, fromWriter: 'hub-writer', target: 'hub-reader-a', writer: 'hub-reader-a' });
    expect(rds.clusters.writerOf(REGION, HUB)).toBe('hub-reader-a');
    expect(r.report?.steps.map((s) => `${s.id} ${s.status}`)).toEqual(['CF-1 ok', 'CF-4 skipped', 'CF-2 ok', 'CF-3 ok', 'CF-5 skipped']);
    expect(t.asked).toEqual([
      'Fail over Aurora cluster content-hub from hub-writer to hub-reader-a? Writes are refused for about 30-60 s.',
    ]);
    expect(renderClusterFailover(r)).toBe('Aurora cluster content-hub failed over: hub-writer -> hub-reader-a is the writer.');
  });

  it('--candidate names the reader; one that is not a reader is bad input (exit 2)', async () => {
    rds.addClusterMember(REGION, HUB, 'hub-reader-a', { PromotionTier: 1 });
    rds.addClusterMember(REGION, HUB, 'hub-reader-b', { PromotionTier: 2 });
    t = await context();
    await failoverCluster(t.ctx, { clusterId: HUB, candidate: 'hub-reader-b' });
    expect(inputsOf(rds.mock, FailoverDBClusterCommand)).toEqual([
      { DBClusterIdentifier: HUB, TargetDBInstanceIdentifier: 'hub-reader-b' },
    ]);

    const e = await failoverCluster(t.ctx, { clusterId: HUB, candidate: 'hub-reader-b' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toBe('hub-reader-b is not a reader of Aurora cluster content-hub.');
  });

  it('refuses a cluster without a reader (bad input, exit 2), changing nothing', async () => {
    t = await context();
    const e = await failoverCluster(t.ctx, { clusterId: HUB }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).exitCode).toBe(ExitCode.usage);
    expect((e as Error).message).toBe(
      'Failover refused: Aurora cluster content-hub has no reader to promote (its only instance is the writer hub-writer).',
    );
    expect(rds.mock.commandCalls(FailoverDBClusterCommand)).toHaveLength(0);
  });

  it('--dry-run shows the plan and changes nothing', async () => {
    rds.addClusterMember(REGION, HUB, 'hub-reader-a');
    t = await context({ dryRun: true });
    const r = await failoverCluster(t.ctx, { clusterId: HUB });
    expect(r.dryRun).toBe(true);
    expect(renderClusterFailover(r)).toBe(
      [
        'Dry run: would fail over Aurora cluster content-hub:',
        '  - FailoverDBCluster content-hub to hub-reader-a: the writer endpoint moves to it; connections drop and must reconnect',
        '  - wait until content-hub is available with hub-reader-a as its writer',
      ].join('\n'),
    );
    expect(rds.mock.commandCalls(FailoverDBClusterCommand)).toHaveLength(0);
    expect(r.report?.steps.map((s) => `${s.id} ${s.status}`)).toEqual([
      'CF-1 ok',
      'CF-4 skipped',
      'CF-2 skipped',
      'CF-3 skipped',
      'CF-5 skipped',
    ]);
  });
});

describe('pickReader', () => {
  it('orders by promotion tier, then name', () => {
    const members = [
      { instanceId: 'w', role: 'writer' as const, promotionTier: 0 },
      { instanceId: 'r-b', role: 'reader' as const, promotionTier: 1 },
      { instanceId: 'r-a', role: 'reader' as const, promotionTier: 1 },
      { instanceId: 'r-0', role: 'reader' as const, promotionTier: 3 },
    ];
    expect(pickReader({ id: 'c', members }, undefined).instanceId).toBe('r-a');
  });
});
