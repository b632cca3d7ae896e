/**
 * Ctrl-C at every step of a real restore test (local provider): the run stops with
 * Interrupted (exit 130) and leaves no instance, no directory and no server process.
 * In-process: the abort fires the moment stderr shows `[RT-n]`, as the CLI aborts its
 * signal on SIGINT (the CLI path itself is covered in test/e2e/restore-test.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Interrupted } from '../../../src/lib/errors.js';
import { temporaryInstanceId } from '../../../src/lib/restore/naming.js';
import { restoreTest } from '../../../src/lib/restore/restore-test.js';
import { RESTORE_TEST } from '../../../src/lib/restore/runbook.js';
import { leftovers, startSource, watchedContext, type Source } from './_setup.js';

let src: Source;

beforeAll(async () => {
  src = await startSource('dbops-rt-sigint-', 'sig-db');
});

afterAll(async () => {
  await src?.destroy();
});

describe('restore-test interrupted', () => {
  it.each(RESTORE_TEST.steps.map((s) => s.id))('at %s: exit 130, nothing left behind', async (step) => {
    // GIVEN a run that gets SIGINT as soon as the step starts
    const runId = `sig${step.replace('-', '').toLowerCase()}`;
    const t = await watchedContext(src, (text) => {
      if (text.includes(`[${step}]`) && !t.controller.signal.aborted) t.controller.abort('SIGINT');
    });

    // WHEN
    const { result, error } = await restoreTest(t.ctx, { snapshotId: src.snapshotId }, { runId });

    // THEN
    expect(error, t.stderr()).toBeInstanceOf(Interrupted);
    expect((error as Interrupted).exitCode).toBe(130);
    expect(result.verdict).toBe('interrupted');
    expect(result.report.steps.find((s) => s.id === step)?.status).toBe('interrupted');
    expect(result.report.cleanup.filter((c) => c.status !== 'done')).toEqual([]);
    expect(await leftovers(src, temporaryInstanceId(src.id, runId))).toEqual({
      instances: [src.id],
      dirs: [src.id],
      processes: [],
      tmp: [],
    });
  });
});
