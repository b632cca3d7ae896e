/**
 * The evidence of a drill: a sha256 of each check's evidence and of the whole record
 * (canonical JSON: keys sorted, no whitespace), so an edit after the drill is detectable;
 * `dbops dr-drill verify` recomputes both. And the mapping of the record to the controls
 * an auditor reads it against. Pure functions.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { messageOf, UsageError } from '../errors.js';
import type { StepCheck } from '../restore/types.js';
import { type ComplianceItem, DRILL_RECORD_KIND, type DrillRecord, type EvidencedCheck } from './types.js';

/** JSON with object keys sorted at every level: the same data, the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The sha256 of one check's evidence. */
export function evidenceHash(c: StepCheck): string {
  return sha256(canonicalJson({ id: c.id, step: c.step, status: c.status, summary: c.summary, evidence: c.evidence, data: c.data }));
}

export function withEvidenceHash(c: StepCheck): EvidencedCheck {
  return { ...c, evidenceSha256: evidenceHash(c) };
}

/** What the record hash covers: everything but the hash itself and where the record was written. */
function hashed(r: Omit<DrillRecord, 'integrity' | 'written'> & Partial<Pick<DrillRecord, 'integrity' | 'written'>>): string {
  const { integrity: _i, written: _w, ...rest } = r;
  return sha256(canonicalJson(rest));
}

/** Seals a record: its sha256 over the canonical JSON of everything else. */
export function seal(r: Omit<DrillRecord, 'integrity'>): DrillRecord {
  return { ...r, integrity: { algorithm: 'sha256', recordSha256: hashed(r) } };
}

/** The outcome of `dbops dr-drill verify`. */
export interface VerifyResult {
  file: string;
  ok: boolean;
  drillId: string;
  verdict: string;
  recordSha256: { stored: string; computed: string; ok: boolean };
  checks: { step: string; id: string; stored: string; computed: string; ok: boolean }[];
  problems: string[];
}

function isRecord(x: unknown): x is DrillRecord {
  if (!x || typeof x !== 'object') return false;
  const r = x as Partial<DrillRecord>;
  return (
    r.kind === DRILL_RECORD_KIND &&
    typeof r.drillId === 'string' &&
    Array.isArray(r.checks) &&
    typeof r.integrity?.recordSha256 === 'string'
  );
}

/** Pure: recomputes every hash of a parsed record. */
export function verifyRecord(file: string, doc: unknown): VerifyResult {
  if (!isRecord(doc)) {
    throw new UsageError(`${file} is not a dbops DR drill record.`, {
      hint: 'Pass the JSON a drill wrote: `dbops dr-drill --json > drill.json` (its "kind" is "dbops-dr-drill-record").',
    });
  }
  const checks = doc.checks.map((c) => {
    const computed = evidenceHash(c);
    return { step: c.step, id: c.id, stored: c.evidenceSha256, computed, ok: computed === c.evidenceSha256 };
  });
  const computed = hashed(doc);
  const recordOk = computed === doc.integrity.recordSha256;
  const problems = [
    ...(recordOk ? [] : ['the record does not match its sha256: it was changed after the drill']),
    ...checks.filter((c) => !c.ok).map((c) => `the evidence of ${c.step} ${c.id} does not match its sha256`),
  ];
  return {
    file,
    ok: problems.length === 0,
    drillId: doc.drillId,
    verdict: doc.verdict,
    recordSha256: { stored: doc.integrity.recordSha256, computed, ok: recordOk },
    checks,
    problems,
  };
}

/** Reads and verifies a record file. */
export async function verifyRecordFile(file: string): Promise<VerifyResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`Cannot read ${file}: ${messageOf(e)}.`, { hint: 'Pass the path of a drill record written with --json.' });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new UsageError(`${file} is not a dbops DR drill record (not JSON).`, {
      hint: 'Pass the JSON a drill wrote: `dbops dr-drill --json > drill.json`.',
    });
  }
  return verifyRecord(file, doc);
}

/** What in the record answers each control. */
export function complianceMapping(): ComplianceItem[] {
  return [
    {
      framework: 'SOC 2',
      control: 'A1.3',
      requirement:
        'Recovery plan procedures supporting system recovery are tested; the test records the actual recovery time and any data loss.',
      evidence:
        'runbook and its sha256, every step with timings, rto.seconds (actual recovery time) and rpo.seconds (actual data loss) against the targets, findings with remedies',
    },
    {
      framework: 'ISO/IEC 27001:2022',
      control: 'A.5.30',
      requirement: 'ICT readiness for business continuity: recovery objectives set from the business and tested.',
      evidence:
        'rto.targetHours / rpo.targetHours (recovery.rtoHours / rpoHours) beside the measured figures, the scenario, participants and T0',
    },
    {
      framework: 'ISO/IEC 27001:2022',
      control: 'A.8.13',
      requirement: 'Information backup: backups tested regularly, the tests recorded.',
      evidence:
        'the backup recovered (environment.backup), every check with its evidence and sha256, the history of drills (`dbops dr-drill history`)',
    },
  ];
}
