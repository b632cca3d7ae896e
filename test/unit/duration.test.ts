import { describe, expect, it } from 'vitest';
import { describeDuration, parseDuration, pgDuration } from '../../src/lib/duration.js';

describe('parseDuration', () => {
  it('reads the units PostgreSQL settings use; a bare number is milliseconds', () => {
    expect(['10s', '500ms', '2min', '1m', '1h', '0', '250', '1.5s'].map((t) => parseDuration(t, '--lock-timeout'))).toEqual([
      10_000, 500, 120_000, 60_000, 3_600_000, 0, 250, 1500,
    ]);
  });

  it('refuses what it cannot read, and what PostgreSQL cannot hold (exit 2)', () => {
    expect(() => parseDuration('ten seconds', '--lock-timeout')).toThrow(
      '--lock-timeout expects a duration such as 10s, 500ms or 2min, got "ten seconds".',
    );
    expect(() => parseDuration('-1s', '--statement-timeout')).toThrow(/expects a duration/);
    expect(() => parseDuration('1000h', '--statement-timeout')).toThrow('--statement-timeout is too long: 1000h.');
  });

  it('reads units in any case, and refuses zero where a positive duration is needed', () => {
    expect(parseDuration('3S', '--max-p95', { positive: true })).toBe(3000);
    expect(parseDuration('0', '--lock-timeout')).toBe(0);
    expect(() => parseDuration('0ms', '--max-p95', { positive: true })).toThrow('--max-p95 must be more than zero, got "0ms".');
  });
});

describe('pgDuration and describeDuration', () => {
  it('write SET values and human text', () => {
    expect([pgDuration(0), pgDuration(10_000)]).toEqual(['0', '10000ms']);
    expect([describeDuration(0), describeDuration(10_000), describeDuration(120_000), describeDuration(1500)]).toEqual([
      '0 (none)',
      '10s',
      '2min',
      '1500ms',
    ]);
  });
});
