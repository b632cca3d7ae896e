/**
 * Which databases a fleet run covers. The scope is accounts × regions (config `fleet:`,
 * narrowed by --account / --region); in it, one listing per account and region (a single
 * paginated DescribeDBInstances on AWS, whatever the number of databases) finds what
 * exists, and the members are those named in `fleet.databases` plus those matching the
 * selectors (`fleet.select`, or `--select` on the command line). Each member says why it is
 * in. A listing that fails (no permission in that account, a region without RDS) is a
 * problem of that account and region; the others go on.
 */
import type { DbopsConfig, FleetConfig, FleetOverrides } from '../config/schema.js';
import { ConfigError, messageOf, UsageError } from '../errors.js';
import type { AccountRole } from '../providers/index.js';
import type { Instance } from '../providers/types.js';
import { redact } from '../secret.js';

/** One account of the scope; `current` is the credentials dbops runs with. */
export interface FleetAccount {
  /** Undefined: the current credentials' account, not named in the config. */
  id?: string;
  name?: string;
  role?: AccountRole;
  /** How it appears in tables and messages: name, id, or "current". */
  label: string;
}

export type Selector =
  | { kind: 'tag'; key: string; value: string; text: string }
  | { kind: 'engine'; value: string; text: string }
  | { kind: 'identifier'; value: string; text: string };

export interface FleetRequest {
  /** --all: the whole configured fleet. */
  all: boolean;
  /** --select, replacing fleet.select. */
  selectors: Selector[];
  /** --region when given on the command line (or env): only that region. */
  region?: string;
  /** --account (id or name): only that account. */
  account?: string;
}

export interface FleetMember {
  account: FleetAccount;
  region: string;
  id: string;
  instance: Instance;
  /** Tagged dbops:managed=true: mutating commands may touch it. */
  managed: boolean;
  /** Why it is in the fleet, one phrase each. */
  reasons: string[];
  overrides?: FleetOverrides;
}

/** An account and region that could not be listed, or a named database not found. */
export interface FleetProblem {
  account: string;
  region: string;
  /** The database, when a named one is missing. */
  id?: string;
  message: string;
  hint?: string;
}

export interface FleetSelection {
  provider: DbopsConfig['provider'];
  accounts: FleetAccount[];
  regions: string[];
  members: FleetMember[];
  problems: FleetProblem[];
  /** Listings made: one per account and region. */
  listings: number;
  /** Said once about the scope (e.g. accounts do not apply to the local provider). */
  notes: string[];
}

/** Lists every database of one account and region. */
export type Discover = (account: FleetAccount, region: string) => Promise<Instance[]>;

/** `tag:environment=production`, `environment=production` (a tag), `engine=postgres`, `identifier=recipe-*`. */
export function parseSelector(text: string): Selector {
  const eq = text.indexOf('=');
  if (eq <= 0) {
    throw new UsageError(`--select ${text}: expected key=value.`, {
      hint: 'For example --select environment=production (a tag), --select engine=postgres or --select identifier=recipe-*.',
    });
  }
  const key = text.slice(0, eq).trim();
  const value = text.slice(eq + 1).trim();
  if (key === 'engine') {
    if (value !== 'postgres' && value !== 'mysql') {
      throw new UsageError(`--select engine=${value}: the engine is postgres or mysql.`, { hint: 'For example --select engine=postgres.' });
    }
    return { kind: 'engine', value, text };
  }
  if (key === 'identifier' || key === 'id') {
    if (!value) throw new UsageError('--select identifier=: give a pattern.', { hint: 'For example --select identifier=recipe-*.' });
    return { kind: 'identifier', value, text: `identifier=${value}` };
  }
  const tag = key.startsWith('tag:') ? key.slice(4) : key;
  if (!tag) throw new UsageError(`--select ${text}: the tag key is empty.`, { hint: 'For example --select tag:environment=production.' });
  return { kind: 'tag', key: tag, value, text: `tag ${tag}=${value}` };
}

/** The selectors of the config's `fleet.select`. */
export function configSelectors(select: FleetConfig['select']): Selector[] {
  if (!select) return [];
  return [
    ...Object.entries(select.tags ?? {}).map(([key, value]): Selector => ({ kind: 'tag', key, value, text: `tag ${key}=${value}` })),
    ...(select.engine ? [{ kind: 'engine', value: select.engine, text: `engine ${select.engine}` } as const] : []),
    ...(select.identifier ? [{ kind: 'identifier', value: select.identifier, text: `identifier ${select.identifier}` } as const] : []),
  ];
}

