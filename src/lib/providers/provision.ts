/**
 * Builds the provisioning port (provision-types.ts) for the configured provider. The
 * adapter is loaded with a dynamic import, like the Provider's (index.ts), so neither the
 * extra AWS SDK clients nor redis handling load before a provisioning command runs.
 */
import type { DbopsConfig } from '../config/schema.js';
import { awsProviderOptions, dbopsHome } from './index.js';
import type { ProvisionProvider } from './provision-types.js';
import type { Provider } from './types.js';

/** `base` is the context's Provider (instances, snapshots); its owner closes it. */
export async function createProvisionProvider(
  config: DbopsConfig,
  env: Record<string, string | undefined>,
  base: Provider,
): Promise<ProvisionProvider> {
  if (config.provider === 'aws') {
    const { createAwsProvisionProvider } = await import('./aws/provision.js');
    return createAwsProvisionProvider(awsProviderOptions(config, env), base);
  }
  const { createLocalProvisionProvider } = await import('./local/provision.js');
  return createLocalProvisionProvider(
    { home: dbopsHome(env), region: config.region, osUser: config.local.osUser, pgBin: config.local.pgBin ?? env.PG_BIN, env },
    base,
  );
}

/** STS GetCallerIdentity for a region and profile (dbops init shows the account id). */
export async function lookupAwsIdentity(
  region: string,
  profile: string | undefined,
  env: Record<string, string | undefined>,
): Promise<{ accountId: string; arn: string }> {
  const { awsIdentity } = await import('./aws/provision.js');
  return awsIdentity({ region, ...(profile ? { profile } : {}), endpointUrl: env.AWS_ENDPOINT_URL, maxAttempts: 1 });
}
