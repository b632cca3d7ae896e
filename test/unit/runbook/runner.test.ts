import { describe, expect, it } from 'vitest';
import { CheckFailed, EnvironmentError, ExitCode, InternalError, Interrupted } from '../../../src/lib/errors.js';
import {
  newRunId,
  reportOf,
  type RunbookDef,
  RunbookRun,
  type RunOptions,
  type RunReport,
  runRunbook,
} from '../../../src/lib/runbook/runner.js';
import { testOutput } from '../../_helpers/output.js';

const DEF: RunbookDef = {
  name: 'test-runbook',
  title: 'A test runbook',
  steps: [
    { id: 'TR-1', title: 'Prepare' },
    { id: 'TR-2', title: 'Do the work' },
    { id: 'TR-3', title: 'Verify' },
  ],
};

const START = '2026-11-22T04:30:00.000Z';

/** A clock that only moves when told. */
function fakeClock(start = START) {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    advance(ms: number) {
      t += ms;
    },
  };
}

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

async function setup(opts: Partial<RunOptions> = {}) {
  const t = await testOutput();
  const clock = fakeClock();
  const controller = new AbortController();
  const options: RunOptions = { out: t.out, clock, signal: controller.signal, runId: 'run01', ...opts };
  return { ...t, clock, controller, options };
}

