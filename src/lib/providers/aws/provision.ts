/**
 * The aws adapter of the provisioning port: wires EC2 (security groups, regions),
 * ElastiCache + Secrets Manager (cache and its AUTH token), SNS, CloudWatch alarms,
 * Budgets and STS, plus the RDS calls only provisioning makes. The clients are the base
 * Provider's pool (sdk.ts), so one run holds one client per service and region. Every
 * call goes through one caller (provision-errors.ts) that maps AWS errors to dbops errors.
 */
import { EnvironmentError } from '../../errors.js';
import type { AwsProviderOptions } from '../index.js';
import type {
  Capability,
  DatabaseApi,
  Identity,
  OrderableOption,
  ParameterGroupApi,
  ParameterGroupState,
  ProvisionProvider,
} from '../provision-types.js';
import type { Provider } from '../types.js';
import { awsClientsOf, type AwsProviderTuning } from './provider.js';
import { AwsClients, type RegionClients } from './sdk.js';
import { fromTags, modifyDbRequest, toDatabaseState, toTags } from './provision-convert.js';
import { awsCache } from './provision-cache.js';
import { awsServerlessCache } from './provision-serverless-cache.js';
import { isAwsCode, provisionCaller, type ProvisionCaller } from './provision-errors.js';
import { awsAlarms, awsBudgets, awsNotifications } from './provision-monitoring.js';
import { awsNetwork, awsRegions, type RetryTuning } from './provision-network.js';
import { DEFAULT_POLL_DELAYS, type PollDelays } from './waiters.js';

/** Tests shrink the waits; production leaves them alone. */
export interface AwsProvisionTuning extends AwsProviderTuning {
  /** DeleteSecurityGroup retries while network interfaces of a deleted database linger. */
  dependencyRetry?: RetryTuning;
}

const MAX_ORDERABLE_PAGES = 30;
/** A MySQL 8.0 group has about 450 parameters: 100 a page. */
const MAX_PARAMETER_PAGES = 20;
/** Where region names are looked up: a region every account has (the configured one may not exist). */
const REGION_LOOKUP = 'us-east-1';

function awsDatabase(c: ProvisionCaller, clients: () => RegionClients): DatabaseApi {
  const rds = () => clients().rds;
  return {
    async findDatabase(id) {
      try {
        const out = await c.call({ operation: 'DescribeDBInstances', service: 'rds', instanceId: id, expect: ['DBInstanceNotFound'] }, () =>
          rds().describeDBInstances({ DBInstanceIdentifier: id }),
        );
        const db = out.DBInstances?.[0];
        return db ? toDatabaseState(db, c.region) : undefined;
      } catch (e) {
        if (isAwsCode(e, 'DBInstanceNotFound')) return undefined;
        throw e;
      }
    },
    async modifyDatabase(id, input) {
      const out = await c.call({ operation: 'ModifyDBInstance', service: 'rds', instanceId: id }, () =>
        rds().modifyDBInstance(modifyDbRequest(id, input)),
      );
      if (!out.DBInstance) throw new EnvironmentError('AWS ModifyDBInstance returned no DB instance.');
      return toDatabaseState(out.DBInstance, c.region);
    },
    async orderableOptions(engine, instanceClass) {
      const options: OrderableOption[] = [];
      let Marker: string | undefined;
      for (let page = 0; page < MAX_ORDERABLE_PAGES; page++) {
        const out = await c.call({ operation: 'DescribeOrderableDBInstanceOptions', service: 'rds' }, () =>
          rds().describeOrderableDBInstanceOptions({
            Engine: engine,
            DBInstanceClass: instanceClass,
            Vpc: true,
            MaxRecords: 1000,
            ...(Marker ? { Marker } : {}),
          }),
        );
        for (const o of out.OrderableDBInstanceOptions ?? []) {
          options.push({
            engineVersion: o.EngineVersion ?? '',
            ...(o.StorageType ? { storageType: o.StorageType } : {}),
            ...(o.MinStorageSize !== undefined ? { minStorageGb: o.MinStorageSize } : {}),
            ...(o.MaxStorageSize !== undefined ? { maxStorageGb: o.MaxStorageSize } : {}),
          });
        }
        Marker = out.Marker;
        if (!Marker) break;
      }
      return options;
    },
    async engineListed(engine) {
      const out = await c.call({ operation: 'DescribeOrderableDBInstanceOptions', service: 'rds' }, () =>
        rds().describeOrderableDBInstanceOptions({ Engine: engine, Vpc: true, MaxRecords: 20 }),
      );
      return (out.OrderableDBInstanceOptions ?? []).length > 0;
    },
    async parameterValues(group, names) {
      const wanted = new Set(names);
      const values: Record<string, string | undefined> = {};
      const found = new Set<string>();
      let Marker: string | undefined;
      for (let page = 0; page < MAX_PARAMETER_PAGES && found.size < wanted.size; page++) {
        const out = await c.call({ operation: 'DescribeDBParameters', service: 'rds', subject: `DB parameter group ${group}` }, () =>
          rds().describeDBParameters({ DBParameterGroupName: group, MaxRecords: 100, ...(Marker ? { Marker } : {}) }),
        );
        for (const p of out.Parameters ?? []) {
          if (!p.ParameterName || !wanted.has(p.ParameterName)) continue;
          found.add(p.ParameterName);
          values[p.ParameterName] = p.ParameterValue;
        }
        Marker = out.Marker;
        if (!Marker) break;
      }
      return values;
    },
  };
}

