/**
 * `dbops schedule apply` and `dbops schedule destroy`, following runbooks/schedule.md
 * (SC-1 ... SC-9 apply, SC-10 ... SC-16 destroy). Apply executes the plan in creation
 * order (config, logs, roles, cluster and task definitions, state machines, schedules),
 * each resource created with its tags; a resource being created sits on the cleanup stack
 * until it is whole, so a failure or Ctrl-C never leaves half of one. The last step plans
 * again: a second apply finds nothing to do. Destroy deletes in reverse order, and only
 * what carries the dbops:managed tag.
 */
import type { Clock, Prompter } from '../context.js';
import { UsageError, asDbopsError } from '../errors.js';
import type { Output } from '../output/output.js';
import { plural } from '../output/format.js';
import type { Applied } from '../provision/plan-types.js';
import { runRunbook, type RunbookRun, type RunReport } from '../runbook/runner.js';
import { scheduleNames } from './names.js';
import { computeSchedulePlan, jobResources, keyOf, planSchedule, type ScheduleChange, type SchedulePlan } from './plan.js';
import type { DesiredSchedule, Leftover, Resource, ScheduleCloud, ScheduleKind } from './resources.js';
import { SCHEDULE_APPLY, SCHEDULE_DESTROY } from './runbooks.js';

export interface ScheduleDeps {
  cloud: ScheduleCloud;
  /** The desired state (needs the account id: read once). */
  desired: DesiredSchedule;
  prefix: string;
  out: Output;
  clock: Clock;
  signal: AbortSignal;
  prompt: Prompter;
  dryRun: boolean;
}

export interface ScheduleApplyResult {
  dryRun: boolean;
  plan: SchedulePlan;
  applied: Applied[];
  after?: SchedulePlan;
  report?: RunReport;
}

export interface ScheduleDestroyResult {
  dryRun: boolean;
  region: string;
  /** What was (or, dry run, would be) deleted, in order. */
  deletions: { kind: ScheduleKind; id: string }[];
  /** What exists but is not dbops', left alone. */
  skipped: { kind: ScheduleKind; id: string; reason: string }[];
  applied: Applied[];
  report?: RunReport;
}

function appliedOf(c: { kind: ScheduleKind; id: string; action: Applied['action'] }, detail: string): Applied {
  return { kind: c.kind, id: c.id, action: c.action, detail };
}

/** The apply steps and the kinds each one handles. */
const APPLY_STEPS: { id: string; kinds: ScheduleKind[] }[] = [
  { id: 'SC-2', kinds: ['parameter'] },
  { id: 'SC-3', kinds: ['log-group'] },
  { id: 'SC-4', kinds: ['role'] },
  { id: 'SC-5', kinds: ['ecs-cluster', 'task-definition'] },
  { id: 'SC-6', kinds: ['state-machine'] },
  { id: 'SC-7', kinds: ['schedule-group', 'schedule'] },
];

/** Blocked rows stop apply before it changes anything. */
export function scheduleRefusal(plan: SchedulePlan): UsageError | undefined {
  const blocked = plan.changes.find((c) => c.action === 'blocked');
  if (!blocked) return undefined;
  return new UsageError(`${blocked.kind} ${blocked.id} exists but was not created by dbops; dbops will not change it.`, {
    hint: 'Delete or rename the existing one by hand, then rerun (runbooks/schedule.md, SC-1).',
  });
}

/** Creates one resource; on the cleanup stack until it is whole. */
async function createWhole(run: RunbookRun, cloud: ScheduleCloud, r: Resource, tags: DesiredSchedule['tags']): Promise<void> {
  const leftover: Leftover = r.kind === 'schedule' ? { kind: r.kind, id: r.id, group: r.group } : { kind: r.kind, id: r.id };
  const release = run.addCleanup(`delete the half-made ${r.kind} ${r.id}`, () => cloud.remove(leftover), { keepable: false });
  await cloud.create(r, tags);
  release();
}

function summary(rows: ScheduleChange[]): string {
  const by = (a: string) => rows.filter((c) => c.action === a).length;
  return [`${by('create')} to create`, `${by('modify')} to modify`, `${by('delete')} to delete`].join(', ');
}