/** `*` any run of characters, `?` one; the rest literal; the whole identifier. Pure. */
export function globMatches(pattern: string, id: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(id);
}

export function matches(s: Selector, i: Instance): boolean {
  switch (s.kind) {
    case 'tag':
      return i.tags[s.key] === s.value;
    case 'engine':
      return i.engine === s.value;
    case 'identifier':
      return globMatches(s.value, i.id);
  }
}

/** The accounts and regions a fleet run looks in, after --account / --region. Throws ConfigError / UsageError. */
export function fleetScope(
  config: DbopsConfig,
  request: Pick<FleetRequest, 'region' | 'account'>,
): Omit<FleetSelection, 'members' | 'problems' | 'listings'> {
  const fleet = config.fleet ?? {};
  const notes: string[] = [];
  validateFleet(config);
  let accounts: FleetAccount[];
  if (config.provider === 'local') {
    if (fleet.accounts?.length) notes.push('fleet.accounts: accounts do not apply to the local provider (one machine); regions do.');
    accounts = [{ label: 'local' }];
  } else {
    accounts = (fleet.accounts ?? []).map((a) => ({
      id: a.id,
      ...(a.name ? { name: a.name } : {}),
      ...(a.roleArn
        ? {
            role: {
              accountId: a.id,
              roleArn: a.roleArn,
              ...(a.externalId ? { externalId: a.externalId } : {}),
              sessionName: 'dbops-fleet',
            },
          }
        : {}),
      label: a.name ?? a.id,
    }));
    if (accounts.length === 0) accounts = [{ label: 'current' }];
  }
  if (request.account) {
    const wanted = request.account;
    // By id, name, or the label the tables show ("current": the credentials dbops runs with).
    const found = accounts.filter((a) => a.id === wanted || a.name === wanted || a.label === wanted);
    if (found.length === 0) {
      throw new UsageError(`--account ${wanted}: not an account of the fleet.`, {
        hint:
          config.provider === 'local'
            ? 'Accounts do not apply to the local provider: leave --account out.'
            : `The fleet's accounts: ${accounts.map((a) => a.label).join(', ')} (config fleet.accounts).`,
      });
    }
    accounts = found;
  }
  let regions = fleet.regions ?? [config.region];
  if (request.region) regions = [request.region];
  return { provider: config.provider, accounts, regions: [...new Set(regions)], notes };
}

/** What the schema cannot say: a database named twice, an account or region outside the fleet. */
export function validateFleet(config: DbopsConfig): void {
  const fleet = config.fleet;
  if (!fleet) return;
  const ids = new Set<string>();
  for (const a of fleet.accounts ?? []) {
    if (ids.has(a.id)) throw new ConfigError(`fleet.accounts lists account ${a.id} twice.`, { hint: 'Keep one entry per account.' });
    ids.add(a.id);
  }
  const current = (fleet.accounts ?? []).filter((a) => !a.roleArn);
  if (current.length > 1) {
    throw new ConfigError(
      `fleet.accounts: ${current.map((a) => a.id).join(' and ')} have no roleArn; only one account can be the current credentials'.`,
      {
        hint: 'Give every other account the role dbops assumes there (roleArn).',
      },
    );
  }
  const regions = fleet.regions ?? [config.region];
  const seen = new Set<string>();
  for (const d of fleet.databases ?? []) {
    const region = d.region ?? config.region;
    const key = `${d.account ?? ''}/${region}/${d.identifier}`;
    if (seen.has(key)) {
      throw new ConfigError(`fleet.databases lists ${d.identifier} in ${region}${d.account ? ` (account ${d.account})` : ''} twice.`, {
        hint: 'Keep one entry per database; put its overrides in that entry.',
      });
    }
    seen.add(key);
    if (!regions.includes(region)) {
      throw new ConfigError(
        `fleet.databases: ${d.identifier} is in ${region}, which is not one of fleet.regions (${regions.join(', ')}).`,
        {
          hint: `Add ${region} to fleet.regions, or correct the database's region.`,
        },
      );
    }
    if (d.account && config.provider === 'aws' && !ids.has(d.account)) {
      throw new ConfigError(`fleet.databases: ${d.identifier} names account ${d.account}, which is not in fleet.accounts.`, {
        hint: 'Add the account (with the role dbops assumes there) to fleet.accounts.',
      });
    }
  }
}

/** Runs `work` over `items`, at most `limit` at once, keeping the order of the results. */
export async function mapLimited<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * Resolves the fleet: lists each account and region once, then picks the members.
 * Throws UsageError when a selection matches nothing (saying what exists).
 */
