/** Human renderings of the snapshot commands' results. Pure: value (+ now) in, text out. */
import type { ChalkInstance } from 'chalk';
import { seeAnchor } from '../runbook/findings.js';
import { renderReport } from '../runbook/render.js';
import { formatAge, formatBytes, formatDuration, plural, renderTable } from '../output/format.js';
import type { Snapshot } from '../providers/types.js';
import type { CopyResult } from './copy.js';
import { describeCopyKey } from './checks.js';
import type { DeleteSnapshotResult } from './delete.js';
import type { GcResult } from './gc.js';
import type { PruneDecision } from './policy.js';
import type { PruneResult } from './prune.js';
import type { RunPolicyResult } from './run-policy.js';
import type { ArchiveHealth, BackupStatus, ReplicatedWindow, SnapshotSummary } from './status.js';
import { engineText } from '../instances/render.js';

const iso = (d: Date | undefined): string => d?.toISOString().replace(/\.\d+Z$/, 'Z') ?? '-';

function statusColor(status: string, c: ChalkInstance): string {
  if (status === 'available') return c.green(status);
  if (['failed', 'deleting', 'incompatible-restore'].includes(status)) return c.red(status);
  return c.yellow(status);
}

/** Where a snapshot came from: the region and snapshot of a copy, else its instance (list and latest say the same). */
function sourceOf(s: Snapshot): string {
  return s.sourceRegion ? `${s.sourceRegion}:${s.sourceSnapshotId ?? '?'}` : s.instanceId;
}

export function renderSnapshotTable(snaps: Snapshot[], now: Date, c: ChalkInstance): string {
  if (snaps.length === 0) return 'No snapshots.';
  return renderTable(
    [
      { header: 'ID', value: (s: Snapshot) => s.id },
      { header: 'TYPE', value: (s) => s.type },
      {
        header: 'STATUS',
        value: (s) =>
          statusColor(s.status, c) + (s.status !== 'available' && s.progressPercent !== undefined ? ` ${s.progressPercent}%` : ''),
      },
      { header: 'CREATED', value: (s) => iso(s.createdAt) },
      { header: 'AGE', value: (s) => formatAge(s.createdAt, now) },
      { header: 'SIZE', value: (s) => formatBytes(s.sizeBytes) },
      { header: 'ENCRYPTED', value: (s) => (s.encrypted ? 'yes' : 'no') },
      { header: 'ENGINE', value: (s) => engineText(s) },
      { header: 'REGION', value: (s) => s.region },
      { header: 'SOURCE', value: (s) => sourceOf(s) },
    ],
    snaps,
  );
}

