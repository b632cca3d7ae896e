/**
 * FakeAwsAccount: a stateful AWS account for provisioning flows, on aws-sdk-client-mock
 * (after FakeRds and aws-cdk's FakeCloudFormation). It answers RDS (instances, modify,
 * orderable options), EC2 (default VPC, security groups, regions), ElastiCache
 * (replication groups, bare cache clusters and Valkey serverless caches), SNS, CloudWatch alarms, Budgets, STS and
 * Secrets Manager. Statuses move: a new instance or cache is `creating` for N describes,
 * a modified one `modifying`, a deleted one `deleting`, then gone.
 *
 * It replaces FakeRds for these tests (both mock RDSClient); `restore()` in afterEach.
 */
import {
  BudgetsClient,
  CreateBudgetCommand,
  CreateNotificationCommand,
  DeleteBudgetCommand,
  DeleteNotificationCommand,
  DescribeBudgetCommand,
  DescribeNotificationsForBudgetCommand,
  DescribeSubscribersForNotificationCommand,
  ListTagsForResourceCommand as BudgetTagsCommand,
  NotFoundException,
  UpdateBudgetCommand,
  type CreateBudgetCommandInput,
  type Notification,
  type Subscriber,
} from '@aws-sdk/client-budgets';
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand as AlarmTagsCommand,
  PutMetricAlarmCommand,
  type MetricAlarm,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeRegionsCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
  type IpPermission,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import {
  CacheClusterNotFoundFault,
  CreateReplicationGroupCommand,
  CreateServerlessCacheCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  DeleteReplicationGroupCommand,
  DeleteServerlessCacheCommand,
  DeleteUserCommand,
  DeleteUserGroupCommand,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  DescribeServerlessCachesCommand,
  DescribeUserGroupsCommand,
  DescribeUsersCommand,
  ElastiCacheClient,
  InvalidUserGroupStateFault,
  UserAlreadyExistsFault,
  UserGroupAlreadyExistsFault,
  UserGroupNotFoundFault,
  UserNotFoundFault,
  ListTagsForResourceCommand as CacheTagsCommand,
  ModifyReplicationGroupCommand,
  ModifyServerlessCacheCommand,
  ReplicationGroupNotFoundFault,
  ServerlessCacheNotFoundFault,
  type CacheCluster,
  type CacheUsageLimits,
  type CreateServerlessCacheCommandInput,
  type CreateUserCommandInput,
  type CreateUserGroupCommandInput,
  type ReplicationGroup,
  type ServerlessCache,
  type Tag as CacheTag,
  type User as CacheUser,
  type UserGroup as CacheUserGroup,
} from '@aws-sdk/client-elasticache';
import {
  AddTagsToResourceCommand,
  CreateDBInstanceCommand,
  DBInstanceAlreadyExistsFault,
  DBInstanceNotFoundFault,
  DBSnapshotNotFoundFault,
  DeleteDBInstanceCommand,
  DBParameterGroupNotFoundFault,
  DBParameterGroupAlreadyExistsFault,
  CreateDBParameterGroupCommand,
  DeleteDBParameterGroupCommand,
  DescribeDBParameterGroupsCommand,
  InvalidDBParameterGroupStateFault,
  ListTagsForResourceCommand as RdsTagsCommand,
  ModifyDBParameterGroupCommand,
  type DBParameterGroup,
  DescribeDBInstancesCommand,
  DescribeDBParametersCommand,
  DescribeDBSnapshotsCommand,
  DescribeOrderableDBInstanceOptionsCommand,
  InvalidDBInstanceStateFault,
  ModifyDBInstanceCommand,
  RDSClient,
  type CreateDBInstanceCommandInput,
  type DBInstance,
  type DBSnapshot,
  type ModifyDBInstanceCommandInput,
  DBInstanceAutomatedBackupNotFoundFault,
  DescribeDBInstanceAutomatedBackupsCommand,
  StartDBInstanceAutomatedBackupsReplicationCommand,
  type DBInstanceAutomatedBackup,
  type DescribeDBInstanceAutomatedBackupsCommandInput,
  type StartDBInstanceAutomatedBackupsReplicationCommandInput,
} from '@aws-sdk/client-rds';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  ListSubscriptionsByTopicCommand,
  ListTagsForResourceCommand as TopicTagsCommand,
  ListTopicsCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
  type Subscription,
} from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DEFAULTS } from '../../src/lib/config/defaults.js';
import type { DbopsConfig } from '../../src/lib/config/schema.js';
import type { Prompter } from '../../src/lib/context.js';
import { createAwsProvider } from '../../src/lib/providers/aws/provider.js';
import { createAwsProvisionProvider } from '../../src/lib/providers/aws/provision.js';
import type { ProvisionDeps } from '../../src/lib/provision/deps.js';
import { provisionSettings, type ProvisionSettings } from '../../src/lib/provision/settings.js';
import { testOutput, type TestOutput } from './output.js';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { FakeClusters } from './fake-clusters.js';

const $metadata = {};
type Tags = { Key?: string; Value?: string }[];

/** An EC2-style error with a dotted code (InvalidGroup.NotFound, DependencyViolation). */
function ec2Error(code: string, message: string): Error {
  const e = new Error(message) as Error & { Code: string; $metadata: object };
  e.name = code;
  e.Code = code;
  e.$metadata = $metadata;
  return e;
}

function serviceError(name: string, message: string): Error {
  const e = new Error(message) as Error & { $metadata: object };
  e.name = name;
  e.$metadata = $metadata;
  return e;
}

interface Settling<T> {
  shape: T;
  after?: number;
  to?: 'available' | 'gone';
}

export interface FakeAccountOptions {
  region?: string;
  account?: string;
  describesToSettle?: number;
  /** Classes offered per engine (DescribeOrderableDBInstanceOptions). */
  orderable?: Record<string, string[]>;
  /** Regions DescribeRegions lists. */
  regions?: string[];
}

export class FakeAwsAccount {
  readonly region: string;
  readonly account: string;
  readonly rds: AwsClientStub<RDSClient>;
  readonly ec2: AwsClientStub<EC2Client>;
  readonly elastiCache: AwsClientStub<ElastiCacheClient>;
  readonly sns: AwsClientStub<SNSClient>;
  readonly cloudWatch: AwsClientStub<CloudWatchClient>;
  readonly budgets: AwsClientStub<BudgetsClient>;
  readonly sts: AwsClientStub<STSClient>;
  readonly secrets: AwsClientStub<SecretsManagerClient>;
  /** Aurora clusters and cluster snapshots (fake-clusters.ts), in this account's region. */
  readonly clusters: FakeClusters;

