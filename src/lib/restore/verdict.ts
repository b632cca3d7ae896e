/**
 * The verdict of a restore test, and the recovery-time check. Pure functions.
 */
import type { CheckResult } from '../checks/types.js';
import { formatDuration } from '../output/format.js';

/** The verdict when the checks ran. */
export type Verdict = 'passed' | 'failed';

/** Passed when no check failed (warnings and skipped checks do not fail a run). */
export function verdictOf(checks: readonly Pick<CheckResult, 'status'>[]): Verdict {
  return checks.some((c) => c.status === 'failed') ? 'failed' : 'passed';
}

/** The ids of the failed checks, in order. */
export function failedChecks(checks: readonly Pick<CheckResult, 'id' | 'status'>[]): string[] {
  return checks.filter((c) => c.status === 'failed').map((c) => c.id);
}

/** RT-3: the restore (create call until available) against the RTO target. */
export function judgeRto(restoreSeconds: number, rtoHours: number): CheckResult<{ restoreSeconds: number; rtoSeconds: number }> {
  const rtoSeconds = rtoHours * 3600;
  const took = formatDuration(restoreSeconds * 1000);
  const base = {
    id: 'rto' as const,
    title: 'Restore time within the RTO',
    evidence: [`restore requested → instance available: ${took}; RTO target ${rtoHours} h`],
    data: { restoreSeconds: Math.round(restoreSeconds), rtoSeconds },
  };
  if (restoreSeconds <= rtoSeconds) {
    const share = (restoreSeconds / rtoSeconds) * 100;
    return {
      ...base,
      status: 'passed',
      summary: `Restored in ${took}, within the RTO of ${rtoHours} h (${share < 1 ? 'under 1' : Math.round(share)}% of it).`,
    };
  }
  return {
    ...base,
    status: 'failed',
    summary: `Restoring took ${took}, longer than the RTO of ${rtoHours} h.`,
    hint: 'A real recovery would miss its objective: a larger instance class restores faster, or the RTO needs to change.',
  };
}
