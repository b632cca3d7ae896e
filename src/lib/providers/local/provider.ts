/**
 * The local adapter of the Provider port: real PostgreSQL clusters on this machine.
 * An instance is a cluster (initdb with data checksums, its own port on 127.0.0.1, SCRAM
 * passwords); a snapshot a verified pg_basebackup tar; a region a directory namespace;
 * a read replica a streaming standby. State lives under $DBOPS_HOME/local (atomic JSON),
 * passwords in $DBOPS_HOME/secrets.json (0600). See design.md, "Providers".
 *
 * This file only wires the port to the operation modules beside it.
 */
import { EnvironmentError, NotFoundError, isDbopsError, messageOf } from '../../errors.js';
import type { LocalProviderOptions } from '../index.js';
import type {
  ConnectionInfo,
  CopySnapshotInput,
  CreateInstanceInput,
  CreateReadReplicaInput,
  CreateSnapshotInput,
  DeleteInstanceInput,
  Instance,
  ListSnapshotsInput,
  MetricDatum,
  MetricQuery,
  MetricSeries,
  Provider,
  RestoreFromSnapshotInput,
  RestoreToPointInTimeInput,
  RestorableWindow,
  AutomatedBackupRun,
  AutomatedBackupOptions,
  ReplicatedBackups,
  Snapshot,
  WaitOptions,
  Tags,
} from '../types.js';
import { createShared, ensureHome, regionContext, type LocalProviderInternals, type RegionContext } from './context.js';
import * as store from './instance-store.js';
import * as instances from './instances.js';
import { getMetrics, putMetrics } from './metrics.js';
import { scrub } from './process.js';
import { LOCAL_HOST } from './records.js';
import * as automated from './automated-backups.js';
import * as replication from './backup-replication.js';
import * as pitr from './pitr.js';
import { LocalClusters, notAnInstanceSnapshot } from './clusters.js';
import * as replicas from './replicas.js';
import * as restore from './restore.js';
import * as snapshots from './snapshots.js';
import { waitUntil, type Look } from './wait.js';

export type { LocalProviderInternals } from './context.js';

/** Statuses an instance does not leave by itself: waiting for 'available' would be in vain. */
const DEAD_ENDS = new Set(['stopped', 'failed', 'incompatible-restore', 'storage-full']);

/**
 * Nothing leaves the adapter raw: a stray fs or network error becomes an EnvironmentError
 * naming the operation (dbops errors pass through untouched).
 */
async function guard<T>(what: string, fn: () => Promise<T>, home?: string): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const cause = isDbopsError(e) ? e.cause : e;
    // A state file that cannot be read because $DBOPS_HOME itself is unusable: say that.
    if (home && ['ENOTDIR', 'EACCES', 'EPERM', 'EROFS'].includes((cause as NodeJS.ErrnoException | undefined)?.code ?? '')) {
      await ensureHome(home);
    }
    if (isDbopsError(e)) throw e;
    throw new EnvironmentError(`${what} failed: ${scrub(messageOf(e))}`, { cause: e });
  }
}

class LocalProvider implements Provider {
  readonly name = 'local' as const;
  constructor(private readonly rc: RegionContext) {}

