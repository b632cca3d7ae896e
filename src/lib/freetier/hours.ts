/**
 * Instance hours from hourly CloudWatch datapoints. An instance that reported in an hour
 * ran in that hour; an hour with any datapoint counts as a whole hour (the safe side:
 * RDS bills partial hours by the second, so this can only over-count). A stopped or
 * deleted instance reports nothing, so it uses no hours. Pure functions.
 */
import { HOUR_MS, floorHour, type MonthWindow } from './month.js';

/** The start (ms) of every hour of the window in which the resource reported. */
export function activeHours(timestamps: readonly Date[], window: MonthWindow): Set<number> {
  const hours = new Set<number>();
  const from = window.start.getTime();
  const to = window.asOf.getTime();
  for (const t of timestamps) {
    const h = floorHour(t).getTime();
    if (h >= from && h < to) hours.add(h);
  }
  return hours;
}

export function hoursUsed(timestamps: readonly Date[], window: MonthWindow): number {
  return activeHours(timestamps, window).size;
}

/**
 * Whether the resource is running at `asOf`: it reported in the current or the previous
 * hour (CloudWatch lags a few minutes). Never true for a past month.
 */
export function isRunningNow(timestamps: readonly Date[], window: MonthWindow): boolean {
  if (window.complete) return false;
  const since = floorHour(window.asOf).getTime() - HOUR_MS;
  return [...activeHours(timestamps, window)].some((h) => h >= since);
}

/** How many of the resources ran in each hour (hour start ms -> count), in time order. */
export function hourlyConcurrency(resources: readonly (readonly Date[])[], window: MonthWindow): Map<number, number> {
  const counts = new Map<number, number>();
  for (const timestamps of resources) {
    for (const h of activeHours(timestamps, window)) counts.set(h, (counts.get(h) ?? 0) + 1);
  }
  return new Map([...counts].sort(([a], [b]) => a - b));
}

/** The most resources that ran in one hour of the window. */
export function peakConcurrency(resources: readonly (readonly Date[])[], window: MonthWindow): number {
  return Math.max(0, ...hourlyConcurrency(resources, window).values());
}

/**
 * When the summed hours of all resources reached `limit`, if they did: the moment inside
 * the crossing hour, assuming the resources of that hour used it evenly.
 */
export function ranOutAt(resources: readonly (readonly Date[])[], limit: number, window: MonthWindow): Date | undefined {
  let used = 0;
  for (const [hour, count] of hourlyConcurrency(resources, window)) {
    if (used + count >= limit) return new Date(hour + ((limit - used) / count) * HOUR_MS);
    used += count;
  }
  return undefined;
}

/** Hours a resource existed in the window, from its creation (or the month's start) to `asOf`. */
export function hoursExisted(createdAt: Date | undefined, window: MonthWindow): number {
  const from = Math.max(createdAt?.getTime() ?? window.start.getTime(), window.start.getTime());
  return Math.max(0, (window.asOf.getTime() - from) / HOUR_MS);
}
