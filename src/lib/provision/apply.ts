/**
 * `dbops provision apply`: executes the plan in dependency order, following
 * runbooks/provision-apply.md (PV-1 ... PV-10). Every resource is created with its tags
 * (nothing is ever half-tagged), each is waited for with progress, and the last step
 * plans again to prove there is nothing left to do. A failure reports what was done so
 * far; a rerun plans from what exists and continues.
 */
import { UsageError, asDbopsError, isDbopsError } from '../errors.js';
import type { BudgetNotification, CacheState } from '../providers/provision-types.js';
import type { Instance, WaitOptions } from '../providers/types.js';
import { replicationRegion } from '../backups/automated.js';
import { runRunbook, type RunbookRun, type RunReport, type StepHandle } from '../runbook/runner.js';
import { isManaged } from './change.js';
import type { PoolerApi } from '../providers/failover-types.js';
import type { ProvisionDeps } from './deps.js';
import { desiredState, type DesiredState } from './desired.js';
import { modifyClusterInput, modifyWriterInput } from './diff-cluster.js';
import { modifyInput } from './diff-database.js';
import { notificationKey } from './diff-resources.js';
import { computePlan, wantedAlarms } from './plan.js';
import type { Applied, Change, CurrentState, Plan } from './plan-types.js';
import { readCurrent } from './read.js';
import { PROVISION_APPLY } from './runbooks.js';
import { validateInput } from './validate.js';
import { plural } from '../output/format.js';

export interface ApplyOptions {
  /** ModifyDBInstance/ModifyReplicationGroup ApplyImmediately; otherwise the maintenance window. */
  applyImmediately: boolean;
  /** --allow-data-loss: changes that lose data (replace or delete a data store) may run; --yes alone never allows them. */
  allowDataLoss?: boolean;
}

export type { Applied };

export interface ApplyResult {
  dryRun: boolean;
  plan: Plan;
  applied: Applied[];
  /** The plan after apply: nothing pending when all went well. */
  after?: Plan;
  report?: RunReport;
}

/** What the steps share: the plan, what exists, ids learned on the way, the ledger. */
interface ApplyState {
  deps: ProvisionDeps;
  opts: ApplyOptions;
  desired: DesiredState;
  current: CurrentState;
  plan: Plan;
  applied: Applied[];
  securityGroupIds?: string[];
  topicArn?: string;
}

/** Reads the current state and plans; shared by plan and apply. */
/** The connection layer's port when connectionPool.enabled (the plan reads it). */
async function poolerOf(deps: ProvisionDeps): Promise<PoolerApi | undefined> {
  return deps.config.connectionPool.enabled ? await deps.pooler?.() : undefined;
}

export async function planFor(deps: ProvisionDeps, runId = 'plan'): Promise<{ desired: DesiredState; current: CurrentState; plan: Plan }> {
  const desired = desiredState(deps.config, deps.settings, runId);
  const current = await readCurrent(deps.pp, desired, deps.settings, await poolerOf(deps));
  return { desired, current, plan: computePlan(desired, current, deps.settings) };
}

function rows(plan: Plan, kind: Change['kind']): Change[] {
  return plan.changes.filter((c) => c.kind === kind);
}

function row(plan: Plan, kind: Change['kind']): Change | undefined {
  return rows(plan, kind)[0];
}

/** Blocked rows and database replacements stop apply before it changes anything. */
export function refusal(plan: Plan): UsageError | undefined {
  const blocked = plan.changes.find((c) => c.action === 'blocked');
  if (blocked) {
    return new UsageError(`${blocked.kind} ${blocked.id} exists but was not created by dbops; dbops will not change it.`, {
      hint: 'Rename the resource in the config (e.g. database.identifier), or change or delete the existing one by hand.',
    });
  }
  const group = plan.changes.find((c) => c.kind === 'parameter-group' && c.action === 'replace');
  if (group) {
    const family = group.fields.find((f) => f.field === 'family');
    return new UsageError(
      `Parameter group ${group.id} is of family ${String(family?.from)}, not ${String(family?.to)}; dbops cannot change a group's family.`,
      {
        hint: `Detach it from the instance and delete it by hand (\`aws rds delete-db-parameter-group --db-parameter-group-name ${group.id}\`), then apply again.`,
      },
    );
  }
  const db = plan.changes.find(
    (c) => (c.kind === 'db-instance' || c.kind === 'read-replica' || c.kind === 'db-cluster') && c.action === 'replace',
  );
  if (db) {
    const fields = db.fields
      .filter((f) => f.replace)
      .map((f) => f.field)
      .join(', ');
    return new UsageError(
      `Changing ${fields} of ${db.id} means replacing the ${db.kind === 'db-cluster' ? 'cluster' : 'instance'} and losing its data; dbops will not do that automatically.`,
      {
        hint: 'Follow runbooks/provision-apply.md, step PV-4 (snapshot, copy, restore), or revert the setting in the config.',
      },
    );
  }
  return undefined;
}

