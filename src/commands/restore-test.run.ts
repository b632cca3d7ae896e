import { ExitCode } from '../lib/errors.js';
import { renderHuman } from '../lib/restore/render.js';
import { restoreTest as runRestoreTest } from '../lib/restore/restore-test.js';
import { handler } from './define.js';
import * as def from './restore-test.js';

/** `dbops restore-test`: flags -> one input, one lib call, render, exit code (0 passed, 1 failed, else the error's). */
export const restoreTest = handler(def.restoreTest, async (ctx, { opts }) => {
  const { result, error } = await runRestoreTest(ctx, {
    instanceId: opts.instance,
    snapshotId: opts.snapshot,
    pointInTime: opts.pointInTime,
    latestRestorable: opts.latestRestorable,
    connectHost: opts.connectHost,
    sourceConnectHost: opts.sourceConnectHost,
    concurrency: opts.concurrency,
    keep: opts.keep,
    reportFile: opts.report,
    instanceClass: opts.instanceClass,
    expiresIn: opts.expiresIn,
  });
  ctx.out.result(result, (r, c) => renderHuman(r, c, ctx.flags.verbose));
  if (error) throw error;
  return result.verdict === 'failed' ? ExitCode.checksFailed : ExitCode.ok;
});
