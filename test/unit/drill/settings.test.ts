/**
 * The drill's request (pure): scenario, DR region, T0, participants, the objectives.
 */
import { describe, expect, it } from 'vitest';
import { resolveDrill } from '../../../src/lib/drill/settings.js';
import { UsageError } from '../../../src/lib/errors.js';
import { config } from '../restore/_context.js';

const NOW = new Date('2026-05-01T12:00:00Z');

function refusal(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (e) {
    if (e instanceof UsageError) return e;
    throw e;
  }
  throw new Error('expected a UsageError');
}

describe('resolveDrill', () => {
  it('defaults: region scenario, recovery in the DR region, T0 = now, the config objectives', () => {
    const r = resolveDrill(config({ database: { identifier: 'prod-db' } }), { participants: [' Ada ', ''] }, NOW);
    expect(r).toMatchObject({
      scenario: 'region',
      sourceId: 'prod-db',
      primaryRegion: 'us-east-2',
      recoveryRegion: 'us-west-2',
      drRegion: 'us-west-2',
      t0: NOW,
      detected: false,
      participants: ['Ada'],
      rtoHours: 4,
      rpoHours: 24,
      drSecurityGroupIds: [],
    });
  });

  it('instance and replica recover in the primary region; --detected-at sets T0', () => {
    const r = resolveDrill(config(), { scenario: 'instance', detectedAt: '2026-05-01T09:30:00+02:00' }, NOW);
    expect([r.recoveryRegion, r.t0.toISOString(), r.detected]).toEqual(['us-east-2', '2026-05-01T07:30:00.000Z', true]);
    expect(
      resolveDrill(
        config({
          snapshots: { crossRegion: { enabled: false, region: 'us-west-2', retentionWeeks: 2, replicateAutomatedBackups: false } },
        }),
        { scenario: 'replica' },
        NOW,
      ).recoveryRegion,
    ).toBe('us-east-2');
  });

  it('refuses bad input with one sentence and a hint', () => {
    expect(refusal(() => resolveDrill(config(), { scenario: 'moon' }, NOW)).message).toBe('Unknown scenario "moon".');
    expect(
      refusal(() =>
        resolveDrill(
          config({
            snapshots: { crossRegion: { enabled: true, region: 'us-east-2', retentionWeeks: 2, replicateAutomatedBackups: false } },
          }),
          {},
          NOW,
        ),
      ).message,
    ).toBe('The DR region us-east-2 is the primary region: a regional disaster would take both.');
    expect(
      refusal(() =>
        resolveDrill(
          config({
            snapshots: { crossRegion: { enabled: false, region: 'us-west-2', retentionWeeks: 2, replicateAutomatedBackups: false } },
          }),
          {},
          NOW,
        ),
      ).message,
    ).toMatch(/^No DR region is configured/);
    expect(refusal(() => resolveDrill(config(), { detectedAt: 'yesterday' }, NOW)).message).toBe(
      '--detected-at expects an ISO 8601 time with a zone, got "yesterday".',
    );
    expect(refusal(() => resolveDrill(config(), { detectedAt: '2026-05-01T12:00:01Z' }, NOW)).message).toBe(
      '--detected-at 2026-05-01T12:00:01.000Z is in the future.',
    );
    expect(refusal(() => resolveDrill(config({ recovery: { rtoHours: 0 } }), {}, NOW)).message).toBe(
      'recovery.rtoHours must be a positive number of hours, got 0.',
    );
    expect(refusal(() => resolveDrill(config({ recovery: { rpoHours: -1 } }), {}, NOW)).message).toBe(
      'recovery.rpoHours must be a positive number of hours, got -1.',
    );
  });
});
