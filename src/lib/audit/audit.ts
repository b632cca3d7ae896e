/**
 * `dbops audit`: reads the live deployment (the configured database, the security groups
 * attached to it and to the cache, the cache, the alarms, pgvector over a connection when
 * one can be made) and reports each risky setting with its fix.
 */
import type { Client } from 'pg';
import { connect, parseConnectHost, type HostOverride } from '../db/connect.js';
import { NotFoundError, messageOf } from '../errors.js';
import { isClusterEngine } from '../config/database-kind.js';
import { clusterAsInstance } from '../providers/cluster-view.js';
import type { DatabaseState, ProvisionProvider } from '../providers/provision-types.js';
import type { ProvisionDeps } from '../provision/deps.js';
import { CACHE_PORT, defaultParameterGroup, ENGINE_PORT } from '../provision/desired.js';
import { checkRegion } from '../provision/validate.js';
import { auditFindings, productionOf, type ExtensionCheck, type Finding, type LiveDeployment, type SecureTransport } from './findings.js';

export interface AuditResult {
  provider: string;
  region: string;
  database: string;
  cache?: string;
  findings: Finding[];
  /** Checks that do not apply on this provider, with why. */
  notApplicable: string[];
  counts: Record<Finding['severity'], number>;
}

/** What to audit when it is not the config's deployment: `--instance`, `--cache`. */
export interface AuditTarget {
  instanceId?: string;
  cacheId?: string;
  /** `--connect-host host[:port]`: the pgvector probe reaches the instance there (a tunnel). */
  connectHost?: string;
  /** Only the database (a fleet member): the config's cache belongs to the config's deployment, not to each member. */
  withoutCache?: boolean;
}

/** How pgvector is looked for; tests inject one, the CLI connects with `pg`. */
export type ExtensionProbe = (
  pp: ProvisionProvider,
  dbId: string,
  warn?: (message: string) => void,
  override?: HostOverride,
) => Promise<ExtensionCheck>;

const PROBE_TIMEOUT_MS = 5_000;

/** Connects with the provider's credentials and asks pg_extension / pg_available_extensions. */
export const connectAndProbe: ExtensionProbe = async (pp, dbId, warn, override) => {
  let client: Client | undefined;
  try {
    const tunnel = { ...(override ? { override } : {}), tunnelOption: '--connect-host' };
    client = await connect(await pp.instances.connectionInfo(dbId), {
      ...tunnel,
      connectTimeoutMs: PROBE_TIMEOUT_MS,
      applicationName: 'dbops-audit',
      warn,
    });
    const installed = await client.query<{ extversion: string }>("select extversion from pg_extension where extname = 'vector'");
    if (installed.rows[0]) return { status: 'present', version: installed.rows[0].extversion };
    const available = await client.query("select 1 from pg_available_extensions where name = 'vector'");
    return available.rowCount ? { status: 'missing' } : { status: 'unavailable' };
  } catch (e) {
    return { status: 'not-checked', reason: `could not connect or query (${messageOf(e).replace(/\.$/, '')}).` };
  } finally {
    await client?.end().catch(() => undefined);
  }
};

/**
 * An Aurora cluster as the audit reads it: the cluster's settings in the database's place
 * (encryption, deletion protection, retention, security groups, tags), its instances'
 * public access, and its writer for the pgvector probe. NotFoundError when it is missing.
 */
async function readCluster(
  pp: ProvisionProvider,
  id: string,
): Promise<{ database: DatabaseState; publicMembers: string[]; writer?: string }> {
  const found = await pp.instances.clusters?.findCluster(id);
  if (!found) {
    throw new NotFoundError(`There is nothing to audit: Aurora cluster ${id} does not exist in ${pp.region}.`, {
      hint: 'Check database.identifier and --region, or create it with `dbops provision apply`.',
    });
  }
  const members = await Promise.all(found.members.map((m) => pp.database.findDatabase(m.instanceId)));
  const writer = found.members.find((m) => m.role === 'writer')?.instanceId;
  return {
    database: {
      ...clusterAsInstance(found),
      ...(found.copyTagsToSnapshot !== undefined ? { copyTagsToSnapshot: found.copyTagsToSnapshot } : {}),
      managedPassword: found.managedPassword,
      pending: {},
    },
    publicMembers: members.filter((m) => m?.publiclyAccessible).map((m) => m!.id),
    ...(writer ? { writer } : {}),
  };
}

