/**
 * Reading a cluster's WAL state from its files, with PostgreSQL's own tools: the control
 * file (pg_controldata), the timeline history a promotion writes (pg_wal/NNNNNNNN.history),
 * and the records past a position (pg_waldump) — what a dead primary had that the
 * promoted replica does not.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { formatLsn, parseLsn } from '../../failover/lsn.js';
import { pgRun, pgRunUnchecked, type Toolbox } from './toolbox.js';

export interface ControlData {
  state: string;
  checkpointLsn: string;
  timeline: number;
}

/** pg_controldata output -> the fields failover needs. Pure. */
export function parseControlData(text: string): ControlData {
  const field = (name: string) => new RegExp(`^${name.replace(/[()']/g, (c) => `\\${c}`)}:\\s*(.+)$`, 'm').exec(text)?.[1]?.trim() ?? '';
  return {
    state: field('Database cluster state'),
    checkpointLsn: field('Latest checkpoint location'),
    timeline: Number(field("Latest checkpoint's TimeLineID")),
  };
}

const DB_STATES = [
  'starting up',
  'shut down',
  'shut down in recovery',
  'shutting down',
  'in crash recovery',
  'in archive recovery',
  'in production',
];

/**
 * global/pg_control read directly (layout of pg_control_version 1300, PostgreSQL 13-16,
 * little-endian): a spawn of pg_controldata costs ~100 ms inside the write pause.
 * Undefined for any other layout (the caller asks pg_controldata). Pure.
 */
export function decodeControlFile(buf: Buffer): ControlData | undefined {
  if (buf.length < 56 || buf.readUInt32LE(8) !== 1300) return undefined;
  const lsn = buf.readBigUInt64LE(32);
  return { state: DB_STATES[buf.readInt32LE(16)] ?? 'unknown', checkpointLsn: formatLsn(lsn), timeline: buf.readUInt32LE(48) };
}

export async function controlData(tb: Toolbox, dataDir: string): Promise<ControlData> {
  const direct = await readFile(join(dataDir, 'global', 'pg_control')).then(decodeControlFile, () => undefined);
  if (direct) return direct;
  const res = await pgRun(tb, 'pg_controldata', ['-D', dataDir], `Reading the control file of ${dataDir} (pg_controldata)`);
  return parseControlData(res.stdout);
}

/** The last line of a timeline history file: where the newest timeline forked. Pure. */
export function parseHistory(text: string): { parentTimeline: number; switchpoint: string } | undefined {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const last = lines[lines.length - 1];
  const m = last ? /^(\d+)\s+([0-9A-Fa-f]+\/[0-9A-Fa-f]+)/.exec(last) : null;
  return m ? { parentTimeline: Number(m[1]), switchpoint: m[2]!.toUpperCase() } : undefined;
}

/** The newest timeline's switchpoint in a promoted cluster (its highest NNNNNNNN.history). */
export async function newestSwitchpoint(dataDir: string): Promise<{ timeline: number; switchpoint: string } | undefined> {
  const names = (await readdir(join(dataDir, 'pg_wal')).catch(() => [] as string[])).filter((n) => /^[0-9A-F]{8}\.history$/.test(n)).sort();
  const newest = names[names.length - 1];
  if (!newest) return undefined;
  const parsed = parseHistory(await readFile(join(dataDir, 'pg_wal', newest), 'utf8'));
  return parsed ? { timeline: parseInt(newest.slice(0, 8), 16), switchpoint: parsed.switchpoint } : undefined;
}

export interface WalSince {
  /** End of the last valid record (the position the cluster had reached). */
  endLsn: string;
  records: number;
  commits: number;
}

const RECORD = /rmgr:\s+(\S+)\s+len \(rec\/tot\):\s+\d+\/\s*(\d+),.*?lsn:\s+([0-9A-F]+\/[0-9A-F]+),.*?desc:\s+(\S+)/;

/** pg_waldump lines -> end position, records and commits after `from`. Pure. */
export function summarizeWaldump(text: string, from: string): WalSince {
  let end = parseLsn(from);
  let records = 0;
  let commits = 0;
  for (const line of text.split('\n')) {
    const m = RECORD.exec(line);
    if (!m) continue;
    const start = parseLsn(m[3]!);
    if (start < parseLsn(from)) continue;
    records++;
    if (m[1] === 'Transaction' && m[4] === 'COMMIT') commits++;
    // Records are MAXALIGNed (8 bytes): the next one starts at the aligned end.
    const next = start + ((BigInt(m[2]!) + 7n) & ~7n);
    if (next > end) end = next;
  }
  return { endLsn: formatLsn(end), records, commits };
}

/** The WAL a cluster has from `from` on, on its current timeline (it may be a crashed one). */
export async function walSince(tb: Toolbox, dataDir: string, from: string): Promise<WalSince> {
  const ctl = await controlData(tb, dataDir);
  const res = await pgRunUnchecked(
    tb,
    'pg_waldump',
    ['-p', join(dataDir, 'pg_wal'), '-t', String(ctl.timeline), '-s', from],
    `Reading the WAL of ${dataDir} (pg_waldump)`,
  );
  // pg_waldump ends with an error at the end of valid WAL: that is the answer, not a failure.
  return summarizeWaldump(res.stdout, from);
}
