/**
 * Names and tags of the temporary instance. Pure functions.
 *
 * The instance is `<db>-rt-<run-id>`, within RDS' 63 characters (the db part is cut, never
 * the run id, which is what ties the instance to its run), and tagged so that
 * `dbops gc` can find and remove it if this run dies without cleaning up.
 */
import { TAG, type Tags } from '../providers/types.js';

export const RDS_ID_MAX = 63;

export function temporaryInstanceId(sourceId: string, runId: string): string {
  const suffix = `-rt-${runId}`;
  const room = RDS_ID_MAX - suffix.length;
  // Cut the db part, then drop hyphens a cut can leave at its end (RDS refuses "a--rt").
  const base = sourceId.slice(0, Math.max(1, room)).replace(/-+$/, '');
  return `${base}${suffix}`;
}

/** 2026-05-01T09:00:00.000Z -> 2026-05-01T09:00:00Z */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function expiresAt(now: Date, hours: number): Date {
  return new Date(now.getTime() + Math.round(hours * 3600) * 1000);
}

/** What the tags of the temporary instance are made from. */
export interface TagFacts {
  runId: string;
  sourceInstanceId: string;
  snapshotId?: string;
  expiresAt: Date;
}

/** The tags of the temporary instance. */
export function restoreTestTags(f: TagFacts): Tags {
  return {
    [TAG.managed]: 'true',
    [TAG.runId]: f.runId,
    [TAG.purpose]: 'restore-test',
    [TAG.expiresAt]: isoSeconds(f.expiresAt),
    [TAG.sourceInstance]: f.sourceInstanceId,
    ...(f.snapshotId ? { [TAG.sourceSnapshot]: f.snapshotId } : {}),
  };
}
