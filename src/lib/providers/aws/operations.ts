/**
 * The AWS operations each command dbops runs on a schedule calls, as IAM actions, kept next
 * to the client pool (sdk.ts) whose facades are the only way dbops reaches AWS. The schedule's
 * task roles allow exactly these (src/lib/schedule/iam.ts), nothing else.
 *
 * Kept honest by the wire tier: test/wire/_moto/wire.ts records the operations each dbops
 * run sends to moto_server, and test/wire/schedule-iam.test.ts fails when a scheduled
 * command sends one its row does not list, or a row lists one no wire story of that command
 * sends (unless WIRE_UNSEEN below says why no story can).
 *
 * Paths: a command's row covers every path it can take on AWS (RDS instance or Aurora
 * cluster, snapshot or point in time, the managed master secret or DBOPS_DB_PASSWORD).
 */

/** An IAM action, "service:Operation". */
export type IamAction = `${string}:${string}`;

/**
 * Assuming a fleet account's role (config fleet.accounts[].roleArn): granted by the policy
 * only on those role ARNs, and only when the config names some.
 */
export const FLEET_ROLE_ACTION: IamAction = 'sts:AssumeRole';

/** Reaching the database: its endpoint, and the RDS-managed master password when there is one. */
const CONNECT: IamAction[] = ['rds:DescribeDBInstances', 'secretsmanager:GetSecretValue'];

export const COMMAND_OPERATIONS: Readonly<Record<string, readonly IamAction[]>> = {
  heartbeat: [...CONNECT],
  'backup status': [
    'rds:DescribeDBInstances',
    'rds:DescribeDBSnapshots',
    'rds:DescribeDBInstanceAutomatedBackups',
    'rds:DescribeDBClusters',
    'rds:DescribeDBClusterSnapshots',
  ],
  'snapshot run-policy': [
    'rds:DescribeDBInstances',
    'rds:DescribeDBSnapshots',
    'rds:CreateDBSnapshot',
    'rds:CopyDBSnapshot',
    'rds:DeleteDBSnapshot',
    'rds:DescribeDBInstanceAutomatedBackups',
    'rds:DescribeDBClusters',
    'rds:DescribeDBClusterSnapshots',
    'rds:CreateDBClusterSnapshot',
    'rds:CopyDBClusterSnapshot',
    'rds:DeleteDBClusterSnapshot',
  ],
  'restore-test': [
    ...CONNECT,
    'rds:DescribeDBSnapshots',
    'rds:RestoreDBInstanceFromDBSnapshot',
    'rds:RestoreDBInstanceToPointInTime',
    'rds:DeleteDBInstance',
    'cloudwatch:PutMetricData',
    // An Aurora cluster source: a temporary cluster, then its db.serverless writer.
    'rds:DescribeDBClusters',
    'rds:DescribeDBClusterSnapshots',
    'rds:RestoreDBClusterFromSnapshot',
    'rds:RestoreDBClusterToPointInTime',
    'rds:CreateDBInstance',
    'rds:DeleteDBCluster',
  ],
  'dr-drill run': [
    ...CONNECT,
    'rds:DescribeDBSnapshots',
    'rds:DescribeDBInstanceAutomatedBackups',
    'rds:RestoreDBInstanceFromDBSnapshot',
    'rds:RestoreDBInstanceToPointInTime',
    'rds:CreateDBInstanceReadReplica',
    'rds:PromoteReadReplica',
    'rds:DeleteDBInstance',
    'rds:DescribeDBClusters',
    'rds:DescribeDBClusterSnapshots',
    'rds:RestoreDBClusterFromSnapshot',
    'rds:RestoreDBClusterToPointInTime',
    'rds:CreateDBInstance',
    'rds:DeleteDBCluster',
  ],
  'free-tier-report': [
    'rds:DescribeDBInstances',
    'elasticache:DescribeCacheClusters',
    'cloudwatch:GetMetricData',
    'cloudwatch:ListMetrics',
    'cloudwatch:DescribeAlarms',
    'cloudwatch:PutMetricData',
    'budgets:ViewBudget',
    'freetier:GetFreeTierUsage',
    'freetier:GetAccountPlanState',
  ],
  gc: [
    'rds:DescribeDBInstances',
    'rds:DescribeDBSnapshots',
    'rds:DescribeDBClusters',
    'rds:DescribeDBClusterSnapshots',
    'rds:DeleteDBInstance',
    'rds:DeleteDBSnapshot',
    'rds:DeleteDBClusterSnapshot',
  ],
  audit: [
    ...CONNECT,
    'ec2:DescribeSecurityGroups',
    // A MySQL source: require_secure_transport in its parameter group (AU-R17).
    'rds:DescribeDBParameters',
    'elasticache:DescribeCacheClusters',
    'elasticache:DescribeReplicationGroups',
    'elasticache:DescribeServerlessCaches',
    'elasticache:ListTagsForResource',
    'cloudwatch:DescribeAlarms',
  ],
};

