import { Chalk } from 'chalk';
import { ExitCode, UsageError } from '../lib/errors.js';
import { renderFleetRun } from '../lib/fleet/render.js';
import { fleetRestoreTest } from '../lib/fleet/restore-test.js';
import { renderHuman } from '../lib/restore/render.js';
import { restoreTest as runRestoreTest } from '../lib/restore/restore-test.js';
import { handler } from './define.js';
import { fleetRequest, isFleetRun } from './fleet-options.js';
import * as def from './restore-test.js';

/** Flags that name one test (one database, one backup) and cannot apply to a fleet. */
const SINGLE_ONLY = [
  ['instance', '--instance'],
  ['snapshot', '--snapshot'],
  ['pointInTime', '--point-in-time'],
  ['latestRestorable', '--latest-restorable'],
  ['connectHost', '--connect-host'],
  ['sourceConnectHost', '--source-connect-host'],
  ['keep', '--keep'],
  ['report', '--report'],
] as const;

/** `dbops restore-test`: flags -> one input, one lib call, render, exit code (0 passed, 1 failed, else the error's). */
export const restoreTest = handler(def.restoreTest, async (ctx, { opts }) => {
  // restore-test names every single-run option it refuses at once, --instance among them (below).
  if (isFleetRun({ ...opts, instance: undefined }, { concurrencyAlone: true })) {
    const given = SINGLE_ONLY.filter(([k]) => opts[k] !== undefined && opts[k] !== false).map(([, flag]) => flag);
    if (given.length > 0) {
      throw new UsageError(`${given.join(', ')} name${given.length === 1 ? 's' : ''} one restore test; --all / --select test a fleet.`, {
        hint: "Leave them out with --all / --select (--report-dir keeps every database's report), or drop --all / --select.",
      });
    }
    const fleet = await fleetRestoreTest(
      ctx,
      fleetRequest(ctx, opts),
      { instanceClass: opts.instanceClass, expiresIn: opts.expiresIn },
      {
        concurrency: opts.concurrency,
        reportDir: opts.reportDir,
        renderReport: (r) => renderHuman(r, new Chalk({ level: 0 }), true),
      },
    );
    ctx.out.result(fleet, renderFleetRun);
    if (fleet.interrupted) throw fleet.interrupted;
    return fleet.exitCode;
  }
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