/** The changes that lose data (a data store replaced or deleted). */
export function dataLossChanges(plan: Plan): Change[] {
  return plan.changes.filter((c) => c.dataLoss && PENDING.has(c.action));
}

const PENDING: ReadonlySet<Change['action']> = new Set(['modify', 'replace', 'delete']);

/** A plan that loses data needs --allow-data-loss beyond --yes (and beyond a yes on the TTY). */
export function dataLossRefusal(plan: Plan, opts: ApplyOptions): UsageError | undefined {
  const lost = dataLossChanges(plan);
  if (lost.length === 0 || opts.allowDataLoss) return undefined;
  const what = lost
    .map(
      (c) =>
        `${c.action} ${c.kind} ${c.id}${
          c.fields.some((f) => f.dataLoss)
            ? ` (${c.fields
                .filter((f) => f.dataLoss)
                .map((f) => f.field)
                .join(', ')})`
            : ''
        }`,
    )
    .join('; ');
  return new UsageError(`This plan loses data: ${what}. Apply refuses that without --allow-data-loss.`, {
    hint: 'Read `dbops provision plan` (the rows marked DATA LOSS); revert the setting in the config, or rerun with --allow-data-loss if losing that data is intended.',
  });
}

/** What the confirmation question lists: deletions, replacements, immediate downtime. */
export function risky(plan: Plan, opts: ApplyOptions): Change[] {
  return plan.changes.filter(
    (c) => c.dataLoss || c.action === 'delete' || c.action === 'replace' || (c.downtime && opts.applyImmediately && c.action === 'modify'),
  );
}

function record(st: ApplyState, s: StepHandle, change: Change, detail: string): void {
  st.applied.push({ kind: change.kind, id: change.id, action: change.action, detail });
  s.detail(detail);
}

function waitOpts(st: ApplyState, s: StepHandle): WaitOptions {
  return {
    maxWaitSeconds: st.deps.maxWaitSeconds,
    signal: st.deps.signal,
    onProgress: (status, _ms, detail) => s.update(detail ? `${status} ${detail}` : status),
  };
}

async function securityGroupStep(run: RunbookRun, st: ApplyState): Promise<void> {
  const change = row(st.plan, 'security-group');
  const net = st.deps.pp.network;
  const sg = st.desired.securityGroup;
  if (!change || !net || !sg || change.action === 'not-applicable' || st.desired.externalSecurityGroupIds) {
    st.securityGroupIds = st.desired.externalSecurityGroupIds;
    run.skip('PV-2', change?.notes[0] ?? 'no security group to manage');
    return;
  }
  await run.step('PV-2', async (s) => {
    if (change.action === 'create') {
      const created = await net.createSecurityGroup({ ...sg, tags: st.desired.tags });
      st.securityGroupIds = [created.id];
      record(st, s, change, `created ${created.id} (${sg.ingress.length} ingress rules)`);
      return;
    }
    const existing = st.current.securityGroup!;
    st.securityGroupIds = [existing.id];
    if (change.action === 'modify') {
      await net.setIngress(existing, sg.ingress);
      record(st, s, change, `set ${sg.ingress.length} ingress rules on ${existing.id}`);
    } else s.detail(`${existing.id}: no change`);
  });
}

/** PV-3: the custom parameter group (RDS MySQL: family mysql8.0, require_secure_transport ON), before the instance that uses it. */
async function parameterGroupStep(run: RunbookRun, st: ApplyState): Promise<void> {
  const change = row(st.plan, 'parameter-group');
  const want = st.desired.parameterGroup;
  const api = st.deps.pp.parameterGroups;
  if (!change || !want.custom || !api || (change.action !== 'create' && change.action !== 'modify')) {
    run.skip('PV-3', change?.notes[0] ?? 'default parameter group');
    return;
  }
  await run.step('PV-3', async (s) => {
    if (change.action === 'create')
      await api.createParameterGroup({ name: want.name, family: want.family, description: want.description, tags: st.desired.tags });
    const values = change.action === 'create' ? want.parameters : changedParameters(change, want.parameters);
    await api.setParameters(want.name, values);
    const set = Object.entries(values)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    record(st, s, change, `${change.action === 'create' ? `created ${want.name} (${want.family}), ` : ''}set ${set}`);
  });
}

/** The parameters a modify row changes (fields "parameters.<name>"). */
function changedParameters(change: Change, wanted: Record<string, string>): Record<string, string> {
  const names = change.fields.filter((f) => f.field.startsWith('parameters.')).map((f) => f.field.slice('parameters.'.length));
  return Object.fromEntries(names.map((n) => [n, wanted[n]!]));
}

