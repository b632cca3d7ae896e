/**
 * What `dbops init` takes from the command line and the environment: every config value
 * whose source is a flag (`--provider`, `--region`, `--profile`, `--endpoint-url`) or a
 * `DBOPS_*` variable. They become the answers' defaults (so `--defaults` writes them and
 * the wizard offers them), and every such value is written to the file even when no
 * question asks for it. Pure.
 */
import type { LoadedConfig } from '../config/load.js';
import type { Answers } from './questions.js';

type Tree = Record<string, unknown>;

/** Config path -> the answer it presets (and how the value reads as that answer). */
const ANSWER_OF: Record<string, { key: keyof Answers; as?: (v: unknown) => unknown }> = {
  provider: { key: 'provider' },
  region: { key: 'region' },
  profile: { key: 'profile' },
  'database.identifier': { key: 'identifier' },
  'database.engine': { key: 'engine' },
  'database.engineVersion': { key: 'engineVersion', as: String },
  'database.instanceClass': { key: 'instanceClass' },
  'database.allocatedStorageGb': { key: 'allocatedStorageGb' },
  'database.maxAllocatedStorageGb': { key: 'maxAllocatedStorageGb' },
  'database.multiAz': { key: 'multiAz' },
  'database.backupRetentionDays': { key: 'backupRetentionDays' },
  'database.backupWindow': { key: 'backupWindow' },
  'database.maintenanceWindow': { key: 'maintenanceWindow' },
  'snapshots.manualRetentionWeeks': { key: 'manualRetentionWeeks' },
  'snapshots.crossRegion.enabled': { key: 'crossRegion' },
  'snapshots.crossRegion.region': { key: 'drRegion' },
  'snapshots.crossRegion.retentionWeeks': { key: 'drRetentionWeeks' },
  'recovery.rtoHours': { key: 'rtoHours' },
  'recovery.rpoHours': { key: 'rpoHours' },
  'recovery.drSubnetGroup': { key: 'drSubnetGroup' },
  'recovery.drSecurityGroupIds': { key: 'drSecurityGroups', as: (v) => (Array.isArray(v) ? v.join(', ') : String(v)) },
  'cache.enabled': { key: 'cacheEnabled' },
  'cache.nodeType': { key: 'cacheNodeType' },
  'alarms.email': { key: 'alarmEmail' },
  'budget.monthlyUsd': { key: 'budgetUsd' },
  'budget.alertPercents': { key: 'alertPercents', as: (v) => (Array.isArray(v) ? v.join(', ') : String(v)) },
  'network.allowedCidr': { key: 'allowedCidr' },
};

function at(tree: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, k) => (node && typeof node === 'object' ? (node as Tree)[k] : undefined), tree);
}

/** The config paths set by a flag or a DBOPS_* variable (arrays are one leaf). */
export function givenPaths(loaded: LoadedConfig): string[] {
  const paths = Object.entries(loaded.sources)
    .filter(([, s]) => s.kind === 'env' || s.kind === 'flag')
    .map(([p]) => p.replace(/\.\d+$/, ''));
  return [...new Set(paths)];
}

/** The answers the flags and environment already give. */
export function presetAnswers(loaded: LoadedConfig): Partial<Answers> {
  const preset: Record<string, unknown> = {};
  for (const path of givenPaths(loaded)) {
    const a = ANSWER_OF[path];
    const value = at(loaded.config, path);
    if (!a || value === undefined) continue;
    preset[a.key] = a.as ? a.as(value) : value;
    if (a.key === 'allowedCidr') preset.access = 'cidr';
  }
  return preset as Partial<Answers>;
}

/** The file's tree with every flag/env value written in (a copy). */
export function withGiven(tree: Tree, loaded: LoadedConfig): Tree {
  const out = structuredClone(tree);
  for (const path of givenPaths(loaded)) {
    const value = at(loaded.config, path);
    if (value === undefined) continue;
    const keys = path.split('.');
    let node = out;
    for (const k of keys.slice(0, -1)) {
      if (!node[k] || typeof node[k] !== 'object') node[k] = {};
      node = node[k] as Tree;
    }
    node[keys.at(-1)!] = value;
  }
  return out;
}