/** Custom DB parameter groups: create (tagged), set dynamic parameters, read with tags, delete. */
function awsParameterGroups(c: ProvisionCaller, clients: () => RegionClients): ParameterGroupApi {
  const rds = () => clients().rds;
  const subject = (name: string) => `DB parameter group ${name}`;
  return {
    async findParameterGroup(name) {
      let found:
        | { DBParameterGroupName?: string; DBParameterGroupFamily?: string; Description?: string; DBParameterGroupArn?: string }
        | undefined;
      try {
        const out = await c.call(
          { operation: 'DescribeDBParameterGroups', service: 'rds', subject: subject(name), expect: ['DBParameterGroupNotFound'] },
          () => rds().describeDBParameterGroups({ DBParameterGroupName: name }),
        );
        found = out.DBParameterGroups?.[0];
      } catch (e) {
        if (isAwsCode(e, 'DBParameterGroupNotFound')) return undefined;
        throw e;
      }
      if (!found) return undefined;
      const arn = found.DBParameterGroupArn;
      const tags = arn
        ? fromTags(
            (
              await c.call({ operation: 'ListTagsForResource', service: 'rds', subject: subject(name) }, () =>
                rds().listTagsForResource({ ResourceName: arn }),
              )
            ).TagList,
          )
        : {};
      return groupState(found, name, tags);
    },
    async createParameterGroup(input) {
      const out = await c.call({ operation: 'CreateDBParameterGroup', service: 'rds', subject: subject(input.name) }, () =>
        rds().createDBParameterGroup({
          DBParameterGroupName: input.name,
          DBParameterGroupFamily: input.family,
          Description: input.description,
          Tags: toTags(input.tags),
        }),
      );
      return groupState(out.DBParameterGroup ?? {}, input.name, input.tags);
    },
    async setParameters(name, values) {
      await c.call({ operation: 'ModifyDBParameterGroup', service: 'rds', subject: subject(name) }, () =>
        rds().modifyDBParameterGroup({
          DBParameterGroupName: name,
          Parameters: Object.entries(values).map(([ParameterName, ParameterValue]) => ({
            ParameterName,
            ParameterValue,
            ApplyMethod: 'immediate',
          })),
        }),
      );
    },
    async deleteParameterGroup(name) {
      await c.call({ operation: 'DeleteDBParameterGroup', service: 'rds', subject: subject(name) }, () =>
        rds().deleteDBParameterGroup({ DBParameterGroupName: name }),
      );
    },
  };
}

function groupState(
  g: { DBParameterGroupName?: string; DBParameterGroupFamily?: string; Description?: string; DBParameterGroupArn?: string },
  name: string,
  tags: ParameterGroupState['tags'],
): ParameterGroupState {
  return {
    name: g.DBParameterGroupName ?? name,
    family: g.DBParameterGroupFamily ?? '',
    ...(g.Description ? { description: g.Description } : {}),
    ...(g.DBParameterGroupArn ? { arn: g.DBParameterGroupArn } : {}),
    tags,
  };
}

