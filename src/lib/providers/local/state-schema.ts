/**
 * Schemas of the local provider's state files (instance.json, snapshot.json,
 * secrets.json), checked every time one is read. A file that does not match is damaged
 * state: reported by its path and the reason (exit 3, with how to repair or remove it);
 * it never reaches the code as a half-valid record (no "Cannot read properties of
 * undefined", no connection to a port that is not a port), and a listing reports it
 * beside the healthy ones instead of failing for all.
 *
 * Unknown keys are kept (a newer dbops may add some); every key dbops reads is checked.
 */
import { basename, dirname } from 'node:path';
import { z } from 'zod';
import { EnvironmentError } from '../../errors.js';
import type { InstanceStatus } from '../types.js';
import type { InstanceRecord, SnapshotRecord } from './records.js';

const STATUSES = [
  'creating',
  'available',
  'backing-up',
  'modifying',
  'rebooting',
  'starting',
  'stopping',
  'stopped',
  'deleting',
  'failed',
  'storage-full',
  'incompatible-restore',
] as const satisfies readonly InstanceStatus[];

const name = z.string().regex(/^[a-zA-Z][a-zA-Z0-9-]{0,254}$/, 'not an identifier (letters, digits, hyphens)');
const time = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a time');
const tags = z.record(z.string(), z.string());
const port = z.number().int().min(1).max(65535);
const engine = z.enum(['postgres', 'mysql']);
const server = z.object({ product: z.literal('MariaDB'), version: z.string().regex(/^\d+\.\d+(\.\d+)?$/, 'a version such as 10.11.6') });

export const instanceRecordSchema = z.looseObject({
  version: z.literal(1),
  id: name,
  region: z.string().min(1),
  engine,
  engineVersion: z.string().min(1),
  server: server.optional(),
  instanceClass: z.string().min(1),
  status: z.enum(STATUSES),
  port,
  allocatedStorageGb: z.number().nonnegative(),
  maxAllocatedStorageGb: z.number().nonnegative().optional(),
  storageType: z.string(),
  storageEncrypted: z.boolean(),
  kmsKeyId: z.string().optional(),
  multiAz: z.boolean(),
  publiclyAccessible: z.boolean(),
  deletionProtection: z.boolean(),
  backupRetentionDays: z.number().int().nonnegative(),
  backupWindow: z.string().optional(),
  maintenanceWindow: z.string().optional(),
  autoMinorVersionUpgrade: z.boolean(),
  copyTagsToSnapshot: z.boolean(),
  dbName: z.string().min(1),
  masterUsername: z.string().min(1),
  vpcSecurityGroupIds: z.array(z.string()),
  subnetGroup: z.string().optional(),
  parameterGroup: z.string().optional(),
  replicaSourceId: name.optional(),
  replicaIds: z.array(name),
  backupReplication: z.object({ region: z.string().min(1) }).optional(),
  restoredFrom: z
    .object({ region: z.string(), snapshotId: z.string(), pointInTime: time.optional(), sourceInstanceId: z.string().optional() })
    .optional(),
  clusterId: name.optional(),
  promotionTier: z.number().int().min(0).max(15).optional(),
  tags,
  createdAt: time,
});

