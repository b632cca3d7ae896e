/**
 * Restore on the local provider: a snapshot's tars are extracted into a new data
 * directory and verified with pg_verifybackup before any setting is touched (a damaged
 * snapshot is reported corrupt, never started); then the copy gets its own port and
 * starts, replaying the WAL that came with the backup. Point-in-time restore: pitr.ts.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TAG, type Instance, type RestoreFromSnapshotInput, type Tags } from '../types.js';
import { checkEngineVersion } from './binaries.js';
import { configureCluster, guardStartedServer, startCluster } from './cluster.js';
import { throwIfAborted } from './process.js';
import { prepareRegion, type RegionContext } from './context.js';
import { claimInstanceDir, describeInstance, updateInstance, writeInstance } from './instance-store.js';
import { SNAPSHOT_FILES } from './layout.js';
import { giveTo } from './os-user.js';
import { freePort } from './ports.js';
import { restoredRecord } from './records.js';
import { orDiscard } from './rollback.js';
import { extractBackup, verifyExtracted } from './snapshot.js';
import { usableSnapshot } from './snapshots.js';
import { restoreMysqlSnapshot } from './mariadb-snapshots.js';
import { validateInstanceId, validateTags } from './validate.js';
import { instanceSettings } from './wal-archive.js';

/**
 * A temporary restore (a restore test, a drill: it carries dbops:expires-at) is thrown away
 * afterwards, so nothing it writes needs to survive a crash: without fsync the server
 * skips the fsync of the whole data directory when it starts (seconds for 1 GB), and
 * what was extracted mostly stays in the page cache, so removing it (Ctrl-C, RT-11, gc)
 * does not wait for the disk to free blocks already written. A lasting restore keeps fsync.
 */
const TEMPORARY_SETTINGS = { fsync: 'off' };

function isTemporary(tags: Tags): boolean {
  return tags[TAG.expiresAt] !== undefined;
}

/** Files a restored cluster must not keep: a stale pid, and anything that would make it a standby. */
const STALE_FILES = ['postmaster.pid', 'standby.signal', 'recovery.signal'];

export async function restoreFromSnapshot(rc: RegionContext, input: RestoreFromSnapshotInput): Promise<Instance> {
  validateInstanceId(input.instanceId);
  validateTags(input.tags);
  const { snap, cred } = await usableSnapshot(rc, input.snapshotId);
  if (snap.engine === 'mysql') return restoreMysqlSnapshot(rc, snap, cred, input);
  const tb = await prepareRegion(rc);
  checkEngineVersion(tb.bins, snap.engineVersion, `Snapshot ${snap.id} holds PostgreSQL ${snap.engineVersion}`);
  const port = await freePort(rc.shared.opts.home);
  const id = input.instanceId;
  const dataDir = rc.layout.dataDir(id);
  const snapDir = rc.layout.snapshotDir(snap.id);
  // Ctrl-C reaches every child (tar, pg_verifybackup, pg_ctl) through the run's signal.
  const signal = rc.shared.opts.signal;
  await claimInstanceDir(rc, id);
  const release = guardStartedServer(dataDir);
  await orDiscard(rc, tb, id, async () => {
    await giveTo(tb.runAs, rc.layout.instanceDir(id));
    await writeInstance(rc, restoredRecord(rc, snap, input, port, { engine: 'postgres', engineVersion: tb.bins.version }));
    await mkdir(dataDir, { mode: 0o700 });
    await giveTo(tb.runAs, dataDir);
    await extractBackup(tb, snapDir, dataDir, snap.id, signal);
    await verifyExtracted(tb, join(snapDir, SNAPSHOT_FILES.manifest), dataDir, snap.id, signal);
    for (const f of STALE_FILES) await rm(join(dataDir, f), { force: true });
    await configureCluster(tb, dataDir, {
      // Its own archive (or none): never the source's, whose settings came with the backup.
      ...(await instanceSettings(rc, tb, { id, port, backupRetentionDays: snap.backupRetentionDays })),
      primary_conninfo: undefined,
      primary_slot_name: undefined,
      ...(isTemporary(input.tags) ? TEMPORARY_SETTINGS : {}),
    });
    await rc.shared.secrets.put('instances', rc.region, id, cred);
    throwIfAborted(signal);
    await startCluster(tb, id, dataDir, rc.layout.logFile(id), rc.layout.failedLog(id), signal);
    throwIfAborted(signal);
    await updateInstance(rc, id, (r) => ({ ...r, status: 'available' }));
  }).finally(release);
  return describeInstance(rc, id);
}
