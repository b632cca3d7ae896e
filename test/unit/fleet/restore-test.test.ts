/** The summary's key figure of `restore-test --all`: restore time and data-loss window, or the failed checks. */
import { describe, expect, it } from 'vitest';
import { figureOf } from '../../../src/lib/fleet/restore-test.js';
import { worstOf } from '../../../src/lib/fleet/run.js';

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

describe('the verdict of an interrupted fleet run', () => {
  it('is never "all passed": what finished, what stopped (its cleanup ran), what never started; exit 130', () => {
    const rows = [
      { id: 'a', region: 'us-east-2', verdict: 'ok' as const },
      { id: 'b', region: 'us-east-2', verdict: 'interrupted' as const },
      { id: 'c', region: 'us-west-2', verdict: 'skipped' as const },
      { id: 'd', region: 'us-west-2', verdict: 'skipped' as const },
    ];
    expect(worstOf(rows, [])).toEqual({
      exitCode: 130,
      verdict: 'Interrupted: 1 of 4 finished; b (us-east-2) interrupted (cleanup ran); 2 databases not started.',
    });
    expect(worstOf(rows.slice(0, 1), [])).toEqual({ exitCode: 0, verdict: 'all 1 passed.' });
  });
});
