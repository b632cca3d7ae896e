/**
 * The plan: a pure function (desired, current) -> ordered changes, in the dependency order
 * of seed 002: security group, parameter group, database instance (and replica), cache,
 * SNS topic and its email subscription, CloudWatch alarms, budget.
 */
import type { AlarmSpec, Capability, ResourceKind } from '../providers/provision-types.js';
import { DEFAULTS } from '../config/defaults.js';
import { alarmPrefix, desiredAlarms, firstNodeId } from './alarms.js';
import { provisionSettings } from './settings.js';
import { isManaged, simple } from './change.js';
import type { DesiredState } from './desired.js';
import { diffCluster, diffWriter } from './diff-cluster.js';
import { diffDatabase } from './diff-database.js';
import {
  diffAlarms,
  diffParameterGroup,
  diffBudget,
  diffCache,
  diffPool,
  diffReplica,
  diffSecurityGroup,
  diffSubscriptions,
  diffTopic,
} from './diff-resources.js';
import { PENDING_ACTIONS, type Change, type CurrentState, type Plan } from './plan-types.js';
import type { ProvisionSettings } from './settings.js';

/** Placeholder ids of resources the plan would create, so later rows can refer to them. */
export function newRef(kind: string, name: string): string {
  return `(new ${kind} ${name})`;
}

/** The security groups the database and cache should have, given what exists. */
export function groupIds(desired: DesiredState, current: CurrentState): string[] | undefined {
  if (desired.externalSecurityGroupIds) return desired.externalSecurityGroupIds;
  if (!desired.securityGroup) return undefined;
  return [current.securityGroup?.id ?? newRef('security group', desired.securityGroup.name)];
}

/** The alarms wanted, with the topic's ARN when it exists (a placeholder otherwise). */
export function wantedAlarms(desired: DesiredState, s: ProvisionSettings, topicArn: string | undefined): AlarmSpec[] {
  return desiredAlarms(
    {
      dbId: desired.database.id,
      instanceClass: desired.database.instanceClass,
      allocatedStorageGb: desired.database.allocatedStorageGb,
      ...(desired.cluster ? { clusterMaxAcu: desired.cluster.cluster.serverless.maxCapacity } : {}),
      // A serverless cache has no node (CPUUtilization by CacheClusterId): no cache alarms.
      ...(desired.cache && !desired.cache.serverless ? { cacheClusterId: firstNodeId(desired.cache.id) } : {}),
      topicArn: topicArn ?? newRef('topic', desired.topic.name),
    },
    s,
  );
}

/** Alarm names do not depend on thresholds; any settings list every name. */
const SETTINGS_FOR_NAMES = provisionSettings(DEFAULTS);

/** Every alarm name dbops may have made for this database (with or without a cache). */
export function knownAlarmNames(dbId: string): string[] {
  return desiredAlarms({ dbId, instanceClass: 'db.t3.micro', allocatedStorageGb: 20, cacheClusterId: 'x' }, SETTINGS_FOR_NAMES).map(
    (a) => a.name,
  );
}

function notApplicable(kind: ResourceKind, id: string, reason: string | undefined): Change {
  return simple(kind, id, 'not-applicable', [reason ?? 'not applicable on this provider']);
}

function securityGroupRows(desired: DesiredState, current: CurrentState): Change[] {
  if (current.notApplicable.network) return [notApplicable('security-group', `${desired.database.id}-sg`, current.notApplicable.network)];
  if (desired.externalSecurityGroupIds) {
    return [
      simple('security-group', desired.externalSecurityGroupIds.join(','), 'no-op', [
        'named in database.vpcSecurityGroupIds: managed outside dbops',
      ]),
    ];
  }
  return desired.securityGroup ? [diffSecurityGroup(desired.securityGroup, current.securityGroup)] : [];
}

function parameterGroupRow(desired: DesiredState, current: CurrentState): Change {
  const want = desired.parameterGroup;
  const reason = current.notApplicable['parameter-group'];
  if (reason) return notApplicable('parameter-group', want.name, reason);
  if (!want.custom)
    return simple('parameter-group', want.name, 'no-op', ['the default parameter group: no custom parameters are configured']);
  return diffParameterGroup(want, current.parameterGroup);
}

function cacheRows(desired: DesiredState, current: CurrentState, s: ProvisionSettings): Change[] {
  const reason = current.notApplicable.cache;
  if (reason) return desired.cache ? [notApplicable('cache', desired.cache.id, reason)] : [];
  const change = diffCache(desired.cache, current.cache, desired.provider, groupIds(desired, current), s.cacheId);
  return [...rbacRows(desired, current), ...(change ? [change] : [])];
}

