/**
 * The account quotas of a fleet run against the stateful FakeRds (DescribeAccountAttributes
 * counts what the region holds): temporary restores wait for room the run's own take and
 * are refused, with the reason, when the account has none; a restore that needs two
 * instances never deadlocks another; the quota is read once per account and region.
 */
import { DescribeAccountAttributesCommand } from '@aws-sdk/client-rds';
import { afterEach, describe, expect, it } from 'vitest';
import { FleetQuotas, Slots } from '../../../src/lib/fleet/quotas.js';
import { createAwsProvider } from '../../../src/lib/providers/aws/provider.js';
import { FakeRds } from '../../_helpers/fake-rds.js';
import { awsOptions, FAST } from '../providers/aws/helpers.js';

let rds: FakeRds | undefined;
afterEach(() => rds?.restore());
const warnings: string[] = [];
const out = { warn: (m: string) => warnings.push(m) };
const tick = () => new Promise((r) => setTimeout(r, 1));

/** `n` instances exist in us-east-2 out of a quota of `max`. */
function estate(n: number, max: number) {
  rds = new FakeRds({ quotas: { DBInstances: max } });
  for (let i = 0; i < n; i++) rds.addInstance('us-east-2', `app-db-${i}`);
  return createAwsProvider(awsOptions(), FAST);
}

/** Runs `jobs` restores needing `count` instances each; the most held at once. */
async function restores(quotas: FleetQuotas, provider: ReturnType<typeof estate>, jobs: number, count = 1): Promise<number> {
  let held = 0;
  let peak = 0;
  await Promise.all(
    Array.from({ length: jobs }, async (_, i) => {
      const release = await quotas.holdInstances('core', provider, count, `restore ${i}`);
      held += count;
      peak = Math.max(peak, held);
      await tick();
      held -= count;
      release();
    }),
  );
  return peak;
}

describe('the DB instance quota for temporary restores', () => {
  it('6 restores with room for 2: never more than 2 at once, all done; the quota read once', async () => {
    const provider = estate(10, 12);
    try {
      expect(await restores(new FleetQuotas(out), provider, 6)).toBe(2);
      expect(rds!.mock.commandCalls(DescribeAccountAttributesCommand)).toHaveLength(1);
    } finally {
      await provider.close();
    }
  });

  it('restores of two instances each (replica drills) with room for 3: one at a time, none stuck', async () => {
    const provider = estate(9, 12);
    try {
      expect(await restores(new FleetQuotas(out), provider, 4, 2)).toBe(2);
    } finally {
      await provider.close();
    }
  });

  it('no room at all: refused with the reason (exit 3), nothing waits forever', async () => {
    const provider = estate(12, 12);
    try {
      const e = await new FleetQuotas(out)
        .holdInstances('core', provider, 1, "the drill's temporary instance of app-db-0")
        .catch((x: Error) => x);
      expect(e).toMatchObject({
        exitCode: 3,
        kind: 'quota-exceeded',
        message:
          "Refusing to create the drill's temporary instance of app-db-0 in us-east-2 (core): the account has 12 of its 12 DB instances there, room for 0 and one is needed.",
      });
    } finally {
      await provider.close();
    }
  });
});

describe('Slots', () => {
  it('hands out at most `limit`, in arrival order, and a waiter gives up on abort', async () => {
    const s = new Slots(2);
    const a = await s.acquire();
    const b = await s.acquire();
    const order: string[] = [];
    const noting = (name: string) => (release: () => void) => {
      order.push(name);
      return release;
    };
    const c = s.acquire().then(noting('c'));
    const d = s.acquire().then(noting('d'));
    const controller = new AbortController();
    const e = s.acquire(controller.signal).catch(() => 'aborted');
    expect(s.waiting).toBe(3);
    controller.abort(new Error('SIGINT'));
    expect(await e).toBe('aborted');
    a();
    b();
    (await c)();
    (await d)();
    expect(order).toEqual(['c', 'd']);
    expect(s.peak).toBe(2);
    expect(s.held).toBe(0);
  });
});
