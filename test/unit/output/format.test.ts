import { describe, expect, it } from 'vitest';
import { formatAge, formatBytes, formatDuration, formatTags, renderTable, visibleLength } from '../../../src/lib/output/format.js';

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [999.4, '999ms'],
    [1000, '1.0s'],
    [1500, '1.5s'],
    [59_900, '59.9s'],
    [60_000, '1m00s'],
    [130_000, '2m10s'],
    [3_599_000, '59m59s'],
    [3_600_000, '1h00m'],
    [3_720_000, '1h02m'],
    [47 * 3_600_000 + 59 * 60_000, '47h59m'],
    [48 * 3_600_000, '2d00h'],
    [(3 * 24 + 4) * 3_600_000, '3d04h'],
  ])('%d ms -> %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('formatBytes', () => {
  it.each([
    [undefined, '-'],
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [5 * 1024 ** 2, '5.0 MiB'],
    [20 * 1024 ** 3, '20.0 GiB'],
    [2 * 1024 ** 4, '2.0 TiB'],
    [2048 * 1024 ** 4, '2048.0 TiB'],
  ])('%s -> %s', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });
});

describe('formatAge', () => {
  const now = new Date('2026-11-22T04:30:00Z');
  it('says "-" for an unknown time', () => {
    expect(formatAge(undefined, now)).toBe('-');
  });
  it('gives the age of a past time', () => {
    expect(formatAge(new Date('2026-11-19T00:30:00Z'), now)).toBe('3d04h');
    expect(formatAge(new Date('2026-11-22T04:27:50Z'), now)).toBe('2m10s');
  });
  it('never goes negative for a time in the future (clock skew)', () => {
    expect(formatAge(new Date('2026-11-22T05:00:00Z'), now)).toBe('0ms');
  });
});

describe('formatTags', () => {
  it('lists key=value pairs, or "-" when there are none', () => {
    expect(formatTags({})).toBe('-');
    expect(formatTags({ 'dbops:managed': 'true', 'dbops:purpose': 'primary' })).toBe('dbops:managed=true,dbops:purpose=primary');
  });
});

describe('visibleLength', () => {
  it('ignores ANSI colour codes', () => {
    expect(visibleLength('\u001b[32mok\u001b[39m')).toBe(2);
    expect(visibleLength('plain')).toBe(5);
  });
});

describe('renderTable', () => {
  interface Row {
    id: string;
    status: string;
    size: string;
  }
  const columns = [
    { header: 'ID', value: (r: Row) => r.id },
    { header: 'STATUS', value: (r: Row) => r.status },
    { header: 'SIZE', value: (r: Row) => r.size, align: 'right' as const },
  ];

  it('pads columns to the widest cell, two spaces apart, right-aligning where asked, no trailing spaces', () => {
    // GIVEN rows of uneven widths WHEN rendered THEN the columns line up exactly
    const text = renderTable(columns, [
      { id: 'recipe-db-primary', status: 'available', size: '20.0 GiB' },
      { id: 'tmp', status: 'creating', size: '1 B' },
    ]);
    expect(text).toBe(
      ['ID                 STATUS         SIZE', 'recipe-db-primary  available  20.0 GiB', 'tmp                creating        1 B'].join(
        '\n',
      ),
    );
  });

  it('trims the padding of a last left-aligned column', () => {
    const text = renderTable(
      [columns[0]!, columns[1]!],
      [
        { id: 'a', status: 'available', size: '' },
        { id: 'bb', status: 'up', size: '' },
      ],
    );
    expect(text).toBe(['ID  STATUS', 'a   available', 'bb  up'].join('\n'));
  });

  it('aligns by visible width when cells are coloured', () => {
    const text = renderTable(
      [columns[1]!, columns[0]!],
      [
        { id: 'x', status: '\u001b[32mok\u001b[39m', size: '' },
        { id: 'y', status: 'failed', size: '' },
      ],
    );
    expect(text.split('\n')).toEqual(['STATUS  ID', '\u001b[32mok\u001b[39m      x', 'failed  y']);
  });

  it('prints only the header when there are no rows', () => {
    expect(renderTable(columns, [])).toBe('ID  STATUS  SIZE');
  });
});