/** "31 resources (6 schedules, 1 schedule-group, …)": what a destroy deletes, counted by kind (--dry-run lists them). */
function deletionSummary(rows: Leftover[]): string {
  const kinds = [...new Set(rows.map((l) => l.kind))];
  const counts = kinds.map((k) => plural(rows.filter((l) => l.kind === k).length, k));
  return `${plural(rows.length, 'resource')} (${counts.join(', ')})`;
}

export async function applySchedule(deps: ScheduleDeps): Promise<ScheduleApplyResult> {
  const applied: Applied[] = [];
  const { cloud, desired } = deps;
  try {
    const { value, report } = await runRunbook(SCHEDULE_APPLY, { out: deps.out, clock: deps.clock, signal: deps.signal }, async (run) => {
      const plan = await run.step('SC-1', async (s) => {
        const { plan } = await planSchedule(cloud, desired, deps.prefix);
        s.detail(`${plural(plan.pending, 'change')} pending: ${summary(plan.changes)}`);
        return plan;
      });
      const refused = scheduleRefusal(plan);
      if (refused) throw refused;
      const stop = deps.dryRun ? 'dry run' : plan.pending === 0 ? 'nothing to do' : undefined;
      const later = [...APPLY_STEPS.map((s) => s.id), 'SC-8', 'SC-9'];
      if (stop || !(await deps.prompt.confirm(`Apply the schedule in ${cloud.region}: ${summary(plan.changes)}?`))) {
        for (const id of later) run.skip(id, stop ?? 'not confirmed');
        return { dryRun: deps.dryRun, plan, applied } satisfies ScheduleApplyResult;
      }
      for (const step of APPLY_STEPS) {
        const rows = plan.changes.filter(
          (c) => step.kinds.includes(c.kind) && c.resource && (c.action === 'create' || c.action === 'modify'),
        );
        if (rows.length === 0) {
          run.skip(step.id, 'nothing to change');
          continue;
        }
        await run.step(step.id, async (s) => {
          for (const c of rows) {
            s.update(`${c.action} ${c.kind} ${c.id}`);
            if (c.action === 'create') await createWhole(run, cloud, c.resource!, desired.tags);
            else await cloud.update(c.resource!, desired.tags);
            applied.push(appliedOf(c, c.action === 'create' ? 'created' : `updated ${c.fields.map((f) => f.field).join(', ')}`));
          }
          s.detail(rows.map((c) => `${c.action === 'create' ? 'created' : 'updated'} ${c.id}`).join('; '));
        });
      }
      const deletions = plan.changes.filter((c) => c.action === 'delete' && c.leftover);
      if (deletions.length === 0) run.skip('SC-8', 'no job removed from the config');
      else
        await run.step('SC-8', async (s) => {
          for (const c of deletions) {
            await cloud.remove(c.leftover!);
            applied.push(appliedOf(c, 'deleted'));
          }
          s.detail(`deleted ${deletions.map((c) => `${c.kind} ${c.id}`).join('; ')}`);
        });
      const after = await run.step('SC-9', async (s) => {
        const { plan: again } = await planSchedule(cloud, desired, deps.prefix);
        s.detail(again.pending === 0 ? 'nothing left to do' : `${plural(again.pending, 'change')} still pending`);
        if (again.pending > 0)
          deps.out.warn(`After apply, ${again.pending} changes are still pending; run \`dbops schedule plan\` to see them.`);
        return again;
      });
      return { dryRun: false, plan, applied, after } satisfies ScheduleApplyResult;
    });
    return { ...value, report };
  } catch (e) {
    throw asDbopsError(e).inRun({ applied });
  }
}

/** `dbops schedule plan`. */
export async function planScheduleOnly(deps: Pick<ScheduleDeps, 'cloud' | 'desired' | 'prefix'>): Promise<SchedulePlan> {
  return (await planSchedule(deps.cloud, deps.desired, deps.prefix)).plan;
}