  readonly instances = new Map<string, Settling<DBInstance>>();
  /** Final snapshots RDS takes as an instance is deleted, with their tags (copied from the instance, as CopyTagsToSnapshot does). */
  readonly snapshots = new Map<string, DBSnapshot>();
  readonly groups = new Map<string, SecurityGroup>();
  /**
   * DB parameter groups by name, as DescribeDBParameters lists them (a parameter the group
   * leaves unset has no ParameterValue). default.mysql8.0 leaves require_secure_transport unset, as RDS does.
   */
  readonly parameterGroups = new Map<string, { ParameterName: string; ParameterValue?: string }[]>([
    [
      'default.mysql8.0',
      [
        { ParameterName: 'max_connections', ParameterValue: '{DBInstanceClassMemory/12582880}' },
        { ParameterName: 'require_secure_transport' },
      ],
    ],
  ]);
  /** Custom DB parameter groups (CreateDBParameterGroup) by name, with their tags; their parameters are in parameterGroups. */
  readonly customParameterGroups = new Map<string, DBParameterGroup & { Tags: Tags }>();
  readonly replicationGroups = new Map<string, Settling<ReplicationGroup>>();
  readonly cacheClusters = new Map<string, CacheCluster>();
  readonly serverlessCaches = new Map<string, Settling<ServerlessCache>>();
  /** ElastiCache RBAC users (with the passwords they were given) and user groups (creating → active). */
  readonly cacheUsers = new Map<string, CacheUser & { passwords: string[] }>();
  readonly userGroups = new Map<string, Settling<CacheUserGroup>>();
  readonly cacheTags = new Map<string, CacheTag[]>();
  readonly topics = new Map<string, { tags: Tags; subscriptions: Subscription[] }>();
  readonly alarms = new Map<string, MetricAlarm & { Tags?: Tags }>();
  readonly budgetsByName = new Map<string, { input: CreateBudgetCommandInput; notifications: { n: Notification; subs: Subscriber[] }[] }>();
  readonly secretValues = new Map<string, { value: string; tags: Tags }>();
  /** "<DR region>/<source id>" -> the automated backups replicated there. */
  readonly replicatedBackups = new Map<string, DBInstanceAutomatedBackup>();
  /** Calls that should fail once, by command name (to test a failure mid-way). */
  readonly failOnce = new Map<string, Error>();
  #nextId = 1;
  readonly #settle: number;
  readonly #orderable: Record<string, string[]>;
  readonly #regions: string[];

  constructor(opts: FakeAccountOptions = {}) {
    this.region = opts.region ?? 'us-east-2';
    this.account = opts.account ?? '123456789012';
    this.#settle = opts.describesToSettle ?? 2;
    this.#orderable = opts.orderable ?? {
      postgres: ['db.t3.micro', 'db.t3.small', 'db.t4g.micro'],
      mysql: ['db.t3.micro'],
      'aurora-postgresql': ['db.serverless', 'db.r6g.large'],
    };
    this.#regions = opts.regions ?? ['us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1'];
    this.rds = mockClient(RDSClient);
    this.ec2 = mockClient(EC2Client);
    this.elastiCache = mockClient(ElastiCacheClient);
    this.sns = mockClient(SNSClient);
    this.cloudWatch = mockClient(CloudWatchClient);
    this.budgets = mockClient(BudgetsClient);
    this.sts = mockClient(STSClient);
    this.secrets = mockClient(SecretsManagerClient);
    this.clusters = new FakeClusters({ settleAfter: this.#settle, account: this.account, region: this.region });
    this.#installRds();
    this.clusters.install(this.rds);
    this.#installEc2();
    this.#installCache();
    this.#installSns();
    this.#installAlarms();
    this.#installBudgets();
    this.sts.on(GetCallerIdentityCommand).resolves({ Account: this.account, Arn: `arn:aws:iam::${this.account}:user/dbops` });
    this.#installSecrets();
  }

  restore(): void {
    for (const m of [this.rds, this.ec2, this.elastiCache, this.sns, this.cloudWatch, this.budgets, this.sts, this.secrets]) m.restore();
  }

  #id(prefix: string): string {
    return `${prefix}-${String(this.#nextId++).padStart(8, '0')}`;
  }

