/**
 * The desired state: what the config asks for, resource by resource, in the dependency
 * order of seed 002. Pure: config + settings -> DesiredState. The database request is the
 * one `dbops instances create` sends (instances.createRequest), so both commands agree.
 */
import { copyKey, type CopyKey } from '../snapshots/checks.js';
import type { DbopsConfig } from '../config/schema.js';
import { dataEngine, isClusterEngine, serverlessCapacity } from '../config/database-kind.js';
import { createRequest } from '../instances/instances.js';
import { proxyRoleName, refusePgbouncerOnMysql } from '../providers/failover-types.js';
import type { BudgetNotification, BudgetSpec, IngressRule, ServerlessLimits } from '../providers/provision-types.js';
import {
  TAG,
  type CreateClusterInput,
  type CreateClusterInstanceInput,
  type CreateInstanceInput,
  type ProviderName,
  type Tags,
} from '../providers/types.js';
import { cacheSupport, type CacheSupport } from './cache-support.js';
import { isWorldOpen } from './cidr.js';
import type { ProvisionSettings } from './settings.js';

/** The purpose tag of everything `dbops provision` creates besides the database. */
export const PROVISION_PURPOSE = 'provision';

export const ENGINE_PORT: Record<CreateInstanceInput['engine'], number> = { postgres: 5432, mysql: 3306 };
export const CACHE_PORT = 6379;

/** The engine's default group (nothing to manage), or a custom group dbops creates and the instance uses. */
export type DesiredParameterGroup =
  | { name: string; custom: false }
  | { name: string; custom: true; family: string; description: string; parameters: Record<string, string> };

/** What dbops sets in the custom group of an RDS MySQL instance: TLS required (audit AU-R17). */
export const MYSQL_PARAMETERS: Readonly<Record<string, string>> = { require_secure_transport: '1' };

export interface DesiredSecurityGroup {
  name: string;
  description: string;
  ingress: IngressRule[];
}

export interface DesiredCache {
  id: string;
  engine: string;
  engineVersion: string;
  nodeType: string;
  port: number;
  transitEncryption: boolean;
  atRestEncryption: boolean;
  auth: boolean;
  maintenanceWindow: string;
  snapshotRetentionDays: number;
  support: CacheSupport;
  /**
   * cache.kind serverless: a Valkey serverless cache with these limits (no node type). Its access
   * control is RBAC: the user `userId` (user name default, its password the AUTH token kept as for a
   * node cache) in the user group `userGroupId`, which the cache names.
   */
  serverless?: ServerlessLimits & { subnetIds?: string[]; userId: string; userGroupId: string };
}

/** The connection layer in front of the database (connectionPool.enabled). */
export interface DesiredPool {
  kind: 'pgbouncer' | 'rds-proxy';
  name: string;
  targetId: string;
  /** RDS Proxy: connectionPool.roleArn (a role dbops does not manage). */
  roleArn?: string;
  /** RDS Proxy without roleArn: the role dbops creates, `<db>-proxy-role`. */
  roleName?: string;
}

/**
 * An Aurora Serverless v2 cluster (database.engine aurora-postgresql): CreateDBCluster
 * with the scaling range, then the writer instance (db.serverless) in it.
 */
export interface DesiredCluster {
  cluster: CreateClusterInput;
  writer: CreateClusterInstanceInput;
}

export interface DesiredState {
  provider: ProviderName;
  region: string;
  /** Tags of every resource but the database (which carries createRequest's). */
  tags: Tags;
  /** Security group dbops manages; undefined when database.vpcSecurityGroupIds names the groups. */
  securityGroup?: DesiredSecurityGroup;
  /** Groups named in the config (database.vpcSecurityGroupIds): used as they are. */
  externalSecurityGroupIds?: string[];
  /**
   * The DB parameter group: RDS MySQL gets a custom group (family mysql8.0,
   * require_secure_transport ON); PostgreSQL and the local provider keep the engine's default.
   */
  parameterGroup: DesiredParameterGroup;
  /**
   * The database as an instance request. For a cluster it still names the database
   * (alarms, topic, budget) and carries its settings; `cluster` is what is created.
   */
  database: CreateInstanceInput;
  /** Set when the database is an Aurora cluster (`replica` is then a reader of it). */
  cluster?: DesiredCluster;
  replica?: { id: string; instanceClass: string };
  cache?: DesiredCache;
  pool?: DesiredPool;
  topic: { name: string; email?: string };
  budget?: BudgetSpec;
  /** The weekly cross-region copies of an encrypted database, and the key they use (aws). */
  copies?: { region: string; kmsKey: CopyKey };
  /** Risky or surprising choices, said once in the plan. */
  warnings: string[];
}

