/**
 * `dbops snapshot create --wait` on the aws provider, the handler run in process over the
 * stateful FakeRds: a SIGINT while RDS is still creating the snapshot stops the waiting,
 * not the snapshot. dbops says what is true (the snapshot continues, and how to follow
 * it), exits 130, prints no result, reports no failure and deletes nothing.
 */
import { DeleteDBSnapshotCommand, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { create } from '../../../src/commands/snapshot.run.js';
import { ExitCode, Interrupted } from '../../../src/lib/errors.js';
import { createAwsProvider } from '../../../src/lib/providers/aws/provider.js';
import type { Provider } from '../../../src/lib/providers/types.js';
import { testContext, type TestContext } from '../../_helpers/context.js';
import { FakeRds } from '../../_helpers/fake-rds.js';
import { FAST, REGION, awsOptions, rejectionOf } from '../providers/aws/helpers.js';

const NOW = new Date('2026-11-22T05:00:00Z');
const SNAPSHOT = 'prod-db-manual-20261122-050000';

let rds: FakeRds;
let provider: Provider;
let t: TestContext;

beforeEach(async () => {
  // The snapshot stays `creating` far longer than the test runs.
  rds = new FakeRds({ describesToSettle: 1_000_000 });
  rds.addInstance(REGION, 'prod-db');
  provider = createAwsProvider(awsOptions(), FAST);
  t = await testContext({
    config: { provider: 'aws', region: REGION, database: { identifier: 'prod-db' } },
    provider,
    now: NOW,
  });
});

afterEach(async () => {
  await t.close();
  await provider.close();
  rds.restore();
});

/** SIGINT as the CLI sends it (program.ts aborts with the signal's name), once the wait has polled RDS. */
async function interruptWhileWaiting(): Promise<void> {
  await vi.waitFor(() => expect(rds.mock.commandCalls(DescribeDBSnapshotsCommand).length).toBeGreaterThanOrEqual(3));
  t.controller.abort('SIGINT');
}

describe('snapshot create --wait, interrupted (aws)', () => {
  it('says the snapshot continues and how to check it, exits 130, and leaves the snapshot alone', async () => {
    // GIVEN `dbops snapshot create --wait` waiting for RDS
    const running = create.run(t.ctx, { args: {}, opts: { instance: undefined, id: undefined, wait: true } });
    // WHEN Ctrl-C arrives while RDS still creates the snapshot
    await interruptWhileWaiting();
    const e = await rejectionOf(running);

    // THEN the run ends as interrupted (exit 130), saying what is true
    expect(e).toBeInstanceOf(Interrupted);
    expect((e as Interrupted).exitCode).toBe(ExitCode.interrupted);
    expect(e.message).toBe('Interrupted by SIGINT.');
    expect(e.hint).toBe(
      `Only the waiting stopped: snapshot ${SNAPSHOT} continues (status creating); \`dbops snapshot list --instance prod-db\` shows when it is available.`,
    );
    // no result, and nothing claims the snapshot failed
    expect(t.io.stdout()).toBe('');
    expect(t.io.stderr()).not.toMatch(/fail|not taken|error/i);
    // the snapshot is still being created in RDS, and dbops asked for nothing to be deleted
    expect(rds.snapshot(REGION, SNAPSHOT)?.Status).toBe('creating');
    expect(rds.mock.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
  });

  it('names the region to check in when the snapshot is not in the configured one', async () => {
    // GIVEN the provider works in the DR region while the config names us-east-2
    const west = createAwsProvider(awsOptions({ region: 'us-west-2' }), FAST);
    rds.addInstance('us-west-2', 'prod-db');
    const w = await testContext({
      config: { provider: 'aws', region: REGION, database: { identifier: 'prod-db' } },
      provider: west,
      now: NOW,
    });
    try {
      const running = create.run(w.ctx, { args: {}, opts: { instance: undefined, id: 'prod-db-before-upgrade', wait: true } });
      await vi.waitFor(() => expect(rds.mock.commandCalls(DescribeDBSnapshotsCommand).length).toBeGreaterThanOrEqual(3));
      // WHEN SIGTERM arrives
      w.controller.abort('SIGTERM');
      const e = await rejectionOf(running);
      // THEN exit 130, and the check names the snapshot's region
      expect((e as Interrupted).exitCode).toBe(ExitCode.interrupted);
      expect(e.message).toBe('Interrupted by SIGTERM.');
      expect(e.hint).toBe(
        'Only the waiting stopped: snapshot prod-db-before-upgrade continues (status creating); `dbops snapshot list --instance prod-db --region us-west-2` shows when it is available.',
      );
      expect(rds.snapshot('us-west-2', 'prod-db-before-upgrade')?.Status).toBe('creating');
    } finally {
      await w.close();
      await west.close();
    }
  });
});
