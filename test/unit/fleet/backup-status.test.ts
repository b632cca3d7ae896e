/**
 * `backup status --all` against the stateful FakeRds: 50 instances over 3 regions. The
 * calls it makes grow with the regions, never with the databases or the checks (the
 * count is asserted for 10 and for 50 databases); each database is judged with its own
 * overrides; the summary's exit code is the worst of the fleet.
 */
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { afterEach, describe, expect, it } from 'vitest';
import { fleetBackupStatus } from '../../../src/lib/fleet/backup-status.js';
import { createAwsProvider } from '../../../src/lib/providers/aws/provider.js';
import { testContext } from '../../_helpers/context.js';
import { FakeRds } from '../../_helpers/fake-rds.js';
import { awsOptions, FAST } from '../providers/aws/helpers.js';

const NOW = new Date('2026-11-22T05:00:00Z');
const REGIONS = ['us-east-2', 'us-west-2', 'eu-west-1'];
const DAY = 24 * 3600_000;

let rds: FakeRds | undefined;
afterEach(() => rds?.restore());

/** n instances spread over the regions; each has a fresh manual snapshot and a fresh copy in the DR region eu-central-1, except `stale`. */
function seed(n: number, stale: string[] = []): FakeRds {
  const fake = new FakeRds({ describesToSettle: 1 });
  for (let i = 0; i < n; i++) {
    const id = `db-${String(i).padStart(2, '0')}`;
    const region = REGIONS[i % 3]!;
    fake.addInstance(region, id, {
      LatestRestorableTime: new Date(NOW.getTime() - 5 * 60_000),
      TagList: [{ Key: 'environment', Value: 'production' }],
    });
    const age = stale.includes(id) ? 20 * DAY : DAY;
    fake.addSnapshot(region, `${id}-weekly`, { DBInstanceIdentifier: id, SnapshotCreateTime: new Date(NOW.getTime() - age) });
    fake.addSnapshot('eu-central-1', `${id}-weekly-copy`, {
      DBInstanceIdentifier: id,
      SourceRegion: region,
      SnapshotCreateTime: new Date(NOW.getTime() - age),
    });
  }
  return fake;
}

async function run(n: number, stale: string[] = [], overrides = {}) {
  rds = seed(n, stale);
  const provider = createAwsProvider(awsOptions(), FAST);
  const t = await testContext({
    config: {
      provider: 'aws',
      region: 'us-east-2',
      snapshots: { crossRegion: { enabled: true, region: 'eu-central-1', retentionWeeks: 2 } },
      recovery: { drillEveryDays: 3650 },
      fleet: { regions: REGIONS, ...overrides },
    },
    provider,
    now: NOW,
    env: { DBOPS_HOME: '/nonexistent-dbops-home' },
  });
  try {
    const result = await fleetBackupStatus(t.ctx, { all: true, selectors: [] }, { concurrency: 8 });
    return {
      result,
      describeInstances: rds.mock.commandCalls(DescribeDBInstancesCommand).length,
      describeSnapshots: rds.mock.commandCalls(DescribeDBSnapshotsCommand).length,
      total: rds.mock.calls().length,
    };
  } finally {
    await t.close();
    await provider.close();
  }
}

describe('backup status --all', () => {
  it('makes the same number of calls for 10 databases as for 50: one listing of each per region', async () => {
    const small = await run(10);
    const large = await run(50);
    expect(large.result.rows).toHaveLength(50);
    expect(small.result.rows).toHaveLength(10);
    for (const r of [small, large]) {
      expect(r.describeInstances).toBe(3);
      // Manual snapshots once per region, and once in the DR region for every database's copies.
      expect(r.describeSnapshots).toBe(4);
      expect(r.total).toBe(7);
    }
    expect(large.result.exitCode).toBe(0);
    expect(large.result.verdict).toBe('all 50 passed.');
  });

  it('a database without a recent snapshot fails alone; the exit code is 1 and says which', async () => {
    const { result } = await run(9, ['db-04']);
    const failed = result.rows.filter((r) => r.verdict === 'failed');
    expect(failed.map((r) => r.id)).toEqual(['db-04']);
    expect(failed[0]!.figure).toBe('2 violations: no-recent-manual-snapshot, no-recent-cross-region-copy');
    expect(result.exitCode).toBe(1);
    expect(result.verdict).toBe('db-04 (us-west-2) failed; the rest passed.');
  });

  it("a member's overrides judge it by its own policy", async () => {
    // db-01 keeps 30 days of automated backups by its override; RDS reports 7: a violation for it alone.
    const { result } = await run(3, [], {
      databases: [{ identifier: 'db-01', region: 'us-west-2', overrides: { database: { backupRetentionDays: 30 } } }],
    });
    expect(result.rows.map((r) => `${r.id}:${r.verdict}`)).toEqual(['db-01:failed']);
    expect(result.rows[0]!.result?.violations.map((v) => v.code)).toEqual(['backup-retention-below-policy']);
  });
});
