/**
 * CRC-32C (Castagnoli), the checksum pg_basebackup writes into backup manifests by
 * default. The native implementation (@node-rs/crc32: SSE4.2 / ARMv8 CRC instructions,
 * about 5 GB/s here) is used when its prebuilt binding loads; otherwise a slicing-by-8
 * table implementation in JavaScript gives the same values, only slower.
 */
import { createRequire } from 'node:module';

export type Crc32c = (data: Uint8Array, previous?: number) => number;

const POLY = 0x82f63b78;

function makeTables(): Uint32Array[] {
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t0[n] = c >>> 0;
  }
  const tables = [t0];
  for (let s = 1; s < 8; s++) {
    const prev = tables[s - 1]!;
    const t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) t[n] = (prev[n]! >>> 8) ^ t0[prev[n]! & 0xff]!;
    tables.push(t);
  }
  return tables;
}

let tables: Uint32Array[] | undefined;

/** Portable CRC-32C; `previous` continues an earlier value, as the native one does. */
export function crc32cJs(data: Uint8Array, previous = 0): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = (tables ??= makeTables()) as [
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
  ];
  let crc = ~previous >>> 0;
  let i = 0;
  const n = data.length;
  for (; i + 8 <= n; i += 8) {
    const a = (crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    crc =
      t7[a & 0xff]! ^
      t6[(a >>> 8) & 0xff]! ^
      t5[(a >>> 16) & 0xff]! ^
      t4[a >>> 24]! ^
      t3[data[i + 4]!]! ^
      t2[data[i + 5]!]! ^
      t1[data[i + 6]!]! ^
      t0[data[i + 7]!]!;
  }
  for (; i < n; i++) crc = (crc >>> 8) ^ t0[(crc ^ data[i]!) & 0xff]!;
  return ~crc >>> 0;
}

let chosen: { fn: Crc32c; native: boolean } | undefined;

function load(): { fn: Crc32c; native: boolean } {
  if (process.env.DBOPS_CRC32C === 'js') return { fn: crc32cJs, native: false };
  try {
    const req = createRequire(import.meta.url);
    const mod = req('@node-rs/crc32') as { crc32c: (input: Buffer, initial?: number) => number };
    const fn: Crc32c = (data, previous = 0) =>
      mod.crc32c(Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength), previous) >>> 0;
    return { fn, native: true };
  } catch {
    return { fn: crc32cJs, native: false };
  }
}

/** The fastest CRC-32C available on this machine (DBOPS_CRC32C=js forces the portable one). */
export function crc32c(data: Uint8Array, previous = 0): number {
  return (chosen ??= load()).fn(data, previous);
}

export function crc32cIsNative(): boolean {
  return (chosen ??= load()).native;
}

/** A CRC-32C as PostgreSQL writes it in a manifest: the four bytes in little-endian order, as hex. */
export function crc32cHex(value: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0);
  return b.toString('hex');
}
