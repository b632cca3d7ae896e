/**
 * Desired vs current for everything but the database: security group, read replica,
 * cache, SNS topic and subscription, alarms, budget. Pure; one small function each.
 */
import type {
  Alarm,
  AlarmSpec,
  Budget,
  BudgetNotification,
  BudgetSpec,
  CacheState,
  IngressRule,
  ParameterGroupState,
  SecurityGroup,
  Topic,
} from '../providers/provision-types.js';
import type { ProviderName } from '../providers/types.js';
import type { DatabaseState } from '../providers/provision-types.js';
import { changeOf, field, guardUnmanaged, isManaged, sameSet, simple } from './change.js';
import { roleNameOf, type PoolerState, type PoolRole } from '../providers/failover-types.js';
import type { DesiredCache, DesiredParameterGroup, DesiredPool, DesiredSecurityGroup } from './desired.js';
import type { Change, FieldChange } from './plan-types.js';

/**
 * A custom DB parameter group: create it, set the parameters that differ (dynamic ones,
 * applied at once, no reboot), or nothing. A group of another family (an engine major
 * dbops does not manage) cannot be changed into this one: replace, which apply refuses.
 */
export function diffParameterGroup(
  desired: Extract<DesiredParameterGroup, { custom: true }>,
  current: (ParameterGroupState & { values: Record<string, string | undefined> }) | undefined,
): Change {
  const set = Object.entries(desired.parameters)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  if (!current) return simple('parameter-group', desired.name, 'create', [`family ${desired.family}; ${set}`]);
  const fields: FieldChange[] = [];
  if (current.family !== '' && current.family !== desired.family)
    fields.push(
      field('family', current.family, desired.family, {
        replace: true,
        note: 'the family of a parameter group cannot be changed: delete it by hand once no instance uses it',
      }),
    );
  for (const [name, value] of Object.entries(desired.parameters)) {
    const have = current.values[name];
    if (have !== value)
      fields.push(
        field(`parameters.${name}`, have ?? '(engine default)', value, { note: 'dynamic parameter: applied at once, no reboot' }),
      );
  }
  return guardUnmanaged(changeOf('parameter-group', desired.name, fields, fields.length === 0 ? [`in sync: ${set}`] : []), current.tags);
}

/**
 * The connection layer's rows: the pooler (pgbouncer / RDS Proxy) and, for an RDS Proxy
 * without connectionPool.roleArn, the IAM role dbops creates for it. Pure.
 */
export function diffPool(
  desired: DesiredPool | undefined,
  current: { pool?: PoolerState; poolRole?: PoolRole; poolNotApplicable?: string },
): Change[] {
  if (!desired) return [];
  if (current.poolNotApplicable) return [simple('connection-pool', desired.name, 'not-applicable', [current.poolNotApplicable])];
  const p = current.pool;
  const rows: Change[] = [];
  if (!p) rows.push(simple('connection-pool', desired.name, 'create', [`${desired.kind} in front of ${desired.targetId}`]));
  else if (!p.running) rows.push(simple('connection-pool', desired.name, 'modify', [`${desired.kind} is not running: apply starts it`]));
  else if (p.targetId !== desired.targetId)
    rows.push(simple('connection-pool', desired.name, 'modify', [`no target: apply registers ${desired.targetId}`]));
  else
    rows.push(
      simple('connection-pool', desired.name, 'no-op', [
        `in sync: ${desired.kind} at ${p.endpoint.host}:${p.endpoint.port} -> ${p.targetId}`,
      ]),
    );
  if (desired.kind !== 'rds-proxy') return rows;
  if (desired.roleArn) {
    rows.push(simple('iam-role', roleNameOf(desired.roleArn), 'no-op', ['connectionPool.roleArn: managed outside dbops']));
    return rows;
  }
  const role = current.poolRole;
  const name = role?.name ?? desired.roleName ?? '';
  if (!role)
    rows.push(
      simple('iam-role', name, 'create', ['trusted by rds.amazonaws.com; secretsmanager:GetSecretValue on the master secret only']),
    );
  else if (role.managed) rows.push(simple('iam-role', name, 'no-op', ['in sync: created by dbops for the proxy']));
  else if (p) rows.push(simple('iam-role', name, 'no-op', ['the proxy uses it; not created by dbops']));
  else
    rows.push(
      simple('iam-role', name, 'blocked', [
        'exists and was not created by dbops (no dbops:managed=true tag): dbops does not modify it; name it in connectionPool.roleArn to use it',
      ]),
    );
  return rows;
}

