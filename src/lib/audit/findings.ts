/**
 * Audit findings: pure functions over a read of the live deployment. Each finding names
 * the resource, says what is risky in one sentence, how severe it is, and the fix.
 * `dbops audit` exits 1 when any finding is high.
 */
import type { Alarm, CacheState, DatabaseState, SecurityGroup } from '../providers/provision-types.js';
import type { PoolerState } from '../providers/failover-types.js';
import type { ProviderName } from '../providers/types.js';
import { isWorldOpen } from '../provision/cidr.js';
import { plural } from '../output/format.js';
import { defineFindings } from '../runbook/findings.js';

export type Severity = 'high' | 'medium' | 'low' | 'info';

/**
 * Every kind of audit finding and its section in runbooks/audit.md: what it means, how to
 * confirm it with the aws CLI or psql, the fix. The coverage test checks both sides.
 */
export const AUDIT_FINDINGS = defineFindings('audit', {
  'db-publicly-accessible': 'AU-R1',
  'port-open-to-world': 'AU-R2',
  'db-storage-unencrypted': 'AU-R3',
  'cache-no-auth': 'AU-R4',
  'cache-no-transit-encryption': 'AU-R5',
  'cache-no-at-rest-encryption': 'AU-R6',
  'backup-retention-below-policy': 'AU-R7',
  'no-cpu-alarm': 'AU-R8',
  'no-storage-alarm': 'AU-R8',
  'cpu-alarm-notifies-nobody': 'AU-R9',
  'storage-alarm-notifies-nobody': 'AU-R9',
  'deletion-protection-off': 'AU-R10',
  'pgvector-missing': 'AU-R11',
  'pgvector-unavailable': 'AU-R12',
  'pgvector-not-checked': 'AU-R13',
  'proxy-tls-not-required': 'AU-R14',
  'proxy-no-target': 'AU-R15',
  'proxy-target-not-available': 'AU-R16',
  'mysql-secure-transport-off': 'AU-R17',
});
export type AuditFindingKind = keyof typeof AUDIT_FINDINGS.sections;

/** A finding as a check returns it; `auditFindings` adds its runbook section. */
export interface CheckFinding {
  id: AuditFindingKind;
  severity: Severity;
  /** The resource it is about: "db-instance recipe-db-primary", "security-group sg-1". */
  resource: string;
  message: string;
  fix: string;
}

export interface Finding extends CheckFinding {
  /** Its response section: `runbooks/audit.md#AU-R2`. */
  runbook: string;
}

/** What the pgvector check found over a database connection. */
export type ExtensionCheck =
  | { status: 'present'; version?: string }
  | { status: 'missing' }
  | { status: 'unavailable' }
  | { status: 'not-checked'; reason: string }
  /** A MySQL database: pgvector is a PostgreSQL extension. */
  | { status: 'not-applicable' };

/**
 * MySQL's `require_secure_transport` in the instance's DB parameter group: `value` is
 * undefined when the group leaves it unset (OFF, the MySQL 8.0 default, as in default.mysql8.0).
 */
export interface SecureTransport {
  group: string;
  value: string | undefined;
}

/** The live deployment as the audit reads it. */
export interface LiveDeployment {
  provider: ProviderName;
  region: string;
  database: DatabaseState;
  /** Security groups attached to the database and the cache. */
  securityGroups: SecurityGroup[];
  cache?: CacheState;
  /** Alarms in the region (the audit looks for the database's and the cache's). */
  alarms: Alarm[];
  pgvector: ExtensionCheck;
  /** Whether this is production, and what said so. */
  production: { value: boolean; source: string };
  policy: { backupRetentionDays: number; dbPort: number; cachePort: number };
  /** The connection layer in front of the database (connectionPool), when one is configured and exists. */
  pooler?: PoolerState;
  /** Set when the database is an Aurora cluster (`database` is the cluster): its members with public addresses. */
  cluster?: { publicMembers: string[] };
  /** Set for an RDS MySQL instance: require_secure_transport in its parameter group. */
  secureTransport?: SecureTransport;
}

