/**
 * `dbops provision destroy`: removes, in reverse dependency order, only what dbops
 * created (the dbops:managed tag proves it), following runbooks/provision-destroy.md.
 * The database gets a final snapshot unless told otherwise; deletion protection stops
 * the whole destroy before anything is deleted unless --ignore-deletion-protection
 * (then it is turned off first, after confirmation).
 */
import { compactTimestamp } from '../instances/instances.js';
import { UsageError } from '../errors.js';
import { plural } from '../output/format.js';
import type { ResourceKind } from '../providers/provision-types.js';
import type { WaitOptions } from '../providers/types.js';
import { runRunbook, type RunbookRun, type RunReport, type StepHandle } from '../runbook/runner.js';
import { isManaged } from './change.js';
import type { PoolerApi } from '../providers/failover-types.js';
import type { ProvisionDeps } from './deps.js';
import { desiredState, type DesiredState } from './desired.js';
import type { CurrentState } from './plan-types.js';
import { readCurrent } from './read.js';
import { PROVISION_DESTROY } from './runbooks.js';
import { checkRegion } from './validate.js';
import { tagFinalSnapshot } from '../snapshots/final.js';

export interface DestroyOptions {
  skipFinalSnapshot: boolean;
  ignoreDeletionProtection: boolean;
}

/** One resource destroy would remove (or leave, with the reason). */
export interface DestroyItem {
  kind: ResourceKind;
  id: string;
  action: 'delete' | 'keep';
  reason?: string;
  /** Database: the final snapshot taken first. */
  finalSnapshotId?: string;
  /** Database: deletion protection is on and will be turned off first. */
  disableDeletionProtection?: boolean;
  /** An instance of an Aurora cluster (deleted before its cluster, never with a final snapshot of its own). */
  memberOf?: string;
}

export interface DestroyResult {
  dryRun: boolean;
  confirmed: boolean;
  items: DestroyItem[];
  report?: RunReport;
}

function item(kind: ResourceKind, id: string, tags: Record<string, string> | undefined): DestroyItem {
  return isManaged(tags)
    ? { kind, id, action: 'delete' }
    : { kind, id, action: 'keep', reason: 'not created by dbops (no dbops:managed=true tag)' };
}

/** The destroy list, in reverse dependency order. Pure. */
export function destroyPlan(current: CurrentState, opts: DestroyOptions & { now: Date }): DestroyItem[] {
  const out: DestroyItem[] = [];
  if (current.budget) out.push(item('budget', current.budget.name, current.budget.tags));
  for (const a of current.alarms) out.push({ kind: 'alarm', id: a.name, action: 'delete' });
  if (current.topic) out.push(item('sns-topic', current.topic.name, current.topic.tags));
  if (current.cache) out.push(item('cache', current.cache.id, current.cache.tags));
  // A serverless cache's access control, after the cache that names it (kept while a kept cache names it).
  const inUse = current.cache && !isManaged(current.cache.tags) && current.cache.serverless?.userGroupId;
  const rbacItem = (kind: ResourceKind, x: { id: string; tags: Record<string, string> }): DestroyItem =>
    inUse && inUse === current.cacheUserGroup?.id
      ? { kind, id: x.id, action: 'keep', reason: `the kept cache ${current.cache!.id} uses it` }
      : item(kind, x.id, x.tags);
  if (current.cacheUserGroup) out.push(rbacItem('cache-user-group', current.cacheUserGroup));
  if (current.cacheUser) out.push(rbacItem('cache-user', current.cacheUser));
  if (current.replica) out.push(item('read-replica', current.replica.id, current.replica.tags));
  out.push(...clusterItems(current, opts));
  const db = current.database;
  if (db) {
    const base = item('db-instance', db.id, db.tags);
    if (base.action === 'delete' && !opts.skipFinalSnapshot) base.finalSnapshotId = `${db.id}-final-${compactTimestamp(opts.now)}`;
    if (base.action === 'delete' && db.deletionProtection) base.disableDeletionProtection = true;
    out.push(base);
  }
  const group = current.parameterGroup;
  if (group) {
    const base = item('parameter-group', group.name, group.tags);
    const user = db && db.parameterGroup === group.name && !isManaged(db.tags) ? db.id : undefined;
    out.push(
      base.action === 'delete' && user ? { ...base, action: 'keep', reason: `DB instance ${user} (not created by dbops) uses it` } : base,
    );
  }
  if (current.securityGroup) out.push(item('security-group', current.securityGroup.id, current.securityGroup.tags));
  return out;
}

