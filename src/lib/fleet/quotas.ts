/**
 * AWS quotas a fleet run respects instead of failing on them (docs/fleet.md):
 *
 * - at most 5 cross-region snapshot copies in flight per destination region (RDS refuses
 *   a sixth): the others wait for a slot, in order;
 * - 100 manual snapshots per region (DescribeAccountAttributes `ManualSnapshots`, else the
 *   default): a warning once 90 % is used, and a refusal, with the reason, to create one
 *   past the quota (a snapshot or a copy into that region);
 * - the DB instance quota (`DBInstances`) for temporary restores (restore tests, drills):
 *   read before the first starts; a restore waits while the run's own temporary instances
 *   take the room left, and is refused, with the reason, when there is none at all.
 *
 * Quotas are an account's in a region, so every count is kept per account and region,
 * read once per run (one DescribeAccountAttributes per account and region).
 */
import { EnvironmentError } from '../errors.js';
import type { Output } from '../output/output.js';
import type { AccountQuota, Provider } from '../providers/types.js';

/** RDS: at most 5 CopyDBSnapshot in progress per destination region. */
export const MAX_COPIES_IN_FLIGHT = 5;
/** RDS default quotas, when the provider cannot read the account's. */
export const DEFAULT_MANUAL_SNAPSHOTS = 100;
/** Warn once this share of a quota is used. */
export const WARN_SHARE = 0.9;

/** At most `limit` holders at once; the others wait in arrival order. */
export class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  /** The most holders there ever were at once (tests assert it). */
  peak = 0;
  #held = 0;

  constructor(readonly limit: number) {
    this.#free = limit;
  }

  get held(): number {
    return this.#held;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** Resolves once a slot is free; call the release it returns exactly once. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.#free > 0) this.#free--;
    else {
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal?.removeEventListener('abort', abort);
          resolve();
        };
        const abort = () => {
          const i = this.#waiting.indexOf(wake);
          if (i >= 0) this.#waiting.splice(i, 1);
          reject(signal?.reason instanceof Error ? signal.reason : new Error('interrupted'));
        };
        if (signal?.aborted) return abort();
        signal?.addEventListener('abort', abort, { once: true });
        this.#waiting.push(wake);
      });
    }
    this.#held++;
    this.peak = Math.max(this.peak, this.#held);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#held--;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
  }
}

interface Budget {
  name: string;
  used: number;
  max: number;
  warned: boolean;
}

export class FleetQuotas {
  readonly #copies = new Map<string, Slots>();
  readonly #instances = new Map<string, Promise<Slots | undefined>>();
  readonly #gates = new Map<string, Promise<void>>();
  readonly #budgets = new Map<string, Promise<Map<string, Budget>>>();
  /** account|region -> the databases whose manual snapshots (or copies) the run is still to create there. */
  readonly #planned = new Map<string, Set<string>>();

  constructor(private readonly out: Pick<Output, 'warn'>) {}

  /** The copy slots of one account's destination region. */
  copySlots(account: string, region: string): Slots {
    const key = `${account}|${region}`;
    let s = this.#copies.get(key);
    if (!s) {
      s = new Slots(MAX_COPIES_IN_FLIGHT);
      this.#copies.set(key, s);
    }
    return s;
  }

