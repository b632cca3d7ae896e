/**
 * EventBridge Scheduler schedule expressions, checked before any AWS call so that a bad one is
 * refused with the reason the Scheduler would have (and one it would not say as clearly).
 * The rules are those of the Scheduler user guide, "Schedule types on EventBridge Scheduler"
 * (docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html):
 *
 *   cron(minutes hours day-of-month month day-of-week year)
 *     minutes 0-59 , - * /       hours 0-23 , - * /
 *     day-of-month 1-31 , - * ? / L W
 *     month 1-12 or JAN-DEC , - * /
 *     day-of-week 1-7 or SUN-SAT (1 = Sunday) , - * ? L #
 *     year 1970-2199 , - * /
 *     one of day-of-month and day-of-week must be `?` (they cannot both be set, nor both be `*`)
 *   rate(value unit)   value a positive whole number; unit minute | minutes | hour | hours | day | days,
 *                      singular for 1, plural above
 *   at(yyyy-mm-ddThh:mm:ss)   a one-time schedule, in the schedule's time zone
 *
 * Pure: parsing only.
 */

export type CronField = 'minutes' | 'hours' | 'dayOfMonth' | 'month' | 'dayOfWeek' | 'year';

export interface CronExpression {
  kind: 'cron';
  text: string;
  fields: Record<CronField, string>;
}
export interface RateExpression {
  kind: 'rate';
  text: string;
  value: number;
  unit: 'minute' | 'hour' | 'day';
}
export interface AtExpression {
  kind: 'at';
  text: string;
  /** yyyy-mm-ddThh:mm:ss, local to the schedule's time zone. */
  at: string;
}
export type ScheduleExpression = CronExpression | RateExpression | AtExpression;

/** Why an expression is refused: one sentence, and what a good one looks like. */
export class ExpressionProblem {
  constructor(
    readonly reason: string,
    readonly hint: string,
  ) {}
}

const CRON_HINT = 'A Scheduler cron has six fields, e.g. cron(0 8 * * ? *) (08:00 daily) or cron(0 5 ? * SUN *) (Sundays 05:00).';
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
export const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldRule {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Special characters allowed besides , - * /. */
  special: { question?: boolean; L?: boolean; W?: boolean; hash?: boolean; slash?: boolean };
}

const RULES: Record<CronField, FieldRule> = {
  minutes: { name: 'minutes', min: 0, max: 59, special: { slash: true } },
  hours: { name: 'hours', min: 0, max: 23, special: { slash: true } },
  dayOfMonth: { name: 'day-of-month', min: 1, max: 31, special: { question: true, L: true, W: true, slash: true } },
  month: { name: 'month', min: 1, max: 12, names: MONTHS, special: { slash: true } },
  dayOfWeek: { name: 'day-of-week', min: 1, max: 7, names: WEEKDAYS, special: { question: true, L: true, hash: true } },
  year: { name: 'year', min: 1970, max: 2199, special: { slash: true } },
};
const FIELD_ORDER: CronField[] = ['minutes', 'hours', 'dayOfMonth', 'month', 'dayOfWeek', 'year'];

/** Parses an expression; returns the problem instead of throwing. */
export function parseExpression(text: string): ScheduleExpression | ExpressionProblem {
  const t = text.trim();
  const m = /^(cron|rate|at)\((.*)\)$/s.exec(t);
  if (!m) {
    return new ExpressionProblem(
      'it is neither cron(...), rate(...) nor at(...), the three forms EventBridge Scheduler accepts',
      'For example rate(5 minutes), cron(0 8 * * ? *) or at(2026-12-31T23:00:00). A five-field crontab line is not one: add the year and a `?`.',
    );
  }
  const body = m[2]!.trim();
  if (m[1] === 'rate') return parseRate(t, body);
  if (m[1] === 'at') return parseAt(t, body);
  return parseCron(t, body);
}

function parseRate(text: string, body: string): RateExpression | ExpressionProblem {
  const hint = 'For example rate(1 hour), rate(5 minutes) or rate(7 days).';
  const m = /^(\S+)\s+(\S+)$/.exec(body);
  if (!m) return new ExpressionProblem('a rate is a value and a unit, e.g. rate(5 minutes)', hint);
  const [, v, unit] = m as unknown as [string, string, string];
  if (!/^\d+$/.test(v) || Number(v) < 1) return new ExpressionProblem(`the rate value "${v}" is not a positive whole number`, hint);
  if (!Number.isSafeInteger(Number(v)))
    return new ExpressionProblem(`the rate value "${v}" is too large to be a whole number of ${unit}`, hint);
  const value = Number(v);
  const u = /^(minute|hour|day)(s?)$/.exec(unit);
  if (!u)
    return new ExpressionProblem(
      `the unit "${unit}" is not minute(s), hour(s) or day(s) (the Scheduler has no seconds, weeks or months)`,
      hint,
    );
  const plural = u[2] === 's';
  if (value === 1 && plural)
    return new ExpressionProblem(`a value of 1 takes the singular unit: rate(1 ${u[1]}), not rate(1 ${unit})`, hint);
  if (value > 1 && !plural)
    return new ExpressionProblem(`a value above 1 takes the plural unit: rate(${value} ${u[1]}s), not rate(${value} ${unit})`, hint);
  return { kind: 'rate', text, value, unit: u[1] as RateExpression['unit'] };
}

function parseAt(text: string, body: string): AtExpression | ExpressionProblem {
  const hint = 'For example at(2026-12-31T23:00:00): local time in the schedule time zone, no zone suffix.';
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  if (!m) return new ExpressionProblem(`"${body}" is not yyyy-mm-ddThh:mm:ss`, hint);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    return new ExpressionProblem(`${body} is not a date and time that exists`, hint);
  }
  return { kind: 'at', text, at: body };
}

