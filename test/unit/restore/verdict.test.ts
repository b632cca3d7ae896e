import { describe, expect, it } from 'vitest';
import { failedChecks, judgeRto, verdictOf } from '../../../src/lib/restore/verdict.js';

describe('verdictOf', () => {
  it.each([
    [[], 'passed'],
    [[{ status: 'passed' }, { status: 'warning' }, { status: 'skipped' }], 'passed'],
    [[{ status: 'passed' }, { status: 'failed' }], 'failed'],
  ] as const)('%j -> %s', (checks, verdict) => {
    expect(verdictOf(checks)).toBe(verdict);
  });

  it('lists the failed checks in order', () => {
    expect(
      failedChecks([
        { id: 'schema', status: 'failed' },
        { id: 'rto', status: 'passed' },
        { id: 'row-counts', status: 'failed' },
      ]),
    ).toEqual(['schema', 'row-counts']);
  });
});

describe('judgeRto', () => {
  it('passes a restore within the RTO, and says what share of it was used', () => {
    expect(judgeRto(1800, 4)).toEqual({
      id: 'rto',
      title: 'Restore time within the RTO',
      status: 'passed',
      summary: 'Restored in 30m00s, within the RTO of 4 h (13% of it).',
      evidence: ['restore requested → instance available: 30m00s; RTO target 4 h'],
      data: { restoreSeconds: 1800, rtoSeconds: 14400 },
    });
    expect(judgeRto(2, 4).summary).toBe('Restored in 2.0s, within the RTO of 4 h (under 1% of it).');
  });

  it('fails a restore slower than the RTO', () => {
    const r = judgeRto(4 * 3600 + 60, 4);
    expect([r.status, r.summary]).toEqual(['failed', 'Restoring took 4h01m, longer than the RTO of 4 h.']);
  });
});
