/**
 * Loads the effective configuration: defaults < file < DBOPS_* environment < flags,
 * merged in this one place, validated once, every problem reported at once.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isScalar, parseDocument, visit } from 'yaml';
import { ConfigError } from '../errors.js';
import { databaseKindProblem } from './database-kind.js';
import { CONFIG_FILE_NAME, DEFAULTS } from './defaults.js';
import { configSchema, type DbopsConfig } from './schema.js';

/** Where one effective value came from. */
export type ValueSource =
  | { kind: 'default' }
  | { kind: 'file'; file: string }
  | { kind: 'env'; name: string }
  | { kind: 'flag'; name: string };

export interface LoadedConfig {
  config: DbopsConfig;
  /** The config file used, if any. */
  file?: string;
  /** Source of every leaf value, keyed by dotted path (`database.instanceClass`). */
  sources: Record<string, ValueSource>;
}

export interface LoadConfigInput {
  cwd: string;
  /** --config */
  explicitPath?: string;
  env: Record<string, string | undefined>;
  /** Flag values already mapped to config paths, e.g. { region: 'eu-west-1' }. */
  flags: Record<string, unknown>;
  /** The flag behind a path when it is not `--<path in kebab case>` (e.g. --maintenance-work-mem for vector.maintenanceWorkMem). */
  flagNames?: Record<string, string>;
}

/** A command's flags that set config keys for one run: values and flag names by config path. */
export interface ConfigOverrides {
  values: Record<string, unknown>;
  names: Record<string, string>;
}

type Tree = Record<string, unknown>;

/**
 * The DBOPS_* variables dbops reads itself: not config keys, so the loader leaves them
 * alone (every other DBOPS_* variable is a config key, and one naming no key is refused).
 * A new variable dbops reads goes here; a test checks that every one src/ reads is listed.
 */
export const DBOPS_OWN_ENV = [
  /** State, clusters, snapshots and the local secrets file (default ~/.dbops). */
  'DBOPS_HOME',
  /** The database password (aws provider), instead of the RDS-managed secret. */
  'DBOPS_DB_PASSWORD',
  /** `js` forces the portable CRC-32C instead of the native one. */
  'DBOPS_CRC32C',
  /** Reserved for logging switches. */
  'DBOPS_VERBOSE',
  'DBOPS_LOG',
  /** The whole config as JSON, instead of a file: what a `dbops schedule` task gets from SSM. */
  'DBOPS_CONFIG_JSON',
] as const;

const NON_CONFIG_ENV: ReadonlySet<string> = new Set(DBOPS_OWN_ENV);

export function describeSource(s: ValueSource | undefined): string {
  if (!s) return 'default';
  switch (s.kind) {
    case 'default':
      return 'default';
    case 'file':
      return s.file;
    case 'env':
      return `env ${s.name}`;
    case 'flag':
      return `flag ${s.name}`;
  }
}

/** Searches upward from `cwd` for dbops.config.yaml. */
export function findConfigFile(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, CONFIG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Dotted paths of every leaf (arrays are leaves). */
export function leafPaths(tree: Tree, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(tree)) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (isTree(v) && Object.keys(v).length > 0) out.push(...leafPaths(v, p));
    else out.push(p);
  }
  return out;
}

function setPath(tree: Tree, path: string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    if (!isTree(node[key])) node[key] = {};
    node = node[key] as Tree;
  }
  node[path[path.length - 1]!] = value;
}

function getPath(tree: unknown, path: string[]): unknown {
  let node = tree;
  for (const key of path) {
    if (Array.isArray(node)) node = node[Number(key)];
    else if (isTree(node)) node = node[key];
    else return undefined;
  }
  return node;
}

/** Where the value at `path` came from: its own source, else that of the list or mapping it is in or holds. */
function sourceAt(sources: Record<string, ValueSource>, path: string): ValueSource | undefined {
  if (sources[path]) return sources[path];
  const parts = path.split('.');
  for (let n = parts.length - 1; n > 0; n--) {
    const s = sources[parts.slice(0, n).join('.')];
    if (s) return s;
  }
  return Object.entries(sources).find(([k]) => k.startsWith(`${path}.`))?.[1];
}

