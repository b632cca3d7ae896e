/**
 * Durations on the command line and in the config (`--lock-timeout 10s`,
 * `--statement-timeout 0`, `--max-p95 3s`), in the units PostgreSQL accepts for
 * lock_timeout and statement_timeout. One parser for every command. Pure functions.
 */
import { UsageError } from './errors.js';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
};

/**
 * "10s" → 10000, "500ms" → 500, "2min" → 120000, "0" → 0 (no timeout, as in PostgreSQL).
 * A bare number is milliseconds, as PostgreSQL reads lock_timeout = 500.
 */
export function parseDuration(text: string, flag: string, opts: { positive?: boolean } = {}): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h)?\s*$/i.exec(text);
  if (!m) {
    throw new UsageError(`${flag} expects a duration such as 10s, 500ms or 2min, got "${text}".`, {
      hint: 'Units: ms, s, min, h; 0 means no timeout.',
    });
  }
  // Not rounded: a latency limit may be below a millisecond; pgDuration rounds for SET.
  const ms = Number(m[1]) * UNIT_MS[(m[2] ?? 'ms').toLowerCase()]!;
  if (opts.positive && ms <= 0) throw new UsageError(`${flag} must be more than zero, got "${text}".`);
  if (!Number.isFinite(ms) || ms > 2_147_483_647) {
    throw new UsageError(`${flag} is too long: ${text}.`, { hint: 'PostgreSQL accepts at most about 24 days (2147483647ms).' });
  }
  return ms;
}

/**
 * A duration the config schema has validated: text as written ("10s"), or a bare number
 * of milliseconds (YAML and env read `500` as a number; a flag parsed at the edge gives one).
 */
export function configDurationMs(value: string | number, key: string): number {
  return typeof value === 'number' ? value : parseDuration(value, key);
}

/** The value for SET lock_timeout / statement_timeout: "10000ms", or "0" for none. */
export function pgDuration(ms: number): string {
  const whole = ms === 0 ? 0 : Math.max(1, Math.round(ms));
  return whole === 0 ? '0' : `${whole}ms`;
}

/** Human form for messages: "10s", "500ms", "0 (none)". */
export function describeDuration(ms: number): string {
  if (ms === 0) return '0 (none)';
  if (ms % 60_000 === 0) return `${ms / 60_000}min`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
