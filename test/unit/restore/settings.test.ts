import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/lib/errors.js';
import { parseExpiresIn, parsePointInTime, resolveRequest, SHIPPED_CHECKS_DIR } from '../../../src/lib/restore/settings.js';
import { config } from './_context.js';

/** [class, message] of what fn throws. */
function thrown(fn: () => unknown): [unknown, string] {
  try {
    fn();
  } catch (e) {
    return [(e as object).constructor, (e as Error).message];
  }
  throw new Error('expected a throw');
}

const NOW = new Date('2026-05-01T12:00:00Z');

describe('resolveRequest', () => {
  it('takes the config and the seeds defaults when no flag is given', () => {
    expect(resolveRequest(config(), {}, NOW)).toEqual({
      sourceId: 'recipe-db-primary',
      backup: { kind: 'newest-snapshot' },
      instanceClass: 'db.t3.micro',
      expiresAfterHours: 6,
      concurrency: 2,
      keep: false,
      metricsNamespace: 'dbops',
      rtoHours: 4,
      rpoHours: 24,
      countTolerance: { percent: 5, rows: 100 },
      heapallindexed: true,
      performance: { maxSlowdown: 3, slackMs: 50, runs: 3, statementTimeoutMs: 30_000 },
      queriesDir: SHIPPED_CHECKS_DIR,
      configQueries: [],
    });
  });

  it('lets flags win', () => {
    const r = resolveRequest(
      config(),
      {
        instanceId: 'db2',
        snapshotId: 's1',
        instanceClass: 'db.t3.small',
        concurrency: 4,
        keep: true,
        expiresIn: '90m',
        connectHost: '127.0.0.1:15432',
        reportFile: 'rt.md',
      },
      NOW,
    );
    expect([r.sourceId, r.backup, r.instanceClass, r.concurrency, r.keep, r.expiresAfterHours, r.connectHost, r.reportFile]).toEqual([
      'db2',
      { kind: 'snapshot', snapshotId: 's1' },
      'db.t3.small',
      4,
      true,
      1.5,
      { host: '127.0.0.1', port: 15432 },
      'rt.md',
    ]);
  });

  it('--source-connect-host tunnels the source on its own; a bad one is named in the error', () => {
    const r = resolveRequest(config(), { connectHost: '127.0.0.1:15432', sourceConnectHost: '[::1]:15433' }, NOW);
    expect([r.connectHost, r.sourceConnectHost]).toEqual([
      { host: '127.0.0.1', port: 15432 },
      { host: '::1', port: 15433 },
    ]);
    expect(resolveRequest(config(), {}, NOW).sourceConnectHost).toBeUndefined();
    expect(() => resolveRequest(config(), { sourceConnectHost: 'db:99999' }, NOW)).toThrow(
      '--source-connect-host expects host or host:port, got "db:99999".',
    );
  });

  it('reads the optional restoreTest keys when the config has them, relative to the config file', () => {
    const cfg = config({ restoreTest: { countTolerancePercent: 1, performance: { maxSlowdown: 5, queriesDir: 'checks' } } as never });
    const r = resolveRequest(cfg, {}, NOW, '/etc/dbops/dbops.config.yaml');
    expect([r.countTolerance, r.performance.maxSlowdown, r.performance.runs, r.queriesDir]).toEqual([
      { percent: 1, rows: 100 },
      5,
      3,
      '/etc/dbops/checks',
    ]);
  });

  it.each([
    [{ snapshotId: 'a', latestRestorable: true }, '--snapshot, --point-in-time and --latest-restorable exclude each other.'],
    [
      { pointInTime: '2026-05-01T09:00:00Z', latestRestorable: true },
      '--snapshot, --point-in-time and --latest-restorable exclude each other.',
    ],
    [{ concurrency: 0 }, '--concurrency expects a whole number from 1 to 64, got 0.'],
    [{ instanceClass: 't3.micro' }, '--instance-class expects a class such as db.t3.small, got "t3.micro".'],
    [{ expiresIn: '9d' }, '--expires-in expects a duration up to 7 days such as 6h, 90m or 2d, got "9d".'],
  ])('refuses %j', (input, message) => {
    expect(thrown(() => resolveRequest(config(), input, NOW))).toEqual([UsageError, message]);
  });
});

describe('parseExpiresIn', () => {
  it.each([
    ['6h', 6],
    ['90m', 1.5],
    ['2d', 48],
    ['4', 4],
  ])('%s -> %d hours', (text, hours) => {
    expect(parseExpiresIn(text)).toBe(hours);
  });
});

describe('parsePointInTime', () => {
  it('needs a zone, and a past time', () => {
    expect(parsePointInTime('2026-05-01T09:30:00+02:00', NOW).toISOString()).toBe('2026-05-01T07:30:00.000Z');
    expect(() => parsePointInTime('2026-05-01T09:30:00', NOW)).toThrow(
      '--point-in-time expects an ISO 8601 time with a zone, got "2026-05-01T09:30:00".',
    );
    expect(() => parsePointInTime('2026-05-02T00:00:00Z', NOW)).toThrow('--point-in-time 2026-05-02T00:00:00.000Z is in the future.');
  });
});
