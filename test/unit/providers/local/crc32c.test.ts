/** CRC-32C as pg_basebackup writes it into backup manifests: native binding and JavaScript fallback agree. */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { crc32c, crc32cHex, crc32cIsNative, crc32cJs, type Crc32c } from '../../../../src/lib/providers/local/crc32c.js';

const IMPLEMENTATIONS: [string, Crc32c][] = [
  ['crc32c', crc32c],
  ['crc32cJs', crc32cJs],
];

describe('crc32c', () => {
  it.each(IMPLEMENTATIONS)('%s gives the standard check value for "123456789"', (_name, fn) => {
    expect(fn(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it.each(IMPLEMENTATIONS)('%s of nothing is 0, and the value is an unsigned 32-bit number', (_name, fn) => {
    expect(fn(Buffer.alloc(0))).toBe(0);
    // GIVEN bytes whose CRC has the high bit set THEN the result is still positive
    expect(fn(Buffer.from('123456789'))).toBeGreaterThan(0x7fffffff);
  });

  it('matches a real PostgreSQL manifest: PG_VERSION "15\\n" has checksum 8a744722', () => {
    expect(crc32cHex(crc32c(Buffer.from('15\n')))).toBe('8a744722');
    expect(crc32cHex(crc32cJs(Buffer.from('15\n')))).toBe('8a744722');
  });

  it('crc32cHex writes the four bytes little-endian, zero-padded', () => {
    expect(crc32cHex(0xe3069283)).toBe('839206e3');
    expect(crc32cHex(0x1)).toBe('01000000');
    expect(crc32cHex(0)).toBe('00000000');
  });

  it('native and JavaScript agree on random buffers of every length up to 5000 and on 1 MiB', () => {
    const lengths = [...Array.from({ length: 5001 }, (_, i) => i), 1024 * 1024 + 3];
    const pool = randomBytes(1024 * 1024 + 3);
    const disagree: number[] = [];
    for (const n of lengths) {
      // an odd offset too, so the slicing-by-8 loop does not always start aligned
      const off = n <= 5000 ? n % 7 : 0;
      const data = pool.subarray(off, off + n);
      expect(data.length).toBe(n);
      if (crc32c(data) !== crc32cJs(data)) disagree.push(n);
    }
    expect(disagree).toEqual([]);
  });

  it('accepts a Uint8Array view that is not a Buffer (offset into a larger ArrayBuffer)', () => {
    const backing = randomBytes(4096);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 13, 1000);
    expect(crc32c(view)).toBe(crc32cJs(Buffer.from(view)));
  });

  it.each(IMPLEMENTATIONS)('%s continues across chunk boundaries: crc(b, crc(a)) = crc(a + b)', (_name, fn) => {
    const data = randomBytes(70_000);
    const whole = fn(data);
    for (const cut of [0, 1, 7, 8, 9, 511, 512, 4096, 65_537, 69_999, 70_000]) {
      expect(fn(data.subarray(cut), fn(data.subarray(0, cut)))).toBe(whole);
    }
    // many uneven chunks
    let crc = 0;
    for (let i = 0, step = 1; i < data.length; i += step, step = (step * 7 + 3) % 1500 || 1) crc = fn(data.subarray(i, i + step), crc);
    expect(crc).toBe(whole);
  });

  it('uses the native binding on this machine (@node-rs/crc32 is installed with its linux-x64 binary)', () => {
    expect(crc32cIsNative()).toBe(true);
  });
});

describe('DBOPS_CRC32C=js', () => {
  const saved = process.env.DBOPS_CRC32C;
  afterEach(() => {
    if (saved === undefined) delete process.env.DBOPS_CRC32C;
    else process.env.DBOPS_CRC32C = saved;
    vi.resetModules();
  });

  it('forces the JavaScript implementation (read at first use, so on a fresh module)', async () => {
    process.env.DBOPS_CRC32C = 'js';
    vi.resetModules();
    const fresh = await import('../../../../src/lib/providers/local/crc32c.js');
    expect(fresh.crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(fresh.crc32cIsNative()).toBe(false);
  });
});
