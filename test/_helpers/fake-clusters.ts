/**
 * FakeClusters: Aurora clusters for the stateful RDS fakes (FakeRds, FakeAwsAccount), on
 * their aws-sdk-client-mock stub. Per region, like RDS: clusters move `creating ->
 * available` after N describes, `deleting -> gone`; members join when CreateDBInstance
 * names a DBClusterIdentifier (the first is the writer, the rest readers) and leave when
 * they are deleted; FailoverDBCluster moves the writer to the target reader (the cluster
 * is `failing-over` for N describes); cluster snapshots are kept per region, copied across
 * regions by ARN (an encrypted one needs a KmsKeyId of the target region).
 *
 * RDS' refusals that dbops must meet: a cluster with members, or with deletion
 * protection, is not deleted; a db.serverless member needs the cluster's
 * ServerlessV2ScalingConfiguration; a failover target must be a reader of the cluster.
 */
import {
  CopyDBClusterSnapshotCommand,
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  DBClusterAlreadyExistsFault,
  DBClusterNotFoundFault,
  DBClusterSnapshotAlreadyExistsFault,
  DBClusterSnapshotNotFoundFault,
  DeleteDBClusterCommand,
  DeleteDBClusterSnapshotCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  FailoverDBClusterCommand,
  InvalidDBClusterStateFault,
  InvalidDBClusterSnapshotStateFault,
  KMSKeyNotAccessibleFault,
  ModifyDBClusterCommand,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBClusterToPointInTimeCommand,
  type CopyDBClusterSnapshotCommandInput,
  type CreateDBClusterCommandInput,
  type CreateDBClusterSnapshotCommandInput,
  type DBCluster,
  type DBClusterSnapshot,
  type DeleteDBClusterCommandInput,
  type DeleteDBClusterSnapshotCommandInput,
  type DescribeDBClustersCommandInput,
  type DescribeDBClusterSnapshotsCommandInput,
  type FailoverDBClusterCommandInput,
  type ModifyDBClusterCommandInput,
  type RDSClient,
  type RestoreDBClusterFromSnapshotCommandInput,
  type RestoreDBClusterToPointInTimeCommandInput,
  type Tag,
} from '@aws-sdk/client-rds';
import type { AwsClientStub } from 'aws-sdk-client-mock';

const $metadata = {};

interface Entry<T> {
  shape: T;
  settle?: { after: number; to: 'available' | 'gone' };
}

export interface FakeClustersOptions {
  settleAfter: number;
  account: string;
  /** The region every call is in, for a single-region fake (FakeAwsAccount); else the client's. */
  region?: string;
}

function clusterNotFound(id: string | undefined): DBClusterNotFoundFault {
  return new DBClusterNotFoundFault({ message: `DBCluster ${id} not found.`, $metadata });
}

function snapshotNotFound(id: string | undefined): DBClusterSnapshotNotFoundFault {
  return new DBClusterSnapshotNotFoundFault({ message: `DBClusterSnapshot ${id} not found.`, $metadata });
}

function mergeTags(...lists: (Tag[] | undefined)[]): Tag[] {
  const byKey = new Map<string, string | undefined>();
  for (const list of lists) for (const t of list ?? []) if (t.Key !== undefined) byKey.set(t.Key, t.Value);
  return [...byKey].map(([Key, Value]) => ({ Key, Value }));
}

export class FakeClusters {
  readonly #clusters = new Map<string, Entry<DBCluster>>();
  readonly #snapshots = new Map<string, Entry<DBClusterSnapshot>>();
  readonly #settleAfter: number;
  readonly #account: string;
  readonly #region?: string;

  constructor(opts: FakeClustersOptions) {
    this.#settleAfter = opts.settleAfter;
    this.#account = opts.account;
    this.#region = opts.region;
  }