const SEVERITY_ORDER: Severity[] = ['high', 'medium', 'low', 'info'];

function dbRes(live: LiveDeployment): string {
  return `${live.cluster ? 'db-cluster' : 'db-instance'} ${live.database.id}`;
}

/** An Aurora cluster: public access is each instance's setting. */
function publicMembers(live: LiveDeployment, cluster: { publicMembers: string[] }): CheckFinding[] {
  if (cluster.publicMembers.length === 0) return [];
  const ids = cluster.publicMembers;
  return [
    {
      id: 'db-publicly-accessible',
      severity: 'high',
      resource: dbRes(live),
      message: `Instances of the Aurora cluster are publicly accessible (${ids.join(', ')}): they have addresses on the internet.`,
      fix: `Run \`aws rds modify-db-instance --db-instance-identifier ${ids[0]} --no-publicly-accessible --apply-immediately\` for each; reach the cluster through a VPN, bastion or tunnel.`,
    },
  ];
}

export function publicDatabase(live: LiveDeployment): CheckFinding[] {
  if (live.cluster) return live.provider === 'aws' ? publicMembers(live, live.cluster) : [];
  if (live.provider !== 'aws' || !live.database.publiclyAccessible) return [];
  return [
    {
      id: 'db-publicly-accessible',
      severity: 'high',
      resource: dbRes(live),
      message: 'The database is publicly accessible: it has an address on the internet.',
      fix: 'Set database.publiclyAccessible: false and run `dbops provision apply --apply-immediately` (or `aws rds modify-db-instance --no-publicly-accessible --apply-immediately`); reach it through a VPN, bastion or tunnel.',
    },
  ];
}

function covers(rule: { port: number; toPort?: number }, port: number): boolean {
  if (rule.port === -1) return true;
  return port >= rule.port && port <= (rule.toPort ?? rule.port);
}

export function openSecurityGroups(live: LiveDeployment): CheckFinding[] {
  const ports: [number, string][] = [[live.policy.dbPort, 'database']];
  if (live.cache) ports.push([live.policy.cachePort, 'cache']);
  const out: CheckFinding[] = [];
  for (const g of live.securityGroups) {
    for (const [port, what] of ports) {
      const open = g.ingress.filter((r) => isWorldOpen(r.cidr) && covers(r, port));
      if (open.length === 0) continue;
      out.push({
        id: 'port-open-to-world',
        severity: 'high',
        resource: `security-group ${g.id}${g.name ? ` (${g.name})` : ''}`,
        message: `Port ${port} (${what}) is open to ${[...new Set(open.map((r) => r.cidr))].join(' and ')}.`,
        fix: `Revoke the rule (\`aws ec2 revoke-security-group-ingress --group-id ${g.id} --protocol tcp --port ${port} --cidr ${open[0]!.cidr}\`) and admit only network.allowedCidr or your application's security group.`,
      });
    }
  }
  return out;
}

export function unencryptedStorage(live: LiveDeployment): CheckFinding[] {
  if (live.provider !== 'aws' || live.database.storageEncrypted) return [];
  return [
    {
      id: 'db-storage-unencrypted',
      severity: 'high',
      resource: dbRes(live),
      message: 'The database storage is not encrypted at rest (encryption costs nothing on RDS).',
      fix: 'Take a snapshot, copy it with encryption (a KMS key), restore the copy and switch over (runbooks/provision-apply.md, PV-4); set database.storageEncrypted: true.',
    },
  ];
}

