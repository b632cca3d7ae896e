/**
 * `dbops schedule plan`: what apply would change in the account, one row per resource in
 * creation order (create / modify / delete / no-op / blocked), with the settings that
 * differ. Same vocabulary as `dbops provision plan`: a resource that exists without the
 * dbops:managed tag is never changed (blocked when it differs, a noted no-op otherwise),
 * and the resources of a job removed from the config are deleted.
 */
import type { Action } from '../provision/plan-types.js';
import { scheduleNames } from './names.js';
import {
  type DesiredSchedule,
  type Fields,
  fieldsOf,
  KIND_ORDER,
  type Leftover,
  type Observed,
  type Resource,
  type ScheduleCloud,
  type ScheduleKind,
} from './resources.js';

export type { Action };

export interface ScheduleFieldChange {
  field: string;
  from: string | number | undefined;
  to: string | number | undefined;
}

export interface ScheduleChange {
  kind: ScheduleKind;
  id: string;
  action: Action;
  fields: ScheduleFieldChange[];
  notes: string[];
  /** The resource to create or update (create / modify rows). */
  resource?: Resource;
  /** The resource to delete (delete rows). */
  leftover?: Leftover;
}

export interface SchedulePlan {
  region: string;
  accountId: string;
  jobs: string[];
  changes: ScheduleChange[];
  /** Rows that are not no-op. */
  pending: number;
}

/** What exists, as read through the port. */
export interface ScheduleCurrent {
  /** By `kind id`. */
  observed: Map<string, Observed>;
  /** Resources of jobs no longer in the config, that exist. */
  leftovers: { leftover: Leftover; observed: Observed }[];
}

export const keyOf = (r: { kind: ScheduleKind; id: string }): string => `${r.kind} ${r.id}`;

const NOT_OURS = 'exists but was not created by dbops (no dbops:managed=true tag); dbops will not change it';

/** The resources a job has (for a job removed from the config, or destroy). */
export function jobResources(prefix: string, job: string): Leftover[] {
  const n = scheduleNames(prefix);
  return [
    { kind: 'schedule', id: n.schedule(job), group: n.group },
    { kind: 'state-machine', id: n.stateMachine(job) },
    { kind: 'role', id: n.stateMachineRole(job) },
    { kind: 'role', id: n.taskRole(job) },
  ];
}

/** Reads every desired resource, and the resources of jobs that exist but are not configured. */
export async function readCurrent(cloud: ScheduleCloud, desired: DesiredSchedule, prefix: string): Promise<ScheduleCurrent> {
  const observed = new Map<string, Observed>();
  for (const r of desired.resources) {
    const o = await cloud.read(r);
    if (o) observed.set(keyOf(r), o);
  }
  const leftovers: ScheduleCurrent['leftovers'] = [];
  const extra = (await cloud.existingJobs(prefix))
    .map((name) => scheduleNames(prefix).jobOf(name))
    .filter((j): j is string => j !== undefined && !desired.jobs.includes(j));
  for (const job of [...new Set(extra)]) {
    for (const l of jobResources(prefix, job)) {
      const o = await cloud.readLeftover(l);
      if (o) leftovers.push({ leftover: l, observed: o });
    }
  }
  return { observed, leftovers };
}

function fieldChanges(want: Fields, have: Fields): ScheduleFieldChange[] {
  return Object.keys(want)
    .filter((k) => String(want[k]) !== String(have[k] ?? ''))
    .map((k) => ({ field: k, from: have[k], to: want[k] }));
}

/** One desired resource against what exists. Pure. */
export function diffResource(r: Resource, o: Observed | undefined): ScheduleChange {
  const base = { kind: r.kind, id: r.id, resource: r };
  if (!o) return { ...base, action: 'create', fields: [], notes: [] };
  const fields = fieldChanges(fieldsOf(r), o.fields);
  if (!o.managed) return { ...base, action: fields.length === 0 ? 'no-op' : 'blocked', fields, notes: [NOT_OURS] };
  if (fields.length === 0) return { ...base, action: 'no-op', fields, notes: [] };
  const notes = r.kind === 'task-definition' ? ['a new revision is registered (task definitions are immutable)'] : [];
  return { ...base, action: 'modify', fields, notes };
}

/** The plan: desired rows in creation order, then the deletions of removed jobs. Pure. */
export function computeSchedulePlan(desired: DesiredSchedule, current: ScheduleCurrent): SchedulePlan {
  const changes = desired.resources.map((r) => diffResource(r, current.observed.get(keyOf(r))));
  const deletions: ScheduleChange[] = current.leftovers
    .slice()
    .sort((a, b) => KIND_ORDER.indexOf(b.leftover.kind) - KIND_ORDER.indexOf(a.leftover.kind))
    .map(({ leftover, observed }) =>
      observed.managed
        ? { kind: leftover.kind, id: leftover.id, action: 'delete', fields: [], notes: ['its job is no longer in schedule.jobs'], leftover }
        : { kind: leftover.kind, id: leftover.id, action: 'no-op', fields: [], notes: [NOT_OURS] },
    );
  const all = [...changes, ...deletions];
  return {
    region: desired.region,
    accountId: desired.accountId,
    jobs: desired.jobs,
    changes: all,
    pending: all.filter((c) => c.action !== 'no-op').length,
  };
}

export async function planSchedule(
  cloud: ScheduleCloud,
  desired: DesiredSchedule,
  prefix: string,
): Promise<{ plan: SchedulePlan; current: ScheduleCurrent }> {
  const current = await readCurrent(cloud, desired, prefix);
  return { plan: computeSchedulePlan(desired, current), current };
}
