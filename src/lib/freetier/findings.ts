/**
 * The kinds of threshold the free-tier report can find crossed, each with its section in
 * runbooks/free-tier.md (what it means, how to confirm it by hand, the fix). One finding
 * per crossed threshold; the coverage test checks both sides of the map.
 */
import { defineFindings } from '../runbook/findings.js';
import type { OfferId } from './offers.js';

export type FreeTierFindingKind = OfferId | 'budget' | 'credits-plan' | 'other-free-tier-offer';

export const FREE_TIER_FINDINGS = defineFindings<FreeTierFindingKind>('free-tier', {
  'rds-hours': 'FT-R1',
  'rds-storage': 'FT-R2',
  'rds-backup': 'FT-R3',
  'elasticache-hours': 'FT-R4',
  'lambda-requests': 'FT-R5',
  'lambda-gb-seconds': 'FT-R5',
  'cloudwatch-metrics': 'FT-R6',
  'cloudwatch-alarms': 'FT-R6',
  'cloudwatch-logs': 'FT-R6',
  budget: 'FT-R7',
  'credits-plan': 'FT-R8',
  'other-free-tier-offer': 'FT-R9',
});

/** One crossed threshold: what, in one line, and the section that says what to do. */
export interface FreeTierFinding {
  kind: FreeTierFindingKind;
  message: string;
  runbook: string;
}

export function freeTierFinding(kind: FreeTierFindingKind, message: string): FreeTierFinding {
  return { kind, message, runbook: FREE_TIER_FINDINGS.anchor(kind) };
}