  private guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return guard(what, fn, this.rc.shared.opts.home);
  }

  get region(): string {
    return this.rc.region;
  }

  forRegion(region: string): Provider {
    return new LocalProvider(regionContext(this.rc.shared, region));
  }

  /** Aurora clusters: a primary and its streaming replicas under one id (clusters.ts); stray errors mapped as everywhere here. */
  get clusters(): LocalClusters {
    const home = this.rc.shared.opts.home;
    return new Proxy(new LocalClusters(this.rc), {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => guard(`Aurora cluster operation ${String(prop)}`, () => value.apply(target, args), home);
      },
    });
  }

  /** A cluster snapshot is not an instance snapshot (the port's instance calls refuse it, as RDS does). */
  async #instanceSnapshot(id: string): Promise<void> {
    const rec = await snapshots.readSnapshot(this.rc, id);
    if (rec?.clusterId) throw notAnInstanceSnapshot(id, rec.clusterId);
  }

  createInstance(input: CreateInstanceInput): Promise<Instance> {
    return this.guard(`Creating instance ${input.id}`, () => instances.createInstance(this.rc, input));
  }
  describeInstance(id: string): Promise<Instance> {
    return this.guard(`Describing instance ${id}`, () => store.describeInstance(this.rc, id));
  }
  findInstance(id: string): Promise<Instance | undefined> {
    return this.guard(`Looking up instance ${id}`, () => store.findInstance(this.rc, id));
  }
  listInstances(): Promise<Instance[]> {
    return this.guard('Listing instances', () => store.listInstances(this.rc));
  }
  deleteInstance(id: string, input: DeleteInstanceInput): Promise<void> {
    return this.guard(`Deleting instance ${id}`, async () => {
      // As on Aurora: deleting the writer of a cluster with readers fails over to one first.
      await this.clusters.handOverWriter(id);
      // The last instance of a cluster: the cluster keeps its data (Aurora's storage outlives its instances).
      await this.clusters.keepVolume(id);
      await instances.deleteInstance(this.rc, id, input);
    });
  }
  waitForInstance(id: string, target: 'available' | 'deleted', opts: WaitOptions): Promise<Instance | undefined> {
    return this.guard(`Waiting for instance ${id}`, () =>
      waitUntil(`instance ${id} to be ${target}`, () => this.#lookInstance(id, target), opts),
    );
  }
  async #lookInstance(id: string, target: 'available' | 'deleted'): Promise<Look<Instance>> {
    const inst = await store.findInstance(this.rc, id);
    if (target === 'deleted') return inst ? { status: inst.status, done: false } : { status: 'deleted', done: true, value: undefined };
    if (!inst) return { status: 'not-found', done: false, fatal: store.instanceNotFound(this.rc, id) };
    if (inst.status === 'available') return { status: inst.status, done: true, value: inst };
    if (!DEAD_ENDS.has(inst.status)) return { status: inst.status, done: false };
    const fatal = new EnvironmentError(`Instance ${id} is ${inst.status}; waiting will not make it available.`, {
      hint: inst.status === 'stopped' ? `Start it: dbops instances start ${id}` : 'Look at its server log under $DBOPS_HOME/local.',
    });
    return { status: inst.status, done: false, fatal };
  }
  rebootInstance(id: string, opts: { forceFailover: boolean }): Promise<Instance> {
    return this.guard(`Rebooting instance ${id}`, () => instances.rebootInstance(this.rc, id, opts));
  }
  startInstance(id: string): Promise<Instance> {
    return this.guard(`Starting instance ${id}`, () => instances.startInstance(this.rc, id));
  }
  stopInstance(id: string): Promise<Instance> {
    return this.guard(`Stopping instance ${id}`, () => instances.stopInstance(this.rc, id));
  }

  createSnapshot(input: CreateSnapshotInput): Promise<Snapshot> {
    return this.guard(`Creating snapshot ${input.snapshotId}`, () => snapshots.createSnapshot(this.rc, input));
  }
  describeSnapshot(id: string): Promise<Snapshot> {
    return this.guard(`Describing snapshot ${id}`, async () => {
      await this.#instanceSnapshot(id);
      return snapshots.describeSnapshot(this.rc, id);
    });
  }
  findSnapshot(id: string): Promise<Snapshot | undefined> {
    return this.guard(`Looking up snapshot ${id}`, async () => {
      const found = await snapshots.findSnapshot(this.rc, id);
      return found?.of === 'cluster' ? undefined : found;
    });
  }
  listSnapshots(input?: ListSnapshotsInput): Promise<Snapshot[]> {
    return this.guard('Listing snapshots', async () => (await snapshots.listSnapshots(this.rc, input)).filter((s) => s.of !== 'cluster'));
  }
  deleteSnapshot(id: string): Promise<void> {
    return this.guard(`Deleting snapshot ${id}`, async () => {
      await this.#instanceSnapshot(id);
      await snapshots.deleteSnapshot(this.rc, id);
    });
  }
  copySnapshot(input: CopySnapshotInput): Promise<Snapshot> {
    return this.guard(`Copying snapshot ${input.snapshotId} to ${input.targetRegion}`, async () => {
      await this.#instanceSnapshot(input.snapshotId);
      return snapshots.copySnapshot(this.rc, input);
    });
  }
  waitForSnapshot(id: string, target: 'available' | 'deleted', opts: WaitOptions): Promise<Snapshot | undefined> {
    return this.guard(`Waiting for snapshot ${id}`, () =>
      waitUntil(`snapshot ${id} to be ${target}`, () => this.#lookSnapshot(id, target), opts),
    );
  }
  async #lookSnapshot(id: string, target: 'available' | 'deleted'): Promise<Look<Snapshot>> {
    const snap = await snapshots.findSnapshot(this.rc, id);
    if (target === 'deleted') return snap ? { status: snap.status, done: false } : { status: 'deleted', done: true, value: undefined };
    if (!snap) {
      const fatal = new NotFoundError(`No snapshot ${id} in ${this.rc.region} (local provider).`, {
        hint: '`dbops snapshot list` lists them.',
      });
      return { status: 'not-found', done: false, fatal };
    }
    if (snap.status === 'available') return { status: snap.status, done: true, value: snap };
    if (snap.status !== 'failed') return { status: snap.status, done: false };
    return { status: snap.status, done: false, fatal: new EnvironmentError(`Snapshot ${id} failed.`) };
  }

  tagSnapshot(id: string, tags: Tags): Promise<void> {
    return this.guard(`Tagging snapshot ${id}`, () => snapshots.tagSnapshot(this.rc, id, tags));
  }

  restoreFromSnapshot(input: RestoreFromSnapshotInput): Promise<Instance> {
    return this.guard(`Restoring snapshot ${input.snapshotId}`, async () => {
      await this.#instanceSnapshot(input.snapshotId);
      return restore.restoreFromSnapshot(this.rc, input);
    });
  }
  restoreToPointInTime(input: RestoreToPointInTimeInput): Promise<Instance> {
    return this.guard(`Restoring instance ${input.sourceInstanceId} to a point in time`, () => pitr.restoreToPointInTime(this.rc, input));
  }
  restorableWindow(id: string): Promise<RestorableWindow> {
    return this.guard(`Reading the restorable window of ${id}`, async () => {
      const writer = await this.#clusterWriter(id);
      const w = await pitr.restorableWindow(this.rc, writer ?? id);
      return writer ? { ...w, instanceId: id } : w;
    });
  }
  runAutomatedBackups(id: string, opts: AutomatedBackupOptions): Promise<AutomatedBackupRun> {
    return this.guard(`Automated backups of ${id}`, async () => {
      // A cluster's automated backups are its writer's (every snapshot of a member is the cluster's).
      const writer = await this.#clusterWriter(id);
      const run = await automated.runAutomatedBackups(this.rc, writer ?? id, opts);
      return writer ? { ...run, instanceId: id } : run;
    });
  }

  /** The writer of the cluster `id` names, when `id` is a cluster's and not an instance's. */
  async #clusterWriter(id: string): Promise<string | undefined> {
    if (await store.readInstance(this.rc, id)) return undefined;
    return this.clusters.writerOf(id);
  }
  findReplicatedBackups(sourceInstanceId: string): Promise<ReplicatedBackups | undefined> {
    return this.guard(`Looking up the replicated automated backups of ${sourceInstanceId}`, () =>
      replication.findReplicatedBackups(this.rc, sourceInstanceId),
    );
  }
  createReadReplica(input: CreateReadReplicaInput): Promise<Instance> {
    return this.guard(`Creating read replica ${input.replicaId}`, () => replicas.createReadReplica(this.rc, input));
  }
  promoteReadReplica(id: string): Promise<Instance> {
    return this.guard(`Promoting read replica ${id}`, () => replicas.promoteReadReplica(this.rc, id));
  }

  getMetricData(queries: MetricQuery[], range: { start: Date; end: Date }): Promise<MetricSeries[]> {
    return this.guard('Reading metrics', () => getMetrics(this.rc.layout, queries, range));
  }
  putMetricData(namespace: string, data: MetricDatum[]): Promise<void> {
    return this.guard(`Writing metrics to ${namespace}`, () => putMetrics(this.rc.layout, namespace, data, this.rc.shared.now()));
  }

  connectionInfo(id: string): Promise<ConnectionInfo> {
    return this.guard(`Reading connection info of ${id}`, async () => {
      // An Aurora cluster's id: its endpoint, which follows the writer.
      if (!(await store.readInstance(this.rc, id)) && (await this.clusters.findCluster(id))) return this.clusters.connectionInfo(id);
      const rec = await store.requireInstance(this.rc, id);
      const cred = await store.instanceCredential(this.rc, id);
      return {
        host: LOCAL_HOST,
        port: rec.port,
        user: rec.masterUsername,
        database: rec.dbName,
        password: cred.password,
        ssl: 'disable',
        // engines/ picks the client from it: a local mysql instance speaks MySQL (MariaDB).
        ...(rec.engine === 'mysql' ? { engine: 'mysql' as const } : {}),
      };
    });
  }

  /** Clusters are meant to outlive the command; the adapter holds nothing else. */
  async close(): Promise<void> {}
}

export function createLocalProvider(opts: LocalProviderOptions, internals?: LocalProviderInternals): Provider {
  return new LocalProvider(regionContext(createShared(opts, internals), opts.region));
}
