/**
 * Builds the failover port (failover-types.ts) for the configured provider, loaded with a
 * dynamic import like the Provider's (index.ts).
 */
import type { DbopsConfig } from '../config/schema.js';
import type { FailoverApi } from './failover-types.js';
import { dbopsHome } from './index.js';
import type { Provider } from './types.js';

/** `base` is the context's Provider; its owner closes it. */
export async function createFailoverProvider(
  config: DbopsConfig,
  env: Record<string, string | undefined>,
  base: Provider,
): Promise<FailoverApi> {
  if (config.provider === 'aws') {
    const { createAwsFailover } = await import('./aws/failover.js');
    const cp = config.connectionPool;
    const caBundle = config.aws.caBundle ?? env.PGSSLROOTCERT;
    return createAwsFailover(
      {
        region: config.region,
        ...((config.endpointUrl ?? env.AWS_ENDPOINT_URL) ? { endpointUrl: config.endpointUrl ?? env.AWS_ENDPOINT_URL } : {}),
        maxAttempts: config.aws.maxAttempts,
        maxWaitSeconds: config.aws.maxWaitMinutes * 60,
        ...(cp.enabled && cp.kind === 'rds-proxy' ? { proxyName: cp.name ?? `${config.database.identifier}-pool` } : {}),
        ...(caBundle ? { caBundle } : {}),
        backupRetentionDays: config.database.backupRetentionDays,
      },
      base,
    );
  }
  const { createLocalFailover } = await import('./local/failover.js');
  return createLocalFailover(
    { home: dbopsHome(env), region: config.region, osUser: config.local.osUser, pgBin: config.local.pgBin ?? env.PG_BIN, env },
    base,
  );
}
