/**
 * `dbops init`: answers -> file, with an injected asker (the questions are data). The file
 * must load with loadConfig (what `dbops config validate` runs).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/lib/config/load.js';
import { DEFAULTS } from '../../../src/lib/config/defaults.js';
import { answersToConfig, configYaml } from '../../../src/lib/init/config-yaml.js';
import { cacheNote, crossRegionNote, estimateParts, instanceNote, monthlyEstimate, storageNote } from '../../../src/lib/init/costs.js';
import { costFacts, defaultAnswers, QUESTIONS, type Answers } from '../../../src/lib/init/questions.js';
import { runInit, type Ask } from '../../../src/lib/init/wizard.js';
import { testOutput } from '../../_helpers/output.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dbops-init-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function load(file: string) {
  return loadConfig({ cwd: dir, explicitPath: file, env: {}, flags: {} }).config;
}

/** An asker that answers from a script (default for anything not in it) and records what it was asked. */
function scripted(answers: Partial<Record<keyof Answers, unknown>>) {
  const asked: Ask[] = [];
  return {
    asked,
    ask: async (q: Ask) => {
      asked.push(q);
      const v = q.key in answers ? answers[q.key] : q.default;
      const ok = q.validate?.(v) ?? true;
      if (ok !== true) throw new Error(`invalid scripted answer for ${q.key}: ${ok}`);
      return v;
    },
  };
}

const yes = { confirm: async () => true };

describe('--defaults', () => {
  it("writes the seeds' free-tier profile, commented, and it loads as the defaults do", async () => {
    const { out } = await testOutput();
    const target = join(dir, 'dbops.config.yaml');
    const r = await runInit({ target, defaults: true, force: false, out, prompt: yes });
    const text = await readFile(target, 'utf8');
    expect(r.written).toBe(true);
    expect(text).toContain('# Encryption at rest costs nothing on RDS');
    expect(load(target)).toEqual(DEFAULTS);
  });

  it('refuses to overwrite without confirmation, and overwrites with --force', async () => {
    const { out } = await testOutput();
    const target = join(dir, 'dbops.config.yaml');
    await writeFile(target, 'provider: local\n');
    const refused = await runInit({ target, defaults: true, force: false, out, prompt: { confirm: async () => false } });
    expect([refused.written, await readFile(target, 'utf8')]).toEqual([false, 'provider: local\n']);
    const forced = await runInit({ target, defaults: true, force: true, out, prompt: { confirm: async () => false } });
    expect([forced.written, forced.overwritten]).toEqual([true, true]);
  });

  it('with --dry-run shows the file and writes nothing, without asking about an existing one', async () => {
    // GIVEN an existing file and a prompt that would refuse
    const { out, stderr } = await testOutput();
    const target = join(dir, 'dbops.config.yaml');
    await writeFile(target, 'provider: local\n');
    // WHEN init runs as a dry run
    const r = await runInit({ target, defaults: true, force: false, dryRun: true, out, prompt: { confirm: async () => false } });
    // THEN the file is unchanged, and what would be written was shown
    expect([r.written, await readFile(target, 'utf8')]).toEqual([false, 'provider: local\n']);
    expect(r.yaml).toContain('provider: local');
    expect(stderr()).toContain('# Encryption at rest costs nothing on RDS');
  });
});