/** PV-12: the Aurora cluster (CreateDBCluster with the serverless range, or ModifyDBCluster). */
async function clusterStep(run: RunbookRun, st: ApplyState): Promise<void> {
  const desired = st.desired.cluster;
  const change = row(st.plan, 'db-cluster');
  const clusters = st.deps.pp.instances.clusters;
  if (!desired || !change || !clusters || change.action === 'not-applicable') {
    run.skip('PV-12', change?.notes[0] ?? 'the database is an instance (PV-4)');
    return;
  }
  await run.step('PV-12', async (s) => {
    const id = desired.cluster.id;
    if (change.action === 'create') {
      const groups = st.securityGroupIds ?? desired.cluster.vpcSecurityGroupIds;
      await clusters.createCluster({ ...desired.cluster, ...(groups ? { vpcSecurityGroupIds: groups } : {}) });
      st.applied.push({ kind: change.kind, id, action: 'create', detail: 'create requested' });
    } else if (change.action === 'modify') {
      const fields = change.fields.map((f) => (f.field === 'vpcSecurityGroupIds' ? { ...f, to: st.securityGroupIds ?? f.to } : f));
      await clusters.modifyCluster(id, modifyClusterInput(fields, desired.cluster, st.opts.applyImmediately));
      st.applied.push({ kind: change.kind, id, action: 'modify', detail: `modified ${fields.map((f) => f.field).join(', ')}` });
    }
    const ready = await clusters.waitForCluster(id, 'available', waitOpts(st, s));
    const range = `${desired.cluster.serverless.minCapacity}-${desired.cluster.serverless.maxCapacity} ACU`;
    s.detail(
      `${id} ${change.action === 'no-op' ? 'unchanged' : change.action === 'create' ? 'created' : 'modified'}: ${ready?.status ?? 'available'}, ${range}`,
    );
  });
}

/** PV-13: the cluster's writer instance (CreateDBInstance db.serverless in the cluster, or ModifyDBInstance). */
async function writerStep(run: RunbookRun, st: ApplyState): Promise<void> {
  const desired = st.desired.cluster;
  const change = desired ? st.plan.changes.find((c) => c.kind === 'db-instance' && c.id === desired.writer.instanceId) : undefined;
  const clusters = st.deps.pp.instances.clusters;
  if (!desired || !change || !clusters) {
    run.skip('PV-13', desired ? 'no Aurora clusters on this provider' : 'the database is an instance (PV-4)');
    return;
  }
  const { pp } = st.deps;
  await run.step('PV-13', async (s) => {
    const id = desired.writer.instanceId;
    if (change.action === 'create') {
      await clusters.createClusterInstance(desired.writer);
      st.applied.push({ kind: change.kind, id, action: 'create', detail: `writer of ${desired.cluster.id} requested` });
    } else if (change.action === 'modify') {
      await pp.database.modifyDatabase(id, modifyWriterInput(change.fields, st.opts.applyImmediately));
      st.applied.push({ kind: change.kind, id, action: 'modify', detail: `modified ${change.fields.map((f) => f.field).join(', ')}` });
    }
    const ready = await pp.instances.waitForInstance(id, 'available', waitOpts(st, s));
    s.detail(`${id} (${desired.writer.instanceClass}, writer of ${desired.cluster.id}): ${ready?.status ?? 'available'}`);
  });
}

async function databaseStep(run: RunbookRun, st: ApplyState): Promise<void> {
  if (st.desired.cluster) {
    run.skip('PV-4', 'the database is an Aurora cluster (PV-12, PV-13)');
    return;
  }
  const change = row(st.plan, 'db-instance')!;
  const { pp } = st.deps;
  await run.step('PV-4', async (s) => {
    const id = st.desired.database.id;
    if (change.action === 'create') {
      const groups = st.securityGroupIds ?? st.desired.database.vpcSecurityGroupIds;
      await pp.instances.createInstance({ ...st.desired.database, ...(groups ? { vpcSecurityGroupIds: groups } : {}) });
      st.applied.push({ kind: change.kind, id, action: 'create', detail: 'create requested' });
    } else if (change.action === 'modify') {
      const fields = change.fields.map((f) => (f.field === 'vpcSecurityGroupIds' ? { ...f, to: st.securityGroupIds ?? f.to } : f));
      await pp.database.modifyDatabase(id, modifyInput(fields, st.opts.applyImmediately, st.desired.database.allocatedStorageGb));
      st.applied.push({ kind: change.kind, id, action: 'modify', detail: `modified ${fields.map((f) => f.field).join(', ')}` });
    }
    const ready = await pp.instances.waitForInstance(id, 'available', waitOpts(st, s));
    const replication = ready ? await replicateBackups(st, ready) : undefined;
    const when =
      change.action === 'modify' && !st.opts.applyImmediately && change.fields.some((f) => f.deferrable)
        ? '; deferred changes apply in the maintenance window'
        : '';
    s.detail(
      `${id} ${change.action === 'no-op' ? 'unchanged' : change.action === 'create' ? 'created' : 'modified'}: ${ready?.status ?? 'available'}${when}${replication ? `; ${replication}` : ''}`,
    );
  });
}

