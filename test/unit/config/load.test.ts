import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/lib/config/defaults.js';
import {
  DBOPS_OWN_ENV,
  describeSource,
  envNameToPath,
  findConfigFile,
  leafPaths,
  loadConfig,
  type LoadConfigInput,
  pathToEnvName,
} from '../../../src/lib/config/load.js';
import { ConfigError } from '../../../src/lib/errors.js';

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'dbops-config-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function writeConfig(dir: string, yaml: string, name = 'dbops.config.yaml'): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return file;
}

function load(input: Partial<LoadConfigInput> = {}) {
  return loadConfig({ cwd: root, env: {}, flags: {}, ...input });
}

/** Runs `fn`, expects a ConfigError, returns it. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('the temp root', () => {
  it('has no dbops.config.yaml above it (precondition of the "no file" tests)', () => {
    expect(findConfigFile(dirname(root))).toBeUndefined();
  });
});

describe('describeSource', () => {
  it('names the default, the file path, the env var and the flag', () => {
    expect(describeSource(undefined)).toBe('default');
    expect(describeSource({ kind: 'default' })).toBe('default');
    expect(describeSource({ kind: 'file', file: '/etc/dbops.config.yaml' })).toBe('/etc/dbops.config.yaml');
    expect(describeSource({ kind: 'env', name: 'DBOPS_REGION' })).toBe('env DBOPS_REGION');
    expect(describeSource({ kind: 'flag', name: '--region' })).toBe('flag --region');
  });
});

describe('env names and config paths', () => {
  it.each([
    ['DBOPS_REGION', ['region']],
    ['DBOPS_DATABASE__INSTANCE_CLASS', ['database', 'instanceClass']],
    ['DBOPS_DATABASE__MULTI_AZ', ['database', 'multiAz']],
    ['DBOPS_DATABASE__ALLOCATED_STORAGE_GB', ['database', 'allocatedStorageGb']],
    ['DBOPS_SNAPSHOTS__CROSS_REGION__RETENTION_WEEKS', ['snapshots', 'crossRegion', 'retentionWeeks']],
    ['DBOPS_FREE_TIER__WARN_PERCENT__RDS', ['freeTier', 'warnPercent', 'rds']],
  ])('%s -> %j', (name, path) => {
    expect(envNameToPath(name)).toEqual(path);
  });

  it('maps every default key to an env name and back', () => {
    // GIVEN every leaf path of the defaults WHEN turned into an env name and back THEN it is unchanged
    const leaves = leafPaths(DEFAULTS as unknown as Record<string, unknown>);
    expect(leaves.length).toBeGreaterThan(30);
    for (const p of leaves) expect(envNameToPath(pathToEnvName(p)).join('.')).toBe(p);
    expect(pathToEnvName('database.instanceClass')).toBe('DBOPS_DATABASE__INSTANCE_CLASS');
  });
});

describe('leafPaths', () => {
  it('lists dotted leaves; arrays and empty mappings are leaves', () => {
    expect(leafPaths({ a: 1, b: { c: [1, 2], d: { e: 'x' } }, f: {} })).toEqual(['a', 'b.c', 'b.d.e', 'f']);
  });
});

describe('findConfigFile', () => {
  it('searches upward from a nested directory', () => {
    // GIVEN a config at the root and a directory three levels below it
    const file = writeConfig(root, 'region: eu-west-1\n');
    const nested = join(root, 'a', 'b', 'c');
    mkdirSync(nested, { recursive: true });
    // WHEN searching from the nested directory THEN the root's file is found
    expect(findConfigFile(nested)).toBe(file);
  });

  it('prefers the nearest file', () => {
    writeConfig(root, 'region: eu-west-1\n');
    const near = writeConfig(join(root, 'a'), 'region: eu-west-2\n');
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    expect(findConfigFile(join(root, 'a', 'b'))).toBe(near);
  });

  it('returns undefined when there is none up to the filesystem root', () => {
    expect(findConfigFile(root)).toBeUndefined();
  });
});

describe('loadConfig: merging', () => {
  it('gives the defaults, every source "default", and no file when there is no config', () => {
    // GIVEN an empty directory WHEN loading THEN the config is the defaults
    const loaded = load();
    expect(loaded.config).toStrictEqual(DEFAULTS);
    expect(loaded.file).toBeUndefined();
    expect(new Set(Object.values(loaded.sources).map(describeSource))).toEqual(new Set(['default']));
    expect(Object.keys(loaded.sources)).toEqual(leafPaths(DEFAULTS as unknown as Record<string, unknown>));
  });

  it('loads the file found by the upward search from a nested cwd and names it as the source', () => {
    // GIVEN a config file at the root that changes the region and the instance class
    const file = writeConfig(root, 'region: eu-west-1\ndatabase:\n  instanceClass: db.t4g.small\n');
    const nested = join(root, 'src', 'deep');
    mkdirSync(nested, { recursive: true });
    // WHEN loading from a nested directory
    const loaded = load({ cwd: nested });
    // THEN the file's values win over the defaults, others stay default
    expect(loaded.file).toBe(file);
    expect(loaded.config.region).toBe('eu-west-1');
    expect(loaded.config.database.instanceClass).toBe('db.t4g.small');
    expect(loaded.config.database.allocatedStorageGb).toBe(20);
    expect(describeSource(loaded.sources.region)).toBe(file);
    expect(describeSource(loaded.sources['database.instanceClass'])).toBe(file);
    expect(describeSource(loaded.sources['database.allocatedStorageGb'])).toBe('default');
  });

  it('applies defaults < file < DBOPS_* env < flags, naming each source', () => {
    // GIVEN the region set in the file, the env and a flag; the profile in the file and the env;
    //       the backup window in the file only
    const file = writeConfig(root, 'region: eu-west-1\nprofile: from-file\ndatabase:\n  backupWindow: 05:00-06:00\n');
    // WHEN loading with all three
    const loaded = load({
      env: { DBOPS_REGION: 'eu-central-1', DBOPS_PROFILE: 'from-env' },
      flags: { region: 'ap-south-1' },
    });
    // THEN each key takes the value of its strongest source, and says so
    expect(loaded.config.region).toBe('ap-south-1');
    expect(describeSource(loaded.sources.region)).toBe('flag --region');
    expect(loaded.config.profile).toBe('from-env');
    expect(describeSource(loaded.sources.profile)).toBe('env DBOPS_PROFILE');
    expect(loaded.config.database.backupWindow).toBe('05:00-06:00');
    expect(describeSource(loaded.sources['database.backupWindow'])).toBe(file);
    expect(loaded.config.database.maintenanceWindow).toBe('sun:04:00-sun:05:00');
    expect(describeSource(loaded.sources['database.maintenanceWindow'])).toBe('default');
  });

  it('lets the env beat the file when no flag is given', () => {
    writeConfig(root, 'region: eu-west-1\n');
    const loaded = load({ env: { DBOPS_REGION: 'eu-central-1' } });
    expect(loaded.config.region).toBe('eu-central-1');
    expect(describeSource(loaded.sources.region)).toBe('env DBOPS_REGION');
  });

  it('ignores flags whose value is undefined (not given on the command line)', () => {
    const loaded = load({ env: { DBOPS_REGION: 'eu-central-1' }, flags: { region: undefined, profile: undefined } });
    expect(loaded.config.region).toBe('eu-central-1');
    expect(loaded.config.profile).toBeUndefined();
    expect(describeSource(loaded.sources.region)).toBe('env DBOPS_REGION');
  });

  it('names camelCase flags in kebab case', () => {
    const loaded = load({ flags: { endpointUrl: 'http://localhost:4566' } });
    expect(loaded.config.endpointUrl).toBe('http://localhost:4566');
    expect(describeSource(loaded.sources.endpointUrl)).toBe('flag --endpoint-url');
  });

  it('maps nested env names and parses their values as YAML scalars', () => {
    // GIVEN nested DBOPS_* variables holding a string, a number, a boolean and a list
    const loaded = load({
      env: {
        DBOPS_DATABASE__INSTANCE_CLASS: 'db.t4g.micro',
        DBOPS_DATABASE__BACKUP_RETENTION_DAYS: '30',
        DBOPS_DATABASE__MULTI_AZ: 'true',
        DBOPS_BUDGET__ALERT_PERCENTS: '[25, 75, 100]',
        DBOPS_SNAPSHOTS__CROSS_REGION__ENABLED: 'false',
      },
    });
    // THEN they land on the nested keys with their YAML types
    expect(loaded.config.database.instanceClass).toBe('db.t4g.micro');
    expect(loaded.config.database.backupRetentionDays).toBe(30);
    expect(loaded.config.database.multiAz).toBe(true);
    expect(loaded.config.budget.alertPercents).toEqual([25, 75, 100]);
    expect(loaded.config.snapshots.crossRegion.enabled).toBe(false);
    expect(describeSource(loaded.sources['database.instanceClass'])).toBe('env DBOPS_DATABASE__INSTANCE_CLASS');
    expect(describeSource(loaded.sources['database.backupRetentionDays'])).toBe('env DBOPS_DATABASE__BACKUP_RETENTION_DAYS');
    // AND the rest of the section keeps its defaults
    expect(loaded.config.database.storageType).toBe('gp2');
  });

  it('accepts optional keys (no default) from the env, including in sections that are empty by default', () => {
    // GIVEN optional keys of database (non-empty defaults) and of network and alarms (empty defaults)
    const loaded = load({
      env: {
        DBOPS_DATABASE__PORT: '5433',
        DBOPS_NETWORK__ALLOWED_CIDR: '203.0.113.7/32',
        DBOPS_ALARMS__EMAIL: 'oncall@example.com',
      },
    });
    // THEN all are applied and attributed to their env var
    expect(loaded.config.database.port).toBe(5433);
    expect(loaded.config.network).toStrictEqual({ allowedCidr: '203.0.113.7/32' });
    expect(loaded.config.alarms).toStrictEqual({ ...DEFAULTS.alarms, email: 'oncall@example.com' });
    expect(describeSource(loaded.sources['network.allowedCidr'])).toBe('env DBOPS_NETWORK__ALLOWED_CIDR');
  });

  it('ignores DBOPS_* variables that are not config keys (home, password) and non-DBOPS variables', () => {
    const loaded = load({
      env: {
        DBOPS_HOME: '/var/lib/dbops',
        DBOPS_DB_PASSWORD: 'x',
        DBOPS_VERBOSE: '1',
        DBOPS_LOG: 'debug',
        REGION: 'eu-west-1',
        PATH: '/bin',
      },
    });
    expect(loaded.config).toStrictEqual(DEFAULTS);
  });

  it.each(DBOPS_OWN_ENV)('leaves %s to dbops (not a config key, not "unknown")', (name) => {
    // GIVEN only that variable WHEN loading THEN no error and the defaults
    expect(load({ env: { [name]: name === 'DBOPS_CONFIG_JSON' ? '{}' : 'js' } }).config).toStrictEqual(DEFAULTS);
  });

  it('reads the whole config from DBOPS_CONFIG_JSON (a scheduled task), before a file found by search; --config wins', () => {
    // GIVEN a file found by search, and the config as JSON in the environment
    writeConfig(root, 'region: eu-west-1\n');
    const env = { DBOPS_CONFIG_JSON: JSON.stringify({ region: 'eu-north-1', database: { identifier: 'orders-db' } }) };

    // WHEN loading THEN the environment's config is used, and named as the source
    const loaded = load({ env });
    expect(loaded.config.region).toBe('eu-north-1');
    expect(loaded.config.database.identifier).toBe('orders-db');
    expect(loaded.sources.region).toEqual({ kind: 'env', name: 'DBOPS_CONFIG_JSON' });

    // AND an explicit --config wins over it
    const explicit = writeConfig(join(root, 'conf'), 'region: ap-south-1\n', 'prod.yaml');
    expect(load({ env, explicitPath: explicit }).config.region).toBe('ap-south-1');
  });

  it('lists every DBOPS_* variable src/ reads by name', () => {
    // GIVEN every `env.DBOPS_X` / `env['DBOPS_X']` read in the sources
    const read = new Set<string>();
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, e.name);
        if (e.isDirectory()) walk(path);
        else if (path.endsWith('.ts'))
          for (const m of readFileSync(path, 'utf8').matchAll(/env(?:\.|\[')(DBOPS_[A-Z0-9_]+)/g)) read.add(m[1]!);
      }
    };
    walk(join(dirname(fileURLToPath(import.meta.url)), '../../../src'));
    // THEN each is in the one list (DBOPS_CRC32C=js once failed every command as an unknown key)
    expect(read.size).toBeGreaterThan(0);
    for (const name of read) expect(DBOPS_OWN_ENV, name).toContain(name);
  });

  it('resolves --config relative to the cwd and uses that file instead of searching', () => {
    // GIVEN a file found by search and another named explicitly
    writeConfig(root, 'region: eu-west-1\n');
    const explicit = writeConfig(join(root, 'conf'), 'region: eu-north-1\n', 'prod.yaml');
    // WHEN loading with a relative --config
    const loaded = load({ explicitPath: 'conf/prod.yaml' });
    // THEN the explicit file is used
    expect(loaded.file).toBe(explicit);
    expect(loaded.config.region).toBe('eu-north-1');
  });

  it('keeps an unquoted engine version as written: 15.10 is PostgreSQL 15.10, not the number 15.1', () => {
    // GIVEN versions YAML would read as numbers, in the file and in the env
    writeConfig(root, 'provider: local\ndatabase:\n  engineVersion: 15.10\ncache:\n  engineVersion: 7.0\n');
    // THEN the text is kept (a whole number like 15 stays as before)
    expect(load().config.database.engineVersion).toBe('15.10');
    expect(load().config.cache.engineVersion).toBe('7.0');
    expect(load({ env: { DBOPS_DATABASE__ENGINE_VERSION: '16.10' } }).config.database.engineVersion).toBe('16.10');
    writeConfig(root, 'provider: local\ndatabase:\n  engineVersion: 16\n');
    expect(load().config.database.engineVersion).toBe('16');
  });

  it('names the file, the key and what was found for a list item, a mapping key and a retention AWS does not offer', () => {
    const file = writeConfig(
      root,
      "provider: local\nschedule:\n  subnets: ['nope']\n  logRetentionDays: 8\n  jobs: { Bad_Name: { command: audit, expression: 'rate(1 day)' } }\n",
    );
    expect(configError(() => load()).details?.problems).toEqual([
      `${file}: schedule.subnets.0: expected a subnet id such as subnet-0123abcd, found the string "nope"`,
      `${file}: schedule.logRetentionDays: expected a CloudWatch Logs retention in days: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, found number 8`,
      `${file}: schedule.jobs.Bad_Name: expected a job name of lower-case letters, digits and hyphens, found the key "Bad_Name"`,
    ]);
  });

  it('says once that an engine version that is no version is wrong', () => {
    writeConfig(root, 'provider: local\ndatabase:\n  engineVersion: abc\n');
    const e = configError(() => load());
    expect(e.message).toMatch(
      /^Invalid config: .*database\.engineVersion: expected a version such as 15, 15\.4 or 8\.0\.35, found the string "abc"\.$/,
    );
  });

  it('treats an empty file as no overrides', () => {
    const file = writeConfig(root, '# nothing yet\n');
    const loaded = load();
    expect(loaded.file).toBe(file);
    expect(loaded.config).toStrictEqual(DEFAULTS);
  });
});

describe('loadConfig: errors', () => {
  it('says the --config file does not exist (exit 2)', () => {
    // GIVEN --config naming a missing file WHEN loading THEN a ConfigError names the resolved path
    const e = configError(() => load({ explicitPath: 'missing/dbops.config.yaml' }));
    expect(e.message).toBe(`The config file ${join(root, 'missing/dbops.config.yaml')} does not exist.`);
    expect(e.exitCode).toBe(2);
    expect(e.hint).toContain('--config');
  });

  it('says a --config directory cannot be read', () => {
    mkdirSync(join(root, 'adir'));
    const e = configError(() => load({ explicitPath: 'adir' }));
    expect(e.message).toContain(`Cannot read the config file ${join(root, 'adir')}`);
  });

  it('names file:line:col for a YAML syntax error', () => {
    // GIVEN a file whose third line is broken
    const file = writeConfig(root, 'provider: local\nregion: us-east-2\ndatabase: instanceClass: db.t3.micro\n');
    // WHEN loading THEN the message starts with file:3:col
    const e = configError(() => load());
    expect(e.message).toMatch(new RegExp(`^${escapeRe(file)}:3:\\d+: the YAML does not parse: .+\\.$`));
    expect(e.exitCode).toBe(2);
  });

  it('rejects a duplicated key as a YAML error', () => {
    const file = writeConfig(root, 'region: us-east-2\nregion: eu-west-1\n');
    const e = configError(() => load());
    expect(e.message).toMatch(new RegExp(`^${escapeRe(file)}:2:\\d+: the YAML does not parse`));
  });

  it('rejects a file whose top level is not a mapping', () => {
    const file = writeConfig(root, '- region\n- us-east-2\n');
    const e = configError(() => load());
    expect(e.message).toBe(`${file}: expected a mapping of keys at the top level, found a list.`);
  });

  it('names the file, the key path, what was expected and what was found for a wrong type', () => {
    // GIVEN a string where a number is expected
    const file = writeConfig(root, 'database:\n  allocatedStorageGb: twenty\n');
    // WHEN loading THEN one problem is reported in full
    const e = configError(() => load());
    expect(e.message).toBe(`Invalid config: ${file}: database.allocatedStorageGb: expected number, found the string "twenty".`);
    expect(e.details).toEqual({ problems: [`${file}: database.allocatedStorageGb: expected number, found the string "twenty"`] });
  });

  it('names the rule a value breaks', () => {
    const file = writeConfig(root, 'region: mars\ndatabase:\n  allocatedStorageGb: 20.5\n');
    const e = configError(() => load());
    expect(e.details?.problems).toEqual([
      `${file}: region: expected an AWS region such as us-east-2, found the string "mars"`,
      `${file}: database.allocatedStorageGb: expected int, found number 20.5`,
    ]);
  });

  it('names the env var when an env value has the wrong type', () => {
    const e = configError(() => load({ env: { DBOPS_DATABASE__MULTI_AZ: 'sometimes' } }));
    expect(e.message).toBe(
      'Invalid config: env DBOPS_DATABASE__MULTI_AZ: database.multiAz: expected boolean, found the string "sometimes".',
    );
  });

  it('names the flag when a flag value is invalid', () => {
    const e = configError(() => load({ flags: { region: 'moon-1' } }));
    expect(e.message).toBe('Invalid config: flag --region: region: expected an AWS region such as us-east-2, found the string "moon-1".');
  });

  it('rejects an unknown key inside a section with its full path', () => {
    // GIVEN a typo inside database
    const file = writeConfig(root, 'database:\n  instanceClas: db.t3.small\n');
    const e = configError(() => load());
    expect(e.message).toBe(`Invalid config: ${file}: database.instanceClas: unknown key.`);
  });

  it('rejects an unknown top-level key, naming the file even when the key holds a mapping', () => {
    // GIVEN a misspelt section with keys under it
    const file = writeConfig(root, 'databse:\n  identifier: my-db\n');
    const e = configError(() => load());
    expect(e.message).toBe(`Invalid config: ${file}: databse: unknown key.`);
  });

  it('rejects several unknown keys of one section in one line', () => {
    const file = writeConfig(root, 'cache:\n  enabled: true\n  nodes: 2\n  shards: 1\n');
    const e = configError(() => load());
    expect(e.message).toBe(`Invalid config: ${file}: cache.nodes, cache.shards: unknown keys.`);
  });

  it('rejects an unknown top-level DBOPS_* variable as an unknown key', () => {
    const e = configError(() => load({ env: { DBOPS_REGIOM: 'eu-west-1' } }));
    expect(e.message).toBe('Invalid config: env DBOPS_REGIOM: regiom: unknown key.');
  });

  it('reports every problem at once, from every source', () => {
    // GIVEN two bad values in the file, an unknown key, a bad env value and a bad flag
    const file = writeConfig(root, 'database:\n  backupRetentionDays: 99\n  storageType: ssd\nbudget:\n  monthlyUsd: -1\n  extra: 1\n');
    // WHEN loading
    const e = configError(() => load({ env: { DBOPS_RECOVERY__RTO_HOURS: '0' }, flags: { region: 'nowhere' } }));
    // THEN the message counts them and lists each on its own line
    const problems = e.details?.problems as string[];
    expect(problems).toHaveLength(6);
    expect(e.message.split('\n')[0]).toBe('Invalid config (6 problems):');
    expect(e.message.split('\n').slice(1)).toEqual(problems.map((p) => `  ${p}`));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^flag --region: region: expected .*found the string "nowhere"$/),
        expect.stringMatching(new RegExp(`^${escapeRe(file)}: database\\.backupRetentionDays: expected .*found number 99$`)),
        expect.stringMatching(new RegExp(`^${escapeRe(file)}: database\\.storageType: expected .*found the string "ssd"$`)),
        expect.stringMatching(new RegExp(`^${escapeRe(file)}: budget\\.monthlyUsd: expected .*found number -1$`)),
        `${file}: budget.extra: unknown key`,
        expect.stringMatching(/^env DBOPS_RECOVERY__RTO_HOURS: recovery\.rtoHours: expected .*found number 0$/),
      ]),
    );
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
