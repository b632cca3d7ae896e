/**
 * Where the local provider keeps things under $DBOPS_HOME. One function per path, so no
 * other module joins path segments by hand (design.md, "local" provider):
 *
 *   $DBOPS_HOME/secrets.json                                   0600, passwords
 *   $DBOPS_HOME/local/<region>/instances/<id>/instance.json     state
 *   $DBOPS_HOME/local/<region>/instances/<id>/data/             PGDATA
 *   $DBOPS_HOME/local/<region>/instances/<id>/postgresql.log    server log
 *   $DBOPS_HOME/local/<region>/snapshots/<id>/                  base.tar, pg_wal.tar,
 *                                                               backup_manifest, snapshot.json
 *   $DBOPS_HOME/local/<region>/wal-archive/<id>/                the instance's archived WAL
 *   $DBOPS_HOME/local/<region>/bin/dbops-archive-wal            the archive_command script
 *   $DBOPS_HOME/local/<region>/replicated-backups/<source region>/<id>/
 *                                  source.json, wal/, snapshots/<id>/  automated backups replicated
 *                                                               from another region (DR)
 *   $DBOPS_HOME/local/<region>/metrics/<namespace>.jsonl        putMetricData
 *   $DBOPS_HOME/local/<region>/tmp/                             scratch (verification)
 *   $DBOPS_HOME/local/<region>/failed/<id>.log                  server log of a rolled-back create
 */
import { join } from 'node:path';
import { UsageError } from '../../errors.js';

const RESOURCE_NAME = /^[a-zA-Z][a-zA-Z0-9-]{0,254}$/;

/** A directory entry that can be an instance or snapshot (not .partial, .copy-*, a stray file). */
export function isResourceName(name: string): boolean {
  return RESOURCE_NAME.test(name);
}

/** Ids become path segments: anything but an RDS-shaped name is refused before it reaches the disk. */
function segment(kind: string, id: string): string {
  if (!RESOURCE_NAME.test(id)) {
    throw new UsageError(`Invalid ${kind} identifier "${id}".`, {
      hint: 'Identifiers are letters, digits and hyphens, starting with a letter.',
    });
  }
  return id;
}

/** The paths of one region (a namespace directory). */
export interface RegionLayout {
  home: string;
  region: string;
  regionDir: string;
  instancesDir: string;
  snapshotsDir: string;
  metricsDir: string;
  tmpDir: string;
  instanceDir(id: string): string;
  instanceJson(id: string): string;
  dataDir(id: string): string;
  logFile(id: string): string;
  /** Replica only: libpq password file for primary_conninfo, outside PGDATA so backups never carry it. */
  passFile(id: string): string;
  snapshotDir(id: string): string;
  /** The instance's WAL archive (wal-archive.ts): segments and timeline history files. */
  walArchiveDir(id: string): string;
  snapshotJson(id: string): string;
  /** Automated backups of <sourceRegion>'s instance <id> replicated into this region (backup-replication.ts). */
  replicatedDir(sourceRegion: string, id: string): string;
  /** Where this region keeps replicated automated backups (one directory per source region). */
  replicatedRoot: string;
  metricsFile(namespace: string): string;
  /** Where the server log of a create/restore/replica that failed and was rolled back is kept. */
  failedLog(id: string): string;
}

export const SNAPSHOT_FILES = {
  base: 'base.tar',
  wal: 'pg_wal.tar',
  manifest: 'backup_manifest',
  meta: 'snapshot.json',
  /** mysql snapshots: the prepared mariadb-backup directory, and the manifest of its files (sizes, SHA-256). */
  mariadbBackup: 'backup',
  mariadbManifest: 'mariadb-manifest.json',
} as const;

export function secretsFile(home: string): string {
  return join(home, 'secrets.json');
}

export function localRoot(home: string): string {
  return join(home, 'local');
}

export function regionLayout(home: string, region: string): RegionLayout {
  const regionDir = join(localRoot(home), region);
  const instancesDir = join(regionDir, 'instances');
  const snapshotsDir = join(regionDir, 'snapshots');
  const metricsDir = join(regionDir, 'metrics');
  const instanceDir = (id: string): string => join(instancesDir, segment('instance', id));
  const snapshotDir = (id: string): string => join(snapshotsDir, segment('snapshot', id));
  return {
    home,
    region,
    regionDir,
    instancesDir,
    snapshotsDir,
    metricsDir,
    tmpDir: join(regionDir, 'tmp'),
    instanceDir,
    instanceJson: (id) => join(instanceDir(id), 'instance.json'),
    dataDir: (id) => join(instanceDir(id), 'data'),
    logFile: (id) => join(instanceDir(id), 'postgresql.log'),
    passFile: (id) => join(instanceDir(id), 'replication.pgpass'),
    snapshotDir,
    walArchiveDir: (id) => join(regionDir, 'wal-archive', segment('instance', id)),
    snapshotJson: (id) => join(snapshotDir(id), SNAPSHOT_FILES.meta),
    replicatedRoot: join(regionDir, 'replicated-backups'),
    replicatedDir: (sourceRegion, id) => join(regionDir, 'replicated-backups', segment('region', sourceRegion), segment('instance', id)),
    // encodeURIComponent keeps "AWS/RDS" and "AWS_RDS" apart and is reversible.
    failedLog: (id) => join(regionDir, 'failed', `${segment('instance', id)}.log`),
    metricsFile: (namespace) => join(metricsDir, `${encodeURIComponent(namespace)}.jsonl`),
  };
}
