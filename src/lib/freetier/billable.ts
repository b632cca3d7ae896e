/**
 * What the free tier never covers, estimated: Aurora Serverless v2 clusters (ACU-hours
 * from ServerlessDatabaseCapacity, storage from VolumeBytesUsed, I/O from
 * VolumeReadIOPs + VolumeWriteIOPs) and Valkey serverless caches (ECPUs from
 * ElastiCacheProcessingUnits, data stored from BytesUsedForCache), each with a cost this
 * month so far and a forecast to its end, against the configured budget. Pure functions.
 *
 * The prices are AWS's on-demand list prices of us-east-1 / us-east-2 (Aurora I/O-Standard,
 * Valkey serverless): an estimate for planning, not the bill (Cost Explorer is the bill).
 */
import type { MonthWindow } from './month.js';
import type { BillableLine, BillableReport } from './types.js';

/** USD list prices (us-east-1 / us-east-2, on demand). */
export const PRICES = {
  /** Aurora Serverless v2, per ACU-hour (Aurora I/O-Standard). */
  acuHour: 0.12,
  /** Aurora storage, per GB-month. */
  auroraStorageGbMonth: 0.1,
  /** Aurora I/O, per million requests (I/O-Standard). */
  auroraIoMillion: 0.2,
  /** Valkey serverless data stored, per GB-hour (billed at 100 MB at least). */
  valkeyGbHour: 0.084,
  /** Valkey serverless, per million ECPUs. */
  valkeyEcpuMillion: 0.0023,
} as const;

const GB = 1e9;

/** What the metrics say about one Aurora cluster this month. */
export interface AuroraUsage {
  /** Sum of the hourly averages of ServerlessDatabaseCapacity: ACU-hours. */
  acuHours: number;
  /** Hours with a capacity datapoint. */
  hours: number;
  /** Latest VolumeBytesUsed. */
  volumeBytes?: number;
  /** VolumeReadIOPs + VolumeWriteIOPs, summed (billed I/O requests). */
  ios: number;
}

/** What the metrics say about one Valkey serverless cache this month. */
export interface ServerlessCacheUsage {
  /** Sum of ElastiCacheProcessingUnits. */
  ecpus: number;
  /** Sum over the hours of the hourly average BytesUsedForCache, in GB-hours (100 MB at least each hour). */
  gbHours: number;
  hours: number;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;
const round4 = (n: number): number => Math.round(n * 10_000) / 10_000;

/** Month to date scaled to the whole month at the same rate (a past month: as it is). */
function forecast(mtd: number, window: MonthWindow): number {
  if (window.complete || window.elapsedHours <= 0) return mtd;
  return (mtd * window.hours) / window.elapsedHours;
}

export function auroraLine(id: string, u: AuroraUsage, window: MonthWindow): BillableLine {
  const storageGb = (u.volumeBytes ?? 0) / GB;
  // Storage is billed per GB-month: the month so far is the elapsed share of a month.
  const share = window.complete ? 1 : window.elapsedHours / window.hours;
  const items = [
    { name: 'capacity', amount: round2(u.acuHours), unit: 'ACU-hours', usd: round2(u.acuHours * PRICES.acuHour) },
    { name: 'storage', amount: round2(storageGb), unit: 'GB', usd: round2(storageGb * PRICES.auroraStorageGbMonth * share) },
    { name: 'I/O', amount: round4(u.ios / 1e6), unit: 'million requests', usd: round2((u.ios / 1e6) * PRICES.auroraIoMillion) },
  ];
  const mtd = items.reduce((a, i) => a + i.usd, 0);
  return {
    kind: 'aurora-serverless-v2',
    id,
    usage: items,
    monthToDateUsd: round2(mtd),
    forecastUsd: round2(forecast(mtd, window)),
    note: `Aurora Serverless v2 is billed from the first ACU-hour: not in the RDS free tier (${u.hours} h with capacity this month${u.volumeBytes === undefined ? '; storage unknown: no VolumeBytesUsed' : ''}).`,
  };
}

export function serverlessCacheLine(id: string, u: ServerlessCacheUsage, window: MonthWindow): BillableLine {
  const gbHours = u.gbHours;
  const items = [
    { name: 'ECPUs', amount: round4(u.ecpus / 1e6), unit: 'million ECPUs', usd: round2((u.ecpus / 1e6) * PRICES.valkeyEcpuMillion) },
    { name: 'data stored', amount: round2(gbHours), unit: 'GB-hours', usd: round2(gbHours * PRICES.valkeyGbHour) },
  ];
  const mtd = items.reduce((a, i) => a + i.usd, 0);
  return {
    kind: 'valkey-serverless',
    id,
    usage: items,
    monthToDateUsd: round2(mtd),
    forecastUsd: round2(forecast(mtd, window)),
    note: `A Valkey serverless cache is billed for ECPUs and data stored (100 MB at least): not in the ElastiCache free tier (${u.hours} h with data this month).`,
  };
}

/** The lines, their totals, and the share of the budget the forecast takes. */
export function billableReport(lines: BillableLine[], budgetUsd: number | undefined): BillableReport {
  const mtd = round2(lines.reduce((a, l) => a + l.monthToDateUsd, 0));
  const fc = round2(lines.reduce((a, l) => a + l.forecastUsd, 0));
  return {
    lines,
    monthToDateUsd: mtd,
    forecastUsd: fc,
    ...(budgetUsd !== undefined ? { budgetUsd } : {}),
    ...(budgetUsd !== undefined && budgetUsd > 0 ? { forecastPercentOfBudget: round2((fc / budgetUsd) * 100) } : {}),
    ...(budgetUsd !== undefined && fc > budgetUsd
      ? { overBudget: `The billable services alone are forecast at $${fc.toFixed(2)}, above the budget of $${budgetUsd.toFixed(2)}.` }
      : {}),
    prices: 'AWS on-demand list prices of us-east-1/us-east-2 (Aurora I/O-Standard, Valkey serverless): an estimate, not the bill.',
  };
}