export function cacheSecurity(live: LiveDeployment): CheckFinding[] {
  const c = live.cache;
  if (!c) return [];
  const res = `cache ${c.id}`;
  const out: CheckFinding[] = [];
  if (c.kind === 'serverless') return serverlessCacheSecurity(c, res);
  const recreate =
    c.kind === 'cache-cluster'
      ? 'Create a one-node replication group with AUTH and in-transit encryption (`dbops provision apply` does), on a node type that supports them (cache.t3.micro, not cache.t2.*), and move the clients.'
      : 'Recreate the cache with AUTH and in-transit encryption (`dbops provision apply` does), on cache.t3.micro or newer.';
  if (!c.authEnabled)
    out.push({
      id: 'cache-no-auth',
      severity: 'high',
      resource: res,
      message: 'The cache has no AUTH: anyone who reaches the port can read and write it.',
      fix: recreate,
    });
  if (live.provider === 'aws' && !c.transitEncryption) {
    out.push({
      id: 'cache-no-transit-encryption',
      severity: 'medium',
      resource: res,
      message: 'The cache has no in-transit encryption: data and commands cross the network in clear text.',
      fix: recreate,
    });
  }
  if (live.provider === 'aws' && !c.atRestEncryption) {
    out.push({
      id: 'cache-no-at-rest-encryption',
      severity: 'low',
      resource: res,
      message: 'The cache is not encrypted at rest.',
      fix: recreate,
    });
  }
  return out;
}

/** A serverless cache always encrypts at rest and in transit; AUTH is a user group attached to it. */
function serverlessCacheSecurity(c: CacheState, res: string): CheckFinding[] {
  if (c.authEnabled) return [];
  return [
    {
      id: 'cache-no-auth',
      severity: 'high',
      resource: res,
      message: 'The serverless cache has no user group: anyone who reaches the port can read and write it.',
      fix: 'Create an ElastiCache user group with a password user (`aws elasticache create-user-group --engine valkey ...`) and attach it: `aws elasticache modify-serverless-cache --serverless-cache-name <id> --user-group-id <group>`.',
    },
  ];
}

export function backupRetention(live: LiveDeployment): CheckFinding[] {
  const have = live.database.backupRetentionDays;
  const want = live.policy.backupRetentionDays;
  if (have >= want) return [];
  return [
    {
      id: 'backup-retention-below-policy',
      severity: have === 0 ? 'high' : 'medium',
      resource: dbRes(live),
      message:
        have === 0
          ? 'Automated backups are off (retention 0 days).'
          : `Backup retention is ${plural(have, 'day')}, below the policy of ${plural(want, 'day')}.`,
      fix: `Set database.backupRetentionDays: ${want} and run \`dbops provision apply\`.`,
    },
  ];
}

function alarmOn(live: LiveDeployment, namespace: string, metric: string, dimension: string, id: string): Alarm[] {
  return live.alarms.filter((a) => a.namespace === namespace && a.metricName === metric && a.dimensions[dimension] === id);
}

export function missingAlarms(live: LiveDeployment): CheckFinding[] {
  if (live.provider !== 'aws') return [];
  const id = live.database.id;
  const out: CheckFinding[] = [];
  const wanted: [string, AuditFindingKind, AuditFindingKind][] = [
    ['CPUUtilization', 'no-cpu-alarm', 'cpu-alarm-notifies-nobody'],
    // Aurora storage grows by itself: a cluster has no free-storage alarm to miss.
    ...(live.cluster
      ? []
      : [['FreeStorageSpace', 'no-storage-alarm', 'storage-alarm-notifies-nobody'] as [string, AuditFindingKind, AuditFindingKind]]),
  ];
  const dimension = live.cluster ? 'DBClusterIdentifier' : 'DBInstanceIdentifier';
  for (const [metric, fid, silentId] of wanted) {
    const found = alarmOn(live, 'AWS/RDS', metric, dimension, id);
    if (found.length === 0) {
      out.push({
        id: fid,
        severity: 'medium',
        resource: dbRes(live),
        message: `No CloudWatch alarm watches ${metric} of the database.`,
        fix: 'Run `dbops provision apply`: it creates the alarms of seeds 000/002 and the SNS topic they notify.',
      });
    } else if (found.every((a) => a.actions.length === 0)) {
      out.push({
        id: silentId,
        severity: 'low',
        resource: `alarm ${found[0]!.name}`,
        message: `The ${metric} alarm notifies nobody (no alarm actions).`,
        fix: 'Set alarms.email and run `dbops provision apply`, or add an SNS topic to the alarm.',
      });
    }
  }
  return out;
}

