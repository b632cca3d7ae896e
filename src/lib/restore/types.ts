/**
 * What `dbops restore-test` returns: the verdict, every check with its evidence, the
 * measured recovery time and data loss against their targets, what was created and
 * removed, and what was recorded (metrics, history, Markdown report).
 */
import type { CheckResult } from '../checks/types.js';
import type { MetricDatum, ProviderName, Tags } from '../providers/types.js';
import type { CleanupResult, RunReport } from '../runbook/runner.js';
import type { BackupChoice } from './backup.js';

/** passed / failed (checks), error (could not run: exit 3), interrupted (exit 130), dry-run. */
export type RestoreTestVerdict = 'passed' | 'failed' | 'error' | 'interrupted' | 'dry-run';

/** A check result with the runbook step it ran in. */
export type StepCheck = CheckResult & { step: string };

/** The instance a run creates, where it lives, and what became of it. */
export interface TemporaryInstance {
  /** The instance (for an Aurora source: the writer of the temporary cluster). */
  instanceId: string;
  /** An Aurora source: the temporary cluster the writer belongs to (deleted after it). */
  clusterId?: string;
  instanceClass: string;
  tags: Tags;
  /** ISO time after which `dbops gc` may remove it. */
  expiresAt: string;
  publiclyAccessible: false;
  subnetGroup?: string;
  securityGroups: string[];
  /** The source's DB parameter group, given to the copy (RDS, same region): the same server settings. */
  parameterGroup?: string;
  /** The create call returned. */
  created: boolean;
  /** Deleted by this run (RT-11 or the cleanup stack). */
  deleted: boolean;
  /** --keep: left in place. */
  kept: boolean;
  endpoint?: string;
  /** With --keep: how to reach it and remove it. */
  connectCommand?: string;
  removeCommand?: string;
}

/** What happened to each record of a run: metrics, history line, Markdown report. */
export interface RecordOutcome {
  metrics: { namespace: string; published: boolean; data: MetricDatum[]; error?: string };
  history: { file: string; appended: boolean; error?: string };
  reportFile?: { path: string; written: boolean; error?: string };
}

/** The result of one run: what --json prints, what the renderers show. */
export interface RestoreTestResult {
  runId: string;
  verdict: RestoreTestVerdict;
  dryRun: boolean;
  provider: ProviderName;
  region: string;
  startedAt: string;
  finishedAt: string;
  /** The source asked for (--instance or database.identifier), even when it does not exist. */
  requestedSourceId: string;
  source?: {
    instanceId: string;
    engineVersion: string;
    instanceClass: string;
    /** postgres | mysql (absent in records written before MySQL). */
    engine?: string;
    /** What really runs, when it stands in for the engine (local mysql: MariaDB 10.11 standing in for MySQL 8.0). */
    engineLabel?: string;
  };
  backup?: BackupChoice;
  temporary?: TemporaryInstance;
  /**
   * Seconds: the restore (RT-2 + RT-3; an Aurora source RT-13 + RT-14), the checks
   * (RT-4 .. RT-10), the whole run; an Aurora source also the restore's two phases: the
   * cluster (RT-13) and its writer (RT-14).
   */
  timing: { restoreSeconds?: number; clusterSeconds?: number; writerSeconds?: number; checksSeconds?: number; totalSeconds: number };
  rto: { targetHours: number; restoreSeconds?: number; withinTarget?: boolean };
  rpo: { targetHours: number; measured: boolean; dataLossSeconds?: number; withinTarget?: boolean };
  checks: StepCheck[];
  failedChecks: string[];
  /** Why the test could not run or finish (verdict error / interrupted). */
  error?: { code: string; message: string; hint?: string; step?: string };
  cleanup: CleanupResult[];
  recorded?: RecordOutcome;
  report: RunReport;
}
