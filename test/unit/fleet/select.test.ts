/**
 * Fleet selection over a fake estate of 50 instances in 2 accounts × 3 regions: one
 * listing per account and region, selection by tags, engine and identifier patterns,
 * named databases with overrides, isolation of an account that cannot be listed, and the
 * bad input of the issue (nothing matches, a database named twice, an unknown account).
 */
import { describe, expect, it } from 'vitest';
import type { DbopsConfig } from '../../../src/lib/config/schema.js';
import { ConfigError, EnvironmentError, UsageError } from '../../../src/lib/errors.js';
import {
  type Discover,
  type FleetAccount,
  fleetScope,
  globMatches,
  memberConfig,
  parseSelector,
  selectFleet,
} from '../../../src/lib/fleet/select.js';
import type { Instance } from '../../../src/lib/providers/types.js';
import { mergeConfig } from '../../_helpers/context.js';

const ACCOUNTS = [
  { id: '111111111111', name: 'core', roleArn: 'arn:aws:iam::111111111111:role/dbops-fleet' },
  { id: '222222222222', name: 'content', roleArn: 'arn:aws:iam::222222222222:role/dbops-fleet', externalId: 'x-42' },
];
const REGIONS = ['us-east-2', 'us-west-2', 'eu-west-1'];

function instance(id: string, region: string, tags: Record<string, string>, engine: 'postgres' | 'mysql' = 'postgres'): Instance {
  return {
    id,
    engine,
    engineVersion: engine === 'postgres' ? '15.8' : '8.0.39',
    instanceClass: 'db.t3.micro',
    status: 'available',
    region,
    allocatedStorageGb: 20,
    storageEncrypted: true,
    multiAz: false,
    publiclyAccessible: false,
    deletionProtection: false,
    backupRetentionDays: 7,
    masterUsername: 'dbops',
    vpcSecurityGroupIds: [],
    replicaIds: [],
    tags,
  };
}

/** 50 instances: 25 per account, spread over the regions; every 5th is mysql; even ones production; a third dbops-managed. */
function estate(): Map<string, Instance[]> {
  const byKey = new Map<string, Instance[]>();
  for (let n = 0; n < 50; n++) {
    const account = ACCOUNTS[n % 2]!.id;
    const region = REGIONS[n % 3]!;
    const tags: Record<string, string> = { environment: n % 2 === 0 ? 'production' : 'staging', unit: n < 25 ? 'core' : 'content' };
    if (n % 3 === 0) tags['dbops:managed'] = 'true';
    const list = byKey.get(`${account}/${region}`) ?? [];
    list.push(
      instance(`${n < 25 ? 'recipe' : 'content'}-db-${String(n).padStart(2, '0')}`, region, tags, n % 5 === 0 ? 'mysql' : 'postgres'),
    );
    byKey.set(`${account}/${region}`, list);
  }
  return byKey;
}

function fakeDiscover(options: { deny?: string } = {}): { discover: Discover; calls: string[] } {
  const data = estate();
  const calls: string[] = [];
  return {
    calls,
    discover: async (account: FleetAccount, region: string) => {
      calls.push(`${account.id}/${region}`);
      if (account.id === options.deny) {
        throw new EnvironmentError(`Cannot assume ${account.role?.roleArn} in account ${account.id}: AWS denied AssumeRole.`, {
          hint: "The role's trust policy must allow this principal.",
        });
      }
      return data.get(`${account.id}/${region}`) ?? [];
    },
  };
}

function config(fleet: DbopsConfig['fleet']): DbopsConfig {
  return mergeConfig({ provider: 'aws', region: 'us-east-2', fleet });
}

const ALL = { all: true, selectors: [] };

