import { describe, expect, it } from 'vitest';
import { validateIdentifier } from '../../../src/lib/instances/instances.js';
import { expiresAt, isoSeconds, restoreTestTags, temporaryInstanceId } from '../../../src/lib/restore/naming.js';

describe('temporaryInstanceId', () => {
  it('is <db>-rt-<run-id>', () => {
    expect(temporaryInstanceId('recipe-db-primary', 'm3x9k1a2b')).toBe('recipe-db-primary-rt-m3x9k1a2b');
  });

  it('cuts the db part (never the run id) to stay within 63 characters, and leaves no hyphen at the cut', () => {
    // GIVEN a 63-character source id whose cut falls right after a hyphen
    const source = `${'a'.repeat(49)}-${'b'.repeat(13)}`;
    const id = temporaryInstanceId(source, 'm3x9k1a2b');
    expect(id).toBe(`${'a'.repeat(49)}-rt-m3x9k1a2b`);
    expect(id.length).toBeLessThanOrEqual(63);
    expect(() => validateIdentifier(id)).not.toThrow();
  });

  it('is a valid RDS identifier for any valid source id', () => {
    for (const source of ['a', 'db-1', 'A'.repeat(63), `x${'-y'.repeat(31)}`]) {
      const id = temporaryInstanceId(source, 'abcde1234');
      expect(id.length, id).toBeLessThanOrEqual(63);
      expect(() => validateIdentifier(id), id).not.toThrow();
      expect(id.endsWith('-rt-abcde1234')).toBe(true);
    }
  });
});

describe('restoreTestTags', () => {
  it('tags managed, run, purpose, expiry and source (and the snapshot when there is one)', () => {
    const at = expiresAt(new Date('2026-05-01T09:00:00.500Z'), 6);
    expect(
      restoreTestTags({ runId: 'r1', sourceInstanceId: 'prod-db', snapshotId: 'rds:prod-db-2026-05-01-03-10', expiresAt: at }),
    ).toEqual({
      'dbops:managed': 'true',
      'dbops:run-id': 'r1',
      'dbops:purpose': 'restore-test',
      'dbops:expires-at': '2026-05-01T15:00:00Z',
      'dbops:source-instance': 'prod-db',
      'dbops:source-snapshot': 'rds:prod-db-2026-05-01-03-10',
    });
    expect(Object.keys(restoreTestTags({ runId: 'r1', sourceInstanceId: 'prod-db', expiresAt: at }))).not.toContain(
      'dbops:source-snapshot',
    );
  });

  it('writes times to the second', () => {
    expect(isoSeconds(new Date('2026-05-01T09:00:00.123Z'))).toBe('2026-05-01T09:00:00Z');
    expect(expiresAt(new Date('2026-05-01T09:00:00Z'), 1.5).toISOString()).toBe('2026-05-01T10:30:00.000Z');
  });
});
