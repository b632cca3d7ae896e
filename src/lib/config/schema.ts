/**
 * The configuration schema (zod). Loaded only when a command runs, never for --help.
 * Every object is strict: an unknown key is an error, reported with its path.
 */
import { z } from 'zod';
import { RDS_IDENTIFIER } from '../identifiers.js';

// The config is parsed once per run: zod's JIT (code generated for the first parse) costs
// more than it saves, about 15 ms of every command's start here.
z.config({ jitless: true });

const identifier = z
  .string()
  .regex(RDS_IDENTIFIER, 'an identifier of letters, digits and single hyphens, starting with a letter and not ending with a hyphen')
  .max(63, 'at most 63 characters');

const region = z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'an AWS region such as us-east-2');
const hhmmRange = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, 'a UTC window like 03:00-04:00');
const weeklyRange = z
  .string()
  .regex(
    /^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$/,
    'a weekly UTC window like sun:04:00-sun:05:00',
  );
const cidr = z
  .string()
  .regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/, 'an IPv4 CIDR such as 203.0.113.7/32');
const percent = z.number().gt(0).max(100);
/** YAML and env read `0` and `500` as numbers: a bare number is milliseconds. */
const duration = z.union([
  z.string().regex(/^\d+(\.\d+)?\s*(ms|s|sec|m|min|h)?$/, 'a duration such as 10s, 500ms or 2min (0 = none)'),
  z.int().min(0),
]);

const accountId = z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id such as 123456789012');
const tagKey = z.string().min(1).max(128);
const tagValue = z.string().max(256);

/** What a fleet member may set differently from the config (RTO/RPO, retention, restore-test class, checks). */
const fleetOverrides = z.strictObject({
  recovery: z
    .strictObject({ rtoHours: z.number().positive(), rpoHours: z.number().positive(), drillEveryDays: z.int().min(1).max(3650) })
    .partial()
    .optional(),
  database: z
    .strictObject({ backupRetentionDays: z.int().min(0).max(35) })
    .partial()
    .optional(),
  snapshots: z
    .strictObject({
      manualRetentionWeeks: z.int().min(1).max(520),
      keepNewest: z.int().min(1).max(100),
      /** A database in the fleet's DR region copies elsewhere. */
      crossRegion: z.strictObject({ enabled: z.boolean(), region }).partial(),
    })
    .partial()
    .optional(),
  restoreTest: z
    .strictObject({
      instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'an instance class such as db.t3.micro'),
      countTolerancePercent: z.number().min(0).max(100),
      heapallindexed: z.boolean(),
    })
    .partial()
    .optional(),
});

/** Many databases, regions and accounts: what `--all` / `--select` run over (docs/fleet.md). */
const fleetSchema = z.strictObject({
  /** Where to look; default: the config's region. */
  regions: z.array(region).min(1).optional(),
  /** Default: the current credentials' account only. */
  accounts: z
    .array(
      z.strictObject({
        id: accountId,
        name: z.string().min(1).max(64).optional(),
        /** The role dbops assumes there (STS AssumeRole); none: the current credentials, which must be this account's. */
        roleArn: z
          .string()
          .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'an IAM role ARN such as arn:aws:iam::123456789012:role/dbops-fleet')
          .optional(),
        externalId: z.string().min(2).max(1224).optional(),
      }),
    )
    .min(1)
    .optional(),
  /** Named members, each with optional overrides. */
  databases: z
    .array(
      z.strictObject({
        identifier,
        region: region.optional(),
        account: accountId.optional(),
        overrides: fleetOverrides.optional(),
      }),
    )
    .optional(),
  /** Members by what they are: every database found that matches all of these. */
  select: z
    .strictObject({
      tags: z.record(tagKey, tagValue).optional(),
      engine: z.enum(['postgres', 'mysql']).optional(),
      /** A glob on the identifier: `*` any run of characters, `?` one. */
      identifier: z.string().min(1).max(63).optional(),
    })
    .optional(),
  /** How many databases a fleet command works on at once (--concurrency overrides). */
  concurrency: z.int().min(1).max(64).optional(),
});

/**
 * `dbops schedule`: the maintenance jobs and where they run (docs/schedule.md). Unset keys
 * take the defaults of src/lib/schedule/config.ts (the seeds' schedule); expressions, the
 * image and the network are checked there, each with its reason.
 */