  #maybeFail(name: string): void {
    const e = this.failOnce.get(name);
    if (e) {
      this.failOnce.delete(name);
      throw e;
    }
  }

  /** Counts a describe; false when the resource is gone. */
  #tick<T>(map: Map<string, Settling<T>>, key: string, settleTo: (s: T) => void): boolean {
    const e = map.get(key);
    if (!e) return false;
    if (e.after === undefined) return true;
    e.after -= 1;
    if (e.after > 0) return true;
    const to = e.to;
    e.after = undefined;
    e.to = undefined;
    if (to === 'gone') {
      map.delete(key);
      return false;
    }
    settleTo(e.shape);
    return true;
  }

  // ---- seeding (the seeds' own design, partly provisioned accounts) ----

  addInstance(shape: DBInstance): void {
    const id = shape.DBInstanceIdentifier!;
    this.instances.set(id, {
      shape: {
        DBInstanceArn: `arn:aws:rds:${this.region}:${this.account}:db:${id}`,
        DBInstanceStatus: 'available',
        VpcSecurityGroups: [],
        TagList: [],
        ReadReplicaDBInstanceIdentifiers: [],
        ...shape,
      },
    });
  }

  addSecurityGroup(g: SecurityGroup): string {
    const id = g.GroupId ?? this.#id('sg');
    this.groups.set(id, { VpcId: 'vpc-default', IpPermissions: [], Tags: [], ...g, GroupId: id });
    return id;
  }

  addCacheCluster(cc: CacheCluster, tags: CacheTag[] = []): void {
    const arn = `arn:aws:elasticache:${this.region}:${this.account}:cluster:${cc.CacheClusterId}`;
    this.cacheClusters.set(cc.CacheClusterId!, { CacheClusterStatus: 'available', ARN: arn, ...cc });
    this.cacheTags.set(arn, tags);
  }

  addAlarm(a: MetricAlarm): void {
    this.alarms.set(a.AlarmName!, {
      AlarmArn: `arn:aws:cloudwatch:${this.region}:${this.account}:alarm:${a.AlarmName}`,
      StateValue: 'OK',
      ...a,
    });
  }

  instance(id: string): DBInstance | undefined {
    return this.instances.get(id)?.shape;
  }

  /** How many resources of each kind exist (for "nothing created" assertions). */
  counts(): Record<string, number> {
    return {
      instances: this.instances.size,
      securityGroups: this.groups.size,
      caches: this.replicationGroups.size + this.serverlessCaches.size,
      topics: this.topics.size,
      alarms: this.alarms.size,
      budgets: this.budgetsByName.size,
      secrets: this.secretValues.size,
    };
  }

  // ---- RDS ----

  #installRds(): void {
    const m = this.rds;
    // Cross-region automated backup replication: state kept per DR region (the client's region).
    m.on(StartDBInstanceAutomatedBackupsReplicationCommand).callsFake(
      async (i: StartDBInstanceAutomatedBackupsReplicationCommandInput, c: () => RDSClient) => {
        const region = await c().config.region();
        const id = /:db:(.+)$/.exec(i.SourceDBInstanceArn ?? '')?.[1] ?? '';
        const shape: DBInstanceAutomatedBackup = {
          DBInstanceArn: i.SourceDBInstanceArn,
          DBInstanceIdentifier: id,
          DBInstanceAutomatedBackupsArn: `arn:aws:rds:${region}:${this.account}:auto-backup:ab-${id}`,
          Region: this.region,
          Status: 'pending',
          BackupRetentionPeriod: i.BackupRetentionPeriod,
          ...(i.KmsKeyId ? { KmsKeyId: i.KmsKeyId } : {}),
        };
        this.replicatedBackups.set(`${region}/${id}`, shape);
        return { DBInstanceAutomatedBackup: shape };
      },
    );
    m.on(DescribeDBInstanceAutomatedBackupsCommand).callsFake(
      async (i: DescribeDBInstanceAutomatedBackupsCommandInput, c: () => RDSClient) => {
        const region = await c().config.region();
        const found = this.replicatedBackups.get(`${region}/${i.DBInstanceIdentifier}`);
        if (!found) throw new DBInstanceAutomatedBackupNotFoundFault({ message: 'No automated backups.', $metadata });
        return { DBInstanceAutomatedBackups: [found] };
      },
    );
    m.on(CreateDBInstanceCommand).callsFake((i: CreateDBInstanceCommandInput) => {
      this.#maybeFail('CreateDBInstance');
      const id = i.DBInstanceIdentifier!;
      if (this.instances.has(id)) throw new DBInstanceAlreadyExistsFault({ message: 'DB instance already exists', $metadata });
      const cluster = i.DBClusterIdentifier
        ? this.clusters.join(this.region, i.DBClusterIdentifier, id, i.DBInstanceClass, i.PromotionTier)
        : undefined;
      const shape: DBInstance = {
        DBInstanceIdentifier: id,
        DBInstanceArn: `arn:aws:rds:${this.region}:${this.account}:db:${id}`,
        DBInstanceStatus: 'creating',
        Engine: i.Engine,
        EngineVersion: i.EngineVersion === '15' ? '15.8' : i.EngineVersion,
        DBInstanceClass: i.DBInstanceClass,
        AllocatedStorage: i.AllocatedStorage,
        MaxAllocatedStorage:
          i.MaxAllocatedStorage !== undefined && i.MaxAllocatedStorage > (i.AllocatedStorage ?? 0) ? i.MaxAllocatedStorage : undefined,
        StorageType: i.StorageType,
        StorageEncrypted: i.StorageEncrypted ?? false,
        MultiAZ: i.MultiAZ ?? false,
        PubliclyAccessible: i.PubliclyAccessible ?? false,
        DeletionProtection: i.DeletionProtection ?? false,
        BackupRetentionPeriod: i.BackupRetentionPeriod ?? 1,
        PreferredBackupWindow: i.PreferredBackupWindow,
        PreferredMaintenanceWindow: i.PreferredMaintenanceWindow,
        AutoMinorVersionUpgrade: i.AutoMinorVersionUpgrade ?? true,
        CopyTagsToSnapshot: i.CopyTagsToSnapshot ?? false,
        MasterUsername: i.MasterUsername,
        DBName: i.DBName,
        VpcSecurityGroups: (i.VpcSecurityGroupIds ?? []).map((g) => ({ VpcSecurityGroupId: g, Status: 'active' })),
        DBParameterGroups: [
          {
            DBParameterGroupName: i.DBParameterGroupName ?? (i.Engine === 'mysql' ? 'default.mysql8.0' : `default.${i.Engine}15`),
            ParameterApplyStatus: 'in-sync',
          },
        ],
        ...(i.ManageMasterUserPassword
          ? {
              MasterUserSecret: {
                SecretArn: `arn:aws:secretsmanager:${this.region}:${this.account}:secret:rds!db-${id}`,
                SecretStatus: 'active',
              },
            }
          : {}),
        ReadReplicaDBInstanceIdentifiers: [],
        TagList: i.Tags ?? [],
        ...(cluster
          ? {
              DBClusterIdentifier: i.DBClusterIdentifier,
              EngineVersion: cluster.EngineVersion,
              AllocatedStorage: 1,
              StorageEncrypted: cluster.StorageEncrypted,
              MasterUsername: cluster.MasterUsername,
              DBName: cluster.DatabaseName,
              BackupRetentionPeriod: cluster.BackupRetentionPeriod,
              DeletionProtection: false,
              PromotionTier: i.PromotionTier,
            }
          : {}),
      };
      this.instances.set(id, { shape, after: this.#settle, to: 'available' });
      return { DBInstance: structuredClone(shape) };
    });
    m.on(DescribeDBParametersCommand).callsFake((i: { DBParameterGroupName?: string; MaxRecords?: number; Marker?: string }) => {
      const params = this.parameterGroups.get(i.DBParameterGroupName ?? '');
      if (!params) throw new DBParameterGroupNotFoundFault({ message: `DBParameterGroup not found: ${i.DBParameterGroupName}`, $metadata });
      const from = Number(i.Marker ?? 0);
      const to = from + (i.MaxRecords ?? 100);
      return { Parameters: structuredClone(params.slice(from, to)), ...(to < params.length ? { Marker: String(to) } : {}) };
    });
    this.#installParameterGroups();
    m.on(DescribeDBInstancesCommand).callsFake((i: { DBInstanceIdentifier?: string }) => {
      const settleTo = (s: DBInstance) => {
        s.DBInstanceStatus = 'available';
        s.Endpoint = {
          Address: `${s.DBInstanceIdentifier}.abc123.${this.region}.rds.amazonaws.com`,
          Port: s.Engine === 'mysql' ? 3306 : 5432,
        };
      };
      if (i.DBInstanceIdentifier) {
        if (!this.#tick(this.instances, i.DBInstanceIdentifier, settleTo))
          throw new DBInstanceNotFoundFault({ message: `DBInstance ${i.DBInstanceIdentifier} not found.`, $metadata });
        return { DBInstances: [structuredClone(this.instances.get(i.DBInstanceIdentifier)!.shape)] };
      }
      const ids = [...this.instances.keys()].filter((k) => this.#tick(this.instances, k, settleTo));
      return { DBInstances: ids.map((k) => structuredClone(this.instances.get(k)!.shape)) };
    });
    m.on(ModifyDBInstanceCommand).callsFake((i: ModifyDBInstanceCommandInput) => {
      const e = this.instances.get(i.DBInstanceIdentifier!);
      if (!e) throw new DBInstanceNotFoundFault({ message: 'not found', $metadata });
      if (e.shape.DBInstanceStatus !== 'available') throw new InvalidDBInstanceStateFault({ message: 'not available', $metadata });
      this.#modify(e, i);
      return { DBInstance: structuredClone(e.shape) };
    });
    m.on(DeleteDBInstanceCommand).callsFake(
      (i: { DBInstanceIdentifier?: string; SkipFinalSnapshot?: boolean; FinalDBSnapshotIdentifier?: string }) => {
        const e = this.instances.get(i.DBInstanceIdentifier!);
        if (!e) throw new DBInstanceNotFoundFault({ message: 'not found', $metadata });
        if (e.shape.DeletionProtection)
          throw new InvalidDBInstanceStateFault({
            message: 'Cannot delete protected DB Instance, please disable deletion protection and try again.',
            $metadata,
          });
        e.shape.DBInstanceStatus = 'deleting';
        e.after = this.#settle;
        e.to = 'gone';
        if (e.shape.DBClusterIdentifier) this.clusters.leave(this.region, e.shape.DBClusterIdentifier, e.shape.DBInstanceIdentifier!);
        if (!i.SkipFinalSnapshot && i.FinalDBSnapshotIdentifier) {
          const id = i.FinalDBSnapshotIdentifier;
          this.snapshots.set(id, {
            DBSnapshotIdentifier: id,
            DBSnapshotArn: `arn:aws:rds:${this.region}:${this.account}:snapshot:${id}`,
            DBInstanceIdentifier: e.shape.DBInstanceIdentifier,
            SnapshotType: 'manual',
            Status: 'available',
            Engine: e.shape.Engine,
            EngineVersion: e.shape.EngineVersion,
            SnapshotCreateTime: new Date(),
            TagList: e.shape.CopyTagsToSnapshot ? structuredClone(e.shape.TagList ?? []) : [],
          });
        }
        return { DBInstance: structuredClone(e.shape) };
      },
    );
    m.on(DescribeDBSnapshotsCommand).callsFake((i: { DBSnapshotIdentifier?: string }) => {
      if (i.DBSnapshotIdentifier === undefined) return { DBSnapshots: [...this.snapshots.values()].map((x) => structuredClone(x)) };
      const snap = this.snapshots.get(i.DBSnapshotIdentifier);
      if (!snap) throw new DBSnapshotNotFoundFault({ message: `DBSnapshot ${i.DBSnapshotIdentifier} not found.`, $metadata });
      return { DBSnapshots: [structuredClone(snap)] };
    });
    m.on(AddTagsToResourceCommand).callsFake((i: { ResourceName?: string; Tags?: { Key?: string; Value?: string }[] }) => {
      if (this.clusters.addTags(i.ResourceName ?? '', i.Tags)) return {};
      const snap = [...this.snapshots.values()].find((x) => x.DBSnapshotArn === i.ResourceName);
      if (snap) {
        const merged = new Map((snap.TagList ?? []).map((t) => [t.Key, t.Value]));
        for (const t of i.Tags ?? []) merged.set(t.Key, t.Value);
        snap.TagList = [...merged].map(([Key, Value]) => ({ Key, Value }));
      }
      return {};
    });
    m.on(DescribeOrderableDBInstanceOptionsCommand).callsFake((i: { Engine?: string; DBInstanceClass?: string }) => {
      const classes = this.#orderable[i.Engine ?? ''] ?? [];
      // Without a class, AWS lists every class of the engine.
      const offered = i.DBInstanceClass === undefined ? classes.length > 0 : classes.includes(i.DBInstanceClass);
      if (!offered) return { OrderableDBInstanceOptions: [] };
      const versions = i.Engine === 'mysql' ? ['8.0.35', '8.0.39'] : ['14.12', '15.4', '15.8', '16.4'];
      if (i.Engine === 'aurora-postgresql') {
        return {
          OrderableDBInstanceOptions: versions.map((v) => ({
            Engine: i.Engine,
            EngineVersion: v,
            DBInstanceClass: i.DBInstanceClass,
            StorageType: 'aurora',
          })),
        };
      }
      return {
        OrderableDBInstanceOptions: versions.flatMap((v) =>
          ['gp2', 'gp3', 'io1'].map((t) => ({
            Engine: i.Engine,
            EngineVersion: v,
            DBInstanceClass: i.DBInstanceClass,
            StorageType: t,
            MinStorageSize: t === 'io1' ? 100 : 20,
            MaxStorageSize: 65536,
          })),
        ),
      };
    });
  }

  /** ApplyImmediately false: RDS holds class/storage/version/type/Multi-AZ for the maintenance window. */
  /**
   * CreateDBParameterGroup (its parameters copied from default.<family> when that is known),
   * ModifyDBParameterGroup, DescribeDBParameterGroups, DeleteDBParameterGroup (refused while
   * an instance uses the group, as RDS does) and ListTagsForResource on a group's ARN.
   */
  #installParameterGroups(): void {
    const m = this.rds;
    const notFound = (name: string | undefined) =>
      new DBParameterGroupNotFoundFault({ message: `DBParameterGroup not found: ${name}`, $metadata });
    m.on(CreateDBParameterGroupCommand).callsFake(
      (i: { DBParameterGroupName?: string; DBParameterGroupFamily?: string; Description?: string; Tags?: Tags }) => {
        this.#maybeFail('CreateDBParameterGroup');
        const name = i.DBParameterGroupName!;
        if (this.customParameterGroups.has(name) || this.parameterGroups.has(name))
          throw new DBParameterGroupAlreadyExistsFault({ message: `Parameter group ${name} already exists`, $metadata });
        const group = {
          DBParameterGroupName: name,
          DBParameterGroupFamily: i.DBParameterGroupFamily,
          Description: i.Description,
          DBParameterGroupArn: `arn:aws:rds:${this.region}:${this.account}:pg:${name}`,
        };
        this.customParameterGroups.set(name, { ...group, Tags: i.Tags ?? [] });
        const template = this.parameterGroups.get(`default.${i.DBParameterGroupFamily}`) ?? [];
        this.parameterGroups.set(name, structuredClone(template));
        return { DBParameterGroup: group };
      },
    );
    m.on(DescribeDBParameterGroupsCommand).callsFake((i: { DBParameterGroupName?: string }) => {
      const g = this.customParameterGroups.get(i.DBParameterGroupName ?? '');
      if (!g) throw notFound(i.DBParameterGroupName);
      const { Tags: _tags, ...shape } = g;
      return { DBParameterGroups: [structuredClone(shape)] };
    });
    m.on(ModifyDBParameterGroupCommand).callsFake(
      (i: { DBParameterGroupName?: string; Parameters?: { ParameterName?: string; ParameterValue?: string }[] }) => {
        const params = this.customParameterGroups.has(i.DBParameterGroupName ?? '')
          ? this.parameterGroups.get(i.DBParameterGroupName!)
          : undefined;
        if (!params) throw notFound(i.DBParameterGroupName);
        for (const p of i.Parameters ?? []) {
          const found = params.find((x) => x.ParameterName === p.ParameterName);
          if (found) found.ParameterValue = p.ParameterValue;
          else params.push({ ParameterName: p.ParameterName!, ParameterValue: p.ParameterValue });
        }
        return { DBParameterGroupName: i.DBParameterGroupName };
      },
    );
    m.on(DeleteDBParameterGroupCommand).callsFake((i: { DBParameterGroupName?: string }) => {
      const name = i.DBParameterGroupName ?? '';
      if (!this.customParameterGroups.has(name)) throw notFound(name);
      const user = [...this.instances.values()].find((e) => e.shape.DBParameterGroups?.some((g) => g.DBParameterGroupName === name));
      if (user)
        throw new InvalidDBParameterGroupStateFault({
          message: `One or more database instances are still members of this parameter group ${name}`,
          $metadata,
        });
      this.customParameterGroups.delete(name);
      this.parameterGroups.delete(name);
      return {};
    });
    m.on(RdsTagsCommand).callsFake((i: { ResourceName?: string }) => {
      const g = [...this.customParameterGroups.values()].find((x) => x.DBParameterGroupArn === i.ResourceName);
      return { TagList: structuredClone(g?.Tags ?? []) };
    });
  }

  #modify(e: Settling<DBInstance>, i: ModifyDBInstanceCommandInput): void {
    const s = e.shape;
    const deferred: Record<string, unknown> = {};
    const apply = (field: keyof DBInstance, value: unknown, pendable: boolean) => {
      if (value === undefined) return;
      if (pendable && !i.ApplyImmediately) deferred[field as string] = value;
      else (s as Record<string, unknown>)[field] = value;
    };
    apply('DBInstanceClass', i.DBInstanceClass, true);
    apply('AllocatedStorage', i.AllocatedStorage, true);
    apply('EngineVersion', i.EngineVersion, true);
    apply('StorageType', i.StorageType, true);
    apply('MultiAZ', i.MultiAZ, true);
    apply('BackupRetentionPeriod', i.BackupRetentionPeriod, false);
    apply('PubliclyAccessible', i.PubliclyAccessible, false);
    apply('DeletionProtection', i.DeletionProtection, false);
    apply('PreferredBackupWindow', i.PreferredBackupWindow, false);
    apply('PreferredMaintenanceWindow', i.PreferredMaintenanceWindow, false);
    apply('AutoMinorVersionUpgrade', i.AutoMinorVersionUpgrade, false);
    apply('CopyTagsToSnapshot', i.CopyTagsToSnapshot, false);
    if (i.MaxAllocatedStorage !== undefined)
      s.MaxAllocatedStorage = i.MaxAllocatedStorage > (s.AllocatedStorage ?? 0) ? i.MaxAllocatedStorage : undefined;
    if (i.VpcSecurityGroupIds) s.VpcSecurityGroups = i.VpcSecurityGroupIds.map((g) => ({ VpcSecurityGroupId: g, Status: 'active' }));
    // A new group is attached at once; its settings wait for a reboot.
    if (i.DBParameterGroupName)
      s.DBParameterGroups = [{ DBParameterGroupName: i.DBParameterGroupName, ParameterApplyStatus: 'pending-reboot' }];
    if (Object.keys(deferred).length > 0) s.PendingModifiedValues = { ...s.PendingModifiedValues, ...deferred };
    if (i.ApplyImmediately) {
      s.DBInstanceStatus = 'modifying';
      e.after = this.#settle;
      e.to = 'available';
    }
  }

  // ---- EC2 ----

  #installEc2(): void {
    const m = this.ec2;
    m.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-default', IsDefault: true, CidrBlock: '172.31.0.0/16' }] });
    m.on(DescribeRegionsCommand).callsFake(() => ({ Regions: this.#regions.map((RegionName) => ({ RegionName })) }));
    m.on(DescribeSecurityGroupsCommand).callsFake((i: { GroupIds?: string[]; Filters?: { Name?: string; Values?: string[] }[] }) => {
      if (i.GroupIds) {
        const missing = i.GroupIds.find((g) => !this.groups.has(g));
        if (missing) throw ec2Error('InvalidGroup.NotFound', `The security group '${missing}' does not exist`);
        return { SecurityGroups: i.GroupIds.map((g) => structuredClone(this.groups.get(g)!)) };
      }
      const name = i.Filters?.find((f) => f.Name === 'group-name')?.Values?.[0];
      return { SecurityGroups: [...this.groups.values()].filter((g) => g.GroupName === name).map((g) => structuredClone(g)) };
    });
    m.on(CreateSecurityGroupCommand).callsFake(
      (i: { GroupName?: string; Description?: string; VpcId?: string; TagSpecifications?: { Tags?: Tags }[] }) => {
        if ([...this.groups.values()].some((g) => g.GroupName === i.GroupName))
          throw ec2Error('InvalidGroup.Duplicate', `The security group '${i.GroupName}' already exists`);
        const id = this.#id('sg');
        this.groups.set(id, {
          GroupId: id,
          GroupName: i.GroupName,
          Description: i.Description,
          VpcId: i.VpcId,
          IpPermissions: [],
          Tags: i.TagSpecifications?.[0]?.Tags ?? [],
        });
        return { GroupId: id };
      },
    );
    m.on(AuthorizeSecurityGroupIngressCommand).callsFake((i: { GroupId?: string; IpPermissions?: IpPermission[] }) => {
      const g = this.groups.get(i.GroupId!)!;
      g.IpPermissions = [...(g.IpPermissions ?? []), ...(i.IpPermissions ?? [])];
      return { Return: true };
    });
    m.on(RevokeSecurityGroupIngressCommand).callsFake((i: { GroupId?: string; IpPermissions?: IpPermission[] }) => {
      const g = this.groups.get(i.GroupId!)!;
      const key = (p: IpPermission) => `${p.FromPort}/${p.IpRanges?.[0]?.CidrIp}`;
      const drop = new Set((i.IpPermissions ?? []).map(key));
      g.IpPermissions = (g.IpPermissions ?? []).filter((p) => !drop.has(key(p)));
      return { Return: true };
    });
    m.on(DeleteSecurityGroupCommand).callsFake((i: { GroupId?: string }) => {
      const inUse =
        [...this.instances.values()].some((e) => e.shape.VpcSecurityGroups?.some((g) => g.VpcSecurityGroupId === i.GroupId)) ||
        [...this.cacheClusters.values()].some((c) => c.SecurityGroups?.some((g) => g.SecurityGroupId === i.GroupId));
      if (inUse) throw ec2Error('DependencyViolation', `resource ${i.GroupId} has a dependent object`);
      if (!this.groups.delete(i.GroupId!)) throw ec2Error('InvalidGroup.NotFound', 'not found');
      return {};
    });
  }

  // ---- ElastiCache ----

  #installCache(): void {
    const m = this.elastiCache;
    const settleTo = (rg: ReplicationGroup) => {
      rg.Status = 'available';
      rg.NodeGroups = [
        { NodeGroupId: '0001', PrimaryEndpoint: { Address: `master.${rg.ReplicationGroupId}.abc.use2.cache.amazonaws.com`, Port: 6379 } },
      ];
      const member = this.cacheClusters.get(rg.MemberClusters![0]!);
      if (member) member.CacheClusterStatus = 'available';
    };
    m.on(CreateReplicationGroupCommand).callsFake(
      (i: {
        ReplicationGroupId?: string;
        Engine?: string;
        EngineVersion?: string;
        CacheNodeType?: string;
        SecurityGroupIds?: string[];
        TransitEncryptionEnabled?: boolean;
        AtRestEncryptionEnabled?: boolean;
        AuthToken?: string;
        Tags?: CacheTag[];
      }) => {
        this.#maybeFail('CreateReplicationGroup');
        const id = i.ReplicationGroupId!.toLowerCase();
        const arn = `arn:aws:elasticache:${this.region}:${this.account}:replicationgroup:${id}`;
        const member = `${id}-001`;
        const rg: ReplicationGroup = {
          ReplicationGroupId: id,
          ARN: arn,
          Status: 'creating',
          Engine: i.Engine,
          CacheNodeType: i.CacheNodeType,
          MemberClusters: [member],
          TransitEncryptionEnabled: i.TransitEncryptionEnabled ?? false,
          AtRestEncryptionEnabled: i.AtRestEncryptionEnabled ?? false,
          AuthTokenEnabled: i.AuthToken !== undefined,
        };
        this.replicationGroups.set(id, { shape: rg, after: this.#settle, to: 'available' });
        this.cacheClusters.set(member, {
          CacheClusterId: member,
          ReplicationGroupId: id,
          Engine: i.Engine,
          EngineVersion: i.EngineVersion === '7.0' ? '7.0.7' : i.EngineVersion,
          CacheNodeType: i.CacheNodeType,
          CacheClusterStatus: 'creating',
          SecurityGroups: (i.SecurityGroupIds ?? []).map((g) => ({ SecurityGroupId: g, Status: 'active' })),
        });
        this.cacheTags.set(arn, i.Tags ?? []);
        return { ReplicationGroup: structuredClone(rg) };
      },
    );
    m.on(DescribeReplicationGroupsCommand).callsFake((i: { ReplicationGroupId?: string }) => {
      const id = i.ReplicationGroupId!;
      if (!this.#tick(this.replicationGroups, id, settleTo)) {
        for (const [k, c] of this.cacheClusters) if (c.ReplicationGroupId === id) this.cacheClusters.delete(k);
        throw new ReplicationGroupNotFoundFault({ message: `ReplicationGroup ${id} not found.`, $metadata });
      }
      return { ReplicationGroups: [structuredClone(this.replicationGroups.get(id)!.shape)] };
    });
    m.on(DescribeCacheClustersCommand).callsFake((i: { CacheClusterId?: string }) => {
      const c = this.cacheClusters.get(i.CacheClusterId!);
      if (!c) throw new CacheClusterNotFoundFault({ message: `CacheCluster ${i.CacheClusterId} not found.`, $metadata });
      return { CacheClusters: [structuredClone(c)] };
    });
    m.on(ModifyReplicationGroupCommand).callsFake(
      (i: { ReplicationGroupId?: string; CacheNodeType?: string; SecurityGroupIds?: string[] }) => {
        const e = this.replicationGroups.get(i.ReplicationGroupId!)!;
        if (i.CacheNodeType) e.shape.CacheNodeType = i.CacheNodeType;
        const member = this.cacheClusters.get(e.shape.MemberClusters![0]!)!;
        if (i.SecurityGroupIds) member.SecurityGroups = i.SecurityGroupIds.map((g) => ({ SecurityGroupId: g, Status: 'active' }));
        e.shape.Status = 'modifying';
        e.after = this.#settle;
        e.to = 'available';
        return { ReplicationGroup: structuredClone(e.shape) };
      },
    );
    m.on(DeleteReplicationGroupCommand).callsFake((i: { ReplicationGroupId?: string }) => {
      const e = this.replicationGroups.get(i.ReplicationGroupId!);
      if (!e) throw new ReplicationGroupNotFoundFault({ message: 'not found', $metadata });
      e.shape.Status = 'deleting';
      e.after = this.#settle;
      e.to = 'gone';
      return { ReplicationGroup: structuredClone(e.shape) };
    });
    this.#installServerlessCache();
    this.#installCacheRbac();
    m.on(CacheTagsCommand).callsFake((i: { ResourceName?: string }) => ({ TagList: this.cacheTags.get(i.ResourceName!) ?? [] }));
  }

  /** Valkey serverless caches: `creating` / `modifying` / `deleting` for a few describes, as ElastiCache reports them. */
  #installServerlessCache(): void {
    const m = this.elastiCache;
    const settleTo = (sc: ServerlessCache) => {
      sc.Status = 'available';
    };
    const notFound = (id: string | undefined) =>
      new ServerlessCacheNotFoundFault({ message: `Serverless cache ${id} not found.`, $metadata });
    m.on(CreateServerlessCacheCommand).callsFake((i: CreateServerlessCacheCommandInput) => {
      this.#maybeFail('CreateServerlessCache');
      if (i.UserGroupId) this.#activeGroup(i.UserGroupId);
      const id = i.ServerlessCacheName!;
      const arn = `arn:aws:elasticache:${this.region}:${this.account}:serverlesscache:${id}`;
      const sc: ServerlessCache = {
        ServerlessCacheName: id,
        ARN: arn,
        Status: 'creating',
        Engine: i.Engine,
        MajorEngineVersion: i.MajorEngineVersion,
        FullEngineVersion: `${i.MajorEngineVersion}.0`,
        CacheUsageLimits: structuredClone(i.CacheUsageLimits),
        SecurityGroupIds: i.SecurityGroupIds ?? [],
        SubnetIds: i.SubnetIds ?? ['subnet-default-a', 'subnet-default-b'],
        Endpoint: { Address: `${id}-abc123.serverless.use2.cache.amazonaws.com`, Port: 6379 },
        ...(i.UserGroupId ? { UserGroupId: i.UserGroupId } : {}),
      };
      this.serverlessCaches.set(id, { shape: sc, after: this.#settle, to: 'available' });
      this.cacheTags.set(arn, i.Tags ?? []);
      return { ServerlessCache: structuredClone(sc) };
    });
    m.on(DescribeServerlessCachesCommand).callsFake((i: { ServerlessCacheName?: string }) => {
      const id = i.ServerlessCacheName!;
      if (!this.#tick(this.serverlessCaches, id, settleTo)) throw notFound(id);
      return { ServerlessCaches: [structuredClone(this.serverlessCaches.get(id)!.shape)] };
    });
    m.on(ModifyServerlessCacheCommand).callsFake(
      (i: {
        ServerlessCacheName?: string;
        CacheUsageLimits?: CacheUsageLimits;
        MajorEngineVersion?: string;
        SecurityGroupIds?: string[];
        UserGroupId?: string;
      }) => {
        const e = this.serverlessCaches.get(i.ServerlessCacheName!);
        if (!e) throw notFound(i.ServerlessCacheName);
        if (i.UserGroupId) {
          this.#activeGroup(i.UserGroupId);
          e.shape.UserGroupId = i.UserGroupId;
        }
        const limits = e.shape.CacheUsageLimits ?? {};
        if (i.CacheUsageLimits?.DataStorage) limits.DataStorage = i.CacheUsageLimits.DataStorage;
        if (i.CacheUsageLimits?.ECPUPerSecond) limits.ECPUPerSecond = i.CacheUsageLimits.ECPUPerSecond;
        e.shape.CacheUsageLimits = limits;
        if (i.MajorEngineVersion) e.shape.MajorEngineVersion = i.MajorEngineVersion;
        if (i.SecurityGroupIds) e.shape.SecurityGroupIds = i.SecurityGroupIds;
        e.shape.Status = 'modifying';
        e.after = this.#settle;
        e.to = 'available';
        return { ServerlessCache: structuredClone(e.shape) };
      },
    );
    m.on(DeleteServerlessCacheCommand).callsFake((i: { ServerlessCacheName?: string }) => {
      const e = this.serverlessCaches.get(i.ServerlessCacheName!);
      if (!e) throw notFound(i.ServerlessCacheName);
      e.shape.Status = 'deleting';
      e.after = this.#settle;
      e.to = 'gone';
      return { ServerlessCache: structuredClone(e.shape) };
    });
  }

  /** A user group a cache may name: it exists and is active (InvalidUserGroupState otherwise, as ElastiCache says). */
  #activeGroup(id: string): void {
    const g = this.userGroups.get(id);
    if (!g) throw new UserGroupNotFoundFault({ message: `User group ${id} not found.`, $metadata });
    if (g.shape.Status !== 'active') throw new InvalidUserGroupStateFault({ message: `User group ${id} is ${g.shape.Status}.`, $metadata });
  }

  /** RBAC: CreateUser / DescribeUsers / DeleteUser and CreateUserGroup (creating → active) / DescribeUserGroups / DeleteUserGroup. */
  #installCacheRbac(): void {
    const m = this.elastiCache;
    const userNotFound = (id: string | undefined) => new UserNotFoundFault({ message: `User ${id} not found.`, $metadata });
    const groupNotFound = (id: string | undefined) => new UserGroupNotFoundFault({ message: `User group ${id} not found.`, $metadata });
    m.on(CreateUserCommand).callsFake((i: CreateUserCommandInput) => {
      this.#maybeFail('CreateUser');
      const id = i.UserId!;
      if (this.cacheUsers.has(id)) throw new UserAlreadyExistsFault({ message: `User ${id} already exists.`, $metadata });
      const arn = `arn:aws:elasticache:${this.region}:${this.account}:user:${id}`;
      const passwords = i.AuthenticationMode?.Passwords ?? i.Passwords ?? [];
      const user: CacheUser = {
        UserId: id,
        UserName: i.UserName,
        Engine: i.Engine,
        AccessString: i.AccessString,
        Status: 'active',
        ARN: arn,
        Authentication: { Type: passwords.length > 0 ? 'password' : 'no-password', PasswordCount: passwords.length },
        UserGroupIds: [],
      };
      this.cacheUsers.set(id, { ...user, passwords });
      this.cacheTags.set(arn, i.Tags ?? []);
      return structuredClone(user);
    });
    m.on(DescribeUsersCommand).callsFake((i: { UserId?: string }) => {
      const u = this.cacheUsers.get(i.UserId!);
      if (!u) throw userNotFound(i.UserId);
      const { passwords: _hidden, ...shown } = u;
      return { Users: [structuredClone(shown)] };
    });
    m.on(DeleteUserCommand).callsFake((i: { UserId?: string }) => {
      const u = this.cacheUsers.get(i.UserId!);
      if (!u) throw userNotFound(i.UserId);
      this.cacheUsers.delete(i.UserId!);
      return { UserId: u.UserId, Status: 'deleting' };
    });
    m.on(CreateUserGroupCommand).callsFake((i: CreateUserGroupCommandInput) => {
      this.#maybeFail('CreateUserGroup');
      const id = i.UserGroupId!;
      if (this.userGroups.has(id)) throw new UserGroupAlreadyExistsFault({ message: `User group ${id} already exists.`, $metadata });
      for (const u of i.UserIds ?? []) if (!this.cacheUsers.has(u)) throw userNotFound(u);
      const arn = `arn:aws:elasticache:${this.region}:${this.account}:usergroup:${id}`;
      const group: CacheUserGroup = { UserGroupId: id, Status: 'creating', Engine: i.Engine, UserIds: i.UserIds ?? [], ARN: arn };
      this.userGroups.set(id, { shape: group, after: this.#settle, to: 'available' });
      this.cacheTags.set(arn, i.Tags ?? []);
      return structuredClone(group);
    });
    m.on(DescribeUserGroupsCommand).callsFake((i: { UserGroupId?: string }) => {
      const id = i.UserGroupId!;
      const settleTo = (g: CacheUserGroup) => {
        g.Status = 'active';
      };
      if (!this.#tick(this.userGroups, id, settleTo)) throw groupNotFound(id);
      return { UserGroups: [structuredClone(this.userGroups.get(id)!.shape)] };
    });
    m.on(DeleteUserGroupCommand).callsFake((i: { UserGroupId?: string }) => {
      const e = this.userGroups.get(i.UserGroupId!);
      if (!e) throw groupNotFound(i.UserGroupId);
      for (const sc of this.serverlessCaches.values())
        if (sc.shape.UserGroupId === i.UserGroupId)
          throw new InvalidUserGroupStateFault({
            message: `User group ${i.UserGroupId} is in use by ${sc.shape.ServerlessCacheName}.`,
            $metadata,
          });
      e.shape.Status = 'deleting';
      e.after = this.#settle;
      e.to = 'gone';
      return structuredClone(e.shape);
    });
  }

  /** A serverless cache that already exists (available), with these tags. */
  addServerlessCache(sc: ServerlessCache, tags: CacheTag[] = []): void {
    const arn = `arn:aws:elasticache:${this.region}:${this.account}:serverlesscache:${sc.ServerlessCacheName}`;
    this.serverlessCaches.set(sc.ServerlessCacheName!, { shape: { Status: 'available', ARN: arn, Engine: 'valkey', ...sc } });
    this.cacheTags.set(arn, tags);
  }

  // ---- SNS ----

  #topicArn(name: string): string {
    return `arn:aws:sns:${this.region}:${this.account}:${name}`;
  }

  #installSns(): void {
    const m = this.sns;
    m.on(CreateTopicCommand).callsFake((i: { Name?: string; Tags?: Tags }) => {
      const arn = this.#topicArn(i.Name!);
      if (!this.topics.has(arn)) this.topics.set(arn, { tags: i.Tags ?? [], subscriptions: [] });
      return { TopicArn: arn };
    });
    m.on(ListTopicsCommand).callsFake(() => ({ Topics: [...this.topics.keys()].map((TopicArn) => ({ TopicArn })) }));
    m.on(TopicTagsCommand).callsFake((i: { ResourceArn?: string }) => ({ Tags: this.topics.get(i.ResourceArn!)?.tags ?? [] }));
    m.on(ListSubscriptionsByTopicCommand).callsFake((i: { TopicArn?: string }) => ({
      Subscriptions: this.topics.get(i.TopicArn!)?.subscriptions ?? [],
    }));
    m.on(SubscribeCommand).callsFake((i: { TopicArn?: string; Protocol?: string; Endpoint?: string }) => {
      const t = this.topics.get(i.TopicArn!)!;
      t.subscriptions.push({ SubscriptionArn: 'PendingConfirmation', Protocol: i.Protocol, Endpoint: i.Endpoint, TopicArn: i.TopicArn });
      return { SubscriptionArn: 'PendingConfirmation' };
    });
    m.on(UnsubscribeCommand).callsFake((i: { SubscriptionArn?: string }) => {
      for (const t of this.topics.values()) t.subscriptions = t.subscriptions.filter((s) => s.SubscriptionArn !== i.SubscriptionArn);
      return {};
    });
    m.on(DeleteTopicCommand).callsFake((i: { TopicArn?: string }) => {
      this.topics.delete(i.TopicArn!);
      return {};
    });
  }

  // ---- CloudWatch ----

  #installAlarms(): void {
    const m = this.cloudWatch;
    m.on(PutMetricAlarmCommand).callsFake((i: PutMetricAlarmCommandInput) => {
      const old = this.alarms.get(i.AlarmName!);
      const { Tags, ...rest } = i;
      this.alarms.set(i.AlarmName!, {
        ...rest,
        AlarmArn: `arn:aws:cloudwatch:${this.region}:${this.account}:alarm:${i.AlarmName}`,
        StateValue: 'INSUFFICIENT_DATA',
        Tags: old ? old.Tags : (Tags ?? []),
      } as MetricAlarm & { Tags?: Tags });
      return {};
    });
    m.on(DescribeAlarmsCommand).callsFake((i: { AlarmNamePrefix?: string }) => ({
      MetricAlarms: [...this.alarms.values()]
        .filter((a) => !i.AlarmNamePrefix || a.AlarmName!.startsWith(i.AlarmNamePrefix))
        .map(({ Tags: _t, ...a }) => structuredClone(a)),
    }));
    m.on(AlarmTagsCommand).callsFake((i: { ResourceARN?: string }) => ({
      Tags: [...this.alarms.values()].find((a) => a.AlarmArn === i.ResourceARN)?.Tags ?? [],
    }));
    m.on(DeleteAlarmsCommand).callsFake((i: { AlarmNames?: string[] }) => {
      for (const n of i.AlarmNames ?? []) this.alarms.delete(n);
      return {};
    });
  }

  // ---- Budgets ----

  #installBudgets(): void {
    const m = this.budgets;
    const get = (name: string | undefined) => {
      const b = this.budgetsByName.get(name ?? '');
      if (!b) throw new NotFoundException({ message: `Unable to get budget: ${name} - the budget doesn't exist.`, $metadata });
      return b;
    };
    m.on(CreateBudgetCommand).callsFake((i: CreateBudgetCommandInput) => {
      if (this.budgetsByName.has(i.Budget!.BudgetName!)) throw serviceError('DuplicateRecordException', 'duplicate');
      this.budgetsByName.set(i.Budget!.BudgetName!, {
        input: structuredClone(i),
        notifications: (i.NotificationsWithSubscribers ?? []).map((n) => ({ n: n.Notification!, subs: n.Subscribers ?? [] })),
      });
      return {};
    });
    m.on(DescribeBudgetCommand).callsFake((i: { BudgetName?: string }) => ({ Budget: get(i.BudgetName).input.Budget }));
    m.on(DescribeNotificationsForBudgetCommand).callsFake((i: { BudgetName?: string }) => ({
      Notifications: get(i.BudgetName).notifications.map((x) => x.n),
    }));
    m.on(DescribeSubscribersForNotificationCommand).callsFake((i: { BudgetName?: string; Notification?: Notification }) => ({
      Subscribers:
        get(i.BudgetName).notifications.find(
          (x) => x.n.NotificationType === i.Notification?.NotificationType && x.n.Threshold === i.Notification?.Threshold,
        )?.subs ?? [],
    }));
    m.on(UpdateBudgetCommand).callsFake((i: { NewBudget?: { BudgetName?: string; BudgetLimit?: { Amount?: string; Unit?: string } } }) => {
      const b = get(i.NewBudget?.BudgetName);
      b.input.Budget = { ...b.input.Budget!, BudgetLimit: i.NewBudget?.BudgetLimit as never };
      return {};
    });
    m.on(CreateNotificationCommand).callsFake((i: { BudgetName?: string; Notification?: Notification; Subscribers?: Subscriber[] }) => {
      get(i.BudgetName).notifications.push({ n: i.Notification!, subs: i.Subscribers ?? [] });
      return {};
    });
    m.on(DeleteNotificationCommand).callsFake((i: { BudgetName?: string; Notification?: Notification }) => {
      const b = get(i.BudgetName);
      b.notifications = b.notifications.filter(
        (x) => !(x.n.NotificationType === i.Notification?.NotificationType && x.n.Threshold === i.Notification?.Threshold),
      );
      return {};
    });
    m.on(DeleteBudgetCommand).callsFake((i: { BudgetName?: string }) => {
      get(i.BudgetName);
      this.budgetsByName.delete(i.BudgetName!);
      return {};
    });
    m.on(BudgetTagsCommand).callsFake((i: { ResourceARN?: string }) => {
      const name = (i.ResourceARN ?? '').split('budget/')[1] ?? '';
      return { ResourceTags: this.budgetsByName.get(name)?.input.ResourceTags ?? [] };
    });
  }

  // ---- Secrets Manager ----

  #installSecrets(): void {
    const m = this.secrets;
    const missing = () => new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata });
    m.on(CreateSecretCommand).callsFake((i: { Name?: string; SecretString?: string; Tags?: Tags }) => {
      this.secretValues.set(i.Name!, { value: i.SecretString ?? '', tags: i.Tags ?? [] });
      return { ARN: `arn:aws:secretsmanager:${this.region}:${this.account}:secret:${i.Name}-AbCdEf`, Name: i.Name };
    });
    m.on(GetSecretValueCommand).callsFake((i: { SecretId?: string }) => {
      const s = this.secretValues.get(i.SecretId!);
      if (!s) throw missing();
      return { SecretString: s.value, Name: i.SecretId };
    });
    m.on(DescribeSecretCommand).callsFake((i: { SecretId?: string }) => {
      if (!this.secretValues.has(i.SecretId!)) throw missing();
      return { Name: i.SecretId };
    });
    m.on(DeleteSecretCommand).callsFake((i: { SecretId?: string }) => {
      if (!this.secretValues.delete(i.SecretId!)) throw missing();
      return {};
    });
  }
}

