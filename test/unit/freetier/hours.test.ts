import { describe, expect, it } from 'vitest';
import { hoursExisted, hoursUsed, isRunningNow, peakConcurrency, ranOutAt } from '../../../src/lib/freetier/hours.js';
import { monthWindow } from '../../../src/lib/freetier/month.js';
import { offerStatus, projectCumulative } from '../../../src/lib/freetier/projection.js';

/** One datapoint per hour from `from` (inclusive) to `to` (exclusive). */
function hourly(from: string, to: string): Date[] {
  const out: Date[] = [];
  for (let t = Date.parse(from); t < Date.parse(to); t += 3_600_000) out.push(new Date(t));
  return out;
}

describe('instance hours from hourly datapoints', () => {
  it('counts a 31-day month of two instances as 1488 hours that ran out on day 16', () => {
    // GIVEN January 2025 is over, and two instances reported every hour of it
    const w = monthWindow('2025-01', new Date('2025-03-01T00:00:00Z'));
    const a = hourly('2025-01-01T00:00:00Z', '2025-02-01T00:00:00Z');
    const b = hourly('2025-01-01T00:00:00Z', '2025-02-01T00:00:00Z');

    // WHEN the hours are summed
    const used = hoursUsed(a, w) + hoursUsed(b, w);

    // THEN 2 x 744 h; two at once crossed 750 h after 375 hours: Jan 16, 15:00 UTC
    expect(used).toBe(1488);
    expect(peakConcurrency([a, b], w)).toBe(2);
    expect(ranOutAt([a, b], 750, w)?.toISOString()).toBe('2025-01-16T15:00:00.000Z');
    // AND a past month's forecast is what was used, and it is over
    const p = projectCumulative({ used, limit: 750, ratePerHour: 2, window: w, ranOutAt: ranOutAt([a, b], 750, w)! });
    expect(p).toMatchObject({ used: 1488, forecast: 1488, percent: 198.4, ratePerHour: 0 });
    expect(p.runOut?.toISOString()).toBe('2025-01-16T15:00:00.000Z');
    expect(offerStatus(p, 93)).toBe('over');
  });

  it('counts an instance created and deleted mid-month only for the hours it reported', () => {
    // GIVEN a restore-test instance that ran from Jan 10 09:20 to Jan 10 12:40
    const w = monthWindow('2025-01', new Date('2025-01-20T00:00:00Z'));
    const points = [
      new Date('2025-01-10T09:00:00Z'),
      new Date('2025-01-10T10:00:00Z'),
      new Date('2025-01-10T11:00:00Z'),
      new Date('2025-01-10T12:00:00Z'),
    ];

    // THEN four hours (a partial hour counts whole: the safe side), not running now
    expect(hoursUsed(points, w)).toBe(4);
    expect(isRunningNow(points, w)).toBe(false);
  });

  it('counts nothing for a stopped instance (no datapoints)', () => {
    const w = monthWindow('2025-01', new Date('2025-01-20T00:00:00Z'));
    expect(hoursUsed([], w)).toBe(0);
    expect(isRunningNow([], w)).toBe(false);
  });

  it('counts an hour once however many datapoints it has, and ignores points outside the window', () => {
    // GIVEN two datapoints in one hour, one in December and one after asOf
    const w = monthWindow('2025-01', new Date('2025-01-02T00:30:00Z'));
    const points = [
      new Date('2025-01-01T05:00:00Z'),
      new Date('2025-01-01T05:30:00Z'),
      new Date('2024-12-31T23:00:00Z'),
      new Date('2025-01-02T01:00:00Z'),
    ];
    // THEN one hour
    expect(hoursUsed(points, w)).toBe(1);
  });

  it('sees an instance as running when it reported in the current or previous hour', () => {
    // GIVEN now is 10:05 and the last point is the 09:00 hour (CloudWatch lags)
    const w = monthWindow(undefined, new Date('2025-01-10T10:05:00Z'));
    expect(isRunningNow([new Date('2025-01-10T09:00:00Z')], w)).toBe(true);
    expect(isRunningNow([new Date('2025-01-10T08:00:00Z')], w)).toBe(false);
  });

  it('measures how long a resource existed this month, from creation or the month start', () => {
    const w = monthWindow(undefined, new Date('2025-01-11T00:00:00Z'));
    expect(hoursExisted(undefined, w)).toBe(240);
    expect(hoursExisted(new Date('2024-06-01T00:00:00Z'), w)).toBe(240);
    expect(hoursExisted(new Date('2025-01-10T12:00:00Z'), w)).toBe(12);
    expect(hoursExisted(new Date('2025-02-10T12:00:00Z'), w)).toBe(0);
  });
});

describe('forecast and status', () => {
  const w = monthWindow(undefined, new Date('2025-01-11T00:00:00Z')); // 240 h in, 504 h left

  it('forecasts a single instance to 744 h in a 31-day month: ok, nothing runs out', () => {
    const p = projectCumulative({ used: 240, limit: 750, ratePerHour: 1, window: w });
    expect(p).toEqual({ used: 240, limit: 750, percent: 32, forecast: 744, forecastPercent: 99.2, ratePerHour: 1 });
    expect(offerStatus(p, 93)).toBe('ok');
  });

  it('forecasts two instances past the limit and names the moment the hours run out', () => {
    // GIVEN 480 h used with two instances running now
    const p = projectCumulative({ used: 480, limit: 750, ratePerHour: 2, window: w });
    // THEN 480 + 2 x 504 = 1488; the remaining 270 h last 135 h: Jan 16 15:00
    expect(p.forecast).toBe(1488);
    expect(p.runOut?.toISOString()).toBe('2025-01-16T15:00:00.000Z');
    expect(offerStatus(p, 93)).toBe('warning');
  });

  it('warns from the configured share of the limit even when the forecast fits', () => {
    // GIVEN the 30th of a 31-day month with one instance all month: 696 h, 92.8 %; then 697.5 h
    expect(offerStatus({ used: 696, limit: 750, percent: 92.8, forecast: 744 }, 93)).toBe('ok');
    expect(offerStatus({ used: 697.5, limit: 750, percent: 93, forecast: 744 }, 93)).toBe('warning');
  });

  it('is over only past the limit, not at it', () => {
    expect(offerStatus({ used: 750, limit: 750, percent: 100, forecast: 750 }, 100)).toBe('warning');
    expect(offerStatus({ used: 750.5, limit: 750, percent: 100.07, forecast: 751 }, 100)).toBe('over');
  });

  it('leaves the run-out day empty when the forecast stays under the limit', () => {
    const p = projectCumulative({ used: 10, limit: 1_000_000, ratePerHour: 10 / 240, window: w });
    expect(p.runOut).toBeUndefined();
  });
});
