/**
 * Builds the UsageApi of the configured provider. The aws implementation is loaded with a
 * dynamic import, so no AWS SDK module loads before the report needs one, and it calls AWS
 * through the context Provider's client pool. The local provider has no free tier: it gets
 * no UsageApi (undefined), and its Provider is not even created.
 */
import type { DbopsConfig } from '../config/schema.js';
import type { Provider } from './types.js';
import type { UsageApi } from './usage-types.js';

export async function createUsageApi(
  config: DbopsConfig,
  env: Record<string, string | undefined>,
  provider: () => Promise<Provider>,
): Promise<UsageApi | undefined> {
  if (config.provider !== 'aws') return undefined;
  const [{ createAwsUsageApi }, { awsClientsOf }, base] = await Promise.all([
    import('./aws/usage.js'),
    import('./aws/provider.js'),
    provider(),
  ]);
  return createAwsUsageApi(
    {
      region: config.region,
      profile: config.profile,
      endpointUrl: config.endpointUrl ?? env.AWS_ENDPOINT_URL,
      maxAttempts: config.aws.maxAttempts,
    },
    awsClientsOf(base),
  );
}
