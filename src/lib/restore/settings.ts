/**
 * The restore test's request: flags over config, validated before anything is touched.
 * Pure functions; the only I/O-free knowledge of where the shipped check queries live.
 *
 * The restoreTest config keys (count tolerance, amcheck mode, performance threshold,
 * queries) fall back to RESTORE_TEST_DEFAULTS for a partial config built in tests.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import type { DbopsConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { parseConnectHost, type HostOverride } from '../db/connect.js';
import type { CountTolerance } from '../checks/counts.js';
import type { PerfSettings } from '../checks/performance.js';
import { packagePath } from '../paths.js';

/** Optional restoreTest keys (see the config schema proposal in the restore-test README section). */
export interface RestoreTestExtraConfig {
  countTolerancePercent: number;
  countToleranceRows: number;
  heapallindexed: boolean;
  performance: {
    maxSlowdown: number;
    slackMs: number;
    runs: number;
    statementTimeoutSeconds: number;
    /** Directory of *.sql check queries; relative to the config file. Default: dbops' sql/checks. */
    queriesDir?: string;
    queries?: { name: string; sql: string }[];
  };
}

export const RESTORE_TEST_DEFAULTS: RestoreTestExtraConfig = {
  countTolerancePercent: 5,
  countToleranceRows: 100,
  heapallindexed: true,
  performance: { maxSlowdown: 3, slackMs: 50, runs: 3, statementTimeoutSeconds: 30 },
};

/** dbops' own sql/checks (beside src/ and dist/). */
export const SHIPPED_CHECKS_DIR = `${packagePath('sql', 'checks')}/`;

/** What the command passes in: the flags, unparsed. */
export interface RestoreTestInput {
  /** --instance (default database.identifier) */
  instanceId?: string;
  snapshotId?: string;
  /** --point-in-time, an ISO 8601 time with a zone. */
  pointInTime?: string;
  latestRestorable?: boolean;
  /** --connect-host host[:port]: the temporary instance */
  connectHost?: string;
  /** --source-connect-host host[:port]: the source */
  sourceConnectHost?: string;
  concurrency?: number;
  keep?: boolean;
  /** --report <file.md> */
  reportFile?: string;
  instanceClass?: string;
  /** --expires-in 6h / 90m / 2d */
  expiresIn?: string;
}

/** The backup asked for: the default newest snapshot, a named one, or a point in time. */
export type BackupRequest =
  | { kind: 'newest-snapshot' }
  | { kind: 'snapshot'; snapshotId: string }
  | { kind: 'point-in-time'; time: Date | 'latest' };

/** The validated request. */
export interface RestoreTestRequest {
  sourceId: string;
  backup: BackupRequest;
  instanceClass: string;
  expiresAfterHours: number;
  concurrency: number;
  keep: boolean;
  connectHost?: HostOverride;
  sourceConnectHost?: HostOverride;
  reportFile?: string;
  metricsNamespace: string;
  rtoHours: number;
  rpoHours: number;
  countTolerance: CountTolerance;
  heapallindexed: boolean;
  performance: PerfSettings;
  queriesDir: string;
  configQueries: { name: string; sql: string }[];
}

const INSTANCE_CLASS = /^db\.[a-z0-9]+\.[a-z0-9]+$/;

/** "6h" -> 6, "90m" -> 1.5, "2d" -> 48, "4" -> 4 (hours). */
export function parseExpiresIn(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d)?\s*$/.exec(text);
  const hours = m ? Number(m[1]) * ({ m: 1 / 60, min: 1 / 60, h: 1, d: 24 }[m[2] ?? 'h'] ?? 1) : NaN;
  if (!Number.isFinite(hours) || hours <= 0 || hours > 168) {
    throw new UsageError(`--expires-in expects a duration up to 7 days such as 6h, 90m or 2d, got "${text}".`, {
      hint: 'It sets the dbops:expires-at tag: after that time `dbops gc` removes the instance if a run left it.',
    });
  }
  return hours;
}

