import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/lib/config/defaults.js';
import { leafPaths, loadConfig } from '../../../src/lib/config/load.js';
import { showConfig, validateConfigFile } from '../../../src/lib/config/show.js';
import { testContext } from '../../_helpers/context.js';
import { ConfigError } from '../../../src/lib/errors.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'dbops-show-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('validateConfigFile', () => {
  it('throws a ConfigError when no file is named and none is found', () => {
    // GIVEN an empty directory WHEN validating without a file THEN it says none was found
    let error: unknown;
    try {
      validateConfigFile(root);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe('No dbops.config.yaml found in this directory or above.');
    expect((error as ConfigError).hint).toContain('dbops init');
    expect((error as ConfigError).exitCode).toBe(2);
  });

  it('validates the file found upward from cwd', () => {
    // GIVEN a valid file above cwd
    const file = join(root, 'dbops.config.yaml');
    writeFileSync(file, 'provider: aws\nregion: eu-west-1\n');
    mkdirSync(join(root, 'sub'));
    // WHEN validating from the subdirectory THEN it names that file as valid
    expect(validateConfigFile(join(root, 'sub'))).toStrictEqual({ file, valid: true });
  });

  it('validates a named file relative to cwd', () => {
    writeFileSync(join(root, 'other.yaml'), 'region: eu-west-1\n');
    expect(validateConfigFile(root, 'other.yaml')).toStrictEqual({ file: join(root, 'other.yaml'), valid: true });
  });

  it('throws the problems of an invalid file', () => {
    const file = join(root, 'dbops.config.yaml');
    writeFileSync(file, 'database:\n  storageType: ssd\n');
    expect(() => validateConfigFile(root)).toThrow(`${file}: database.storageType:`);
  });

  it('says a named file does not exist', () => {
    expect(() => validateConfigFile(root, 'nope.yaml')).toThrow(`The config file ${join(root, 'nope.yaml')} does not exist.`);
  });
});

describe('showConfig', () => {
  it('lists every key with its value and its source', async () => {
    // GIVEN a config loaded from a file and the env
    const file = join(root, 'dbops.config.yaml');
    writeFileSync(file, 'region: eu-west-1\n');
    const loaded = loadConfig({ cwd: root, env: { DBOPS_DATABASE__INSTANCE_CLASS: 'db.t4g.micro' }, flags: {} });
    const { ctx } = await testContext({ config: loaded.config, loaded });
    // WHEN showing it
    const shown = showConfig(ctx);
    // THEN there is one entry per leaf, with value and source
    expect(shown.file).toBe(file);
    expect(shown.config).toBe(loaded.config);
    expect(shown.entries.map((e) => e.key)).toEqual(leafPaths(DEFAULTS as unknown as Record<string, unknown>));
    expect(shown.entries.find((e) => e.key === 'region')).toStrictEqual({ key: 'region', value: 'eu-west-1', source: file });
    expect(shown.entries.find((e) => e.key === 'database.instanceClass')).toStrictEqual({
      key: 'database.instanceClass',
      value: 'db.t4g.micro',
      source: 'env DBOPS_DATABASE__INSTANCE_CLASS',
    });
    expect(shown.entries.find((e) => e.key === 'budget.alertPercents')).toStrictEqual({
      key: 'budget.alertPercents',
      value: [50, 80],
      source: 'default',
    });
  });

  it('gives file null when no file was used', async () => {
    const loaded = loadConfig({ cwd: root, env: {}, flags: {} });
    expect(showConfig((await testContext({ config: loaded.config, loaded })).ctx).file).toBeNull();
  });
});
