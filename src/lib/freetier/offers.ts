/**
 * The free-tier offers the seeds' estate lives in (seeds 000 and 002), with their limits,
 * and how to recognise each in the AWS Free Tier API's answer. Data, not logic.
 */
import type { FreeTierApiUsage } from '../providers/usage-types.js';

export type OfferId =
  | 'rds-hours'
  | 'rds-storage'
  | 'rds-backup'
  | 'elasticache-hours'
  | 'lambda-requests'
  | 'lambda-gb-seconds'
  | 'cloudwatch-metrics'
  | 'cloudwatch-alarms'
  | 'cloudwatch-logs';

/** Which configured warning percentage applies (freeTier.warnPercent.<key>). */
export type WarnKey = 'rds' | 'elasticache' | 'lambda' | 'cloudwatch';

/**
 * `cumulative`: usage adds up over the month (hours, requests) and is forecast from its rate.
 * `level`: a count or size now (metrics, alarms, backup GB) compared with the limit as it is.
 */
export type OfferShape = 'cumulative' | 'level';

export interface OfferDef {
  id: OfferId;
  service: 'RDS' | 'ElastiCache' | 'Lambda' | 'CloudWatch';
  title: string;
  limit: number;
  unit: string;
  /** 12-month offers exist only for accounts created before 2025-07-15 (legacy free tier). */
  term: '12-month' | 'always-free';
  warnKey: WarnKey;
  shape: OfferShape;
  /** Recognises this offer among the Free Tier API's rows. */
  matches(u: FreeTierApiUsage): boolean;
}

/** RDS classes the free tier covers (Single-AZ, MySQL/MariaDB/PostgreSQL). */
export const FREE_RDS_CLASSES: readonly string[] = ['db.t2.micro', 'db.t3.micro', 'db.t4g.micro'];
/** RDS engines the free tier covers. */
export const FREE_RDS_ENGINES: readonly string[] = ['postgres', 'mysql', 'mariadb'];
/** ElastiCache node types the free tier covers. */
export const FREE_CACHE_NODE_TYPES: readonly string[] = ['cache.t2.micro', 'cache.t3.micro'];

/** When config has no threshold for an offer (CloudWatch, offers only the Free Tier API knows). */
export const DEFAULT_WARN_PERCENT = 90;

const GiB = 1024 ** 3;
export const BYTES_PER_GB = GiB;

const svc = (u: FreeTierApiUsage, re: RegExp) => re.test(u.service);
const type = (u: FreeTierApiUsage, re: RegExp) => re.test(u.usageType) || re.test(u.description ?? '');

export const OFFERS: readonly OfferDef[] = [
  {
    id: 'rds-hours',
    service: 'RDS',
    title: 'RDS instance hours',
    limit: 750,
    unit: 'h',
    term: '12-month',
    warnKey: 'rds',
    shape: 'cumulative',
    matches: (u) => svc(u, /Relational Database|\bRDS\b/i) && type(u, /InstanceUsage/i),
  },
  {
    id: 'rds-storage',
    service: 'RDS',
    title: 'RDS storage',
    limit: 20,
    unit: 'GB-mo',
    term: '12-month',
    warnKey: 'rds',
    shape: 'cumulative',
    matches: (u) => svc(u, /Relational Database|\bRDS\b/i) && type(u, /GP[23]-Storage|StorageUsage/i) && !type(u, /Backup/i),
  },
  {
    id: 'rds-backup',
    service: 'RDS',
    title: 'RDS backup storage',
    limit: 20,
    unit: 'GB',
    term: '12-month',
    warnKey: 'rds',
    shape: 'level',
    matches: (u) => svc(u, /Relational Database|\bRDS\b/i) && type(u, /BackupUsage/i),
  },
  {
    id: 'elasticache-hours',
    service: 'ElastiCache',
    title: 'ElastiCache node hours',
    limit: 750,
    unit: 'h',
    term: '12-month',
    warnKey: 'elasticache',
    shape: 'cumulative',
    matches: (u) => svc(u, /ElastiCache/i) && type(u, /NodeUsage/i),
  },
  {
    id: 'lambda-requests',
    service: 'Lambda',
    title: 'Lambda requests',
    limit: 1_000_000,
    unit: 'requests',
    term: 'always-free',
    warnKey: 'lambda',
    shape: 'cumulative',
    matches: (u) => svc(u, /Lambda/i) && type(u, /Request/i),
  },
  {
    id: 'lambda-gb-seconds',
    service: 'Lambda',
    title: 'Lambda compute',
    limit: 400_000,
    unit: 'GB-s',
    term: 'always-free',
    warnKey: 'lambda',
    shape: 'cumulative',
    matches: (u) => svc(u, /Lambda/i) && type(u, /GB-Second/i),
  },
  {
    id: 'cloudwatch-metrics',
    service: 'CloudWatch',
    title: 'CloudWatch custom metrics',
    limit: 10,
    unit: 'metrics',
    term: 'always-free',
    warnKey: 'cloudwatch',
    shape: 'level',
    matches: (u) => svc(u, /CloudWatch/i) && type(u, /MetricMonitorUsage/i),
  },
  {
    id: 'cloudwatch-alarms',
    service: 'CloudWatch',
    title: 'CloudWatch alarms',
    limit: 10,
    unit: 'alarms',
    term: 'always-free',
    warnKey: 'cloudwatch',
    shape: 'level',
    matches: (u) => svc(u, /CloudWatch/i) && type(u, /AlarmMonitorUsage/i),
  },
  {
    id: 'cloudwatch-logs',
    service: 'CloudWatch',
    title: 'CloudWatch log ingestion',
    limit: 5,
    unit: 'GB',
    term: 'always-free',
    warnKey: 'cloudwatch',
    shape: 'cumulative',
    matches: (u) => svc(u, /CloudWatch/i) && type(u, /DataProcessing-Bytes/i),
  },
];

export function offerDef(id: OfferId): OfferDef {
  const def = OFFERS.find((o) => o.id === id);
  if (!def) throw new Error(`unknown offer ${id}`);
  return def;
}

/** Whether an RDS instance's hours count against the free 750 h. */
export function isFreeRdsInstance(i: { instanceClass: string; engine: string; multiAz: boolean }): boolean {
  return FREE_RDS_CLASSES.includes(i.instanceClass) && FREE_RDS_ENGINES.includes(i.engine) && !i.multiAz;
}

export function isFreeCacheNode(nodeType: string): boolean {
  return FREE_CACHE_NODE_TYPES.includes(nodeType);
}
