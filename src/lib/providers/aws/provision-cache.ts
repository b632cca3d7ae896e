/**
 * The cache on ElastiCache: a one-node replication group (the shape that supports AUTH
 * and in-transit encryption), its AUTH token kept in Secrets Manager
 * (`dbops/<cache-id>/auth-token`, tagged), waits on the SDK waiter machinery.
 */
import { randomBytes } from 'node:crypto';
import { EnvironmentError } from '../../errors.js';
import { Secret, registerSecret } from '../../secret.js';
import type { CacheApi, CacheState } from '../provision-types.js';
import type { Tags } from '../types.js';
import type { RegionClients } from './sdk.js';
import type { CacheCluster } from '@aws-sdk/client-elasticache';
import { createReplicationGroupRequest, fromCacheCluster, fromReplicationGroup, fromTags, toTags } from './provision-convert.js';
import { isAwsCode, type ProvisionCaller } from './provision-errors.js';
import { waitFor, type PollDelays } from './waiters.js';

const CACHE_FAILURE_STATES: ReadonlySet<string> = new Set(['create-failed', 'deleting', 'incompatible-network', 'restore-failed']);

export function authSecretName(cacheId: string): string {
  return `dbops/${cacheId}/auth-token`;
}

/** 32 random bytes as base64url: 43 characters AUTH accepts (no @, ", /). */
export function newAuthToken(): Secret {
  return new Secret(randomBytes(32).toString('base64url'));
}