/**
 * An Aurora cluster: its writer first, then the cluster with a final cluster snapshot.
 * A cluster with members dbops did not create stays (RDS would refuse to delete it anyway).
 */
function clusterItems(current: CurrentState, opts: DestroyOptions & { now: Date }): DestroyItem[] {
  const cluster = current.cluster;
  if (!cluster) return [];
  const out: DestroyItem[] = [];
  const writer = current.writer;
  if (writer?.clusterId === cluster.id) out.push({ ...item('db-instance', writer.id, writer.tags), memberOf: cluster.id });
  const base = item('db-cluster', cluster.id, cluster.tags);
  // A reader dbops made goes first (PD-6); any other instance keeps the cluster.
  const reader = current.replica && isManaged(current.replica.tags) ? current.replica.id : undefined;
  const others = cluster.members.filter((m) => m.instanceId !== writer?.id && m.instanceId !== reader).map((m) => m.instanceId);
  const writerKept = out.some((i) => i.action === 'keep');
  if (base.action === 'delete' && (others.length > 0 || writerKept)) {
    const kept = writerKept ? [writer!.id, ...others] : others;
    return [...out, { ...base, action: 'keep', reason: `it has instances dbops did not create (${kept.join(', ')})` }];
  }
  if (base.action === 'delete' && !opts.skipFinalSnapshot) base.finalSnapshotId = `${cluster.id}-final-${compactTimestamp(opts.now)}`;
  if (base.action === 'delete' && cluster.deletionProtection) base.disableDeletionProtection = true;
  return [...out, base];
}

/** Deletion protection blocks the destroy unless the caller said to ignore it. */
export function protectionRefusal(items: DestroyItem[], opts: DestroyOptions): UsageError | undefined {
  const db = items.find((i) => (i.kind === 'db-instance' || i.kind === 'db-cluster') && i.disableDeletionProtection);
  if (!db || opts.ignoreDeletionProtection) return undefined;
  const what = db.kind === 'db-cluster' ? 'DB cluster' : 'DB instance';
  return new UsageError(`${what} ${db.id} has deletion protection on; nothing was destroyed.`, {
    hint: 'Set database.deletionProtection: false and run `dbops provision apply`, or pass --ignore-deletion-protection to turn it off first.',
  });
}

interface DestroyState {
  /** The RDS Proxy to delete (PD-10); a local pgbouncer goes with its instance. */
  proxy?: { name: string; pooler: PoolerApi };
  deps: ProvisionDeps;
  desired: DesiredState;
  current: CurrentState;
  items: DestroyItem[];
}

function waitOpts(st: DestroyState, s: StepHandle): WaitOptions {
  return { maxWaitSeconds: st.deps.maxWaitSeconds, signal: st.deps.signal, onProgress: (status) => s.update(status) };
}

function toDelete(st: DestroyState, kind: ResourceKind): DestroyItem[] {
  return st.items.filter((i) => i.kind === kind && i.action === 'delete');
}

async function stepOrSkip(run: RunbookRun, id: string, items: DestroyItem[], fn: (s: StepHandle) => Promise<void>): Promise<void> {
  if (items.length === 0) return run.skip(id, 'nothing dbops created');
  await run.step(id, async (s) => {
    await fn(s);
    s.detail(`deleted ${items.map((i) => i.id).join(', ')}`);
  });
}