export function deletionProtection(live: LiveDeployment): CheckFinding[] {
  if (live.database.deletionProtection || !live.production.value) return [];
  return [
    {
      id: 'deletion-protection-off',
      severity: 'high',
      resource: dbRes(live),
      message: `Deletion protection is off on a production database (${live.production.source}).`,
      fix: 'Set database.deletionProtection: true and run `dbops provision apply` (it applies at once, without downtime).',
    },
  ];
}

export function pgvector(live: LiveDeployment): CheckFinding[] {
  const v = live.pgvector;
  const res = dbRes(live);
  switch (v.status) {
    case 'present':
    case 'not-applicable':
      return [];
    case 'missing':
      return [
        {
          id: 'pgvector-missing',
          severity: 'medium',
          resource: res,
          message: 'The pgvector extension is not installed in the database.',
          fix: 'Run `CREATE EXTENSION IF NOT EXISTS vector;` as the master user (`dbops psql -- -c "create extension vector"`).',
        },
      ];
    case 'unavailable':
      return [
        {
          id: 'pgvector-unavailable',
          severity: 'medium',
          resource: res,
          message: 'pgvector is not available on this server, so it cannot be installed.',
          fix: 'Use RDS PostgreSQL 15+ (pgvector is included), or install the pgvector package for the local server version.',
        },
      ];
    default:
      return [
        {
          id: 'pgvector-not-checked',
          severity: 'info',
          resource: res,
          message: `pgvector was not checked: ${v.reason}`,
          fix: 'Run the audit from a machine that can connect (network.allowedCidr, a tunnel), or check `select * from pg_extension` by hand.',
        },
      ];
  }
}

/** What to look at when an RDS Proxy target is not AVAILABLE, by its TargetHealth reason. */
const TARGET_FIX: Record<string, string> = {
  AUTH_FAILURE:
    "The proxy cannot log in: its secret must hold the database's current master credentials, and its IAM role must be allowed secretsmanager:GetSecretValue (and kms:Decrypt) on it.",
  UNREACHABLE:
    "The proxy cannot reach the database: the database's security group must allow the proxy's security group on the database port.",
  CONNECTION_FAILED:
    "The proxy cannot reach the database: the database's security group must allow the proxy's security group on the database port.",
  PENDING_PROXY_CAPACITY: 'RDS is still adding proxy capacity: check again in a few minutes.',
  INVALID_REPLICATION_STATE: 'The target is a read replica or being promoted: register the primary instead (`dbops switchover` does it).',
};

/** RDS Proxy: TLS required, and every target healthy (the reason shown: CDK issue #8919's users could not see it). */
export function proxyHealth(live: LiveDeployment): CheckFinding[] {
  const pool = live.pooler;
  if (pool?.kind !== 'rds-proxy') return [];
  const res = `db-proxy ${pool.name}`;
  const out: CheckFinding[] = [];
  if (!pool.requireTls) {
    out.push({
      id: 'proxy-tls-not-required',
      severity: 'medium',
      resource: res,
      message: 'The RDS Proxy accepts connections without TLS (RequireTLS is off): passwords and data can cross the network in clear text.',
      fix: `Set connectionPool.requireTls: true, or \`aws rds modify-db-proxy --db-proxy-name ${pool.name} --require-tls\` (clients must then connect with sslmode=require).`,
    });
  }
  if (pool.targets.length === 0) {
    out.push({
      id: 'proxy-no-target',
      severity: 'high',
      resource: res,
      message: 'The RDS Proxy has no database registered: every connection through it fails.',
      fix: `Register the primary: \`aws rds register-db-proxy-targets --db-proxy-name ${pool.name} --db-instance-identifiers ${live.database.id}\`.`,
    });
  }
  for (const t of pool.targets) {
    if (t.state === 'AVAILABLE') continue;
    const why = [t.reason, t.description].filter(Boolean).join(': ');
    out.push({
      id: 'proxy-target-not-available',
      severity: 'high',
      resource: res,
      message: `Target ${t.instanceId} of the RDS Proxy is ${t.state}${why ? ` (${why})` : ''}: connections through the proxy to it fail or wait.`,
      fix: TARGET_FIX[t.reason ?? ''] ?? 'Look at the target group in the RDS console and at `aws rds describe-db-proxy-targets`.',
    });
  }
  return out;
}