class AwsProvision implements ProvisionProvider {
  readonly name = 'aws' as const;
  readonly region: string;
  readonly database;
  readonly network;
  readonly cache;
  readonly serverlessCache;
  readonly notifications;
  readonly alarms;
  readonly budgets;
  readonly parameterGroups;
  readonly regions;
  readonly #clients: RegionClients;
  /** Set when this adapter made its own pool (a base that is not an aws Provider); it destroys it on close. */
  readonly #ownPool?: AwsClients;
  readonly #caller: ProvisionCaller;

  constructor(
    opts: AwsProviderOptions,
    readonly instances: Provider,
    tuning: AwsProvisionTuning,
  ) {
    this.region = opts.region;
    const settings = { profile: opts.profile, endpointUrl: opts.endpointUrl, maxAttempts: opts.maxAttempts };
    const shared = awsClientsOf(instances);
    const pool = shared ?? new AwsClients(settings);
    if (!shared) this.#ownPool = pool;
    this.#clients = pool.forRegion(opts.region);
    const c = provisionCaller(opts.region, settings);
    this.#caller = c;
    const clients = () => this.#clients;
    const delays: PollDelays = {
      minDelaySeconds: tuning.pollDelaySeconds ?? DEFAULT_POLL_DELAYS.minDelaySeconds,
      maxDelaySeconds:
        tuning.maxPollDelaySeconds ?? (tuning.pollDelaySeconds ? tuning.pollDelaySeconds * 4 : DEFAULT_POLL_DELAYS.maxDelaySeconds),
    };
    this.database = awsDatabase(c, clients);
    this.network = awsNetwork(c, clients, tuning.dependencyRetry ?? { attempts: 20, delayMs: 30_000 });
    this.cache = awsCache(c, clients, delays, opts.maxWaitSeconds);
    this.serverlessCache = awsServerlessCache(c, clients, delays, opts.maxWaitSeconds);
    this.notifications = awsNotifications(c, clients);
    this.alarms = awsAlarms(c, clients);
    this.budgets = awsBudgets(c, clients);
    this.parameterGroups = awsParameterGroups(c, clients);
    this.regions = awsRegions(provisionCaller(REGION_LOOKUP, settings), () => pool.forRegion(REGION_LOOKUP));
  }

  async identity(): Promise<Identity> {
    const out = await this.#caller.call({ operation: 'GetCallerIdentity', service: 'sts' }, () => this.#clients.sts.getCallerIdentity({}));
    if (!out.Account) throw new EnvironmentError('AWS STS GetCallerIdentity returned no account id.');
    return { accountId: out.Account, arn: out.Arn ?? '' };
  }

  /** Every capability exists on AWS. */
  notApplicable(_capability: Capability): string | undefined {
    return undefined;
  }

  /** The shared pool belongs to the base Provider, which closes it. */
  async close(): Promise<void> {
    this.#ownPool?.destroy();
  }
}

/** The aws provisioning port; `base` is the context's aws Provider (instances). */
export function createAwsProvisionProvider(opts: AwsProviderOptions, base: Provider, tuning: AwsProvisionTuning = {}): ProvisionProvider {
  return new AwsProvision(opts, base, tuning);
}

/** The caller's account, for `dbops init`; one attempt, then a clear error. */
export async function awsIdentity(settings: {
  region: string;
  profile?: string;
  endpointUrl?: string;
  maxAttempts: number;
}): Promise<Identity> {
  const pool = new AwsClients(settings);
  const c = provisionCaller(settings.region, settings);
  try {
    const out = await c.call({ operation: 'GetCallerIdentity', service: 'sts' }, () =>
      pool.forRegion(settings.region).sts.getCallerIdentity({}),
    );
    if (!out.Account) throw new EnvironmentError('AWS STS GetCallerIdentity returned no account id.');
    return { accountId: out.Account, arn: out.Arn ?? '' };
  } finally {
    pool.destroy();
  }
}
