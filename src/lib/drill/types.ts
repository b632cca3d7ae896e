/**
 * The drill record: what `dbops dr-drill --json` prints, `--report` writes as Markdown,
 * the history keeps a line of, and `dbops dr-drill verify` checks. It is the audit
 * evidence: every step with its timing, every check with its evidence and that evidence's
 * sha256, RTO and RPO as numbers against the targets, and a sha256 of the whole record.
 */
import type { StepCheck } from '../restore/types.js';
import type { BackupChoice } from '../restore/backup.js';

/**
 * The backup a drill recovered from, where, and (region scenario) which source DR-2 chose:
 * the automated backups replicated into the DR region (minutes of loss) or the newest copy.
 */
export type DrillBackup = BackupChoice & { region: string; source?: 'replicated-automated-backups' | 'newest-copy' };
import type { ProviderName } from '../providers/types.js';
import type { CleanupResult } from '../runbook/runner.js';
import type { Scenario } from './settings.js';

/** passed: both objectives met, every check passed · failed: an objective missed or a check failed / could not be verified · error: could not run. */
export type DrillVerdict = 'passed' | 'failed' | 'error' | 'interrupted' | 'dry-run';

/** The record's kind marker: `verify` refuses a file without it. */
export const DRILL_RECORD_KIND = 'dbops-dr-drill-record';

/** How a manual step was closed on a game day. */
export type ManualOutcome = 'done' | 'failed' | 'skipped';

export interface DrillStep {
  id: string;
  title: string;
  status: 'ok' | 'failed' | 'skipped' | 'not-run' | 'interrupted' | 'not-exercised';
  manual: boolean;
  startedAt?: string;
  durationMs?: number;
  detail?: string;
  /** Manual steps on a game day: how the operator closed it, and their note. */
  outcome?: ManualOutcome;
  note?: string;
}

/** A phase of the recovery time (find the backup, restore, wait, start, verify, manual steps). */
export interface DrillPhase {
  name: 'detection' | 'find' | 'restore' | 'wait' | 'cluster' | 'writer' | 'start' | 'failover' | 'verify' | 'writes' | 'manual';
  steps: string[];
  seconds: number;
}

/** A check with the sha256 of its evidence (canonical JSON of id, step, status, summary, evidence, data). */
export type EvidencedCheck = StepCheck & { evidenceSha256: string };

/** Something the drill found, with where in the runbook and what to do. */
export interface Finding {
  kind: 'check-failed' | 'could-not-verify' | 'objective-missed' | 'no-dr-copy' | 'manual-step-failed' | 'could-not-run' | 'not-exercised';
  step: string;
  message: string;
  remedy: string;
}

export interface ComplianceItem {
  framework: 'SOC 2' | 'ISO/IEC 27001:2022';
  control: string;
  requirement: string;
  evidence: string;
}

export interface DrillRecord {
  kind: typeof DRILL_RECORD_KIND;
  version: 1;
  drillId: string;
  scenario: Scenario;
  verdict: DrillVerdict;
  dryRun: boolean;
  /** The disaster instant. */
  t0: string;
  t0Source: 'drill-start' | 'detected-at';
  startedAt: string;
  finishedAt: string;
  environment: {
    provider: ProviderName;
    /** The local provider: "local (this machine)"; AWS: the region pair (account not read). */
    account: string;
    primaryRegion: string;
    recoveryRegion: string;
    drRegion?: string;
    sourceInstanceId: string;
    sourceEngineVersion?: string;
    /** mysql sources (absent for PostgreSQL): the engine, and what stands in for it locally. */
    sourceEngine?: string;
    sourceEngineLabel?: string;
    backup?: DrillBackup;
    recoveryInstanceId?: string;
    recoveryEngineVersion?: string;
    /** The recovery server's product when it is not PostgreSQL: "MySQL", or "MariaDB" standing in for it locally. */
    recoveryProduct?: string;
    replicaInstanceId?: string;
  };
  participants: string[];
  runbook: { file: string; title: string; sha256: string };
  steps: DrillStep[];
  phases: DrillPhase[];
  checks: EvidencedCheck[];
  rto: {
    targetHours: number;
    /** T0 to accepting writes with every check passed (manual steps included when exercised). */
    seconds?: number;
    recoveredAt?: string;
    /** The recovery accepted writes and every check passed. */
    recovered: boolean;
    /** The time alone against the target (a recovery that failed a check fails the drill through its findings). */
    withinTarget?: boolean;
    covers: 'automated-and-manual' | 'automated-only';
  };
  rpo: {
    targetHours: number;
    /** T0 minus the newest committed data found in the recovery. */
    seconds?: number;
    newestData?: string;
    basis?: 'heartbeat' | 'commit-timestamp' | 'backup-time';
    withinTarget?: boolean;
  };
  manualSteps: 'exercised' | 'not-exercised';
  findings: Finding[];
  compliance: ComplianceItem[];
  recovery?: {
    /** The recovered instance (an Aurora source: the writer of the temporary cluster). */
    instanceId: string;
    /** An Aurora source: the temporary cluster (deleted after its writer). */
    clusterId?: string;
    region: string;
    expiresAt: string;
    created: boolean;
    deleted: boolean;
    kept: boolean;
    connectCommand?: string;
    removeCommand?: string;
  };
  failover?: { promoted: string; probeWrites?: number; probeLost?: number; unavailableSeconds?: number; productionUntouched: boolean };
  cleanup: CleanupResult[];
  error?: { code: string; message: string; hint?: string; step?: string };
  /** sha256 over the canonical JSON of the record without this field. */
  integrity: { algorithm: 'sha256'; recordSha256: string };
  /** Where it was written (not hashed: set after). */
  written?: { history?: string; report?: string; error?: string };
}
