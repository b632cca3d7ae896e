/** Human renderings of instances, shared by `dbops instances` and `dbops status`. */
import type { ChalkInstance } from 'chalk';
import { formatTags, plural, renderTable } from '../output/format.js';
import { poolLine } from '../failover/render.js';
import type { Instance } from '../providers/types.js';
import type { InstanceStatus } from './instances.js';
import { replicatedLine } from '../snapshots/render.js';
import type { ClusterView } from './clusters.js';

export function statusColor(status: string, c: ChalkInstance): string {
  if (status === 'available') return c.green(status);
  if (['failed', 'stopped', 'storage-full', 'incompatible-restore'].includes(status)) return c.red(status);
  return c.yellow(status);
}

/** "postgres 15.8", or "mysql 8.0 (MariaDB 10.11 standing in for MySQL 8.0)" for a local mysql instance. */
export function engineText(i: { engine: string; engineVersion: string; engineLabel?: string }): string {
  return `${i.engine} ${i.engineVersion}${i.engineLabel ? ` (${i.engineLabel})` : ''}`;
}

export function renderInstanceTable(instances: Instance[], c: ChalkInstance): string {
  if (instances.length === 0) return 'No instances.';
  return renderTable(
    [
      { header: 'ID', value: (i: Instance) => i.id },
      { header: 'ENGINE', value: (i) => engineText(i) },
      { header: 'CLASS', value: (i) => i.instanceClass },
      { header: 'STATUS', value: (i) => statusColor(i.status, c) },
      { header: 'ENDPOINT', value: (i) => (i.endpoint ? `${i.endpoint.host}:${i.endpoint.port}` : '-') },
      { header: 'STORAGE', value: (i) => `${i.allocatedStorageGb} GB${i.storageType ? ` ${i.storageType}` : ''}` },
      { header: 'REGION', value: (i) => i.region },
      { header: 'TAGS', value: (i) => formatTags(i.tags) },
    ],
    instances,
  );
}

/** `dbops status`: the instance, then the connection layer in front of it. */
export function renderInstanceStatus(s: InstanceStatus, c: ChalkInstance): string {
  const repl = s.replicatedBackups;
  const detail = repl
    ? `${renderInstanceDetail(s, c)}\n${'Replicated backups'.padEnd(19)}  ${repl.region}: ${replicatedLine(repl, c)}`
    : renderInstanceDetail(s, c);
  const pool = s.connectionPool;
  if (!pool) return detail;
  if ('error' in pool)
    return `${detail}\n\nConnection pool: ${c.yellow(`could not be read: ${pool.error}`)}${pool.hint ? `\n  hint: ${pool.hint}` : ''}`;
  return `${detail}\n\nConnection pool\n${poolLine(pool)}`;
}

