import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { drDrill, exitCodeOf } from '../lib/drill/drill.js';
import { verifyRecordFile } from '../lib/drill/evidence.js';
import { readDrills, svgDrillChart } from '../lib/drill/history.js';
import { renderDrillHuman, renderHistoryHuman, renderVerifyHuman } from '../lib/drill/render.js';
import { Chalk } from 'chalk';
import { ExitCode, UsageError } from '../lib/errors.js';
import { fleetDrDrill } from '../lib/fleet/dr-drill.js';
import { renderFleetRun } from '../lib/fleet/render.js';
import { fleetRequest, isFleetRun } from './fleet-options.js';
import { dbopsHome } from '../lib/providers/index.js';
import { handler } from './define.js';
import * as def from './dr-drill.js';

/** `dbops dr-drill [run]`: flags -> one input, one lib call, the record, exit 0 / 1 / the error's. */
export const run = handler(def.run, async (ctx, { opts }) => {
  if (isFleetRun(opts)) {
    const given = [
      ...(opts.instance !== undefined ? ['--instance'] : []),
      ...(opts.interactive ? ['--interactive'] : []),
      ...(opts.report !== undefined ? ['--report'] : []),
      ...(opts.keep ? ['--keep'] : []),
    ];
    if (given.length > 0) {
      throw new UsageError(`${given.join(', ')} name${given.length === 1 ? 's' : ''} one drill; --all / --select drill a fleet.`, {
        hint: "Leave them out with --all / --select (--report-dir keeps every database's record), or drop --all / --select.",
      });
    }
    const fleet = await fleetDrDrill(
      ctx,
      fleetRequest(ctx, opts),
      { scenario: opts.scenario, detectedAt: opts.detectedAt, participants: opts.participant },
      { concurrency: opts.concurrency, reportDir: opts.reportDir, renderReport: (r) => renderDrillHuman(r, new Chalk({ level: 0 })) },
    );
    ctx.out.result(fleet, renderFleetRun);
    if (fleet.interrupted) throw fleet.interrupted;
    return fleet.exitCode;
  }
  const outcome = await drDrill(ctx, {
    scenario: opts.scenario,
    instanceId: opts.instance,
    interactive: opts.interactive,
    detectedAt: opts.detectedAt,
    participants: opts.participant,
    reportFile: opts.report,
    keep: opts.keep,
  });
  ctx.out.result(outcome.record, (r, c) => renderDrillHuman(r, c));
  if (outcome.error && outcome.record.verdict !== 'failed') throw outcome.error;
  return exitCodeOf(outcome);
});

/** `dbops dr-drill verify <record.json>`: exit 0 unaltered, 1 altered, 2 not a record. */
export const verify = handler(def.verify, async (ctx, { args }) => {
  const result = await verifyRecordFile(args.file);
  ctx.out.result(result, renderVerifyHuman);
  return result.ok ? ExitCode.ok : ExitCode.checksFailed;
});

/** `dbops dr-drill history [--plot file.svg]`. */
export const history = handler(def.history, async (ctx, { opts }) => {
  const drills = await readDrills(dbopsHome(ctx.env), { ...(opts.instance ? { instanceId: opts.instance } : {}) });
  let plot: string | undefined;
  if (opts.plot) {
    plot = resolve(opts.plot);
    await writeFile(plot, svgDrillChart(drills), 'utf8');
  }
  ctx.out.result({ drills, ...(plot ? { plot } : {}) }, (r) => `${renderHistoryHuman(r.drills)}${r.plot ? `\n\nchart: ${r.plot}` : ''}`);
  return ExitCode.ok;
});