async function destroySteps(run: RunbookRun, st: DestroyState): Promise<void> {
  const { pp } = st.deps;
  const account = st.current.accountId ?? '';
  await stepOrSkip(run, 'PD-2', toDelete(st, 'budget'), async () => {
    for (const b of toDelete(st, 'budget')) await pp.budgets!.deleteBudget(account, b.id);
  });
  const alarms = await managedAlarms(st);
  await stepOrSkip(run, 'PD-3', alarms, async () => pp.alarms!.deleteAlarms(alarms.map((a) => a.id)));
  await stepOrSkip(run, 'PD-4', toDelete(st, 'sns-topic'), async () => pp.notifications!.deleteTopic(st.current.topic!.arn));
  const serverless = st.current.cache?.kind === 'serverless';
  await stepOrSkip(run, 'PD-5', serverless ? [] : toDelete(st, 'cache'), async (s) => {
    const id = st.current.cache!.id;
    await pp.cache!.deleteCache(id);
    await pp.cache!.waitForCache(id, 'deleted', waitOpts(st, s));
    await pp.cache!.deleteAuthToken(id);
  });
  const serverlessItems = [
    ...(serverless ? toDelete(st, 'cache') : []),
    ...toDelete(st, 'cache-user-group'),
    ...toDelete(st, 'cache-user'),
  ];
  await stepOrSkip(run, 'PD-14', serverlessItems, async (s) => {
    const api = pp.serverlessCache!;
    if (serverless && toDelete(st, 'cache').length > 0) {
      const id = st.current.cache!.id;
      await api.deleteServerlessCache(id);
      await api.waitForServerlessCache(id, 'deleted', waitOpts(st, s));
    }
    // Then its user group (a group still attached to a cache cannot go), then the user, then its password.
    for (const g of toDelete(st, 'cache-user-group')) {
      await api.deleteUserGroup(g.id);
      await api.waitForUserGroup(g.id, 'deleted', waitOpts(st, s));
    }
    if (toDelete(st, 'cache-user').length > 0) {
      for (const u of toDelete(st, 'cache-user')) await api.deleteCacheUser(u.id);
      await pp.cache!.deleteAuthToken(st.deps.settings.cacheId);
    }
  });
  const proxy = st.proxy;
  await stepOrSkip(run, 'PD-10', proxy ? toDelete(st, 'connection-pool') : [], async () => proxy!.pooler.remove(proxy!.name));
  await stepOrSkip(run, 'PD-6', toDelete(st, 'read-replica'), async (s) => {
    const id = st.current.replica!.id;
    await pp.instances.deleteInstance(id, { skipFinalSnapshot: true });
    await pp.instances.waitForInstance(id, 'deleted', waitOpts(st, s));
  });
  const db = toDelete(st, 'db-instance').find((i) => !i.memberOf);
  const cluster = toDelete(st, 'db-cluster')[0];
  const clusters = pp.instances.clusters;
  if (db?.disableDeletionProtection) {
    await run.step('PD-7', async (s) => {
      await pp.database.modifyDatabase(db.id, { deletionProtection: false, applyImmediately: true });
      await pp.instances.waitForInstance(db.id, 'available', waitOpts(st, s));
      s.detail(`deletion protection of ${db.id} turned off`);
    });
  } else if (cluster?.disableDeletionProtection && clusters) {
    await run.step('PD-7', async (s) => {
      await clusters.modifyCluster(cluster.id, { deletionProtection: false, applyImmediately: true });
      await clusters.waitForCluster(cluster.id, 'available', waitOpts(st, s));
      s.detail(`deletion protection of cluster ${cluster.id} turned off`);
    });
  } else run.skip('PD-7', 'deletion protection is off');
  await stepOrSkip(run, 'PD-8', db ? [db] : [], async (s) => {
    await pp.instances.deleteInstance(db!.id, {
      skipFinalSnapshot: !db!.finalSnapshotId,
      ...(db!.finalSnapshotId ? { finalSnapshotId: db!.finalSnapshotId } : {}),
    });
    await pp.instances.waitForInstance(db!.id, 'deleted', waitOpts(st, s));
    if (db!.finalSnapshotId) await tagFinalSnapshot(pp.instances, db!.finalSnapshotId, run.runId);
  });
  const members = toDelete(st, 'db-instance').filter((i) => i.memberOf);
  await stepOrSkip(run, 'PD-11', members, async (s) => {
    for (const m of members) await pp.instances.deleteInstance(m.id, { skipFinalSnapshot: true });
    for (const m of members) await pp.instances.waitForInstance(m.id, 'deleted', waitOpts(st, s));
  });
  await stepOrSkip(run, 'PD-12', cluster && clusters ? [cluster] : [], async (s) => {
    await clusters!.deleteCluster(cluster!.id, {
      skipFinalSnapshot: !cluster!.finalSnapshotId,
      ...(cluster!.finalSnapshotId ? { finalSnapshotId: cluster!.finalSnapshotId } : {}),
    });
    await clusters!.waitForCluster(cluster!.id, 'deleted', waitOpts(st, s));
  });
  await stepOrSkip(run, 'PD-13', toDelete(st, 'parameter-group'), async () => {
    for (const g of toDelete(st, 'parameter-group')) await pp.parameterGroups!.deleteParameterGroup(g.id);
  });
  await stepOrSkip(run, 'PD-9', toDelete(st, 'security-group'), async () => pp.network!.deleteSecurityGroup(st.current.securityGroup!.id));
}