  install(m: AwsClientStub<RDSClient>): void {
    const regionOf = async (getClient: () => RDSClient): Promise<string> => this.#region ?? getClient().config.region();
    m.on(CreateDBClusterCommand).callsFake(async (i, c) => this.#create(i, await regionOf(c)));
    m.on(DescribeDBClustersCommand).callsFake(async (i, c) => this.#describe(i, await regionOf(c)));
    m.on(ModifyDBClusterCommand).callsFake(async (i, c) => this.#modify(i, await regionOf(c)));
    m.on(DeleteDBClusterCommand).callsFake(async (i, c) => this.#delete(i, await regionOf(c)));
    m.on(FailoverDBClusterCommand).callsFake(async (i, c) => this.#failover(i, await regionOf(c)));
    m.on(CreateDBClusterSnapshotCommand).callsFake(async (i, c) => this.#createSnapshot(i, await regionOf(c)));
    m.on(DescribeDBClusterSnapshotsCommand).callsFake(async (i, c) => this.#describeSnapshots(i, await regionOf(c)));
    m.on(DeleteDBClusterSnapshotCommand).callsFake(async (i, c) => this.#deleteSnapshot(i, await regionOf(c)));
    m.on(CopyDBClusterSnapshotCommand).callsFake(async (i, c) => this.#copySnapshot(i, await regionOf(c)));
    m.on(RestoreDBClusterFromSnapshotCommand).callsFake(async (i, c) => this.#restoreFromSnapshot(i, await regionOf(c)));
    m.on(RestoreDBClusterToPointInTimeCommand).callsFake(async (i, c) => this.#restoreToPointInTime(i, await regionOf(c)));
  }

  // ---- seeding and inspection ----

  /** Adds an available Aurora Serverless v2 PostgreSQL cluster (members join with addMember or CreateDBInstance). */
  addCluster(region: string, id: string, overrides: Partial<DBCluster> = {}): DBCluster {
    const shape: DBCluster = {
      ...this.#newCluster(region, id),
      ...this.#availableFields(region, id),
      StorageEncrypted: true,
      BackupRetentionPeriod: 7,
      MasterUsername: 'dbops',
      DatabaseName: 'app',
      EarliestRestorableTime: new Date('2024-12-25T00:00:00Z'),
      LatestRestorableTime: new Date('2025-01-01T00:00:00Z'),
      ...overrides,
    };
    this.#clusters.set(`${region}/${id}`, { shape });
    return structuredClone(shape);
  }

  /** Adds an available cluster snapshot. */
  addClusterSnapshot(region: string, id: string, overrides: Partial<DBClusterSnapshot> = {}): DBClusterSnapshot {
    const shape: DBClusterSnapshot = {
      DBClusterSnapshotIdentifier: id,
      DBClusterSnapshotArn: this.#arn(region, 'cluster-snapshot', id),
      DBClusterIdentifier: 'content-hub',
      SnapshotType: 'manual',
      Status: 'available',
      Engine: 'aurora-postgresql',
      EngineVersion: '15.4',
      AllocatedStorage: 1,
      StorageEncrypted: true,
      PercentProgress: 100,
      SnapshotCreateTime: new Date('2025-01-01T03:00:00Z'),
      TagList: [],
      ...overrides,
    };
    this.#snapshots.set(`${region}/${id}`, { shape });
    return structuredClone(shape);
  }

  /** Changes fields of a cluster as RDS would by itself. */
  setCluster(region: string, id: string, fields: Partial<DBCluster>): void {
    Object.assign(this.#entry(region, id).shape, fields);
  }

  cluster(region: string, id: string): DBCluster | undefined {
    const e = this.#clusters.get(`${region}/${id}`);
    return e && structuredClone(e.shape);
  }

  clusterSnapshot(region: string, id: string): DBClusterSnapshot | undefined {
    const e = this.#snapshots.get(`${region}/${id}`);
    return e && structuredClone(e.shape);
  }

  clusterIds(region: string): string[] {
    return [...this.#clusters.keys()].filter((k) => k.startsWith(`${region}/`)).map((k) => k.slice(region.length + 1));
  }

  clusterSnapshotIds(region: string): string[] {
    return [...this.#snapshots.keys()].filter((k) => k.startsWith(`${region}/`)).map((k) => k.slice(region.length + 1));
  }

  /** The writer's instance id. */
  writerOf(region: string, id: string): string | undefined {
    return this.#entry(region, id).shape.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier;
  }

  /** AddTagsToResource on a cluster or cluster snapshot ARN; false when the ARN is neither. */
  addTags(arn: string, tags: Tag[] | undefined): boolean {
    const m = /^arn:aws:rds:([^:]+):[^:]*:(cluster|cluster-snapshot):(.+)$/.exec(arn);
    if (!m) return false;
    const [, region, kind, id] = m;
    const e = kind === 'cluster' ? this.#entry(region!, id) : this.#snapshotEntry(region!, id);
    e.shape.TagList = mergeTags(e.shape.TagList, tags);
    return true;
  }

  // ---- members (called by the instance fakes) ----

  /**
   * An instance joins a cluster (CreateDBInstance with DBClusterIdentifier): the first is the
   * writer. Returns the cluster, whose engine, storage and credentials the member takes.
   */
  join(region: string, clusterId: string, instanceId: string, instanceClass: string | undefined, promotionTier?: number): DBCluster {
    const e = this.#entry(region, clusterId);
    if (e.shape.Status !== 'available') {
      throw new InvalidDBClusterStateFault({ message: `DB cluster ${clusterId} is not available (${e.shape.Status}).`, $metadata });
    }
    if (instanceClass === 'db.serverless' && !e.shape.ServerlessV2ScalingConfiguration) {
      throw new InvalidDBClusterStateFault({
        message: `Set the Serverless v2 scaling configuration on the parent DB cluster ${clusterId} before creating a Serverless v2 DB instance.`,
        $metadata,
      });
    }
    const members = e.shape.DBClusterMembers ?? [];
    members.push({
      DBInstanceIdentifier: instanceId,
      IsClusterWriter: members.length === 0,
      PromotionTier: promotionTier ?? 1,
      DBClusterParameterGroupStatus: 'in-sync',
    });
    e.shape.DBClusterMembers = members;
    return structuredClone(e.shape);
  }

  /** An instance leaves its cluster (deleted); a reader becomes the writer if the writer left. */
  leave(region: string, clusterId: string, instanceId: string): void {
    const e = this.#clusters.get(`${region}/${clusterId}`);
    if (!e) return;
    const members = (e.shape.DBClusterMembers ?? []).filter((m) => m.DBInstanceIdentifier !== instanceId);
    if (members.length > 0 && !members.some((m) => m.IsClusterWriter)) members[0]!.IsClusterWriter = true;
    e.shape.DBClusterMembers = members;
  }

  // ---- helpers ----

  #arn(region: string, kind: 'cluster' | 'cluster-snapshot', id: string): string {
    return `arn:aws:rds:${region}:${this.#account}:${kind}:${id}`;
  }

  #availableFields(region: string, id: string): Partial<DBCluster> {
    return {
      Status: 'available',
      Endpoint: `${id}.cluster-abc123.${region}.rds.amazonaws.com`,
      ReaderEndpoint: `${id}.cluster-ro-abc123.${region}.rds.amazonaws.com`,
      Port: 5432,
    };
  }

  #newCluster(region: string, id: string): DBCluster {
    return {
      DBClusterIdentifier: id,
      DBClusterArn: this.#arn(region, 'cluster', id),
      Status: 'creating',
      Engine: 'aurora-postgresql',
      EngineVersion: '15.4',
      EngineMode: 'provisioned',
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 },
      StorageEncrypted: false,
      DeletionProtection: false,
      BackupRetentionPeriod: 1,
      CopyTagsToSnapshot: false,
      DBClusterMembers: [],
      VpcSecurityGroups: [],
      TagList: [],
    };
  }

  #entry(region: string, id: string | undefined): Entry<DBCluster> {
    const e = id === undefined ? undefined : this.#clusters.get(`${region}/${id}`);
    if (!e) throw clusterNotFound(id);
    return e;
  }

  #snapshotEntry(region: string, id: string | undefined): Entry<DBClusterSnapshot> {
    const e = id === undefined ? undefined : this.#snapshots.get(`${region}/${id}`);
    if (!e) throw snapshotNotFound(id);
    return e;
  }

  #requireNoSnapshot(region: string, id: string | undefined): void {
    if (this.#snapshots.has(`${region}/${id}`)) {
      throw new DBClusterSnapshotAlreadyExistsFault({ message: `DB cluster snapshot ${id} already exists.`, $metadata });
    }
  }

  #pending(to: 'available' | 'gone'): Entry<never>['settle'] {
    return { after: this.#settleAfter, to };
  }

  #tick(region: string, e: Entry<DBCluster>): boolean {
    if (!e.settle) return true;
    e.settle.after -= 1;
    if (e.settle.after > 0) return true;
    const to = e.settle.to;
    e.settle = undefined;
    if (to === 'gone') {
      this.#clusters.delete(`${region}/${e.shape.DBClusterIdentifier}`);
      return false;
    }
    Object.assign(e.shape, this.#availableFields(region, e.shape.DBClusterIdentifier!));
    return true;
  }

  #tickSnapshot(region: string, e: Entry<DBClusterSnapshot>): boolean {
    if (!e.settle) return true;
    e.settle.after -= 1;
    if (e.settle.after > 0) return true;
    const to = e.settle.to;
    e.settle = undefined;
    if (to === 'gone') {
      this.#snapshots.delete(`${region}/${e.shape.DBClusterSnapshotIdentifier}`);
      return false;
    }
    Object.assign(e.shape, { Status: 'available', PercentProgress: 100 });
    return true;
  }

  #page<T>(items: T[], maxRecords: number | undefined, marker: string | undefined): { items: T[]; Marker?: string } {
    const start = marker ? Number(marker) : 0;
    const next = start + (maxRecords ?? 100);
    return { items: items.slice(start, next), ...(next < items.length ? { Marker: String(next) } : {}) };
  }

  // ---- cluster commands ----

  #create(i: CreateDBClusterCommandInput, region: string): { DBCluster: DBCluster } {
    const id = i.DBClusterIdentifier!;
    if (this.#clusters.has(`${region}/${id}`)) throw new DBClusterAlreadyExistsFault({ message: 'DB cluster already exists', $metadata });
    const shape: DBCluster = {
      ...this.#newCluster(region, id),
      Engine: i.Engine,
      EngineVersion: i.EngineVersion === '15' ? '15.8' : i.EngineVersion,
      ServerlessV2ScalingConfiguration: i.ServerlessV2ScalingConfiguration,
      StorageEncrypted: i.StorageEncrypted ?? false,
      KmsKeyId: i.StorageEncrypted ? (i.KmsKeyId ?? `arn:aws:kms:${region}:${this.#account}:key/aws-rds`) : undefined,
      DeletionProtection: i.DeletionProtection ?? false,
      BackupRetentionPeriod: i.BackupRetentionPeriod ?? 1,
      PreferredBackupWindow: i.PreferredBackupWindow,
      PreferredMaintenanceWindow: i.PreferredMaintenanceWindow,
      CopyTagsToSnapshot: i.CopyTagsToSnapshot ?? false,
      DatabaseName: i.DatabaseName,
      MasterUsername: i.MasterUsername,
      ...(i.ManageMasterUserPassword
        ? {
            MasterUserSecret: {
              SecretArn: `arn:aws:secretsmanager:${region}:${this.#account}:secret:rds!cluster-${id}`,
              SecretStatus: 'active',
            },
          }
        : {}),
      VpcSecurityGroups: (i.VpcSecurityGroupIds ?? []).map((g) => ({ VpcSecurityGroupId: g, Status: 'active' })),
      ...(i.DBSubnetGroupName ? { DBSubnetGroup: i.DBSubnetGroupName } : {}),
      TagList: i.Tags ?? [],
    };
    this.#clusters.set(`${region}/${id}`, { shape, settle: this.#pending('available') });
    return { DBCluster: structuredClone(shape) };
  }

  #describe(i: DescribeDBClustersCommandInput, region: string): { DBClusters: DBCluster[]; Marker?: string } {
    if (i.DBClusterIdentifier !== undefined) {
      const e = this.#entry(region, i.DBClusterIdentifier);
      if (!this.#tick(region, e)) throw clusterNotFound(i.DBClusterIdentifier);
      return { DBClusters: [structuredClone(e.shape)] };
    }
    const all = [...this.#clusters.entries()].filter(([k]) => k.startsWith(`${region}/`)).map(([, e]) => e);
    const { items, Marker } = this.#page(all, i.MaxRecords, i.Marker);
    const live = items.filter((e) => this.#tick(region, e));
    return { DBClusters: live.map((e) => structuredClone(e.shape)), ...(Marker ? { Marker } : {}) };
  }

  #modify(i: ModifyDBClusterCommandInput, region: string): { DBCluster: DBCluster } {
    const e = this.#entry(region, i.DBClusterIdentifier);
    if (e.shape.Status !== 'available') throw new InvalidDBClusterStateFault({ message: 'DB cluster is not available.', $metadata });
    const set = <K extends keyof DBCluster>(k: K, v: DBCluster[K] | undefined) => {
      if (v !== undefined) e.shape[k] = v;
    };
    set('ServerlessV2ScalingConfiguration', i.ServerlessV2ScalingConfiguration);
    set('DeletionProtection', i.DeletionProtection);
    set('BackupRetentionPeriod', i.BackupRetentionPeriod);
    set('PreferredBackupWindow', i.PreferredBackupWindow);
    set('PreferredMaintenanceWindow', i.PreferredMaintenanceWindow);
    set('CopyTagsToSnapshot', i.CopyTagsToSnapshot);
    if (i.VpcSecurityGroupIds) e.shape.VpcSecurityGroups = i.VpcSecurityGroupIds.map((g) => ({ VpcSecurityGroupId: g, Status: 'active' }));
    e.shape.Status = 'modifying';
    e.settle = this.#pending('available');
    return { DBCluster: structuredClone(e.shape) };
  }

  #delete(i: DeleteDBClusterCommandInput, region: string): { DBCluster: DBCluster } {
    const e = this.#entry(region, i.DBClusterIdentifier);
    if (e.shape.DeletionProtection) {
      throw new InvalidDBClusterStateFault({
        message: 'Cannot delete protected Cluster, please disable deletion protection and try again.',
        $metadata,
      });
    }
    if ((e.shape.DBClusterMembers ?? []).length > 0) {
      throw new InvalidDBClusterStateFault({
        message: 'Cluster cannot be deleted, it still contains DB instances in non-deleting state.',
        $metadata,
      });
    }
    if (!i.SkipFinalSnapshot && i.FinalDBSnapshotIdentifier) {
      this.#requireNoSnapshot(region, i.FinalDBSnapshotIdentifier);
      this.#storeSnapshot(region, e.shape, i.FinalDBSnapshotIdentifier, e.shape.CopyTagsToSnapshot ? (e.shape.TagList ?? []) : []);
    }
    e.shape.Status = 'deleting';
    e.settle = this.#pending('gone');
    return { DBCluster: structuredClone(e.shape) };
  }

  #failover(i: FailoverDBClusterCommandInput, region: string): { DBCluster: DBCluster } {
    const e = this.#entry(region, i.DBClusterIdentifier);
    if (e.shape.Status !== 'available') {
      throw new InvalidDBClusterStateFault({ message: `DB cluster ${i.DBClusterIdentifier} is not available.`, $metadata });
    }
    const members = e.shape.DBClusterMembers ?? [];
    const readers = members.filter((m) => !m.IsClusterWriter);
    const target = i.TargetDBInstanceIdentifier
      ? readers.find((m) => m.DBInstanceIdentifier === i.TargetDBInstanceIdentifier)
      : [...readers].sort((a, b) => (a.PromotionTier ?? 1) - (b.PromotionTier ?? 1))[0];
    if (!target) {
      throw new InvalidDBClusterStateFault({
        message: i.TargetDBInstanceIdentifier
          ? `${i.TargetDBInstanceIdentifier} is not a reader of DB cluster ${i.DBClusterIdentifier}.`
          : `DB cluster ${i.DBClusterIdentifier} has no reader to fail over to.`,
        $metadata,
      });
    }
    for (const m of members) m.IsClusterWriter = m === target;
    e.shape.Status = 'failing-over';
    e.settle = this.#pending('available');
    return { DBCluster: structuredClone(e.shape) };
  }

  // ---- restores: a new cluster, `creating -> available`, with no instance (RDS restores none) ----

  #restored(
    region: string,
    i: RestoreDBClusterFromSnapshotCommandInput | RestoreDBClusterToPointInTimeCommandInput,
    from: DBCluster | DBClusterSnapshot,
  ): { DBCluster: DBCluster } {
    const id = i.DBClusterIdentifier!;
    if (this.#clusters.has(`${region}/${id}`)) throw new DBClusterAlreadyExistsFault({ message: 'DB cluster already exists', $metadata });
    const shape: DBCluster = {
      ...this.#newCluster(region, id),
      Engine: from.Engine,
      EngineVersion: ('EngineVersion' in i ? i.EngineVersion : undefined) ?? from.EngineVersion,
      ServerlessV2ScalingConfiguration: i.ServerlessV2ScalingConfiguration,
      StorageEncrypted: from.StorageEncrypted ?? false,
      KmsKeyId: from.KmsKeyId,
      DeletionProtection: i.DeletionProtection ?? false,
      CopyTagsToSnapshot: i.CopyTagsToSnapshot ?? false,
      MasterUsername: from.MasterUsername ?? 'dbops',
      DatabaseName: 'DatabaseName' in from ? from.DatabaseName : 'app',
      VpcSecurityGroups: (i.VpcSecurityGroupIds ?? []).map((g) => ({ VpcSecurityGroupId: g, Status: 'active' })),
      ...(i.DBSubnetGroupName ? { DBSubnetGroup: i.DBSubnetGroupName } : {}),
      TagList: i.Tags ?? [],
    };
    this.#clusters.set(`${region}/${id}`, { shape, settle: this.#pending('available') });
    return { DBCluster: structuredClone(shape) };
  }

  #restoreFromSnapshot(i: RestoreDBClusterFromSnapshotCommandInput, region: string): { DBCluster: DBCluster } {
    const snap = this.#snapshotEntry(region, i.SnapshotIdentifier).shape;
    if (snap.Status !== 'available') {
      throw new InvalidDBClusterSnapshotStateFault({ message: `DB cluster snapshot ${i.SnapshotIdentifier} is not available.`, $metadata });
    }
    return this.#restored(region, i, { ...snap, MasterUsername: snap.MasterUsername ?? 'dbops' });
  }

  #restoreToPointInTime(i: RestoreDBClusterToPointInTimeCommandInput, region: string): { DBCluster: DBCluster } {
    const source = this.#entry(region, i.SourceDBClusterIdentifier).shape;
    if (!i.UseLatestRestorableTime && i.RestoreToTime === undefined) {
      throw new InvalidDBClusterStateFault({ message: 'Specify RestoreToTime or UseLatestRestorableTime.', $metadata });
    }
    return this.#restored(region, i, source);
  }

  // ---- cluster snapshot commands ----

  #storeSnapshot(region: string, from: DBCluster, id: string, tags: Tag[]): DBClusterSnapshot {
    const shape: DBClusterSnapshot = {
      DBClusterSnapshotIdentifier: id,
      DBClusterSnapshotArn: this.#arn(region, 'cluster-snapshot', id),
      DBClusterIdentifier: from.DBClusterIdentifier,
      SnapshotType: 'manual',
      Status: 'creating',
      Engine: from.Engine,
      EngineVersion: from.EngineVersion,
      AllocatedStorage: 1,
      StorageEncrypted: from.StorageEncrypted ?? false,
      KmsKeyId: from.KmsKeyId,
      MasterUsername: from.MasterUsername,
      PercentProgress: 0,
      SnapshotCreateTime: new Date(),
      TagList: tags,
    };
    this.#snapshots.set(`${region}/${id}`, { shape, settle: this.#pending('available') });
    return structuredClone(shape);
  }

  #createSnapshot(i: CreateDBClusterSnapshotCommandInput, region: string): { DBClusterSnapshot: DBClusterSnapshot } {
    const source = this.#entry(region, i.DBClusterIdentifier);
    if (source.shape.Status !== 'available') {
      throw new InvalidDBClusterStateFault({ message: `DB cluster ${i.DBClusterIdentifier} is not available.`, $metadata });
    }
    this.#requireNoSnapshot(region, i.DBClusterSnapshotIdentifier);
    return { DBClusterSnapshot: this.#storeSnapshot(region, source.shape, i.DBClusterSnapshotIdentifier!, i.Tags ?? []) };
  }

  #describeSnapshots(
    i: DescribeDBClusterSnapshotsCommandInput,
    region: string,
  ): { DBClusterSnapshots: DBClusterSnapshot[]; Marker?: string } {
    if (i.DBClusterSnapshotIdentifier !== undefined) {
      const e = this.#snapshotEntry(region, i.DBClusterSnapshotIdentifier);
      if (!this.#tickSnapshot(region, e)) throw snapshotNotFound(i.DBClusterSnapshotIdentifier);
      return { DBClusterSnapshots: [structuredClone(e.shape)] };
    }
    const all = [...this.#snapshots.entries()]
      .filter(([k]) => k.startsWith(`${region}/`))
      .map(([, e]) => e)
      .filter(
        (e) =>
          (i.DBClusterIdentifier === undefined || e.shape.DBClusterIdentifier === i.DBClusterIdentifier) &&
          (i.SnapshotType === undefined || e.shape.SnapshotType === i.SnapshotType),
      );
    const { items, Marker } = this.#page(all, i.MaxRecords, i.Marker);
    const live = items.filter((e) => this.#tickSnapshot(region, e));
    return { DBClusterSnapshots: live.map((e) => structuredClone(e.shape)), ...(Marker ? { Marker } : {}) };
  }

  #deleteSnapshot(i: DeleteDBClusterSnapshotCommandInput, region: string): { DBClusterSnapshot: DBClusterSnapshot } {
    const e = this.#snapshotEntry(region, i.DBClusterSnapshotIdentifier);
    if (e.shape.SnapshotType === 'automated') {
      throw new InvalidDBClusterSnapshotStateFault({ message: 'Automated cluster snapshots cannot be deleted.', $metadata });
    }
    e.shape.Status = 'deleting';
    e.settle = this.#pending('gone');
    return { DBClusterSnapshot: structuredClone(e.shape) };
  }

  #copySnapshot(i: CopyDBClusterSnapshotCommandInput, region: string): { DBClusterSnapshot: DBClusterSnapshot } {
    const ref = i.SourceDBClusterSnapshotIdentifier ?? '';
    const m = /^arn:aws:rds:([^:]+):[^:]*:cluster-snapshot:(.+)$/.exec(ref);
    const sourceRegion = m ? m[1]! : region;
    const source = this.#snapshotEntry(sourceRegion, m ? m[2]! : ref);
    if (source.shape.Status !== 'available') {
      throw new InvalidDBClusterSnapshotStateFault({ message: 'The source cluster snapshot is not available.', $metadata });
    }
    if (sourceRegion !== region && source.shape.StorageEncrypted && !i.KmsKeyId) {
      throw new KMSKeyNotAccessibleFault({
        message: 'KmsKeyId is required to copy an encrypted cluster snapshot across regions.',
        $metadata,
      });
    }
    this.#requireNoSnapshot(region, i.TargetDBClusterSnapshotIdentifier);
    const id = i.TargetDBClusterSnapshotIdentifier!;
    const shape: DBClusterSnapshot = {
      ...structuredClone(source.shape),
      DBClusterSnapshotIdentifier: id,
      DBClusterSnapshotArn: this.#arn(region, 'cluster-snapshot', id),
      SnapshotType: 'manual',
      Status: 'copying',
      PercentProgress: 0,
      KmsKeyId: i.KmsKeyId ?? source.shape.KmsKeyId,
      SourceDBClusterSnapshotArn: source.shape.DBClusterSnapshotArn,
      TagList: i.CopyTags ? mergeTags(source.shape.TagList, i.Tags) : (i.Tags ?? []),
    };
    this.#snapshots.set(`${region}/${id}`, { shape, settle: this.#pending('available') });
    return { DBClusterSnapshot: structuredClone(shape) };
  }
}