export async function selectFleet(
  config: DbopsConfig,
  request: FleetRequest,
  discover: Discover,
  options: { concurrency?: number } = {},
): Promise<FleetSelection> {
  const scope = fleetScope(config, request);
  const fleet = config.fleet ?? {};
  const selectors = request.selectors.length > 0 ? request.selectors : configSelectors(fleet.select);
  const named = request.selectors.length > 0 ? [] : (fleet.databases ?? []);
  const pairs = scope.accounts.flatMap((account) => scope.regions.map((region) => ({ account, region })));
  const problems: FleetProblem[] = [];
  const listed = await mapLimited(pairs, options.concurrency ?? 4, async ({ account, region }) => {
    try {
      return { account, region, instances: await discover(account, region) };
    } catch (e) {
      const hint = (e as { hint?: string }).hint;
      problems.push({ account: account.label, region, message: redact(messageOf(e)), ...(hint ? { hint } : {}) });
      return { account, region, instances: [] as Instance[] };
    }
  });

  const members: FleetMember[] = [];
  const everything = listed.flatMap((l) => l.instances.map((instance) => ({ ...l, instance })));
  const pickAll = selectors.length === 0 && named.length === 0;
  for (const { account, region, instance } of everything) {
    const reasons: string[] = [];
    const entry = named.find(
      (d) =>
        d.identifier === instance.id &&
        (d.region ?? config.region) === region &&
        (d.account === undefined || config.provider === 'local' || d.account === account.id),
    );
    if (entry) reasons.push('named in fleet.databases');
    if (selectors.length > 0 && selectors.every((s) => matches(s, instance))) {
      reasons.push(...selectors.map((s) => (request.selectors.length > 0 ? `--select ${s.text}` : s.text)));
    }
    if (pickAll) reasons.push(`in ${region}${account.id ? ` of ${account.label}` : ''}`);
    if (reasons.length === 0) continue;
    members.push({
      account,
      region,
      id: instance.id,
      instance,
      managed: instance.tags['dbops:managed'] === 'true',
      reasons,
      ...(entry?.overrides ? { overrides: entry.overrides } : {}),
    });
  }

  for (const d of named) {
    const region = d.region ?? config.region;
    if (!scope.regions.includes(region)) continue;
    const account = scope.accounts.find((a) => config.provider === 'local' || d.account === undefined || a.id === d.account);
    if (!account) continue;
    if (problems.some((p) => p.region === region && p.account === account.label)) continue;
    if (!members.some((m) => m.id === d.identifier && m.region === region)) {
      problems.push({
        account: account.label,
        region,
        id: d.identifier,
        message: `${d.identifier} is named in fleet.databases but does not exist in ${region}${account.id ? ` of ${account.label}` : ''}.`,
        hint: 'Remove it from fleet.databases, or correct its region or account.',
      });
    }
  }

  if (members.length === 0 && problems.length === 0) {
    const what = selectors.length > 0 ? selectors.map((s) => s.text).join(' and ') : 'the fleet';
    const existing = everything.map((e) => e.instance.id);
    throw new UsageError(`No database matches ${what} in ${scope.regions.join(', ')}.`, {
      hint:
        existing.length > 0
          ? `What exists: ${existing.slice(0, 10).join(', ')}${existing.length > 10 ? ` and ${existing.length - 10} more` : ''}; \`dbops fleet list --all\` shows them.`
          : 'No database exists there; check fleet.regions and fleet.accounts (or --region / --account).',
    });
  }
  members.sort((a, b) => a.account.label.localeCompare(b.account.label) || a.region.localeCompare(b.region) || a.id.localeCompare(b.id));
  return { ...scope, members, problems, listings: pairs.length };
}

/** The config one member runs with: the fleet config with its overrides, its region and identifier. Pure. */
export function memberConfig(config: DbopsConfig, member: Pick<FleetMember, 'id' | 'region' | 'overrides'>): DbopsConfig {
  const o = member.overrides ?? {};
  return {
    ...config,
    region: member.region,
    database: { ...config.database, identifier: member.id, ...(o.database ?? {}) },
    recovery: { ...config.recovery, ...(o.recovery ?? {}) },
    snapshots: {
      ...config.snapshots,
      ...(o.snapshots ?? {}),
      crossRegion: { ...config.snapshots.crossRegion, ...(o.snapshots?.crossRegion ?? {}) },
    },
    restoreTest: { ...config.restoreTest, ...(o.restoreTest ?? {}) },
  };
}
