import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../../src/lib/providers/types.js';
import { manualSnapshotId, sortNewestFirst } from '../../../src/lib/snapshots/snapshots.js';

function snap(id: string, createdAt?: string): Snapshot {
  return {
    id,
    instanceId: 'recipe-db-primary',
    type: 'manual',
    status: 'available',
    createdAt: createdAt === undefined ? undefined : new Date(createdAt),
    encrypted: true,
    engine: 'postgres',
    engineVersion: '15.4',
    region: 'us-east-2',
    tags: {},
  };
}

describe('manualSnapshotId', () => {
  it('is <instance>-manual-<UTC timestamp>, as in seed 000', () => {
    expect(manualSnapshotId('recipe-db-primary', new Date('2026-11-22T04:30:05Z'))).toBe('recipe-db-primary-manual-20261122-043005');
  });
});

describe('sortNewestFirst', () => {
  it('orders by creation time, newest first; unknown times last; ties by id', () => {
    // GIVEN snapshots in no particular order, two created at the same moment and one still without a time
    const input = [
      snap('b-old', '2026-11-01T00:00:00Z'),
      snap('pending'),
      snap('z-new', '2026-11-22T04:30:05Z'),
      snap('a-new', '2026-11-22T04:30:05Z'),
      snap('mid', '2026-11-15T00:00:00Z'),
    ];
    // WHEN sorted THEN this exact order
    expect(sortNewestFirst(input).map((s) => s.id)).toEqual(['a-new', 'z-new', 'mid', 'b-old', 'pending']);
  });

  it('leaves its input unchanged', () => {
    const input = [snap('old', '2026-01-01T00:00:00Z'), snap('new', '2026-02-01T00:00:00Z')];
    const sorted = sortNewestFirst(input);
    expect(input.map((s) => s.id)).toEqual(['old', 'new']);
    expect(sorted).not.toBe(input);
    expect(sorted.map((s) => s.id)).toEqual(['new', 'old']);
  });

  it('returns an empty list for no snapshots', () => {
    expect(sortNewestFirst([])).toEqual([]);
  });
});
