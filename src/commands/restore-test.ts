import { ExitCode } from '../lib/errors.js';
import { renderHuman } from '../lib/restore/render.js';
import { restoreTest } from '../lib/restore/restore-test.js';
import type { CommandModule } from './types.js';

/** `dbops restore-test`: flags -> one input, one lib call, render, exit code (0 passed, 1 failed, else the error's). */
export const restoreTestCommand: CommandModule = {
  async run(ctx, { opts }) {
    const { result, error } = await restoreTest(ctx, {
      instanceId: opts.instance as string | undefined,
      snapshotId: opts.snapshot as string | undefined,
      pointInTime: opts.pointInTime as string | undefined,
      latestRestorable: Boolean(opts.latestRestorable),
      connectHost: opts.connectHost as string | undefined,
      concurrency: opts.concurrency as number | undefined,
      keep: Boolean(opts.keep),
      reportFile: opts.report as string | undefined,
      instanceClass: opts.instanceClass as string | undefined,
      expiresIn: opts.expiresIn as string | undefined,
    });
    ctx.out.result(result, (r, c) => renderHuman(r, c, ctx.flags.verbose));
    if (error) throw error;
    return result.verdict === 'failed' ? ExitCode.checksFailed : ExitCode.ok;
  },
};
