/**
 * Per-resource lines for instance-hour offers: which RDS instances and ElastiCache nodes
 * ran this month, whether their hours count against the free 750 h, who they belong to
 * (dbops:purpose), and how many ran at once. Pure functions.
 */
import { TAG } from '../providers/types.js';
import type { CacheNodeUsage, DbInstanceUsage } from '../providers/usage-types.js';
import { hoursUsed, isRunningNow, peakConcurrency, ranOutAt } from './hours.js';
import type { MonthWindow } from './month.js';
import { FREE_RDS_CLASSES, FREE_RDS_ENGINES, isFreeCacheNode, isFreeRdsInstance } from './offers.js';
import { nodeKey } from './queries.js';
import type { CacheNodeLine, InstanceLine, PurposeHours } from './types.js';

const DELETED_NOTE = 'deleted: only CloudWatch remembers it; class unknown, counted against the free hours (the safe side)';

function notFreeReason(i: DbInstanceUsage): string | undefined {
  if (i.engine.startsWith('aurora'))
    return 'Aurora: billed by its cluster (ACU-hours, storage, I/O; see Billable), never in the RDS free tier';
  if (!FREE_RDS_CLASSES.includes(i.instanceClass)) return `${i.instanceClass} is not a free-tier class: billed by the hour`;
  if (!FREE_RDS_ENGINES.includes(i.engine)) return `engine ${i.engine} is not in the free tier: billed by the hour`;
  if (i.multiAz) return 'Multi-AZ is not in the free tier: billed by the hour';
  return undefined;
}

function existingNote(state: string, hours: number, notFree: string | undefined): string | undefined {
  if (notFree) return notFree;
  if (state === 'stopped') return 'stopped: no instance hours while stopped (storage is still billed)';
  if (hours === 0) return 'no CloudWatch datapoints this month';
  return undefined;
}

function byHoursThenId<T extends { hours: number }>(key: (x: T) => string): (a: T, b: T) => number {
  return (a, b) => b.hours - a.hours || key(a).localeCompare(key(b));
}

/** One line per RDS instance that exists now or reported this month. */
export function rdsInstanceLines(
  instances: readonly DbInstanceUsage[],
  hours: ReadonlyMap<string, Date[]>,
  window: MonthWindow,
): InstanceLine[] {
  const byId = new Map(instances.map((i) => [i.id, i]));
  const ids = [...new Set([...byId.keys(), ...hours.keys()])];
  const lines = ids.map((id): InstanceLine => {
    const ts = hours.get(id) ?? [];
    const used = hoursUsed(ts, window);
    const runningNow = isRunningNow(ts, window);
    const i = byId.get(id);
    if (!i)
      return {
        id,
        instanceClass: 'unknown',
        state: 'deleted',
        purpose: 'unknown',
        free: true,
        hours: used,
        runningNow,
        note: DELETED_NOTE,
      };
    const notFree = notFreeReason(i);
    const note = existingNote(i.status, used, notFree);
    return {
      id,
      instanceClass: i.instanceClass,
      state: i.status,
      purpose: i.tags[TAG.purpose] ?? '-',
      free: isFreeRdsInstance(i),
      hours: used,
      runningNow,
      ...(note ? { note } : {}),
    };
  });
  return lines.filter((l) => l.hours > 0 || byId.has(l.id)).sort(byHoursThenId((l) => l.id));
}

