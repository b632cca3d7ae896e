/**
 * Narrow, lazy AWS SDK v3 facades (after aws-cdk's `api/aws-auth/sdk.ts`).
 *
 * Each SDK package is loaded with a dynamic `import()` the first time one of its calls is
 * made, so `dbops --help` and every local-provider command load no AWS SDK module. The
 * facades expose only the calls dbops makes: the rest of the adapter cannot reach for an
 * API nobody reviewed, and tests know exactly which commands to expect.
 *
 * The `import type` lines below are erased at compile time; they load nothing.
 */
import type * as Rds from '@aws-sdk/client-rds';
import type * as Cw from '@aws-sdk/client-cloudwatch';
import type * as Sm from '@aws-sdk/client-secrets-manager';

type RdsModule = typeof import('@aws-sdk/client-rds');
type CloudWatchModule = typeof import('@aws-sdk/client-cloudwatch');
type SecretsManagerModule = typeof import('@aws-sdk/client-secrets-manager');

/** What every client of one region is built with; the credential chain is the SDK's own. */
export interface AwsClientSettings {
  region: string;
  /** Shared-config profile (SDK v3 client config `profile`); the chain's default otherwise. */
  profile?: string;
  /** LocalStack and friends. */
  endpointUrl?: string;
  /** SDK retry attempts (throttling and transient errors). */
  maxAttempts: number;
}

/** The RDS calls dbops makes. */
export interface RdsApi {
  createDBInstance(input: Rds.CreateDBInstanceCommandInput): Promise<Rds.CreateDBInstanceCommandOutput>;
  describeDBInstances(input: Rds.DescribeDBInstancesCommandInput): Promise<Rds.DescribeDBInstancesCommandOutput>;
  deleteDBInstance(input: Rds.DeleteDBInstanceCommandInput): Promise<Rds.DeleteDBInstanceCommandOutput>;
  addTagsToResource(input: Rds.AddTagsToResourceCommandInput): Promise<Rds.AddTagsToResourceCommandOutput>;
  rebootDBInstance(input: Rds.RebootDBInstanceCommandInput): Promise<Rds.RebootDBInstanceCommandOutput>;
  createDBSnapshot(input: Rds.CreateDBSnapshotCommandInput): Promise<Rds.CreateDBSnapshotCommandOutput>;
  describeDBSnapshots(input: Rds.DescribeDBSnapshotsCommandInput): Promise<Rds.DescribeDBSnapshotsCommandOutput>;
  deleteDBSnapshot(input: Rds.DeleteDBSnapshotCommandInput): Promise<Rds.DeleteDBSnapshotCommandOutput>;
  copyDBSnapshot(input: Rds.CopyDBSnapshotCommandInput): Promise<Rds.CopyDBSnapshotCommandOutput>;
  restoreDBInstanceFromDBSnapshot(
    input: Rds.RestoreDBInstanceFromDBSnapshotCommandInput,
  ): Promise<Rds.RestoreDBInstanceFromDBSnapshotCommandOutput>;
  restoreDBInstanceToPointInTime(
    input: Rds.RestoreDBInstanceToPointInTimeCommandInput,
  ): Promise<Rds.RestoreDBInstanceToPointInTimeCommandOutput>;
  createDBInstanceReadReplica(
    input: Rds.CreateDBInstanceReadReplicaCommandInput,
  ): Promise<Rds.CreateDBInstanceReadReplicaCommandOutput>;
  promoteReadReplica(input: Rds.PromoteReadReplicaCommandInput): Promise<Rds.PromoteReadReplicaCommandOutput>;
}

/** The CloudWatch calls dbops makes. */
export interface CloudWatchApi {
  getMetricData(input: Cw.GetMetricDataCommandInput): Promise<Cw.GetMetricDataCommandOutput>;
  putMetricData(input: Cw.PutMetricDataCommandInput): Promise<Cw.PutMetricDataCommandOutput>;
}

/** The Secrets Manager calls dbops makes (RDS-managed master passwords). */
export interface SecretsManagerApi {
  getSecretValue(input: Sm.GetSecretValueCommandInput): Promise<Sm.GetSecretValueCommandOutput>;
}

/** Every facade of one region; each client is created on its first call. */
export interface RegionClients {
  readonly rds: RdsApi;
  readonly cloudWatch: CloudWatchApi;
  readonly secretsManager: SecretsManagerApi;
  /** Destroys the clients created so far; later calls create fresh ones. */
  destroy(): void;
}

export interface Destroyable {
  destroy(): void;
}

/** One SDK client, created (module and all) on first use. Shared by every AWS facade. */
export class LazyClient<M, C extends Destroyable> {
  #module?: Promise<M>;
  #client?: C;

  constructor(
    private readonly load: () => Promise<M>,
    private readonly create: (mod: M) => C,
  ) {}

