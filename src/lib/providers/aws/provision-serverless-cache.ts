/**
 * Valkey serverless caches (cache.kind serverless): CreateServerlessCache with the usage
 * limits, security groups and subnets; DescribeServerlessCaches, ModifyServerlessCache
 * (limits, security groups, an engine upgrade), DeleteServerlessCache; waits on the SDK
 * waiter machinery. Always encrypted at rest and in transit (ElastiCache serverless has no
 * switch for either). The cache's name is the `clusterId` CloudWatch (and free-tier-report)
 * knows it by.
 *
 * Access control: RBAC is the only way to control access to a serverless cache
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Clusters.RBAC.html: "RBAC is also
 * the only way to control access to serverless caches"; a user group of engine valkey holds
 * only users with an authentication mechanism, password or IAM). dbops makes one user named
 * `default` (the user a client that sends no user name, e.g. `AUTH <password>`, is; a Redis OSS
 * user group must contain a user named default, AWS::ElastiCache::UserGroup UserIds, and
 * having it keeps the group valid for either engine) with a password (CreateUser
 * AuthenticationMode password), one user group of engine valkey holding it (CreateUserGroup),
 * and names the group in CreateServerlessCache / ModifyServerlessCache (UserGroupId: "the
 * identifier of the UserGroup to be associated with the serverless cache").
 */
import type {
  CreateServerlessCacheCommandInput,
  CreateUserCommandInput,
  ServerlessCache,
  User,
  UserGroup,
} from '@aws-sdk/client-elasticache';
import { EnvironmentError } from '../../errors.js';
import type {
  CacheState,
  CacheUserGroupState,
  CacheUserState,
  CreateCacheUserInput,
  CreateServerlessCacheInput,
  ServerlessCacheApi,
} from '../provision-types.js';
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
    ...(i.userGroupId ? { UserGroupId: i.userGroupId } : {}),
    Tags: toTags(i.tags),
  };
}

/** CreateUser for Valkey with a password (the password is revealed into the request only). */
export function createUserRequest(i: CreateCacheUserInput): CreateUserCommandInput {
  return {
    UserId: i.id,
    UserName: i.userName,
    Engine: 'valkey',
    AccessString: i.accessString,
    AuthenticationMode: { Type: 'password', Passwords: [i.password.reveal()] },
    Tags: toTags(i.tags),
  };
}

function fromUser(u: User, tags: Tags): CacheUserState {
  return { id: u.UserId ?? '', userName: u.UserName ?? '', status: u.Status ?? 'unknown', tags };
}

function fromUserGroup(g: UserGroup, tags: Tags): CacheUserGroupState {
  return { id: g.UserGroupId ?? '', status: g.Status ?? 'unknown', userIds: g.UserIds ?? [], tags };
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
      ...(sc.UserGroupId ? { userGroupId: sc.UserGroupId } : {}),
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

  const findGroup = async (id: string): Promise<CacheUserGroupState | undefined> => {
    try {
      const out = await c.call({ operation: 'DescribeUserGroups', service: 'elasticache', expect: ['UserGroupNotFound'] }, () =>
        ec().describeUserGroups({ UserGroupId: id }),
      );
      const g = out.UserGroups?.[0];
      return g ? fromUserGroup(g, await tagsOf(g.ARN)) : undefined;
    } catch (e) {
      if (isAwsCode(e, 'UserGroupNotFound')) return undefined;
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
          ...(m.userGroupId ? { UserGroupId: m.userGroupId } : {}),
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
    async findCacheUser(id) {
      try {
        const out = await c.call({ operation: 'DescribeUsers', service: 'elasticache', expect: ['UserNotFound'] }, () =>
          ec().describeUsers({ UserId: id }),
        );
        const u = out.Users?.[0];
        return u ? fromUser(u, await tagsOf(u.ARN)) : undefined;
      } catch (e) {
        if (isAwsCode(e, 'UserNotFound')) return undefined;
        throw e;
      }
    },
    async createCacheUser(input) {
      await c.call({ operation: 'CreateUser', service: 'elasticache', subject: `Cache user ${input.id}` }, () =>
        ec().createUser(createUserRequest(input)),
      );
    },
    async deleteCacheUser(id) {
      try {
        await c.call({ operation: 'DeleteUser', service: 'elasticache', subject: `Cache user ${id}`, expect: ['UserNotFound'] }, () =>
          ec().deleteUser({ UserId: id }),
        );
      } catch (e) {
        if (!isAwsCode(e, 'UserNotFound')) throw e;
      }
    },
    findUserGroup: findGroup,
    async createUserGroup(input) {
      await c.call({ operation: 'CreateUserGroup', service: 'elasticache', subject: `Cache user group ${input.id}` }, () =>
        ec().createUserGroup({ UserGroupId: input.id, Engine: 'valkey', UserIds: input.userIds, Tags: toTags(input.tags) }),
      );
    },
    async deleteUserGroup(id) {
      try {
        await c.call(
          { operation: 'DeleteUserGroup', service: 'elasticache', subject: `Cache user group ${id}`, expect: ['UserGroupNotFound'] },
          () => ec().deleteUserGroup({ UserGroupId: id }),
        );
      } catch (e) {
        if (!isAwsCode(e, 'UserGroupNotFound')) throw e;
      }
    },
    waitForUserGroup(id, target, opts) {
      return waitFor(
        {
          what: `cache user group ${id} in ${c.region}`,
          target: target === 'active' ? 'available' : 'deleted',
          poll: () => findGroup(id),
          // A user group is ready when "active" (the waiter's word for ready is "available").
          statusOf: (g) => (g.status === 'active' ? 'available' : g.status),
          failureStates: FAILURE_STATES,
        },
        opts.maxWaitSeconds > 0 ? opts : { ...opts, maxWaitSeconds: defaultWait },
        delays,
      );
    },
  };
}
