/**
 * `engineFor(engine)`: the one place domain code turns an instance's engine into its
 * implementation of the engine port (types.ts). Everything after that asks the port.
 */
import { UsageError } from '../errors.js';
import type { Engine } from '../providers/types.js';
import { mysqlEngine } from './mysql/index.js';
import { postgresEngine } from './postgres.js';
import type { EngineApi } from './types.js';

export type { EngineApi, EngineConnectOptions, EngineSession, HeartbeatStore, MigrationStore, ProbeSql } from './types.js';

const ENGINES: Record<Engine, EngineApi> = { postgres: postgresEngine, mysql: mysqlEngine };

export function engineFor(engine: Engine | undefined): EngineApi {
  return ENGINES[engine ?? 'postgres'];
}

/** pgvector commands: one sentence (exit 2) when the database is not PostgreSQL. */
export function requirePgvector(engine: Engine | undefined, label: string): void {
  const api = engineFor(engine);
  if (api.supportsPgvector) return;
  throw new UsageError(
    `${label} is a ${api.label} database: pgvector exists only on PostgreSQL, so \`dbops vector\` does not apply to it.`,
    {
      hint: 'Point --instance or --url at a PostgreSQL database with the vector extension.',
    },
  );
}