  async use<T>(call: (mod: M, client: C) => Promise<T>): Promise<T> {
    this.#module ??= this.load();
    const mod = await this.#module;
    this.#client ??= this.create(mod);
    return call(mod, this.#client);
  }

  destroy(): void {
    this.#client?.destroy();
    this.#client = undefined;
  }
}

/** The client config every dbops client shares (`region` for global services' home region). */
export function clientConfig(
  s: AwsClientSettings,
  region: string = s.region,
): {
  region: string;
  profile?: string;
  endpoint?: string;
  maxAttempts: number;
} {
  return {
    region,
    ...(s.profile ? { profile: s.profile } : {}),
    ...(s.endpointUrl ? { endpoint: s.endpointUrl } : {}),
    maxAttempts: s.maxAttempts,
  };
}

function rdsApi(lazy: LazyClient<RdsModule, Rds.RDSClient>): RdsApi {
  return {
    createDBInstance: (i) => lazy.use((m, c) => c.send(new m.CreateDBInstanceCommand(i))),
    describeDBInstances: (i) => lazy.use((m, c) => c.send(new m.DescribeDBInstancesCommand(i))),
    deleteDBInstance: (i) => lazy.use((m, c) => c.send(new m.DeleteDBInstanceCommand(i))),
    addTagsToResource: (i) => lazy.use((m, c) => c.send(new m.AddTagsToResourceCommand(i))),
    rebootDBInstance: (i) => lazy.use((m, c) => c.send(new m.RebootDBInstanceCommand(i))),
    createDBSnapshot: (i) => lazy.use((m, c) => c.send(new m.CreateDBSnapshotCommand(i))),
    describeDBSnapshots: (i) => lazy.use((m, c) => c.send(new m.DescribeDBSnapshotsCommand(i))),
    deleteDBSnapshot: (i) => lazy.use((m, c) => c.send(new m.DeleteDBSnapshotCommand(i))),
    copyDBSnapshot: (i) => lazy.use((m, c) => c.send(new m.CopyDBSnapshotCommand(i))),
    restoreDBInstanceFromDBSnapshot: (i) => lazy.use((m, c) => c.send(new m.RestoreDBInstanceFromDBSnapshotCommand(i))),
    restoreDBInstanceToPointInTime: (i) => lazy.use((m, c) => c.send(new m.RestoreDBInstanceToPointInTimeCommand(i))),
    createDBInstanceReadReplica: (i) => lazy.use((m, c) => c.send(new m.CreateDBInstanceReadReplicaCommand(i))),
    promoteReadReplica: (i) => lazy.use((m, c) => c.send(new m.PromoteReadReplicaCommand(i))),
  };
}

function cloudWatchApi(lazy: LazyClient<CloudWatchModule, Cw.CloudWatchClient>): CloudWatchApi {
  return {
    getMetricData: (i) => lazy.use((m, c) => c.send(new m.GetMetricDataCommand(i))),
    putMetricData: (i) => lazy.use((m, c) => c.send(new m.PutMetricDataCommand(i))),
  };
}

function secretsManagerApi(lazy: LazyClient<SecretsManagerModule, Sm.SecretsManagerClient>): SecretsManagerApi {
  return {
    getSecretValue: (i) => lazy.use((m, c) => c.send(new m.GetSecretValueCommand(i))),
  };
}

/** The facades of one region. Nothing is imported or created until a call is made. */
export function createRegionClients(settings: AwsClientSettings): RegionClients {
  const config = clientConfig(settings);
  const rds = new LazyClient(
    (): Promise<RdsModule> => import('@aws-sdk/client-rds'),
    (m) => new m.RDSClient(config),
  );
  const cloudWatch = new LazyClient(
    (): Promise<CloudWatchModule> => import('@aws-sdk/client-cloudwatch'),
    (m) => new m.CloudWatchClient(config),
  );
  const secretsManager = new LazyClient(
    (): Promise<SecretsManagerModule> => import('@aws-sdk/client-secrets-manager'),
    (m) => new m.SecretsManagerClient(config),
  );
  return {
    rds: rdsApi(rds),
    cloudWatch: cloudWatchApi(cloudWatch),
    secretsManager: secretsManagerApi(secretsManager),
    destroy() {
      rds.destroy();
      cloudWatch.destroy();
      secretsManager.destroy();
    },
  };
}

/**
 * The clients of every region one provider (and the providers its `forRegion` returns)
 * has used, so a cross-region copy reuses the target region's clients and `close()`
 * destroys them all.
 */
export class ClientPool {
  readonly #byRegion = new Map<string, RegionClients>();

  constructor(private readonly settings: Omit<AwsClientSettings, 'region'>) {}

  forRegion(region: string): RegionClients {
    let clients = this.#byRegion.get(region);
    if (!clients) {
      clients = createRegionClients({ ...this.settings, region });
      this.#byRegion.set(region, clients);
    }
    return clients;
  }

  destroy(): void {
    for (const clients of this.#byRegion.values()) clients.destroy();
    this.#byRegion.clear();
  }
}
