/**
 * Builds the UsageApi of the configured provider. The aws implementation is loaded with a
 * dynamic import, so no AWS SDK module loads before the report needs one. The local
 * provider has no free tier: it gets no UsageApi (undefined).
 */
import type { DbopsConfig } from '../config/schema.js';
import type { UsageApi } from './usage-types.js';

export async function createUsageApi(config: DbopsConfig, env: Record<string, string | undefined>): Promise<UsageApi | undefined> {
  if (config.provider !== 'aws') return undefined;
  const { createAwsUsageApi } = await import('./aws/usage.js');
  return createAwsUsageApi({
    region: config.region,
    profile: config.profile,
    endpointUrl: config.endpointUrl ?? env.AWS_ENDPOINT_URL,
    maxAttempts: config.aws.maxAttempts,
  });
}
