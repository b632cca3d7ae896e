/**
 * Instance lifecycle operations used by `dbops instances`, `dbops status` and the demo.
 * They take the Context and return typed results; rendering lives in src/commands.
 */
import type { Context } from '../context.js';
import { parseConnectHost } from '../db/connect.js';
import { engineFor } from '../engines/index.js';
import { asDbopsError, ConflictError, UsageError } from '../errors.js';
import type { PoolerState } from '../providers/failover-types.js';
import type { CreateInstanceInput, Instance } from '../providers/types.js';
import { TAG } from '../providers/types.js';
import { dataEngine, isClusterEngine, SERVERLESS_CLASS } from '../config/database-kind.js';
import { type RunReport, runRunbook } from '../runbook/runner.js';
import { INSTANCE_CREATE, INSTANCE_DELETE, INSTANCE_START, INSTANCE_STOP } from './runbooks.js';
import { isRdsIdentifier } from '../identifiers.js';
import { tagFinalSnapshot } from '../snapshots/final.js';
import { automatedBackupIfDue } from '../backups/automated.js';
import { replicatedWindow, replicationFacts, type ReplicatedWindow } from '../snapshots/status.js';

export async function listInstances(ctx: Context): Promise<Instance[]> {
  const provider = await ctx.provider();
  const all = await provider.listInstances();
  return [...all].sort((a, b) => a.id.localeCompare(b.id));
}

export async function describeInstance(ctx: Context, id: string): Promise<Instance> {
  const provider = await ctx.provider();
  return provider.describeInstance(id);
}

/** `dbops status`: the instance, and the connection layer in front of it when one is configured. */
export interface InstanceStatus extends Instance {
  /** The pooler whose target this instance is (its SHOW POOLS figures), or why it could not be read. */
  connectionPool?: PoolerState | { error: string; hint?: string };
  /** The DR region's own restorable window (snapshots.crossRegion.replicateAutomatedBackups on). */
  replicatedBackups?: ReplicatedWindow;
}

/**
 * `dbops status <id>`: the instance, with its latest restorable time like RDS reports it
 * (the local provider reads it from its WAL archive), and the connection pool in front of it.
 */
export async function instanceStatus(ctx: Context, id: string): Promise<InstanceStatus> {
  const instance = await withRestorableTime(ctx, id);
  if (!ctx.config.connectionPool.enabled) return instance;
  try {
    const { createFailoverProvider } = await import('../providers/failover.js');
    const api = await createFailoverProvider(ctx.config, ctx.env, await ctx.provider());
    try {
      const pool = await api.pooler?.find(id);
      return pool ? { ...instance, connectionPool: pool } : instance;
    } finally {
      await api.close();
    }
  } catch (e) {
    const err = asDbopsError(e);
    return { ...instance, connectionPool: { error: err.message, ...(err.hint ? { hint: err.hint } : {}) } };
  }
}

async function withRestorableTime(ctx: Context, id: string): Promise<InstanceStatus> {
  const provider = await ctx.provider();
  const described = await provider.describeInstance(id);
  if (described.backupRetentionDays === 0 || described.replicaSourceId) return described;
  const w = provider.restorableWindow ? await provider.restorableWindow(id) : undefined;
  const instance = w?.latestRestorableTime ? { ...described, latestRestorableTime: w.latestRestorableTime } : described;
  const replication = await replicationFacts(ctx, id);
  return replication
    ? { ...instance, replicatedBackups: replicatedWindow(replication, instance.latestRestorableTime, w?.archiveTimeoutSeconds ?? 300) }
    : instance;
}

/** RDS identifier rules: 1-63 letters, digits, hyphens; a letter first; no trailing or double hyphen. */
export function validateIdentifier(id: string): void {
  if (!isRdsIdentifier(id, 63)) {
    throw new UsageError(`"${id}" is not a valid instance identifier.`, {
      hint: 'Use 1-63 letters, digits and single hyphens, starting with a letter and not ending with a hyphen (RDS rules).',
    });
  }
}