/** RDS MySQL: require_secure_transport in the instance's parameter group (its default group when none is named). */
async function readSecureTransport(
  pp: ProvisionProvider,
  database: DatabaseState,
  warn: (message: string) => void,
): Promise<SecureTransport | undefined> {
  if (!pp.database.parameterValues) return undefined;
  const group = database.parameterGroup ?? defaultParameterGroup(database.engine, database.engineVersion);
  try {
    const values = await pp.database.parameterValues(group, ['require_secure_transport']);
    return { group, value: values.require_secure_transport };
  } catch (e) {
    // The other checks still run: one unreadable group (rds:DescribeDBParameters denied) does not stop the audit.
    warn(`require_secure_transport was not checked: ${messageOf(e).replace(/\.$/, '')} (parameter group ${group}).`);
    return undefined;
  }
}

async function readLive(
  deps: ProvisionDeps,
  probe: ExtensionProbe,
  target: AuditTarget,
  override: HostOverride | undefined,
): Promise<LiveDeployment> {
  const { pp, config, settings } = deps;
  const id = target.instanceId ?? config.database.identifier;
  const cluster = !target.instanceId && isClusterEngine(config.database.engine) ? await readCluster(pp, id) : undefined;
  const database = cluster?.database ?? (await pp.database.findDatabase(id));
  if (!database) {
    throw new NotFoundError(`There is nothing to audit: DB instance ${id} does not exist in ${pp.region}.`, {
      hint: target.instanceId
        ? 'Check the id and --region (`dbops instances` lists them).'
        : 'Check database.identifier and --region (or pass --instance), or create it with `dbops provision apply`.',
    });
  }
  const cacheId = target.cacheId ?? settings.cacheId;
  const serverless = settings.cacheServerless && pp.serverlessCache;
  const cache = target.withoutCache
    ? undefined
    : serverless
      ? await serverless.findServerlessCache(cacheId)
      : pp.cache
        ? await pp.cache.findCache(cacheId)
        : undefined;
  if (target.cacheId && pp.cache && !cache) {
    throw new NotFoundError(`There is no cache ${target.cacheId} in ${pp.region} to audit.`, {
      hint: 'Pass the id of an ElastiCache replication group or cache cluster (`aws elasticache describe-cache-clusters`), or leave --cache out.',
    });
  }
  const mysql = database.engine === 'mysql';
  const groupIds = [...new Set([...database.vpcSecurityGroupIds, ...(cache?.securityGroupIds ?? [])])];
  const [securityGroups, alarms, secureTransport, pgvector] = await Promise.all([
    pp.network ? pp.network.describeSecurityGroups(groupIds) : [],
    pp.alarms ? pp.alarms.listAlarms('') : [],
    mysql && !cluster ? readSecureTransport(pp, database, (m) => deps.out.warn(m)) : undefined,
    mysql
      ? Promise.resolve<ExtensionCheck>({ status: 'not-applicable' })
      : database.status === 'available'
        ? probe(pp, cluster?.writer ?? id, (m) => deps.out.warn(m), override)
        : Promise.resolve<ExtensionCheck>({ status: 'not-checked', reason: `the instance is ${database.status}.` }),
  ]);
  // The connection layer in front of the database: RDS Proxy's TLS and target health.
  const pooler = config.connectionPool.enabled ? await (await deps.pooler?.())?.find(id) : undefined;
  return {
    provider: pp.name,
    region: pp.region,
    database,
    securityGroups,
    ...(pooler ? { pooler } : {}),
    ...(cache ? { cache } : {}),
    alarms,
    pgvector,
    production: productionOf(settings.environment, database.tags),
    ...(cluster ? { cluster: { publicMembers: cluster.publicMembers } } : {}),
    ...(secureTransport ? { secureTransport } : {}),
    policy: {
      backupRetentionDays: config.database.backupRetentionDays,
      dbPort: ENGINE_PORT[database.engine],
      cachePort: config.cache.port ?? CACHE_PORT,
    },
  };
}

function notApplicable(pp: ProvisionProvider): string[] {
  const out: string[] = [];
  if (!pp.network) out.push(`security groups: ${pp.notApplicable('network')}`);
  if (!pp.alarms) out.push(`alarms: ${pp.notApplicable('alarms')}`);
  if (pp.name === 'local') out.push('public access and encryption at rest: not applicable on the local provider (127.0.0.1, local disk)');
  if (!pp.cache) out.push(`cache: ${pp.notApplicable('cache')}`);
  return out;
}

export async function runAudit(
  deps: ProvisionDeps,
  probe: ExtensionProbe = connectAndProbe,
  target: AuditTarget = {},
): Promise<AuditResult> {
  const override = target.connectHost === undefined ? undefined : parseConnectHost(target.connectHost);
  await checkRegion(deps.pp, deps.config.region);
  const live = await readLive(deps, probe, target, override);
  const findings = auditFindings(live);
  const counts = { high: 0, medium: 0, low: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return {
    provider: live.provider,
    region: live.region,
    database: live.database.id,
    ...(live.cache ? { cache: live.cache.id } : {}),
    findings,
    notApplicable: notApplicable(deps.pp),
    counts,
  };
}
