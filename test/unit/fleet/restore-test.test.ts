/** The summary's key figure of `restore-test --all`: restore time and data-loss window, or the failed checks. */
import { describe, expect, it } from 'vitest';
import { figureOf } from '../../../src/lib/fleet/restore-test.js';

const base = { failedChecks: [] as string[], rto: { targetHours: 4 }, rpo: { targetHours: 1, measured: false } };

describe('restore-test --all key figure', () => {
  it('restore time and data-loss window when it passed', () => {
    expect(
      figureOf({
        ...base,
        verdict: 'passed',
        rto: { targetHours: 4, restoreSeconds: 2.4 },
        rpo: { targetHours: 1, measured: true, dataLossSeconds: 312 },
      }),
    ).toBe('restore 2.4s, data loss 5m12s');
    expect(figureOf({ ...base, verdict: 'passed', rto: { targetHours: 4, restoreSeconds: 75 } })).toBe(
      'restore 1m15s, data loss not measured',
    );
  });

  it('the failed checks when it failed; a dry run restores nothing', () => {
    expect(figureOf({ ...base, verdict: 'failed', failedChecks: ['schema', 'rpo'] })).toBe('failed: schema, rpo');
    expect(figureOf({ ...base, verdict: 'dry-run' })).toBe('dry run: nothing restored');
  });
});