/** Alarms are tagged one by one: only those carrying dbops:managed are deleted. */
async function managedAlarms(st: DestroyState): Promise<DestroyItem[]> {
  const api = st.deps.pp.alarms;
  const out: DestroyItem[] = [];
  for (const i of toDelete(st, 'alarm')) {
    const alarm = st.current.alarms.find((a) => a.name === i.id);
    if (api && alarm?.arn && isManaged(await api.alarmTags(alarm.arn))) out.push(i);
    else {
      i.action = 'keep';
      i.reason = 'not created by dbops (no dbops:managed=true tag)';
    }
  }
  return out;
}

function question(st: DestroyState): string {
  const list = st.items.filter((i) => i.action === 'delete');
  const db = list.find((i) => i.kind === 'db-cluster') ?? list.find((i) => i.kind === 'db-instance' && !i.memberOf);
  const snap = db ? (db.finalSnapshotId ? ` (final snapshot ${db.finalSnapshotId})` : ' WITHOUT a final snapshot') : '';
  const dp = db?.disableDeletionProtection ? ', turning its deletion protection off first' : '';
  return `Destroy ${plural(list.length, 'resource')} in ${st.deps.pp.region}: ${list.map((i) => `${i.kind} ${i.id}`).join(', ')}${snap}${dp}?`;
}

const LATER = ['PD-2', 'PD-3', 'PD-4', 'PD-5', 'PD-10', 'PD-6', 'PD-7', 'PD-8', 'PD-11', 'PD-12', 'PD-13', 'PD-9'];

/** The configured RDS Proxy in front of the database, when it exists (local pgbouncers are removed with their instance). */
async function configuredProxy(deps: ProvisionDeps, desired: DesiredState): Promise<{ name: string; pooler: PoolerApi } | undefined> {
  const cp = deps.config.connectionPool;
  if (!cp.enabled) return undefined;
  const pooler = await deps.pooler?.();
  if (pooler?.kind !== 'rds-proxy') return undefined;
  const found = await pooler.find(desired.database.id);
  return found ? { name: found.name, pooler } : undefined;
}

export async function destroyProvision(deps: ProvisionDeps, opts: DestroyOptions): Promise<DestroyResult> {
  await checkRegion(deps.pp, deps.config.region);
  const { value, report } = await runRunbook(PROVISION_DESTROY, { out: deps.out, clock: deps.clock, signal: deps.signal }, async (run) => {
    const st = await run.step('PD-1', async (s) => {
      const desired = desiredState(deps.config, deps.settings, run.runId);
      const current = await readCurrent(deps.pp, desired, deps.settings);
      const items = destroyPlan(current, { ...opts, now: deps.clock.now() });
      const proxy = await configuredProxy(deps, desired);
      // The proxy goes before the database it fronts; its IAM role goes with it when dbops created it.
      if (proxy)
        items.unshift({
          kind: 'connection-pool',
          id: proxy.name,
          action: 'delete',
          reason: 'RDS Proxy, then its IAM role when dbops created it',
        });
      const refused = protectionRefusal(items, opts);
      if (refused) throw refused;
      s.detail(`${items.filter((i) => i.action === 'delete').length} to delete, ${items.filter((i) => i.action === 'keep').length} kept`);
      return { deps, desired, current, items, ...(proxy ? { proxy } : {}) } satisfies DestroyState;
    });
    const none = st.items.every((i) => i.action !== 'delete');
    if (deps.dryRun || none) {
      for (const id of LATER) run.skip(id, deps.dryRun ? 'dry run' : 'nothing to destroy');
      return { dryRun: deps.dryRun, confirmed: false, items: st.items };
    }
    if (!(await deps.prompt.confirm(question(st)))) {
      for (const id of LATER) run.skip(id, 'not confirmed');
      return { dryRun: false, confirmed: false, items: st.items };
    }
    await destroySteps(run, st);
    return { dryRun: false, confirmed: true, items: st.items };
  });
  return { ...value, report };
}
