/**
 * `restore-test --all` against the FakeFleet and the DB instance quota
 * (DescribeAccountAttributes): 12 databases over 2 accounts × 3 regions, 2 of each account
 * in each region. With a quota of 3 each account has room for one more instance in each
 * region: the run's temporary instances queue for it (never two of one account in one
 * region at once) and every database is still tested; with a quota of 2 there is no room, and every test is
 * refused with the reason before anything is restored. A fake RDS has no database behind
 * it, so the data-plane checks are an injected CheckSession (as in the single restore test's
 * AWS flow test); this file covers the fleet run and the quota.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeAccountAttributesCommand, RestoreDBInstanceFromDBSnapshotCommand } from '@aws-sdk/client-rds';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckSession } from '../../../src/lib/checks/session.js';
import type { CheckResult } from '../../../src/lib/checks/types.js';
import { fleetRestoreTest } from '../../../src/lib/fleet/restore-test.js';
import type { RestoreTestSeams } from '../../../src/lib/restore/restore-test.js';
import { testContext } from '../../_helpers/context.js';
import { FakeFleet, FLEET_ACCOUNTS, FLEET_REGIONS } from '../../_helpers/fake-fleet.js';

const NOW = new Date('2026-11-22T05:00:00Z');
let fleet: FakeFleet | undefined;
let home: string | undefined;
afterEach(async () => {
  fleet?.restore();
  if (home) await rm(home, { recursive: true, force: true });
});

const pass = (id: CheckResult['id'], data?: unknown): CheckResult => ({
  id,
  title: id,
  status: 'passed',
  summary: `${id} ok`,
  evidence: [],
  ...(data ? { data } : {}),
});

/** Checks that pass, and, while each temporary instance is up, the most of one account's there were in its region at once. */
function checksCounting(f: FakeFleet) {
  const peak = new Map<string, number>();
  const accountOf = new Map(f.seeds.map((s) => [s.id, s.account]));
  const count = () => {
    for (const region of FLEET_REGIONS) {
      for (const account of FLEET_ACCOUNTS) {
        const temporaries = f.rds
          .instanceIds(region)
          .filter((id) => id.includes('-rt-') && accountOf.get(id.replace(/-rt-.*$/, '')) === account.id).length;
        const key = `${account.name}/${region}`;
        peak.set(key, Math.max(peak.get(key) ?? 0, temporaries));
      }
    }
  };
  const session: CheckSession = {
    server: async () => {
      count();
      return pass('server');
    },
    integrity: async () => [pass('amcheck'), pass('invalid-indexes')],
    schema: async () => pass('schema'),
    // A pause, so the tests in flight overlap.
    counts: async () => {
      await new Promise((r) => setTimeout(r, 5));
      return pass('row-counts');
    },
    freshness: async () => pass('rpo', { measured: true, dataLossSeconds: 300 }),
    pgvector: async () => pass('pgvector'),
    performance: async () => pass('performance'),
    onRestore: (fn) => fn({ query: async () => ({ rows: [] }) }),
    close: async () => undefined,
  };
  const seams: RestoreTestSeams = { runId: 'q1', openChecks: async () => session };
  return { peak, seams };
}

async function run(quota: number) {
  fleet = new FakeFleet({ instances: 12, now: NOW, quotas: { DBInstances: quota } });
  home = await mkdtemp(join(tmpdir(), 'dbops-fleet-rtq-'));
  const { peak, seams } = checksCounting(fleet);
  const t = await testContext({
    config: { provider: 'aws', region: 'us-east-2', fleet: fleet.fleetConfig() },
    now: NOW,
    yes: true,
    env: { DBOPS_HOME: home },
  });
  try {
    const result = await fleetRestoreTest(t.ctx, { all: true, selectors: [] }, {}, { concurrency: 8 }, undefined, seams);
    return { result, peak };
  } finally {
    await t.close();
  }
}

describe('restore-test --all and the DB instance quota (FakeFleet)', () => {
  it('room for one per account and region: the temporary instances queue for it, and all 12 databases are tested', async () => {
    const { result, peak } = await run(3);
    expect(result.rows.map((r) => `${r.id}:${r.verdict}`).filter((r) => !r.endsWith(':ok'))).toEqual([]);
    expect(result.rows).toHaveLength(12);
    expect(result.exitCode).toBe(0);
    expect(result.verdict).toBe('all 12 passed.');
    // 8 at once would put both databases of an account and region in flight: the quota held them to one.
    expect(Math.max(...peak.values())).toBe(1);
    expect(peak.size).toBe(6);
    expect(fleet!.rds.mock.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)).toHaveLength(12);
    // The quota is read once per account and region, before the first restore there.
    expect(fleet!.rds.mock.commandCalls(DescribeAccountAttributesCommand)).toHaveLength(6);
    for (const region of FLEET_REGIONS) expect(fleet!.rds.instanceIds(region).filter((id) => id.includes('-rt-'))).toEqual([]);
  });

  it('no room at all: every test refused with the reason (its row, exit 3), nothing restored', async () => {
    const { result } = await run(2);
    expect(result.rows.every((r) => r.verdict === 'error')).toBe(true);
    expect(result.rows.find((r) => r.id === 'core-db-00')!.error?.message).toBe(
      "Refusing to create the restore test's temporary instance of core-db-00 in us-east-2 (core): the account has 2 of its 2 DB instances there, room for 0 and one is needed.",
    );
    expect(result.exitCode).toBe(3);
    expect(fleet!.rds.mock.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)).toHaveLength(0);
  });
});