/** An ISO 8601 time with a zone ("2026-05-01T09:30:00Z", "...+02:00"); never in the future. */
export function parsePointInTime(text: string, now: Date, flag = '--point-in-time'): Date {
  const zoned = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(text.trim());
  const t = new Date(text.trim());
  if (!zoned || Number.isNaN(t.getTime())) {
    throw new UsageError(`${flag} expects an ISO 8601 time with a zone, got "${text}".`, {
      hint: 'For example 2026-05-01T09:30:00Z; or --latest-restorable for the newest restorable time.',
    });
  }
  if (t.getTime() > now.getTime()) {
    throw new UsageError(`${flag} ${t.toISOString()} is in the future.`, { hint: 'Pick a past time, or --latest-restorable.' });
  }
  return t;
}

function backupRequest(input: RestoreTestInput, now: Date): BackupRequest {
  const chosen = [input.snapshotId !== undefined, input.pointInTime !== undefined, Boolean(input.latestRestorable)].filter(Boolean).length;
  if (chosen > 1) {
    throw new UsageError('--snapshot, --point-in-time and --latest-restorable exclude each other.', {
      hint: 'Name one backup: a snapshot, a point in time, or the latest restorable time (default: the newest snapshot).',
    });
  }
  if (input.snapshotId !== undefined) return { kind: 'snapshot', snapshotId: input.snapshotId };
  if (input.pointInTime !== undefined) return { kind: 'point-in-time', time: parsePointInTime(input.pointInTime, now) };
  if (input.latestRestorable) return { kind: 'point-in-time', time: 'latest' };
  return { kind: 'newest-snapshot' };
}

function extra(config: DbopsConfig): RestoreTestExtraConfig {
  const given = config.restoreTest as DbopsConfig['restoreTest'] & Partial<RestoreTestExtraConfig>;
  return {
    countTolerancePercent: given.countTolerancePercent ?? RESTORE_TEST_DEFAULTS.countTolerancePercent,
    countToleranceRows: given.countToleranceRows ?? RESTORE_TEST_DEFAULTS.countToleranceRows,
    heapallindexed: given.heapallindexed ?? RESTORE_TEST_DEFAULTS.heapallindexed,
    performance: { ...RESTORE_TEST_DEFAULTS.performance, ...given.performance },
  };
}

/** Pure: flags over config, every value checked. `configFile` anchors relative paths. */
export function resolveRequest(config: DbopsConfig, input: RestoreTestInput, now: Date, configFile?: string): RestoreTestRequest {
  const backup = backupRequest(input, now);
  const instanceClass = input.instanceClass ?? config.restoreTest.instanceClass;
  if (!INSTANCE_CLASS.test(instanceClass)) {
    throw new UsageError(`--instance-class expects a class such as db.t3.small, got "${instanceClass}".`);
  }
  const concurrency = input.concurrency ?? config.restoreTest.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new UsageError(`--concurrency expects a whole number from 1 to 64, got ${concurrency}.`, {
      hint: 'It is the number of connections the checks open on the temporary instance.',
    });
  }
  const x = extra(config);
  const base = configFile ? dirname(configFile) : process.cwd();
  const queriesDir = x.performance.queriesDir
    ? isAbsolute(x.performance.queriesDir)
      ? x.performance.queriesDir
      : resolve(base, x.performance.queriesDir)
    : SHIPPED_CHECKS_DIR;
  return {
    sourceId: input.instanceId ?? config.database.identifier,
    backup,
    instanceClass,
    expiresAfterHours: input.expiresIn !== undefined ? parseExpiresIn(input.expiresIn) : config.restoreTest.expiresAfterHours,
    concurrency,
    keep: Boolean(input.keep),
    ...(input.connectHost !== undefined ? { connectHost: parseConnectHost(input.connectHost) } : {}),
    ...(input.sourceConnectHost !== undefined
      ? { sourceConnectHost: parseConnectHost(input.sourceConnectHost, '--source-connect-host') }
      : {}),
    ...(input.reportFile !== undefined ? { reportFile: input.reportFile } : {}),
    metricsNamespace: config.restoreTest.metricsNamespace,
    rtoHours: config.recovery.rtoHours,
    rpoHours: config.recovery.rpoHours,
    countTolerance: { percent: x.countTolerancePercent, rows: x.countToleranceRows },
    heapallindexed: x.heapallindexed,
    performance: {
      maxSlowdown: x.performance.maxSlowdown,
      slackMs: x.performance.slackMs,
      runs: x.performance.runs,
      statementTimeoutMs: x.performance.statementTimeoutSeconds * 1000,
    },
    queriesDir,
    configQueries: x.performance.queries ?? [],
  };
}