/** Awaits a promise expected to reject and returns the rejection. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('RunbookRun steps', () => {
  it('runs the steps in the declared order, returns their values and reports them ok', async () => {
    // GIVEN a run over three steps and a clock that advances 5 s during the run
    const { options, clock } = await setup();
    // WHEN the three steps run in order
    const { value, report } = await runRunbook(DEF, options, async (run) => {
      const a = await run.step('TR-1', async () => 1);
      clock.advance(5000);
      const b = await run.step('TR-2', async () => a + 1);
      const c = await run.step('TR-3', async () => `${b}!`);
      return [a, b, c];
    });
    // THEN their values come back and the report says ok, timed by the clock
    expect(value).toEqual([1, 2, '2!']);
    expect(report.status).toBe('ok');
    expect(report.runbook).toBe('test-runbook');
    expect(report.runbookFile).toBe('runbooks/test-runbook.md');
    expect(report.runId).toBe('run01');
    expect(report.startedAt).toBe(START);
    expect(report.finishedAt).toBe('2026-11-22T04:30:05.000Z');
    expect(report.durationMs).toBe(5000);
    expect(report.steps.map((s) => [s.id, s.title, s.status])).toEqual([
      ['TR-1', 'Prepare', 'ok'],
      ['TR-2', 'Do the work', 'ok'],
      ['TR-3', 'Verify', 'ok'],
    ]);
    expect(report.steps.map((s) => s.startedAt)).toEqual([START, '2026-11-22T04:30:05.000Z', '2026-11-22T04:30:05.000Z']);
    expect(report.cleanup).toEqual([]);
    expect(report.error).toBeUndefined();
  });

  it('records a duration for every step that ran and none for steps that did not', async () => {
    const { options } = await setup();
    const run = new RunbookRun(DEF, options);
    await run.step('TR-1', async () => undefined);
    run.skip('TR-2', 'nothing to do');
    const report = await run.finish();
    const [ran, skipped, notRun] = report.steps;
    expect(ran!.durationMs).toEqual(expect.any(Number));
    expect(ran!.durationMs).toBeGreaterThanOrEqual(0);
    expect(skipped!.durationMs).toBeUndefined();
    expect(notRun!.durationMs).toBeUndefined();
    expect(notRun!.status).toBe('not-run');
  });

  it('refuses a step that runs out of order, or twice', async () => {
    // GIVEN TR-2 has run
    const { options } = await setup();
    const run = new RunbookRun(DEF, options);
    await run.step('TR-2', async () => undefined);
    // WHEN TR-1 (earlier) or TR-2 (again) is asked for THEN it throws and the step body never runs
    let called = false;
    await expect(run.step('TR-1', async () => void (called = true))).rejects.toThrow('Runbook test-runbook: step TR-1 runs out of order.');
    await expect(run.step('TR-2', async () => void (called = true))).rejects.toThrow('step TR-2 runs out of order');
    expect(() => run.skip('TR-1', 'late')).toThrow('step TR-1 runs out of order');
    expect(called).toBe(false);
  });

  it('refuses a step the runbook does not declare', async () => {
    const { options } = await setup();
    const run = new RunbookRun(DEF, options);
    await expect(run.step('TR-9', async () => undefined)).rejects.toThrow('Runbook test-runbook has no step TR-9.');
  });

  it('allows jumping ahead, leaving the steps in between not run', async () => {
    const { options } = await setup();
    const run = new RunbookRun(DEF, options);
    await run.step('TR-3', async () => undefined);
    const report = await run.finish();
    expect(report.steps.map((s) => s.status)).toEqual(['not-run', 'not-run', 'ok']);
  });

  it('skip() marks a step skipped with its reason and says so on stderr', async () => {
    // GIVEN a dry run that skips TR-2
    const { options, stderrLines } = await setup();
    const { report } = await runRunbook(DEF, options, async (run) => {
      await run.step('TR-1', async () => undefined);
      run.skip('TR-2', 'dry run');
      run.skip('TR-3', 'dry run');
    });
    // THEN the report and stderr name the skip
    expect(report.status).toBe('ok');
    expect(report.steps[1]).toStrictEqual({ id: 'TR-2', title: 'Do the work', status: 'skipped', detail: 'dry run' });
    expect(stderrLines()).toContain('[TR-2] Do the work: skipped (dry run)');
  });

  it('shows a start and an end line per step without a TTY, with the detail the step set', async () => {
    // GIVEN a step that updates its progress and sets a detail
    const { options, stderrLines } = await setup();
    const run = new RunbookRun(DEF, options);
    await run.step('TR-1', async (s) => {
      s.update('waiting for available');
      s.detail('3 tables');
    });
    const report = await run.finish();
    // THEN stderr has exactly the start and end lines, and the detail is in the report
    const lines = stderrLines();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('… [TR-1] Prepare');
    expect(lines[1]).toMatch(/^✔ \[TR-1\] Prepare: 3 tables \(\d+ms\)$/);
    expect(report.steps[0]!.detail).toBe('3 tables');
  });

  it('hands the step the run signal', async () => {
    const { options, controller } = await setup();
    const run = new RunbookRun(DEF, options);
    const seen = await run.step('TR-1', async (s) => s.signal);
    expect(seen).toBe(controller.signal);
  });
});

describe('RunbookRun errors', () => {
  it('tags a dbops error with the step id, runs the cleanup, then rethrows the same error with the report', async () => {
    // GIVEN a cleanup registered before a step that fails with a CheckFailed
    const { options, stderr } = await setup();
    const events: string[] = [];
    const thrown = new CheckFailed('Row counts differ.', { hint: 'Compare the tables by hand.' });
    // WHEN the run executes
    const e = await rejection(
      runRunbook(DEF, options, async (run) => {
        run.addCleanup('temp instance', async () => void events.push('cleanup'));
        await run.step('TR-1', async () => undefined);
        await run.step('TR-2', async () => {
          events.push('step');
          throw thrown;
        });
        events.push('after');
      }),
    );
    // THEN the very same error comes back, tagged, after cleanup ran
    expect(e).toBe(thrown);
    expect(thrown.step).toBe('TR-2');
    expect(events).toEqual(['step', 'cleanup']);
    // AND the report is attached and describes the failure
    const report = reportOf(e)!;
    expect(report.status).toBe('failed');
    expect(report.steps.map((s) => s.status)).toEqual(['ok', 'failed', 'not-run']);
    expect(report.steps[1]!.error).toStrictEqual({ message: 'Row counts differ.', hint: 'Compare the tables by hand.' });
    expect(report.steps[1]!.durationMs).toEqual(expect.any(Number));
    expect(report.error).toStrictEqual({
      message: 'Row counts differ.',
      hint: 'Compare the tables by hand.',
      step: 'TR-2',
      code: 'check-failed',
    });
    expect(report.cleanup).toStrictEqual([{ label: 'temp instance', status: 'done', durationMs: expect.any(Number) }]);
    expect(stderr()).toMatch(/✖ \[TR-2\] Do the work: Row counts differ\. \(\d+ms\)/);
  });

  it('keeps a step id the error already carries', async () => {
    const { options } = await setup();
    const run = new RunbookRun(DEF, options);
    const thrown = new EnvironmentError('No route.', { step: 'XX-7' });
    await expect(run.step('TR-1', async () => Promise.reject(thrown))).rejects.toBe(thrown);
    expect(thrown.step).toBe('XX-7');
  });

  it('marks the step failed for a plain Error, and reports it as an InternalError carrying the step, the report and the original', async () => {
    const { options } = await setup();
    const bug = new TypeError('x is undefined');
    const e = await rejection(
      runRunbook(DEF, options, async (run) => {
        await run.step('TR-1', async () => {
          throw bug;
        });
      }),
    );
    expect(e).toBeInstanceOf(InternalError);
    expect((e as InternalError).exitCode).toBe(ExitCode.internal);
    expect((e as InternalError).cause).toBe(bug);
    expect((e as InternalError).step).toBe('TR-1');
    expect((e as InternalError).report).toBe(reportOf(e));
    const report = reportOf(e)!;
    expect(report.steps[0]).toMatchObject({ id: 'TR-1', status: 'failed', error: { message: 'x is undefined' } });
    expect(report.error).toMatchObject({ message: 'x is undefined', code: 'internal' });
  });

  it('turns a thrown non-Error into an Error', async () => {
    const { options } = await setup();
    const run = new RunbookRun(DEF, options);
    const e = await rejection(run.step('TR-1', () => Promise.reject('just a string')));
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toBe('just a string');
  });

  it('marks a step failed when its function throws synchronously', async () => {
    // GIVEN a step function that is not async and throws at once
    const { options, stderrLines } = await setup();
    const run = new RunbookRun(DEF, options);
    const thrown = new CheckFailed('sync failure');
    // WHEN it runs THEN the error is tagged and the step is failed, with an end line
    await expect(
      run.step('TR-1', () => {
        throw thrown;
      }),
    ).rejects.toBe(thrown);
    expect(thrown.step).toBe('TR-1');
    const report = await run.finish(thrown);
    expect(report.steps[0]!.status).toBe('failed');
    expect(stderrLines()[1]).toMatch(/^✖ \[TR-1\] Prepare: sync failure/);
  });
});

describe('RunbookRun cleanup', () => {
  it('unwinds newest first on success', async () => {
    const { options } = await setup();
    const order: string[] = [];
    const { report } = await runRunbook(DEF, options, async (run) => {
      for (const label of ['a', 'b', 'c']) run.addCleanup(label, async () => void order.push(label));
    });
    expect(order).toEqual(['c', 'b', 'a']);
    expect(report.cleanup.map((c) => [c.label, c.status])).toEqual([
      ['c', 'done'],
      ['b', 'done'],
      ['a', 'done'],
    ]);
  });

  it('unwinds newest first on failure, including entries registered by the failing step', async () => {
    const { options } = await setup();
    const order: string[] = [];
    const e = await rejection(
      runRunbook(DEF, options, async (run) => {
        run.addCleanup('connection', async () => void order.push('connection'));
        await run.step('TR-1', async () => {
          run.addCleanup('instance', async () => void order.push('instance'));
          throw new EnvironmentError('Quota exceeded.');
        });
      }),
    );
    expect(order).toEqual(['instance', 'connection']);
    expect(reportOf(e)!.cleanup.map((c) => c.label)).toEqual(['instance', 'connection']);
  });

  it('does not run an entry whose remover was called', async () => {
    // GIVEN a resource the flow removed itself
    const { options } = await setup();
    const order: string[] = [];
    const { report } = await runRunbook(DEF, options, async (run) => {
      run.addCleanup('a', async () => void order.push('a'));
      const remove = run.addCleanup('b', async () => void order.push('b'));
      remove();
    });
    expect(order).toEqual(['a']);
    expect(report.cleanup.map((c) => c.label)).toEqual(['a']);
  });

  it('reports a failing cleanup entry, still runs the others, and fails the run (exit 3)', async () => {
    // GIVEN three entries, the middle one failing
    const { options, stderr } = await setup();
    const order: string[] = [];
    // WHEN the body succeeds
    const e = await runRunbook(DEF, options, async (run) => {
      run.addCleanup('a', async () => void order.push('a'));
      run.addCleanup('b', async () => {
        order.push('b');
        throw new Error('access denied');
      });
      run.addCleanup('c', async () => void order.push('c'));
    }).catch((err: unknown) => err);
    // THEN all three ran, the failure is in the report and on stderr, and the run failed
    expect(order).toEqual(['c', 'b', 'a']);
    const report = reportOf(e)!;
    expect(report.cleanup).toStrictEqual([
      { label: 'c', status: 'done', durationMs: expect.any(Number) },
      { label: 'b', status: 'failed', durationMs: expect.any(Number), error: 'access denied' },
      { label: 'a', status: 'done', durationMs: expect.any(Number) },
    ]);
    expect(report.status).toBe('failed');
    expect((e as { exitCode: number }).exitCode).toBe(3);
    expect((e as Error).message).toBe('Cleanup failed: b (access denied).');
    expect(stderr()).toContain('✖ cleanup: b: access denied');
  });

  it('with keep, keeps keepable entries but still runs the others', async () => {
    // GIVEN --keep, a temporary instance (keepable) and a connection (not keepable)
    const { options, stderrLines } = await setup({ keep: true });
    const order: string[] = [];
    const { report } = await runRunbook(DEF, options, async (run) => {
      run.addCleanup('instance tmp-db', async () => void order.push('instance'));
      run.addCleanup('connection', async () => void order.push('connection'), { keepable: false });
    });
    // THEN only the connection is closed; the instance is reported kept
    expect(order).toEqual(['connection']);
    expect(report.cleanup).toStrictEqual([
      { label: 'connection', status: 'done', durationMs: expect.any(Number) },
      { label: 'instance tmp-db', status: 'kept', durationMs: 0 },
    ]);
    expect(stderrLines()).toContain('kept: instance tmp-db');
  });

  it('runs each entry once even if finish is called twice', async () => {
    const { options } = await setup();
    const run = new RunbookRun(DEF, options);
    let count = 0;
    run.addCleanup('a', async () => void count++);
    await run.finish();
    const second = await run.finish();
    expect(count).toBe(1);
    expect(second.cleanup).toEqual([]);
  });
});

describe('RunbookRun interrupts', () => {
  it('interrupts a step in flight, waits for it to settle, and runs the cleanup it registered', async () => {
    // GIVEN a step that is waiting for a create call when the run is aborted
    const { options, controller } = await setup({ settleMs: 5000 });
    const entered = deferred();
    const created = deferred<string>();
    const order: string[] = [];
    let stepResumed = false;
    const running = runRunbook(DEF, options, async (run) => {
      run.addCleanup('connection', async () => void order.push('connection'), { keepable: false });
      await run.step('TR-1', async () => {
        entered.resolve();
        const id = await created.promise;
        stepResumed = true;
        run.addCleanup(`instance ${id}`, async () => void order.push(id));
      });
      await run.step('TR-2', async () => void order.push('TR-2 ran'));
    });
    await entered.promise;
    // WHEN SIGTERM arrives, and the create call returns a little later
    controller.abort('SIGTERM');
    setTimeout(() => created.resolve('tmp-db'), 10);
    const e = await rejection(running);
    // THEN the step rejects with Interrupted (exit 130) naming the step
    expect(e).toBeInstanceOf(Interrupted);
    expect((e as Interrupted).exitCode).toBe(130);
    expect((e as Interrupted).message).toBe('Interrupted by SIGTERM.');
    expect((e as Interrupted).step).toBe('TR-1');
    expect((e as Interrupted).hint).toContain('runbooks/test-runbook.md, step TR-1');
    // AND the instance created by the in-flight call was cleaned up, newest first; TR-2 never ran
    expect(stepResumed).toBe(true);
    expect(order).toEqual(['tmp-db', 'connection']);
    const report = reportOf(e)!;
    expect(report.status).toBe('interrupted');
    expect(report.steps.map((s) => s.status)).toEqual(['interrupted', 'not-run', 'not-run']);
    expect(report.error).toMatchObject({ step: 'TR-1', code: 'interrupted', message: 'Interrupted by SIGTERM.' });
    expect(report.cleanup.map((c) => [c.label, c.status])).toEqual([
      ['instance tmp-db', 'done'],
      ['connection', 'done'],
    ]);
  });

  it('keeps the words of a step that stopped on the signal and said what it left (its own Interrupted with a hint)', async () => {
    // GIVEN a step that, once the run is aborted, stops and says what it left behind
    const { options, controller } = await setup({ settleMs: 5000 });
    const entered = deferred();
    const running = runRunbook(DEF, options, async (run) => {
      await run.step('TR-1', async (s) => {
        entered.resolve();
        await new Promise<void>((resolve) => s.signal.addEventListener('abort', () => resolve(), { once: true }));
        throw new Interrupted('SIGINT', { hint: '0001_a.sql was applied; the migration in flight was rolled back.' });
      });
    });
    await entered.promise;
    // WHEN interrupted
    controller.abort('SIGINT');
    const e = await rejection(running);
    // THEN its hint reaches the user, tagged with the step; the step is reported interrupted
    expect(e).toBeInstanceOf(Interrupted);
    expect((e as Interrupted).hint).toBe('0001_a.sql was applied; the migration in flight was rolled back.');
    expect((e as Interrupted).step).toBe('TR-1');
    expect(reportOf(e)!.steps[0]!.status).toBe('interrupted');
  });

  it('gives up waiting for a step that never settles after settleMs', async () => {
    // GIVEN a step that hangs forever and a short settle time
    const { options, controller } = await setup({ settleMs: 20 });
    const entered = deferred();
    const order: string[] = [];
    const running = runRunbook(DEF, options, async (run) => {
      run.addCleanup('connection', async () => void order.push('connection'));
      await run.step('TR-1', async () => {
        entered.resolve();
        await new Promise(() => undefined);
      });
    });
    await entered.promise;
    // WHEN aborted (no reason given)
    controller.abort();
    const e = await rejection(running);
    // THEN it is interrupted by SIGINT (the default) and cleanup still ran
    expect(e).toBeInstanceOf(Interrupted);
    expect((e as Interrupted).message).toBe('Interrupted by SIGINT.');
    expect(order).toEqual(['connection']);
    expect(reportOf(e)!.steps[0]!.status).toBe('interrupted');
  });

  it('does not start a step once the signal is aborted', async () => {
    const { options, controller } = await setup();
    const run = new RunbookRun(DEF, options);
    controller.abort('SIGINT');
    let called = false;
    const e = await rejection(run.step('TR-1', async () => void (called = true)));
    expect(called).toBe(false);
    expect(e).toBeInstanceOf(Interrupted);
    expect((e as Interrupted).step).toBe('TR-1');
    const report = await run.finish(e);
    expect(report.status).toBe('interrupted');
  });
});

describe('reportOf', () => {
  it('returns the report attached to the error runRunbook threw', async () => {
    const { options } = await setup();
    const e = await rejection(
      runRunbook(DEF, options, async () => {
        throw new EnvironmentError('no');
      }),
    );
    const built: RunReport | undefined = reportOf(e);
    expect(built).toMatchObject({ runbook: 'test-runbook', status: 'failed', runId: 'run01' });
    expect((e as EnvironmentError).report).toBe(built);
    expect(built!.error).toStrictEqual({ message: 'no', hint: undefined, step: undefined, code: 'environment' });
  });

  it('returns undefined for anything without a report', () => {
    expect(reportOf(new Error('x'))).toBeUndefined();
    expect(reportOf(undefined)).toBeUndefined();
    expect(reportOf('text')).toBeUndefined();
  });
});

describe('newRunId', () => {
  it('is 5 base-36 characters of the time and 4 random hex digits', () => {
    expect(newRunId()).toMatch(/^[0-9a-z]{5}[0-9a-f]{4}$/);
  });

  it('is used when no runId is given', async () => {
    const { options } = await setup({ runId: undefined });
    const run = new RunbookRun(DEF, options);
    expect(run.runId).toMatch(/^[0-9a-z]{5}[0-9a-f]{4}$/);
    expect((await run.finish()).runId).toBe(run.runId);
  });
});
