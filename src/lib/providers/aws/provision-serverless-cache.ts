/**
 * Valkey serverless caches (cache.kind serverless): CreateServerlessCache with the usage
 * limits, security groups and subnets; DescribeServerlessCaches, ModifyServerlessCache
 * (limits, security groups, an engine upgrade), DeleteServerlessCache; waits on the SDK
 * waiter machinery. Always encrypted at rest and in transit (ElastiCache serverless has no
 * switch for either). The cache's name is the `clusterId` CloudWatch (and free-tier-report)
 * knows it by.
 */
import type { CreateServerlessCacheCommandInput, ServerlessCache } from '@aws-sdk/client-elasticache';
import { EnvironmentError } from '../../errors.js';
import type { CacheState, CreateServerlessCacheInput, ServerlessCacheApi } from '../provision-types.js';
import type { Tags } from '../types.js';
import { fromTags, toTags } from './provision-convert.js';
import { isAwsCode, type ProvisionCaller } from './provision-errors.js';
import type { RegionClients } from './sdk.js';
import { waitFor, type PollDelays } from './waiters.js';

const FAILURE_STATES: ReadonlySet<string> = new Set(['create-failed', 'deleting']);

export function createServerlessCacheRequest(i: CreateServerlessCacheInput): CreateServerlessCacheCommandInput {
  return {
    ServerlessCacheName: i.id,
    Description: `dbops cache ${i.id}`,
    Engine: i.engine,
    MajorEngineVersion: i.majorVersion,
    CacheUsageLimits: {
      DataStorage: { Maximum: i.dataStorageMaxGb, Unit: 'GB' },
      ECPUPerSecond: { Maximum: i.ecpuPerSecondMax },
    },
    SecurityGroupIds: i.securityGroupIds,
    ...(i.subnetIds ? { SubnetIds: i.subnetIds } : {}),
    Tags: toTags(i.tags),
  };
}

export function fromServerlessCache(sc: ServerlessCache, tags: Tags): CacheState {
  const limits = sc.CacheUsageLimits;
  return {
    id: sc.ServerlessCacheName ?? '',
    ...(sc.ARN ? { arn: sc.ARN } : {}),
    kind: 'serverless',
    engine: sc.Engine ?? 'valkey',
    ...(sc.FullEngineVersion ? { engineVersion: sc.FullEngineVersion } : {}),
    nodeType: '',
    status: sc.Status ?? 'unknown',
    ...(sc.Endpoint?.Address && sc.Endpoint.Port ? { endpoint: { host: sc.Endpoint.Address, port: sc.Endpoint.Port } } : {}),
    transitEncryption: true,
    atRestEncryption: true,
    // Valkey serverless: AUTH is a user group (RBAC), not a token.
    authEnabled: Boolean(sc.UserGroupId),
    ...(sc.SecurityGroupIds ? { securityGroupIds: sc.SecurityGroupIds } : {}),
    metricsClusterId: sc.ServerlessCacheName ?? '',
    serverless: {
      majorVersion: sc.MajorEngineVersion ?? '',
      dataStorageMaxGb: limits?.DataStorage?.Maximum ?? 0,
      ecpuPerSecondMax: limits?.ECPUPerSecond?.Maximum ?? 0,
      ...(sc.SubnetIds ? { subnetIds: sc.SubnetIds } : {}),
    },
    tags,
  };
}

export function awsServerlessCache(
  c: ProvisionCaller,
  clients: () => RegionClients,
  delays: PollDelays,
  defaultWait: number,
): ServerlessCacheApi {
  const ec = () => clients().elastiCache;

  const tagsOf = async (arn: string | undefined): Promise<Tags> => {
    if (!arn) return {};
    const out = await c.call({ operation: 'ListTagsForResource', service: 'elasticache' }, () =>
      ec().listTagsForResource({ ResourceName: arn }),
    );
    return fromTags(out.TagList);
  };

  const find = async (id: string): Promise<CacheState | undefined> => {
    try {
      const out = await c.call({ operation: 'DescribeServerlessCaches', service: 'elasticache', expect: ['ServerlessCacheNotFound'] }, () =>
        ec().describeServerlessCaches({ ServerlessCacheName: id }),
      );
      const sc = out.ServerlessCaches?.[0];
      return sc ? fromServerlessCache(sc, await tagsOf(sc.ARN)) : undefined;
    } catch (e) {
      if (isAwsCode(e, 'ServerlessCacheNotFound')) return undefined;
      throw e;
    }
  };

  return {
    findServerlessCache: find,
    async createServerlessCache(input) {
      const out = await c.call({ operation: 'CreateServerlessCache', service: 'elasticache', subject: `Cache ${input.id}` }, () =>
        ec().createServerlessCache(createServerlessCacheRequest(input)),
      );
      if (!out.ServerlessCache) throw new EnvironmentError('AWS CreateServerlessCache returned no serverless cache.');
      return fromServerlessCache(out.ServerlessCache, { ...input.tags });
    },
    async modifyServerlessCache(id, m) {
      const limits = m.dataStorageMaxGb !== undefined || m.ecpuPerSecondMax !== undefined;
      await c.call({ operation: 'ModifyServerlessCache', service: 'elasticache', subject: `Cache ${id}` }, () =>
        ec().modifyServerlessCache({
          ServerlessCacheName: id,
          ...(limits
            ? {
                CacheUsageLimits: {
                  ...(m.dataStorageMaxGb !== undefined ? { DataStorage: { Maximum: m.dataStorageMaxGb, Unit: 'GB' } } : {}),
                  ...(m.ecpuPerSecondMax !== undefined ? { ECPUPerSecond: { Maximum: m.ecpuPerSecondMax } } : {}),
                },
              }
            : {}),
          ...(m.majorVersion ? { Engine: 'valkey', MajorEngineVersion: m.majorVersion } : {}),
          ...(m.securityGroupIds ? { SecurityGroupIds: m.securityGroupIds } : {}),
        }),
      );
    },
    async deleteServerlessCache(id) {
      await c.call({ operation: 'DeleteServerlessCache', service: 'elasticache', subject: `Cache ${id}` }, () =>
        ec().deleteServerlessCache({ ServerlessCacheName: id }),
      );
    },
    waitForServerlessCache(id, target, opts) {
      return waitFor(
        {
          what: `serverless cache ${id} in ${c.region}`,
          target,
          poll: () => find(id),
          statusOf: (x) => x.status,
          failureStates: FAILURE_STATES,
        },
        opts.maxWaitSeconds > 0 ? opts : { ...opts, maxWaitSeconds: defaultWait },
        delays,
      );
    },
  };
}
