/**
 * FakeRds: a stateful RDS on top of aws-sdk-client-mock (after aws-cdk's FakeCloudFormation).
 *
 * `mockClient(RDSClient)` replaces `send` of every RDSClient, in every region; the fake
 * keeps instances and snapshots per region in memory and answers the commands the aws
 * adapter sends. Statuses move like RDS's: a new instance is `creating` and becomes
 * `available` after N describes; a deleted one is `deleting` for N describes, then gone.
 * So restore tests, drills and failovers can drive whole flows against it.
 *
 * Failover pieces: StopDBInstance is refused while an instance has read replicas (as RDS
 * does); PromoteReadReplica drops the source and takes BackupRetentionPeriod; a reboot
 * with ForceFailover swaps a Multi-AZ instance's zones (refused when single-AZ); pending
 * maintenance is seeded with `addPendingMaintenance`; RDS Proxy: CreateDBProxy (creating
 * -> available), targets registered as REGISTERING then AVAILABLE after N describes, or
 * held in a state with a reason by `holdTargetHealth` (e.g. UNAVAILABLE / AUTH_FAILURE).
 *
 * Aurora clusters (`clusters`, fake-clusters.ts): CreateDBCluster (creating -> available),
 * members joining by CreateDBInstance with DBClusterIdentifier (the first is the writer)
 * and leaving when deleted, FailoverDBCluster moving the writer, cluster snapshots per region.
 *
 * ```ts
 * const rds = new FakeRds();           // installs the mock
 * rds.addInstance('us-east-2', 'prod-db');
 * ...
 * rds.restore();                       // in afterEach
 * ```
 */
import {
  AddTagsToResourceCommand,
  CopyDBSnapshotCommand,
  CreateDBProxyCommand,
  DBProxyNotFoundFault,
  DBProxyTargetAlreadyRegisteredFault,
  DBProxyTargetNotFoundFault,
  DeleteDBProxyCommand,
  DeregisterDBProxyTargetsCommand,
  DescribeDBProxiesCommand,
  DescribeDBProxyTargetsCommand,
  DescribePendingMaintenanceActionsCommand,
  RegisterDBProxyTargetsCommand,
  StartDBInstanceCommand,
  StopDBInstanceCommand,
  type CreateDBProxyCommandInput,
  type DBProxy,
  type DBProxyTarget,
  type DeleteDBProxyCommandInput,
  type DeregisterDBProxyTargetsCommandInput,
  type DescribeDBProxiesCommandInput,
  type DescribeDBProxyTargetsCommandInput,
  type DescribePendingMaintenanceActionsCommandInput,
  type ResourcePendingMaintenanceActions,
  type RegisterDBProxyTargetsCommandInput,
  type StartDBInstanceCommandInput,
  type StopDBInstanceCommandInput,
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  CreateDBSnapshotCommand,
  DBInstanceAlreadyExistsFault,
  DBInstanceNotFoundFault,
  DBSnapshotAlreadyExistsFault,
  DBSnapshotNotFoundFault,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DBInstanceAutomatedBackupNotFoundFault,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeAccountAttributesCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  StartDBInstanceAutomatedBackupsReplicationCommand,
  type DBInstanceAutomatedBackup,
  type DescribeDBInstanceAutomatedBackupsCommandInput,
  type StartDBInstanceAutomatedBackupsReplicationCommandInput,
  InvalidDBInstanceStateFault,
  InvalidDBSnapshotStateFault,
  PromoteReadReplicaCommand,
  RDSClient,
  SnapshotQuotaExceededFault,
  RebootDBInstanceCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
  type AddTagsToResourceCommandInput,
  type CopyDBSnapshotCommandInput,
  type CreateDBInstanceCommandInput,
  type CreateDBInstanceReadReplicaCommandInput,
  type CreateDBSnapshotCommandInput,
  type DBInstance,
  type DBSnapshot,
  type DeleteDBInstanceCommandInput,
  type DeleteDBSnapshotCommandInput,
  type DescribeDBInstancesCommandInput,
  type DescribeDBSnapshotsCommandInput,
  type PromoteReadReplicaCommandInput,
  type RebootDBInstanceCommandInput,
  type RestoreDBInstanceFromDBSnapshotCommandInput,
  type RestoreDBInstanceToPointInTimeCommandInput,
  type Tag,
} from '@aws-sdk/client-rds';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { FakeClusters } from './fake-clusters.js';

export interface FakeRdsOptions {
  /** How many describes a resource stays `creating`/`deleting`/... before it settles (default 2). */
  describesToSettle?: number;
  accountId?: string;
  /**
   * Fleet tests: the account a client's credentials belong to (an assumed role's); a listing
   * (DescribeDBInstances / DescribeDBSnapshots without an id) then shows only the resources
   * whose ARN names that account. Seed them with `DBInstanceArn` / `DBSnapshotArn`.
   */
  accountOf?: (client: RDSClient) => Promise<string | undefined>;
  /** RDS's limit of cross-region copies in progress per destination region (5): one more is refused. Default: no limit. */
  maxCopiesInFlight?: number;
  /**
   * DescribeAccountAttributes: the quotas' Max (Used is counted from what the region holds; DB instances: the caller's
   * account's, with accountOf). Default 40 instances, 100 manual snapshots.
   */
  quotas?: { DBInstances?: number; ManualSnapshots?: number };
}

type Settle = { after: number; to: 'available' | 'gone' };

interface Entry<T> {
  shape: T;
  settle?: Settle;
}

const $metadata = {};

function notFoundInstance(id: string): DBInstanceNotFoundFault {
  return new DBInstanceNotFoundFault({ message: `DBInstance ${id} not found.`, $metadata });
}

function notFoundSnapshot(id: string): DBSnapshotNotFoundFault {
  return new DBSnapshotNotFoundFault({ message: `DBSnapshot ${id} not found.`, $metadata });
}

function mergeTags(...lists: (Tag[] | undefined)[]): Tag[] {
  const byKey = new Map<string, string | undefined>();
  for (const list of lists) for (const t of list ?? []) if (t.Key !== undefined) byKey.set(t.Key, t.Value);
  return [...byKey].map(([Key, Value]) => ({ Key, Value }));
}

/** Splits "arn:aws:rds:<region>:<account>:snapshot:<id>"; a plain id stays in `region`. */
function parseSnapshotRef(ref: string, region: string): { region: string; id: string } {
  const m = /^arn:aws:rds:([^:]+):[^:]*:snapshot:(.+)$/.exec(ref);
  return m ? { region: m[1]!, id: m[2]! } : { region, id: ref };
}

