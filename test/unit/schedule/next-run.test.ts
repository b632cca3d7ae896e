import { describe, expect, it } from 'vitest';
import { nextRun } from '../../../src/lib/schedule/next-run.js';
import { executionStatus, failureOf } from '../../../src/lib/schedule/status.js';

const NOW = new Date('2026-12-02T10:00:00Z'); // a Wednesday

describe('nextRun', () => {
  it.each([
    ['cron(*/5 * * * ? *)', 'UTC', '2026-12-02T10:05:00.000Z'],
    ['cron(0 6 * * ? *)', 'Europe/Paris', '2026-12-03T05:00:00.000Z'],
    ['cron(0 3 ? * SUN *)', 'UTC', '2026-12-06T03:00:00.000Z'],
    ['cron(0 3 ? * 1 *)', 'America/New_York', '2026-12-06T08:00:00.000Z'],
    ['cron(0 4 1 * ? *)', 'UTC', '2027-01-01T04:00:00.000Z'],
    ['cron(0 5 1 1,4,7,10 ? *)', 'UTC', '2027-01-01T05:00:00.000Z'],
    ['cron(30 22 L * ? *)', 'UTC', '2026-12-31T22:30:00.000Z'],
    ['cron(0 9 ? * MON-FRI *)', 'Asia/Tokyo', '2026-12-03T00:00:00.000Z'],
    ['at(2027-02-01T12:00:00)', 'UTC', '2027-02-01T12:00:00.000Z'],
  ])('%s in %s fires next at %s', (expr, tz, want) => {
    expect(nextRun(expr, tz, NOW)?.toISOString()).toBe(want);
  });

  it.each(['rate(5 minutes)', 'cron(0 0 ? * 2#1 *)', 'cron(0 0 * * ? 2020)', 'at(2020-01-01T00:00:00)'])(
    '%s: no fixed next run',
    (expr) => {
      expect(nextRun(expr, 'UTC', NOW)).toBeUndefined();
    },
  );
});

describe('failureOf', () => {
  it('reads the database from the command of an ECS task a .sync failure describes, and the stop reason', () => {
    const cause = JSON.stringify({
      Overrides: { ContainerOverrides: [{ Name: 'dbops', Command: ['restore-test', '--json', '--database', 'orders-db'] }] },
      StoppedReason: 'Essential container in task exited',
      Containers: [{ ExitCode: 1 }],
    });
    expect(failureOf({ error: 'States.TaskFailed', cause })).toEqual({
      database: 'orders-db',
      error: 'Essential container in task exited',
    });
  });

  it('finds a runbook step id in a plain-text cause, and falls back to the error name', () => {
    expect(failureOf({ error: 'States.Timeout', cause: 'dbops stopped at RT-4 after 4h' })).toEqual({
      step: 'RT-4',
      error: 'dbops stopped at RT-4 after 4h',
    });
    expect(failureOf({ error: 'States.Timeout' })).toEqual({ error: 'States.Timeout' });
  });

  it('a succeeded execution has a duration and no failure fields', () => {
    expect(
      executionStatus({ name: 'x', status: 'SUCCEEDED', startDate: new Date(0), stopDate: new Date(90_000), output: '{"database":"a"}' }),
    ).toEqual({ name: 'x', verdict: 'ok', startedAt: '1970-01-01T00:00:00.000Z', durationSeconds: 90 });
  });
});