/** One line per ElastiCache node that exists now or reported this month. */
export function cacheNodeLines(
  nodes: readonly CacheNodeUsage[] | undefined,
  hours: ReadonlyMap<string, Date[]>,
  window: MonthWindow,
): CacheNodeLine[] {
  const byKey = new Map((nodes ?? []).map((n) => [nodeKey(n), n]));
  const keys = [...new Set([...byKey.keys(), ...hours.keys()])];
  const lines = keys.map((key): CacheNodeLine => {
    const ts = hours.get(key) ?? [];
    const used = hoursUsed(ts, window);
    const runningNow = isRunningNow(ts, window);
    const n = byKey.get(key);
    const [clusterId = key, nodeId = ''] = key.split('/');
    if (!n) {
      const note = nodes ? DELETED_NOTE : 'node type unknown (DescribeCacheClusters was not read): counted against the free hours';
      return { clusterId, nodeId, nodeType: 'unknown', state: nodes ? 'deleted' : 'unknown', free: true, hours: used, runningNow, note };
    }
    const free = isFreeCacheNode(n.nodeType);
    const note = free
      ? used === 0
        ? 'no CloudWatch datapoints this month'
        : undefined
      : `${n.nodeType} is not a free-tier node type: billed by the hour`;
    return { clusterId, nodeId, nodeType: n.nodeType, state: n.status, free, hours: used, runningNow, ...(note ? { note } : {}) };
  });
  return lines
    .filter((l) => l.hours > 0 || byKey.has(`${l.clusterId}/${l.nodeId}`))
    .sort(byHoursThenId((l) => `${l.clusterId}/${l.nodeId}`));
}

/** Free hours per dbops:purpose, largest first. */
export function hoursByPurpose(lines: readonly InstanceLine[]): PurposeHours[] {
  const acc = new Map<string, PurposeHours>();
  for (const l of lines.filter((x) => x.free)) {
    const p = acc.get(l.purpose) ?? { purpose: l.purpose, instances: 0, hours: 0 };
    p.instances++;
    p.hours += l.hours;
    acc.set(l.purpose, p);
  }
  return [...acc.values()].sort((a, b) => b.hours - a.hours || a.purpose.localeCompare(b.purpose));
}

/** What the free-class resources used together, how many run now and at most, when the hours ran out. */
export interface HoursSummary {
  used: number;
  runningNow: number;
  peak: number;
  ranOutAt?: Date;
}

export function summariseHours(
  lines: readonly { free: boolean; hours: number; runningNow: boolean }[],
  series: readonly (readonly Date[])[],
  limit: number,
  window: MonthWindow,
): HoursSummary {
  const free = lines.filter((l) => l.free);
  const crossed = ranOutAt(series, limit, window);
  return {
    used: free.reduce((a, l) => a + l.hours, 0),
    runningNow: free.filter((l) => l.runningNow).length,
    peak: peakConcurrency(series, window),
    ...(crossed ? { ranOutAt: crossed } : {}),
  };
}

/** "2 free-class instances are running at once: the free hours run out 2x as fast." */
export function concurrencyNote(kind: string, s: HoursSummary): string | undefined {
  if (s.runningNow > 1) return `${s.runningNow} free-class ${kind} are running at once: the free hours run out ${s.runningNow}x as fast.`;
  if (s.peak > 1) return `Up to ${s.peak} free-class ${kind} ran at once this month: such hours use the free hours ${s.peak}x as fast.`;
  return undefined;
}

const ENGINE_NAME: Record<string, string> = { postgres: 'PostgreSQL', mysql: 'MySQL', mariadb: 'MariaDB' };

/**
 * The RDS free tier's 750 hours are one pool for every free-class Single-AZ instance,
 * whatever its engine: when instances of more than one engine count against it, say so,
 * with how many run at once. `engines`: instance id -> RDS engine.
 */
export function engineMixNote(lines: readonly InstanceLine[], engines: ReadonlyMap<string, string>): string | undefined {
  const free = lines.filter((l) => l.free && l.hours > 0 && engines.has(l.id));
  const byEngine = new Map<string, string[]>();
  for (const l of free) {
    const e = engines.get(l.id)!;
    byEngine.set(e, [...(byEngine.get(e) ?? []), l.id]);
  }
  if (byEngine.size < 2) return undefined;
  const mix = [...byEngine]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([e, ids]) => `${ENGINE_NAME[e] ?? e} (${ids.join(', ')})`)
    .join(' and ');
  const running = free.filter((l) => l.runningNow).length;
  const pace = running > 1 ? `: with ${running} running at once they run out ${running}x as fast as with one` : ', so their hours add up';
  return `The free 750 instance-hours are shared by every engine, ${mix} alike${pace}.`;
}