const scheduleJobSchema = z.strictObject({
  /** The dbops command, e.g. "backup status" or "snapshot run-policy". */
  command: z.string().min(1),
  /** An EventBridge Scheduler expression: cron(0 8 * * ? *), rate(5 minutes) or at(2026-12-31T23:00:00). */
  expression: z.string().min(1),
  enabled: z.boolean().optional(),
  /** Which databases: default the configured fleet (fleet:), else database.identifier. */
  select: z
    .strictObject({
      tags: z.record(tagKey, tagValue).optional(),
      engine: z.enum(['postgres', 'mysql']).optional(),
      identifier: z.string().min(1).max(63).optional(),
    })
    .optional(),
  /** How long one database's run may take, e.g. 15min or 4h. */
  timeout: z
    .string()
    .regex(/^\d+\s*(s|sec|m|min|h)$/, 'a duration such as 15min or 4h')
    .optional(),
});

/** The retention periods CloudWatch Logs accepts up to two years (PutRetentionPolicy). */
const LOG_RETENTION_DAYS: readonly number[] = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731];

const scheduleSchema = z.strictObject({
  /** The container image the jobs run: a full URI, registry/repository:tag or @sha256:digest. */
  image: z.string().min(1).optional(),
  /** IANA time zone of the cron expressions (default UTC). */
  timezone: z.string().min(1).optional(),
  subnets: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, 'a subnet id such as subnet-0123abcd')).optional(),
  securityGroups: z.array(z.string().regex(/^sg-[0-9a-f]+$/, 'a security group id such as sg-0123abcd')).optional(),
  logRetentionDays: z
    .int()
    .refine((v) => LOG_RETENTION_DAYS.includes(v), `a CloudWatch Logs retention in days: ${LOG_RETENTION_DAYS.join(', ')}`)
    .optional(),
  /** Where a failed run is reported; default the alarm topic `dbops provision` creates (<database.identifier>-alarms). */
  alarmTopicArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/, 'an SNS topic ARN such as arn:aws:sns:us-east-2:123456789012:ops')
    .optional(),
  /** Above this many databases a job's Map is a Distributed Map (default 40). */
  distributedMapThreshold: z.int().min(1).max(10_000).optional(),
  /** Databases a job works on at once (default fleet.concurrency, else 4). */
  maxConcurrency: z.int().min(1).max(1000).optional(),
  /** Distributed Map: the share of databases that may fail before the whole run fails (default 0). */
  toleratedFailurePercentage: z.number().min(0).max(100).optional(),
  /** Job name → job; a default job of the same name is replaced, `enabled: false` turns one off. */
  jobs: z
    .record(z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'a job name of lower-case letters, digits and hyphens'), scheduleJobSchema.partial())
    .optional(),
});

const VERSION = /^\d+(\.\d+){0,2}$/;

/**
 * The version must be one the engine has: MySQL is 8.0 (seed 003; locally MariaDB 10.11
 * stands in for it), PostgreSQL a major or major.minor.
 */
function checkEngineVersion(db: { engine: 'postgres' | 'mysql' | 'aurora-postgresql'; engineVersion: string }, ctx: z.RefinementCtx): void {
  // Not a version at all: the field's own check said so; one problem per value.
  if (typeof db.engineVersion !== 'string' || !VERSION.test(db.engineVersion)) return;
  if (db.engine === 'mysql' && !/^8\.0(\.\d+)?$/.test(db.engineVersion)) {
    ctx.addIssue({
      code: 'custom',
      path: ['engineVersion'],
      message: 'MySQL 8.0 (8.0 or 8.0.x) for engine mysql',
      input: db.engineVersion,
    });
  }
  if (db.engine !== 'mysql' && !/^\d+(\.\d+)?$/.test(db.engineVersion)) {
    ctx.addIssue({ code: 'custom', path: ['engineVersion'], message: 'a PostgreSQL version such as 15 or 15.4', input: db.engineVersion });
  }
}