export const snapshotRecordSchema = z.looseObject({
  version: z.literal(1),
  id: name,
  region: z.string().min(1),
  instanceId: name,
  type: z.enum(['manual', 'automated']),
  status: z.string().min(1),
  createdAt: time,
  completedAt: time.optional(),
  wal: z
    .object({
      timeline: z.number().int().positive(),
      startLsn: z.string().regex(/^[0-9A-F]+\/[0-9A-F]+$/i),
      endLsn: z.string().regex(/^[0-9A-F]+\/[0-9A-F]+$/i),
    })
    .optional(),
  sizeBytes: z.number().nonnegative().optional(),
  engine,
  engineVersion: z.string().min(1),
  server: server.optional(),
  mariadb: z.object({ manifestSha256: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in hex') }).optional(),
  masterUsername: z.string().min(1),
  dbName: z.string().min(1),
  allocatedStorageGb: z.number().nonnegative(),
  maxAllocatedStorageGb: z.number().nonnegative().optional(),
  storageType: z.string(),
  storageEncrypted: z.boolean(),
  backupRetentionDays: z.number().int().nonnegative(),
  copyTagsToSnapshot: z.boolean(),
  sourceRegion: z.string().optional(),
  sourceSnapshotId: z.string().optional(),
  clusterId: name.optional(),
  tags,
});

const acu = z.number().min(0).max(256);

/** cluster.json of a local Aurora cluster (clusters.ts). */
export const clusterRecordSchema = z.looseObject({
  version: z.literal(1),
  id: name,
  region: z.string().min(1),
  engineVersion: z.string().min(1),
  status: z.enum([...STATUSES, 'failing-over']),
  serverless: z.object({ minCapacity: acu, maxCapacity: acu, secondsUntilAutoPause: z.number().int().positive().optional() }),
  storageEncrypted: z.boolean(),
  deletionProtection: z.boolean(),
  backupRetentionDays: z.number().int().nonnegative(),
  backupWindow: z.string().optional(),
  maintenanceWindow: z.string().optional(),
  copyTagsToSnapshot: z.boolean(),
  dbName: z.string().min(1),
  masterUsername: z.string().min(1),
  vpcSecurityGroupIds: z.array(z.string()),
  subnetGroup: z.string().optional(),
  port: port.optional(),
  volume: name.optional(),
  restoreFrom: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('snapshot'), snapshotId: name }),
      z.object({ kind: z.literal('point-in-time'), sourceClusterId: name, time: z.union([z.literal('latest'), time]) }),
    ])
    .optional(),
  tags,
  createdAt: time,
});

const secretEntry = z.object({
  masterUsername: z.string().min(1),
  password: z.string().min(1),
  /** mysql instances: the MariaDB root password (root@localhost, socket only). */
  rootPassword: z.string().min(1).optional(),
  updatedAt: z.string(),
});
export const secretsDocumentSchema = z.looseObject({
  version: z.literal(1).optional(),
  instances: z.record(z.string(), secretEntry).optional(),
  snapshots: z.record(z.string(), secretEntry).optional(),
});

// The schemas must produce what the code reads: adding a required field to a record
// without checking it here fails the type check.
type Assignable<A, B> = A extends B ? true : false;
const instanceFits: Assignable<z.infer<typeof instanceRecordSchema>, InstanceRecord> = true;
const snapshotFits: Assignable<z.infer<typeof snapshotRecordSchema>, SnapshotRecord> = true;
void instanceFits;
void snapshotFits;

/** A state file that cannot be trusted: its path, and why. Exit 3. */
export class DamagedStateError extends EnvironmentError {
  constructor(
    readonly path: string,
    readonly reason: string,
    hint: string,
  ) {
    super(`The state file ${path} is damaged: ${reason}.`, { hint, details: { path, reason } });
  }
}

function firstIssues(error: z.ZodError): string {
  const issues = error.issues.slice(0, 3).map((i) => `${i.path.length > 0 ? i.path.join('.') : '(the file)'}: ${i.message}`);
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : '';
  return `${issues.join('; ')}${more}`;
}

/** How to get out of it, for the file kinds dbops keeps. */
export function repairHint(path: string): string {
  const dir = dirname(path);
  if (basename(path) === 'instance.json') {
    return `Repair it by hand (compare with another instance.json), or, if the instance is not needed, stop its server (pg_ctl -D ${dir}/data stop -m immediate, as the postgres user; a mysql instance: kill the mariadbd named in ${dir}/mariadbd.pid) and remove ${dir}.`;
  }
  if (basename(path) === 'cluster.json')
    return `Repair it by hand (compare with another cluster.json), or, once its instances are deleted, remove ${dir} if the cluster is not needed.`;
  if (basename(path) === 'snapshot.json')
    return `Repair it by hand (compare with another snapshot.json), or remove the snapshot directory ${dir} if the snapshot is not needed.`;
  return `Repair it by hand or restore it from a backup; it holds the local instances' passwords (mode 0600).`;
}

/**
 * Checks a parsed state file. `expectedId` is the directory it lives in: a record whose id
 * disagrees with its directory would be listed twice and deleted in the wrong place.
 */
export function parseState<T>(schema: z.ZodType<T>, path: string, value: unknown, expectedId?: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new DamagedStateError(path, firstIssues(parsed.error), repairHint(path));
  const id = (parsed.data as { id?: unknown }).id;
  if (expectedId !== undefined && id !== expectedId) {
    throw new DamagedStateError(path, `its id "${String(id)}" is not its directory's name "${expectedId}"`, repairHint(path));
  }
  return parsed.data;
}
