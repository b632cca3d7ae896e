import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/lib/errors.js';
import { daysInMonth, floorHour, isLeapYear, monthWindow, parseMonth } from '../../../src/lib/freetier/month.js';

const NOW = new Date('2025-01-16T12:30:00Z');

describe('month arithmetic', () => {
  it.each([
    [2024, true],
    [2025, false],
    [2000, true],
    [2100, false],
  ])('knows whether %i is a leap year', (year, leap) => {
    expect(isLeapYear(year)).toBe(leap);
  });

  it.each([
    [2024, 1, 29],
    [2025, 1, 28],
    [2000, 1, 29],
    [2100, 1, 28],
    [2025, 0, 31],
    [2025, 3, 30],
    [2025, 11, 31],
  ])('%i-%i has %i days', (year, monthIndex, days) => {
    expect(daysInMonth(year, monthIndex)).toBe(days);
  });

  it('covers the current month up to now', () => {
    // GIVEN the clock at 2025-01-16 12:30 UTC WHEN the window of the current month is asked
    const w = monthWindow(undefined, NOW);

    // THEN it runs from Jan 1 to Feb 1, 15.5 days in, not complete
    expect(w).toEqual({
      month: '2025-01',
      start: new Date('2025-01-01T00:00:00Z'),
      end: new Date('2025-02-01T00:00:00Z'),
      days: 31,
      hours: 744,
      asOf: NOW,
      elapsedHours: 372.5,
      remainingHours: 371.5,
      complete: false,
    });
  });

  it('treats a past month as complete: data up to its end, nothing remaining', () => {
    // GIVEN a leap-year February asked for a year later
    const w = monthWindow('2024-02', NOW);

    // THEN it is 29 days, 696 hours, and complete
    expect(w).toMatchObject({ month: '2024-02', days: 29, hours: 696, elapsedHours: 696, remainingHours: 0, complete: true });
    expect(w.start.toISOString()).toBe('2024-02-01T00:00:00.000Z');
    expect(w.end.toISOString()).toBe('2024-03-01T00:00:00.000Z');
    expect(w.asOf).toEqual(w.end);
  });

  it('rolls December over into January of the next year', () => {
    const w = monthWindow('2024-12', NOW);
    expect(w.end.toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(w.hours).toBe(744);
  });

  it('starts a month at the first instant in UTC: one second after midnight is in the new month', () => {
    // GIVEN the clock one second into February
    const w = monthWindow(undefined, new Date('2025-02-01T00:00:01Z'));
    // THEN it is February, with one second elapsed of 672 hours
    expect(w.month).toBe('2025-02');
    expect(w.hours).toBe(672);
    expect(w.elapsedHours).toBeCloseTo(1 / 3600, 10);
  });

  it.each(['2025-1', '2025-13', '2025-00', '25-01', 'January', '2025-01-01', ''])('rejects a malformed --month %j with exit 2', (text) => {
    // WHEN parsed THEN a UsageError names the expected shape
    expect(() => parseMonth(text, NOW)).toThrow(UsageError);
    expect(() => parseMonth(text, NOW)).toThrow(/expects a month as YYYY-MM/);
  });

  it('rejects a month in the future, accepts the current one', () => {
    expect(() => parseMonth('2025-02', NOW)).toThrow(/2025-02 is in the future \(this month is 2025-01\)/);
    expect(parseMonth('2025-01', NOW)).toEqual({ year: 2025, monthIndex: 0 });
  });

  it('floors a time to its UTC hour', () => {
    expect(floorHour(new Date('2025-01-16T12:59:59.999Z')).toISOString()).toBe('2025-01-16T12:00:00.000Z');
  });
});
