/** Small constructors for changes and field changes. Pure. */
import { TAG, type Tags } from '../providers/types.js';
import type { ResourceKind } from '../providers/provision-types.js';
import type { Action, Change, FieldChange } from './plan-types.js';

export function field(
  name: string,
  from: unknown,
  to: unknown,
  effect: Partial<Omit<FieldChange, 'field' | 'from' | 'to'>> = {},
): FieldChange {
  return { field: name, from, to, downtime: false, replace: false, dataLoss: false, deferrable: false, ...effect };
}

/** The change a list of field changes makes: replace beats modify; none is a no-op. */
export function changeOf(kind: ResourceKind, id: string, fields: FieldChange[], notes: string[] = []): Change {
  const action: Action = fields.length === 0 ? 'no-op' : fields.some((f) => f.replace) ? 'replace' : 'modify';
  return {
    kind,
    id,
    action,
    fields,
    downtime: fields.some((f) => f.downtime),
    dataLoss: fields.some((f) => f.dataLoss),
    notes,
  };
}

export function simple(
  kind: ResourceKind,
  id: string,
  action: Action,
  notes: string[] = [],
  effect: { downtime?: boolean; dataLoss?: boolean } = {},
): Change {
  return { kind, id, action, fields: [], downtime: effect.downtime ?? false, dataLoss: effect.dataLoss ?? false, notes };
}

export function isManaged(tags: Tags | undefined): boolean {
  return tags?.[TAG.managed] === 'true';
}

/** An existing resource dbops did not create: no-op when nothing differs, blocked otherwise. */
export function guardUnmanaged(change: Change, tags: Tags | undefined): Change {
  if (isManaged(tags)) return change;
  const note = `exists but was not created by dbops (no ${TAG.managed}=true tag); dbops will not change it`;
  if (change.action === 'no-op') return { ...change, notes: [...change.notes, note] };
  return { ...change, action: 'blocked', notes: [...change.notes, note] };
}

export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  return sa.size === new Set(b).size && [...sa].every((x) => b.includes(x));
}
