/**
 * A database is an instance or a cluster (design.md). The config says which with
 * `database.engine`: `postgres` / `mysql` are RDS instances, `aurora-postgresql` an Aurora
 * Serverless v2 cluster (seed 004) whose writer is an instance of class `db.serverless`.
 *
 * Pure: the kind, the data-plane engine (Aurora PostgreSQL speaks PostgreSQL), the
 * serverless capacity with seed 004's defaults, and the checks the schema cannot make
 * (one sentence and a hint each; config loading turns them into a ConfigError, exit 2).
 */
import type { DatabaseKind, Engine, ServerlessCapacity } from '../providers/types.js';
import type { DbopsConfig } from './schema.js';

export type ConfigEngine = DbopsConfig['database']['engine'];

/** The RDS engine name of an Aurora PostgreSQL cluster. */
export const AURORA_POSTGRES = 'aurora-postgresql';
/** The instance class of an Aurora Serverless v2 member. */
export const SERVERLESS_CLASS = 'db.serverless';

/** Seed 004: Aurora Serverless v2 PostgreSQL 15.4, 0.5-4 ACU (production 1-4 ACU, deletion protection), PITR 7 days. */
export const SEED_004 = {
  engineVersion: '15.4',
  minCapacity: 0.5,
  productionMinCapacity: 1,
  maxCapacity: 4,
  backupRetentionDays: 7,
} as const;

/** Aurora Serverless v2 limits: 0-256 ACU in steps of 0.5 (0 only with auto-pause). */
export const MAX_ACU = 256;

/**
 * The Aurora PostgreSQL minors from which a cluster can pause at 0 ACU (AWS: 13.15, 14.12,
 * 15.7, 16.3 and every 17); a version given by its major alone gets AWS's default minor, which is newer.
 */
const AUTO_PAUSE_FROM: Record<string, number> = { '13': 15, '14': 12, '15': 7, '16': 3 };

export function databaseKind(engine: ConfigEngine): DatabaseKind {
  return engine === AURORA_POSTGRES ? 'cluster' : 'instance';
}

export function isClusterEngine(engine: ConfigEngine): engine is typeof AURORA_POSTGRES {
  return engine === AURORA_POSTGRES;
}

/** The engine the data plane speaks (connect, checks, schema): Aurora PostgreSQL is PostgreSQL. */
export function dataEngine(engine: ConfigEngine): Engine {
  return engine === AURORA_POSTGRES ? 'postgres' : engine;
}

/** Whether Aurora PostgreSQL `version` can scale to 0 ACU (auto-pause). */
export function autoPauseSupported(version: string): boolean {
  const [major = '', minor] = version.split('.');
  if (Number(major) >= 17) return true;
  const from = AUTO_PAUSE_FROM[major];
  if (from === undefined) return false;
  return minor === undefined || Number(minor) >= from;
}

/** The capacity range the config asks for, with seed 004's defaults. */
export function serverlessCapacity(config: Pick<DbopsConfig, 'database' | 'environment'>): ServerlessCapacity {
  const s = config.database.serverless;
  const min = s.minCapacity ?? (config.environment === 'production' ? SEED_004.productionMinCapacity : SEED_004.minCapacity);
  return { minCapacity: min, maxCapacity: s.maxCapacity };
}

export interface ConfigProblem {
  message: string;
  hint: string;
}

function acuProblem(key: string, value: number): ConfigProblem | undefined {
  if (value < 0 || value > MAX_ACU) {
    return {
      message: `database.serverless.${key} is ${value} ACU, outside Aurora Serverless v2's range of 0 to ${MAX_ACU} ACU.`,
      hint: `Use a capacity between 0.5 and ${MAX_ACU} ACU (seed 004: 0.5-4, production 1-4).`,
    };
  }
  if (!Number.isInteger(value * 2)) {
    return {
      message: `database.serverless.${key} is ${value} ACU; Aurora Serverless v2 capacity goes in steps of 0.5 ACU.`,
      hint: `Round it to a multiple of 0.5, e.g. ${Math.max(0.5, Math.round(value * 2) / 2)}.`,
    };
  }
  return undefined;
}

function capacityProblem(config: Pick<DbopsConfig, 'database' | 'environment'>): ConfigProblem | undefined {
  const db = config.database;
  const { minCapacity, maxCapacity } = serverlessCapacity(config);
  const range = acuProblem('minCapacity', minCapacity) ?? acuProblem('maxCapacity', maxCapacity);
  if (range) return range;
  // Before min > max: a max below 1 is the mistake, even when the minimum is seed 004's default.
  if (maxCapacity === 0) {
    return {
      message: 'database.serverless.maxCapacity is 0 ACU: the cluster could never run.',
      hint: 'Set the maximum to at least 1 ACU (seed 004: 4).',
    };
  }
  if (maxCapacity < 1) {
    return {
      message: `database.serverless.maxCapacity is ${maxCapacity} ACU; Aurora Serverless v2 needs a maximum of at least 1 ACU.`,
      hint: 'Set the maximum to at least 1 ACU (seed 004: 4).',
    };
  }
  if (minCapacity > maxCapacity) {
    return {
      message: `database.serverless.minCapacity (${minCapacity} ACU) is above database.serverless.maxCapacity (${maxCapacity} ACU).`,
      hint: 'Set the minimum at or below the maximum (seed 004: 0.5-4 ACU, production 1-4).',
    };
  }
  if (minCapacity === 0 && !autoPauseSupported(db.engineVersion)) {
    return {
      message: `database.serverless.minCapacity is 0 ACU, but Aurora PostgreSQL ${db.engineVersion} cannot pause; 0 ACU needs auto-pause (13.15, 14.12, 15.7, 16.3 or later).`,
      hint: 'Set minCapacity to 0.5 or more, or upgrade database.engineVersion (e.g. 15.7).',
    };
  }
  return undefined;
}

/** The first problem of the database kind's settings, or undefined. */
export function databaseKindProblem(config: Pick<DbopsConfig, 'database' | 'environment'>): ConfigProblem | undefined {
  const db = config.database;
  if (!isClusterEngine(db.engine)) {
    if (db.instanceClass === SERVERLESS_CLASS) {
      return {
        message: `database.instanceClass ${SERVERLESS_CLASS} is an Aurora Serverless v2 class; ${db.engine} RDS instances do not offer it.`,
        hint: `Set database.engine: ${AURORA_POSTGRES} for an Aurora Serverless v2 cluster, or pick an instance class such as db.t3.micro.`,
      };
    }
    return undefined;
  }
  if (db.instanceClass !== SERVERLESS_CLASS) {
    return {
      message: `database.engine ${AURORA_POSTGRES} runs Aurora Serverless v2, whose instances are ${SERVERLESS_CLASS}, not ${db.instanceClass}.`,
      hint: `Set database.instanceClass: ${SERVERLESS_CLASS} (database.serverless.minCapacity/maxCapacity size it).`,
    };
  }
  return capacityProblem(config);
}
