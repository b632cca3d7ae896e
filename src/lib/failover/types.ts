/**
 * What switchover and failover decide and report. The result is one typed document:
 * rendered for humans, printed as --json, written as Markdown with --report, and
 * summarised in the history `dbops replica status --history` shows.
 */
import type { FenceRecord, FollowResult, Topology, WalLoss } from '../providers/failover-types.js';
import type { RunReport } from '../runbook/runner.js';

/** One pre-check: what was measured, against what limit, and what to do when it fails. */
export interface PreCheck {
  id: string;
  title: string;
  status: 'pass' | 'warn' | 'fail';
  /** The measured value, e.g. "streaming", "1.2 MB (0.4 s)". */
  value: string;
  /** The limit it was held to, e.g. "≤ 16 MB". */
  limit?: string;
  /** What to do when it fails or warns. */
  remedy?: string;
}

/** A maximum replication lag: bytes of WAL, or seconds behind. */
export type MaxLag = { kind: 'bytes'; bytes: number } | { kind: 'seconds'; seconds: number };

/** What the write probe saw through the application's address. */
export interface ProbeFigures {
  /** Where it wrote: "pgbouncer fo-db-pool 127.0.0.1:6432" or the primary's endpoint. */
  address: string;
  intervalMs: number;
  attempts: number;
  acked: number;
  clientErrors: number;
  /** First few distinct error messages. */
  errorSamples: string[];
  /** Longest time between two acknowledged writes: the write downtime the application saw. */
  longestGapMs: number;
  /** Acknowledged writes missing on the new primary. */
  lostAcked: number;
  /** Their sequence numbers (at most 20). */
  lostSample: number[];
}

export type Operation = 'switchover' | 'failover';

export type Outcome = 'switched' | 'rolled-back' | 'refused' | 'dry-run' | 'failed' | 'interrupted';

export interface StepTiming {
  id: string;
  title: string;
  status: string;
  durationMs?: number;
  detail?: string;
}

export interface FailoverResult {
  operation: Operation;
  runId: string;
  provider: 'aws' | 'local';
  region: string;
  outcome: Outcome;
  /** One sentence: what happened. */
  summary: string;
  oldPrimaryId: string;
  candidateId?: string;
  startedAt: string;
  finishedAt: string;
  checks: PreCheck[];
  /** The plan, one line per step (dry run and report). */
  plan: string[];
  /** Write pause from stopping writes to the connection layer pointing at the new primary, ms. */
  writePauseMs?: number;
  rollback?: { reason: string; actions: string[] };
  before?: Topology;
  after?: Topology;
  follow?: FollowResult;
  fence?: FenceRecord;
  loss?: WalLoss;
  probe?: ProbeFigures;
  /** Without a connection layer: the new endpoint and what to change. */
  endpointChange?: { from: string; to: string; advice: string };
  report: RunReport;
  reportFile?: string;
}

/** One line of `dbops replica status --history`. */
export interface HistoryRecord {
  runId: string;
  operation: Operation;
  provider: 'aws' | 'local';
  region: string;
  oldPrimaryId: string;
  candidateId?: string;
  outcome: Outcome;
  startedAt: string;
  finishedAt: string;
  writePauseMs?: number;
  probeGapMs?: number;
  clientErrors?: number;
  lostAcked?: number;
  lossBytes?: number;
  lossTransactions?: number;
  /** AWS: ReplicaLag (seconds) of the promoted replica, the bound of the loss. */
  lossSeconds?: number;
  failedChecks: string[];
}