/** Which key `snapshot run-policy` will encrypt the DR copies with (aws, encrypted storage, copies on). */
export function desiredCopies(config: DbopsConfig): DesiredState['copies'] {
  const cr = config.snapshots.crossRegion;
  if (config.provider !== 'aws' || !cr.enabled || !config.database.storageEncrypted) return undefined;
  return { region: cr.region, kmsKey: copyKey(undefined, cr.kmsKeyId, cr.region) };
}

/** "15.4" -> "15"; "8.0.35" -> "8.0" for MySQL (its majors are x.y). */
export function engineMajor(engine: string, version: string): string {
  const parts = version.split('.');
  return engine === 'mysql' ? parts.slice(0, 2).join('.') : (parts[0] ?? version);
}

export function defaultParameterGroup(engine: string, version: string): string {
  return `default.${engine}${engineMajor(engine, version)}`;
}

/** "<id>-mysql8": the custom group of an RDS MySQL instance (the name audit AU-R17 suggests). */
export function customParameterGroupName(id: string): string {
  return `${id}-mysql8`;
}

/** RDS MySQL (aws, an instance): a custom group of family mysql8.0 with TLS required; the default group otherwise. */
export function desiredParameterGroup(config: DbopsConfig): DesiredParameterGroup {
  const db = config.database;
  if (config.provider !== 'aws' || db.engine !== 'mysql')
    return { name: defaultParameterGroup(db.engine, db.engineVersion), custom: false };
  const family = `mysql${engineMajor('mysql', db.engineVersion)}`;
  return {
    name: customParameterGroupName(db.identifier),
    custom: true,
    family,
    description: `dbops: ${db.identifier} (${family}, TLS required)`,
    parameters: { ...MYSQL_PARAMETERS },
  };
}

function ingress(config: DbopsConfig, port: number, what: string): IngressRule[] {
  const cidr = config.network.allowedCidr;
  return cidr ? [{ port, cidr, description: `${what} from network.allowedCidr` }] : [];
}

function desiredSecurityGroup(config: DbopsConfig, dbPort: number): DesiredSecurityGroup {
  const rules = [...ingress(config, dbPort, 'database')];
  if (config.cache.enabled) rules.push(...ingress(config, CACHE_PORT, 'cache'));
  return {
    name: `${config.database.identifier}-sg`,
    description: `dbops: ${config.database.identifier} database and cache`,
    ingress: rules,
  };
}

/** The RBAC user of a serverless cache (UserId: a letter, then letters, digits and hyphens). */
export function serverlessUserId(cacheId: string): string {
  return `${cacheId}-default`;
}

/** The RBAC user group of a serverless cache (UserGroupId: lowercase letters, digits and hyphens). */
export function serverlessUserGroupId(cacheId: string): string {
  return `${cacheId}-users`;
}