export function ruleKey(r: IngressRule): string {
  return `${r.port}/${r.cidr}`;
}

export function diffSecurityGroup(desired: DesiredSecurityGroup, current: SecurityGroup | undefined): Change {
  if (!current)
    return simple('security-group', desired.name, 'create', desired.ingress.length === 0 ? ['no ingress rules: private only'] : []);
  const want = desired.ingress.map(ruleKey).sort();
  const have = current.ingress.map(ruleKey).sort();
  const fields = sameSet(want, have) ? [] : [field('ingress', have, want, { note: 'rules are added and revoked in place' })];
  return guardUnmanaged(changeOf('security-group', desired.name, fields), current.tags);
}

export function diffReplica(
  desired: { id: string; instanceClass: string } | undefined,
  current: DatabaseState | undefined,
  replicaId: string,
): Change | undefined {
  if (!desired && !current) return undefined;
  if (!desired) {
    const change = simple('read-replica', replicaId, 'delete', [
      'database.readReplica is off: the replica is deleted (its data is a copy of the primary)',
    ]);
    return isManaged(current!.tags)
      ? change
      : simple('read-replica', replicaId, 'no-op', ['exists but was not created by dbops; left alone']);
  }
  if (!current) return simple('read-replica', desired.id, 'create');
  const fields =
    desired.instanceClass === current.instanceClass
      ? []
      : [field('instanceClass', current.instanceClass, desired.instanceClass, { downtime: true, deferrable: true })];
  return guardUnmanaged(changeOf('read-replica', desired.id, fields), current.tags);
}

function minorOf(v: string): string {
  return v.split('.').slice(0, 2).join('.');
}

/** The current values the endpoint did not report: noted, never compared (unknown is not a difference). */
function unknownNote(c: CacheState, local: boolean): string[] {
  const names = [
    c.engineVersion === undefined ? 'engine version' : '',
    !local && c.transitEncryption === undefined ? 'in-transit encryption' : '',
    !local && c.atRestEncryption === undefined ? 'at-rest encryption' : '',
    c.authEnabled === undefined ? 'AUTH' : '',
    !local && c.securityGroupIds === undefined ? 'security groups' : '',
  ].filter(Boolean);
  return names.length === 0
    ? []
    : [
        `the endpoint did not report the cache's ${names.join(', ')}: not compared (an unknown value is never a reason to change or replace)`,
      ];
}

function cacheFields(d: DesiredCache, c: CacheState, local: boolean): FieldChange[] {
  const out: FieldChange[] = [];
  const lost = { replace: true, dataLoss: true };
  if (d.nodeType !== c.nodeType && c.nodeType !== '')
    out.push(
      field(
        'nodeType',
        c.nodeType,
        d.nodeType,
        local
          ? { note: 'recorded only on the local provider' }
          : { downtime: true, note: 'the single node is scaled: a short interruption' },
      ),
    );
  if (!local && c.engineVersion !== undefined && minorOf(d.engineVersion) !== minorOf(c.engineVersion)) {
    const up = Number.parseFloat(minorOf(d.engineVersion)) > Number.parseFloat(minorOf(c.engineVersion));
    out.push(
      field(
        'engineVersion',
        c.engineVersion,
        d.engineVersion,
        up
          ? { downtime: true, note: 'engine upgrade: a short interruption' }
          : { ...lost, note: 'ElastiCache cannot downgrade: a new cache (contents lost)' },
      ),
    );
  }
  if (!local && c.transitEncryption !== undefined && d.transitEncryption !== c.transitEncryption)
    out.push(
      field('transitEncryption', c.transitEncryption, d.transitEncryption, {
        ...lost,
        note: 'set when the cache is created: a new cache (contents lost)',
      }),
    );
  if (!local && c.atRestEncryption !== undefined && d.atRestEncryption !== c.atRestEncryption)
    out.push(
      field('atRestEncryption', c.atRestEncryption, d.atRestEncryption, {
        ...lost,
        note: 'set when the cache is created: a new cache (contents lost)',
      }),
    );
  if (c.authEnabled !== undefined && d.auth !== c.authEnabled)
    out.push(
      field('authEnabled', c.authEnabled, d.auth, { ...lost, note: 'AUTH is set when the cache is created: a new cache (contents lost)' }),
    );
  return out;
}