describe('selectFleet', () => {
  it('lists each account and region once, whatever the number of databases, and selects by tag', async () => {
    const f = fakeDiscover();
    const sel = await selectFleet(
      config({ regions: REGIONS, accounts: ACCOUNTS, select: { tags: { environment: 'production' } } }),
      ALL,
      f.discover,
    );
    expect(f.calls.sort()).toEqual(ACCOUNTS.flatMap((a) => REGIONS.map((r) => `${a.id}/${r}`)).sort());
    expect(sel.listings).toBe(6);
    // Even n are production, and even n are in account 1111 (n % 2 === 0): 25 databases.
    expect(sel.members).toHaveLength(25);
    expect(new Set(sel.members.map((m) => m.account.id))).toEqual(new Set(['111111111111']));
    expect(sel.members[0]!.reasons).toEqual(['tag environment=production']);
    expect(sel.members.filter((m) => m.managed).length).toBe(sel.members.filter((m) => m.instance.tags['dbops:managed'] === 'true').length);
  });

  it('--select replaces fleet.select: engine and identifier glob must all match', async () => {
    const f = fakeDiscover();
    const sel = await selectFleet(
      config({ regions: REGIONS, accounts: ACCOUNTS, select: { tags: { environment: 'production' } } }),
      { all: false, selectors: [parseSelector('engine=mysql'), parseSelector('identifier=content-*')] },
      f.discover,
    );
    // mysql: n % 5 === 0; content: n >= 25 → 25, 30, 35, 40, 45.
    expect(sel.members.map((m) => m.id).sort()).toEqual([
      'content-db-25',
      'content-db-30',
      'content-db-35',
      'content-db-40',
      'content-db-45',
    ]);
    expect(sel.members[0]!.reasons).toEqual(['--select engine=mysql', '--select identifier=content-*']);
  });

  it('named databases carry their overrides into the member config', async () => {
    const f = fakeDiscover();
    const sel = await selectFleet(
      config({
        regions: REGIONS,
        accounts: ACCOUNTS,
        databases: [{ identifier: 'recipe-db-04', region: 'us-west-2', account: '111111111111', overrides: { recovery: { rtoHours: 1 } } }],
      }),
      ALL,
      f.discover,
    );
    expect(sel.members.map((m) => m.id)).toEqual(['recipe-db-04']);
    expect(sel.members[0]!.reasons).toEqual(['named in fleet.databases']);
    const c = memberConfig(config({}), sel.members[0]!);
    expect(c.recovery.rtoHours).toBe(1);
    expect(c.recovery.rpoHours).toBe(config({}).recovery.rpoHours);
    expect(c.database.identifier).toBe('recipe-db-04');
    expect(c.region).toBe('us-west-2');
  });

  it('an account that cannot be listed is reported; the other account is intact', async () => {
    const f = fakeDiscover({ deny: '222222222222' });
    const sel = await selectFleet(config({ regions: REGIONS, accounts: ACCOUNTS }), ALL, f.discover);
    expect(sel.members).toHaveLength(25);
    expect(sel.members.every((m) => m.account.id === '111111111111')).toBe(true);
    expect(sel.problems.map((p) => `${p.account}/${p.region}`).sort()).toEqual([
      'content/eu-west-1',
      'content/us-east-2',
      'content/us-west-2',
    ]);
    expect(sel.problems[0]!.message).toMatch(/Cannot assume arn:aws:iam::222222222222:role\/dbops-fleet in account 222222222222/);
  });

  it('--account and --region narrow the scope', async () => {
    const f = fakeDiscover();
    const sel = await selectFleet(
      config({ regions: REGIONS, accounts: ACCOUNTS }),
      { ...ALL, account: 'content', region: 'eu-west-1' },
      f.discover,
    );
    expect(f.calls).toEqual(['222222222222/eu-west-1']);
    expect(sel.members.every((m) => m.region === 'eu-west-1' && m.account.label === 'content')).toBe(true);
    expect(sel.members.length).toBeGreaterThan(0);
  });

  it('a named database that does not exist is a problem of its own', async () => {
    const f = fakeDiscover();
    const sel = await selectFleet(
      config({
        regions: REGIONS,
        accounts: ACCOUNTS,
        databases: [
          { identifier: 'gone-db', account: '111111111111' },
          { identifier: 'recipe-db-00', account: '111111111111' },
        ],
      }),
      ALL,
      f.discover,
    );
    expect(sel.members.map((m) => m.id)).toEqual(['recipe-db-00']);
    expect(sel.problems).toEqual([
      expect.objectContaining({
        id: 'gone-db',
        region: 'us-east-2',
        message: expect.stringMatching(/gone-db is named in fleet.databases but does not exist/),
      }),
    ]);
  });

  it('a selector that matches nothing is exit 2 and says what exists', async () => {
    const f = fakeDiscover();
    const e = await selectFleet(
      config({ regions: ['us-east-2'], accounts: ACCOUNTS }),
      { all: false, selectors: [parseSelector('team=payments')] },
      f.discover,
    ).catch((x) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe('No database matches tag team=payments in us-east-2.');
    expect(e.hint).toMatch(/^What exists: recipe-db-00, /);
  });

  it('bad config: a database named twice, two accounts without a role, an unknown account', async () => {
    const f = fakeDiscover();
    const twice = config({ databases: [{ identifier: 'a-db' }, { identifier: 'a-db' }] });
    await expect(selectFleet(twice, ALL, f.discover)).rejects.toThrow(ConfigError);
    await expect(selectFleet(twice, ALL, f.discover)).rejects.toThrow('fleet.databases lists a-db in us-east-2 twice.');
    const roleless = config({ accounts: [{ id: '111111111111' }, { id: '222222222222' }] });
    await expect(selectFleet(roleless, ALL, f.discover)).rejects.toBeInstanceOf(ConfigError);
    await expect(selectFleet(config({ accounts: ACCOUNTS }), { ...ALL, account: '999999999999' }, f.discover)).rejects.toThrow(
      '--account 999999999999: not an account of the fleet.',
    );
    // the label the tables and the hint show is accepted: "current" when fleet.accounts is not set
    expect(fleetScope(config({}), { ...ALL, account: 'current' }).accounts.map((a) => a.label)).toEqual(['current']);
    const outside = config({ regions: ['us-east-2'], databases: [{ identifier: 'a-db', region: 'eu-west-1' }] });
    await expect(selectFleet(outside, ALL, f.discover)).rejects.toThrow(/eu-west-1, which is not one of fleet.regions/);
  });

  it('local: accounts do not apply, and say so', async () => {
    const calls: string[] = [];
    const sel = await selectFleet(
      mergeConfig({ provider: 'local', region: 'us-east-2', fleet: { accounts: ACCOUNTS } }),
      ALL,
      async (a, r) => {
        calls.push(`${a.label}/${r}`);
        return [instance('demo-db', r, {})];
      },
    );
    expect(calls).toEqual(['local/us-east-2']);
    expect(sel.notes).toEqual(['fleet.accounts: accounts do not apply to the local provider (one machine); regions do.']);
  });
});

describe('selectors', () => {
  it('parse tags, engine and identifier; refuse the rest in one sentence', () => {
    expect(parseSelector('environment=production')).toEqual({
      kind: 'tag',
      key: 'environment',
      value: 'production',
      text: 'tag environment=production',
    });
    expect(parseSelector('tag:engine=x')).toEqual({ kind: 'tag', key: 'engine', value: 'x', text: 'tag engine=x' });
    expect(parseSelector('engine=postgres')).toMatchObject({ kind: 'engine', value: 'postgres' });
    expect(() => parseSelector('engine=oracle')).toThrow('--select engine=oracle: the engine is postgres or mysql.');
    expect(() => parseSelector('production')).toThrow('--select production: expected key=value.');
  });

  it('globs match the whole identifier', () => {
    expect(globMatches('recipe-*', 'recipe-db')).toBe(true);
    expect(globMatches('recipe-*', 'my-recipe-db')).toBe(false);
    expect(globMatches('db-?', 'db-1')).toBe(true);
    expect(globMatches('db-?', 'db-12')).toBe(false);
    expect(globMatches('a.b', 'axb')).toBe(false);
  });
});