/**
 * A serverless cache's RBAC user (user name default, its password the cache's AUTH token) and
 * user group: made before the cache, which names the group; removed after it when the cache goes.
 */
function rbacRows(desired: DesiredState, current: CurrentState): Change[] {
  const { cacheUser: user, cacheUserGroup: group } = current;
  const sl = desired.cache?.serverless;
  if (!sl) {
    // A cache dbops leaves alone (not its own) may name the group: then the group and user stay too.
    if (current.cache?.serverless?.userGroupId && current.cache.serverless.userGroupId === group?.id && !isManaged(current.cache.tags))
      return [];
    const gone = (kind: 'cache-user' | 'cache-user-group', x: { id: string; tags: Record<string, string> } | undefined) =>
      x && isManaged(x.tags) ? [simple(kind, x.id, 'delete', ['no serverless cache: its access control goes with it'])] : [];
    return [...gone('cache-user-group', group), ...gone('cache-user', user)];
  }
  // Another's user or group of these ids: dbops would not know the password clients need, so it stops there.
  const theirs = (kind: 'cache-user' | 'cache-user-group', id: string) =>
    simple(kind, id, 'blocked', ['exists but was not created by dbops: the stored AUTH token would not open the cache']);
  return [
    !user
      ? simple('cache-user', sl.userId, 'create', ['user name default; its password is the cache AUTH token, kept as a secret'])
      : isManaged(user.tags)
        ? simple('cache-user', sl.userId, 'no-op')
        : theirs('cache-user', sl.userId),
    !group
      ? simple('cache-user-group', sl.userGroupId, 'create', [`Valkey user group holding ${sl.userId}; the cache admits only its users`])
      : isManaged(group.tags)
        ? simple('cache-user-group', sl.userGroupId, 'no-op')
        : theirs('cache-user-group', sl.userGroupId),
  ];
}

function monitoringRows(desired: DesiredState, current: CurrentState, s: ProvisionSettings): Change[] {
  const na = (c: Capability) => current.notApplicable[c];
  const rows: Change[] = [];
  if (na('notifications')) rows.push(notApplicable('sns-topic', desired.topic.name, na('notifications')));
  else rows.push(diffTopic(desired.topic.name, current.topic), ...diffSubscriptions(desired.topic.email, current.topic));
  if (na('alarms')) rows.push(notApplicable('alarm', alarmPrefix(desired.database.id) + '*', na('alarms')));
  else {
    const wanted = wantedAlarms(desired, s, current.topic?.arn);
    rows.push(...diffAlarms(wanted, current.alarms, knownAlarmNames(desired.database.id)));
  }
  const budgetName = desired.budget?.name ?? `${desired.database.id}-monthly`;
  if (na('budgets')) rows.push(notApplicable('budget', budgetName, na('budgets')));
  else {
    const b = diffBudget(desired.budget, current.budget, budgetName);
    if (b) rows.push(b);
  }
  return rows;
}

/** The database rows: the instance, or the Aurora cluster and its writer. */
function databaseRows(desired: DesiredState, current: CurrentState): Change[] {
  if (!desired.cluster) {
    return [
      diffDatabase({
        desired: desired.database,
        current: current.database,
        provider: desired.provider,
        securityGroupIds: groupIds(desired, current),
      }),
    ];
  }
  if (current.clusterNotApplicable) {
    return [notApplicable('db-cluster', desired.cluster.cluster.id, current.clusterNotApplicable)];
  }
  return [
    diffCluster({ desired: desired.cluster.cluster, current: current.cluster, securityGroupIds: groupIds(desired, current) }),
    diffWriter(desired.cluster.writer, current.writer),
  ];
}

export function computePlan(desired: DesiredState, current: CurrentState, s: ProvisionSettings): Plan {
  const changes: Change[] = [
    ...securityGroupRows(desired, current),
    parameterGroupRow(desired, current),
    ...databaseRows(desired, current),
  ];
  const replica = diffReplica(desired.replica, current.replica, s.replicaId);
  if (replica) changes.push(replica);
  changes.push(...diffPool(desired.pool, current));
  changes.push(...cacheRows(desired, current, s), ...monitoringRows(desired, current, s));
  return {
    provider: desired.provider,
    region: desired.region,
    changes,
    pending: changes.filter((c) => PENDING_ACTIONS.has(c.action)).length,
    ...(desired.copies
      ? { copies: { region: desired.copies.region, kmsKeyId: desired.copies.kmsKey.kmsKeyId, keySource: desired.copies.kmsKey.source } }
      : {}),
    warnings: desired.warnings,
  };
}
