/** `dbops config show` and `dbops config validate` as lib functions. */
import { resolve } from 'node:path';
import type { Context } from '../context.js';
import { ConfigError } from '../errors.js';
import { describeSource, findConfigFile, leafPaths, loadConfig } from './load.js';

export interface ConfigEntry {
  key: string;
  value: unknown;
  source: string;
}

export interface ConfigShowResult {
  file: string | null;
  config: unknown;
  entries: ConfigEntry[];
}

function valueAt(tree: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], tree);
}

export function showConfig(ctx: Context): ConfigShowResult {
  const { config, file, sources } = ctx.loaded;
  const entries = leafPaths(config as unknown as Record<string, unknown>).map((key) => ({
    key,
    value: valueAt(config, key),
    source: describeSource(sources[key]),
  }));
  return { file: file ?? null, config, entries };
}

export interface ValidateResult {
  file: string;
  valid: true;
}

/** Validates a file alone (defaults + file), without env or flags. Throws ConfigError when invalid. */
export function validateConfigFile(cwd: string, file?: string): ValidateResult {
  const path = file ? resolve(cwd, file) : findConfigFile(cwd);
  if (!path) {
    throw new ConfigError('No dbops.config.yaml found in this directory or above.', {
      hint: 'Name a file (`dbops config validate path/to/dbops.config.yaml`) or write one with `dbops init`.',
    });
  }
  loadConfig({ cwd, explicitPath: path, env: {}, flags: {} });
  return { file: path, valid: true };
}