function desiredCache(config: DbopsConfig, s: ProvisionSettings): DesiredCache {
  if (s.cacheServerless) {
    const sl = config.cache.serverless;
    return {
      id: s.cacheId,
      engine: 'valkey',
      engineVersion: sl.majorVersion,
      nodeType: '',
      port: CACHE_PORT,
      // ElastiCache serverless always encrypts at rest and in transit.
      transitEncryption: true,
      atRestEncryption: true,
      auth: false,
      maintenanceWindow: s.cacheMaintenanceWindow,
      snapshotRetentionDays: s.cacheSnapshotRetentionDays,
      support: { transitEncryption: true, atRestEncryption: true, auth: false },
      serverless: {
        majorVersion: sl.majorVersion,
        dataStorageMaxGb: sl.dataStorageMaxGb,
        ecpuPerSecondMax: sl.ecpuPerSecondMax,
        ...(sl.subnetIds ? { subnetIds: sl.subnetIds } : {}),
        userId: serverlessUserId(s.cacheId),
        userGroupId: serverlessUserGroupId(s.cacheId),
      },
    };
  }
  const support = cacheSupport(config.cache.nodeType);
  if (config.provider === 'local') {
    // A local redis-server listens on 127.0.0.1 only: AUTH yes, TLS and disk encryption do not apply.
    return { ...localCache(config, s), support };
  }
  const transit = s.cacheTransitEncryption && support.transitEncryption;
  return {
    id: s.cacheId,
    engine: config.cache.engine,
    engineVersion: config.cache.engineVersion,
    nodeType: config.cache.nodeType,
    port: config.cache.port ?? CACHE_PORT,
    transitEncryption: transit,
    atRestEncryption: s.cacheAtRestEncryption && support.atRestEncryption,
    // ElastiCache accepts an AUTH token only with in-transit encryption.
    auth: s.cacheAuth && support.auth && transit,
    maintenanceWindow: s.cacheMaintenanceWindow,
    snapshotRetentionDays: s.cacheSnapshotRetentionDays,
    support,
  };
}

function localCache(config: DbopsConfig, s: ProvisionSettings): Omit<DesiredCache, 'support'> {
  return {
    id: s.cacheId,
    engine: config.cache.engine,
    engineVersion: config.cache.engineVersion,
    nodeType: config.cache.nodeType,
    port: config.cache.port ?? CACHE_PORT,
    transitEncryption: false,
    atRestEncryption: false,
    auth: s.cacheAuth,
    maintenanceWindow: s.cacheMaintenanceWindow,
    snapshotRetentionDays: s.cacheSnapshotRetentionDays,
  };
}

/** One notification per threshold and type (actual spend, forecast), emailed to alarms.email. */
export function budgetNotifications(percents: number[], email: string | undefined): BudgetNotification[] {
  if (!email) return [];
  const types = ['ACTUAL', 'FORECASTED'] as const;
  return [...percents].sort((a, b) => a - b).flatMap((p) => types.map((type) => ({ type, thresholdPercent: p, emails: [email] })));
}

function desiredBudget(config: DbopsConfig): BudgetSpec | undefined {
  if (config.budget.monthlyUsd <= 0) return undefined;
  return {
    name: `${config.database.identifier}-monthly`,
    limitUsd: config.budget.monthlyUsd,
    notifications: budgetNotifications(config.budget.alertPercents, config.alarms.email),
  };
}

function warningsFor(config: DbopsConfig, cache: DesiredCache | undefined, s: ProvisionSettings): string[] {
  const w: string[] = [];
  const cidr = config.network.allowedCidr;
  if (cidr && isWorldOpen(cidr))
    w.push(
      `network.allowedCidr ${cidr} admits the whole internet to ${config.database.engine} and the cache; use your office or VPN range, or leave it unset (private only).`,
    );
  if (!cidr && config.provider === 'aws')
    w.push(
      "network.allowedCidr is unset: the security group admits nobody (private only); add your application's security group or a CIDR to connect.",
    );
  if (config.database.publiclyAccessible) w.push('database.publiclyAccessible is true: the instance gets a public address.');
  if (!config.database.storageEncrypted)
    w.push(
      'database.storageEncrypted is false: encryption at rest costs nothing on RDS and can only be added later by a snapshot restore.',
    );
  if (cache?.support.note && config.provider === 'aws') w.push(cache.support.note);
  if (cache && config.provider === 'aws' && !cache.serverless && cache.support.auth && (!s.cacheAuth || !s.cacheTransitEncryption))
    w.push('The cache is configured without AUTH or in-transit encryption.');
  if (!config.alarms.email && config.provider === 'aws') w.push('alarms.email is unset: alarms and budget alerts will notify nobody.');
  return w;
}

/** Tags on everything provisioned besides the database: managed, run id, purpose, extras. */
export function provisionTags(s: ProvisionSettings, runId: string): Tags {
  return { ...s.tags, [TAG.managed]: 'true', [TAG.runId]: runId, [TAG.purpose]: PROVISION_PURPOSE };
}