export function renderInstanceDetail(i: Instance, c: ChalkInstance): string {
  const rows: [string, string][] = [
    ['Identifier', c.bold(i.id)],
    ['Status', statusColor(i.status, c)],
    ['Engine', engineText(i)],
    ['Class', i.instanceClass],
    ['Endpoint', i.endpoint ? `${i.endpoint.host}:${i.endpoint.port}` : '-'],
    ['Region', `${i.region}${i.availabilityZone ? ` (${i.availabilityZone})` : ''}`],
    [
      'Storage',
      `${i.allocatedStorageGb} GB ${i.storageType ?? ''}${i.maxAllocatedStorageGb ? `, autoscaling cap ${i.maxAllocatedStorageGb} GB` : ''}`.trim(),
    ],
    ['Encrypted', i.storageEncrypted ? 'yes' : c.yellow('no')],
    ['Multi-AZ', i.multiAz ? 'yes' : 'no'],
    ['Publicly accessible', i.publiclyAccessible ? c.yellow('yes') : 'no'],
    ['Deletion protection', i.deletionProtection ? 'on' : 'off'],
    ['Backups', `${plural(i.backupRetentionDays, 'day')}, window ${i.preferredBackupWindow ?? '-'}`],
    ['Latest restorable', i.latestRestorableTime ? i.latestRestorableTime.toISOString() : '-'],
    ['Maintenance', i.preferredMaintenanceWindow ?? '-'],
    ['Master user', i.masterUsername],
    ['Database', i.dbName ?? '-'],
    ['Created', i.createdAt ? i.createdAt.toISOString() : '-'],
    ['Security groups', i.vpcSecurityGroupIds.join(', ') || '-'],
    ['Subnet group', i.subnetGroup ?? '-'],
    ['Replica of', i.replicaSourceId ?? '-'],
    ['Replicas', i.replicaIds.join(', ') || '-'],
    ['Tags', formatTags(i.tags)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

function capacity(v: ClusterView): string {
  if (!v.serverless) return '-';
  const range = `${v.serverless.minCapacity}-${v.serverless.maxCapacity} ACU`;
  return v.currentAcu === undefined ? range : `${v.currentAcu} of ${range}`;
}

function memberList(v: ClusterView): string {
  return v.members.length === 0 ? '(no instances)' : v.members.map((m) => `${m.instanceId} (${m.role})`).join(', ');
}

/** `dbops instances clusters`. */
export function renderClusterTable(clusters: ClusterView[], c: ChalkInstance): string {
  if (clusters.length === 0) return 'No Aurora clusters.';
  return renderTable(
    [
      { header: 'CLUSTER', value: (v: ClusterView) => v.id },
      { header: 'ENGINE', value: (v) => `${v.rdsEngine} ${v.engineVersion}` },
      { header: 'STATUS', value: (v) => statusColor(v.status, c) },
      { header: 'MEMBERS', value: memberList },
      { header: 'CAPACITY', value: capacity },
      { header: 'ENDPOINT', value: (v) => (v.endpoint ? `${v.endpoint.host}:${v.endpoint.port}` : '-') },
      { header: 'REGION', value: (v) => v.region },
    ],
    clusters,
  );
}

/** `dbops status <cluster>`. */
export function renderClusterDetail(v: ClusterView, c: ChalkInstance): string {
  const rows: [string, string][] = [
    ['Cluster', c.bold(v.id)],
    ['Status', statusColor(v.status, c)],
    ['Engine', `${v.rdsEngine} ${v.engineVersion}`],
    ['Writer endpoint', v.endpoint ? `${v.endpoint.host}:${v.endpoint.port}` : '-'],
    ['Reader endpoint', v.readerEndpoint ? `${v.readerEndpoint.host}:${v.readerEndpoint.port}` : '-'],
    [
      'Capacity',
      v.serverless
        ? `${v.serverless.minCapacity}-${v.serverless.maxCapacity} ACU; now ${v.currentAcu !== undefined ? `${v.currentAcu} ACU` : c.yellow(v.currentAcuNote ?? 'unknown')}`
        : 'provisioned (not serverless)',
    ],
    ['Region', v.region],
    ['Encrypted', v.storageEncrypted ? 'yes' : c.yellow('no')],
    ['Deletion protection', v.deletionProtection ? 'on' : 'off'],
    ['Backups', `${plural(v.backupRetentionDays, 'day')}, window ${v.preferredBackupWindow ?? '-'}`],
    [
      'Restorable',
      v.latestRestorableTime
        ? `${v.earliestRestorableTime ? v.earliestRestorableTime.toISOString() : '?'} to ${v.latestRestorableTime.toISOString()}`
        : '-',
    ],
    ['Maintenance', v.preferredMaintenanceWindow ?? '-'],
    ['Master user', v.masterUsername],
    ['Tags', formatTags(v.tags)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const members = v.members.map(
    (m) =>
      `  ${m.instanceId}  ${m.role}${m.promotionTier !== undefined ? ` (tier ${m.promotionTier})` : ''}  ${m.instanceClass ?? '?'}  ${m.status ? statusColor(m.status, c) : '?'}`,
  );
  return [
    ...rows.map(([k, val]) => `${k.padEnd(width)}  ${val}`),
    '',
    `Members (${v.members.length})`,
    ...(members.length ? members : ['  (no instances)']),
  ].join('\n');
}

/** `dbops status`: an instance or a cluster. */
export function renderDatabaseStatus(s: InstanceStatus | ClusterView, c: ChalkInstance): string {
  return 'kind' in s ? renderClusterDetail(s, c) : renderInstanceStatus(s, c);
}