/** The create request built from the config; pure. */
export function createRequest(
  ctx: Pick<Context, 'config'>,
  id: string,
  overrides: { instanceClass?: string; port?: number },
  runId: string,
): CreateInstanceInput {
  const db = ctx.config.database;
  return {
    id,
    engine: dataEngine(db.engine),
    engineVersion: db.engineVersion,
    instanceClass: overrides.instanceClass ?? db.instanceClass,
    allocatedStorageGb: db.allocatedStorageGb,
    maxAllocatedStorageGb: db.maxAllocatedStorageGb,
    storageType: db.storageType,
    storageEncrypted: db.storageEncrypted,
    multiAz: db.multiAz,
    publiclyAccessible: db.publiclyAccessible,
    deletionProtection: db.deletionProtection,
    backupRetentionDays: db.backupRetentionDays,
    backupWindow: db.backupWindow,
    maintenanceWindow: db.maintenanceWindow,
    autoMinorVersionUpgrade: db.autoMinorVersionUpgrade,
    copyTagsToSnapshot: true,
    dbName: db.dbName,
    masterUsername: db.masterUsername,
    masterPassword: { kind: 'managed' },
    vpcSecurityGroupIds: db.vpcSecurityGroupIds,
    subnetGroup: db.subnetGroup,
    port: overrides.port ?? db.port,
    tags: { [TAG.managed]: 'true', [TAG.runId]: runId, [TAG.purpose]: 'primary' },
  };
}

export interface CreateInstanceResult {
  dryRun: boolean;
  request: Omit<CreateInstanceInput, 'masterPassword'>;
  instance?: Instance;
  serverVersion?: string;
  report?: RunReport;
}

/** Creates an instance following runbooks/instance-create.md. */
export async function createInstance(
  ctx: Context,
  input: { id: string; instanceClass?: string; port?: number; connectHost?: string },
): Promise<CreateInstanceResult> {
  validateIdentifier(input.id);
  const cls = input.instanceClass ?? ctx.config.database.instanceClass;
  if (cls === SERVERLESS_CLASS) {
    throw new UsageError(
      `${SERVERLESS_CLASS} instances live in an Aurora cluster; \`dbops instances create\` makes a standalone RDS instance.`,
      {
        hint: isClusterEngine(ctx.config.database.engine)
          ? '`dbops provision apply` creates the cluster and its writer (runbook provision-apply, PV-12 and PV-13); or pass --instance-class db.t3.micro for a plain instance.'
          : 'Pass --instance-class db.t3.micro (or another RDS instance class).',
      },
    );
  }
  // Parsed before anything is created: a bad --connect-host is a usage error, not a failed IC-4.
  const tunnel = {
    ...(input.connectHost !== undefined ? { override: parseConnectHost(input.connectHost) } : {}),
    tunnelOption: '--connect-host',
  };
  const provider = await ctx.provider();
  const { value, report } = await runRunbook(INSTANCE_CREATE, { out: ctx.out, clock: ctx.clock, signal: ctx.signal }, async (run) => {
    const request = createRequest(ctx, input.id, input, run.runId);
    const { masterPassword: _hidden, ...shown } = request;
    await run.step('IC-1', async (s) => {
      if (await provider.findInstance(input.id)) {
        throw new ConflictError(`An instance named ${input.id} already exists in ${provider.region}.`, {
          hint: 'Pick another id, or see it with `dbops status ' + input.id + '`.',
        });
      }
      s.detail(
        `${request.engine} ${request.engineVersion} on ${request.instanceClass}, ${request.allocatedStorageGb} GB ${request.storageType}`,
      );
    });
    if (ctx.flags.dryRun) {
      for (const id of ['IC-2', 'IC-3', 'IC-4']) run.skip(id, 'dry run');
      return { dryRun: true, request: shown } satisfies CreateInstanceResult;
    }
    await run.step('IC-2', async (s) => {
      const created = await provider.createInstance(request);
      s.detail(`${created.id}: ${created.status}`);
    });
    const instance = await run.step('IC-3', async (s) => {
      const ready = await provider.waitForInstance(input.id, 'available', {
        maxWaitSeconds: ctx.config.aws.maxWaitMinutes * 60,
        signal: ctx.signal,
        onProgress: (status) => s.update(status),
      });
      s.detail(ready?.endpoint ? `${ready.endpoint.host}:${ready.endpoint.port}` : 'available');
      return ready!;
    });
    const serverVersion = await run.step('IC-4', async (s) => {
      const api = engineFor(instance.engine);
      const db = await api.connect(await provider.connectionInfo(input.id), {
        ...tunnel,
        warn: (m) => ctx.out.warn(m),
        applicationName: 'dbops instances create',
      });
      try {
        const facts = await db.serverFacts();
        s.detail(`${facts.product ?? api.label} ${facts.version} answers${instance.engineLabel ? ` (${instance.engineLabel})` : ''}`);
        return facts.version;
      } finally {
        await db.close();
      }
    });
    return { dryRun: false, request: shown, instance, serverVersion } satisfies CreateInstanceResult;
  });
  return { ...value, report };
}

