/**
 * The billing month a report covers. AWS bills in UTC calendar months, so every boundary
 * here is UTC. Pure functions of the `--month` text and `now`.
 */
import { UsageError } from '../errors.js';

export const HOUR_MS = 3_600_000;

/** The month being reported and how much of it has passed at `asOf`. */
export interface MonthWindow {
  /** "2025-01". */
  month: string;
  /** First instant of the month (UTC). */
  start: Date;
  /** First instant of the next month (exclusive end). */
  end: Date;
  days: number;
  /** days x 24: 744 in a 31-day month, 672 in a common February, 696 in a leap one. */
  hours: number;
  /** Data is read up to here: `now` in the current month, `end` for a past one. */
  asOf: Date;
  elapsedHours: number;
  remainingHours: number;
  /** A past month: nothing is forecast, the figures are final. */
  complete: boolean;
}

const MONTH_TEXT = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days in a month; `monthIndex` is 0-based like Date's. */
export function daysInMonth(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

export function monthText(year: number, monthIndex: number): string {
  return `${year}-${String(monthIndex + 1).padStart(2, '0')}`;
}

/** "YYYY-MM" -> year and 0-based month; rejects other shapes and months after `now`'s. */
export function parseMonth(text: string, now: Date): { year: number; monthIndex: number } {
  const m = MONTH_TEXT.exec(text.trim());
  if (!m) {
    throw new UsageError(`--month expects a month as YYYY-MM, got "${text}".`, {
      hint: 'For example --month 2025-01; leave it out for the current month.',
    });
  }
  const year = Number(m[1]);
  const monthIndex = Number(m[2]) - 1;
  const current = monthText(now.getUTCFullYear(), now.getUTCMonth());
  if (monthText(year, monthIndex) > current) {
    throw new UsageError(`--month ${text} is in the future (this month is ${current}).`, { hint: 'Pick this month or an earlier one.' });
  }
  return { year, monthIndex };
}

/** The window of `month` (default: the month of `now`) as seen at `now`. */
export function monthWindow(month: string | undefined, now: Date): MonthWindow {
  const { year, monthIndex } = month === undefined ? { year: now.getUTCFullYear(), monthIndex: now.getUTCMonth() } : parseMonth(month, now);
  const start = new Date(Date.UTC(year, monthIndex, 1));
  const end = new Date(Date.UTC(year, monthIndex + 1, 1));
  const days = daysInMonth(year, monthIndex);
  const complete = now.getTime() >= end.getTime();
  const asOf = complete ? end : now;
  const elapsedHours = (asOf.getTime() - start.getTime()) / HOUR_MS;
  return {
    month: monthText(year, monthIndex),
    start,
    end,
    days,
    hours: days * 24,
    asOf,
    elapsedHours,
    remainingHours: days * 24 - elapsedHours,
    complete,
  };
}

/** The start of the UTC hour `t` falls in. */
export function floorHour(t: Date): Date {
  return new Date(Math.floor(t.getTime() / HOUR_MS) * HOUR_MS);
}
