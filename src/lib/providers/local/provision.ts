/**
 * The local adapter of the provisioning port: the database is a PostgreSQL cluster of the
 * local Provider (settings without a physical meaning here are recorded in its
 * instance.json), the cache a redis-server from this machine when one is installed.
 * Security groups, SNS, alarms, budgets and parameter groups are reported as not
 * applicable, so plans say so instead of skipping them silently.
 */
import { AURORA_POSTGRES } from '../../config/database-kind.js';
import { UsageError } from '../../errors.js';
import type { LocalProviderOptions } from '../index.js';
import type { Capability, DatabaseApi, DatabaseState, Identity, ModifyDatabaseInput, ProvisionProvider } from '../provision-types.js';
import type { Provider } from '../types.js';
import { createShared, regionContext, type LocalProviderInternals, type RegionContext } from './context.js';
import { readInstance, updateInstance } from './instance-store.js';
import { findRedisServer, LocalRedis } from './provision-redis.js';
import type { InstanceRecord } from './records.js';
import { isKnownRegion } from '../../provision/regions.js';

const NOT_HERE = 'not applicable on the local provider';

const REASONS: Record<Exclude<Capability, 'cache'>, string> = {
  network: `${NOT_HERE}: local servers listen on 127.0.0.1 only`,
  notifications: `${NOT_HERE}: there is no SNS here`,
  alarms: `${NOT_HERE}: there is no CloudWatch here`,
  budgets: `${NOT_HERE}: there is no AWS bill here`,
  'parameter-group': `${NOT_HERE}: server settings live in each cluster's postgresql.auto.conf`,
};

/** ModifyDatabaseInput -> the instance.json fields it records. Pure. */
export function recordChanges(m: ModifyDatabaseInput): Partial<InstanceRecord> {
  const out: Partial<InstanceRecord> = {};
  const set = <K extends keyof InstanceRecord>(k: K, v: InstanceRecord[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('instanceClass', m.instanceClass);
  set('allocatedStorageGb', m.allocatedStorageGb);
  set('maxAllocatedStorageGb', m.maxAllocatedStorageGb);
  set('storageType', m.storageType);
  set('multiAz', m.multiAz);
  set('publiclyAccessible', m.publiclyAccessible);
  set('deletionProtection', m.deletionProtection);
  set('backupRetentionDays', m.backupRetentionDays);
  set('backupWindow', m.backupWindow);
  set('maintenanceWindow', m.maintenanceWindow);
  set('autoMinorVersionUpgrade', m.autoMinorVersionUpgrade);
  set('copyTagsToSnapshot', m.copyTagsToSnapshot);
  set('vpcSecurityGroupIds', m.vpcSecurityGroupIds);
  return out;
}

function localDatabase(rc: RegionContext, base: Provider): DatabaseApi {
  const find = async (id: string): Promise<DatabaseState | undefined> => {
    const inst = await base.findInstance(id);
    const rec = inst ? await readInstance(rc, id) : undefined;
    if (!inst || !rec) return undefined;
    return {
      ...inst,
      autoMinorVersionUpgrade: rec.autoMinorVersionUpgrade,
      copyTagsToSnapshot: rec.copyTagsToSnapshot,
      ...(rec.parameterGroup ? { parameterGroup: rec.parameterGroup } : {}),
      managedPassword: true,
      pending: {},
    };
  };
  return {
    findDatabase: find,
    async modifyDatabase(id, input) {
      if (input.engineVersion) {
        throw new UsageError('The local provider cannot change the engine version of a cluster.', {
          hint: 'Recreate it with the matching PostgreSQL binaries (PG_BIN).',
        });
      }
      await updateInstance(rc, id, (r) => ({ ...r, ...recordChanges(input) }));
      return (await find(id))!;
    },
    async orderableOptions(engine) {
      if (engine === 'mysql') {
        // MariaDB stands in for MySQL 8.0: its binaries must be here (else: what to install, exit 3).
        await rc.shared.mariaToolbox();
        return [{ engineVersion: '8.0' }];
      }
      if (engine !== 'postgres' && engine !== AURORA_POSTGRES) {
        throw new UsageError(
          `The local provider runs PostgreSQL, Aurora PostgreSQL (as PostgreSQL clusters) and MySQL (as MariaDB) only, not ${String(engine)}.`,
          {
            hint: 'Use engine postgres, aurora-postgresql or mysql, or the aws provider.',
          },
        );
      }
      // Aurora PostgreSQL is a local PostgreSQL primary and its replicas (clusters.ts): the binaries' version.
      const tb = await rc.shared.toolbox();
      return [{ engineVersion: tb.bins.version }];
    },
    async engineListed(engine) {
      return engine === 'postgres' || engine === 'mysql' || engine === AURORA_POSTGRES;
    },
  };
}

class LocalProvision implements ProvisionProvider {
  readonly name = 'local' as const;
  readonly region: string;
  readonly database: DatabaseApi;
  readonly cache?: LocalRedis;
  readonly regions = { regionExists: async (region: string) => isKnownRegion(region) };

  constructor(
    readonly instances: Provider,
    rc: RegionContext,
    private readonly home: string,
    redisServer: string | undefined,
  ) {
    this.region = rc.region;
    this.database = localDatabase(rc, instances);
    if (redisServer) this.cache = new LocalRedis(rc, redisServer);
  }

  async identity(): Promise<Identity> {
    return { accountId: 'local', arn: `local:${this.home}` };
  }

  notApplicable(capability: Capability): string | undefined {
    if (capability === 'cache')
      return this.cache
        ? undefined
        : `${NOT_HERE} without redis-server: install it (apt-get install redis-server) to run the cache locally`;
    return REASONS[capability];
  }

  async close(): Promise<void> {}
}

/** Test seams: where redis-server is (null: pretend it is not installed). */
export interface LocalProvisionInternals extends LocalProviderInternals {
  redisServer?: string | null;
}

export async function createLocalProvisionProvider(
  opts: LocalProviderOptions,
  base: Provider,
  internals: LocalProvisionInternals = {},
): Promise<ProvisionProvider> {
  const rc = regionContext(createShared(opts, internals), opts.region);
  const redis = internals.redisServer === null ? undefined : (internals.redisServer ?? (await findRedisServer(opts.env)));
  return new LocalProvision(base, rc, opts.home, redis);
}
