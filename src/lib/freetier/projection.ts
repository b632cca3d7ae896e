/**
 * Percent, forecast to the month's end, run-out moment and status of one offer. Pure
 * functions of the usage, the limit, the rate and the month window.
 */
import { HOUR_MS, type MonthWindow } from './month.js';

export type OfferStatus = 'ok' | 'warning' | 'over' | 'unknown';

/** Where an offer stands and where it is heading. */
export interface Projection {
  used: number;
  limit: number;
  percent: number;
  /** Usage at the month's end if the current rate holds (= used for a past month). */
  forecast: number;
  forecastPercent: number;
  /** Units per hour the forecast assumes. */
  ratePerHour: number;
  /** When the free amount ran out, or will at the current rate (only if within the month). */
  runOut?: Date;
}

export function percentOf(value: number, limit: number): number {
  return limit > 0 ? (value / limit) * 100 : 0;
}

/** The average rate so far: what Lambda requests, GB-seconds and log bytes are forecast with. */
export function averageRate(used: number, window: MonthWindow): number {
  return window.elapsedHours > 0 ? used / window.elapsedHours : 0;
}

/**
 * A usage that adds up over the month. `ratePerHour` is the rate to extrapolate with;
 * `ranOutAt` is the known crossing moment when the caller has hourly data.
 */
export function projectCumulative(input: {
  used: number;
  limit: number;
  ratePerHour: number;
  window: MonthWindow;
  ranOutAt?: Date;
}): Projection {
  const { used, limit, window } = input;
  const rate = window.complete ? 0 : input.ratePerHour;
  const forecast = used + rate * window.remainingHours;
  return {
    used,
    limit,
    percent: percentOf(used, limit),
    forecast,
    forecastPercent: percentOf(forecast, limit),
    ratePerHour: rate,
    ...optionalRunOut(runOutOf(used, limit, rate, window, input.ranOutAt)),
  };
}

/** A count or size as it is now (metrics, alarms, backup GB): its forecast is itself. */
export function projectLevel(level: number, limit: number): Projection {
  const percent = percentOf(level, limit);
  return { used: level, limit, percent, forecast: level, forecastPercent: percent, ratePerHour: 0 };
}

function optionalRunOut(runOut: Date | undefined): { runOut?: Date } {
  return runOut ? { runOut } : {};
}

function runOutOf(used: number, limit: number, rate: number, window: MonthWindow, known: Date | undefined): Date | undefined {
  if (used >= limit) {
    if (known) return known;
    const average = averageRate(used, window);
    return average > 0 ? new Date(window.start.getTime() + (limit / average) * HOUR_MS) : window.asOf;
  }
  if (rate <= 0) return undefined;
  const at = window.asOf.getTime() + ((limit - used) / rate) * HOUR_MS;
  return at < window.end.getTime() ? new Date(at) : undefined;
}

/**
 * over: more than the free amount is used (the rest is billed now);
 * warning: the configured share of it is used, or the forecast goes past it;
 * ok: neither.
 */
export function offerStatus(p: Pick<Projection, 'used' | 'limit' | 'percent' | 'forecast'>, warnPercent: number): OfferStatus {
  if (p.used > p.limit) return 'over';
  if (p.percent >= warnPercent || p.forecast > p.limit) return 'warning';
  return 'ok';
}

const RANK: Record<OfferStatus, number> = { unknown: 0, ok: 1, warning: 2, over: 3 };

/** The worse of two statuses (unknown counts as the least). */
export function worst(a: OfferStatus, b: OfferStatus): OfferStatus {
  return RANK[a] >= RANK[b] ? a : b;
}