/** PV-4 when nothing else changes: only the automated backup replication. */
async function replicationStep(run: RunbookRun, st: ApplyState): Promise<void> {
  const id = st.desired.database.id;
  const db = await st.deps.pp.instances.findInstance(id);
  if (!db) {
    run.skip('PV-4', 'nothing to do');
    return;
  }
  await run.step('PV-4', async (s) => {
    const replication = await replicateBackups(st, db);
    s.detail(`${id} unchanged${replication ? `; ${replication}` : ''}`);
  });
}

/**
 * snapshots.crossRegion.replicateAutomatedBackups on AWS: StartDBInstanceAutomatedBackupsReplication,
 * sent from the DR region's client, once (an instance already replicating there is left alone),
 * with the DR region's KMS key when the instance is encrypted. The local provider replicates
 * from `backup run` instead. Returns a phrase for PV-4's detail.
 */
async function replicateBackups(st: ApplyState, db: Instance): Promise<string | undefined> {
  const { config, pp } = st.deps;
  const drRegion = replicationRegion(config);
  if (!drRegion || db.backupRetentionDays === 0) return undefined;
  const dr = pp.instances.forRegion(drRegion);
  if (!dr.startBackupReplication || !dr.findReplicatedBackups) return undefined;
  const existing = await dr.findReplicatedBackups(db.id);
  if (existing && existing.status !== 'retained') return `automated backups replicated to ${drRegion} (${existing.status})`;
  if (!db.arn) throw new UsageError(`AWS returned no ARN for ${db.id}: its automated backups cannot be replicated to ${drRegion}.`);
  const kmsKeyId = db.storageEncrypted ? st.desired.copies?.kmsKey.kmsKeyId : undefined;
  await dr.startBackupReplication({ sourceInstanceArn: db.arn, retentionDays: db.backupRetentionDays, ...(kmsKeyId ? { kmsKeyId } : {}) });
  st.applied.push({ kind: 'db-instance', id: db.id, action: 'modify', detail: `automated backup replication to ${drRegion} started` });
  return `automated backup replication to ${drRegion} started`;
}

async function replicaStep(run: RunbookRun, st: ApplyState): Promise<void> {
  const change = row(st.plan, 'read-replica');
  if (!change || change.action === 'no-op') {
    run.skip('PV-5', change ? 'no change' : 'no read replica configured');
    return;
  }
  const { instances } = st.deps.pp;
  await run.step('PV-5', async (s) => {
    if (change.action === 'delete') {
      await instances.deleteInstance(change.id, { skipFinalSnapshot: true });
      await instances.waitForInstance(change.id, 'deleted', waitOpts(st, s));
      return record(st, s, change, `deleted ${change.id}`);
    }
    const cluster = st.desired.cluster;
    if (change.action === 'create' && cluster && instances.clusters) {
      // An Aurora reader: another db.serverless instance in the cluster, second in failover order.
      await instances.clusters.createClusterInstance({
        ...cluster.writer,
        instanceId: change.id,
        instanceClass: st.desired.replica!.instanceClass,
        promotionTier: 1,
        tags: { ...st.desired.database.tags, 'dbops:purpose': 'reader' },
      });
    } else if (change.action === 'create') {
      await instances.createReadReplica({
        sourceInstanceId: st.desired.database.id,
        replicaId: change.id,
        instanceClass: st.desired.replica!.instanceClass,
        publiclyAccessible: st.desired.database.publiclyAccessible,
        tags: { ...st.desired.database.tags, 'dbops:purpose': 'read-replica' },
      });
    } else {
      await st.deps.pp.database.modifyDatabase(
        change.id,
        modifyInput(change.fields, st.opts.applyImmediately, st.desired.database.allocatedStorageGb),
      );
    }
    await instances.waitForInstance(change.id, 'available', waitOpts(st, s));
    record(st, s, change, `${change.action === 'create' ? 'created' : 'modified'} ${change.id}`);
  });
}

async function createCache(st: ApplyState, s: StepHandle): Promise<CacheState | undefined> {
  const cache = st.deps.pp.cache!;
  const d = st.desired.cache!;
  const auth = d.auth ? await cache.authToken(d.id, st.desired.tags) : undefined;
  if (auth?.secret.created)
    st.applied.push({ kind: 'cache', id: d.id, action: 'create', detail: `AUTH token stored (${auth.secret.ref})` });
  await cache.createCache({
    id: d.id,
    engine: d.engine,
    engineVersion: d.engineVersion,
    nodeType: d.nodeType,
    port: d.port,
    transitEncryption: d.transitEncryption,
    atRestEncryption: d.atRestEncryption,
    ...(auth ? { authToken: auth.token } : {}),
    securityGroupIds: st.securityGroupIds ?? [],
    maintenanceWindow: d.maintenanceWindow,
    snapshotRetentionDays: d.snapshotRetentionDays,
    tags: st.desired.tags,
  });
  return cache.waitForCache(d.id, 'available', waitOpts(st, s));
}

