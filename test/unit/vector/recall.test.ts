import { describe, expect, it } from 'vitest';
import {
  latencySummary,
  meanRecall,
  percentile,
  queryOutcome,
  queryRecall,
  RECALL_EPSILON,
  withoutSelf,
} from '../../../src/lib/vector/recall.js';

describe('recall@k (ann-benchmarks rule: distance <= k-th true distance + 1e-3)', () => {
  it('GIVEN the exact neighbours WHEN all are returned THEN recall is 1', () => {
    expect(queryRecall([0.1, 0.2, 0.3], [0.1, 0.2, 0.3], 3)).toBe(1);
  });

  it('counts a returned row beyond the k-th true distance as a miss', () => {
    expect(queryRecall([0.1, 0.2, 0.5], [0.1, 0.2, 0.3], 3)).toBe(2 / 3);
    expect(queryRecall([0.4, 0.5, 0.6, 0.7], [0.1, 0.2, 0.3, 0.35], 4)).toBe(0);
  });

  it('counts a tie at the k-th distance, within the tolerance, as correct', () => {
    expect(RECALL_EPSILON).toBe(1e-3);
    // Another row at the same distance as the true 3rd: correct.
    expect(queryRecall([0.1, 0.2, 0.3], [0.1, 0.2, 0.3], 3)).toBe(1);
    expect(queryRecall([0.1, 0.2, 0.3009], [0.1, 0.2, 0.3], 3)).toBe(1);
    expect(queryRecall([0.1, 0.2, 0.3011], [0.1, 0.2, 0.3], 3)).toBe(2 / 3);
  });

  it('counts missing rows (a short result) as misses', () => {
    expect(queryRecall([0.1], [0.1, 0.2, 0.3, 0.4], 4)).toBe(1 / 4);
    expect(queryRecall([], [0.1, 0.2], 2)).toBe(0);
  });

  it('looks at the first k returned rows only, and caps hits at the true count', () => {
    expect(queryRecall([0.1, 0.2, 0.1, 0.1], [0.1, 0.2], 2)).toBe(1);
    expect(queryRecall([0.5, 0.1, 0.1], [0.1, 0.2], 2)).toBe(1 / 2);
  });

  it('divides by the rows that exist when a filter leaves fewer than k', () => {
    expect(queryRecall([0.2, 0.4], [0.2, 0.4], 10)).toBe(1);
    expect(queryRecall([0.2], [0.2, 0.4], 10)).toBe(1 / 2);
    expect(queryRecall([0.2], [], 10)).toBeNull();
  });

  it('averages defined recalls only', () => {
    expect(meanRecall([1, 0.5, null, 0])).toBe(0.5);
    expect(meanRecall([null])).toBeNull();
    expect(meanRecall([])).toBeNull();
  });

  it("leaves out the query's own row and NULL distances before taking k", () => {
    const rows = [
      { rid: '7', dist: 0 },
      { rid: '3', dist: 0.1 },
      { rid: '9', dist: NaN },
      { rid: '4', dist: 0.2 },
      { rid: '5', dist: 0.3 },
    ];
    expect(withoutSelf(rows, '7', 2)).toEqual([
      { rid: '3', dist: 0.1 },
      { rid: '4', dist: 0.2 },
    ]);
    expect(withoutSelf(rows, undefined, 2)).toEqual([
      { rid: '7', dist: 0 },
      { rid: '3', dist: 0.1 },
    ]);
  });

  it('reports short results', () => {
    const exact = [1, 2, 3].map((i) => ({ rid: String(i), dist: i / 10 }));
    expect(queryOutcome([{ rid: '1', dist: 0.1 }], exact, 3)).toEqual({ recall: 1 / 3, returned: 1, expected: 3, short: true });
    expect(queryOutcome(exact, exact, 3)).toEqual({ recall: 1, returned: 3, expected: 3, short: false });
  });
});

describe('latency percentiles (nearest rank)', () => {
  it('takes the value at rank ceil(p/100 * n)', () => {
    const ms = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(ms, 50)).toBe(5);
    expect(percentile(ms, 95)).toBe(10);
    expect(percentile(ms, 90)).toBe(9);
    expect(percentile(ms, 0)).toBe(1);
    expect(percentile([42], 99)).toBe(42);
    expect(percentile([], 50)).toBeUndefined();
  });

  it('summarises p50, p95, p99, mean and max', () => {
    const ms = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(latencySummary(ms)).toEqual({ p50: 50, p95: 95, p99: 99, mean: 50.5, max: 100 });
    expect(latencySummary([])).toEqual({ p50: 0, p95: 0, p99: 0, mean: 0, max: 0 });
  });
});
