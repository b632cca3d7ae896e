import { describe, expect, it } from 'vitest';
import { chooseEfSearch, EF_SEARCH_MAX, nextEfSearch, searchEfSearch, type EfProbe } from '../../../src/lib/vector/search.js';

/** A fake index whose recall is a function of ef_search. */
async function run(recallOf: (ef: number) => number, targetRecall: number, efMin = 10) {
  const measured: number[] = [];
  const history = await searchEfSearch(
    async (ef) => {
      measured.push(ef);
      return { ef, recall: recallOf(ef), p95Ms: ef / 10 };
    },
    { targetRecall, efMin, efMax: EF_SEARCH_MAX },
  );
  return { measured, history };
}

describe('the ef_search search', () => {
  it('GIVEN recall = ef/100 WHEN the target is 0.9 THEN it probes exponentially, bisects, and finds 90', async () => {
    const { measured, history } = await run((ef) => Math.min(1, ef / 100), 0.9);
    expect(measured).toEqual([10, 20, 40, 80, 160, 120, 100, 90, 85, 87, 88, 89]);
    expect(chooseEfSearch(history, 0.9)).toEqual({ status: 'ok', ef: 90, probe: { ef: 90, recall: 0.9, p95Ms: 9 } });
  });

  it('stops at once when the first value (k) meets the target', async () => {
    const { measured } = await run(() => 0.99, 0.9);
    expect(measured).toEqual([10]);
  });

  it('caps the probe at 1000 and stops there when nothing meets the target', async () => {
    const { measured, history } = await run((ef) => ef / 2000, 0.9);
    expect(measured).toEqual([10, 20, 40, 80, 160, 320, 640, 1000]);
    expect(chooseEfSearch(history, 0.9)).toEqual({ status: 'recall-not-reached', best: { ef: 1000, recall: 0.5, p95Ms: 100 } });
  });

  it('finds the exact threshold between two probes', async () => {
    const { measured, history } = await run((ef) => (ef >= 517 ? 0.95 : 0.5), 0.95);
    expect(measured.slice(0, 8)).toEqual([10, 20, 40, 80, 160, 320, 640, 480]);
    expect(chooseEfSearch(history, 0.95).status).toBe('ok');
    expect((chooseEfSearch(history, 0.95) as { ef: number }).ef).toBe(517);
    expect(measured).toContain(516);
  });

  it('ends on noisy (non-monotonic) recall without measuring a value twice', async () => {
    const noisy = (ef: number) => (ef === 40 ? 0.95 : ef >= 160 ? 0.95 : 0.5);
    const { measured } = await run(noisy, 0.9);
    expect(new Set(measured).size).toBe(measured.length);
    expect(measured).toEqual([10, 20, 40, 30, 35, 37, 38, 39]);
  });

  it('never measures more than maxSteps values', () => {
    const history: EfProbe[] = Array.from({ length: 5 }, (_, i) => ({ ef: i + 1, recall: 0, p95Ms: 1 }));
    expect(nextEfSearch(history, { targetRecall: 0.9, efMin: 1, efMax: 1000, maxSteps: 5 })).toBeUndefined();
  });

  it('starts at efMin, clamped to [1, efMax]', () => {
    expect(nextEfSearch([], { targetRecall: 0.9, efMin: 10, efMax: 1000 })).toBe(10);
    expect(nextEfSearch([], { targetRecall: 0.9, efMin: 0, efMax: 1000 })).toBe(1);
    expect(nextEfSearch([], { targetRecall: 0.9, efMin: 2000, efMax: 1000 })).toBe(1000);
  });
});

describe('choosing ef_search', () => {
  const history: EfProbe[] = [
    { ef: 10, recall: 0.7, p95Ms: 1 },
    { ef: 40, recall: 0.92, p95Ms: 2 },
    { ef: 20, recall: 0.85, p95Ms: 1.5 },
    { ef: 80, recall: 0.97, p95Ms: 4 },
  ];

  it('picks the smallest value meeting the recall target', () => {
    expect(chooseEfSearch(history, 0.9)).toEqual({ status: 'ok', ef: 40, probe: { ef: 40, recall: 0.92, p95Ms: 2 } });
    expect(chooseEfSearch(history, 0.95)).toEqual({ status: 'ok', ef: 80, probe: { ef: 80, recall: 0.97, p95Ms: 4 } });
  });

  it('also requires the p95 limit when given', () => {
    expect(chooseEfSearch(history, 0.9, 3)).toEqual({ status: 'ok', ef: 40, probe: { ef: 40, recall: 0.92, p95Ms: 2 } });
    expect(chooseEfSearch(history, 0.95, 3)).toEqual({ status: 'latency-exceeded', ef: 80, probe: { ef: 80, recall: 0.97, p95Ms: 4 } });
  });

  it('reports the best recall when none meets the target', () => {
    expect(chooseEfSearch(history, 0.99)).toEqual({ status: 'recall-not-reached', best: { ef: 80, recall: 0.97, p95Ms: 4 } });
  });
});