async function deleteCache(st: ApplyState, s: StepHandle, id: string): Promise<void> {
  const cache = st.deps.pp.cache!;
  await cache.deleteCache(id);
  await cache.waitForCache(id, 'deleted', waitOpts(st, s));
  await cache.deleteAuthToken(id);
}

async function createServerlessCache(st: ApplyState, s: StepHandle): Promise<void> {
  const api = st.deps.pp.serverlessCache!;
  const d = st.desired.cache!;
  const sl = d.serverless!;
  await api.createServerlessCache({
    id: d.id,
    engine: 'valkey',
    majorVersion: sl.majorVersion,
    dataStorageMaxGb: sl.dataStorageMaxGb,
    ecpuPerSecondMax: sl.ecpuPerSecondMax,
    securityGroupIds: st.securityGroupIds ?? [],
    ...(sl.subnetIds ? { subnetIds: sl.subnetIds } : {}),
    userGroupId: sl.userGroupId,
    tags: st.desired.tags,
  });
  await api.waitForServerlessCache(d.id, 'available', waitOpts(st, s));
}

async function deleteServerlessCache(st: ApplyState, s: StepHandle, id: string): Promise<void> {
  const api = st.deps.pp.serverlessCache!;
  await api.deleteServerlessCache(id);
  await api.waitForServerlessCache(id, 'deleted', waitOpts(st, s));
}

/**
 * PV-14's access control, before the cache: the user `default` with the cache's AUTH token as
 * its password (the stored one, or a new one stored first), the user group holding it, active.
 */
async function ensureServerlessRbac(st: ApplyState, s: StepHandle): Promise<void> {
  const api = st.deps.pp.serverlessCache!;
  const sl = st.desired.cache!.serverless!;
  const user = row(st.plan, 'cache-user');
  if (user?.action === 'create') {
    const auth = await st.deps.pp.cache!.authToken(st.desired.cache!.id, st.desired.tags);
    if (auth.secret.created)
      st.applied.push({ kind: 'cache', id: st.desired.cache!.id, action: 'create', detail: `AUTH token stored (${auth.secret.ref})` });
    await api.createCacheUser({
      id: sl.userId,
      userName: 'default',
      password: auth.token,
      accessString: 'on ~* +@all',
      tags: st.desired.tags,
    });
    record(st, s, user, `created user ${sl.userId} (default)`);
  }
  const group = row(st.plan, 'cache-user-group');
  if (group?.action === 'create') {
    await api.createUserGroup({ id: sl.userGroupId, userIds: [sl.userId], tags: st.desired.tags });
    record(st, s, group, `created user group ${sl.userGroupId}`);
  }
  if (user?.action === 'create' || group?.action === 'create') await api.waitForUserGroup(sl.userGroupId, 'active', waitOpts(st, s));
}

/** After the cache is gone: its user group (waited for), its user, then the stored AUTH token. */
async function removeServerlessRbac(st: ApplyState, s: StepHandle, cacheId: string): Promise<void> {
  const api = st.deps.pp.serverlessCache!;
  const group = row(st.plan, 'cache-user-group');
  if (group?.action === 'delete') {
    await api.deleteUserGroup(group.id);
    await api.waitForUserGroup(group.id, 'deleted', waitOpts(st, s));
    record(st, s, group, `deleted user group ${group.id}`);
  }
  const user = row(st.plan, 'cache-user');
  if (user?.action === 'delete') {
    await api.deleteCacheUser(user.id);
    await st.deps.pp.cache!.deleteAuthToken(cacheId);
    record(st, s, user, `deleted user ${user.id} and its password`);
  }
}

function rbacToRemove(st: ApplyState): boolean {
  return [row(st.plan, 'cache-user'), row(st.plan, 'cache-user-group')].some((c) => c?.action === 'delete');
}