// ---- deps for the lib functions, around the fake ----

/** The seeds' profile on aws, with an alarm email and an office CIDR. */
export function awsConfig(overrides: (c: DbopsConfig) => void = () => undefined): DbopsConfig {
  const c = structuredClone(DEFAULTS);
  c.provider = 'aws';
  c.alarms.email = 'oncall@example.com';
  c.network.allowedCidr = '203.0.113.7/32';
  overrides(c);
  return c;
}

export interface AwsDeps extends ProvisionDeps {
  io: TestOutput;
  /** Confirmation questions asked. */
  asked: string[];
  close(): Promise<void>;
}

export async function awsDeps(
  config: DbopsConfig,
  opts: { settings?: Partial<ProvisionSettings>; confirm?: boolean; dryRun?: boolean; now?: Date } = {},
): Promise<AwsDeps> {
  const awsOpts = { region: config.region, maxAttempts: 1, maxWaitSeconds: 60, env: {} };
  const base = createAwsProvider(awsOpts, { pollDelaySeconds: 0.001 });
  const pp = createAwsProvisionProvider(awsOpts, base, { pollDelaySeconds: 0.001, dependencyRetry: { attempts: 3, delayMs: 1 } });
  const io = await testOutput();
  const asked: string[] = [];
  const prompt: Prompter = {
    async confirm(message) {
      asked.push(message);
      return opts.confirm ?? true;
    },
  };
  const now = opts.now ?? new Date('2026-03-01T10:00:00Z');
  return {
    config,
    settings: provisionSettings(config, opts.settings),
    pp,
    out: io.out,
    clock: { now: () => now },
    signal: new AbortController().signal,
    prompt,
    dryRun: opts.dryRun ?? false,
    maxWaitSeconds: 60,
    io,
    asked,
    async close() {
      await pp.close();
      await base.close();
    },
  };
}
