/**
 * The databases of a job that selects them (schedule.jobs.<job>.select: tags, engine,
 * identifier; or the whole configured fleet): the fleet listing of `dbops fleet list`,
 * each account by its role, at plan/apply time. A listing that fails is said; a selection
 * that finds nothing is refused (exit 2, naming the job) before the schedule is touched.
 */
import type { Context } from '../context.js';
import { ConfigError, EnvironmentError, UsageError } from '../errors.js';
import { fleetProviders } from '../fleet/discover.js';
import { selectFleet } from '../fleet/select.js';
import type { ListItems } from './input.js';

export function fleetItems(ctx: Context): ListItems {
  return async (job) => {
    const { discover } = fleetProviders(ctx);
    const selectors = job.databases.kind === 'fleet' ? job.databases.selectors : [];
    const sel = await selectFleet(ctx.config, { all: true, selectors }, discover, { concurrency: ctx.config.fleet?.concurrency }).catch(
      (e: unknown) => {
        // No database matches: the job's selection is the input at fault.
        if (!(e instanceof UsageError)) throw e;
        throw new ConfigError(`schedule.jobs.${job.name} runs over no database: ${e.message}`, {
          hint: `${e.hint ? `${e.hint} ` : ''}Change schedule.jobs.${job.name}.select, or set schedule.jobs.${job.name}.enabled: false.`,
          cause: e,
        });
      },
    );
    const problem = sel.problems[0];
    if (problem) {
      throw new EnvironmentError(`The databases of schedule job ${job.name} could not be listed: ${problem.message}`, {
        hint: problem.hint ?? 'Run `dbops fleet list` to see the selection, then rerun.',
      });
    }
    return sel.members.map((m) => ({ id: m.id, region: m.region }));
  };
}
