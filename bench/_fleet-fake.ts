/**
 * The in-process half of `npm run bench:fleet` (bundled by bench/fleet.mjs with esbuild):
 * `backup status --all` over n instances in the stateful FakeRds (in-memory RDS, every SDK
 * call counted), and the same-process baseline: the single-database `backup status` once
 * per database, as a loop over the one-database command would do; and `status --all` over
 * n instances in the FakeFleet (2 accounts by their roles × 3 regions, CloudWatch counted).
 */
import { fleetBackupStatus } from '../src/lib/fleet/backup-status.js';
import { fleetStatus } from '../src/lib/fleet/status.js';
import { createAwsProvider } from '../src/lib/providers/aws/provider.js';
import { backupStatus } from '../src/lib/snapshots/status.js';
import { testContext } from '../test/_helpers/context.js';
import { FakeFleet } from '../test/_helpers/fake-fleet.js';
import { FakeRds } from '../test/_helpers/fake-rds.js';

const NOW = new Date('2026-11-22T05:00:00Z');
const REGIONS = ['us-east-2', 'us-west-2'];
const DR = 'eu-central-1';
const DAY = 24 * 3600_000;

export interface FakeFigures {
  databases: number;
  ms: number;
  calls: number;
  byOperation: Record<string, number>;
  exitCode?: number;
}

function seed(n: number): FakeRds {
  const fake = new FakeRds({ describesToSettle: 1 });
  for (let i = 0; i < n; i++) {
    const id = `db-${String(i).padStart(3, '0')}`;
    const region = REGIONS[i % REGIONS.length]!;
    fake.addInstance(region, id, {
      LatestRestorableTime: new Date(NOW.getTime() - 5 * 60_000),
      TagList: [{ Key: 'environment', Value: 'production' }],
    });
    fake.addSnapshot(region, `${id}-weekly`, { DBInstanceIdentifier: id, SnapshotCreateTime: new Date(NOW.getTime() - DAY) });
    fake.addSnapshot(DR, `${id}-weekly-copy`, {
      DBInstanceIdentifier: id,
      SourceRegion: region,
      SnapshotCreateTime: new Date(NOW.getTime() - DAY),
    });
  }
  return fake;
}

const config = (region: string) => ({
  provider: 'aws' as const,
  region,
  snapshots: { crossRegion: { enabled: true, region: DR, retentionWeeks: 2 } },
  recovery: { drillEveryDays: 3650 },
  fleet: { regions: REGIONS },
});

function tally(fake: FakeRds): { calls: number; byOperation: Record<string, number> } {
  const byOperation: Record<string, number> = {};
  for (const c of fake.mock.calls()) {
    const name = (c.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, '');
    byOperation[name] = (byOperation[name] ?? 0) + 1;
  }
  return { calls: fake.mock.calls().length, byOperation };
}

/** `backup status --all` over n databases: one run of the fleet lib. */
export async function fleetRun(n: number, concurrency = 8): Promise<FakeFigures> {
  const fake = seed(n);
  const provider = createAwsProvider({ region: REGIONS[0]!, maxAttempts: 3, maxWaitSeconds: 60, env: {} }, { pollDelaySeconds: 0.001 });
  const t = await testContext({ config: config(REGIONS[0]!), provider, now: NOW, env: { DBOPS_HOME: '/nonexistent-dbops-home' } });
  try {
    const t0 = performance.now();
    const r = await fleetBackupStatus(t.ctx, { all: true, selectors: [] }, { concurrency });
    const ms = performance.now() - t0;
    if (r.rows.length !== n) throw new Error(`expected ${n} rows, got ${r.rows.length}`);
    return { databases: n, ms, ...tally(fake), exitCode: r.exitCode };
  } finally {
    await t.close();
    await provider.close();
    fake.restore();
  }
}

/** The baseline: the single-database `backup status` once per database (same fake, same process). */
export async function singleLoop(n: number): Promise<FakeFigures> {
  const fake = seed(n);
  const byRegion = new Map<string, string[]>();
  for (let i = 0; i < n; i++) {
    const region = REGIONS[i % REGIONS.length]!;
    byRegion.set(region, [...(byRegion.get(region) ?? []), `db-${String(i).padStart(3, '0')}`]);
  }
  let ms = 0;
  try {
    for (const [region, list] of byRegion) {
      const provider = createAwsProvider({ region, maxAttempts: 3, maxWaitSeconds: 60, env: {} }, { pollDelaySeconds: 0.001 });
      const t = await testContext({ config: config(region), provider, now: NOW, env: { DBOPS_HOME: '/nonexistent-dbops-home' } });
      try {
        const t0 = performance.now();
        for (const id of list) await backupStatus(t.ctx, { instanceId: id });
        ms += performance.now() - t0;
      } finally {
        await t.close();
        await provider.close();
      }
    }
    return { databases: n, ms, ...tally(fake) };
  } finally {
    fake.restore();
  }
}

/** `status --all` over n databases in 2 accounts × 3 regions: RDS, STS and CloudWatch calls, and the metric queries. */
export async function statusRun(n: number, concurrency = 8): Promise<FakeFigures & { queries: number }> {
  const fleet = new FakeFleet({ instances: n, now: NOW });
  const t = await testContext({
    config: { provider: 'aws', region: 'us-east-2', fleet: fleet.fleetConfig() },
    now: NOW,
    env: { DBOPS_HOME: '/nonexistent-dbops-home' },
  });
  try {
    const t0 = performance.now();
    const r = await fleetStatus(t.ctx, { all: true, selectors: [] }, { concurrency });
    const ms = performance.now() - t0;
    if (r.rows.length !== n) throw new Error(`expected ${n} rows, got ${r.rows.length}`);
    const rds = tally(fleet.rds);
    const byOperation = {
      ...rds.byOperation,
      AssumeRole: fleet.sts.calls().length,
      GetMetricData: fleet.cloudWatch.calls().length,
    };
    const calls = Object.values(byOperation).reduce((a, b) => a + b, 0);
    return { databases: n, ms, calls, byOperation, exitCode: r.exitCode, queries: fleet.metricQueries };
  } finally {
    await t.close();
    fleet.restore();
  }
}