export interface DeleteInstanceResult {
  id: string;
  dryRun: boolean;
  finalSnapshotId?: string;
  deleted: boolean;
  report?: RunReport;
}

/** Deletes an instance dbops created, after confirmation, following runbooks/instance-delete.md. */
export async function deleteInstance(ctx: Context, input: { id: string; skipFinalSnapshot: boolean }): Promise<DeleteInstanceResult> {
  const provider = await ctx.provider();
  const { value, report } = await runRunbook(INSTANCE_DELETE, { out: ctx.out, clock: ctx.clock, signal: ctx.signal }, async (run) => {
    const finalSnapshotId = input.skipFinalSnapshot ? undefined : `${input.id}-final-${compactTimestamp(ctx.clock.now())}`;
    await run.step('ID-1', async (s) => {
      const instance = await provider.describeInstance(input.id);
      if (instance.tags[TAG.managed] !== 'true') {
        throw new UsageError(`Instance ${input.id} was not created by dbops (no ${TAG.managed}=true tag); dbops will not delete it.`, {
          hint: 'Delete it with the AWS console or CLI if you really mean to.',
        });
      }
      if (instance.deletionProtection) {
        throw new UsageError(`Instance ${input.id} has deletion protection on.`, {
          hint: 'Turn deletion protection off first (database.deletionProtection: false, then `dbops provision apply`).',
        });
      }
      s.detail(finalSnapshotId ? `final snapshot ${finalSnapshotId}` : 'no final snapshot');
    });
    if (ctx.flags.dryRun) {
      run.skip('ID-2', 'dry run');
      run.skip('ID-3', 'dry run');
      return { id: input.id, dryRun: true, finalSnapshotId, deleted: false };
    }
    const confirmed = await ctx.prompt.confirm(
      `Delete instance ${input.id} in ${provider.region}${finalSnapshotId ? ` (final snapshot ${finalSnapshotId})` : ' WITHOUT a final snapshot'}?`,
    );
    if (!confirmed) {
      run.skip('ID-2', 'not confirmed');
      run.skip('ID-3', 'not confirmed');
      return { id: input.id, dryRun: false, finalSnapshotId, deleted: false };
    }
    await run.step('ID-2', async (s) => {
      await provider.deleteInstance(input.id, { skipFinalSnapshot: input.skipFinalSnapshot, finalSnapshotId });
      s.detail('delete requested');
    });
    await run.step('ID-3', async (s) => {
      await provider.waitForInstance(input.id, 'deleted', {
        maxWaitSeconds: ctx.config.aws.maxWaitMinutes * 60,
        signal: ctx.signal,
        onProgress: (status) => s.update(status),
      });
      if (finalSnapshotId) await tagFinalSnapshot(provider, finalSnapshotId, run.runId);
      s.detail(finalSnapshotId ? `gone; final snapshot ${finalSnapshotId} tagged ${TAG.purpose}=final` : 'gone');
    });
    return { id: input.id, dryRun: false, finalSnapshotId, deleted: true };
  });
  return { ...value, report };
}