describe('the wizard', () => {
  it('asks every question of the aws path with a one-line explanation, and writes what was answered', async () => {
    // GIVEN answers leaving the free tier in several places
    const io = await testOutput();
    const target = join(dir, 'dbops.config.yaml');
    const s = scripted({
      provider: 'aws',
      region: 'eu-west-1',
      profile: 'ops',
      instanceClass: 'db.t3.small',
      allocatedStorageGb: 50,
      maxAllocatedStorageGb: 100,
      multiAz: true,
      drSubnetGroup: 'dr-private-subnets',
      drSecurityGroups: 'sg-0123abcd, sg-89ef0123',
      cacheNodeType: 'cache.t3.small',
      alarmEmail: 'oncall@example.com',
      budgetUsd: 120,
      alertPercents: '50, 80, 100',
      access: 'cidr',
      allowedCidr: '198.51.100.0/24',
    });
    const lookups: string[] = [];
    // WHEN the wizard runs
    const r = await runInit({
      target,
      defaults: false,
      force: false,
      out: io.out,
      prompt: yes,
      ask: s.ask,
      lookupIdentity: async (region, profile) => {
        lookups.push(`${region}/${profile}`);
        return { accountId: '123456789012', arn: 'arn:aws:iam::123456789012:user/me' };
      },
    });
    // THEN it asked in order, showed the account, said each free-tier departure with a cost
    expect(s.asked.map((q) => q.key)).toEqual(QUESTIONS.map((q) => q.key));
    expect(lookups).toEqual(['eu-west-1/ops']);
    expect(io.stderr()).toContain('AWS account 123456789012');
    const warnings = io.stderrLines().filter((l) => l.startsWith('warning:'));
    expect(warnings).toEqual([
      'warning: db.t3.small is outside the free tier (db.t3.micro / db.t4g.micro): about $26/month.',
      'warning: Outside the free tier: 30 GB above the free 20 GB: about $3.45/month.',
      'warning: Outside the free tier: 30 GB above the free 20 GB: about $3.45/month; storage may grow to 100 GB, up to about $9.2/month for the excess.',
      'warning: Multi-AZ is outside the free tier: a standby doubles the instance, about $52/month in all.',
      'warning: Cross-region copies are not in the free tier: roughly $13.5/month for 50 GB (storage in the DR region and transfer).',
      'warning: cache.t3.small is outside the free tier (cache.t3.micro): about $25/month.',
    ]);
    // AND the file loads, with exactly those values
    const c = load(target);
    expect([
      c.provider,
      c.region,
      c.profile,
      c.database.instanceClass,
      c.database.allocatedStorageGb,
      c.database.maxAllocatedStorageGb,
      c.database.multiAz,
      c.cache.nodeType,
      c.alarms.email,
      c.budget,
      c.network.allowedCidr,
      c.recovery,
    ]).toEqual([
      'aws',
      'eu-west-1',
      'ops',
      'db.t3.small',
      50,
      100,
      true,
      'cache.t3.small',
      'oncall@example.com',
      { monthlyUsd: 120, alertPercents: [50, 80, 100] },
      '198.51.100.0/24',
      {
        rtoHours: 4,
        rpoHours: 24,
        drillEveryDays: 92,
        drSubnetGroup: 'dr-private-subnets',
        drSecurityGroupIds: ['sg-0123abcd', 'sg-89ef0123'],
      },
    ]);
    expect(await readFile(target, 'utf8')).toContain('# A region drill (dbops dr-drill) restores into this DB subnet group');
    expect(r.account).toBe('123456789012');
  });

  it('goes on without the account id when STS cannot be reached, and offers private-only by default', async () => {
    const io = await testOutput();
    const s = scripted({ provider: 'aws' });
    await runInit({
      target: join(dir, 'x.yaml'),
      defaults: false,
      force: false,
      out: io.out,
      prompt: yes,
      ask: s.ask,
      lookupIdentity: async () => {
        throw new Error('No AWS credentials found.');
      },
    });
    expect(io.stderr()).toContain('warning: Could not read the AWS account id (No AWS credentials found); continuing without it.');
    expect(s.asked.find((q) => q.key === 'access')!.default).toBe('private');
    expect(load(join(dir, 'x.yaml')).network).toEqual({});
  });

  it('never accepts 0.0.0.0/0 and explains bad input in one sentence', () => {
    const q = (key: keyof Answers) => QUESTIONS.find((x) => x.key === key)!;
    const v = (key: keyof Answers, value: unknown, a: Partial<Answers> = {}) => q(key).validate!(value as never, a);
    expect(v('allowedCidr', '0.0.0.0/0')).toBe(
      'dbops never opens the database to the whole internet; type your office, VPN or application range (e.g. 203.0.113.7/32).',
    );
    expect(v('allowedCidr', '10.0.0.1/40')).toBe('"10.0.0.1/40" is not an IPv4 CIDR: the prefix /40 is above /32.');
    expect(v('alarmEmail', 'nope')).toBe('"nope" is not an email address.');
    expect(v('budgetUsd', -1)).toBe('A budget cannot be below zero.');
    expect(v('region', 'us-nowhere-1')).toBe('us-nowhere-1 is not an AWS region (e.g. us-east-2).');
    expect(v('identifier', 'db--x')).toBe(
      'Use 1-63 letters, digits and single hyphens, starting with a letter and not ending with a hyphen.',
    );
    expect(v('allocatedStorageGb', 10)).toBe('Storage must be a whole number of GB from 20 (the engine minimum) to 65536.');
    expect(v('alertPercents', '50, 80, 90, 95, 99, 100')).toBe(
      'At most 5 thresholds (AWS Budgets allows 10 alerts: actual and forecast for each).',
    );
    expect(v('drRegion', 'us-east-2', { region: 'us-east-2' })).toBe('The DR region must differ from the main region.');
    expect(v('drSubnetGroup', '')).toBe(true);
    expect(v('drSubnetGroup', 'dr subnets_2.a-b')).toBe(true);
    expect(v('drSubnetGroup', 'dr/subnets')).toBe(
      '"dr/subnets" is not a DB subnet group name (up to 255 letters, digits, periods, underscores, spaces or hyphens).',
    );
    expect(v('drSubnetGroup', ' dr')).toBe('A subnet group name does not start or end with a space.');
    expect(v('drSecurityGroups', '')).toBe(true);
    expect(v('drSecurityGroups', 'sg-0123abcd,sg-89ef0123, ')).toBe(true);
    expect(v('drSecurityGroups', 'sg-0123abcd, default')).toBe(
      '"default" is not a security group id (sg- and hex digits, e.g. sg-0123abcd).',
    );
    expect(v('drSecurityGroups', 'sg-0123abcd, sg-0123abcd')).toBe('A security group is listed twice.');
    expect(v('drSecurityGroups', 'sg-1, sg-2, sg-3, sg-4, sg-5, sg-6')).toBe("At most 5 security groups (RDS' limit per instance).");
  });
});

