/**
 * `dbops failover --probe --report` of an Aurora cluster: the control plane is FakeRds'
 * clusters (FailoverDBCluster, the writer moving), the cluster endpoint is a real local
 * PostgreSQL (what the application would reach through it), so the write probe really
 * writes during the failover: its figures land in the result and the report, nothing is
 * lost, and its table is dropped afterwards.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { failoverCluster, renderClusterFailover } from '../../../src/lib/failover/cluster.js';
import { createAwsProvider } from '../../../src/lib/providers/aws/provider.js';
import type { ConnectionInfo, Provider } from '../../../src/lib/providers/types.js';
import { testContext, type TestContext } from '../../_helpers/context.js';
import { FakeRds } from '../../_helpers/fake-rds.js';
import { destroyLocalHome, instanceInput, localProvider, makeLocalHome, withPg } from '../../_helpers/local.js';
import { awsOptions, FAST, REGION } from '../../unit/providers/aws/helpers.js';

const HUB = 'content-hub';
let home = '';
let local: Provider;
let endpoint: ConnectionInfo;
let rds: FakeRds;
let t: TestContext | undefined;

beforeAll(async () => {
  home = await makeLocalHome('dbops-cf-probe-');
  local = localProvider(home);
  await local.createInstance(instanceInput('hub-endpoint'));
  endpoint = await local.connectionInfo('hub-endpoint');
}, 120_000);

afterAll(async () => {
  await local?.close();
  if (home) await destroyLocalHome(home);
});

afterEach(async () => {
  await t?.close();
  rds?.restore();
});

/** The aws provider, whose cluster endpoint is the local server (connectionInfo of the cluster). */
function awsWithEndpoint(): Provider {
  const aws = createAwsProvider(awsOptions(), FAST);
  return new Proxy(aws, {
    get(target, prop) {
      if (prop === 'connectionInfo') return async (id: string) => (id === HUB ? endpoint : target.connectionInfo(id));
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

describe('failover of an Aurora cluster with --probe', () => {
  it('writes through the cluster endpoint during the failover, reports what the application saw, loses nothing, drops its table', async () => {
    rds = new FakeRds({ describesToSettle: 3 });
    rds.clusters.addCluster(REGION, HUB);
    rds.addClusterMember(REGION, HUB, 'hub-writer', { PromotionTier: 0 });
    rds.addClusterMember(REGION, HUB, 'hub-reader', { PromotionTier: 1 });
    const provider = awsWithEndpoint();
    t = await testContext({
      config: {
        provider: 'aws',
        database: { identifier: HUB, engine: 'aurora-postgresql', engineVersion: '15.4', instanceClass: 'db.serverless' },
      },
      provider: () => Promise.resolve(provider),
      yes: true,
    });
    const report = join(home, 'cf-report.md');

    const r = await failoverCluster(t.ctx, { clusterId: HUB, probe: true, probeIntervalMs: 5, reportFile: report });

    expect(r.writer).toBe('hub-reader');
    expect(r.report?.steps.map((s) => `${s.id} ${s.status}`)).toEqual(['CF-1 ok', 'CF-4 ok', 'CF-2 ok', 'CF-3 ok', 'CF-5 ok']);
    expect(r.probe).toMatchObject({ address: `the cluster endpoint ${endpoint.host}:${endpoint.port}`, intervalMs: 5, lostAcked: 0 });
    expect(r.probe!.attempts).toBeGreaterThanOrEqual(1);
    expect(r.probe!.acked).toBeGreaterThanOrEqual(1);
    // the probe's table is gone from the database behind the endpoint
    const left = await withPg(
      endpoint,
      async (c) => (await c.query(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 'switch_probe_%'`)).rows[0],
    );
    expect(left).toEqual({ n: 0 });
    // the result and the report say what the application saw
    expect(renderClusterFailover(r)).toContain('acknowledged writes missing on the new writer: 0');
    expect(r.reportFile).toBe(report);
    const md = await readFile(report, 'utf8');
    expect(md).toContain('# Failover of Aurora cluster content-hub');
    expect(md).toContain('- Writer: `hub-writer` -> `hub-reader`');
    expect(md).toContain('| CF-5 | Read the write probe back | ok |');
    expect(md).toContain('## What the application saw');
  });
});
