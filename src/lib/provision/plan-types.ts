/**
 * The plan as data: ordered changes, one per resource, each create / modify / replace /
 * delete / no-op (or not-applicable / blocked), with the field changes that make it and
 * whether it causes downtime or loses data. `--json` prints exactly this.
 */
import type {
  Alarm,
  Budget,
  CacheState,
  CacheUserGroupState,
  CacheUserState,
  Capability,
  DatabaseState,
  ParameterGroupState,
  ResourceKind,
  SecurityGroup,
  Topic,
} from '../providers/provision-types.js';
import type { PoolerState, PoolRole } from '../providers/failover-types.js';
import type { Cluster, ProviderName } from '../providers/types.js';
import type { ScheduleKind } from '../schedule/resources.js';

export type Action = 'create' | 'modify' | 'replace' | 'delete' | 'no-op' | 'not-applicable' | 'blocked';

/** One setting that differs. */
export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
  downtime: boolean;
  /** The resource must be replaced for this field (it cannot be modified in place). */
  replace: boolean;
  dataLoss: boolean;
  /** Held until the maintenance window unless applied immediately (RDS, ElastiCache). */
  deferrable: boolean;
  note?: string;
}

export interface Change {
  kind: ResourceKind;
  /** Name or identifier of the resource. */
  id: string;
  action: Action;
  fields: FieldChange[];
  downtime: boolean;
  dataLoss: boolean;
  notes: string[];
}

export interface Plan {
  provider: ProviderName;
  region: string;
  changes: Change[];
  /** Changes that are not no-op / not-applicable. */
  pending: number;
  /** Which key the weekly cross-region copies will use (aws, encrypted storage, copies on). */
  copies?: { region: string; kmsKeyId: string; keySource: 'flag' | 'config' | 'default' };
  warnings: string[];
}

/** What the provider has now, as read through the provisioning port. */
export interface CurrentState {
  securityGroup?: SecurityGroup;
  /** The custom DB parameter group dbops wants, when it exists, with the values of the parameters dbops sets. */
  parameterGroup?: ParameterGroupState & { values: Record<string, string | undefined> };
  database?: DatabaseState;
  /** The Aurora cluster (database.engine aurora-postgresql) and its writer instance. */
  cluster?: Cluster;
  writer?: DatabaseState;
  /** Why there is no cluster to compare (a provider without clusters). */
  clusterNotApplicable?: string;
  replica?: DatabaseState;
  cache?: CacheState;
  /** cache.kind serverless: the cache's RBAC user and user group, when they exist. */
  cacheUser?: CacheUserState;
  cacheUserGroup?: CacheUserGroupState;
  topic?: Topic;
  /** dbops' alarms (by name) that exist. */
  alarms: Alarm[];
  budget?: Budget;
  /** The connection layer in front of the database, when it exists. */
  pool?: PoolerState;
  /** RDS Proxy: the IAM role dbops manages for it (connectionPool.roleArn not given). */
  poolRole?: PoolRole;
  /** Why the connection layer has no row to compare (no connection layer on this provider). */
  poolNotApplicable?: string;
  accountId?: string;
  notApplicable: Partial<Record<Capability, string>>;
}

export const PENDING_ACTIONS: ReadonlySet<Action> = new Set(['create', 'modify', 'replace', 'delete', 'blocked']);

/** One thing apply did (listed in its result, and on its error when it fails part-way). */
export interface Applied {
  /** A provisioned resource's kind, or a `dbops schedule` one. */
  kind: Change['kind'] | ScheduleKind;
  id: string;
  action: Change['action'];
  detail: string;
}