describe("the DR region's network (recovery.drSubnetGroup, recovery.drSecurityGroupIds)", () => {
  async function wizard(answers: Partial<Record<keyof Answers, unknown>>) {
    const io = await testOutput();
    const s = scripted(answers);
    const target = join(dir, `dr-${Object.keys(answers).join('-')}.yaml`);
    await runInit({ target, defaults: false, force: false, out: io.out, prompt: yes, ask: s.ask });
    return { asked: s.asked.map((q) => q.key), config: load(target), warnings: io.stderrLines().filter((l) => l.startsWith('warning:')) };
  }

  it('asked after the DR region on aws, empty by default: nothing written, and the note says where a region drill would land', async () => {
    const r = await wizard({ provider: 'aws', drRegion: 'us-west-1' });
    expect(r.asked.slice(r.asked.indexOf('drRegion'), r.asked.indexOf('rtoHours'))).toEqual([
      'drRegion',
      'drRetentionWeeks',
      'drSubnetGroup',
      'drSecurityGroups',
    ]);
    expect(r.config.recovery).toEqual(DEFAULTS.recovery);
    expect(r.warnings).toContain(
      'warning: No DR subnet group: a region drill restores into the default VPC of us-west-1 (RDS refuses when that region has none).',
    );
  });

  it('not asked without a DR region, nor on the local provider; nothing written', async () => {
    const noCopies = await wizard({ provider: 'aws', crossRegion: false });
    expect(noCopies.asked).not.toContain('drSubnetGroup');
    expect(noCopies.asked).not.toContain('drSecurityGroups');
    expect(noCopies.config.recovery).toEqual(DEFAULTS.recovery);
    const local = await wizard({ provider: 'local' });
    expect(local.asked).not.toContain('drSubnetGroup');
    expect(local.config.recovery).toEqual(DEFAULTS.recovery);
  });

  it('--defaults keeps what DBOPS_RECOVERY__* say, and the drill reads it back', async () => {
    const loaded = loadConfig({
      cwd: dir,
      env: { DBOPS_RECOVERY__DR_SUBNET_GROUP: 'dr-subnets', DBOPS_RECOVERY__DR_SECURITY_GROUP_IDS: '["sg-0a1b2c3d"]' },
      flags: { provider: 'aws' },
    });
    const { presetAnswers, withGiven } = await import('../../../src/lib/init/preset.js');
    expect(presetAnswers(loaded)).toMatchObject({ drSubnetGroup: 'dr-subnets', drSecurityGroups: 'sg-0a1b2c3d' });
    const target = join(dir, 'dbops.config.yaml');
    const { out } = await testOutput();
    await runInit({
      target,
      defaults: true,
      force: false,
      out,
      prompt: yes,
      preset: presetAnswers(loaded),
      given: (t) => withGiven(t, loaded),
    });
    const config = load(target);
    expect(config.recovery).toMatchObject({ drSubnetGroup: 'dr-subnets', drSecurityGroupIds: ['sg-0a1b2c3d'] });
    const { resolveDrill } = await import('../../../src/lib/drill/settings.js');
    const req = resolveDrill(config, {}, new Date('2026-12-01T00:00:00Z'));
    expect([req.recoveryRegion, req.drSubnetGroup, req.drSecurityGroupIds]).toEqual(['us-west-2', 'dr-subnets', ['sg-0a1b2c3d']]);
  });
});