/** Deep-merges `over` onto `base`, recording the source of each leaf it sets. */
function mergeInto(base: Tree, over: Tree, source: ValueSource, sources: Record<string, ValueSource>, prefix = ''): void {
  for (const [k, v] of Object.entries(over)) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (isTree(v) && isTree(base[k])) {
      mergeInto(base[k] as Tree, v, source, sources, p);
    } else {
      base[k] = v;
      if (isTree(v)) for (const leaf of leafPaths(v, p)) sources[leaf] = source;
      else sources[p] = source;
    }
  }
}

function readConfigFile(file: string): Tree {
  let text: string;
  try {
    if (statSync(file).isDirectory()) throw new Error('is a directory');
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`Cannot read the config file ${file}: ${(e as Error).message}.`, {
      hint: 'Check the path given to --config, or run `dbops init` to write one.',
    });
  }
  return parseConfigText(text, file);
}

/** A config's text (YAML, or JSON which is YAML too), named `file` in messages. */
function parseConfigText(text: string, file: string): Tree {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const pos = first.linePos?.[0];
    const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
    const what = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(`${where}: the YAML does not parse: ${what}.`, {
      hint: 'Fix the syntax at that line (indentation and "key: value" pairs), then run `dbops config validate`.',
    });
  }
  keepVersionText(doc);
  const value = doc.toJS() as unknown;
  if (value === null || value === undefined) return {};
  if (!isTree(value)) {
    throw new ConfigError(`${file}: expected a mapping of keys at the top level, found ${typeName(value)}.`, {
      hint: 'A config file looks like "provider: local" on its first line; `dbops init --defaults` writes one.',
    });
  }
  return value;
}

/** A version as written: YAML reads `15.10` as the number 15.1 (another version) and `8.0` as 8. */
const VERSION_TEXT = /^\d+(\.\d+)+$/;

/** Every `engineVersion: 15.10` keeps its text, so PostgreSQL 15.10 is not silently read as 15.1. */
function keepVersionText(doc: ReturnType<typeof parseDocument>): void {
  visit(doc, {
    Pair(_, pair) {
      if (!isScalar(pair.key) || pair.key.value !== 'engineVersion' || !isScalar(pair.value)) return;
      const { value, source } = pair.value;
      if (typeof value === 'number' && source !== undefined && VERSION_TEXT.test(source)) pair.value.value = source;
    },
  });
}

/** DBOPS_DATABASE__INSTANCE_CLASS -> ['database', 'instanceClass']. */
export function envNameToPath(name: string): string[] {
  return name
    .slice('DBOPS_'.length)
    .split('__')
    .map((seg) => seg.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()));
}

export function pathToEnvName(path: string): string {
  return (
    'DBOPS_' +
    path
      .split('.')
      .map((seg) => seg.replace(/([A-Z])/g, '_$1').toUpperCase())
      .join('__')
  );
}

function envOverrides(env: Record<string, string | undefined>): { tree: Tree; names: Record<string, string> } {
  const tree: Tree = {};
  const names: Record<string, string> = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('DBOPS_') || raw === undefined || NON_CONFIG_ENV.has(name)) continue;
    // Every other DBOPS_* variable is a config key; one that names no key is rejected
    // by the schema like an unknown key in the file, naming the variable.
    const path = envNameToPath(name);
    const dotted = path.join('.');
    setPath(tree, path, path[path.length - 1] === 'engineVersion' && VERSION_TEXT.test(raw.trim()) ? raw.trim() : parseEnvValue(raw));
    names[dotted] = name;
  }
  return { tree, names };
}

/** Env values are YAML scalars: "20" is a number, "true" a boolean, "[50, 80]" a list. */
function parseEnvValue(raw: string): unknown {
  const doc = parseDocument(raw);
  return doc.errors.length > 0 ? raw : (doc.toJS() as unknown);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
}

/**
 * Seed 003's settings where the config says engine mysql and leaves them at their
 * defaults: database.engineVersion "8.0" (the default "15" is PostgreSQL's; YAML reads
 * `8.0` as the number 8: for mysql that is "8.0" too) and backupRetentionDays 30 (the
 * default 7 is seeds 000/002's PostgreSQL). A value set in the file, env or a flag wins.
 */
export const MYSQL_BACKUP_RETENTION_DAYS = 30;

function mysqlDefaults(merged: Tree, sources: Record<string, ValueSource>): void {
  const db = merged.database;
  if (!isTree(db) || db.engine !== 'mysql') return;
  if (sources['database.engineVersion']?.kind === 'default' || db.engineVersion === 8) db.engineVersion = '8.0';
  if (sources['database.backupRetentionDays']?.kind === 'default') db.backupRetentionDays = MYSQL_BACKUP_RETENTION_DAYS;
}

