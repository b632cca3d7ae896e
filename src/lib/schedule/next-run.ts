/**
 * The next time an EventBridge Scheduler expression fires, in its time zone: `cron(m h dom
 * mon dow year)` (AWS fields: day of week 1-7 = SUN-SAT, `?` in one of the day fields, `L`
 * as the last day of the month), `rate(n unit)` (no fixed phase: undefined) and `at(...)`.
 * Pure; `undefined` when it cannot be known (a rate, an `L`/`W`/`#` form this does not
 * evaluate, nothing in the next five years).
 */

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

type Matcher = (v: number) => boolean;

function field(text: string, min: number, max: number, names: string[] = [], offset = 1): Matcher | undefined {
  if (text === '*' || text === '?') return () => true;
  const num = (s: string): number => {
    const i = names.indexOf(s.toUpperCase());
    return i >= 0 ? i + offset : Number(s);
  };
  const sets: Matcher[] = [];
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [min, max];
    else if (range!.includes('-')) {
      const [a, b] = range!.split('-');
      [lo, hi] = [num(a!), num(b!)];
    } else {
      lo = num(range!);
      hi = stepText === undefined ? lo : max;
    }
    if (![lo, hi, step].every(Number.isInteger) || step < 1) return undefined;
    sets.push((v) => v >= lo && v <= hi && (v - lo) % step === 0);
  }
  return (v) => sets.some((m) => m(v));
}

interface Local {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

function localOf(utcMs: number, timeZone: string): Local {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(new Date(utcMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute') };
}

/** The UTC instant of a wall-clock time in a time zone. */
export function zonedToUtc(l: Local, timeZone: string): number {
  const wall = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute);
  let guess = wall;
  for (let i = 0; i < 3; i++) {
    const seen = localOf(guess, timeZone);
    const diff = wall - Date.UTC(seen.year, seen.month - 1, seen.day, seen.hour, seen.minute);
    if (diff === 0) break;
    guess += diff;
  }
  return guess;
}

function cronNext(expr: string, timeZone: string, after: Date): Date | undefined {
  const f = expr.trim().split(/\s+/);
  if (f.length !== 6 || f.some((x) => /[LW#]/.test(x) && x !== 'L')) return undefined;
  const minute = field(f[0]!, 0, 59);
  const hour = field(f[1]!, 0, 23);
  const lastDay = f[2] === 'L';
  const dom = lastDay ? () => true : field(f[2]!, 1, 31);
  const month = field(f[3]!, 1, 12, MONTHS);
  const dow = field(f[4]!, 1, 7, DAYS);
  const year = field(f[5]!, 1970, 2199);
  if (!minute || !hour || !dom || !month || !dow || !year) return undefined;
  const start = localOf(after.getTime(), timeZone);
  const day0 = Date.UTC(start.year, start.month - 1, start.day);
  for (let d = 0; d < 366 * 5; d++) {
    const date = new Date(day0 + d * 86_400_000);
    const [y, mo, da, wd] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCDay() + 1];
    const last = new Date(Date.UTC(y, mo, 0)).getUTCDate();
    if (!year(y) || !month(mo) || !dow(wd) || (lastDay ? da !== last : !dom(da))) continue;
    for (let h = 0; h < 24; h++) {
      if (!hour(h)) continue;
      for (let m = 0; m < 60; m++) {
        if (!minute(m)) continue;
        const t = zonedToUtc({ year: y, month: mo, day: da, hour: h, minute: m }, timeZone);
        if (t > after.getTime()) return new Date(t);
      }
    }
  }
  return undefined;
}

export function nextRun(expression: string, timeZone: string, after: Date): Date | undefined {
  const cron = /^cron\((.*)\)$/.exec(expression.trim());
  if (cron) return cronNext(cron[1]!, timeZone, after);
  const at = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(expression.trim());
  if (at) {
    const [, y, mo, d, h, mi] = at.map(Number);
    const t = zonedToUtc({ year: y!, month: mo!, day: d!, hour: h!, minute: mi! }, timeZone);
    return t > after.getTime() ? new Date(t) : undefined;
  }
  return undefined;
}