/** PV-14: the Valkey serverless cache (cache.kind serverless). */
async function serverlessCacheStep(run: RunbookRun, st: ApplyState, change: Change): Promise<void> {
  const api = st.deps.pp.serverlessCache;
  if (!api || change.action === 'not-applicable') {
    run.skip('PV-14', change.notes[0] ?? 'no serverless caches on this provider');
    return;
  }
  await run.step('PV-14', async (s) => {
    if (change.action !== 'delete') await ensureServerlessRbac(st, s);
    switch (change.action) {
      case 'create':
        await createServerlessCache(st, s);
        return record(st, s, change, `created ${change.id}`);
      case 'replace':
        await deleteServerlessCache(st, s, change.id);
        await createServerlessCache(st, s);
        return record(st, s, change, `replaced ${change.id}`);
      case 'delete':
        await deleteServerlessCache(st, s, change.id);
        record(st, s, change, `deleted ${change.id}`);
        return removeServerlessRbac(st, s, change.id);
      case 'modify': {
        const get = (f: string) => change.fields.find((x) => x.field === f)?.to;
        const sl = st.desired.cache!.serverless!;
        // Both limits go together: CacheUsageLimits is one setting, and a part left out would not stay as it was.
        const limits = get('dataStorageMaxGb') !== undefined || get('ecpuPerSecondMax') !== undefined;
        const major = get('majorVersion');
        await api.modifyServerlessCache(change.id, {
          ...(limits ? { dataStorageMaxGb: sl.dataStorageMaxGb, ecpuPerSecondMax: sl.ecpuPerSecondMax } : {}),
          ...(typeof major === 'string' ? { majorVersion: major } : {}),
          ...(get('securityGroupIds') ? { securityGroupIds: st.securityGroupIds ?? (get('securityGroupIds') as string[]) } : {}),
          ...(get('userGroupId') ? { userGroupId: sl.userGroupId } : {}),
        });
        await api.waitForServerlessCache(change.id, 'available', waitOpts(st, s));
        return record(st, s, change, `modified ${change.fields.map((f) => f.field).join(', ')}`);
      }
      default: {
        const ready = await api.waitForServerlessCache(change.id, 'available', waitOpts(st, s));
        s.detail(`${change.id} unchanged: ${ready?.status ?? 'available'}`);
      }
    }
  });
}

/** PV-6 (a node) or PV-14 (serverless), the other skipped. */
async function cacheStep(run: RunbookRun, st: ApplyState): Promise<void> {
  const change = row(st.plan, 'cache');
  if (st.deps.settings.cacheServerless && change) {
    run.skip('PV-6', 'cache.kind is serverless (PV-14)');
    await serverlessCacheStep(run, st, change);
    return;
  }
  if (st.deps.settings.cacheServerless && st.deps.pp.serverlessCache && rbacToRemove(st)) {
    // The cache is gone already (cache.enabled false): only its user group and user are left.
    run.skip('PV-6', 'cache.kind is serverless (PV-14)');
    await run.step('PV-14', (s) => removeServerlessRbac(st, s, st.deps.settings.cacheId));
    return;
  }
  await nodeCacheStep(run, st);
  run.skip('PV-14', st.deps.settings.cacheServerless ? 'cache.enabled is false' : 'cache.kind is node (PV-6)');
}

async function nodeCacheStep(run: RunbookRun, st: ApplyState): Promise<void> {
  const change = row(st.plan, 'cache');
  if (!change || change.action === 'not-applicable') {
    run.skip('PV-6', change?.notes[0] ?? 'cache.enabled is false');
    return;
  }
  const cache = st.deps.pp.cache!;
  await run.step('PV-6', async (s) => {
    switch (change.action) {
      case 'create':
        await createCache(st, s);
        return record(st, s, change, `created ${change.id}`);
      case 'replace':
        await deleteCache(st, s, change.id);
        await createCache(st, s);
        return record(st, s, change, `replaced ${change.id}`);
      case 'delete':
        await deleteCache(st, s, change.id);
        return record(st, s, change, `deleted ${change.id}`);
      case 'modify': {
        const get = (f: string) => change.fields.find((x) => x.field === f)?.to;
        await cache.modifyCache(change.id, {
          ...(get('nodeType') ? { nodeType: String(get('nodeType')) } : {}),
          ...(get('engineVersion') ? { engineVersion: String(get('engineVersion')) } : {}),
          ...(get('securityGroupIds') ? { securityGroupIds: st.securityGroupIds ?? (get('securityGroupIds') as string[]) } : {}),
          applyImmediately: st.opts.applyImmediately,
        });
        await cache.waitForCache(change.id, 'available', waitOpts(st, s));
        return record(st, s, change, `modified ${change.fields.map((f) => f.field).join(', ')}`);
      }
      default: {
        const ready = await cache.waitForCache(change.id, 'available', waitOpts(st, s));
        s.detail(`${change.id} unchanged: ${ready?.status ?? 'available'}`);
      }
    }
  });
}