/** 2026-11-22T04:30:05Z -> 20261122-043005 (RDS ids allow no colons). */
export function compactTimestamp(d: Date): string {
  const iso = d.toISOString();
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
}

export interface StartStopResult {
  id: string;
  action: 'start' | 'stop';
  dryRun: boolean;
  /** false when the instance already was in the asked state, or the stop was not confirmed. */
  changed: boolean;
  instance: Instance;
  /** What the user should know: on AWS, a stopped instance starts again by itself after 7 days. */
  note?: string;
}

const STOP_NOTE_AWS = 'RDS starts a stopped instance again by itself after 7 days; stop it again then, or delete it if it is not needed.';

/** `dbops instances start <id>`: starts a stopped instance and, with `wait`, waits until it is available. */
export async function startInstance(ctx: Context, input: { id: string; wait: boolean }): Promise<StartStopResult> {
  const provider = await ctx.provider();
  const base = { id: input.id, action: 'start' as const, dryRun: ctx.flags.dryRun };
  const { value } = await runRunbook(INSTANCE_START, { out: ctx.out, clock: ctx.clock, signal: ctx.signal }, async (run) => {
    const before = await run.step('IP-1', async (s) => {
      const i = await provider.describeInstance(input.id);
      s.detail(`${input.id} is ${i.status}`);
      return i;
    });
    if (before.status !== 'stopped' || ctx.flags.dryRun) {
      const why = before.status !== 'stopped' ? `${input.id} is ${before.status}` : 'dry run';
      run.skip('IP-2', why);
      run.skip('IP-3', why);
      return { ...base, changed: false, instance: before };
    }
    const instance = await run.step('IP-2', async (s) => {
      let i = await provider.startInstance(input.id);
      if (input.wait && i.status !== 'available') {
        const maxWaitSeconds = ctx.config.aws.maxWaitMinutes * 60;
        i =
          (await provider.waitForInstance(input.id, 'available', { maxWaitSeconds, signal: s.signal, onProgress: (st) => s.update(st) })) ??
          i;
      }
      s.detail(`${input.id} is ${i.status}`);
      return i;
    });
    await run.step('IP-3', async (s) => {
      await automatedBackupIfDue(ctx, input.id);
      s.detail(provider.name === 'local' ? 'taken when due' : 'RDS takes its own');
    });
    return { ...base, changed: true, instance };
  });
  return value;
}

/** `dbops instances stop <id>`: asks first (the database stops answering), then stops it. */
export async function stopInstance(ctx: Context, input: { id: string }): Promise<StartStopResult> {
  const provider = await ctx.provider();
  const note = provider.name === 'aws' ? STOP_NOTE_AWS : undefined;
  const base = { id: input.id, action: 'stop' as const, dryRun: ctx.flags.dryRun, ...(note ? { note } : {}) };
  const { value } = await runRunbook(INSTANCE_STOP, { out: ctx.out, clock: ctx.clock, signal: ctx.signal }, async (run) => {
    const before = await run.step('IP-1', async (s) => {
      const i = await provider.describeInstance(input.id);
      s.detail(`${input.id} is ${i.status}`);
      return i;
    });
    if (before.status === 'stopped' || before.status === 'stopping' || ctx.flags.dryRun) {
      run.skip('IP-4', ctx.flags.dryRun ? 'dry run' : `${input.id} is ${before.status}`);
      return { ...base, changed: false, instance: before };
    }
    return run.step('IP-4', async (s) => {
      if (
        !(await ctx.prompt.confirm(
          `Stop instance ${input.id} in ${provider.region}? Its clients lose the database until it is started again.`,
        ))
      ) {
        s.detail('not confirmed');
        return { ...base, changed: false, instance: before };
      }
      const instance = await provider.stopInstance(input.id);
      s.detail(`${input.id} is ${instance.status}`);
      return { ...base, changed: true, instance };
    });
  });
  return value;
}
