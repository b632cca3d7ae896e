/**
 * `migrate status --all` with no migrations directory: bad input said once (exit 2) before
 * any account is listed, not one "could not be processed" row per database with exit 3.
 */
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { afterEach, describe, expect, it } from 'vitest';
import { fleetMigrateStatus } from '../../../src/lib/fleet/migrate-status.js';
import { testContext } from '../../_helpers/context.js';
import { FakeFleet } from '../../_helpers/fake-fleet.js';

const NOW = new Date('2026-11-22T05:00:00Z');
let fleet: FakeFleet | undefined;
afterEach(() => fleet?.restore());

describe('migrate status --all', () => {
  it('refuses a missing migrations directory once, exit 2, listing nothing', async () => {
    fleet = new FakeFleet({ instances: 3, now: NOW });
    const t = await testContext({
      config: { provider: 'aws', region: 'us-east-2', fleet: fleet.fleetConfig(), migrate: { dir: '/nonexistent/dbops-migrations' } },
      now: NOW,
      env: { DBOPS_HOME: '/nonexistent-dbops-home' },
    });
    try {
      const e = await fleetMigrateStatus(t.ctx, { all: true, selectors: [] }, { concurrency: 2 }).then(
        () => undefined,
        (err: unknown) => err as { message: string; exitCode: number },
      );
      expect([e?.message, e?.exitCode]).toEqual(['The migrations directory /nonexistent/dbops-migrations does not exist.', 2]);
      expect(fleet.rds.mock.commandCalls(DescribeDBInstancesCommand)).toHaveLength(0);
    } finally {
      await t.close();
    }
  });
});
