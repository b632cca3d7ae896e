/**
 * The drill record from what the run learned: steps with timings, the RTO broken into
 * phases, the RPO with what it was measured from, findings with their runbook step and
 * remedy, the verdict, and the seal (sha256 of each check's evidence and of the whole).
 * Pure: the same run, the same record.
 */
import type { FreshnessData } from '../checks/freshness.js';
import { Interrupted, isDbopsError, messageOf } from '../errors.js';
import type { ProviderName } from '../providers/types.js';
import { backupTime } from '../restore/backup.js';
import type { RunReport } from '../runbook/runner.js';
import type { DrillFacts } from './drill.js';
import { complianceMapping, seal, withEvidenceHash } from './evidence.js';
import { DR_DRILL, MANUAL_STEPS } from './runbook.js';
import type { DrillRequest } from './settings.js';
import type { DrillPhase, DrillRecord, DrillStep, DrillVerdict, Finding } from './types.js';

export interface RecordInput {
  provider: ProviderName;
  req: DrillRequest;
  facts: DrillFacts;
  report: RunReport;
  started: Date;
  error: unknown;
  dryRun: boolean;
  interactive: boolean;
}

const PHASES: { name: DrillPhase['name']; steps: string[] }[] = [
  { name: 'find', steps: ['DR-1', 'DR-2'] },
  { name: 'restore', steps: ['DR-3'] },
  { name: 'wait', steps: ['DR-4'] },
  // An Aurora source: the cluster restored and available, then its writer.
  { name: 'cluster', steps: ['DR-18'] },
  { name: 'writer', steps: ['DR-19'] },
  { name: 'failover', steps: ['DR-5', 'DR-6'] },
  { name: 'start', steps: ['DR-7'] },
  { name: 'verify', steps: ['DR-8', 'DR-9', 'DR-10', 'DR-11', 'DR-12', 'DR-13'] },
  { name: 'writes', steps: ['DR-14'] },
  { name: 'manual', steps: [...MANUAL_STEPS] },
];

function stepsOf(report: RunReport, facts: DrillFacts): DrillStep[] {
  return report.steps.map((s) => {
    const manual = (MANUAL_STEPS as readonly string[]).includes(s.id);
    const answer = facts.manual.get(s.id);
    const notExercised = manual && s.status === 'skipped' && (s.detail ?? '').startsWith('not exercised');
    return {
      id: s.id,
      title: s.title,
      status: notExercised ? 'not-exercised' : s.status,
      manual,
      ...(s.startedAt ? { startedAt: s.startedAt } : {}),
      ...(s.durationMs !== undefined ? { durationMs: Math.round(s.durationMs) } : {}),
      ...(s.error?.message ? { detail: s.error.message } : s.detail ? { detail: s.detail } : {}),
      ...(answer ? { outcome: answer.outcome, note: answer.note } : {}),
    };
  });
}