export class FakeRds {
  /** The underlying aws-sdk-client-mock stub: use it for call assertions. */
  readonly mock: AwsClientStub<RDSClient>;
  /** Aurora clusters and cluster snapshots (seed with `clusters.addCluster`, `rds.addClusterMember`). */
  readonly clusters: FakeClusters;
  readonly #settleAfter: number;
  readonly #account: string;
  readonly #accountOf: FakeRdsOptions['accountOf'];
  readonly #maxCopiesInFlight: number;
  readonly #quotas: { DBInstances: number; ManualSnapshots: number };
  /** Destination region -> the most cross-region copies ever in progress there at once. */
  readonly copiesInFlightPeak = new Map<string, number>();
  readonly #instances = new Map<string, Entry<DBInstance>>();
  readonly #snapshots = new Map<string, Entry<DBSnapshot>>();
  readonly #proxies = new Map<string, Entry<DBProxy>>();
  /** proxy key -> registered targets, each with the describes left before it is AVAILABLE. */
  readonly #targets = new Map<string, { target: DBProxyTarget; settle: number }[]>();
  /** proxy key -> instance id -> the health it is held in. */
  readonly #heldHealth = new Map<string, Map<string, NonNullable<DBProxyTarget['TargetHealth']>>>();
  readonly #maintenance = new Map<string, ResourcePendingMaintenanceActions>();
  /** "<region>/<source id>" -> the automated backups replicated into that region. */
  readonly #replicated = new Map<string, DBInstanceAutomatedBackup>();