function mysqlVersionProblem(issues: readonly { code: string; path: PropertyKey[]; message: string }[]): boolean {
  return issues.some((i) => i.code === 'custom' && i.path.join('.') === 'database.engineVersion' && i.message.startsWith('MySQL'));
}

export function loadConfig(input: LoadConfigInput): LoadedConfig {
  const file = input.explicitPath ? resolve(input.cwd, input.explicitPath) : findConfigFile(input.cwd);
  if (input.explicitPath && !existsSync(file!)) {
    throw new ConfigError(`The config file ${file} does not exist.`, {
      hint: 'Check the path given to --config, or run `dbops init` to write one.',
    });
  }
  const merged = structuredClone(DEFAULTS) as unknown as Tree;
  const sources: Record<string, ValueSource> = {};
  for (const p of leafPaths(merged)) sources[p] = { kind: 'default' };

  // A scheduled task has no file: the config comes as DBOPS_CONFIG_JSON (an explicit --config wins).
  const inline = input.explicitPath ? undefined : input.env.DBOPS_CONFIG_JSON;
  const fileTree = inline ? parseConfigText(inline, 'DBOPS_CONFIG_JSON') : file ? readConfigFile(file) : {};
  mergeInto(merged, fileTree, inline ? { kind: 'env', name: 'DBOPS_CONFIG_JSON' } : { kind: 'file', file: file ?? '' }, sources);

  const env = envOverrides(input.env);
  mergeInto(merged, env.tree, { kind: 'env', name: '' }, sources);
  for (const [p, name] of Object.entries(env.names)) sources[p] = { kind: 'env', name };

  const flagTree: Tree = {};
  const flagNames: Record<string, string> = {};
  for (const [p, v] of Object.entries(input.flags)) {
    if (v === undefined) continue;
    setPath(flagTree, p.split('.'), v);
    flagNames[p] = input.flagNames?.[p] ?? '--' + p.replace(/([A-Z])/g, '-$1').toLowerCase();
  }
  mergeInto(merged, flagTree, { kind: 'flag', name: '' }, sources);
  for (const [p, name] of Object.entries(flagNames)) sources[p] = { kind: 'flag', name };

  mysqlDefaults(merged, sources);
  const parsed = configSchema.safeParse(merged, { reportInput: true });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const path = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys.map((k) => (path ? `${path}.${k}` : k));
        const src = describeSource(sources[keys[0]!] ?? Object.entries(sources).find(([k]) => k.startsWith(`${keys[0]!}.`))?.[1]);
        return `${src}: ${keys.join(', ')}: unknown key${keys.length > 1 ? 's' : ''}`;
      }
      if (issue.code === 'invalid_key') {
        // A mapping key of the wrong shape (a job name): say what a key looks like, and which key.
        const what = issue.issues[0]?.message ?? 'another key';
        return `${describeSource(sourceAt(sources, path))}: ${path}: expected ${what}, found the key ${JSON.stringify(String(issue.path.at(-1)))}`;
      }
      const found = getPath(merged, issue.path.map(String));
      const expected = issue.message
        .replace(/^[A-Z][a-z ]+: /, '')
        .replace(/, received .*$/, '')
        .replace(/^expected /, '');
      return `${describeSource(sourceAt(sources, path))}: ${path}: expected ${expected}, found ${typeName(found)}`;
    });
    throw new ConfigError(
      lines.length === 1 ? `Invalid config: ${lines[0]}.` : `Invalid config (${lines.length} problems):\n  ${lines.join('\n  ')}`,
      {
        hint: mysqlVersionProblem(parsed.error.issues)
          ? 'Set database.engineVersion to 8.0 or 8.0.x, or leave it out (engine mysql defaults to 8.0); locally MariaDB 10.11 stands in for MySQL 8.0.'
          : 'Fix the values named above; `dbops config show` prints every key with its default.',
        details: { problems: lines },
      },
    );
  }
  // The checks across keys (an Aurora cluster's class and capacity): one sentence and a hint.
  const problem = databaseKindProblem(parsed.data);
  if (problem)
    throw new ConfigError(`Invalid config: ${problem.message}`, { hint: problem.hint, details: { problems: [problem.message] } });
  return { config: parsed.data, file, sources };
}
