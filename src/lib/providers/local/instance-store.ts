/**
 * Reading and updating instance records, and reconciling the recorded status with the
 * machine: after a reboot of the host, a cluster recorded `available` whose server is
 * not running is reported `stopped`.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { ConflictError, EnvironmentError, NotFoundError, UsageError } from '../../errors.js';
import type { Engine, Instance, InstanceStatus } from '../types.js';
import { isRunning } from './cluster.js';
import type { RegionContext } from './context.js';
import { isResourceName } from './layout.js';
import { isServerRunning, mariaPaths } from './mariadb-server.js';
import { toInstance, type InstanceRecord } from './records.js';
import type { MasterCredential } from './secrets.js';
import { DamagedStateError, instanceRecordSchema, parseState } from './state-schema.js';
import { readJson, updateJson, writeJsonAtomic, type StateCheck } from './state.js';

/** Statuses that claim a running server. */
const CLAIMS_RUNNING = new Set<InstanceStatus>(['available', 'backing-up', 'modifying', 'rebooting', 'starting', 'stopping']);

/** instance.json, checked against its schema and its directory's name (state-schema.ts). */
export function checkInstance(id: string): StateCheck<InstanceRecord> {
  return (value, file) => parseState(instanceRecordSchema, file, value, id);
}

export function readInstance(rc: RegionContext, id: string): Promise<InstanceRecord | undefined> {
  return readJson(rc.layout.instanceJson(id), checkInstance(id));
}

export function instanceNotFound(rc: RegionContext, id: string): NotFoundError {
  return new NotFoundError(`No instance ${id} in ${rc.region} (local provider).`, {
    hint: 'dbops instances lists them.',
  });
}

export async function requireInstance(rc: RegionContext, id: string): Promise<InstanceRecord> {
  const rec = await readInstance(rc, id);
  if (!rec) throw instanceNotFound(rc, id);
  return rec;
}

export function writeInstance(rc: RegionContext, rec: InstanceRecord): Promise<void> {
  return writeJsonAtomic(rc.layout.instanceJson(rec.id), rec);
}

export async function updateInstance(
  rc: RegionContext,
  id: string,
  mutate: (r: InstanceRecord) => InstanceRecord,
): Promise<InstanceRecord> {
  const next = await updateJson<InstanceRecord>(rc.layout.instanceJson(id), mutate, 0o644, checkInstance(id));
  if (!next) throw instanceNotFound(rc, id);
  return next;
}

export async function serverRunning(rc: RegionContext, id: string, engine?: Engine): Promise<boolean> {
  // A mysql instance is a MariaDB server: asked without PostgreSQL's binaries.
  if ((engine ?? (await readInstance(rc, id))?.engine) === 'mysql') return isServerRunning(mariaPaths(rc.layout, id));
  const tb = await rc.shared.toolbox();
  return isRunning(tb, rc.layout.dataDir(id));
}

/** The status to report: the recorded one, corrected by whether the server really runs. */
export async function liveStatus(rc: RegionContext, rec: InstanceRecord): Promise<InstanceStatus> {
  if (rec.fenced) return 'fenced';
  if (rec.status === 'stopped') return (await serverRunning(rc, rec.id, rec.engine)) ? 'available' : 'stopped';
  if (CLAIMS_RUNNING.has(rec.status)) return (await serverRunning(rc, rec.id, rec.engine)) ? rec.status : 'stopped';
  return rec.status;
}

export async function findInstance(rc: RegionContext, id: string): Promise<Instance | undefined> {
  const rec = await readInstance(rc, id);
  return rec ? toInstance(rec, await liveStatus(rc, rec)) : undefined;
}

export async function describeInstance(rc: RegionContext, id: string): Promise<Instance> {
  const found = await findInstance(rc, id);
  if (!found) throw instanceNotFound(rc, id);
  return found;
}

/**
 * Every instance of the region. A damaged instance.json is reported (damagedState) and
 * skipped: it neither hides nor blocks the healthy ones.
 */
export async function listInstances(rc: RegionContext): Promise<Instance[]> {
  const ids = await listResourceDirs(rc.layout.instancesDir);
  const out: Instance[] = [];
  for (const id of ids) {
    try {
      const found = await findInstance(rc, id);
      if (found) out.push(found);
    } catch (e) {
      if (!(e instanceof DamagedStateError)) throw e;
      reportDamaged(rc, e);
    }
  }
  return out;
}

/** Resource directories under `dir`, sorted; none when it does not exist yet ($DBOPS_HOME unusable is an error). */
export async function listResourceDirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter(isResourceName).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** Hands a damaged file to the caller's reporter; without one, it is an error (never silence). */
export function reportDamaged(rc: RegionContext, e: DamagedStateError): void {
  const report = rc.shared.opts.onDamagedState;
  if (!report) throw e;
  report(e);
}

/** The master credential of an instance, from the secrets file. */
export async function instanceCredential(rc: RegionContext, id: string): Promise<MasterCredential> {
  const cred = await rc.shared.secrets.get('instances', rc.region, id);
  if (!cred) {
    throw new EnvironmentError(`The secrets file has no password for instance ${id} in ${rc.region}.`, {
      hint: `It should be in ${rc.shared.secrets.file}; was the file removed or replaced?`,
    });
  }
  return cred;
}

/** A running server or a clear refusal (a base backup needs one). */
export async function requireRunning(rc: RegionContext, rec: InstanceRecord, why: string): Promise<void> {
  if (await serverRunning(rc, rec.id, rec.engine)) return;
  throw new EnvironmentError(`Instance ${rec.id} is not running; ${why}.`, {
    hint: `Start it with \`dbops instances start ${rec.id}\`, then retry.`,
  });
}

/** Claims an instance id: the directory's creation is the atomic "this id is mine". */
export async function claimInstanceDir(rc: RegionContext, id: string): Promise<void> {
  if (await readInstance(rc, id)) throw instanceExists(rc, id);
  try {
    await mkdir(rc.layout.instanceDir(id), { mode: 0o755 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw instanceExists(rc, id);
    throw new EnvironmentError(`Could not create ${rc.layout.instanceDir(id)}: ${(e as Error).message}`, { cause: e });
  }
}

function instanceExists(rc: RegionContext, id: string): ConflictError {
  return new ConflictError(`Instance ${id} already exists in ${rc.region} (local provider).`, {
    hint: 'Choose another identifier, or delete the existing instance first.',
    kind: 'already-exists',
  });
}

/** Removes a replica from its source's replicaIds (the source may be gone already). */
export async function forgetReplica(rc: RegionContext, sourceId: string, replicaId: string): Promise<void> {
  if (!(await readInstance(rc, sourceId))) return;
  await updateInstance(rc, sourceId, (r) => ({ ...r, replicaIds: r.replicaIds.filter((x) => x !== replicaId) }));
}

/** Refuses to start a fenced old primary (every dbops path that starts a stopped cluster calls this). */
export function refuseFenced(rec: InstanceRecord): void {
  if (!rec.fenced) return;
  throw new UsageError(
    `Instance ${rec.id} was fenced by failover run ${rec.fenced.runId} at ${rec.fenced.at}; dbops will not start it again as it is.`,
    {
      hint: `${rec.fenced.newPrimaryId} is the primary now. Delete ${rec.id}, or rebuild it as a replica of ${rec.fenced.newPrimaryId} (runbooks/failover.md, "Afterwards").`,
    },
  );
}