/** A serverless cache: limits and security groups are modified in place; a lower major version is a new cache. */
function serverlessFields(d: NonNullable<DesiredCache['serverless']>, c: CacheState): FieldChange[] {
  const cur = c.serverless;
  if (!cur) return [];
  const out: FieldChange[] = [];
  if (cur.majorVersion !== '' && cur.majorVersion !== d.majorVersion) {
    const up = Number(d.majorVersion) > Number(cur.majorVersion);
    out.push(
      field(
        'majorVersion',
        cur.majorVersion,
        d.majorVersion,
        up
          ? { note: 'engine upgrade in place' }
          : { replace: true, dataLoss: true, note: 'ElastiCache cannot downgrade: a new cache (contents lost)' },
      ),
    );
  }
  if (cur.dataStorageMaxGb !== d.dataStorageMaxGb) out.push(field('dataStorageMaxGb', cur.dataStorageMaxGb, d.dataStorageMaxGb));
  if (cur.ecpuPerSecondMax !== d.ecpuPerSecondMax) out.push(field('ecpuPerSecondMax', cur.ecpuPerSecondMax, d.ecpuPerSecondMax));
  if (d.subnetIds && cur.subnetIds && !sameSet(d.subnetIds, cur.subnetIds))
    out.push(
      field('subnetIds', cur.subnetIds, d.subnetIds, {
        replace: true,
        dataLoss: true,
        note: 'set when the cache is created: a new cache (contents lost)',
      }),
    );
  return out;
}

export function diffCache(
  d: DesiredCache | undefined,
  c: CacheState | undefined,
  provider: ProviderName,
  groupIds: string[] | undefined,
  cacheId: string,
): Change | undefined {
  if (!d && !c) return undefined;
  if (!d) {
    if (!isManaged(c!.tags))
      return simple('cache', cacheId, 'no-op', ['cache.enabled is false; the existing cache was not created by dbops and is left alone']);
    return simple('cache', cacheId, 'delete', ['cache.enabled is false: the cache is deleted (its contents are lost)'], { dataLoss: true });
  }
  if (!c && d.serverless)
    return simple('cache', d.id, 'create', [
      `Valkey ${d.serverless.majorVersion} serverless: at most ${d.serverless.dataStorageMaxGb} GB stored and ${d.serverless.ecpuPerSecondMax} ECPUs per second`,
    ]);
  if (!c) return simple('cache', d.id, 'create', d.support.note && provider === 'aws' ? [d.support.note] : []);
  if (d.serverless) {
    const fields = serverlessFields(d.serverless, c);
    if (groupIds && c.securityGroupIds && !sameSet(groupIds, c.securityGroupIds))
      fields.push(field('securityGroupIds', c.securityGroupIds, groupIds));
    if (c.serverless && c.serverless.userGroupId !== d.serverless.userGroupId)
      fields.push(
        field('userGroupId', c.serverless.userGroupId ?? null, d.serverless.userGroupId, { note: 'access control attached in place' }),
      );
    return guardUnmanaged(changeOf('cache', d.id, fields, []), c.tags);
  }
  const local = provider === 'local';
  const fields = cacheFields(d, c, local);
  if (!local && groupIds && c.securityGroupIds && !sameSet(groupIds, c.securityGroupIds))
    fields.push(field('securityGroupIds', c.securityGroupIds, groupIds));
  const notes = [
    ...(c.kind === 'cache-cluster' ? ['a bare cache cluster (not a replication group): AUTH and TLS need a replication group'] : []),
    ...unknownNote(c, local),
  ];
  return guardUnmanaged(changeOf('cache', d.id, fields, notes), c.tags);
}

export function diffTopic(name: string, current: Topic | undefined): Change {
  if (!current) return simple('sns-topic', name, 'create');
  return guardUnmanaged(simple('sns-topic', name, 'no-op'), current.tags);
}

