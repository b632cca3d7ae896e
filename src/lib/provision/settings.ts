/**
 * Provisioning settings derived from the config (cache.*, database.readReplica, alarms.*,
 * tags, environment); tests pass overrides through `provisionSettings(config, overrides)`.
 */
import type { DbopsConfig } from '../config/schema.js';
import type { Tags } from '../providers/types.js';

/** Deployment environment; "production" turns "deletion protection off" into a high finding. */
export type Environment = 'production' | 'staging' | 'development';

export interface ProvisionSettings {
  /** cache.identifier (default `<database.identifier>-cache`, at most 40 characters). */
  cacheId: string;
  /** cache.kind serverless: the cache is a Valkey serverless cache (read, created and deleted as one). */
  cacheServerless: boolean;
  /** cache.authEnabled: Redis AUTH when the node type supports it (default true). */
  cacheAuth: boolean;
  /** cache.transitEncryption: TLS when the node type supports it (default true). */
  cacheTransitEncryption: boolean;
  /** cache.atRestEncryption (default true when supported). */
  cacheAtRestEncryption: boolean;
  /** cache.maintenanceWindow (seed 000: sun:06:00-sun:07:00). */
  cacheMaintenanceWindow: string;
  /** cache.snapshotRetentionDays (seed 000: 0, it is a cache). */
  cacheSnapshotRetentionDays: number;
  /** database.readReplica.enabled (default false). */
  replica: boolean;
  /** database.readReplica.identifier (default `<database.identifier>-replica`). */
  replicaId: string;
  /** An Aurora cluster's writer instance: `<database.identifier>-writer`. */
  writerId: string;
  /** alarms.dbCpuCriticalPercent (seeds 000/002: 90). */
  dbCpuCriticalPercent: number;
  /** alarms.dbCpuWarningPercent (seed 002: 70). */
  dbCpuWarningPercent: number;
  /** alarms.freeStorageLowPercent: alarm when free storage falls below this share of allocated (10). */
  freeStorageLowPercent: number;
  /** alarms.dbConnectionsPercent: of the class's max_connections (seed 002: 90). */
  dbConnectionsPercent: number;
  /** alarms.cacheCpuPercent (seed 002: 90). */
  cacheCpuPercent: number;
  /** alarms.cacheEvictionsPer5Min (100). */
  cacheEvictionsPer5Min: number;
  /** tags: extra tags on everything provisioned (default none). */
  tags: Tags;
  /** environment (default unset: not production unless the instance is tagged so). */
  environment?: Environment;
}

export const CACHE_ID_MAX = 40;

/** `<base>-<suffix>` cut to `max` characters without a trailing hyphen. */
export function derivedId(base: string, suffix: string, max: number): string {
  const room = max - suffix.length - 1;
  const head = base.slice(0, Math.max(1, room)).replace(/-+$/, '');
  return `${head}-${suffix}`.toLowerCase();
}

/** The settings for a config, with overrides (tests; later: the config keys). */
export function provisionSettings(config: DbopsConfig, overrides: Partial<ProvisionSettings> = {}): ProvisionSettings {
  const id = config.database.identifier;
  const { cache, alarms } = config;
  return {
    cacheId: cache.identifier ?? derivedId(id, 'cache', CACHE_ID_MAX),
    cacheServerless: cache.kind === 'serverless',
    cacheAuth: cache.authEnabled,
    cacheTransitEncryption: cache.transitEncryption,
    cacheAtRestEncryption: cache.atRestEncryption,
    cacheMaintenanceWindow: cache.maintenanceWindow,
    cacheSnapshotRetentionDays: cache.snapshotRetentionDays,
    replica: config.database.readReplica.enabled,
    replicaId: config.database.readReplica.identifier ?? derivedId(id, 'replica', 63),
    writerId: derivedId(id, 'writer', 63),
    dbCpuCriticalPercent: alarms.dbCpuCriticalPercent,
    dbCpuWarningPercent: alarms.dbCpuWarningPercent,
    freeStorageLowPercent: alarms.freeStorageLowPercent,
    dbConnectionsPercent: alarms.dbConnectionsPercent,
    cacheCpuPercent: alarms.cacheCpuPercent,
    cacheEvictionsPer5Min: alarms.cacheEvictionsPer5Min,
    tags: config.tags,
    environment: config.environment,
    ...overrides,
  };
}
