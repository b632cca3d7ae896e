/**
 * `dbops dr-drill` (region scenario, the default) interrupted as EVERY step begins, and
 * failing once the work of every step that makes or removes something is done, in process
 * (frame: _drill-steps.ts). DR-15/DR-16 run as a game day so they count too, and DR-17,
 * the cleanup step itself. Steps from DR-7 on run the same code in every scenario (the
 * checks, the write, the manual steps, the cleanup), so this sweep covers them for all
 * three; dr-drill-steps-scenarios.test.ts covers the steps where the instance and replica
 * scenarios differ. The CLI as a process, with real signals: test/e2e/dr-drill-interrupt.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { DR_DRILL } from '../../src/lib/drill/runbook.js';
import { drillFaultSuite, type FaultCase, stepsOf } from './_drill-steps.js';

/** Where a failure after the step's work differs from an interrupt: what exists then must go. */
const FAILS = ['DR-2', 'DR-3', 'DR-4', 'DR-8', 'DR-11', 'DR-14', 'DR-16', 'DR-17'];

const cases: FaultCase[] = stepsOf('region').flatMap((step) => [
  ['region', step, 'abort'] as const,
  ...(FAILS.includes(step) ? [['region', step, 'fail'] as const] : []),
]);

describe('the region sweep', () => {
  it('interrupts every step the region scenario runs', () => {
    expect(cases.filter(([, , m]) => m === 'abort').map(([, step]) => step)).toEqual(
      DR_DRILL.steps.map((s) => s.id).filter((id) => id !== 'DR-5' && id !== 'DR-6'),
    );
  });
});

drillFaultSuite('dr-drill region scenario: a fault at every step leaves nothing (in process)', cases);
