/**
 * database.engine aurora-postgresql: seed 004's serverless defaults, and the bad input of
 * issue 17 (capacity min above max, outside 0-256, 0 without auto-pause, db.serverless on a
 * non-Aurora engine), each one sentence and a hint, exit 2.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { autoPauseSupported, databaseKind, dataEngine, serverlessCapacity, SEED_004 } from '../../../src/lib/config/database-kind.js';
import { loadConfig } from '../../../src/lib/config/load.js';
import { ConfigError, ExitCode } from '../../../src/lib/errors.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'dbops-kind-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const AURORA = ['provider: aws', 'database:', '  engine: aurora-postgresql', '  engineVersion: "15.4"', '  instanceClass: db.serverless'];

function load(lines: string[]) {
  const file = join(root, 'dbops.config.yaml');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return loadConfig({ cwd: root, env: {}, flags: {} });
}

function problem(lines: string[]): ConfigError {
  try {
    load(lines);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).exitCode).toBe(ExitCode.usage);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('an Aurora Serverless v2 config', () => {
  it("loads with seed 004's range 0.5-4 ACU, and is a cluster speaking PostgreSQL", () => {
    const { config } = load(AURORA);
    expect(databaseKind(config.database.engine)).toBe('cluster');
    expect(dataEngine(config.database.engine)).toBe('postgres');
    expect(serverlessCapacity(config)).toEqual({ minCapacity: 0.5, maxCapacity: 4 });
    expect(SEED_004).toMatchObject({ engineVersion: '15.4', minCapacity: 0.5, productionMinCapacity: 1, maxCapacity: 4 });
  });

  it('starts at 1 ACU in production unless minCapacity is set', () => {
    expect(serverlessCapacity(load([...AURORA, 'environment: production']).config)).toEqual({ minCapacity: 1, maxCapacity: 4 });
    const set = load([
      ...AURORA.slice(0, 1),
      'environment: production',
      ...AURORA.slice(1),
      '  serverless: { minCapacity: 2, maxCapacity: 8 }',
    ]);
    expect(serverlessCapacity(set.config)).toEqual({ minCapacity: 2, maxCapacity: 8 });
  });

  it('accepts 0 ACU where the engine version can auto-pause', () => {
    const cfg = load([...AURORA.map((l) => l.replace('"15.4"', '"15.7"')), '  serverless: { minCapacity: 0, maxCapacity: 2 }']).config;
    expect(serverlessCapacity(cfg).minCapacity).toBe(0);
  });

  it('a plain postgres instance is an instance', () => {
    expect(databaseKind('postgres')).toBe('instance');
    expect(dataEngine('mysql')).toBe('mysql');
  });
});

describe('bad capacity and class (one sentence, a hint, exit 2)', () => {
  it('min above max', () => {
    const e = problem([...AURORA, '  serverless: { minCapacity: 8, maxCapacity: 4 }']);
    expect(e.message).toBe('Invalid config: database.serverless.minCapacity (8 ACU) is above database.serverless.maxCapacity (4 ACU).');
    expect(e.hint).toBe('Set the minimum at or below the maximum (seed 004: 0.5-4 ACU, production 1-4).');
  });

  it('outside 0-256', () => {
    expect(problem([...AURORA, '  serverless: { maxCapacity: 300 }']).message).toBe(
      "Invalid config: database.serverless.maxCapacity is 300 ACU, outside Aurora Serverless v2's range of 0 to 256 ACU.",
    );
    expect(problem([...AURORA, '  serverless: { minCapacity: -1, maxCapacity: 4 }']).message).toMatch(
      /^Invalid config: database\.serverless\.minCapacity is -1 ACU, outside/,
    );
  });

  it('not a step of 0.5 ACU', () => {
    const e = problem([...AURORA, '  serverless: { minCapacity: 0.7, maxCapacity: 4 }']);
    expect(e.message).toBe(
      'Invalid config: database.serverless.minCapacity is 0.7 ACU; Aurora Serverless v2 capacity goes in steps of 0.5 ACU.',
    );
    expect(e.hint).toBe('Round it to a multiple of 0.5, e.g. 0.5.');
  });

  it('0 ACU on a version that cannot auto-pause (seed 004 runs 15.4)', () => {
    const e = problem([...AURORA, '  serverless: { minCapacity: 0, maxCapacity: 4 }']);
    expect(e.message).toBe(
      'Invalid config: database.serverless.minCapacity is 0 ACU, but Aurora PostgreSQL 15.4 cannot pause; 0 ACU needs auto-pause (13.15, 14.12, 15.7, 16.3 or later).',
    );
    expect(e.hint).toBe('Set minCapacity to 0.5 or more, or upgrade database.engineVersion (e.g. 15.7).');
  });

  it('a max of 0 ACU', () => {
    expect(problem([...AURORA, '  serverless: { minCapacity: 0, maxCapacity: 0 }']).message).toBe(
      'Invalid config: database.serverless.maxCapacity is 0 ACU: the cluster could never run.',
    );
    // the minimum left to seed 004's 0.5: the maximum is the mistake, not "0.5 is above 0"
    expect(problem([...AURORA, '  serverless: { maxCapacity: 0 }']).message).toBe(
      'Invalid config: database.serverless.maxCapacity is 0 ACU: the cluster could never run.',
    );
  });

  it('a max of 0.5 ACU (AWS: the maximum is at least 1 ACU)', () => {
    const e = problem([...AURORA, '  serverless: { minCapacity: 0.5, maxCapacity: 0.5 }']);
    expect(e.message).toBe(
      'Invalid config: database.serverless.maxCapacity is 0.5 ACU; Aurora Serverless v2 needs a maximum of at least 1 ACU.',
    );
    expect(e.hint).toBe('Set the maximum to at least 1 ACU (seed 004: 4).');
  });

  it('db.serverless on a non-Aurora engine', () => {
    const e = problem(['provider: aws', 'database:', '  engine: postgres', '  instanceClass: db.serverless']);
    expect(e.message).toBe(
      'Invalid config: database.instanceClass db.serverless is an Aurora Serverless v2 class; postgres RDS instances do not offer it.',
    );
    expect(e.hint).toBe(
      'Set database.engine: aurora-postgresql for an Aurora Serverless v2 cluster, or pick an instance class such as db.t3.micro.',
    );
  });

  it('an Aurora engine on an instance class', () => {
    const e = problem(['provider: aws', 'database:', '  engine: aurora-postgresql', '  instanceClass: db.t3.micro']);
    expect(e.message).toBe(
      'Invalid config: database.engine aurora-postgresql runs Aurora Serverless v2, whose instances are db.serverless, not db.t3.micro.',
    );
    expect(e.hint).toBe('Set database.instanceClass: db.serverless (database.serverless.minCapacity/maxCapacity size it).');
  });
});

describe('autoPauseSupported', () => {
  it.each([
    ['15.4', false],
    ['15.7', true],
    ['15', true],
    ['14.11', false],
    ['14.12', true],
    ['13.15', true],
    ['16.2', false],
    ['16.3', true],
    ['17.1', true],
    ['12.22', false],
  ])('%s -> %s', (version, expected) => {
    expect(autoPauseSupported(version)).toBe(expected);
  });
});
