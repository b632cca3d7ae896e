/**
 * Flags of switchover and failover, parsed once at the edge: --max-lag (a size or a
 * duration), --timeout, --scheduled. Pure functions; bad input is one UsageError (exit 2).
 */
import { parseDuration } from '../duration.js';
import { UsageError } from '../errors.js';
import type { WalLoss } from '../providers/failover-types.js';
import type { MaxLag } from './types.js';

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 };

/** "16MB" / "1048576" (bytes) / "10s" (seconds behind). */
export function parseMaxLag(text: string, flag = '--max-lag'): MaxLag {
  const size = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb)?\s*$/i.exec(text);
  if (size) return { kind: 'bytes', bytes: Math.round(Number(size[1]) * SIZE_UNITS[(size[2] ?? 'b').toLowerCase()]!) };
  if (/^\s*\d+(\.\d+)?\s*(ms|s|sec|m|min|h)\s*$/i.test(text)) return { kind: 'seconds', seconds: parseDuration(text, flag) / 1000 };
  throw new UsageError(`${flag} expects a size such as 16MB or a duration such as 10s, got "${text}".`, {
    hint: 'Sizes: B, kB, MB, GB (1024-based, as PostgreSQL); a bare number is bytes. Durations: ms, s, min, h.',
  });
}

/** --scheduled: an ISO 8601 time with a zone, in the future. */
export function parseScheduled(text: string, now: Date): Date {
  const withZone = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(text.trim());
  const at = new Date(text.trim());
  if (!withZone || Number.isNaN(at.getTime())) {
    throw new UsageError(`--scheduled expects a time such as 2026-12-02T04:00:00Z, got "${text}".`, {
      hint: 'Give an ISO 8601 time with its zone (Z or +01:00), so cron and you agree on when.',
    });
  }
  if (at.getTime() <= now.getTime()) {
    throw new UsageError(`--scheduled ${text} is in the past (now is ${now.toISOString()}).`, {
      hint: 'Give a time in the future, or leave --scheduled out to switch over now.',
    });
  }
  return at;
}

/** Human size: "0 B", "1.5 kB", "16 MB". Pure. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number(v.toFixed(v < 10 ? 1 : 0))} ${units[i]}`;
}

export function describeMaxLag(m: MaxLag): string {
  return m.kind === 'bytes' ? formatBytes(m.bytes) : `${m.seconds} s`;
}

/** "1.2 MB of WAL, 3 committed transactions" / "at most 4 s of writes (ReplicaLag at promotion)". Pure. */
export function describeLoss(l: WalLoss): string {
  const parts: string[] = [];
  if (l.bytes !== undefined) parts.push(`${formatBytes(l.bytes)} of WAL`);
  if (l.transactions !== undefined) parts.push(`${l.transactions} committed transaction${l.transactions === 1 ? '' : 's'}`);
  if (l.seconds !== undefined) parts.push(`${l.bytes === undefined ? 'at most ' : ''}${l.seconds} s of writes (ReplicaLag at promotion)`);
  return parts.length > 0 ? parts.join(', ') : 'unknown';
}
