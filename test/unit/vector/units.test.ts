import { describe, expect, it } from 'vitest';
import { estimateHnswGraph, hnswElementBytes, valueBytes } from '../../../src/lib/vector/memory.js';
import { estimateEtaMs, formatProgress, type ProgressSample } from '../../../src/lib/vector/progress.js';
import { parseDuration } from '../../../src/lib/duration.js';
import { memoryText, parseMemory, versionAtLeast } from '../../../src/lib/vector/units.js';

describe('units', () => {
  it('parses durations; a bare number is milliseconds', () => {
    expect(parseDuration('3000ms', '--max-p95')).toBe(3000);
    expect(parseDuration('3s', '--max-p95')).toBe(3000);
    expect(parseDuration('1.5s', '--max-p95')).toBe(1500);
    expect(parseDuration('2min', '--x')).toBe(120_000);
    expect(parseDuration('250', '--x')).toBe(250);
    expect(() => parseDuration('soon', '--max-p95')).toThrow('--max-p95 expects a duration such as 10s, 500ms or 2min, got "soon".');
    expect(() => parseDuration('0ms', '--max-p95', { positive: true })).toThrow('--max-p95 must be more than zero');
  });

  it('parses PostgreSQL memory sizes (powers of 1024) to bytes and canonical text', () => {
    expect(parseMemory('256MB', '--m')).toEqual({ bytes: 268_435_456, text: '256MB' });
    expect(parseMemory('1GB', '--m')).toEqual({ bytes: 1_073_741_824, text: '1GB' });
    expect(parseMemory('65536kB', '--m')).toEqual({ bytes: 67_108_864, text: '65536kB' });
    expect(parseMemory('512MiB', '--m')).toEqual({ bytes: 536_870_912, text: '512MB' });
    expect(() => parseMemory('lots', '--maintenance-work-mem')).toThrow(
      '--maintenance-work-mem expects a memory size such as 256MB or 1GB, got "lots".',
    );
    expect(() => parseMemory('512kB', '--maintenance-work-mem')).toThrow('at least 1MB');
  });

  it('rounds a size up to whole MB or GB for a suggestion', () => {
    expect(memoryText(300 * 1024 ** 2 + 1)).toBe('301MB');
    expect(memoryText(2 * 1024 ** 3)).toBe('2GB');
    expect(memoryText(7.4 * 1024 ** 3 * 1.1)).toBe('8336MB');
    expect(memoryText(12.2 * 1024 ** 3)).toBe('13GB');
    expect(memoryText(10)).toBe('1MB');
  });

  it('compares pgvector versions', () => {
    expect(versionAtLeast('0.8.7', '0.8.0')).toBe(true);
    expect(versionAtLeast('0.8.0', '0.8.0')).toBe(true);
    expect(versionAtLeast('0.7.4', '0.8.0')).toBe(false);
    expect(versionAtLeast('0.10.0', '0.8.0')).toBe(true);
    expect(versionAtLeast('1.0', '0.8.0')).toBe(true);
  });
});

describe('HNSW graph memory estimate', () => {
  it('sizes a value as pgvector stores it (8-byte header, 4 or 2 bytes a dimension, aligned)', () => {
    expect(valueBytes(1536)).toBe(6152);
    expect(valueBytes(3)).toBe(24);
    expect(valueBytes(1536, 'halfvec')).toBe(3080);
  });

  it('estimates an element from header, neighbour lists and value', () => {
    // 120 + 48 + (8 + 2*16*16) + (1/15)*(8 + 16*16 + 8) + 6152
    expect(hnswElementBytes(1536, 16)).toBe(6858);
    // 120 + 48 + (8 + 2*4*16) + (1/3)*(8 + 4*16 + 8) + 264 = 594.67
    expect(hnswElementBytes(64, 4)).toBe(595);
  });

  it('GIVEN 1M x 1536 at m 16 THEN it needs about 6.9 GB: does not fit 256MB, fits 8GB', () => {
    const small = estimateHnswGraph({ rows: 1_000_000, dimensions: 1536, m: 16, maintenanceWorkMemBytes: 256 * 1024 ** 2 });
    expect(small).toEqual({
      rows: 1_000_000,
      dimensions: 1536,
      m: 16,
      estimateBytes: 6_858_000_000,
      maintenanceWorkMemBytes: 268_435_456,
      fits: false,
      rowsInMemory: 39_141,
    });
    expect(estimateHnswGraph({ rows: 1_000_000, dimensions: 1536, m: 16, maintenanceWorkMemBytes: 8 * 1024 ** 3 }).fits).toBe(true);
  });
});

describe('build progress', () => {
  const s = (
    atMs: number,
    tuplesDone: number | null,
    phase = 'building index: loading tuples',
    tuplesTotal: number | null = 100_000,
  ): ProgressSample => ({
    atMs,
    phase,
    tuplesDone,
    tuplesTotal,
    blocksDone: null,
    blocksTotal: null,
  });

  it('estimates the time left from the rate of tuples done in the current phase', () => {
    expect(estimateEtaMs([s(1000, 10_000), s(3000, 30_000)])).toBe(7000);
    expect(estimateEtaMs([s(1000, 0), s(2000, 10_000), s(4000, 30_000)])).toBe(7000);
    expect(estimateEtaMs([s(1000, 10_000, 'initializing'), s(3000, 10_000)])).toBeUndefined();
    expect(estimateEtaMs([s(1000, 10_000)])).toBeUndefined();
    expect(estimateEtaMs([s(1000, 10_000, undefined, null), s(2000, 20_000, undefined, null)])).toBeUndefined();
    expect(estimateEtaMs([])).toBeUndefined();
  });

  it('formats phase, tuples, percent and ETA', () => {
    expect(formatProgress(s(3000, 30_000), 7000)).toBe('building index: loading tuples 30,000/100,000 tuples (30%), ETA 7.0s');
    expect(formatProgress(s(3000, 1234, 'building index: loading tuples', null), undefined)).toBe(
      'building index: loading tuples 1,234 tuples',
    );
    expect(
      formatProgress(
        { atMs: 0, phase: 'waiting for writers before build', tuplesDone: 0, tuplesTotal: 0, blocksDone: 10, blocksTotal: 40 },
        undefined,
      ),
    ).toBe('waiting for writers before build 10/40 blocks');
    expect(formatProgress(undefined, undefined)).toBe('');
  });
});