  constructor(opts: FakeRdsOptions = {}) {
    this.#settleAfter = opts.describesToSettle ?? 2;
    this.#account = opts.accountId ?? '123456789012';
    this.#accountOf = opts.accountOf;
    this.#maxCopiesInFlight = opts.maxCopiesInFlight ?? Number.POSITIVE_INFINITY;
    this.#quotas = { DBInstances: 40, ManualSnapshots: 100, ...opts.quotas };
    this.mock = mockClient(RDSClient);
    this.clusters = new FakeClusters({ settleAfter: this.#settleAfter, account: this.#account });
    this.#install();
    this.clusters.install(this.mock);
  }

  /** Removes the mock from RDSClient. */
  restore(): void {
    this.mock.restore();
  }

  // ---- seeding and inspection ----

  /** Adds an available PostgreSQL instance (e.g. the production source of a restore test). */
  addInstance(region: string, id: string, overrides: Partial<DBInstance> = {}): DBInstance {
    const shape: DBInstance = {
      ...this.#newInstance(region, id, { Engine: 'postgres', EngineVersion: '15.8', DBInstanceClass: 'db.t3.micro' }),
      ...this.#availableFields(region, id, overrides.Engine),
      MasterUsername: 'dbops',
      DBName: 'app',
      AllocatedStorage: 20,
      BackupRetentionPeriod: 7,
      LatestRestorableTime: new Date('2025-01-01T00:00:00Z'),
      ...overrides,
    };
    this.#instances.set(`${region}/${id}`, { shape });
    return structuredClone(shape);
  }

  /** Adds an available member of an Aurora cluster (the first member is the writer). */
  addClusterMember(region: string, clusterId: string, id: string, overrides: Partial<DBInstance> = {}): DBInstance {
    const cluster = this.clusters.join(region, clusterId, id, 'db.serverless', overrides.PromotionTier);
    return this.addInstance(region, id, {
      Engine: cluster.Engine,
      EngineVersion: cluster.EngineVersion,
      DBInstanceClass: 'db.serverless',
      DBClusterIdentifier: clusterId,
      StorageEncrypted: cluster.StorageEncrypted,
      AllocatedStorage: 1,
      BackupRetentionPeriod: cluster.BackupRetentionPeriod,
      LatestRestorableTime: undefined,
      ...overrides,
    });
  }

  /**
   * Adds the automated backups of `sourceRegion`'s `id` replicated into `region` (as
   * StartDBInstanceAutomatedBackupsReplication leaves them once replicating).
   */
  addReplicatedBackups(
    region: string,
    sourceRegion: string,
    id: string,
    overrides: Partial<DBInstanceAutomatedBackup> = {},
  ): DBInstanceAutomatedBackup {
    const shape: DBInstanceAutomatedBackup = {
      DBInstanceArn: `arn:aws:rds:${sourceRegion}:${this.#account}:db:${id}`,
      DBInstanceIdentifier: id,
      DBInstanceAutomatedBackupsArn: `arn:aws:rds:${region}:${this.#account}:auto-backup:ab-${id}`,
      Region: sourceRegion,
      Status: 'replicating',
      Engine: 'postgres',
      BackupRetentionPeriod: 7,
      ...overrides,
    };
    this.#replicated.set(`${region}/${id}`, shape);
    return structuredClone(shape);
  }

  /** Adds an available snapshot. */
  addSnapshot(region: string, id: string, overrides: Partial<DBSnapshot> = {}): DBSnapshot {
    const shape: DBSnapshot = {
      DBSnapshotIdentifier: id,
      DBSnapshotArn: this.#arn(region, 'snapshot', id),
      DBInstanceIdentifier: 'prod-db',
      SnapshotType: 'manual',
      Status: 'available',
      Engine: 'postgres',
      EngineVersion: '15.8',
      AllocatedStorage: 20,
      Encrypted: false,
      PercentProgress: 100,
      SnapshotCreateTime: new Date('2025-01-01T03:00:00Z'),
      MasterUsername: 'dbops',
      TagList: [],
      ...overrides,
    };
    this.#snapshots.set(`${region}/${id}`, { shape });
    return structuredClone(shape);
  }

  /** Adds an available replica of `sourceId` (and lists it on the source). */
  addReplica(region: string, id: string, sourceId: string, overrides: Partial<DBInstance> = {}): DBInstance {
    const source = this.#instanceEntry(region, sourceId);
    source.shape.ReadReplicaDBInstanceIdentifiers = [...(source.shape.ReadReplicaDBInstanceIdentifiers ?? []), id];
    return this.addInstance(region, id, {
      ReadReplicaSourceDBInstanceIdentifier: sourceId,
      BackupRetentionPeriod: 0,
      StatusInfos: [{ StatusType: 'read replication', Status: 'replicating', Normal: true }],
      ...overrides,
    });
  }

  /** A pending maintenance action of an instance (DescribePendingMaintenanceActions). */
  addPendingMaintenance(region: string, id: string, action: string, description: string): void {
    const arn = this.#arn(region, 'db', id);
    const now: ResourcePendingMaintenanceActions = this.#maintenance.get(arn) ?? {
      ResourceIdentifier: arn,
      PendingMaintenanceActionDetails: [],
    };
    now.PendingMaintenanceActionDetails = [...(now.PendingMaintenanceActionDetails ?? []), { Action: action, Description: description }];
    this.#maintenance.set(arn, now);
  }

  /** Changes fields of an instance as RDS would by itself (a backup starting, a failure). */
  setInstance(region: string, id: string, fields: Partial<DBInstance>): void {
    Object.assign(this.#instanceEntry(region, id).shape, fields);
  }

  /** Adds an available RDS Proxy with `targetIds` registered and AVAILABLE. */
  addProxy(region: string, name: string, targetIds: string[], overrides: Partial<DBProxy> = {}): DBProxy {
    const shape: DBProxy = {
      DBProxyName: name,
      DBProxyArn: `arn:aws:rds:${region}:${this.#account}:db-proxy:prx-${name}`,
      Status: 'available',
      EngineFamily: 'POSTGRESQL',
      Endpoint: `${name}.proxy-abc123.${region}.rds.amazonaws.com`,
      RequireTLS: true,
      VpcSubnetIds: ['subnet-a', 'subnet-b'],
      VpcSecurityGroupIds: ['sg-0123abcd'],
      ...overrides,
    };
    this.#proxies.set(`${region}/${name}`, { shape });
    this.#targets.set(
      `${region}/${name}`,
      targetIds.map((id) => ({ target: this.#proxyTarget(region, id), settle: 0 })),
    );
    return structuredClone(shape);
  }

  /** Holds a target's health where it is (e.g. UNAVAILABLE, AUTH_FAILURE) whatever happens. */
  holdTargetHealth(region: string, proxy: string, instanceId: string, health: NonNullable<DBProxyTarget['TargetHealth']>): void {
    const key = `${region}/${proxy}`;
    const held = this.#heldHealth.get(key) ?? new Map();
    held.set(instanceId, health);
    this.#heldHealth.set(key, held);
  }

  proxy(region: string, name: string): DBProxy | undefined {
    const e = this.#proxies.get(`${region}/${name}`);
    return e && structuredClone(e.shape);
  }

  /** The instance ids registered with a proxy, in order. */
  proxyTargetIds(region: string, name: string): string[] {
    return (this.#targets.get(`${region}/${name}`) ?? []).map((t) => t.target.RdsResourceId!);
  }

  instance(region: string, id: string): DBInstance | undefined {
    const e = this.#instances.get(`${region}/${id}`);
    return e && structuredClone(e.shape);
  }

  snapshot(region: string, id: string): DBSnapshot | undefined {
    const e = this.#snapshots.get(`${region}/${id}`);
    return e && structuredClone(e.shape);
  }

  instanceIds(region: string): string[] {
    return [...this.#instances.values()]
      .filter((e) => this.#regionOf(e.shape.DBInstanceArn) === region)
      .map((e) => e.shape.DBInstanceIdentifier!);
  }

  snapshotIds(region: string): string[] {
    return [...this.#snapshots.values()]
      .filter((e) => this.#regionOf(e.shape.DBSnapshotArn) === region)
      .map((e) => e.shape.DBSnapshotIdentifier!);
  }

  // ---- wiring ----

  #install(): void {
    const m = this.mock;
    const regionOf = (getClient: () => RDSClient): Promise<string> => getClient().config.region();
    // With accountOf, an instance a client creates is its account's (its ARN names it), as the account's quota counts it.
    const owned = async (client: RDSClient, region: string, out: { DBInstance: DBInstance }) => {
      const account = this.#accountOf ? await this.#accountOf(client) : undefined;
      const e = this.#instances.get(`${region}/${out.DBInstance.DBInstanceIdentifier}`);
      if (account && e) {
        e.shape.DBInstanceArn = `arn:aws:rds:${region}:${account}:db:${out.DBInstance.DBInstanceIdentifier}`;
        out.DBInstance.DBInstanceArn = e.shape.DBInstanceArn;
      }
      return out;
    };
    m.on(CreateDBInstanceCommand).callsFake(async (i, c) => {
      const client = c();
      const region = await client.config.region();
      return owned(client, region, this.#createInstance(i, region));
    });
    // The client is taken before any await: getClient() answers the latest call's client.
    const ownedBy = async (client: RDSClient) => {
      const account = this.#accountOf ? await this.#accountOf(client) : undefined;
      return (arn: string | undefined) => account === undefined || arn?.split(':')[4] === account;
    };
    m.on(DescribeDBInstancesCommand).callsFake(async (i, c) => {
      const client = c();
      return this.#describeInstances(i, await client.config.region(), await ownedBy(client));
    });
    m.on(DescribeAccountAttributesCommand).callsFake(async (_i, c) => {
      const client = c();
      const region = await client.config.region();
      const mine = await ownedBy(client);
      const instances = [...this.#instances.values()].filter(
        (e) => this.#regionOf(e.shape.DBInstanceArn) === region && mine(e.shape.DBInstanceArn),
      ).length;
      const manual = [...this.#snapshots.values()].filter(
        (e) => this.#regionOf(e.shape.DBSnapshotArn) === region && e.shape.SnapshotType === 'manual',
      ).length;
      return {
        AccountQuotas: [
          { AccountQuotaName: 'DBInstances', Used: instances, Max: this.#quotas.DBInstances },
          { AccountQuotaName: 'ManualSnapshots', Used: manual, Max: this.#quotas.ManualSnapshots },
        ],
      };
    });
    m.on(DeleteDBInstanceCommand).callsFake(async (i, c) => this.#deleteInstance(i, await regionOf(c)));
    m.on(RebootDBInstanceCommand).callsFake(async (i, c) => this.#reboot(i, await regionOf(c)));
    m.on(AddTagsToResourceCommand).callsFake(async (i) => this.#addTags(i));
    m.on(CreateDBSnapshotCommand).callsFake(async (i, c) => this.#createSnapshot(i, await regionOf(c)));
    m.on(DescribeDBSnapshotsCommand).callsFake(async (i, c) => {
      const client = c();
      return this.#describeSnapshots(i, await client.config.region(), await ownedBy(client));
    });
    m.on(DeleteDBSnapshotCommand).callsFake(async (i, c) => this.#deleteSnapshot(i, await regionOf(c)));
    m.on(CopyDBSnapshotCommand).callsFake(async (i, c) => this.#copySnapshot(i, await regionOf(c)));
    m.on(RestoreDBInstanceFromDBSnapshotCommand).callsFake(async (i, c) => {
      const client = c();
      const region = await client.config.region();
      return owned(client, region, this.#restoreFromSnapshot(i, region));
    });
    m.on(RestoreDBInstanceToPointInTimeCommand).callsFake(async (i, c) => {
      const client = c();
      const region = await client.config.region();
      return owned(client, region, this.#restoreToPointInTime(i, region));
    });
    m.on(StartDBInstanceAutomatedBackupsReplicationCommand).callsFake(async (i, c) => this.#startReplication(i, await regionOf(c)));
    m.on(DescribeDBInstanceAutomatedBackupsCommand).callsFake(async (i, c) => this.#describeAutomatedBackups(i, await regionOf(c)));
    m.on(CreateDBInstanceReadReplicaCommand).callsFake(async (i, c) => this.#createReplica(i, await regionOf(c)));
    m.on(PromoteReadReplicaCommand).callsFake(async (i, c) => this.#promote(i, await regionOf(c)));
    m.on(StopDBInstanceCommand).callsFake(async (i, c) => this.#stop(i, await regionOf(c)));
    m.on(StartDBInstanceCommand).callsFake(async (i, c) => this.#start(i, await regionOf(c)));
    m.on(DescribePendingMaintenanceActionsCommand).callsFake(async (i) => this.#describeMaintenance(i));
    m.on(CreateDBProxyCommand).callsFake(async (i, c) => this.#createProxy(i, await regionOf(c)));
    m.on(DescribeDBProxiesCommand).callsFake(async (i, c) => this.#describeProxies(i, await regionOf(c)));
    m.on(DescribeDBProxyTargetsCommand).callsFake(async (i, c) => this.#describeProxyTargets(i, await regionOf(c)));
    m.on(RegisterDBProxyTargetsCommand).callsFake(async (i, c) => this.#registerTargets(i, await regionOf(c)));
    m.on(DeregisterDBProxyTargetsCommand).callsFake(async (i, c) => this.#deregisterTargets(i, await regionOf(c)));
    m.on(DeleteDBProxyCommand).callsFake(async (i, c) => this.#deleteProxy(i, await regionOf(c)));
  }

  // ---- helpers ----

  #arn(region: string, kind: 'db' | 'snapshot', id: string): string {
    return `arn:aws:rds:${region}:${this.#account}:${kind}:${id}`;
  }

  #regionOf(arn: string | undefined): string | undefined {
    return arn?.split(':')[3];
  }

  /** Available, with an endpoint on the engine's port (MySQL 3306, PostgreSQL 5432). */
  #availableFields(region: string, id: string, engine?: string): Partial<DBInstance> {
    return {
      DBInstanceStatus: 'available',
      Endpoint: { Address: `${id}.abc123.${region}.rds.amazonaws.com`, Port: engine === 'mysql' ? 3306 : 5432 },
    };
  }

  #newInstance(region: string, id: string, fields: Partial<DBInstance>): DBInstance {
    return {
      DBInstanceIdentifier: id,
      DBInstanceArn: this.#arn(region, 'db', id),
      DBInstanceStatus: 'creating',
      MultiAZ: false,
      PubliclyAccessible: false,
      StorageEncrypted: false,
      DeletionProtection: false,
      BackupRetentionPeriod: 0,
      VpcSecurityGroups: [],
      ReadReplicaDBInstanceIdentifiers: [],
      TagList: [],
      ...fields,
    };
  }

  #instanceEntry(region: string, id: string | undefined): Entry<DBInstance> {
    const e = id === undefined ? undefined : this.#instances.get(`${region}/${id}`);
    if (!e) throw notFoundInstance(id ?? '');
    return e;
  }

  #snapshotEntry(region: string, id: string | undefined): Entry<DBSnapshot> {
    const e = id === undefined ? undefined : this.#snapshots.get(`${region}/${id}`);
    if (!e) throw notFoundSnapshot(id ?? '');
    return e;
  }

  #requireNoInstance(region: string, id: string | undefined): void {
    if (this.#instances.has(`${region}/${id}`)) {
      throw new DBInstanceAlreadyExistsFault({ message: `DB instance already exists`, $metadata });
    }
  }

  #requireNoSnapshot(region: string, id: string | undefined): void {
    if (this.#snapshots.has(`${region}/${id}`)) {
      throw new DBSnapshotAlreadyExistsFault({
        message: `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`,
        $metadata,
      });
    }
  }

  #requireAvailableInstance(e: Entry<DBInstance>): void {
    if (e.shape.DBInstanceStatus !== 'available') {
      throw new InvalidDBInstanceStateFault({ message: `Instance ${e.shape.DBInstanceIdentifier} is not in available state.`, $metadata });
    }
  }

  #requireAvailableSnapshot(e: Entry<DBSnapshot>): void {
    if (e.shape.Status !== 'available') {
      throw new InvalidDBSnapshotStateFault({ message: `Snapshot ${e.shape.DBSnapshotIdentifier} is not in available state.`, $metadata });
    }
  }

  #pending(to: Settle['to']): Settle {
    return { after: this.#settleAfter, to };
  }

  /** Counts one describe; returns false when the resource is gone. */
  #tickInstance(region: string, e: Entry<DBInstance>): boolean {
    if (!e.settle) return true;
    e.settle.after -= 1;
    if (e.settle.after > 0) return true;
    const to = e.settle.to;
    e.settle = undefined;
    if (to === 'gone') {
      this.#instances.delete(`${region}/${e.shape.DBInstanceIdentifier}`);
      return false;
    }
    Object.assign(e.shape, this.#availableFields(region, e.shape.DBInstanceIdentifier!, e.shape.Engine));
    return true;
  }

  #tickSnapshot(region: string, e: Entry<DBSnapshot>): boolean {
    if (!e.settle) return true;
    e.settle.after -= 1;
    if (e.settle.after > 0) return true;
    const to = e.settle.to;
    e.settle = undefined;
    if (to === 'gone') {
      this.#snapshots.delete(`${region}/${e.shape.DBSnapshotIdentifier}`);
      return false;
    }
    Object.assign(e.shape, { Status: 'available', PercentProgress: 100 });
    return true;
  }

  #page<T>(items: T[], maxRecords: number | undefined, marker: string | undefined): { items: T[]; Marker?: string } {
    const start = marker ? Number(marker) : 0;
    const size = maxRecords ?? 100;
    const next = start + size;
    return { items: items.slice(start, next), ...(next < items.length ? { Marker: String(next) } : {}) };
  }

  #storeInstance(region: string, shape: DBInstance): DBInstance {
    this.#instances.set(`${region}/${shape.DBInstanceIdentifier}`, { shape, settle: this.#pending('available') });
    return structuredClone(shape);
  }

  // ---- instance commands ----

  #createInstance(i: CreateDBInstanceCommandInput, region: string): { DBInstance: DBInstance } {
    this.#requireNoInstance(region, i.DBInstanceIdentifier);
    if (i.DBClusterIdentifier) return this.#createMember(i, region);
    const shape = this.#newInstance(region, i.DBInstanceIdentifier!, {
      Engine: i.Engine,
      EngineVersion: i.EngineVersion,
      DBInstanceClass: i.DBInstanceClass,
      AllocatedStorage: i.AllocatedStorage,
      MaxAllocatedStorage: i.MaxAllocatedStorage,
      StorageType: i.StorageType,
      StorageEncrypted: i.StorageEncrypted ?? false,
      KmsKeyId: i.KmsKeyId,
      MultiAZ: i.MultiAZ ?? false,
      PubliclyAccessible: i.PubliclyAccessible ?? false,
      DeletionProtection: i.DeletionProtection ?? false,
      BackupRetentionPeriod: i.BackupRetentionPeriod ?? 1,
      PreferredBackupWindow: i.PreferredBackupWindow,
      PreferredMaintenanceWindow: i.PreferredMaintenanceWindow,
      MasterUsername: i.MasterUsername,
      DBName: i.DBName,
      VpcSecurityGroups: (i.VpcSecurityGroupIds ?? []).map((id) => ({ VpcSecurityGroupId: id, Status: 'active' })),
      ...(i.ManageMasterUserPassword
        ? {
            MasterUserSecret: {
              SecretArn: `arn:aws:secretsmanager:${region}:${this.#account}:secret:rds!db-${i.DBInstanceIdentifier}`,
              SecretStatus: 'active',
            },
          }
        : {}),
      TagList: i.Tags ?? [],
    });
    return { DBInstance: this.#storeInstance(region, shape) };
  }

  /** A cluster member: engine, storage, backups and credentials are the cluster's. */
  #createMember(i: CreateDBInstanceCommandInput, region: string): { DBInstance: DBInstance } {
    const cluster = this.clusters.join(region, i.DBClusterIdentifier!, i.DBInstanceIdentifier!, i.DBInstanceClass, i.PromotionTier);
    const shape = this.#newInstance(region, i.DBInstanceIdentifier!, {
      Engine: i.Engine,
      EngineVersion: cluster.EngineVersion,
      DBInstanceClass: i.DBInstanceClass,
      DBClusterIdentifier: i.DBClusterIdentifier,
      AllocatedStorage: 1,
      StorageEncrypted: cluster.StorageEncrypted ?? false,
      KmsKeyId: cluster.KmsKeyId,
      PubliclyAccessible: i.PubliclyAccessible ?? false,
      AutoMinorVersionUpgrade: i.AutoMinorVersionUpgrade ?? true,
      PromotionTier: i.PromotionTier ?? 1,
      BackupRetentionPeriod: cluster.BackupRetentionPeriod ?? 1,
      MasterUsername: cluster.MasterUsername,
      DBName: cluster.DatabaseName,
      TagList: i.Tags ?? [],
    });
    return { DBInstance: this.#storeInstance(region, shape) };
  }

  #describeInstances(
    i: DescribeDBInstancesCommandInput,
    region: string,
    owned: (arn: string | undefined) => boolean = () => true,
  ): { DBInstances: DBInstance[]; Marker?: string } {
    if (i.DBInstanceIdentifier !== undefined) {
      const e = this.#instanceEntry(region, i.DBInstanceIdentifier);
      if (!this.#tickInstance(region, e)) throw notFoundInstance(i.DBInstanceIdentifier);
      return { DBInstances: [structuredClone(e.shape)] };
    }
    const all = [...this.#instances.values()].filter(
      (e) => this.#regionOf(e.shape.DBInstanceArn) === region && owned(e.shape.DBInstanceArn),
    );
    const { items, Marker } = this.#page(all, i.MaxRecords, i.Marker);
    const live = items.filter((e) => this.#tickInstance(region, e));
    return { DBInstances: live.map((e) => structuredClone(e.shape)), ...(Marker ? { Marker } : {}) };
  }

  #deleteInstance(i: DeleteDBInstanceCommandInput, region: string): { DBInstance: DBInstance } {
    const e = this.#instanceEntry(region, i.DBInstanceIdentifier);
    if (e.shape.DeletionProtection) {
      throw new InvalidDBInstanceStateFault({
        message: 'Cannot delete protected DB Instance, please disable deletion protection and try again.',
        $metadata,
      });
    }
    if (!i.SkipFinalSnapshot && i.FinalDBSnapshotIdentifier) {
      this.#requireNoSnapshot(region, i.FinalDBSnapshotIdentifier);
      this.#storeSnapshot(region, e.shape, i.FinalDBSnapshotIdentifier, []);
    }
    e.shape.DBInstanceStatus = 'deleting';
    e.settle = this.#pending('gone');
    if (e.shape.DBClusterIdentifier) this.clusters.leave(region, e.shape.DBClusterIdentifier, e.shape.DBInstanceIdentifier!);
    return { DBInstance: structuredClone(e.shape) };
  }

  #reboot(i: RebootDBInstanceCommandInput, region: string): { DBInstance: DBInstance } {
    const e = this.#instanceEntry(region, i.DBInstanceIdentifier);
    this.#requireAvailableInstance(e);
    if (i.ForceFailover) {
      if (!e.shape.MultiAZ) {
        throw new InvalidDBInstanceStateFault({
          message: `Cannot reboot DB Instance ${i.DBInstanceIdentifier} with force failover as it is not Multi-AZ.`,
          $metadata,
        });
      }
      const { AvailabilityZone, SecondaryAvailabilityZone } = e.shape;
      Object.assign(e.shape, { AvailabilityZone: SecondaryAvailabilityZone, SecondaryAvailabilityZone: AvailabilityZone });
    }
    e.shape.DBInstanceStatus = 'rebooting';
    e.settle = this.#pending('available');
    return { DBInstance: structuredClone(e.shape) };
  }

  #addTags(i: AddTagsToResourceCommandInput): object {
    const arn = i.ResourceName ?? '';
    if (this.clusters.addTags(arn, i.Tags)) return {};
    const region = this.#regionOf(arn) ?? '';
    const id = arn.split(':').slice(6).join(':');
    const e = arn.includes(':snapshot:') ? this.#snapshotEntry(region, id) : this.#instanceEntry(region, id);
    e.shape.TagList = mergeTags(e.shape.TagList, i.Tags);
    return {};
  }

  // ---- snapshot commands ----

  #storeSnapshot(region: string, from: DBInstance, id: string, tags: Tag[]): DBSnapshot {
    const shape: DBSnapshot = {
      DBSnapshotIdentifier: id,
      DBSnapshotArn: this.#arn(region, 'snapshot', id),
      DBInstanceIdentifier: from.DBInstanceIdentifier,
      SnapshotType: 'manual',
      Status: 'creating',
      Engine: from.Engine,
      EngineVersion: from.EngineVersion,
      AllocatedStorage: from.AllocatedStorage,
      Encrypted: from.StorageEncrypted ?? false,
      KmsKeyId: from.KmsKeyId,
      MasterUsername: from.MasterUsername,
      PercentProgress: 0,
      SnapshotCreateTime: new Date(),
      TagList: tags,
    };
    this.#snapshots.set(`${region}/${id}`, { shape, settle: this.#pending('available') });
    return structuredClone(shape);
  }

  #createSnapshot(i: CreateDBSnapshotCommandInput, region: string): { DBSnapshot: DBSnapshot } {
    const source = this.#instanceEntry(region, i.DBInstanceIdentifier);
    this.#requireAvailableInstance(source);
    this.#requireNoSnapshot(region, i.DBSnapshotIdentifier);
    return { DBSnapshot: this.#storeSnapshot(region, source.shape, i.DBSnapshotIdentifier!, i.Tags ?? []) };
  }

  #describeSnapshots(
    i: DescribeDBSnapshotsCommandInput,
    region: string,
    owned: (arn: string | undefined) => boolean = () => true,
  ): { DBSnapshots: DBSnapshot[]; Marker?: string } {
    if (i.DBSnapshotIdentifier !== undefined) {
      const e = this.#snapshotEntry(region, i.DBSnapshotIdentifier);
      if (!this.#tickSnapshot(region, e)) throw notFoundSnapshot(i.DBSnapshotIdentifier);
      return { DBSnapshots: [structuredClone(e.shape)] };
    }
    const all = [...this.#snapshots.values()].filter(
      (e) =>
        this.#regionOf(e.shape.DBSnapshotArn) === region &&
        owned(e.shape.DBSnapshotArn) &&
        (i.DBInstanceIdentifier === undefined || e.shape.DBInstanceIdentifier === i.DBInstanceIdentifier) &&
        (i.SnapshotType === undefined || e.shape.SnapshotType === i.SnapshotType),
    );
    const { items, Marker } = this.#page(all, i.MaxRecords, i.Marker);
    const live = items.filter((e) => this.#tickSnapshot(region, e));
    return { DBSnapshots: live.map((e) => structuredClone(e.shape)), ...(Marker ? { Marker } : {}) };
  }

  #deleteSnapshot(i: DeleteDBSnapshotCommandInput, region: string): { DBSnapshot: DBSnapshot } {
    const e = this.#snapshotEntry(region, i.DBSnapshotIdentifier);
    e.shape.Status = 'deleting';
    e.settle = this.#pending('gone');
    return { DBSnapshot: structuredClone(e.shape) };
  }

  #copySnapshot(i: CopyDBSnapshotCommandInput, region: string): { DBSnapshot: DBSnapshot } {
    const ref = parseSnapshotRef(i.SourceDBSnapshotIdentifier ?? '', region);
    const source = this.#snapshotEntry(ref.region, ref.id);
    this.#requireAvailableSnapshot(source);
    this.#requireNoSnapshot(region, i.TargetDBSnapshotIdentifier);
    const id = i.TargetDBSnapshotIdentifier!;
    if (ref.region !== region) {
      const inFlight = [...this.#snapshots.values()].filter(
        (e) => this.#regionOf(e.shape.DBSnapshotArn) === region && e.shape.SourceRegion && e.shape.Status === 'creating',
      ).length;
      if (inFlight >= this.#maxCopiesInFlight) {
        throw new SnapshotQuotaExceededFault({
          message: `Cannot copy ${ref.id}: ${inFlight} cross-region copies are already in progress to ${region}.`,
          $metadata,
        });
      }
      this.copiesInFlightPeak.set(region, Math.max(this.copiesInFlightPeak.get(region) ?? 0, inFlight + 1));
    }
    const shape: DBSnapshot = {
      ...structuredClone(source.shape),
      DBSnapshotIdentifier: id,
      DBSnapshotArn: this.#arn(region, 'snapshot', id),
      SnapshotType: 'manual',
      Status: 'creating',
      PercentProgress: 0,
      KmsKeyId: i.KmsKeyId ?? source.shape.KmsKeyId,
      SourceRegion: ref.region === region ? undefined : ref.region,
      SourceDBSnapshotIdentifier: source.shape.DBSnapshotArn,
      TagList: i.CopyTags ? mergeTags(source.shape.TagList, i.Tags) : (i.Tags ?? []),
    };
    this.#snapshots.set(`${region}/${id}`, { shape, settle: this.#pending('available') });
    return { DBSnapshot: structuredClone(shape) };
  }

  // ---- restore and replica commands ----

  #fromSource(source: {
    Engine?: string;
    EngineVersion?: string;
    AllocatedStorage?: number;
    MasterUsername?: string;
  }): Partial<DBInstance> {
    return {
      Engine: source.Engine,
      EngineVersion: source.EngineVersion,
      AllocatedStorage: source.AllocatedStorage,
      MasterUsername: source.MasterUsername,
    };
  }

  #placement(i: {
    DBSubnetGroupName?: string;
    VpcSecurityGroupIds?: string[];
    PubliclyAccessible?: boolean;
    DBParameterGroupName?: string;
  }): Partial<DBInstance> {
    return {
      ...(i.DBSubnetGroupName ? { DBSubnetGroup: { DBSubnetGroupName: i.DBSubnetGroupName } } : {}),
      ...(i.DBParameterGroupName
        ? { DBParameterGroups: [{ DBParameterGroupName: i.DBParameterGroupName, ParameterApplyStatus: 'in-sync' }] }
        : {}),
      VpcSecurityGroups: (i.VpcSecurityGroupIds ?? []).map((id) => ({ VpcSecurityGroupId: id, Status: 'active' })),
      PubliclyAccessible: i.PubliclyAccessible ?? false,
    };
  }

  #restoreFromSnapshot(i: RestoreDBInstanceFromDBSnapshotCommandInput, region: string): { DBInstance: DBInstance } {
    const snap = this.#snapshotEntry(region, i.DBSnapshotIdentifier);
    this.#requireAvailableSnapshot(snap);
    this.#requireNoInstance(region, i.DBInstanceIdentifier);
    const source = this.#instances.get(`${region}/${snap.shape.DBInstanceIdentifier}`)?.shape;
    const shape = this.#newInstance(region, i.DBInstanceIdentifier!, {
      ...this.#fromSource(snap.shape),
      ...this.#placement(i),
      DBInstanceClass: i.DBInstanceClass,
      DBName: source?.DBName,
      StorageEncrypted: snap.shape.Encrypted ?? false,
      KmsKeyId: snap.shape.KmsKeyId,
      MultiAZ: i.MultiAZ ?? false,
      TagList: i.Tags ?? [],
    });
    return { DBInstance: this.#storeInstance(region, shape) };
  }

  #startReplication(
    i: StartDBInstanceAutomatedBackupsReplicationCommandInput,
    region: string,
  ): { DBInstanceAutomatedBackup: DBInstanceAutomatedBackup } {
    const m = /^arn:aws:rds:([^:]+):[^:]*:db:(.+)$/.exec(i.SourceDBInstanceArn ?? '');
    if (!m) throw notFoundInstance(i.SourceDBInstanceArn ?? '');
    const source = this.#instanceEntry(m[1]!, m[2]);
    const shape = this.addReplicatedBackups(region, m[1]!, m[2]!, {
      Status: 'pending',
      BackupRetentionPeriod: i.BackupRetentionPeriod ?? source.shape.BackupRetentionPeriod,
      ...(i.KmsKeyId ? { KmsKeyId: i.KmsKeyId, Encrypted: true } : {}),
    });
    return { DBInstanceAutomatedBackup: shape };
  }

  #describeAutomatedBackups(
    i: DescribeDBInstanceAutomatedBackupsCommandInput,
    region: string,
  ): { DBInstanceAutomatedBackups: DBInstanceAutomatedBackup[] } {
    const found = [...this.#replicated.entries()]
      .filter(([k, b]) => k.startsWith(`${region}/`) && (!i.DBInstanceIdentifier || b.DBInstanceIdentifier === i.DBInstanceIdentifier))
      .map(([, b]) => structuredClone(b));
    if (i.DBInstanceIdentifier && found.length === 0) {
      throw new DBInstanceAutomatedBackupNotFoundFault({ message: `No automated backups for ${i.DBInstanceIdentifier}.`, $metadata });
    }
    return { DBInstanceAutomatedBackups: found };
  }

  #restoreToPointInTime(i: RestoreDBInstanceToPointInTimeCommandInput, region: string): { DBInstance: DBInstance } {
    if (i.SourceDBInstanceAutomatedBackupsArn) return this.#restoreReplicated(i, region);
    const source = this.#instanceEntry(region, i.SourceDBInstanceIdentifier);
    this.#requireNoInstance(region, i.TargetDBInstanceIdentifier);
    const shape = this.#newInstance(region, i.TargetDBInstanceIdentifier!, {
      ...this.#fromSource(source.shape),
      ...this.#placement(i),
      DBInstanceClass: i.DBInstanceClass ?? source.shape.DBInstanceClass,
      DBName: source.shape.DBName,
      StorageEncrypted: source.shape.StorageEncrypted ?? false,
      TagList: i.Tags ?? [],
    });
    return { DBInstance: this.#storeInstance(region, shape) };
  }

  /** From replicated automated backups in this region: the source instance may be gone (a lost region). */
  #restoreReplicated(i: RestoreDBInstanceToPointInTimeCommandInput, region: string): { DBInstance: DBInstance } {
    const backup = [...this.#replicated.entries()].find(
      ([k, b]) => k.startsWith(`${region}/`) && b.DBInstanceAutomatedBackupsArn === i.SourceDBInstanceAutomatedBackupsArn,
    )?.[1];
    if (!backup) {
      throw new DBInstanceAutomatedBackupNotFoundFault({
        message: `No automated backup ${i.SourceDBInstanceAutomatedBackupsArn}.`,
        $metadata,
      });
    }
    this.#requireNoInstance(region, i.TargetDBInstanceIdentifier);
    const shape = this.#newInstance(region, i.TargetDBInstanceIdentifier!, {
      Engine: backup.Engine ?? 'postgres',
      EngineVersion: backup.EngineVersion ?? '15.8',
      ...this.#placement(i),
      DBInstanceClass: i.DBInstanceClass ?? 'db.t3.micro',
      StorageEncrypted: backup.Encrypted ?? false,
      TagList: i.Tags ?? [],
    });
    return { DBInstance: this.#storeInstance(region, shape) };
  }