  /** The account's quotas in the provider's region, read once per run. */
  #quotas(account: string, provider: Provider): Promise<Map<string, Budget>> {
    const key = `${account}|${provider.region}`;
    let b = this.#budgets.get(key);
    if (!b) {
      b = (async () => {
        const read: AccountQuota[] = provider.accountQuotas ? await provider.accountQuotas() : [];
        return new Map(read.map((q) => [q.name, { ...q, warned: false }]));
      })();
      this.#budgets.set(key, b);
    }
    return b;
  }

  /** The run will create a manual snapshot (or a copy) of each of `databases` in the account's region: the 90 % warning names them. */
  planSnapshots(account: string, region: string, databases: readonly string[]): void {
    const key = `${account}|${region}`;
    const planned = this.#planned.get(key) ?? new Set<string>();
    for (const d of databases) planned.add(d);
    this.#planned.set(key, planned);
  }

  /**
   * Counts one more manual snapshot (a snapshot, or a copy into that region) of `database`
   * against the account's quota there: warns at 90 %, naming the databases whose snapshots
   * the run is creating there; refuses past the quota with the reason.
   */
  async reserveManualSnapshot(account: string, provider: Provider, what: string, database?: string): Promise<void> {
    const quotas = await this.#quotas(account, provider);
    let b = quotas.get('ManualSnapshots');
    if (!b) {
      // Not reported (local provider, an emulator): the snapshots there against RDS' default quota.
      const used = (await provider.listSnapshots({ type: 'manual' })).length;
      b = quotas.get('ManualSnapshots') ?? { name: 'ManualSnapshots', used, max: DEFAULT_MANUAL_SNAPSHOTS, warned: false };
      quotas.set('ManualSnapshots', b);
    }
    if (b.used + 1 > b.max) {
      throw new EnvironmentError(
        `Refusing to create ${what} in ${provider.region} (${account}): the region has ${b.used} manual snapshots, the account's quota of ${b.max}.`,
        {
          hint: 'Delete snapshots past retention (`dbops snapshot prune`), or ask AWS to raise the ManualSnapshots quota (Service Quotas), then run again.',
          kind: 'quota-exceeded',
        },
      );
    }
    b.used++;
    // This database's and those still to come there: the snapshots that take the quota's last room.
    const planned = this.#planned.get(`${account}|${provider.region}`);
    const databases = [...new Set([...(database ? [database] : []), ...(planned ?? [])])];
    if (database) planned?.delete(database);
    this.#warnNear(
      b,
      account,
      provider.region,
      'manual snapshots',
      databases.length > 0 ? `creating those of ${databases.join(', ')}` : undefined,
    );
  }

  /**
   * Holds `count` of the DB instances the account may still create in the provider's region
   * (DescribeAccountAttributes DBInstances, read once per run) for one temporary restore:
   * waits while the run's other temporary instances take the room, and refuses, with the
   * reason, when the account's own instances leave none. Release once the restore's cleanup ran.
   */
  async holdInstances(account: string, provider: Provider, count: number, what: string, signal?: AbortSignal): Promise<() => void> {
    const key = `${account}|${provider.region}`;
    let slots = this.#instances.get(key);
    if (!slots) {
      slots = this.#quotas(account, provider).then((q) => {
        const b = q.get('DBInstances');
        return b ? new Slots(Math.max(0, b.max - b.used)) : undefined;
      });
      this.#instances.set(key, slots);
    }
    const s = await slots;
    if (!s) return () => undefined;
    if (s.limit < count) {
      const b = (await this.#quotas(account, provider)).get('DBInstances')!;
      throw new EnvironmentError(
        `Refusing to create ${what} in ${provider.region} (${account}): the account has ${b.used} of its ${b.max} DB instances there, room for ${s.limit} and ${count === 1 ? 'one is' : `${count} are`} needed.`,
        {
          hint: 'Delete instances no longer needed (`dbops gc --all` removes expired temporary ones), or ask AWS to raise the DBInstances quota (Service Quotas), then run again.',
          kind: 'quota-exceeded',
        },
      );
    }
    // Several units are taken one holder at a time, so two restores each holding part never wait on each other.
    const previous = this.#gates.get(key) ?? Promise.resolve();
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    this.#gates.set(key, gate);
    const releases: (() => void)[] = [];
    try {
      await previous;
      for (let i = 0; i < count; i++) releases.push(await s.acquire(signal));
    } catch (e) {
      for (const r of releases) r();
      throw e;
    } finally {
      open();
    }
    return () => {
      for (const r of releases) r();
    };
  }

  #warnNear(b: Budget, account: string, region: string, what: string, doing?: string): void {
    if (b.warned || b.used < Math.ceil(b.max * WARN_SHARE)) return;
    b.warned = true;
    this.out.warn(
      `${region} (${account}): ${b.used} of ${b.max} ${what} (${Math.round((b.used / b.max) * 100)}% of the quota)${doing ? `, ${doing}` : ''}.`,
    );
  }
}
