/**
 * The fleet options never pass unread: --instance with --all / --select, and --account,
 * --concurrency or --report-dir without them, are bad input (exit 2) with a hint.
 */
import { describe, expect, it } from 'vitest';
import { isFleetRun } from '../../../src/commands/fleet-options.js';

const none = { all: false, select: [] as string[], account: undefined };

function refusal(fn: () => unknown): { message: string; hint?: string; exitCode: number } {
  try {
    fn();
  } catch (e) {
    const err = e as { message: string; hint?: string; exitCode: number };
    return { message: err.message, hint: err.hint, exitCode: err.exitCode };
  }
  throw new Error('expected a refusal');
}

describe('isFleetRun', () => {
  it('is a fleet run with --all or --select, one database otherwise', () => {
    expect(isFleetRun({ ...none, all: true, concurrency: 2, account: 'core' })).toBe(true);
    expect(isFleetRun({ ...none, select: ['engine=postgres'] })).toBe(true);
    expect(isFleetRun({ ...none, instance: 'db-1' })).toBe(false);
    // restore-test: --concurrency also means the checks' connections on one database
    expect(isFleetRun({ ...none, concurrency: 8 }, { concurrencyAlone: true })).toBe(false);
  });

  it('refuses --instance with a fleet', () => {
    expect(refusal(() => isFleetRun({ ...none, all: true, instance: 'db-1' }))).toEqual({
      message: '--instance names one database; --all / --select name a fleet: give one or the other.',
      hint: 'Drop --instance to run over the fleet, or drop --all / --select to run on that one database.',
      exitCode: 2,
    });
  });

  it('refuses the fleet options without a fleet instead of ignoring them', () => {
    expect(refusal(() => isFleetRun({ ...none, account: '123456789012' }))).toEqual({
      message: '--account applies to a fleet run, and this one names no fleet.',
      hint: 'Add --all (the whole configured fleet) or --select key=value, or leave it out for the one configured database.',
      exitCode: 2,
    });
    expect(refusal(() => isFleetRun({ ...none, concurrency: 4, reportDir: 'reports' })).message).toBe(
      '--concurrency, --report-dir apply to a fleet run, and this one names no fleet.',
    );
  });
});
