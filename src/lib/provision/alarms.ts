/**
 * The alarms of seeds 000 and 002 as data: database CPU (critical > 90 % and warning
 * > 70 %, 2 x 5 min), free storage low, connections high; cache CPU and evictions.
 * Pure functions of the config and settings.
 */
import type { AlarmSpec } from '../providers/provision-types.js';
import type { ProvisionSettings } from './settings.js';

const GIB = 1024 ** 3;
const FIVE_MIN = 300;

/** Memory of the common RDS classes in GiB (max_connections on RDS PostgreSQL derives from it). */
const CLASS_MEMORY_GIB: Record<string, number> = {
  micro: 1,
  small: 2,
  medium: 4,
  large: 8,
  xlarge: 16,
  '2xlarge': 32,
  '4xlarge': 64,
};

/**
 * RDS PostgreSQL's default max_connections: LEAST(DBInstanceClassMemory / 9531392, 5000).
 * T-class "large" has 8 GiB like m5.large; r-classes double it. Unknown sizes: 100.
 */
export function maxConnections(instanceClass: string): number {
  const [, family = '', size = ''] = instanceClass.split('.');
  const base = CLASS_MEMORY_GIB[size];
  if (base === undefined) return 100;
  const memory = family.startsWith('r') || family.startsWith('x') ? base * 2 : base;
  return Math.min(Math.floor((memory * GIB) / 9531392), 5000);
}

export interface AlarmInputs {
  dbId: string;
  instanceClass: string;
  allocatedStorageGb: number;
  /**
   * Set for an Aurora Serverless v2 cluster: its maximum ACUs (2 GiB each) size
   * max_connections; the alarms watch the cluster (DBClusterIdentifier), and there is no
   * free-storage alarm (Aurora storage grows by itself).
   */
  clusterMaxAcu?: number;
  /** The cache's node id as CloudWatch names it, when there is a cache. */
  cacheClusterId?: string;
  topicArn?: string;
}

function spec(
  base: Omit<AlarmSpec, 'actions' | 'periodSeconds' | 'statistic'> & Partial<AlarmSpec>,
  topicArn: string | undefined,
): AlarmSpec {
  return { statistic: 'Average', periodSeconds: FIVE_MIN, ...base, actions: topicArn ? [topicArn] : [] };
}

/** Alarm names share the database identifier as prefix, so one DescribeAlarms finds them. */
export function alarmPrefix(dbId: string): string {
  return `${dbId}-`;
}

/** max_connections of Aurora Serverless v2 PostgreSQL at its maximum capacity (2 GiB per ACU). */
export function serverlessMaxConnections(maxAcu: number): number {
  return Math.min(Math.floor((maxAcu * 2 * GIB) / 9531392), 5000);
}

export function desiredAlarms(a: AlarmInputs, s: ProvisionSettings): AlarmSpec[] {
  const cluster = a.clusterMaxAcu !== undefined;
  const db: Record<string, string> = cluster ? { DBClusterIdentifier: a.dbId } : { DBInstanceIdentifier: a.dbId };
  const p = alarmPrefix(a.dbId);
  const freeBytes = Math.round((a.allocatedStorageGb * GIB * s.freeStorageLowPercent) / 100);
  const maxConn = a.clusterMaxAcu !== undefined ? serverlessMaxConnections(a.clusterMaxAcu) : maxConnections(a.instanceClass);
  const connections = Math.floor((maxConn * s.dbConnectionsPercent) / 100);
  const alarms: AlarmSpec[] = [
    spec(
      {
        name: `${p}db-cpu-critical`,
        description: `CPU of ${a.dbId} above ${s.dbCpuCriticalPercent} % for 10 minutes (critical).`,
        namespace: 'AWS/RDS',
        metricName: 'CPUUtilization',
        dimensions: db,
        evaluationPeriods: 2,
        threshold: s.dbCpuCriticalPercent,
        comparison: 'GreaterThanThreshold',
      },
      a.topicArn,
    ),
    spec(
      {
        name: `${p}db-cpu-warning`,
        description: `CPU of ${a.dbId} above ${s.dbCpuWarningPercent} % for 10 minutes (warning).`,
        namespace: 'AWS/RDS',
        metricName: 'CPUUtilization',
        dimensions: db,
        evaluationPeriods: 2,
        threshold: s.dbCpuWarningPercent,
        comparison: 'GreaterThanThreshold',
      },
      a.topicArn,
    ),
    spec(
      {
        name: `${p}db-free-storage-low`,
        description: `Free storage of ${a.dbId} below ${s.freeStorageLowPercent} % of ${a.allocatedStorageGb} GB.`,
        namespace: 'AWS/RDS',
        metricName: 'FreeStorageSpace',
        dimensions: db,
        evaluationPeriods: 1,
        threshold: freeBytes,
        comparison: 'LessThanThreshold',
        statistic: 'Minimum',
      },
      a.topicArn,
    ),
    spec(
      {
        name: `${p}db-connections-high`,
        description: `Connections to ${a.dbId} above ${s.dbConnectionsPercent} % of max_connections (${maxConn}).`,
        namespace: 'AWS/RDS',
        metricName: 'DatabaseConnections',
        dimensions: db,
        evaluationPeriods: 2,
        threshold: connections,
        comparison: 'GreaterThanThreshold',
        statistic: 'Maximum',
      },
      a.topicArn,
    ),
  ].filter((x) => !(cluster && x.metricName === 'FreeStorageSpace'));
  if (a.cacheClusterId) {
    const cache = { CacheClusterId: a.cacheClusterId };
    alarms.push(
      spec(
        {
          name: `${p}cache-cpu-high`,
          description: `CPU of cache ${a.cacheClusterId} above ${s.cacheCpuPercent} % for 10 minutes.`,
          namespace: 'AWS/ElastiCache',
          metricName: 'CPUUtilization',
          dimensions: cache,
          evaluationPeriods: 2,
          threshold: s.cacheCpuPercent,
          comparison: 'GreaterThanThreshold',
        },
        a.topicArn,
      ),
      spec(
        {
          name: `${p}cache-evictions`,
          description: `Cache ${a.cacheClusterId} evicted more than ${s.cacheEvictionsPer5Min} keys in 5 minutes, twice in a row.`,
          namespace: 'AWS/ElastiCache',
          metricName: 'Evictions',
          dimensions: cache,
          evaluationPeriods: 2,
          threshold: s.cacheEvictionsPer5Min,
          comparison: 'GreaterThanThreshold',
          statistic: 'Sum',
        },
        a.topicArn,
      ),
    );
  }
  return alarms;
}

/** ElastiCache names the single node of replication group `rg` "<rg>-001". */
export function firstNodeId(replicationGroupId: string): string {
  return `${replicationGroupId}-001`;
}