export function desiredPool(config: DbopsConfig): DesiredPool | undefined {
  const cp = config.connectionPool;
  if (!cp.enabled) return undefined;
  refusePgbouncerOnMysql(config.database.engine, cp.kind);
  const id = config.database.identifier;
  const base = { kind: cp.kind, name: cp.name ?? `${id}-pool`, targetId: id };
  if (cp.kind !== 'rds-proxy') return base;
  return cp.roleArn ? { ...base, roleArn: cp.roleArn } : { ...base, roleName: proxyRoleName(id) };
}

/**
 * The cluster and its writer from the config: seed 004's range, encrypted, deletion
 * protection when production (or database.deletionProtection), backups (seed 004: 7 days),
 * tags copied to snapshots, an RDS-managed master password.
 */
export function desiredCluster(config: DbopsConfig, s: ProvisionSettings, database: CreateInstanceInput): DesiredCluster | undefined {
  if (!isClusterEngine(config.database.engine)) return undefined;
  const db = config.database;
  return {
    cluster: {
      id: db.identifier,
      engine: 'postgres',
      engineVersion: db.engineVersion,
      serverless: serverlessCapacity(config),
      storageEncrypted: db.storageEncrypted,
      deletionProtection: db.deletionProtection || s.environment === 'production',
      // Aurora always backs up (1-35 days): 0 is not an Aurora setting.
      backupRetentionDays: Math.max(db.backupRetentionDays, 1),
      backupWindow: db.backupWindow,
      maintenanceWindow: db.maintenanceWindow,
      copyTagsToSnapshot: true,
      dbName: db.dbName,
      masterUsername: db.masterUsername,
      masterPassword: { kind: 'managed' },
      ...(db.vpcSecurityGroupIds ? { vpcSecurityGroupIds: db.vpcSecurityGroupIds } : {}),
      ...(db.subnetGroup ? { subnetGroup: db.subnetGroup } : {}),
      ...(db.port !== undefined ? { port: db.port } : {}),
      tags: database.tags,
    },
    writer: {
      clusterId: db.identifier,
      instanceId: s.writerId,
      instanceClass: db.instanceClass,
      publiclyAccessible: db.publiclyAccessible,
      autoMinorVersionUpgrade: db.autoMinorVersionUpgrade,
      promotionTier: 0,
      tags: { ...database.tags, [TAG.purpose]: 'writer' },
    },
  };
}

export function desiredState(config: DbopsConfig, s: ProvisionSettings, runId = 'plan'): DesiredState {
  const id = config.database.identifier;
  const external = config.database.vpcSecurityGroupIds;
  const manageSg = config.provider === 'aws' && !(external && external.length > 0);
  const request = createRequest({ config }, id, {}, runId);
  const parameterGroup = desiredParameterGroup(config);
  const database: CreateInstanceInput = {
    ...request,
    ...(parameterGroup.custom ? { parameterGroup: parameterGroup.name } : {}),
    tags: { ...s.tags, ...request.tags },
  };
  const cache = config.cache.enabled ? desiredCache(config, s) : undefined;
  const cluster = desiredCluster(config, s, database);
  return {
    provider: config.provider,
    region: config.region,
    tags: provisionTags(s, runId),
    ...(manageSg ? { securityGroup: desiredSecurityGroup(config, ENGINE_PORT[dataEngine(config.database.engine)]) } : {}),
    ...(external && external.length > 0 ? { externalSecurityGroupIds: external } : {}),
    parameterGroup,
    database,
    ...(cluster ? { cluster } : {}),
    ...(s.replica ? { replica: { id: s.replicaId, instanceClass: config.database.instanceClass } } : {}),
    ...(cache ? { cache } : {}),
    ...(desiredPool(config) ? { pool: desiredPool(config)! } : {}),
    topic: { name: `${id}-alarms`, ...(config.alarms.email ? { email: config.alarms.email } : {}) },
    ...(desiredBudget(config) ? { budget: desiredBudget(config)! } : {}),
    ...(desiredCopies(config) ? { copies: desiredCopies(config)! } : {}),
    warnings: warningsFor(config, cache, s),
  };
}
