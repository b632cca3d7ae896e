/**
 * Builds the configured provider. Adapters are loaded with a dynamic import, so neither
 * the AWS SDK nor the local adapter's modules load until a command needs them.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DbopsConfig } from '../config/schema.js';
import type { Provider } from './types.js';

export interface AwsProviderOptions {
  region: string;
  profile?: string;
  /** --endpoint-url / AWS_ENDPOINT_URL (LocalStack and friends). */
  endpointUrl?: string;
  /** SDK retry attempts (throttling and transient errors). */
  maxAttempts: number;
  /** Default ceiling for waiters, used when a caller passes none. */
  maxWaitSeconds: number;
  /** CA bundle for TLS connections to the databases. */
  caBundle?: string;
  /** A fleet account reached through a role (STS AssumeRole with the caller's credentials). */
  assumeRole?: AccountRole;
  env: Record<string, string | undefined>;
}

/** A fleet account's role: who dbops becomes there. */
export interface AccountRole {
  accountId: string;
  roleArn: string;
  externalId?: string;
  sessionName: string;
}

export interface LocalProviderOptions {
  /** $DBOPS_HOME: state, clusters, snapshots, the 0600 secrets file. */
  home: string;
  region: string;
  /** When dbops runs as root, server binaries run as this OS user. */
  osUser: string;
  /** PostgreSQL bin directory (PG_BIN, config local.pgBin); found automatically otherwise. */
  pgBin?: string;
  /** When dbops runs as root, MariaDB (local mysql instances) runs as this OS user; default `mysql`. MARIADB_BIN in env points at its binaries. */
  mysqlOsUser?: string;
  /** Who checks snapshots when they are taken and copied: dbops' streaming check (default) or pg_verifybackup after. */
  snapshotVerifier?: 'dbops' | 'pg_verifybackup';
  /** archive_timeout of instances that archive their WAL (config local.archiveTimeoutSeconds; default 300, RDS' 5 minutes). */
  archiveTimeoutSeconds?: number;
  env: Record<string, string | undefined>;
  /**
   * The run's abort signal (Ctrl-C, SIGTERM, SIGHUP): creating operations (restore,
   * create, snapshot) pass it to every child process they start, so an interrupt stops
   * them at once and their rollback runs. Deleting and stopping never take it.
   */
  signal?: AbortSignal;
  /**
   * Told about each damaged state file a listing skipped (path and reason), so the
   * command can list the healthy ones and still report it (exit 3). Without it, a
   * damaged file is an error.
   */
  onDamagedState?: (problem: Error & { path: string; reason: string; hint?: string }) => void;
}

export function dbopsHome(env: Record<string, string | undefined>): string {
  return resolve(env.DBOPS_HOME && env.DBOPS_HOME.length > 0 ? env.DBOPS_HOME : join(homedir(), '.dbops'));
}

/** What a run hands the provider besides the config: its abort signal and where damaged state goes. */
export type ProviderHooks = Pick<LocalProviderOptions, 'signal' | 'onDamagedState'>;

/** The AWS adapters' options from the config and the environment (one place for both ports). */
export function awsProviderOptions(config: DbopsConfig, env: Record<string, string | undefined>): AwsProviderOptions {
  return {
    region: config.region,
    profile: config.profile,
    endpointUrl: config.endpointUrl ?? env.AWS_ENDPOINT_URL,
    maxAttempts: config.aws.maxAttempts,
    maxWaitSeconds: config.aws.maxWaitMinutes * 60,
    caBundle: config.aws.caBundle ?? env.PGSSLROOTCERT,
    env,
  };
}

export async function createProvider(
  config: DbopsConfig,
  env: Record<string, string | undefined>,
  hooks: ProviderHooks = {},
  account?: AccountRole,
): Promise<Provider> {
  if (config.provider === 'aws') {
    const { createAwsProvider } = await import('./aws/provider.js');
    return createAwsProvider({ ...awsProviderOptions(config, env), ...(account ? { assumeRole: account } : {}) });
  }
  const { createLocalProvider } = await import('./local/provider.js');
  return createLocalProvider({
    home: dbopsHome(env),
    region: config.region,
    osUser: config.local.osUser,
    pgBin: config.local.pgBin ?? env.PG_BIN,
    snapshotVerifier: config.local.snapshotVerifier,
    archiveTimeoutSeconds: config.local.archiveTimeoutSeconds,
    env,
    ...hooks,
  });
}

/** The AWS calls this process made so far, by operation (undefined on the local provider). */
export async function awsCallsSoFar(config: DbopsConfig): Promise<{ total: number; byOperation: Record<string, number> } | undefined> {
  if (config.provider !== 'aws') return undefined;
  const { awsCallTally } = await import('./aws/sdk.js');
  return awsCallTally();
}