function parseCron(text: string, body: string): CronExpression | ExpressionProblem {
  const parts = body.split(/\s+/).filter(Boolean);
  if (parts.length !== 6) {
    return new ExpressionProblem(
      `it has ${parts.length} field${parts.length === 1 ? '' : 's'}; a Scheduler cron has six: minutes hours day-of-month month day-of-week year`,
      CRON_HINT,
    );
  }
  const fields = Object.fromEntries(FIELD_ORDER.map((f, i) => [f, parts[i]!.toUpperCase()])) as Record<CronField, string>;
  for (const f of FIELD_ORDER) {
    const problem = checkField(RULES[f], fields[f]);
    if (problem) return new ExpressionProblem(problem, CRON_HINT);
  }
  const dom = fields.dayOfMonth;
  const dow = fields.dayOfWeek;
  if (dom !== '?' && dow !== '?') {
    return new ExpressionProblem(
      `day-of-month (${dom}) and day-of-week (${dow}) are both set; the Scheduler needs one of them to be ? (it cannot combine them)`,
      dom === '*' ? `Write ${dow === '*' ? '?' : dow} for day-of-week with * for day-of-month, e.g. cron(0 8 * * ? *).` : CRON_HINT,
    );
  }
  if (dom === '?' && dow === '?') {
    return new ExpressionProblem(
      'day-of-month and day-of-week are both ?; exactly one of them is ?',
      'Set the other, e.g. cron(0 8 * * ? *).',
    );
  }
  return { kind: 'cron', text, fields };
}

/** One field's value against its rule; undefined when good, else why not. */
function checkField(rule: FieldRule, value: string): string | undefined {
  const what = `${rule.name} "${value}"`;
  if (value === '?') return rule.special.question ? undefined : `${what}: ? is allowed only in day-of-month and day-of-week`;
  if (value.includes(',')) {
    for (const item of value.split(',')) {
      if (item === '') return `${what}: an empty item in the list`;
      if (/[L#W?]/.test(item) && item !== 'L' && rule.name !== 'day-of-week') return `${what}: ${item} cannot be part of a list`;
      // The Scheduler reads "3#1,6#3" as two expressions and refuses it.
      if (item.includes('#')) return `${what}: ${item} cannot be part of a list (one weekday#n per expression)`;
      const p = checkItem(rule, item);
      if (p) return `${what}: ${p}`;
    }
    return undefined;
  }
  const p = checkItem(rule, value);
  return p ? `${what}: ${p}` : undefined;
}

function number(rule: FieldRule, token: string): number | undefined {
  if (/^\d+$/.test(token)) return Number(token);
  const i = rule.names?.indexOf(token) ?? -1;
  return i >= 0 ? i + 1 : undefined;
}

function inRange(rule: FieldRule, token: string): string | undefined {
  const n = number(rule, token);
  if (n === undefined) {
    return `"${token}" is not a number${rule.names ? ` or a name (${rule.names[0]}-${rule.names[rule.names.length - 1]})` : ''}`;
  }
  if (n < rule.min || n > rule.max) return `${token} is outside ${rule.min}-${rule.max}`;
  return undefined;
}

function checkItem(rule: FieldRule, item: string): string | undefined {
  if (item === '*') return undefined;
  if (item.includes('/')) {
    if (!rule.special.slash) return `/ (increments) is not allowed in ${rule.name}`;
    const [start, step, ...rest] = item.split('/');
    if (rest.length > 0 || !start || !step) return `"${item}" is not start/increment`;
    if (!/^\d+$/.test(step) || Number(step) < 1) return `the increment "${step}" is not a positive whole number`;
    if (start === '*') return undefined;
    return start.includes('-') ? checkRange(rule, start) : inRange(rule, start);
  }
  if (item === 'L') return rule.special.L ? undefined : `L (last) is allowed only in day-of-month and day-of-week`;
  if (item.endsWith('W') && rule.name === 'day-of-month') {
    if (item === 'LW') return 'LW is not supported by the Scheduler; use L (last day) or a day such as 30W';
    return inRange(rule, item.slice(0, -1)) ?? undefined;
  }
  if (item.includes('W')) return 'W (nearest weekday) is allowed only in day-of-month, after a day: 15W';
  if (item.includes('#')) {
    if (!rule.special.hash) return '# (nth weekday of the month) is allowed only in day-of-week';
    const [day, nth, ...rest] = item.split('#');
    if (rest.length > 0 || !day || !nth) return `"${item}" is not weekday#n, e.g. 2#1 (the first Monday)`;
    if (!/^[1-5]$/.test(nth)) return `#${nth}: a month has at most five of each weekday (1-5)`;
    return inRange(rule, day);
  }
  if (item.endsWith('L') && item.length > 1) {
    if (rule.name !== 'day-of-week') return `${item}: nL (the last given weekday) is allowed only in day-of-week`;
    return inRange(rule, item.slice(0, -1));
  }
  if (item.includes('-')) return checkRange(rule, item);
  return inRange(rule, item);
}

function checkRange(rule: FieldRule, item: string): string | undefined {
  const [a, b, ...rest] = item.split('-');
  if (rest.length > 0 || !a || !b) return `"${item}" is not a range from-to`;
  const bad = inRange(rule, a) ?? inRange(rule, b);
  if (bad) return bad;
  // crontab, systemd and the next-run estimate read a range low to high; one that wraps is two ranges.
  if (number(rule, a)! > number(rule, b)!)
    return `the range ${item} runs backwards (write it as two ranges, e.g. ${a}-${rule.names?.[rule.max - 1] ?? rule.max},${rule.names?.[0] ?? rule.min}-${b})`;
  return undefined;
}
