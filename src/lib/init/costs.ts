/**
 * Rough monthly costs and the AWS free tier, for the wizard's warnings. Pure.
 *
 * Prices are rounded on-demand list prices in us-east-2 (USD, 730 hours a month) and
 * are meant to say "about $26/month", not to bill anyone. The 12-month free tier covers
 * 750 hours a month of one db.t2/t3/t4g.micro single-AZ instance with 20 GB of gp2/gp3
 * storage, and 750 hours of a cache.t2/t3.micro node; AWS accounts opened after
 * 15 July 2025 get credits on a "free plan" instead, which these warnings do not model.
 */

export const HOURS_PER_MONTH = 730;
export const FREE_STORAGE_GB = 20;

/** USD per hour, single-AZ. */
const DB_HOURLY: Record<string, number> = {
  'db.t3.micro': 0.018,
  'db.t4g.micro': 0.016,
  'db.t3.small': 0.036,
  'db.t4g.small': 0.032,
  'db.t3.medium': 0.072,
  'db.t4g.medium': 0.065,
  'db.t3.large': 0.145,
  'db.m6g.large': 0.159,
  'db.m5.large': 0.178,
  'db.r6g.large': 0.225,
};

const CACHE_HOURLY: Record<string, number> = {
  'cache.t3.micro': 0.017,
  'cache.t4g.micro': 0.016,
  'cache.t2.micro': 0.017,
  'cache.t3.small': 0.034,
  'cache.t4g.small': 0.032,
  'cache.t3.medium': 0.068,
  'cache.m6g.large': 0.149,
};

/** USD per GB-month. */
const STORAGE_GB_MONTH: Record<string, number> = { gp2: 0.115, gp3: 0.115, io1: 0.125, io2: 0.125, standard: 0.1 };
const SNAPSHOT_GB_MONTH = 0.095;
const CROSS_REGION_TRANSFER_GB = 0.02;

export const FREE_DB_CLASSES = ['db.t3.micro', 'db.t4g.micro', 'db.t2.micro'];
export const FREE_CACHE_NODES = ['cache.t3.micro', 'cache.t2.micro'];

export const DB_CLASSES = Object.keys(DB_HOURLY);
export const CACHE_NODES = Object.keys(CACHE_HOURLY).filter((n) => !n.startsWith('cache.t2'));

export function monthly(hourly: number): number {
  return Math.round(hourly * HOURS_PER_MONTH);
}

export function dbMonthly(instanceClass: string, multiAz: boolean): number | undefined {
  const h = DB_HOURLY[instanceClass];
  return h === undefined ? undefined : monthly(h) * (multiAz ? 2 : 1);
}

export function cacheMonthly(nodeType: string): number | undefined {
  const h = CACHE_HOURLY[nodeType];
  return h === undefined ? undefined : monthly(h);
}

export function storageMonthly(storageType: string, gb: number): number {
  return Math.round((STORAGE_GB_MONTH[storageType] ?? 0.115) * gb * 100) / 100;
}

function usd(n: number | undefined): string {
  return n === undefined ? 'an unknown amount (check the AWS pricing page)' : `about $${n}/month`;
}

/** The facts the free-tier notes look at. */
export interface CostFacts {
  provider: 'aws' | 'local';
  instanceClass: string;
  multiAz: boolean;
  storageType: string;
  allocatedStorageGb: number;
  maxAllocatedStorageGb: number;
  readReplica: boolean;
  cacheEnabled: boolean;
  cacheNodeType: string;
  crossRegion: boolean;
  /** Aurora Serverless v2 (database.engine aurora-postgresql): its capacity range, in ACUs. */
  aurora?: { minCapacity: number; maxCapacity: number };
}

/** Aurora Serverless v2 (I/O-Standard), USD per ACU-hour in us-east-2. */
export const ACU_HOURLY = 0.12;

export function auroraMonthly(acu: number): number {
  return Math.round(acu * ACU_HOURLY * HOURS_PER_MONTH);
}

/** Aurora is never in the free tier: a cluster bills its ACU-hours (plus storage and I/O) from the first hour. */
export function auroraNote(f: CostFacts): string | undefined {
  if (f.provider !== 'aws' || !f.aurora) return undefined;
  const { minCapacity: min, maxCapacity: max } = f.aurora;
  return `Aurora Serverless v2 is not in the free tier: ${min}-${max} ACU costs about $${auroraMonthly(min)}-$${auroraMonthly(max)}/month of capacity ($${ACU_HOURLY} per ACU-hour, billed from the first hour), plus storage ($0.10/GB-month) and I/O.`;
}

export function instanceNote(f: CostFacts): string | undefined {
  if (f.provider !== 'aws' || f.aurora || FREE_DB_CLASSES.includes(f.instanceClass)) return undefined;
  return `${f.instanceClass} is outside the free tier (db.t3.micro / db.t4g.micro): ${usd(dbMonthly(f.instanceClass, false))}.`;
}