function parseToken(text: string | undefined): string | undefined {
  try {
    const v = (JSON.parse(text ?? '') as { token?: unknown }).token;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

export function awsCache(c: ProvisionCaller, clients: () => RegionClients, delays: PollDelays, defaultWait: number): CacheApi {
  const ec = () => clients().elastiCache;
  const sm = () => clients().secretsManager;

  const tagsOf = async (arn: string | undefined): Promise<Tags> => {
    if (!arn) return {};
    const out = await c.call({ operation: 'ListTagsForResource', service: 'elasticache' }, () =>
      ec().listTagsForResource({ ResourceName: arn }),
    );
    return fromTags(out.TagList);
  };

  const bareCluster = async (id: string): Promise<CacheState | undefined> => {
    try {
      const out = await c.call({ operation: 'DescribeCacheClusters', service: 'elasticache', expect: ['CacheClusterNotFound'] }, () =>
        ec().describeCacheClusters({ CacheClusterId: id, ShowCacheNodeInfo: true }),
      );
      const cc = out.CacheClusters?.[0];
      if (!cc || cc.ReplicationGroupId) return undefined;
      return fromCacheCluster(cc, await tagsOf(cc.ARN));
    } catch (e) {
      if (isAwsCode(e, 'CacheClusterNotFound')) return undefined;
      throw e;
    }
  };

  /**
   * A replication group's member cluster (engine version, security groups). AWS always
   * knows it; an emulator may not (moto 5.2): then those settings stay unknown, which a
   * plan notes and never takes for a difference.
   */
  const memberCluster = async (memberId: string): Promise<CacheCluster | undefined> => {
    try {
      const out = await c.call({ operation: 'DescribeCacheClusters', service: 'elasticache', expect: ['CacheClusterNotFound'] }, () =>
        ec().describeCacheClusters({ CacheClusterId: memberId }),
      );
      return out.CacheClusters?.[0];
    } catch (e) {
      if (isAwsCode(e, 'CacheClusterNotFound')) return undefined;
      throw e;
    }
  };

  const findCache = async (id: string): Promise<CacheState | undefined> => {
    try {
      const out = await c.call(
        { operation: 'DescribeReplicationGroups', service: 'elasticache', expect: ['ReplicationGroupNotFound'] },
        () => ec().describeReplicationGroups({ ReplicationGroupId: id }),
      );
      const rg = out.ReplicationGroups?.[0];
      if (!rg) return bareCluster(id);
      const memberId = rg.MemberClusters?.[0];
      const member = memberId ? await memberCluster(memberId) : undefined;
      return fromReplicationGroup(rg, member, await tagsOf(rg.ARN));
    } catch (e) {
      if (isAwsCode(e, 'ReplicationGroupNotFound')) return bareCluster(id);
      throw e;
    }
  };

  const storedToken = async (name: string): Promise<Secret | undefined> => {
    try {
      const out = await c.call({ operation: 'GetSecretValue', service: 'secretsmanager', expect: ['ResourceNotFound'] }, () =>
        sm().getSecretValue({ SecretId: name }),
      );
      const token = parseToken(out.SecretString);
      if (!token)
        throw new EnvironmentError(`The secret ${name} holds no AUTH token.`, {
          hint: 'Delete the secret, then rerun `dbops provision apply`.',
        });
      registerSecret(token);
      return new Secret(token);
    } catch (e) {
      if (isAwsCode(e, 'ResourceNotFound')) return undefined;
      throw e;
    }
  };

  return {
    findCache,
    async createCache(input) {
      const out = await c.call({ operation: 'CreateReplicationGroup', service: 'elasticache', subject: `Cache ${input.id}` }, () =>
        ec().createReplicationGroup(createReplicationGroupRequest(input)),
      );
      const rg = out.ReplicationGroup;
      if (!rg) throw new EnvironmentError('AWS CreateReplicationGroup returned no replication group.');
      return fromReplicationGroup(rg, undefined, { ...input.tags });
    },
    async modifyCache(id, m) {
      await c.call({ operation: 'ModifyReplicationGroup', service: 'elasticache', subject: `Cache ${id}` }, () =>
        ec().modifyReplicationGroup({
          ReplicationGroupId: id,
          ...(m.nodeType ? { CacheNodeType: m.nodeType } : {}),
          ...(m.engineVersion ? { EngineVersion: m.engineVersion } : {}),
          ...(m.securityGroupIds ? { SecurityGroupIds: m.securityGroupIds } : {}),
          ApplyImmediately: m.applyImmediately,
        }),
      );
      return (await findCache(id))!;
    },
    async deleteCache(id) {
      await c.call({ operation: 'DeleteReplicationGroup', service: 'elasticache', subject: `Cache ${id}` }, () =>
        ec().deleteReplicationGroup({ ReplicationGroupId: id, RetainPrimaryCluster: false }),
      );
    },
    waitForCache(id, target, opts) {
      return waitFor(
        {
          what: `cache ${id} in ${c.region}`,
          target,
          poll: () => findCache(id),
          statusOf: (x) => x.status,
          failureStates: CACHE_FAILURE_STATES,
        },
        opts.maxWaitSeconds > 0 ? opts : { ...opts, maxWaitSeconds: defaultWait },
        delays,
      );
    },
    async authToken(cacheId, tags) {
      const name = authSecretName(cacheId);
      const existing = await storedToken(name);
      if (existing) return { token: existing, secret: { ref: name, created: false } };
      const token = newAuthToken();
      registerSecret(token);
      const out = await c.call({ operation: 'CreateSecret', service: 'secretsmanager', subject: `Secret ${name}` }, () =>
        sm().createSecret({
          Name: name,
          Description: `dbops: Redis AUTH token of cache ${cacheId}`,
          SecretString: JSON.stringify({ token: token.reveal() }),
          Tags: toTags(tags),
        }),
      );
      return { token, secret: { ref: out.ARN ?? name, created: true } };
    },
    async deleteAuthToken(cacheId) {
      const name = authSecretName(cacheId);
      try {
        await c.call({ operation: 'DeleteSecret', service: 'secretsmanager', expect: ['ResourceNotFound'] }, () =>
          sm().deleteSecret({ SecretId: name, ForceDeleteWithoutRecovery: true }),
        );
      } catch (e) {
        if (!isAwsCode(e, 'ResourceNotFound')) throw e;
      }
    },
  };
}
