/** Reads what exists now through the provisioning port: the CurrentState the plan compares. */
import { roleNameOf, type PoolerApi } from '../providers/failover-types.js';
import type { Capability, ProvisionProvider } from '../providers/provision-types.js';
import { isManaged } from './change.js';
import type { DesiredState } from './desired.js';
import { serverlessUserGroupId, serverlessUserId } from './desired.js';
import { knownAlarmNames } from './plan.js';
import type { CurrentState } from './plan-types.js';
import { alarmPrefix } from './alarms.js';
import type { ProvisionSettings } from './settings.js';

const CAPABILITIES: Capability[] = ['network', 'cache', 'notifications', 'alarms', 'budgets', 'parameter-group'];

function notApplicableOf(pp: ProvisionProvider): CurrentState['notApplicable'] {
  const out: CurrentState['notApplicable'] = {};
  for (const c of CAPABILITIES) {
    const reason = pp.notApplicable(c);
    if (reason) out[c] = reason;
  }
  return out;
}

/** The custom parameter group dbops wants (RDS MySQL), with the values of the parameters it sets. */
export async function readParameterGroup(pp: ProvisionProvider, desired: DesiredState): Promise<CurrentState['parameterGroup']> {
  const want = desired.parameterGroup;
  if (!want.custom || !pp.parameterGroups) return undefined;
  const found = await pp.parameterGroups.findParameterGroup(want.name);
  if (!found) return undefined;
  const values = pp.database.parameterValues ? await pp.database.parameterValues(want.name, Object.keys(want.parameters)) : {};
  return { ...found, values };
}

/** The connection layer and, for an RDS Proxy without connectionPool.roleArn, its IAM role. */
export async function readPool(
  desired: DesiredState,
  pooler: PoolerApi | undefined,
): Promise<Pick<CurrentState, 'pool' | 'poolRole' | 'poolNotApplicable'>> {
  const want = desired.pool;
  if (!want) return {};
  if (!pooler) return { poolNotApplicable: 'no connection layer on this provider' };
  const pool = await pooler.find(desired.database.id);
  const roleName = pool?.roleArn ? roleNameOf(pool.roleArn) : want.roleName;
  const poolRole = want.kind === 'rds-proxy' && !want.roleArn && roleName && pooler.findRole ? await pooler.findRole(roleName) : undefined;
  return { ...(pool ? { pool } : {}), ...(poolRole ? { poolRole } : {}) };
}

/** What exists now; `pooler` is the connection layer's port when connectionPool.enabled. */
export async function readCurrent(
  pp: ProvisionProvider,
  desired: DesiredState,
  s: ProvisionSettings,
  pooler?: PoolerApi,
): Promise<CurrentState> {
  const dbId = desired.database.id;
  const [securityGroup, parameterGroup, database, replica, cache, topic, alarms] = await Promise.all([
    desired.securityGroup && pp.network ? pp.network.findSecurityGroup(desired.securityGroup.name) : undefined,
    readParameterGroup(pp, desired),
    pp.database.findDatabase(dbId),
    pp.database.findDatabase(s.replicaId),
    s.cacheServerless ? pp.serverlessCache?.findServerlessCache(s.cacheId) : pp.cache ? pp.cache.findCache(s.cacheId) : undefined,
    pp.notifications ? pp.notifications.findTopic(desired.topic.name) : undefined,
    pp.alarms ? pp.alarms.listAlarms(alarmPrefix(dbId)) : [],
  ]);
  // cache.kind serverless: its RBAC user and user group (read even with cache.enabled false, to clean them up).
  const rbac = s.cacheServerless ? pp.serverlessCache : undefined;
  const [cacheUser, cacheUserGroup] = rbac
    ? await Promise.all([rbac.findCacheUser(serverlessUserId(s.cacheId)), rbac.findUserGroup(serverlessUserGroupId(s.cacheId))])
    : [undefined, undefined];
  const known = new Set(knownAlarmNames(dbId));
  const clusters = pp.instances.clusters;
  const [cluster, writer] =
    desired.cluster && clusters
      ? await Promise.all([clusters.findCluster(desired.cluster.cluster.id), pp.database.findDatabase(desired.cluster.writer.instanceId)])
      : [undefined, undefined];
  let accountId: string | undefined;
  let budget: CurrentState['budget'];
  if (pp.budgets) {
    accountId = (await pp.identity()).accountId;
    budget = await pp.budgets.findBudget(accountId, desired.budget?.name ?? `${dbId}-monthly`);
  }
  return {
    ...(securityGroup ? { securityGroup } : {}),
    ...(parameterGroup ? { parameterGroup } : {}),
    ...(database && !desired.cluster ? { database } : {}),
    ...(cluster ? { cluster } : {}),
    ...(writer ? { writer } : {}),
    ...(desired.cluster && !clusters ? { clusterNotApplicable: `no Aurora clusters on the ${pp.name} provider` } : {}),
    // Only a replica of our database counts as "the replica".
    ...(replica && (replica.replicaSourceId === dbId || isManaged(replica.tags)) ? { replica } : {}),
    ...(cache ? { cache } : {}),
    ...(cacheUser ? { cacheUser } : {}),
    ...(cacheUserGroup ? { cacheUserGroup } : {}),
    ...(topic ? { topic } : {}),
    alarms: alarms.filter((a) => known.has(a.name)),
    ...(budget ? { budget } : {}),
    ...(await readPool(desired, pooler)),
    ...(accountId ? { accountId } : {}),
    notApplicable: notApplicableOf(pp),
  };
}