/** Pure: the phases of the RTO; detection is T0 up to the drill's start (--detected-at). */
export function phasesOf(steps: DrillStep[], t0: Date, started: Date): DrillPhase[] {
  const out: DrillPhase[] = [];
  const detection = (started.getTime() - t0.getTime()) / 1000;
  if (detection > 0) out.push({ name: 'detection', steps: [], seconds: round3(detection) });
  for (const p of PHASES) {
    const ms = steps.filter(
      (s) => p.steps.includes(s.id) && s.durationMs !== undefined && s.status !== 'skipped' && s.status !== 'not-exercised',
    );
    if (ms.length === 0) continue;
    out.push({ name: p.name, steps: ms.map((s) => s.id), seconds: round3(ms.reduce((a, s) => a + s.durationMs!, 0) / 1000) });
  }
  return out;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** Pure: the RPO from the freshness check (heartbeat), else the newest commit found, else the backup's own time. */
export function rpoOf(req: DrillRequest, facts: DrillFacts): DrillRecord['rpo'] {
  const base = { targetHours: req.rpoHours };
  const fresh = facts.checks.find((c) => c.id === 'rpo')?.data as FreshnessData | undefined;
  let newest: Date | undefined;
  let basis: DrillRecord['rpo']['basis'];
  if (fresh?.measured && fresh.newestInRestore) {
    newest = new Date(fresh.newestInRestore);
    basis = 'heartbeat';
  } else if (facts.commitTimestamp) {
    newest = facts.commitTimestamp;
    basis = 'commit-timestamp';
  } else if (facts.backup && facts.temporary?.created) {
    newest = backupTime(facts.backup);
    basis = newest ? 'backup-time' : undefined;
  }
  if (!newest || !basis) return base;
  const seconds = Math.round((req.t0.getTime() - newest.getTime()) / 1000);
  return { ...base, seconds, newestData: newest.toISOString(), basis, withinTarget: seconds <= req.rpoHours * 3600 };
}

function findingsOf(
  req: DrillRequest,
  facts: DrillFacts,
  steps: DrillStep[],
  rto: DrillRecord['rto'],
  rpo: DrillRecord['rpo'],
  error: unknown,
): Finding[] {
  const out: Finding[] = [];
  if (facts.noDrCopy) {
    out.push({
      kind: 'no-dr-copy',
      step: 'DR-2',
      message: `no copy in ${req.recoveryRegion}: a regional disaster today loses everything`,
      remedy: isDbopsError(error) && error.hint ? error.hint : `dbops snapshot copy <snapshot> --to-region ${req.recoveryRegion}`,
    });
  }
  for (const c of facts.checks.filter((x) => x.status === 'failed')) {
    const cnv = (c.data as { couldNotVerify?: boolean } | undefined)?.couldNotVerify === true;
    out.push({
      kind: cnv ? 'could-not-verify' : 'check-failed',
      step: c.step,
      message: c.summary,
      remedy: c.hint ?? `runbooks/dr-drill.md ${c.step}`,
    });
  }
  if (rto.seconds !== undefined && rto.withinTarget === false) {
    out.push({
      kind: 'objective-missed',
      step: 'DR-14',
      message: `RTO ${fmtH(rto.seconds)} exceeds the target of ${req.rtoHours} h.`,
      remedy:
        'Recover faster (a larger instance class restores faster, a warm standby in the DR region, rehearsed manual steps), or have the business change the RTO.',
    });
  }
  if (rpo.seconds !== undefined && rpo.withinTarget === false) {
    out.push({
      kind: 'objective-missed',
      step: 'DR-11',
      message: `RPO ${fmtH(rpo.seconds)} (T0 minus the newest data, ${rpo.basis}) exceeds the target of ${req.rpoHours} h.`,
      remedy:
        'Copy snapshots to the DR region more often than the RPO (snapshots policy, or replicated automated backups), and keep `dbops heartbeat` running.',
    });
  }
  if (rpo.seconds === undefined && facts.temporary?.created && !error) {
    out.push({
      kind: 'could-not-verify',
      step: 'DR-11',
      message: 'The data loss could not be measured: no heartbeat, no commit timestamp, no backup time.',
      remedy: 'Run `dbops heartbeat` from cron every few minutes on the source.',
    });
  }
  for (const s of steps.filter((x) => x.manual && x.outcome === 'failed')) {
    out.push({
      kind: 'manual-step-failed',
      step: s.id,
      message: `Manual step ${s.id} ${s.title} failed${s.note ? `: ${s.note}` : ''}.`,
      remedy: `runbooks/dr-drill.md ${s.id}`,
    });
  }
  if (steps.some((s) => s.status === 'not-exercised')) {
    out.push({
      kind: 'not-exercised',
      step: MANUAL_STEPS[0],
      message: 'The manual steps were not exercised: the RTO covers the automated part only.',
      remedy: 'Run the drill as a game day: dbops dr-drill --interactive, on a terminal, with the people who would do them.',
    });
  }
  if (error !== undefined && !facts.noDrCopy && !(error instanceof Interrupted) && !(isDbopsError(error) && error.exitCode === 1)) {
    out.push({
      kind: 'could-not-run',
      step: (isDbopsError(error) && error.step) || 'DR-1',
      message: messageOf(error),
      remedy: (isDbopsError(error) && error.hint) || 'Fix the cause and drill again.',
    });
  }
  return out;
}

function fmtH(seconds: number): string {
  return seconds >= 3600 ? `${(seconds / 3600).toFixed(2)} h` : seconds >= 60 ? `${(seconds / 60).toFixed(1)} min` : `${seconds} s`;
}

function verdictOf(dryRun: boolean, error: unknown, findings: Finding[]): DrillVerdict {
  if (error instanceof Interrupted) return 'interrupted';
  if (dryRun && error === undefined) return 'dry-run';
  const failing = findings.filter((f) => f.kind !== 'not-exercised');
  if (error !== undefined && !(isDbopsError(error) && error.exitCode === 1)) return 'error';
  return failing.length > 0 || error !== undefined ? 'failed' : 'passed';
}

export function buildRecord(x: RecordInput): DrillRecord {
  const { req, facts, report } = x;
  const steps = stepsOf(report, facts);
  const failedChecks = facts.checks.some((c) => c.status === 'failed');
  const manualFailed = [...facts.manual.values()].some((m) => m.outcome === 'failed');
  const recovered = facts.recoveredAt !== undefined && !failedChecks && !manualFailed;
  const rtoSeconds = facts.recoveredAt ? round3((facts.recoveredAt.getTime() - req.t0.getTime()) / 1000) : undefined;
  const exercised = steps.some((s) => s.manual && s.status !== 'not-exercised' && s.status !== 'not-run');
  const rto: DrillRecord['rto'] = {
    targetHours: req.rtoHours,
    ...(rtoSeconds !== undefined
      ? { seconds: rtoSeconds, recoveredAt: facts.recoveredAt!.toISOString(), withinTarget: rtoSeconds <= req.rtoHours * 3600 }
      : {}),
    recovered,
    covers: exercised ? 'automated-and-manual' : 'automated-only',
  };
  const rpo = rpoOf(req, facts);
  const findings = findingsOf(req, facts, steps, rto, rpo, x.error);
  const e = isDbopsError(x.error) ? x.error : undefined;
  const tmp = facts.temporary;
  const src = facts.source;
  return seal({
    kind: 'dbops-dr-drill-record',
    version: 1,
    drillId: report.runId,
    scenario: req.scenario,
    verdict: verdictOf(x.dryRun, x.error, findings),
    dryRun: x.dryRun,
    t0: req.t0.toISOString(),
    t0Source: req.detected ? 'detected-at' : 'drill-start',
    startedAt: x.started.toISOString(),
    finishedAt: report.finishedAt,
    environment: {
      provider: x.provider,
      account: x.provider === 'local' ? 'local (this machine; regions are namespaces under DBOPS_HOME)' : 'aws (credentials of the run)',
      primaryRegion: req.primaryRegion,
      recoveryRegion: req.recoveryRegion,
      ...(req.drRegion ? { drRegion: req.drRegion } : {}),
      sourceInstanceId: src?.id ?? req.sourceId,
      ...(src ? { sourceEngineVersion: src.engineVersion } : {}),
      ...(src && src.engine !== 'postgres' ? { sourceEngine: src.engine } : {}),
      ...(src?.engineLabel ? { sourceEngineLabel: src.engineLabel } : {}),
      ...(facts.backup ? { backup: facts.backup } : {}),
      ...(tmp?.created ? { recoveryInstanceId: tmp.instanceId } : {}),
      ...(recoveryVersion(facts) ? { recoveryEngineVersion: recoveryVersion(facts) } : {}),
      ...(recoveryServer(facts)?.product ? { recoveryProduct: recoveryServer(facts)!.product } : {}),
      ...(facts.replicaId ? { replicaInstanceId: facts.replicaId } : {}),
    },
    participants: req.participants,
    runbook: { file: report.runbookFile, title: DR_DRILL.title, sha256: facts.runbookSha256 },
    steps,
    phases: phasesOf(steps, req.t0, x.started),
    checks: facts.checks.map(withEvidenceHash),
    rto,
    rpo,
    manualSteps: exercised ? 'exercised' : 'not-exercised',
    findings,
    compliance: complianceMapping(),
    ...(tmp
      ? {
          recovery: {
            instanceId: tmp.instanceId,
            ...(tmp.clusterId ? { clusterId: tmp.clusterId } : {}),
            region: tmp.region,
            expiresAt: tmp.expiresAt,
            created: tmp.created,
            deleted: tmp.deleted,
            kept: tmp.kept,
            ...(tmp.connectCommand ? { connectCommand: tmp.connectCommand } : {}),
            ...(tmp.removeCommand ? { removeCommand: tmp.removeCommand } : {}),
          },
        }
      : {}),
    ...(facts.failover ? { failover: facts.failover } : {}),
    cleanup: report.cleanup.map((c) => ({ ...c, durationMs: Math.round(c.durationMs) })),
    ...(x.error !== undefined
      ? {
          error: {
            code: e?.code ?? 'internal',
            message: messageOf(x.error),
            ...(e?.hint ? { hint: e.hint } : {}),
            ...(e?.step ? { step: e.step } : {}),
          },
        }
      : {}),
  });
}

function recoveryVersion(facts: DrillFacts): string | undefined {
  return recoveryServer(facts)?.version;
}

/** What the recovery server said it is (RT-4's facts): its version, and its product when not PostgreSQL. */
function recoveryServer(facts: DrillFacts): { version?: string; product?: string } | undefined {
  const server = facts.checks.find((c) => c.id === 'server')?.data as { restore?: { version?: string; product?: string } } | undefined;
  return server?.restore;
}