async function topicStep(run: RunbookRun, st: ApplyState): Promise<void> {
  const sns = st.deps.pp.notifications;
  const topicRow = row(st.plan, 'sns-topic')!;
  if (!sns || topicRow.action === 'not-applicable') {
    run.skip('PV-7', topicRow.notes[0] ?? 'not applicable');
    return;
  }
  await run.step('PV-7', async (s) => {
    const done: string[] = [];
    if (topicRow.action === 'create') {
      const topic = await sns.createTopic(st.desired.topic.name, st.desired.tags);
      st.topicArn = topic.arn;
      st.applied.push({ kind: 'sns-topic', id: topicRow.id, action: 'create', detail: topic.arn });
      done.push(`created ${topic.arn}`);
    } else st.topicArn = st.current.topic!.arn;
    for (const sub of rows(st.plan, 'sns-subscription')) {
      if (sub.action === 'create') {
        await sns.subscribeEmail(st.topicArn, sub.id);
        st.applied.push({ kind: sub.kind, id: sub.id, action: 'create', detail: 'confirmation email sent' });
        done.push(`subscribed ${sub.id} (pending confirmation)`);
      } else if (sub.action === 'delete') {
        const found = st.current.topic?.subscriptions.find((x) => x.endpoint === sub.id);
        if (found && (await sns.unsubscribe(found))) done.push(`unsubscribed ${sub.id}`);
      }
    }
    s.detail(done.length > 0 ? done.join('; ') : `${st.topicArn}: no change`);
  });
}

async function alarmsStep(run: RunbookRun, st: ApplyState): Promise<void> {
  const alarms = st.deps.pp.alarms;
  const changes = rows(st.plan, 'alarm');
  if (!alarms || changes.every((c) => c.action === 'not-applicable' || c.action === 'no-op')) {
    run.skip('PV-8', changes[0]?.action === 'not-applicable' ? changes[0].notes[0]! : 'no change');
    return;
  }
  await run.step('PV-8', async (s) => {
    const specs = new Map(wantedAlarms(st.desired, st.deps.settings, st.topicArn).map((a) => [a.name, a]));
    let put = 0;
    for (const c of changes.filter((x) => x.action === 'create' || x.action === 'modify')) {
      await alarms.putAlarm(specs.get(c.id)!, st.desired.tags);
      st.applied.push({ kind: 'alarm', id: c.id, action: c.action, detail: c.action === 'create' ? 'created' : 'updated' });
      put++;
    }
    const stale = changes.filter((x) => x.action === 'delete').map((c) => st.current.alarms.find((a) => a.name === c.id)!);
    const deletable: string[] = [];
    for (const a of stale) if (a.arn && isManaged(await alarms.alarmTags(a.arn))) deletable.push(a.name);
    if (deletable.length > 0) await alarms.deleteAlarms(deletable);
    s.detail(`${put} created or updated, ${deletable.length} deleted`);
  });
}

async function budgetStep(run: RunbookRun, st: ApplyState): Promise<void> {
  const change = row(st.plan, 'budget');
  const budgets = st.deps.pp.budgets;
  if (!change || !budgets || change.action === 'not-applicable' || change.action === 'no-op') {
    run.skip('PV-9', change?.action === 'not-applicable' ? change.notes[0]! : change ? 'no change' : 'no budget configured');
    return;
  }
  const account = st.current.accountId!;
  await run.step('PV-9', async (s) => {
    const want = st.desired.budget;
    if (change.action === 'create' && want) {
      await budgets.createBudget(account, want, st.desired.tags);
      return record(st, s, change, `created ${want.name}: $${want.limitUsd}/month, ${want.notifications.length} alerts`);
    }
    if (change.action === 'delete') {
      await budgets.deleteBudget(account, change.id);
      return record(st, s, change, `deleted ${change.id}`);
    }
    const have = st.current.budget!;
    if (want && want.limitUsd !== have.limitUsd) await budgets.updateBudgetLimit(account, want.name, want.limitUsd);
    const sig = (n: BudgetNotification) => `${notificationKey(n)}:${[...n.emails].sort().join(',')}`;
    const wanted = new Set((want?.notifications ?? []).map(sig));
    const had = new Set(have.notifications.map(sig));
    for (const n of have.notifications) if (!wanted.has(sig(n))) await budgets.deleteNotification(account, have.name, n);
    for (const n of want?.notifications ?? []) if (!had.has(sig(n))) await budgets.createNotification(account, have.name, n);
    record(st, s, change, `updated ${change.fields.map((f) => f.field).join(', ')}`);
  });
}

async function verifyStep(run: RunbookRun, st: ApplyState): Promise<Plan> {
  return run.step('PV-10', async (s) => {
    const current = await readCurrent(st.deps.pp, st.desired, st.deps.settings, await poolerOf(st.deps));
    const after = computePlan(st.desired, current, st.deps.settings);
    s.detail(after.pending === 0 ? 'nothing left to do' : `${after.pending} changes still pending (see the plan)`);
    if (after.pending > 0)
      st.deps.out.warn(`After apply, ${after.pending} changes are still pending; run \`dbops provision plan\` to see them.`);
    return after;
  });
}

async function confirmRisky(st: ApplyState): Promise<boolean> {
  const list = risky(st.plan, st.opts);
  if (list.length === 0) return true;
  const what = list.map((c) => `${c.action} ${c.kind} ${c.id}${c.dataLoss ? ' (data loss)' : c.downtime ? ' (downtime)' : ''}`).join('; ');
  return st.deps.prompt.confirm(`Apply in ${st.deps.pp.region}: ${what}?`);
}