/** Every resource dbops may have made for the schedule, in deletion order (reverse creation), the configured jobs and the ones that exist. */
export async function destroyTargets(cloud: ScheduleCloud, desired: DesiredSchedule, prefix: string): Promise<Leftover[]> {
  const n = scheduleNames(prefix);
  const jobs = new Set(desired.jobs);
  for (const name of await cloud.existingJobs(prefix)) {
    const j = n.jobOf(name);
    if (j) jobs.add(j);
  }
  const perJob = [...jobs].sort().flatMap((j) => jobResources(prefix, j));
  const byKind = (k: ScheduleKind) => perJob.filter((l) => l.kind === k);
  return [
    ...byKind('schedule'),
    { kind: 'schedule-group', id: n.group },
    ...byKind('state-machine'),
    { kind: 'task-definition', id: n.taskFamily },
    { kind: 'ecs-cluster', id: n.cluster },
    ...byKind('role'),
    { kind: 'role', id: n.schedulerRole },
    { kind: 'role', id: n.executionRole },
    { kind: 'log-group', id: n.logGroup },
    { kind: 'parameter', id: n.parameter },
  ];
}

const DESTROY_STEPS: { id: string; kinds: ScheduleKind[] }[] = [
  { id: 'SC-11', kinds: ['schedule', 'schedule-group'] },
  { id: 'SC-12', kinds: ['state-machine'] },
  { id: 'SC-13', kinds: ['task-definition', 'ecs-cluster'] },
  { id: 'SC-14', kinds: ['role'] },
  { id: 'SC-15', kinds: ['log-group', 'parameter'] },
];

export async function destroySchedule(deps: ScheduleDeps): Promise<ScheduleDestroyResult> {
  const applied: Applied[] = [];
  const { cloud } = deps;
  try {
    const { value, report } = await runRunbook(SCHEDULE_DESTROY, { out: deps.out, clock: deps.clock, signal: deps.signal }, async (run) => {
      const found = await run.step('SC-10', async (s) => {
        const deletions: Leftover[] = [];
        const skipped: ScheduleDestroyResult['skipped'] = [];
        for (const l of await destroyTargets(cloud, deps.desired, deps.prefix)) {
          const o = await cloud.readLeftover(l);
          if (!o) continue;
          if (o.managed) deletions.push(l);
          else skipped.push({ kind: l.kind, id: l.id, reason: 'not created by dbops (no dbops:managed=true tag): left alone' });
        }
        s.detail(deletions.length === 0 ? 'nothing to delete' : `${plural(deletions.length, 'resource')} to delete`);
        return { deletions, skipped };
      });
      const result = (done: boolean): ScheduleDestroyResult => ({
        dryRun: deps.dryRun,
        region: cloud.region,
        deletions: found.deletions.map((l) => ({ kind: l.kind, id: l.id })),
        skipped: found.skipped,
        applied: done ? applied : [],
      });
      const stop = deps.dryRun ? 'dry run' : found.deletions.length === 0 ? 'nothing to delete' : undefined;
      const later = [...DESTROY_STEPS.map((s) => s.id), 'SC-16'];
      if (stop || !(await deps.prompt.confirm(`Delete the schedule in ${cloud.region}: ${deletionSummary(found.deletions)}?`))) {
        for (const id of later) run.skip(id, stop ?? 'not confirmed');
        return result(false);
      }
      for (const step of DESTROY_STEPS) {
        const rows = found.deletions.filter((l) => step.kinds.includes(l.kind));
        if (rows.length === 0) {
          run.skip(step.id, 'nothing of this kind exists');
          continue;
        }
        await run.step(step.id, async (s) => {
          for (const l of rows) {
            s.update(`delete ${l.kind} ${l.id}`);
            await cloud.remove(l);
            applied.push(appliedOf({ ...l, action: 'delete' }, 'deleted'));
          }
          s.detail(`deleted ${rows.map((l) => l.id).join(', ')}`);
        });
      }
      await run.step('SC-16', async (s) => {
        const left: string[] = [];
        for (const l of found.deletions) if (await cloud.readLeftover(l)) left.push(`${l.kind} ${l.id}`);
        if (left.length > 0) deps.out.warn(`Still there after destroy: ${left.join('; ')}; rerun \`dbops schedule destroy\`.`);
        s.detail(left.length === 0 ? 'nothing dbops made is left' : `${left.length} still there`);
      });
      return result(true);
    });
    return { ...value, report };
  } catch (e) {
    throw asDbopsError(e).inRun({ applied });
  }
}

export { computeSchedulePlan, keyOf };
