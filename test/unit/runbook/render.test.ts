import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { renderReport, reportMarkdown } from '../../../src/lib/runbook/render.js';
import { type RunReport, runRunbook } from '../../../src/lib/runbook/runner.js';
import { CheckFailed } from '../../../src/lib/errors.js';
import { testOutput } from '../../_helpers/output.js';

const plain = new Chalk({ level: 0 });

const REPORT: RunReport = {
  runbook: 'restore-test',
  runbookFile: 'runbooks/restore-test.md',
  runId: 'abc12',
  status: 'failed',
  startedAt: '2026-11-22T04:30:00.000Z',
  finishedAt: '2026-11-22T04:32:10.000Z',
  durationMs: 130_000,
  steps: [
    { id: 'RT-1', title: 'Pick the snapshot', status: 'ok', durationMs: 850, detail: 'recipe-db-manual-20261122-043005' },
    { id: 'RT-2', title: 'Check the budget', status: 'skipped', detail: 'dry run' },
    {
      id: 'RT-3',
      title: 'Restore the snapshot',
      status: 'failed',
      durationMs: 1500,
      error: { message: 'disk | full', hint: 'free some space' },
    },
    { id: 'RT-4', title: 'Run the checks', status: 'not-run' },
  ],
  cleanup: [
    { label: 'instance tmp-db', status: 'done', durationMs: 10 },
    { label: 'parameter group', status: 'failed', durationMs: 5, error: 'access denied' },
    { label: 'snapshot copy', status: 'kept', durationMs: 0 },
  ],
  error: { message: 'disk | full', hint: 'free some space', step: 'RT-3', code: 'environment' },
};

describe('renderReport', () => {
  it('prints a header and one line per step and cleanup entry', () => {
    // GIVEN a failed report WHEN rendered without colour THEN the text is exactly this
    expect(renderReport(REPORT, plain)).toBe(
      [
        'runbooks/restore-test.md · run abc12 · failed in 2m10s',
        '  ✔ RT-1 Pick the snapshot: recipe-db-manual-20261122-043005 (850ms)',
        '  – RT-2 Check the budget: dry run',
        '  ✖ RT-3 Restore the snapshot: disk | full (1.5s)',
        '  · RT-4 Run the checks: not run',
        '  ↺ cleanup: instance tmp-db: done',
        '  ✖ cleanup: parameter group: failed (access denied)',
        '  ↺ cleanup: snapshot copy: kept',
      ].join('\n'),
    );
  });

  it('colours only when the chalk instance does', () => {
    expect(renderReport(REPORT, plain)).not.toContain('\u001b');
    expect(renderReport(REPORT, new Chalk({ level: 1 }))).toContain('\u001b[32m✔\u001b[39m RT-1');
  });
});

describe('reportMarkdown', () => {
  it('writes a Markdown record with a step table, the error and the cleanup', () => {
    expect(reportMarkdown(REPORT, 'Restore test')).toBe(
      [
        '# Restore test',
        '',
        '- Runbook: `runbooks/restore-test.md`',
        '- Run id: `abc12`',
        '- Status: **failed**',
        '- Started: 2026-11-22T04:30:00.000Z',
        '- Finished: 2026-11-22T04:32:10.000Z (2m10s)',
        '',
        '| Step | Title | Status | Duration | Detail |',
        '|---|---|---|---|---|',
        '| RT-1 | Pick the snapshot | ok | 850ms | recipe-db-manual-20261122-043005 |',
        '| RT-2 | Check the budget | skipped |  | dry run |',
        '| RT-3 | Restore the snapshot | failed | 1.5s | disk \\| full |',
        '| RT-4 | Run the checks | not-run |  |  |',
        '',
        '**Error in RT-3:** disk | full',
        '',
        'Hint: free some space',
        '',
        '## Cleanup',
        '',
        '- instance tmp-db: done',
        '- parameter group: failed (access denied)',
        '- snapshot copy: kept',
        '',
      ].join('\n'),
    );
  });

  it('has no error or cleanup section for a clean run', () => {
    const ok: RunReport = { ...REPORT, status: 'ok', steps: [REPORT.steps[0]!], cleanup: [], error: undefined };
    const md = reportMarkdown(ok, 'Restore test');
    expect(md).toContain('- Status: **ok**');
    expect(md).not.toContain('**Error');
    expect(md).not.toContain('## Cleanup');
    expect(md.endsWith('| RT-1 | Pick the snapshot | ok | 850ms | recipe-db-manual-20261122-043005 |\n')).toBe(true);
  });
});

describe('rendering a real run', () => {
  it('names every step id and its status', async () => {
    // GIVEN a run whose second step fails
    const { out } = await testOutput();
    const def = {
      name: 'demo',
      title: 'Demo',
      steps: [
        { id: 'DM-1', title: 'One' },
        { id: 'DM-2', title: 'Two' },
        { id: 'DM-3', title: 'Three' },
      ],
    };
    let report: RunReport | undefined;
    try {
      await runRunbook(def, { out, clock: { now: () => new Date(0) }, signal: new AbortController().signal, runId: 'r' }, async (run) => {
        await run.step('DM-1', async () => undefined);
        await run.step('DM-2', async () => {
          throw new CheckFailed('canary row missing');
        });
      });
    } catch (e) {
      report = (e as { report?: RunReport }).report;
    }
    // WHEN rendered THEN both renderings name the ids and statuses
    const text = renderReport(report!, plain);
    expect(text.split('\n')[0]).toBe('runbooks/demo.md · run r · failed in 0ms');
    expect(text).toMatch(/✔ DM-1 One \(\d+ms\)/);
    expect(text).toMatch(/✖ DM-2 Two: canary row missing \(\d+ms\)/);
    expect(text).toContain('· DM-3 Three: not run');
    const md = reportMarkdown(report!, 'Demo');
    expect(md).toMatch(/\| DM-1 \| One \| ok \| \d+ms \| {2}\|/);
    expect(md).toMatch(/\| DM-2 \| Two \| failed \| \d+ms \| canary row missing \|/);
    expect(md).toContain('| DM-3 | Three | not-run |  |  |');
    expect(md).toContain('**Error in DM-2:** canary row missing');
  });
});