describe('Aurora Serverless v2 (seed 004)', () => {
  it('is offered on aws with its cost note; class, storage and Multi-AZ are not asked; the file loads as a cluster config', async () => {
    // GIVEN the aws path with Aurora Serverless v2 chosen
    const io = await testOutput();
    const target = join(dir, 'aurora.yaml');
    const s = scripted({ provider: 'aws', engine: 'aurora-postgresql', crossRegion: false });
    // WHEN the wizard runs
    const r = await runInit({ target, defaults: false, force: false, out: io.out, prompt: yes, ask: s.ask });
    // THEN the engine question offered Aurora beside PostgreSQL and MySQL
    const engine = s.asked.find((q) => q.key === 'engine');
    expect(engine?.choices?.map((c) => c.value)).toEqual(['postgres', 'mysql', 'aurora-postgresql']);
    expect(engine?.choices?.[2]?.name).toBe('Aurora Serverless v2 PostgreSQL — billed by the ACU-hour, not in the free tier');
    // AND the class, the storage and Multi-AZ were not asked; the version defaults to seed 004's
    for (const key of ['instanceClass', 'allocatedStorageGb', 'maxAllocatedStorageGb', 'multiAz'])
      expect(s.asked.map((q) => q.key)).not.toContain(key);
    expect(s.asked.find((q) => q.key === 'engineVersion')?.default).toBe('15.4');
    // AND the cost note says Aurora is not in the free tier, with the capacity's price range
    expect(io.stderrLines().filter((l) => l.startsWith('warning:'))).toEqual([
      'warning: Aurora Serverless v2 is not in the free tier: 0.5-4 ACU costs about $44-$350/month of capacity ($0.12 per ACU-hour, billed from the first hour), plus storage ($0.10/GB-month) and I/O.',
    ]);
    expect(r.estimatedMonthlyUsd).toBe(44);
    expect(io.stderr()).toContain('Rough cost after the free tier: about $44/month (Aurora capacity at 0.5 ACU $44)');
    // AND the file loads as an Aurora Serverless v2 cluster, without storage or Multi-AZ keys
    const c = load(target);
    expect([c.database.engine, c.database.engineVersion, c.database.instanceClass]).toEqual(['aurora-postgresql', '15.4', 'db.serverless']);
    const text = await readFile(target, 'utf8');
    expect(text).not.toContain('allocatedStorageGb');
    expect(text).not.toContain('multiAz');
  });

  it('is not offered on the local provider', async () => {
    const io = await testOutput();
    const s = scripted({ provider: 'local' });
    await runInit({ target: join(dir, 'local.yaml'), defaults: false, force: false, out: io.out, prompt: yes, ask: s.ask });
    expect(s.asked.find((q) => q.key === 'engine')?.choices?.map((c) => c.value)).toEqual(['postgres']);
  });
});