export const configSchema = z.strictObject({
  provider: z.enum(['aws', 'local']),
  region,
  profile: z.string().min(1).optional(),
  endpointUrl: z.url().optional(),
  /** "production" makes deletion protection off a high audit finding. */
  environment: z.enum(['production', 'staging', 'development']).optional(),
  /** Extra tags on everything dbops provisions. */
  tags: z.record(z.string().min(1).max(128), z.string().max(256)),
  database: z
    .strictObject({
      identifier,
      /** aurora-postgresql: an Aurora Serverless v2 cluster (seed 004) instead of an RDS instance. */
      engine: z.enum(['postgres', 'mysql', 'aurora-postgresql']),
      engineVersion: z.preprocess(
        (v) => (typeof v === 'number' ? String(v) : v),
        z.string().regex(VERSION, 'a version such as 15, 15.4 or 8.0.35'),
      ),
      instanceClass: z.string().regex(/^db\.([a-z0-9]+\.[a-z0-9]+|serverless)$/, 'an instance class such as db.t3.micro or db.serverless'),
      /**
       * Aurora Serverless v2 capacity in ACUs (engine aurora-postgresql). minCapacity unset:
       * seed 004's 0.5, or 1 when environment is production. Checked in config/database-kind.ts.
       */
      serverless: z.strictObject({ minCapacity: z.number().optional(), maxCapacity: z.number() }),
      allocatedStorageGb: z.int().min(20).max(65536),
      maxAllocatedStorageGb: z.int().min(20).max(65536),
      storageType: z.enum(['gp2', 'gp3', 'io1', 'io2', 'standard']),
      storageEncrypted: z.boolean(),
      multiAz: z.boolean(),
      publiclyAccessible: z.boolean(),
      deletionProtection: z.boolean(),
      autoMinorVersionUpgrade: z.boolean(),
      dbName: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,62}$/, 'a database name of letters, digits and underscores'),
      masterUsername: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,62}$/, 'a user name of letters, digits and underscores'),
      port: z.int().min(1024).max(65535).optional(),
      backupRetentionDays: z.int().min(0).max(35),
      backupWindow: hhmmRange,
      maintenanceWindow: weeklyRange,
      subnetGroup: z.string().min(1).optional(),
      vpcSecurityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]+$/, 'a security group id such as sg-0123abcd')).optional(),
      readReplica: z.strictObject({ enabled: z.boolean(), identifier: identifier.optional() }),
    })
    .superRefine(checkEngineVersion),
  snapshots: z.strictObject({
    manualRetentionWeeks: z.int().min(1).max(520),
    keepNewest: z.int().min(1).max(100),
    crossRegion: z.strictObject({
      enabled: z.boolean(),
      region,
      retentionWeeks: z.int().min(1).max(520),
      kmsKeyId: z.string().min(1).optional(),
      /** RDS cross-region automated backup replication (local: the WAL archive and base backups shipped to the DR region). */
      replicateAutomatedBackups: z.boolean(),
    }),
  }),
  migrate: z.strictObject({
    dir: z.string().min(1),
    lockTimeout: duration,
    statementTimeout: duration,
  }),
  vector: z.strictObject({
    maintenanceWorkMem: z.string().regex(/^\d+(kB|MB|GB|TB)$/, 'a PostgreSQL memory size such as 256MB'),
    parallelWorkers: z.int().min(0).max(64),
  }),
  recovery: z.strictObject({
    rtoHours: z.number().positive(),
    rpoHours: z.number().positive(),
    /** `dbops backup status` reports a violation when the last passing DR drill is older (seed 002: quarterly). */
    drillEveryDays: z.int().min(1).max(3650),
    /** The DR region's network for a region drill's recovery (AWS): a DB subnet group there, and its security groups. */
    drSubnetGroup: z.string().min(1).optional(),
    drSecurityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]+$/, 'a security group id such as sg-0123abcd')).optional(),
  }),
  restoreTest: z.strictObject({
    instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'an instance class such as db.t3.micro'),
    expiresAfterHours: z.number().positive().max(168),
    concurrency: z.int().min(1).max(64),
    metricsNamespace: z.string().min(1),
    countTolerancePercent: z.number().min(0).max(100),
    countToleranceRows: z.int().min(0),
    heapallindexed: z.boolean(),
    performance: z.strictObject({
      maxSlowdown: z.number().min(1),
      slackMs: z.number().min(0),
      runs: z.int().min(1).max(20),
      statementTimeoutSeconds: z.number().positive().max(3600),
      /** Directory of *.sql check queries, relative to the config file; default dbops' sql/checks. */
      queriesDir: z.string().min(1).optional(),
      queries: z.array(z.strictObject({ name: z.string().regex(/^[A-Za-z0-9_.-]+$/), sql: z.string().min(1) })).optional(),
    }),
  }),
  /** The connection layer applications keep one address through (local: pgbouncer; AWS: RDS Proxy). */
  connectionPool: z.strictObject({
    enabled: z.boolean(),
    kind: z.enum(['pgbouncer', 'rds-proxy']),
    /** Default `<database.identifier>-pool`. */
    name: identifier.optional(),
    poolMode: z.enum(['transaction', 'session', 'statement']),
    defaultPoolSize: z.int().min(1).max(10000),
    minPoolSize: z.int().min(0).max(10000),
    /** pgbouncer max_db_connections (seed 001's "max 50"). */
    maxDbConnections: z.int().min(1).max(10000),
    reservePoolSize: z.int().min(0).max(10000),
    /** Local provider: the pgbouncer port on 127.0.0.1 (default: a free one). */
    port: z.int().min(1024).max(65535).optional(),
    /** RDS Proxy RequireTLS (pgbouncer locally listens on loopback only). */
    requireTls: z.boolean(),
    /** RDS Proxy: your own IAM role it reads the master secret with; default: dbops creates `<identifier>-proxy-role`. */
    roleArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'an IAM role ARN such as arn:aws:iam::123456789012:role/recipe-db-proxy')
      .optional(),
  }),
  cache: z.strictObject({
    enabled: z.boolean(),
    /** node: a one-node replication group on cache.nodeType; serverless: a Valkey serverless cache (cache.serverless). */
    kind: z.enum(['node', 'serverless']),
    engine: z.enum(['redis', 'valkey']),
    // YAML reads `7.0` as the number 7: keep the minor so ElastiCache gets "7.0".
    engineVersion: z.preprocess((v) => (typeof v === 'number' ? (Number.isInteger(v) ? `${v}.0` : String(v)) : v), z.string().min(1)),
    nodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'a node type such as cache.t3.micro'),
    port: z.int().min(1024).max(65535).optional(),
    identifier: z
      .string()
      .regex(RDS_IDENTIFIER, 'letters, digits and single hyphens, starting with a letter')
      .max(40, 'at most 40 characters')
      .optional(),
    authEnabled: z.boolean(),
    transitEncryption: z.boolean(),
    atRestEncryption: z.boolean(),
    maintenanceWindow: weeklyRange,
    snapshotRetentionDays: z.int().min(0).max(35),
    /** cache.kind serverless (CreateServerlessCache); limits are checked by `provision` (exit 2 with one sentence). */
    serverless: z.strictObject({
      /** Valkey major version: 7 or 8 (YAML may read either as a number). */
      majorVersion: z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.enum(['7', '8'])),
      /** CacheUsageLimits.DataStorage.Maximum, GB (AWS: 1-5000). */
      dataStorageMaxGb: z.number(),
      /** CacheUsageLimits.ECPUPerSecond.Maximum (AWS: 1000-15000000). */
      ecpuPerSecondMax: z.number(),
      /** Subnets of the cache (seed 004: the private isolated ones); default: the default VPC's. */
      subnetIds: z
        .array(z.string().regex(/^subnet-[0-9a-f]+$/, 'a subnet id such as subnet-0abc1234'))
        .min(1)
        .optional(),
    }),
  }),
  network: z.strictObject({
    allowedCidr: cidr.optional(),
  }),
  alarms: z.strictObject({
    email: z.email().optional(),
    dbCpuCriticalPercent: percent,
    dbCpuWarningPercent: percent,
    freeStorageLowPercent: percent,
    dbConnectionsPercent: percent,
    cacheCpuPercent: percent,
    cacheEvictionsPer5Min: z.int().min(0),
  }),
  budget: z.strictObject({
    monthlyUsd: z.number().min(0),
    // AWS allows 10 notifications per budget and dbops makes 2 per threshold: provisioning
    // refuses more than 5 with that explanation (src/lib/provision/validate.ts).
    alertPercents: z.array(percent).max(10),
  }),
  freeTier: z.strictObject({
    warnPercent: z.strictObject({ rds: percent, elasticache: percent, lambda: percent, cloudwatch: percent }),
    planEndWarnDays: z.int().min(0).max(365),
    creditsWarnUsd: z.number().min(0),
    metricsNamespace: z.string().min(1),
  }),
  aws: z.strictObject({
    maxWaitMinutes: z
      .number()
      .positive()
      .max(24 * 60),
    maxAttempts: z.int().min(1).max(20),
    caBundle: z.string().min(1).optional(),
  }),
  fleet: fleetSchema.optional(),
  schedule: scheduleSchema.optional(),
  local: z.strictObject({
    osUser: z.string().min(1),
    pgBin: z.string().min(1).optional(),
    snapshotVerifier: z.enum(['dbops', 'pg_verifybackup']),
    /** archive_timeout of local instances that archive WAL (backupRetentionDays > 0); RDS uploads every 5 minutes. */
    archiveTimeoutSeconds: z.int().min(1).max(86_400).optional(),
  }),
});

export type DbopsConfig = z.infer<typeof configSchema>;
export type FleetConfig = z.infer<typeof fleetSchema>;
export type ScheduleConfig = z.infer<typeof scheduleSchema>;
export type FleetOverrides = z.infer<typeof fleetOverrides>;
