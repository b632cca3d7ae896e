import type { DbopsConfig } from './schema.js';

/**
 * The seeds' free-tier profile (../shared/seeds, seed 000 and 002): dbops' defaults.
 * Deliberate departures from the seeds, because the seeds are unsafe there:
 * storage encrypted (free on RDS), not publicly accessible, no 0.0.0.0/0.
 */
export const DEFAULTS: DbopsConfig = {
  provider: 'local',
  region: 'us-east-2',
  tags: {},
  database: {
    identifier: 'recipe-db-primary',
    engine: 'postgres',
    engineVersion: '15',
    instanceClass: 'db.t3.micro',
    // Seed 004's Aurora Serverless v2 range (0.5-4 ACU; production 1-4): used when engine is aurora-postgresql.
    serverless: { maxCapacity: 4 },
    allocatedStorageGb: 20,
    maxAllocatedStorageGb: 20,
    storageType: 'gp2',
    storageEncrypted: true,
    multiAz: false,
    publiclyAccessible: false,
    deletionProtection: false,
    autoMinorVersionUpgrade: true,
    dbName: 'recipe_book',
    masterUsername: 'dbadmin',
    backupRetentionDays: 7,
    backupWindow: '03:00-04:00',
    maintenanceWindow: 'sun:04:00-sun:05:00',
    readReplica: { enabled: false },
  },
  snapshots: {
    manualRetentionWeeks: 4,
    keepNewest: 1,
    crossRegion: { enabled: true, region: 'us-west-2', retentionWeeks: 2, replicateAutomatedBackups: false },
  },
  migrate: { dir: 'sql/migrations', lockTimeout: '10s', statementTimeout: '0' },
  vector: { maintenanceWorkMem: '256MB', parallelWorkers: 2 },
  recovery: { rtoHours: 4, rpoHours: 24, drillEveryDays: 92 },
  restoreTest: {
    instanceClass: 'db.t3.micro',
    expiresAfterHours: 6,
    concurrency: 2,
    metricsNamespace: 'dbops',
    countTolerancePercent: 5,
    countToleranceRows: 100,
    heapallindexed: true,
    performance: { maxSlowdown: 3, slackMs: 50, runs: 3, statementTimeoutSeconds: 30 },
  },
  // Seed 001's PgBouncer figures (default_pool_size 20, min 5, max 50, reserve 5, transaction
  // pooling); off until configured, since it changes the address applications use.
  connectionPool: {
    enabled: false,
    kind: 'pgbouncer',
    poolMode: 'transaction',
    defaultPoolSize: 20,
    minPoolSize: 5,
    maxDbConnections: 50,
    reservePoolSize: 5,
    requireTls: true,
  },
  // cache.t3.micro, not the seed's cache.t2.micro: T2 nodes support neither AUTH nor TLS.
  cache: {
    enabled: true,
    kind: 'node',
    engine: 'redis',
    engineVersion: '7.0',
    nodeType: 'cache.t3.micro',
    authEnabled: true,
    transitEncryption: true,
    atRestEncryption: true,
    maintenanceWindow: 'sun:06:00-sun:07:00',
    snapshotRetentionDays: 0,
    // Valkey serverless: the smallest ceilings (bounded cost); raise them in the config.
    serverless: { majorVersion: '8', dataStorageMaxGb: 1, ecpuPerSecondMax: 1000 },
  },
  network: {},
  alarms: {
    dbCpuCriticalPercent: 90,
    dbCpuWarningPercent: 70,
    freeStorageLowPercent: 10,
    dbConnectionsPercent: 90,
    cacheCpuPercent: 90,
    cacheEvictionsPer5Min: 100,
  },
  budget: { monthlyUsd: 50, alertPercents: [50, 80] },
  freeTier: {
    warnPercent: { rds: 93, elasticache: 93, lambda: 90, cloudwatch: 90 },
    planEndWarnDays: 30,
    creditsWarnUsd: 10,
    metricsNamespace: 'dbops',
  },
  aws: { maxWaitMinutes: 60, maxAttempts: 5 },
  local: { osUser: 'postgres', snapshotVerifier: 'dbops' },
};

export const CONFIG_FILE_NAME = 'dbops.config.yaml';