export function renderSnapshotDetail(s: Snapshot, now: Date, c: ChalkInstance): string {
  const rows: [string, string][] = [
    ['Snapshot', c.bold(s.id)],
    ['Instance', s.instanceId],
    ['Type', s.type],
    ['Status', statusColor(s.status, c)],
    ['Created', `${iso(s.createdAt)} (${formatAge(s.createdAt, now)} ago)`],
    ['Size', formatBytes(s.sizeBytes)],
    ['Encrypted', s.encrypted ? `yes${s.kmsKeyId ? ` (${s.kmsKeyId})` : ''}` : 'no'],
    ['Engine', engineText(s)],
    ['Region', s.region],
    ['Source', sourceOf(s)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

export function renderCopy(r: CopyResult): string {
  const what = `${r.sourceSnapshotId} (${r.sourceRegion}) -> ${r.targetSnapshotId} (${r.targetRegion})`;
  if (r.alreadyExisted && r.copy?.status === 'available' && !r.waitedMs)
    return `Nothing to do: ${r.targetSnapshotId} is already in ${r.targetRegion} (a copy of ${r.sourceSnapshotId}, available).`;
  if (r.dryRun)
    return r.alreadyExisted
      ? `Dry run: the copy ${r.targetSnapshotId} already exists in ${r.targetRegion} (${r.copy?.status ?? '?'}); would wait for it.`
      : `Dry run: would copy ${what}.`;
  const waited = r.waitedMs === undefined ? '' : ` in ${formatDuration(r.waitedMs)}`;
  const key = r.kmsKey && !r.alreadyExisted ? `, ${describeCopyKey(r.kmsKey, r.targetRegion)}` : '';
  return `${r.alreadyExisted ? 'Waited for the existing copy' : 'Copied'} ${what}: ${r.copy?.status ?? 'requested'}${waited}${r.copy?.sizeBytes !== undefined ? `, ${formatBytes(r.copy.sizeBytes)}` : ''}${key}.`;
}

export function renderDelete(r: DeleteSnapshotResult): string {
  if (r.dryRun) return `Dry run: would delete snapshot ${r.id} of ${r.snapshot.instanceId} in ${r.region}.`;
  return r.deleted ? `Deleted snapshot ${r.id} in ${r.region}.` : `Not deleted: ${r.id}.`;
}

function decisionTable(decisions: PruneDecision[], c: ChalkInstance): string {
  return renderTable(
    [
      { header: 'ACTION', value: (d: PruneDecision) => (d.action === 'delete' ? c.red('delete') : c.dim('keep')) },
      { header: 'ID', value: (d) => d.id },
      { header: 'REGION', value: (d) => d.region },
      { header: 'CLASS', value: (d) => d.class },
      { header: 'CREATED', value: (d) => iso(d.createdAt) },
      { header: 'WHY', value: (d) => d.reason },
    ],
    decisions,
  );
}

export function renderPrune(r: PruneResult, c: ChalkInstance): string {
  const n = r.plan.deletes.length;
  if (r.plan.decisions.length === 0) return `No snapshots in ${r.regions.join(' and ')}.`;
  const table = decisionTable(r.plan.decisions, c);
  let head: string;
  if (r.dryRun) head = n === 0 ? 'Dry run: nothing is past retention.' : `Dry run: would delete ${n} snapshot${n === 1 ? '' : 's'}:`;
  else if (n === 0) head = 'Nothing is past retention.';
  else if (!r.confirmed) head = 'Not confirmed: nothing deleted.';
  else
    head = `Deleted ${r.deleted.length} of ${n} snapshot${n === 1 ? '' : 's'} past retention${r.failed.length > 0 ? `; ${r.failed.length} failed` : ''}:`;
  const failures = r.failed.map((f) => `  ${c.red('✖')} ${f.id} (${f.region}): ${f.error}`);
  return [head, table, ...failures].join('\n');
}

export function renderGc(r: GcResult, c: ChalkInstance): string {
  if (r.items.length === 0) return `Nothing with ${'dbops:expires-at'} in ${r.regions.join(' and ')}.`;
  const doomed = r.items.filter((i) => i.action === 'delete').length;
  const table = renderTable(
    [
      { header: 'ACTION', value: (i: GcResult['items'][number]) => (i.action === 'delete' ? c.red('delete') : c.dim('keep')) },
      { header: 'KIND', value: (i) => i.kind },
      { header: 'ID', value: (i) => i.id },
      { header: 'REGION', value: (i) => i.region },
      { header: 'STATUS', value: (i) => i.status },
      { header: 'EXPIRES', value: (i) => i.expiresAt },
      { header: 'WHY', value: (i) => i.reason },
    ],
    r.items,
  );
  let head: string;
  if (doomed === 0) head = 'Nothing has expired.';
  else if (r.dryRun) head = `Dry run: would delete ${doomed} expired resource${doomed === 1 ? '' : 's'}:`;
  else if (!r.confirmed) head = 'Not confirmed: nothing deleted.';
  else
    head = `Deleted ${r.deleted.length} of ${doomed} expired resource${doomed === 1 ? '' : 's'}${r.failed.length > 0 ? `; ${r.failed.length} failed` : ''}:`;
  return [head, table, ...r.failed.map((f) => `  ${c.red('✖')} ${f.kind} ${f.id} (${f.region}): ${f.error}`)].join('\n');
}

export function renderRunPolicy(r: RunPolicyResult, c: ChalkInstance): string {
  const lines = [renderReport(r.report, c)];
  if (r.dryRun) lines.push('', 'Dry run: nothing was created, copied or deleted.');
  else if (r.snapshot) {
    lines.push('', `Snapshot: ${r.snapshot.id} (${r.snapshot.reused ? 'reused: taken less than 24 h ago' : 'new'}), ${r.snapshot.status}.`);
    if (r.copy) lines.push(`Copy:     ${r.copy.id} in ${r.copy.region} (${r.copy.reused ? 'reused' : 'new'}), ${r.copy.status}.`);
    for (const p of r.pruned)
      lines.push(`Pruned ${p.region}: ${p.deleted.length === 0 ? 'nothing' : p.deleted.join(', ')} (${p.kept} kept).`);
  }
  return lines.join('\n');
}

function snapLine(s: SnapshotSummary | null, c: ChalkInstance): string {
  return s ? `${s.id}, ${iso(s.createdAt)} (${s.age} old)` : c.red('none');
}

function archiveLine(a: ArchiveHealth, c: ChalkInstance): string {
  if (!a.archiving) return c.red('off (archive_mode off)');
  const last = a.lastArchivedWal
    ? `last ${a.lastArchivedWal}${a.lastArchivedAge ? ` ${a.lastArchivedAge} ago` : ''}`
    : 'nothing archived yet';
  const failed = a.failedCount ? c.red(`, ${a.failedCount} failed (last ${a.lastFailedWal ?? '?'})`) : ', 0 failed';
  const gap = a.gap ? c.red(`, missing ${a.gap}`) : '';
  return `${a.segments} files, ${formatBytes(a.bytes)}; ${last}${failed}${gap}; archive_timeout ${a.archiveTimeoutSeconds ?? '-'} s; ${a.baseBackups.length} base backup${a.baseBackups.length === 1 ? '' : 's'}`;
}

/** The DR region's own window: "2026-…Z to 2026-…Z, 12 s behind (allowance 300 s)". */
export function replicatedLine(r: ReplicatedWindow, c: ChalkInstance): string {
  if (!r.latestRestorableTime) return c.red(`nothing restorable yet${r.status ? ` (${r.status})` : ''}`);
  const behind = r.behindSeconds === undefined ? '' : `, ${r.behindSeconds} s behind (allowance ${r.allowanceSeconds} s)`;
  const line = `${r.earliestRestorableTime ? iso(r.earliestRestorableTime) : '?'} to ${iso(r.latestRestorableTime)}${behind}`;
  return r.behindSeconds !== undefined && r.behindSeconds > r.allowanceSeconds ? c.red(line) : line;
}

export function renderBackupStatus(s: BackupStatus, c: ChalkInstance): string {
  const auto = s.automated;
  const rows: [string, string][] = [
    ['Instance', `${c.bold(s.instanceId)} (${s.provider}, ${s.region})`],
    [
      'Automated backups',
      auto.available
        ? `${plural(auto.retentionDays, 'day')} (policy ${s.policy.backupRetentionDays}), window ${auto.window ?? '-'}`
        : auto.note.replace(/^automated backups: /, ''),
    ],
    ...(auto.available
      ? ([
          ...(auto.earliestRestorableTime ? [['Earliest restorable', iso(auto.earliestRestorableTime)]] : []),
          [
            'Latest restorable',
            auto.latestRestorableTime
              ? `${iso(auto.latestRestorableTime)} (${auto.restorableLagHours} h ago, RPO ${s.policy.rpoHours} h)`
              : c.red('none'),
          ],
          ...(auto.archive ? [['WAL archive', archiveLine(auto.archive, c)]] : []),
          ...(auto.replicated ? [[`Replicated (${auto.replicated.region})`, replicatedLine(auto.replicated, c)]] : []),
        ] as [string, string][])
      : []),
    ['Newest manual', snapLine(s.newestManualSnapshot, c)],
    ['Newest DR copy', s.newestCrossRegionCopy === 'disabled' ? 'cross-region copies off' : snapLine(s.newestCrossRegionCopy, c)],
    [
      'Restore tests',
      s.restoreTests.newest
        ? `${s.restoreTests.count} recorded; newest ${s.restoreTests.newest.startedAt} ${s.restoreTests.newest.verdict}${s.restoreTests.lastPassed ? `, last passed ${s.restoreTests.lastPassed.startedAt}` : ''}`
        : 'none recorded',
    ],
    ...(s.drills
      ? ([
          [
            'DR drills',
            `${s.drills.count} recorded${s.drills.lastPassed ? `; last passed ${s.drills.lastPassed.startedAt} (${s.drills.lastPassed.scenario})` : ''}; policy every ${s.drills.everyDays} days`,
          ],
        ] as [string, string][])
      : []),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const out = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  for (const t of s.restoreTests.recent) {
    const rto = t.restoreSeconds === undefined ? '' : `, restore ${formatDuration(t.restoreSeconds * 1000)}`;
    out.push(`${''.padEnd(width)}    ${t.startedAt} ${t.verdict}${rto}${t.snapshotId ? ` (${t.snapshotId})` : ''}`);
  }
  out.push('');
  if (s.violations.length === 0) out.push(c.green('✔ The backup policy holds.'));
  else
    out.push(
      c.red(`✖ ${s.violations.length} violation${s.violations.length === 1 ? '' : 's'}:`),
      ...s.violations.map((v) => `  - ${v.message} [${v.code}] ${seeAnchor(v.runbook)}`),
    );
  if (s.notes.length > 0) out.push('', ...s.notes.map((n) => `note: ${n}`));
  return out.join('\n');
}
