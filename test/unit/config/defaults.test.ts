import { describe, expect, it } from 'vitest';
import { CONFIG_FILE_NAME, DEFAULTS } from '../../../src/lib/config/defaults.js';
import { configSchema } from '../../../src/lib/config/schema.js';

describe('DEFAULTS (the seeds free-tier profile)', () => {
  it('are a valid config on their own', () => {
    // GIVEN the defaults WHEN validated by the schema THEN they pass unchanged
    const parsed = configSchema.safeParse(DEFAULTS);
    expect(parsed.success).toBe(true);
    expect(parsed.data).toStrictEqual(DEFAULTS);
  });

  it('use the region and database settings of the seeds', () => {
    // GIVEN the defaults THEN the database is the seeds' RDS PostgreSQL 15 instance
    expect(DEFAULTS.provider).toBe('local');
    expect(DEFAULTS.region).toBe('us-east-2');
    expect(DEFAULTS.database).toStrictEqual({
      identifier: 'recipe-db-primary',
      engine: 'postgres',
      engineVersion: '15',
      instanceClass: 'db.t3.micro',
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
    });
  });

  it('keep manual snapshots 4 weeks and cross-region copies in us-west-2 for 2 weeks', () => {
    expect(DEFAULTS.snapshots).toStrictEqual({
      manualRetentionWeeks: 4,
      keepNewest: 1,
      crossRegion: { enabled: true, region: 'us-west-2', retentionWeeks: 2, replicateAutomatedBackups: false },
    });
  });

  it('target RTO 4 h / RPO 24 h, a 50 USD budget alerting at 50 and 80 %, free-tier warnings at 93/93/90 %', () => {
    expect(DEFAULTS.recovery).toStrictEqual({ rtoHours: 4, rpoHours: 24, drillEveryDays: 92 });
    expect(DEFAULTS.budget).toStrictEqual({ monthlyUsd: 50, alertPercents: [50, 80] });
    expect(DEFAULTS.freeTier).toStrictEqual({
      warnPercent: { rds: 93, elasticache: 93, lambda: 90, cloudwatch: 90 },
      planEndWarnDays: 30,
      creditsWarnUsd: 10,
      metricsNamespace: 'dbops',
    });
  });

  it('open no network by default (no allowed CIDR) and name the config file dbops.config.yaml', () => {
    expect(DEFAULTS.network).toStrictEqual({});
    expect(DEFAULTS.database.publiclyAccessible).toBe(false);
    expect(CONFIG_FILE_NAME).toBe('dbops.config.yaml');
  });
});