export function storageNote(f: CostFacts): string | undefined {
  if (f.provider !== 'aws') return undefined;
  const notes: string[] = [];
  if (f.allocatedStorageGb > FREE_STORAGE_GB) {
    const extra = f.allocatedStorageGb - FREE_STORAGE_GB;
    notes.push(`${extra} GB above the free ${FREE_STORAGE_GB} GB: about $${storageMonthly(f.storageType, extra)}/month`);
  }
  if (f.maxAllocatedStorageGb > f.allocatedStorageGb)
    notes.push(
      `storage may grow to ${f.maxAllocatedStorageGb} GB, up to about $${storageMonthly(f.storageType, f.maxAllocatedStorageGb - FREE_STORAGE_GB)}/month for the excess`,
    );
  if (f.storageType !== 'gp2' && f.storageType !== 'gp3') notes.push(`${f.storageType} storage is not in the free tier`);
  return notes.length > 0 ? `Outside the free tier: ${notes.join('; ')}.` : undefined;
}

export function multiAzNote(f: CostFacts): string | undefined {
  if (f.provider !== 'aws' || !f.multiAz) return undefined;
  return `Multi-AZ is outside the free tier: a standby doubles the instance, ${usd(dbMonthly(f.instanceClass, true))} in all.`;
}

export function replicaNote(f: CostFacts): string | undefined {
  if (f.provider !== 'aws' || !f.readReplica) return undefined;
  return `A read replica is a second instance; the free tier's 750 hours cover one: ${usd(dbMonthly(f.instanceClass, false))} more.`;
}

export function cacheNote(f: CostFacts): string | undefined {
  if (f.provider !== 'aws' || !f.cacheEnabled) return undefined;
  if (f.cacheNodeType.startsWith('cache.t2'))
    return `${f.cacheNodeType} is previous generation: AWS no longer creates it, and it has no AUTH or TLS; cache.t3.micro is free-tier eligible too.`;
  if (FREE_CACHE_NODES.includes(f.cacheNodeType)) return undefined;
  return `${f.cacheNodeType} is outside the free tier (cache.t3.micro): ${usd(cacheMonthly(f.cacheNodeType))}.`;
}

/** Snapshot storage in the DR region (two weekly copies) and the transfer of four a month. */
export function crossRegionMonthly(f: CostFacts): number {
  const gb = f.allocatedStorageGb;
  return Math.round((gb * SNAPSHOT_GB_MONTH * 2 + gb * CROSS_REGION_TRANSFER_GB * 4) * 100) / 100;
}

export function crossRegionNote(f: CostFacts): string | undefined {
  if (f.provider !== 'aws' || !f.crossRegion) return undefined;
  return `Cross-region copies are not in the free tier: roughly $${crossRegionMonthly(f)}/month for ${f.allocatedStorageGb} GB (storage in the DR region and transfer).`;
}

/** One line of the estimate: what costs money after the free tier, and about how much. */
export interface CostPart {
  what: string;
  usd: number;
}

/** Everything the notes warn about, priced (free-tier parts left out when `freeTier`). */
export function estimateParts(f: CostFacts, freeTier: boolean): CostPart[] {
  if (f.provider !== 'aws') return [];
  if (f.aurora) {
    // A cluster: capacity at its minimum all month (it scales up from there), never free.
    const cache = f.cacheEnabled ? (cacheMonthly(f.cacheNodeType) ?? 0) : 0;
    const cacheFree = freeTier && FREE_CACHE_NODES.includes(f.cacheNodeType) ? cache : 0;
    return [
      { what: `Aurora capacity at ${f.aurora.minCapacity} ACU`, usd: auroraMonthly(f.aurora.minCapacity) },
      { what: 'cache', usd: cache - cacheFree },
      { what: 'cross-region copies', usd: f.crossRegion ? crossRegionMonthly(f) : 0 },
    ].filter((p) => p.usd > 0);
  }
  const db = dbMonthly(f.instanceClass, f.multiAz) ?? 0;
  const dbFree = freeTier && FREE_DB_CLASSES.includes(f.instanceClass) && !f.multiAz ? db : 0;
  const cache = f.cacheEnabled ? (cacheMonthly(f.cacheNodeType) ?? 0) : 0;
  const cacheFree = freeTier && FREE_CACHE_NODES.includes(f.cacheNodeType) ? cache : 0;
  const parts: CostPart[] = [
    { what: f.multiAz ? 'Multi-AZ instance' : 'instance', usd: db - dbFree },
    { what: 'storage', usd: storageMonthly(f.storageType, Math.max(0, f.allocatedStorageGb - (freeTier ? FREE_STORAGE_GB : 0))) },
    { what: 'read replica', usd: f.readReplica ? (dbMonthly(f.instanceClass, false) ?? 0) : 0 },
    { what: 'cache', usd: cache - cacheFree },
    { what: 'cross-region copies', usd: f.crossRegion ? crossRegionMonthly(f) : 0 },
  ];
  return parts.filter((p) => p.usd > 0);
}

/** The rough monthly total of a configuration on AWS, after the free tier: the sum of `estimateParts`, to $0.1. */
export function monthlyEstimate(f: CostFacts, freeTier: boolean): number {
  return Math.round(estimateParts(f, freeTier).reduce((sum, p) => sum + p.usd, 0) * 10) / 10;
}
