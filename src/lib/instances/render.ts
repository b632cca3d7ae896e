/** Human renderings of instances, shared by `dbops instances` and `dbops status`. */
import type { ChalkInstance } from 'chalk';
import { formatTags, plural, renderTable } from '../output/format.js';
import { poolLine } from '../failover/render.js';
import type { Instance } from '../providers/types.js';
import type { InstanceStatus } from './instances.js';
import { replicatedLine } from '../snapshots/render.js';

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
