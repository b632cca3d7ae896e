/**
 * The drill's request: flags over config, every value checked before anything is touched.
 * Pure functions.
 */
import type { DbopsConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { checkDrRegion, checkRegion } from '../snapshots/checks.js';
import { resolveRequest, type RestoreTestRequest } from '../restore/settings.js';

export const SCENARIOS = ['region', 'instance', 'replica'] as const;
/** region: the primary region is lost · instance: the instance is lost · replica: the primary fails, the replica takes over. */
export type Scenario = (typeof SCENARIOS)[number];

/** What the command passes in. */
export interface DrillInput {
  scenario?: string;
  instanceId?: string;
  /** --detected-at: T0, an ISO 8601 time with a zone (default: the drill's start). */
  detectedAt?: string;
  participants?: string[];
  interactive?: boolean;
  keep?: boolean;
  reportFile?: string;
}

/** The validated request. */
export interface DrillRequest {
  scenario: Scenario;
  sourceId: string;
  primaryRegion: string;
  /** Where the recovery is made: the DR region (region scenario) or the primary region. */
  recoveryRegion: string;
  /** The DR region (snapshots.crossRegion.region), when configured. */
  drRegion?: string;
  t0: Date;
  /** T0 was given (--detected-at), not the drill's start. */
  detected: boolean;
  participants: string[];
  interactive: boolean;
  keep: boolean;
  reportFile?: string;
  rtoHours: number;
  rpoHours: number;
  /** The recovery's network in the DR region (region scenario). */
  drSubnetGroup?: string;
  drSecurityGroupIds: string[];
  /** The restore-test settings the checks use (thresholds, queries, instance class, expiry). */
  checks: RestoreTestRequest;
}

export function isScenario(s: string): s is Scenario {
  return (SCENARIOS as readonly string[]).includes(s);
}

/** --detected-at: an ISO 8601 time with a zone, not in the future. */
export function parseDetectedAt(text: string, now: Date): Date {
  const zoned = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(text.trim());
  const t = new Date(text.trim());
  if (!zoned || Number.isNaN(t.getTime())) {
    throw new UsageError(`--detected-at expects an ISO 8601 time with a zone, got "${text}".`, {
      hint: 'For example 2026-05-01T09:30:00Z: when the disaster was detected (T0). Without it, T0 is the start of the drill.',
    });
  }
  if (t.getTime() > now.getTime()) {
    throw new UsageError(`--detected-at ${t.toISOString()} is in the future.`, {
      hint: 'T0 is when the disaster was detected: now or earlier.',
    });
  }
  return t;
}

function checkTargets(config: DbopsConfig): void {
  const bad = (['rtoHours', 'rpoHours'] as const).filter((k) => !(config.recovery[k] > 0));
  if (bad.length > 0) {
    throw new UsageError(`recovery.${bad[0]} must be a positive number of hours, got ${config.recovery[bad[0]!]}.`, {
      hint: 'The objectives come from the business (seed 000: RTO 4 h, RPO 24 h); a drill measures against them.',
    });
  }
}

/** The DR region of a region drill: configured, known, not the primary region. */
function drRegionOf(config: DbopsConfig, scenario: Scenario): string | undefined {
  const cr = config.snapshots.crossRegion;
  if (!cr.enabled) {
    if (scenario !== 'region') return undefined;
    throw new UsageError('No DR region is configured (snapshots.crossRegion.enabled is false): a region drill has nowhere to recover.', {
      hint: 'Set snapshots.crossRegion.enabled: true and snapshots.crossRegion.region (e.g. us-west-2), copy a snapshot there (`dbops snapshot copy`), or run --scenario instance.',
    });
  }
  if (scenario === 'region' && cr.region === config.region) {
    throw new UsageError(`The DR region ${cr.region} is the primary region: a regional disaster would take both.`, {
      hint: 'Set snapshots.crossRegion.region to another region (seed 000: us-west-2).',
    });
  }
  if (scenario === 'region') checkDrRegion(config.region, cr.region);
  return cr.region;
}

/** Pure: flags over config. */
export function resolveDrill(config: DbopsConfig, input: DrillInput, now: Date, configFile?: string): DrillRequest {
  const scenarioText = input.scenario ?? 'region';
  if (!isScenario(scenarioText)) {
    throw new UsageError(`Unknown scenario "${scenarioText}".`, { hint: `Use --scenario ${SCENARIOS.join(', --scenario ')}.` });
  }
  const scenario = scenarioText;
  checkTargets(config);
  checkRegion(config.region);
  const drRegion = drRegionOf(config, scenario);
  const t0 = input.detectedAt !== undefined ? parseDetectedAt(input.detectedAt, now) : now;
  const participants = (input.participants ?? []).map((p) => p.trim()).filter((p) => p.length > 0);
  return {
    scenario,
    sourceId: input.instanceId ?? config.database.identifier,
    primaryRegion: config.region,
    recoveryRegion: scenario === 'region' ? drRegion! : config.region,
    ...(drRegion ? { drRegion } : {}),
    t0,
    detected: input.detectedAt !== undefined,
    participants,
    interactive: Boolean(input.interactive),
    keep: Boolean(input.keep),
    ...(input.reportFile !== undefined ? { reportFile: input.reportFile } : {}),
    rtoHours: config.recovery.rtoHours,
    rpoHours: config.recovery.rpoHours,
    ...(config.recovery.drSubnetGroup ? { drSubnetGroup: config.recovery.drSubnetGroup } : {}),
    drSecurityGroupIds: config.recovery.drSecurityGroupIds ?? [],
    checks: resolveRequest(config, { instanceId: input.instanceId, keep: input.keep }, now, configFile),
  };
}
