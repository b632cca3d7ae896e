/**
 * Builds the failover port (failover-types.ts) for the configured provider, loaded with a
 * dynamic import like the Provider's (index.ts).
 */
import type { DbopsConfig } from '../config/schema.js';
import { EnvironmentError } from '../errors.js';
import type { FailoverApi } from './failover-types.js';
import { dbopsHome } from './index.js';
import type { Provider } from './types.js';

/** `base` is the context's Provider; its owner closes it. */
export async function createFailoverProvider(config: DbopsConfig, env: Record<string, string | undefined>, base: Provider): Promise<FailoverApi> {
  if (config.provider === 'aws') {
    throw new EnvironmentError('Switchover and failover are built for the local provider so far; the AWS adapter (RDS promotion, RDS Proxy) is not there yet.', {
      hint: 'On AWS, follow runbooks/switchover.md or runbooks/failover.md by hand (each step shows the aws CLI call).',
    });
  }
  const { createLocalFailover } = await import('./local/failover.js');
  return createLocalFailover(
    { home: dbopsHome(env), region: config.region, osUser: config.local.osUser, pgBin: config.local.pgBin ?? env.PG_BIN, env },
    base,
  );
}
