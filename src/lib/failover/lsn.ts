/**
 * PostgreSQL WAL positions ("0/3000148"): parsing, comparing, subtracting. Pure. An LSN
 * is a 64-bit byte position written as two hex halves; bigint keeps it exact.
 */
import { UsageError } from '../errors.js';

const LSN = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

export function parseLsn(text: string): bigint {
  const m = LSN.exec(text.trim());
  if (!m) throw new UsageError(`"${text}" is not a WAL position (expected something like 0/3000148).`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

export function formatLsn(v: bigint): string {
  return `${(v >> 32n).toString(16).toUpperCase()}/${(v & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** a - b in bytes, never negative (a replica ahead of a stale sample is 0 behind). */
export function lsnBytesBehind(ahead: string, behind: string): number {
  const d = parseLsn(ahead) - parseLsn(behind);
  return d > 0n ? Number(d) : 0;
}

/** a >= b */
export function lsnAtLeast(a: string, b: string): boolean {
  return parseLsn(a) >= parseLsn(b);
}
