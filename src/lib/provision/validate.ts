/**
 * Bad input, caught before anything is read or created: each problem is one sentence
 * (UsageError, exit 2) with a hint. The pure checks run first; then the two that need
 * the provider: does the region exist, does the engine offer the class there
 * (DescribeOrderableDBInstanceOptions).
 */
import type { DbopsConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';
import type { OrderableOption, ProvisionProvider } from '../providers/provision-types.js';
import { isCidrError, parseCidr } from './cidr.js';
import { engineMajor } from './desired.js';
import { isKnownRegion } from './regions.js';
import { CACHE_ID_MAX, type ProvisionSettings } from './settings.js';
import { isRdsIdentifier } from '../identifiers.js';
import { isClusterEngine } from '../config/database-kind.js';

/** Minimum allocated storage (GB) of RDS PostgreSQL and MySQL per storage type. */
export const STORAGE_MIN_GB: Record<string, number> = { gp2: 20, gp3: 20, io1: 100, io2: 100, standard: 5 };

/** AWS Budgets allows 10 notifications per budget; dbops makes two per threshold (actual, forecast). */
export const MAX_ALERT_PERCENTS = 5;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface Problem {
  message: string;
  hint: string;
}

function rdsIdProblem(what: string, key: string, id: string, max: number): Problem | undefined {
  if (isRdsIdentifier(id, max)) return undefined;
  return {
    message: `${what} "${id}" (${key}) is not an identifier AWS accepts.`,
    hint: `Use 1-${max} letters, digits and single hyphens, starting with a letter and not ending with a hyphen.`,
  };
}

/** Engine names as people say them. */
export const ENGINE_NAME: Record<DbopsConfig['database']['engine'], string> = {
  postgres: 'PostgreSQL',
  mysql: 'MySQL',
  'aurora-postgresql': 'Aurora PostgreSQL',
};

function storageProblem(config: DbopsConfig): Problem | undefined {
  const db = config.database;
  if (isClusterEngine(db.engine)) return undefined;
  const min = STORAGE_MIN_GB[db.storageType] ?? 20;
  if (db.allocatedStorageGb < min) {
    return {
      message: `database.allocatedStorageGb is ${db.allocatedStorageGb} GB, below the ${min} GB minimum of ${db.engine} on ${db.storageType} storage.`,
      hint: `Set database.allocatedStorageGb to at least ${min} (20 GB of gp2 is in the free tier).`,
    };
  }
  if (db.maxAllocatedStorageGb < db.allocatedStorageGb) {
    return {
      message: `database.maxAllocatedStorageGb (${db.maxAllocatedStorageGb} GB) is below database.allocatedStorageGb (${db.allocatedStorageGb} GB).`,
      hint: 'Set the cap equal to the allocated size (no autoscaling) or above it.',
    };
  }
  return undefined;
}

function networkProblem(config: DbopsConfig): Problem | undefined {
  const cidr = config.network.allowedCidr;
  if (cidr === undefined) return undefined;
  const parsed = parseCidr(cidr);
  return isCidrError(parsed)
    ? {
        message: `network.allowedCidr: ${parsed.error}`,
        hint: 'Use an IPv4 CIDR such as 203.0.113.7/32, or leave it unset (private only).',
      }
    : undefined;
}

function notifyProblems(config: DbopsConfig): Problem | undefined {
  const email = config.alarms.email;
  if (email !== undefined && !EMAIL.test(email)) {
    return { message: `alarms.email "${email}" is not an email address.`, hint: 'Use an address such as oncall@example.com.' };
  }
  if (!(config.budget.monthlyUsd >= 0)) {
    return {
      message: `budget.monthlyUsd is ${config.budget.monthlyUsd}; a budget cannot be below zero.`,
      hint: 'Use the monthly limit in US dollars, e.g. 50 (0: no budget).',
    };
  }
  if (config.budget.alertPercents.length > MAX_ALERT_PERCENTS) {
    return {
      message: `budget.alertPercents has ${config.budget.alertPercents.length} thresholds; AWS Budgets allows ${MAX_ALERT_PERCENTS} (each makes an actual and a forecast alert).`,
      hint: 'Keep at most five thresholds, e.g. [50, 80, 100].',
    };
  }
  return undefined;
}

/** AWS's bounds of a serverless cache's CacheUsageLimits. */
export const SERVERLESS_LIMITS = { dataStorageGb: { min: 1, max: 5000 }, ecpuPerSecond: { min: 1000, max: 15_000_000 } } as const;

/** cache.kind serverless: Valkey only, on AWS, within AWS's usage limits. */
export function serverlessCacheProblem(config: DbopsConfig): Problem | undefined {
  const c = config.cache;
  if (!c.enabled || c.kind !== 'serverless') return undefined;
  if (config.provider === 'local')
    return {
      message: 'cache.kind serverless is a Valkey serverless cache on ElastiCache, which the local provider does not have.',
      hint: 'Use cache.kind: node locally (a redis-server), or provider: aws.',
    };
  if (c.engine !== 'valkey')
    return {
      message: `cache.kind serverless is a Valkey serverless cache, but cache.engine is ${c.engine}.`,
      hint: 'Set cache.engine: valkey (or cache.kind: node for a Redis node).',
    };
  const { dataStorageMaxGb: gb, ecpuPerSecondMax: ecpu } = c.serverless;
  const d = SERVERLESS_LIMITS.dataStorageGb;
  if (!Number.isInteger(gb) || gb < d.min || gb > d.max)
    return {
      message: `cache.serverless.dataStorageMaxGb is ${gb}; ElastiCache serverless takes a whole number of GB from ${d.min} to ${d.max}.`,
      hint: 'Use e.g. 1 (the cache stops accepting writes at the limit).',
    };
  const e = SERVERLESS_LIMITS.ecpuPerSecond;
  if (!Number.isInteger(ecpu) || ecpu < e.min || ecpu > e.max)
    return {
      message: `cache.serverless.ecpuPerSecondMax is ${ecpu}; ElastiCache serverless takes a whole number from ${e.min} to ${e.max} ECPUs per second.`,
      hint: 'Use e.g. 1000 (requests above the limit are throttled).',
    };
  return undefined;
}

/** Every offline check, in the order a reader meets the keys; the first problem, if any. */
export function inputProblem(config: DbopsConfig, s: ProvisionSettings): Problem | undefined {
  return (
    rdsIdProblem('The database identifier', 'database.identifier', config.database.identifier, 63) ??
    (s.replica ? rdsIdProblem('The replica identifier', 'database.readReplica.identifier', s.replicaId, 63) : undefined) ??
    (config.cache.enabled ? rdsIdProblem('The cache identifier', 'cache.identifier', s.cacheId, CACHE_ID_MAX) : undefined) ??
    serverlessCacheProblem(config) ??
    storageProblem(config) ??
    networkProblem(config) ??
    notifyProblems(config)
  );
}

/** The class/version/storage verdict for the orderable options RDS returned. Pure. */
export function orderableProblem(config: DbopsConfig, region: string, options: OrderableOption[]): Problem | undefined {
  const db = config.database;
  const engineName = ENGINE_NAME[db.engine];
  if (options.length === 0) {
    return {
      message: `${engineName} does not offer ${db.instanceClass} in ${region}.`,
      hint: `Pick a class RDS offers there (\`aws rds describe-orderable-db-instance-options --engine ${db.engine} --region ${region}\`)${db.instanceClass === 'db.t3.micro' ? '' : ', e.g. db.t3.micro'}.`,
    };
  }
  const major = engineMajor(db.engine, db.engineVersion);
  const sameMajor = options.filter((o) => engineMajor(db.engine, o.engineVersion) === major);
  if (sameMajor.length === 0) {
    const offered = [...new Set(options.map((o) => engineMajor(db.engine, o.engineVersion)))].sort().join(', ');
    return {
      message: `${engineName} ${db.engineVersion} is not offered on ${db.instanceClass} in ${region}.`,
      hint: `Versions offered on that class: ${offered}.`,
    };
  }
  // Aurora storage is the cluster's own volume (aurora, aurora-iopt1): the storage keys do not apply.
  if (isClusterEngine(db.engine)) return undefined;
  const typed = sameMajor.filter((o) => o.storageType === undefined || o.storageType === db.storageType);
  if (typed.length === 0) {
    return {
      message: `${db.storageType} storage is not offered for ${engineName} ${db.engineVersion} on ${db.instanceClass} in ${region}.`,
      hint: 'Use gp2 or gp3.',
    };
  }
  const mins = typed.map((o) => o.minStorageGb).filter((m): m is number => m !== undefined);
  const min = mins.length > 0 ? Math.min(...mins) : undefined;
  if (min !== undefined && db.allocatedStorageGb < min) {
    return {
      message: `database.allocatedStorageGb is ${db.allocatedStorageGb} GB, below the ${min} GB minimum RDS allows for ${db.storageType} on ${db.instanceClass}.`,
      hint: `Set it to at least ${min}.`,
    };
  }
  return undefined;
}

function fail(p: Problem): never {
  throw new UsageError(p.message, { hint: p.hint });
}

export async function checkRegion(pp: ProvisionProvider, region: string): Promise<void> {
  if (isKnownRegion(region) || (await pp.regions.regionExists(region))) return;
  fail({
    message: `The region ${region} does not exist.`,
    hint: 'Use an AWS region name such as us-east-2 (`aws ec2 describe-regions` lists them).',
  });
}

/**
 * All bad-input checks; throws the first problem as a UsageError (exit 2). Creates nothing.
 * Returns notes for checks it had to skip: an endpoint that lists no orderable option at
 * all for the engine (an emulator; AWS always lists them) skips the class check, says so
 * in one line and goes on, like Terraform's skip_* settings.
 */
export async function validateInput(config: DbopsConfig, s: ProvisionSettings, pp: ProvisionProvider): Promise<string[]> {
  const offline = inputProblem(config, s);
  if (offline) fail(offline);
  await checkRegion(pp, config.region);
  const options = await pp.database.orderableOptions(config.database.engine, config.database.instanceClass);
  if (options.length === 0 && !(await pp.database.engineListed(config.database.engine))) {
    return [
      `The endpoint lists no orderable options for ${config.database.engine} in ${pp.region} (an emulator?): the instance class check was skipped.`,
    ];
  }
  const orderable = orderableProblem(config, pp.region, options);
  if (orderable) fail(orderable);
  return [];
}
