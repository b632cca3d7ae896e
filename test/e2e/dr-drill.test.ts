/**
 * `dbops dr-drill` as a process: bad input is exit 2 with one sentence and a hint, before
 * anything is touched; `verify` accepts a sealed record and rejects one with a byte changed
 * (exit 1) or a file that is not a record (exit 2). No database needed: every case stops
 * before the provider is asked.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seal, withEvidenceHash } from '../../src/lib/drill/evidence.js';
import type { StepCheck } from '../../src/lib/restore/types.js';
import type { DrillRecord } from '../../src/lib/drill/types.js';
import { runDbops, type RunResult } from '../_helpers/run-dbops.js';

let home: string;

function dbops(args: string, config = ''): Promise<RunResult> {
  return (async () => {
    const file = join(home, 'dbops.config.yaml');
    await writeFile(file, `provider: local\nregion: us-east-2\ndatabase:\n  identifier: prod-db\n${config}`);
    return runDbops(`${args} --config ${file}`, { env: { DBOPS_HOME: home }, cwd: home, timeoutMs: 30_000 });
  })();
}

/** A drill record sealed as the drill seals it: each check's evidence hashed, then the whole. */
function sealedRecord(): DrillRecord {
  const checks: StepCheck[] = [
    { id: 'amcheck', title: 'Physical integrity', status: 'passed', summary: 'No corruption.', evidence: ['ok'], step: 'DR-8' },
  ];
  return seal({
    kind: 'dbops-dr-drill-record',
    version: 1,
    drillId: 'abc12',
    scenario: 'region',
    verdict: 'passed',
    dryRun: false,
    t0: '2026-05-01T09:00:00.000Z',
    t0Source: 'drill-start',
    startedAt: '2026-05-01T09:00:00.000Z',
    finishedAt: '2026-05-01T09:03:00.000Z',
    environment: {
      provider: 'local',
      account: 'local',
      primaryRegion: 'us-east-2',
      recoveryRegion: 'us-west-2',
      sourceInstanceId: 'prod-db',
    },
    participants: ['A. Ops'],
    runbook: { file: 'runbooks/dr-drill.md', title: 't', sha256: '0'.repeat(64) },
    steps: [],
    phases: [],
    checks: checks.map(withEvidenceHash),
    rto: { targetHours: 4, seconds: 120, recovered: true, withinTarget: true, covers: 'automated-only' },
    rpo: { targetHours: 24, seconds: 300, basis: 'heartbeat', withinTarget: true },
    manualSteps: 'not-exercised',
    findings: [],
    compliance: [],
    cleanup: [],
  });
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'dbops-drill-e2e-'));
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('dbops dr-drill: bad input (exit 2, nothing touched)', () => {
  it.each([
    ['dr-drill --scenario moon', '', 'error: Unknown scenario "moon".'],
    ['dr-drill --detected-at yesterday', '', 'error: --detected-at expects an ISO 8601 time with a zone, got "yesterday".'],
    ['dr-drill --detected-at 2099-01-01T00:00:00Z', '', 'error: --detected-at 2099-01-01T00:00:00.000Z is in the future.'],
    [
      'dr-drill',
      'snapshots:\n  crossRegion:\n    enabled: true\n    region: us-east-2\n',
      'error: The DR region us-east-2 is the primary region: a regional disaster would take both.',
    ],
    [
      'dr-drill',
      'snapshots:\n  crossRegion:\n    enabled: false\n    region: us-west-2\n',
      'error: No DR region is configured (snapshots.crossRegion.enabled is false): a region drill has nowhere to recover.',
    ],
  ])('%s %#', async (args, config, message) => {
    const r = await dbops(args, config);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toMatch(/^hint: /m);
  });

  it('targets of 0 are refused by the config', async () => {
    const r = await dbops('dr-drill', 'recovery:\n  rtoHours: 0\n');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('recovery.rtoHours');
  });
});

describe('dbops dr-drill verify', () => {
  it('a sealed record verifies (exit 0); one byte changed fails (exit 1); not a record is exit 2', async () => {
    const good = sealedRecord();
    const file = join(home, 'drill.json');
    const text = JSON.stringify(good, null, 2);
    await writeFile(file, text);
    const ok = await dbops(`dr-drill verify ${file} --json`);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, drillId: 'abc12', problems: [] });

    await writeFile(file, text.replace('"seconds": 120', '"seconds": 110'));
    const edited = await dbops(`dr-drill verify ${file}`);
    expect(edited.exitCode).toBe(1);
    expect(edited.stdout).toContain('ALTERED');
    expect(edited.stdout).toContain('the record does not match its sha256: it was changed after the drill');

    await writeFile(file, JSON.stringify({ runId: 'x', verdict: 'passed' }));
    const other = await dbops(`dr-drill verify ${file}`);
    expect(other.exitCode).toBe(2);
    expect(other.stderr).toContain('is not a dbops DR drill record.');
  });
});

describe('dbops dr-drill history', () => {
  it('lists the recorded drills with RTO, RPO and verdict, and writes the SVG chart', async () => {
    const line = (startedAt: string, verdict: string, rtoSeconds: number) =>
      JSON.stringify({
        drillId: `d-${startedAt.slice(5, 7)}`,
        scenario: 'region',
        provider: 'local',
        sourceInstanceId: 'prod-db',
        recoveryRegion: 'us-west-2',
        t0: startedAt,
        startedAt,
        finishedAt: startedAt,
        verdict,
        rtoSeconds,
        rtoTargetHours: 4,
        rtoCovers: 'automated-only',
        rpoSeconds: 3600,
        rpoBasis: 'heartbeat',
        rpoTargetHours: 24,
        findings: 0,
        recordSha256: 'x',
      });
    await mkdir(join(home, 'history'), { recursive: true });
    await writeFile(
      join(home, 'history', 'dr-drills.jsonl'),
      `${line('2026-04-01T00:00:00.000Z', 'passed', 900)}\n${line('2026-01-01T00:00:00.000Z', 'failed', 20000)}\n`,
    );
    const svg = join(home, 'drills.svg');
    const r = await dbops(`dr-drill history --plot ${svg}`);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split('\n').slice(0, 2)).toEqual([
      '2026-01-01T00:00:00Z  d-01       region   failed      RTO 5h33m        RPO 1h00m        targets 4 h / 24 h',
      '2026-04-01T00:00:00Z  d-04       region   passed      RTO 15m00s       RPO 1h00m        targets 4 h / 24 h',
    ]);
    expect(await readFile(svg, 'utf8')).toContain('RTO target 4 h');
  });
});