const LATER_STEPS = ['PV-2', 'PV-3', 'PV-12', 'PV-13', 'PV-4', 'PV-5', 'PV-11', 'PV-6', 'PV-14', 'PV-7', 'PV-8', 'PV-9', 'PV-10'];

/** PV-11: the connection layer in front of the primary (local: a pgbouncer started by dbops). */
async function poolStep(run: RunbookRun, st: ApplyState): Promise<void> {
  const cp = st.deps.config.connectionPool;
  const pooler = cp.enabled ? await st.deps.pooler?.() : undefined;
  if (!cp.enabled || !pooler) {
    run.skip('PV-11', cp.enabled ? 'no connection layer on this provider' : 'connectionPool.enabled is false');
    return;
  }
  await run.step('PV-11', async (s) => {
    const name = cp.name ?? `${st.desired.database.id}-pool`;
    const before = await pooler.find(st.desired.database.id);
    const state = await pooler.ensure({
      name,
      targetId: st.desired.database.id,
      poolMode: cp.poolMode,
      defaultPoolSize: cp.defaultPoolSize,
      minPoolSize: cp.minPoolSize,
      maxDbConnections: cp.maxDbConnections,
      reservePoolSize: cp.reservePoolSize,
      requireTls: cp.requireTls,
      ...(cp.port !== undefined ? { port: cp.port } : {}),
      ...(cp.roleArn !== undefined ? { roleArn: cp.roleArn } : {}),
      tags: st.desired.tags,
    });
    const what = !before ? 'created and started' : before.running ? 'running' : 'started';
    s.detail(`${state.kind} ${name} ${what} on ${state.endpoint.host}:${state.endpoint.port} -> ${state.targetId}`);
  });
}

/**
 * "create cache X; create alarm Y": what was done, each resource once (a cache's AUTH
 * token is its own entry of the cache, for the report, but not a second creation).
 */
export function appliedSummary(applied: readonly Applied[]): string {
  return [...new Set(applied.map((a) => `${a.action} ${a.kind} ${a.id}`))].join('; ');
}

/** What apply changed before it failed (the error's typed field), so the command can list it. */
export function appliedOf(e: unknown): readonly Applied[] | undefined {
  return isDbopsError(e) ? e.applied : undefined;
}

export async function applyProvision(deps: ProvisionDeps, opts: ApplyOptions): Promise<ApplyResult> {
  const applied: Applied[] = [];
  // Bad input is one sentence before the runbook starts: nothing is read or created.
  for (const note of await validateInput(deps.config, deps.settings, deps.pp)) deps.out.warn(note);
  try {
    const { value, report } = await runRunbook(PROVISION_APPLY, { out: deps.out, clock: deps.clock, signal: deps.signal }, async (run) => {
      const st = await run.step('PV-1', async (s) => {
        const planned = await planFor(deps, run.runId);
        s.detail(`${plural(planned.plan.pending, 'change')} pending`);
        return { deps, opts, ...planned, applied } satisfies ApplyState;
      });
      const refused = refusal(st.plan) ?? (deps.dryRun ? undefined : dataLossRefusal(st.plan, opts));
      if (refused) throw refused;
      const stop = deps.dryRun ? 'dry run' : st.plan.pending === 0 ? 'nothing to do' : undefined;
      if (stop || !(await confirmRisky(st))) {
        // A configured pool that is not running is started even when the plan is empty.
        for (const id of LATER_STEPS) {
          if (id === 'PV-11' && stop === 'nothing to do' && deps.config.connectionPool.enabled) await poolStep(run, st);
          // Replication turned on for a deployment that is otherwise in sync: started even when the plan is empty.
          else if (id === 'PV-4' && stop === 'nothing to do' && replicationRegion(deps.config)) await replicationStep(run, st);
          else run.skip(id, stop ?? 'not confirmed');
        }
        return { dryRun: deps.dryRun, plan: st.plan, applied } satisfies ApplyResult;
      }
      await securityGroupStep(run, st);
      await parameterGroupStep(run, st);
      await clusterStep(run, st);
      await writerStep(run, st);
      await databaseStep(run, st);
      await replicaStep(run, st);
      await poolStep(run, st);
      await cacheStep(run, st);
      await topicStep(run, st);
      await alarmsStep(run, st);
      await budgetStep(run, st);
      const after = await verifyStep(run, st);
      return { dryRun: false, plan: st.plan, applied, after } satisfies ApplyResult;
    });
    return { ...value, report };
  } catch (e) {
    throw asDbopsError(e).inRun({ applied });
  }
}

/** `dbops provision plan`. */
export async function planProvision(deps: ProvisionDeps): Promise<Plan> {
  for (const note of await validateInput(deps.config, deps.settings, deps.pp)) deps.out.warn(note);
  return (await planFor(deps)).plan;
}