describe('costs', () => {
  it('says nothing for the free-tier profile and estimates the rest', () => {
    const free = costFacts({ ...defaultAnswers(), provider: 'aws' });
    expect([instanceNote(free), storageNote(free), cacheNote(free)]).toEqual([undefined, undefined, undefined]);
    // The one thing the free-tier profile pays for is what the wizard warns about: the DR copies.
    expect(crossRegionNote(free)).toBe(
      'Cross-region copies are not in the free tier: roughly $5.4/month for 20 GB (storage in the DR region and transfer).',
    );
    expect(estimateParts(free, true)).toEqual([{ what: 'cross-region copies', usd: 5.4 }]);
    expect(monthlyEstimate(free, true)).toBe(5.4);
    expect(monthlyEstimate({ ...free, crossRegion: false }, true)).toBe(0);
    expect(monthlyEstimate(free, false)).toBe(32.7);
    expect(cacheNote({ ...free, cacheNodeType: 'cache.t2.micro' })).toBe(
      'cache.t2.micro is previous generation: AWS no longer creates it, and it has no AUTH or TLS; cache.t3.micro is free-tier eligible too.',
    );
  });

  it('answersToConfig + configYaml round-trip through the YAML parser', () => {
    const a = { ...defaultAnswers(), provider: 'aws' as const, access: 'cidr' as const, allowedCidr: '203.0.113.7/32' };
    const yaml = configYaml(answersToConfig(a));
    expect(yaml.startsWith('# dbops configuration, written by `dbops init`.')).toBe(true);
    expect(yaml).toContain('allowedCidr: 203.0.113.7/32');
  });
});

describe('init --defaults with flags and DBOPS_* variables', () => {
  it('writes what the flags and the environment say, and the defaults follow them', async () => {
    // GIVEN --provider aws --region us-west-1 and two variables, one no question asks for
    const loaded = loadConfig({
      cwd: dir,
      env: { DBOPS_ALARMS__EMAIL: 'oncall@example.com', DBOPS_DATABASE__STORAGE_TYPE: 'gp3', DBOPS_BUDGET__ALERT_PERCENTS: '[60, 90]' },
      flags: { provider: 'aws', region: 'us-west-1' },
    });
    const { presetAnswers, withGiven } = await import('../../../src/lib/init/preset.js');
    // WHEN init runs with --defaults
    const target = join(dir, 'dbops.config.yaml');
    const { out, stderr } = await testOutput();
    const result = await runInit({
      target,
      defaults: true,
      force: false,
      out,
      prompt: { confirm: async () => true },
      preset: presetAnswers(loaded),
      given: (t) => withGiven(t, loaded),
    });
    // THEN the file says so, and loads
    const config = load(target);
    expect([config.provider, config.region, config.alarms.email, config.database.storageType, config.budget.alertPercents]).toEqual([
      'aws',
      'us-west-1',
      'oncall@example.com',
      'gp3',
      [60, 90],
    ]);
    expect(result.answers.provider).toBe('aws');
    expect(config.database.identifier).toBe(DEFAULTS.database.identifier);
    // The summary adds up what the notes warn about: the DR copies.
    expect(stderr()).toContain('Rough cost after the free tier: about $5.4/month (cross-region copies $5.4); us-east-2 list prices.');
  });
});