  #createReplica(i: CreateDBInstanceReadReplicaCommandInput, region: string): { DBInstance: DBInstance } {
    const source = this.#instanceEntry(region, i.SourceDBInstanceIdentifier);
    this.#requireAvailableInstance(source);
    this.#requireNoInstance(region, i.DBInstanceIdentifier);
    const shape = this.#newInstance(region, i.DBInstanceIdentifier!, {
      ...this.#fromSource(source.shape),
      DBInstanceClass: i.DBInstanceClass ?? source.shape.DBInstanceClass,
      DBName: source.shape.DBName,
      PubliclyAccessible: i.PubliclyAccessible ?? source.shape.PubliclyAccessible ?? false,
      ReadReplicaSourceDBInstanceIdentifier: source.shape.DBInstanceIdentifier,
      StatusInfos: [{ StatusType: 'read replication', Status: 'replicating', Normal: true }],
      TagList: i.Tags ?? [],
    });
    source.shape.ReadReplicaDBInstanceIdentifiers = [...(source.shape.ReadReplicaDBInstanceIdentifiers ?? []), i.DBInstanceIdentifier!];
    return { DBInstance: this.#storeInstance(region, shape) };
  }

  #promote(i: PromoteReadReplicaCommandInput, region: string): { DBInstance: DBInstance } {
    const e = this.#instanceEntry(region, i.DBInstanceIdentifier);
    const sourceId = e.shape.ReadReplicaSourceDBInstanceIdentifier;
    if (!sourceId) {
      throw new InvalidDBInstanceStateFault({ message: `DB Instance ${i.DBInstanceIdentifier} is not a read replica.`, $metadata });
    }
    const source = this.#instances.get(`${region}/${sourceId}`);
    if (source) {
      source.shape.ReadReplicaDBInstanceIdentifiers = (source.shape.ReadReplicaDBInstanceIdentifiers ?? []).filter(
        (r) => r !== i.DBInstanceIdentifier,
      );
    }
    if (e.shape.DBInstanceStatus === 'backing-up') {
      throw new InvalidDBInstanceStateFault({ message: `DB Instance ${i.DBInstanceIdentifier} is backing-up; cannot promote.`, $metadata });
    }
    e.shape.ReadReplicaSourceDBInstanceIdentifier = undefined;
    e.shape.StatusInfos = undefined;
    if (i.BackupRetentionPeriod !== undefined) e.shape.BackupRetentionPeriod = i.BackupRetentionPeriod;
    if (i.PreferredBackupWindow !== undefined) e.shape.PreferredBackupWindow = i.PreferredBackupWindow;
    e.shape.DBInstanceStatus = 'modifying';
    e.settle = this.#pending('available');
    return { DBInstance: structuredClone(e.shape) };
  }

  // ---- stop / start ----

  #stop(i: StopDBInstanceCommandInput, region: string): { DBInstance: DBInstance } {
    const e = this.#instanceEntry(region, i.DBInstanceIdentifier);
    if ((e.shape.ReadReplicaDBInstanceIdentifiers ?? []).length > 0 || e.shape.ReadReplicaSourceDBInstanceIdentifier) {
      throw new InvalidDBInstanceStateFault({
        message: `Cannot stop instance ${i.DBInstanceIdentifier}: it has read replicas or is a read replica.`,
        $metadata,
      });
    }
    this.#requireAvailableInstance(e);
    e.shape.DBInstanceStatus = 'stopped';
    e.settle = undefined;
    return { DBInstance: structuredClone(e.shape) };
  }

  #start(i: StartDBInstanceCommandInput, region: string): { DBInstance: DBInstance } {
    const e = this.#instanceEntry(region, i.DBInstanceIdentifier);
    if (e.shape.DBInstanceStatus !== 'stopped') {
      throw new InvalidDBInstanceStateFault({ message: `Instance ${i.DBInstanceIdentifier} is not stopped.`, $metadata });
    }
    e.shape.DBInstanceStatus = 'starting';
    e.settle = this.#pending('available');
    return { DBInstance: structuredClone(e.shape) };
  }

  #describeMaintenance(i: DescribePendingMaintenanceActionsCommandInput): {
    PendingMaintenanceActions: ResourcePendingMaintenanceActions[];
  } {
    const arns = i.Filters?.find((f) => f.Name === 'db-instance-id')?.Values;
    const all = [...this.#maintenance.values()].filter((a) => !arns || arns.includes(a.ResourceIdentifier ?? ''));
    return { PendingMaintenanceActions: structuredClone(all) };
  }

  // ---- RDS Proxy ----

  #proxyTarget(region: string, id: string): DBProxyTarget {
    const db = this.#instances.get(`${region}/${id}`)?.shape;
    return {
      TargetArn: this.#arn(region, 'db', id),
      RdsResourceId: id,
      Endpoint: db?.Endpoint?.Address,
      Port: 5432,
      Type: 'RDS_INSTANCE',
      Role: 'READ_WRITE',
      TargetHealth: { State: 'AVAILABLE' },
    };
  }

  #proxyEntry(region: string, name: string | undefined): Entry<DBProxy> {
    const e = name === undefined ? undefined : this.#proxies.get(`${region}/${name}`);
    if (!e) throw new DBProxyNotFoundFault({ message: `DBProxy ${name} not found.`, $metadata });
    return e;
  }

  #createProxy(i: CreateDBProxyCommandInput, region: string): { DBProxy: DBProxy } {
    if (this.#proxies.has(`${region}/${i.DBProxyName}`)) {
      throw new DBInstanceAlreadyExistsFault({ message: `DB proxy ${i.DBProxyName} already exists`, $metadata });
    }
    const shape: DBProxy = {
      DBProxyName: i.DBProxyName,
      DBProxyArn: `arn:aws:rds:${region}:${this.#account}:db-proxy:prx-${i.DBProxyName}`,
      Status: 'creating',
      EngineFamily: i.EngineFamily,
      Endpoint: `${i.DBProxyName}.proxy-abc123.${region}.rds.amazonaws.com`,
      RequireTLS: i.RequireTLS ?? false,
      RoleArn: i.RoleArn,
      VpcSubnetIds: i.VpcSubnetIds,
      VpcSecurityGroupIds: i.VpcSecurityGroupIds,
      Auth: i.Auth?.map((a) => ({ ...a })),
    };
    this.#proxies.set(`${region}/${i.DBProxyName}`, { shape, settle: this.#pending('available') });
    this.#targets.set(`${region}/${i.DBProxyName}`, []);
    return { DBProxy: structuredClone(shape) };
  }

  /** DeleteDBProxy: gone at once (RDS says "deleting" for a while; the next describe does not find it). */
  #deleteProxy(i: DeleteDBProxyCommandInput, region: string): { DBProxy: DBProxy } {
    const e = this.#proxyEntry(region, i.DBProxyName);
    this.#proxies.delete(`${region}/${i.DBProxyName}`);
    this.#targets.delete(`${region}/${i.DBProxyName}`);
    return { DBProxy: { ...structuredClone(e.shape), Status: 'deleting' } };
  }

  #describeProxies(i: DescribeDBProxiesCommandInput, region: string): { DBProxies: DBProxy[] } {
    const list =
      i.DBProxyName !== undefined
        ? [this.#proxyEntry(region, i.DBProxyName)]
        : [...this.#proxies.entries()].filter(([k]) => k.startsWith(`${region}/`)).map(([, e]) => e);
    for (const e of list) {
      if (!e.settle) continue;
      e.settle.after -= 1;
      if (e.settle.after <= 0) {
        e.settle = undefined;
        e.shape.Status = 'available';
      }
    }
    return { DBProxies: list.map((e) => structuredClone(e.shape)) };
  }

  #describeProxyTargets(i: DescribeDBProxyTargetsCommandInput, region: string): { Targets: DBProxyTarget[] } {
    this.#proxyEntry(region, i.DBProxyName);
    const key = `${region}/${i.DBProxyName}`;
    const held = this.#heldHealth.get(key);
    const out: DBProxyTarget[] = [];
    for (const t of this.#targets.get(key) ?? []) {
      if (t.settle > 0) t.settle -= 1;
      const hold = held?.get(t.target.RdsResourceId ?? '');
      const health = hold ?? (t.settle > 0 ? { State: 'REGISTERING' as const } : { State: 'AVAILABLE' as const });
      out.push({ ...structuredClone(t.target), TargetHealth: structuredClone(health) });
    }
    return { Targets: out };
  }

  #registerTargets(i: RegisterDBProxyTargetsCommandInput, region: string): { DBProxyTargets: DBProxyTarget[] } {
    this.#proxyEntry(region, i.DBProxyName);
    const list = this.#targets.get(`${region}/${i.DBProxyName}`) ?? [];
    const added: DBProxyTarget[] = [];
    for (const id of i.DBInstanceIdentifiers ?? []) {
      const db = this.#instanceEntry(region, id);
      if (db.shape.ReadReplicaSourceDBInstanceIdentifier || db.shape.DBInstanceStatus !== 'available') {
        throw new InvalidDBInstanceStateFault({ message: `DB instance ${id} is a read replica or not available.`, $metadata });
      }
      if (list.some((t) => t.target.RdsResourceId === id)) {
        throw new DBProxyTargetAlreadyRegisteredFault({ message: `${id} is already registered.`, $metadata });
      }
      const target = { ...this.#proxyTarget(region, id), TargetHealth: { State: 'REGISTERING' as const } };
      list.push({ target, settle: this.#settleAfter });
      added.push(structuredClone(target));
    }
    this.#targets.set(`${region}/${i.DBProxyName}`, list);
    return { DBProxyTargets: added };
  }

  #deregisterTargets(i: DeregisterDBProxyTargetsCommandInput, region: string): object {
    this.#proxyEntry(region, i.DBProxyName);
    const key = `${region}/${i.DBProxyName}`;
    const list = this.#targets.get(key) ?? [];
    for (const id of i.DBInstanceIdentifiers ?? []) {
      if (!list.some((t) => t.target.RdsResourceId === id))
        throw new DBProxyTargetNotFoundFault({ message: `${id} is not registered.`, $metadata });
    }
    this.#targets.set(
      key,
      list.filter((t) => !(i.DBInstanceIdentifiers ?? []).includes(t.target.RdsResourceId ?? '')),
    );
    return {};
  }
}