/** The email subscription, and any other email subscription to remove. */
export function diffSubscriptions(email: string | undefined, topic: Topic | undefined): Change[] {
  const emails = (topic?.subscriptions ?? []).filter((s) => s.protocol === 'email');
  const out: Change[] = [];
  if (email) {
    const found = emails.find((s) => s.endpoint.toLowerCase() === email.toLowerCase());
    if (!found) out.push(simple('sns-subscription', email, 'create', ['the recipient must confirm the email AWS sends']));
    else
      out.push(
        simple('sns-subscription', email, 'no-op', found.arn === 'PendingConfirmation' ? ['waiting for the recipient to confirm'] : []),
      );
  }
  if (topic && !isManaged(topic.tags)) return out;
  for (const s of emails) {
    if (email && s.endpoint.toLowerCase() === email.toLowerCase()) continue;
    const pending = s.arn === 'PendingConfirmation';
    out.push(
      simple(
        'sns-subscription',
        s.endpoint,
        pending ? 'no-op' : 'delete',
        pending ? ['no longer configured; unconfirmed, so SNS expires it in 3 days'] : ['no longer configured (alarms.email changed)'],
      ),
    );
  }
  return out;
}

function alarmFields(d: AlarmSpec, c: Alarm): FieldChange[] {
  const keys = ['namespace', 'metricName', 'statistic', 'periodSeconds', 'evaluationPeriods', 'threshold', 'comparison'] as const;
  const out: FieldChange[] = keys.filter((k) => d[k] !== c[k]).map((k) => field(k, c[k], d[k]));
  if (JSON.stringify(sortObj(d.dimensions)) !== JSON.stringify(sortObj(c.dimensions)))
    out.push(field('dimensions', c.dimensions, d.dimensions));
  if (!sameSet(d.actions, c.actions)) out.push(field('actions', c.actions, d.actions));
  return out;
}

function sortObj(o: Record<string, string>): [string, string][] {
  return Object.entries(o).sort(([a], [b]) => a.localeCompare(b));
}

/** Every desired alarm (create/modify/no-op), then dbops alarms no longer wanted (delete). */
export function diffAlarms(desired: AlarmSpec[], current: Alarm[], knownNames: string[]): Change[] {
  const byName = new Map(current.map((a) => [a.name, a]));
  const out = desired.map((d) => {
    const c = byName.get(d.name);
    return c ? changeOf('alarm', d.name, alarmFields(d, c)) : simple('alarm', d.name, 'create');
  });
  const wanted = new Set(desired.map((d) => d.name));
  for (const c of current) {
    if (!wanted.has(c.name) && knownNames.includes(c.name)) out.push(simple('alarm', c.name, 'delete', ['no longer configured']));
  }
  return out;
}

export function notificationKey(n: Pick<BudgetNotification, 'type' | 'thresholdPercent'>): string {
  return `${n.type}@${n.thresholdPercent}%`;
}

function notificationSignature(n: BudgetNotification): string {
  return `${notificationKey(n)}->${[...n.emails]
    .map((e) => e.toLowerCase())
    .sort()
    .join(',')}`;
}

export function diffBudget(desired: BudgetSpec | undefined, current: Budget | undefined, name: string): Change | undefined {
  if (!desired && !current) return undefined;
  if (!desired) {
    if (!isManaged(current!.tags))
      return simple('budget', name, 'no-op', ['budget.monthlyUsd is 0; the existing budget was not created by dbops and is left alone']);
    return simple('budget', name, 'delete', ['budget.monthlyUsd is 0: no budget']);
  }
  if (!current)
    return simple('budget', desired.name, 'create', desired.notifications.length === 0 ? ['no alert recipients: set alarms.email'] : []);
  const fields: FieldChange[] = [];
  if (desired.limitUsd !== current.limitUsd) fields.push(field('limitUsd', current.limitUsd, desired.limitUsd));
  const want = desired.notifications.map(notificationSignature).sort();
  const have = current.notifications.map(notificationSignature).sort();
  if (!sameSet(want, have)) fields.push(field('notifications', have, want));
  return guardUnmanaged(changeOf('budget', desired.name, fields), current.tags);
}