/** require_secure_transport is ON when the group sets it to 1 or ON. */
export function secureTransportOn(value: string | undefined): boolean {
  return value !== undefined && /^(1|on)$/i.test(value.trim());
}

/** RDS MySQL: clients may connect without TLS unless the parameter group requires it. */
export function mysqlSecureTransport(live: LiveDeployment): CheckFinding[] {
  const st = live.secureTransport;
  if (!st || secureTransportOn(st.value)) return [];
  const now = st.value === undefined ? 'not set (OFF, the MySQL 8.0 default)' : `${st.value}`;
  const set = 'ParameterName=require_secure_transport,ParameterValue=1,ApplyMethod=immediate';
  const fix = st.group.startsWith('default.')
    ? `A default group cannot be changed: create one of family mysql8.0 (\`aws rds create-db-parameter-group --db-parameter-group-name ${live.database.id}-mysql8 --db-parameter-group-family mysql8.0 --description "dbops: TLS required"\`), set \`aws rds modify-db-parameter-group --db-parameter-group-name ${live.database.id}-mysql8 --parameters "${set}"\`, attach it (\`aws rds modify-db-instance --db-instance-identifier ${live.database.id} --db-parameter-group-name ${live.database.id}-mysql8 --apply-immediately\`) and reboot the instance once.`
    : `Run \`aws rds modify-db-parameter-group --db-parameter-group-name ${st.group} --parameters "${set}"\` (a dynamic parameter: no reboot); clients must then connect with TLS (--ssl-mode=REQUIRED).`;
  return [
    {
      id: 'mysql-secure-transport-off',
      severity: 'medium',
      resource: dbRes(live),
      message: `require_secure_transport is ${now} in parameter group ${st.group}: clients may connect without TLS, so passwords and rows can cross the network in clear text.`,
      fix,
    },
  ];
}

export const CHECKS = [
  publicDatabase,
  openSecurityGroups,
  unencryptedStorage,
  cacheSecurity,
  backupRetention,
  missingAlarms,
  deletionProtection,
  pgvector,
  proxyHealth,
  mysqlSecureTransport,
];

/** Every finding, most severe first (stable within a severity). */
export function auditFindings(live: LiveDeployment): Finding[] {
  const all = CHECKS.flatMap((check) => check(live));
  return all
    .map((f, i) => ({ f, i }))
    .sort((a, b) => SEVERITY_ORDER.indexOf(a.f.severity) - SEVERITY_ORDER.indexOf(b.f.severity) || a.i - b.i)
    .map(({ f }) => ({ ...f, runbook: AUDIT_FINDINGS.anchor(f.id) }));
}

/** How production is known: the `environment` setting, or an environment tag on the instance. */
export function productionOf(environment: string | undefined, tags: Record<string, string>): { value: boolean; source: string } {
  if (environment) return { value: environment === 'production', source: `environment: ${environment}` };
  for (const key of ['dbops:environment', 'environment', 'Environment', 'env']) {
    const v = tags[key];
    if (v !== undefined) return { value: /^prod(uction)?$/i.test(v), source: `tag ${key}=${v}` };
  }
  return { value: false, source: 'no environment setting or tag' };
}