/**
 * An API operation whose IAM action has another name (the wire tier sees the operation).
 * AWS Budgets: DescribeBudgets is authorised by budgets:ViewBudget.
 */
export const ACTION_OF_OPERATION: Readonly<Record<string, IamAction>> = {
  'budgets:DescribeBudgets': 'budgets:ViewBudget',
  'budgets:DescribeBudget': 'budgets:ViewBudget',
};

/** The signing name the wire sees → the IAM service prefix, where they differ. */
export const IAM_PREFIX_OF_SERVICE: Readonly<Record<string, string>> = { monitoring: 'cloudwatch' };

/** The IAM action of an operation as the wire records it ("monitoring:DescribeAlarms" → "cloudwatch:DescribeAlarms"). */
export function actionOf(service: string, operation: string): IamAction {
  const key: IamAction = `${IAM_PREFIX_OF_SERVICE[service] ?? service}:${operation}`;
  return ACTION_OF_OPERATION[key] ?? key;
}

/**
 * Entries no wire story can exercise against moto, and why; the proof test accepts these
 * unseen, and fails on any other unseen entry.
 */
export const WIRE_UNSEEN: Readonly<Record<string, Readonly<Partial<Record<IamAction, string>>>>> = {
  heartbeat: {
    'secretsmanager:GetSecretValue':
      'the wire stories give the password in DBOPS_DB_PASSWORD: moto instances have no managed master secret',
  },
  'backup status': {
    'rds:DescribeDBInstanceAutomatedBackups': 'cross-region automated backup replication: moto does not implement it',
    'rds:DescribeDBClusters': 'an Aurora cluster: no wire story runs backup status on one',
    'rds:DescribeDBClusterSnapshots': 'an Aurora cluster: no wire story runs backup status on one',
  },
  'snapshot run-policy': {
    'rds:DeleteDBSnapshot':
      'pruning past retention: moto keeps no snapshot the policy made long enough ago (test/wire/snapshots.test.ts prunes with `snapshot prune`)',
    'rds:DescribeDBInstanceAutomatedBackups': 'cross-region automated backup replication: moto does not implement it',
    'rds:DescribeDBClusters': 'an Aurora cluster: no wire story runs the policy on one',
    'rds:DescribeDBClusterSnapshots': 'an Aurora cluster: no wire story runs the policy on one',
    'rds:CreateDBClusterSnapshot': 'an Aurora cluster: no wire story runs the policy on one',
    'rds:CopyDBClusterSnapshot': 'an Aurora cluster: no wire story runs the policy on one',
    'rds:DeleteDBClusterSnapshot': 'an Aurora cluster: no wire story runs the policy on one',
  },
  'restore-test': {
    'secretsmanager:GetSecretValue':
      'the wire stories give the password in DBOPS_DB_PASSWORD: moto instances have no managed master secret',
    'rds:RestoreDBInstanceToPointInTime': '--point-in-time / --latest-restorable: the wire story restores a snapshot',
    'rds:DescribeDBClusters': 'an Aurora cluster source: the proof story has none; test/wire/aurora.test.ts restores one',
    'rds:DescribeDBClusterSnapshots': 'an Aurora cluster source: the proof story has none; test/wire/aurora.test.ts restores one',
    'rds:RestoreDBClusterFromSnapshot': 'an Aurora cluster source: the proof story has none; test/wire/aurora.test.ts restores one',
    'rds:RestoreDBClusterToPointInTime': 'an Aurora cluster to a point in time: test/wire/aurora.test.ts runs it in its DR drill',
    'rds:CreateDBInstance': 'an Aurora cluster source: the proof story has none; test/wire/aurora.test.ts restores one',
    'rds:DeleteDBCluster': 'an Aurora cluster source: the proof story has none; test/wire/aurora.test.ts restores one',
  },
  'dr-drill run': {
    '*:*':
      'the proof story runs no DR drill: the emulator cannot restore data into a recovery (test/integration covers it on the local provider; test/wire/aurora.test.ts runs the instance scenario of a cluster up to DR-7)',
  },
  'free-tier-report': {
    'cloudwatch:PutMetricData': '--publish: the wire story does not publish the figures',
  },
  gc: {
    'rds:DeleteDBClusterSnapshot': 'an expired Aurora cluster snapshot: moto cannot backdate one',
  },
  audit: {
    'rds:DescribeDBParameters': 'a MySQL source: the proof story audits PostgreSQL; test/wire/audit-mysql.test.ts audits seed 003',
    'elasticache:ListTagsForResource': 'a cache (config cache.enabled): the proof story has none; test/wire/audit.test.ts audits one',
    'elasticache:DescribeServerlessCaches': 'cache.kind serverless: moto 5.2.1 does not implement the serverless-cache calls',
    'secretsmanager:GetSecretValue':
      'the wire stories give the password in DBOPS_DB_PASSWORD: moto instances have no managed master secret',
  },
};
