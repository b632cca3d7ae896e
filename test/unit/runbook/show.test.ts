/**
 * `dbops runbook [name] [id]`: the index, a whole runbook, one step or finding section,
 * and one clear refusal (exit 2) with the valid names or ids.
 */
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/lib/errors.js';
import { runbookNames } from '../../../src/lib/runbook/catalog.js';
import { parseResponseSections, parseSections } from '../../../src/lib/runbook/parse.js';
import { renderRunbookMarkdown, showRunbook } from '../../../src/lib/runbook/show.js';

const plain = new Chalk({ level: 0 });

function refusal(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (e) {
    if (e instanceof UsageError) return e;
    throw e;
  }
  throw new Error('expected a UsageError');
}

describe('showRunbook', () => {
  it('without a name, is the index', () => {
    const r = showRunbook({});
    expect(r.name).toBe('index');
    expect(r.file).toBe('runbooks/README.md');
    expect(r.markdown).toContain('## Alert → runbook');
  });

  it('with a name, is the whole runbook with its ids in order', () => {
    const r = showRunbook({ name: 'restore-test' });
    expect(r.file).toBe('runbooks/restore-test.md');
    expect(r.ids).toEqual([
      'RT-1',
      'RT-2',
      'RT-3',
      'RT-4',
      'RT-5',
      'RT-12',
      'RT-6',
      'RT-7',
      'RT-8',
      'RT-9',
      'RT-10',
      'RT-11',
      'RT-13',
      'RT-14',
      'RT-15',
    ]);
    expect(r.section).toBeUndefined();
    expect(r.markdown.startsWith('# Runbook: restore test')).toBe(true);
  });

  it('with a step id, is that step only, up to the next step', () => {
    const r = showRunbook({ name: 'restore-test', id: 'RT-5' });
    expect(r.section).toEqual({ id: 'RT-5', title: 'Check physical integrity', kind: 'step' });
    expect(r.markdown.split('\n')[0]).toBe('### RT-5 Check physical integrity');
    expect(r.markdown).toContain('pg_amcheck');
    expect(r.markdown).not.toContain('RT-6 Compare the schema');
  });

  it('with a finding section id, in any case, is that section', () => {
    const r = showRunbook({ name: 'free-tier', id: 'ft-r3' });
    expect(r.section).toMatchObject({ id: 'FT-R3', kind: 'response' });
    expect(r.markdown).toMatch(/^### FT-R3 RDS backup storage over the threshold\n/);
    expect(r.markdown).not.toContain('FT-R4');
  });

  it('accepts the address a finding prints, pasted as is', () => {
    const r = showRunbook({ name: 'runbooks/audit.md#AU-R2' });
    expect(r.section?.id).toBe('AU-R2');
    expect(showRunbook({ name: 'migrate.md' }).file).toBe('runbooks/migrate.md');
  });

  it('knows every runbook of the catalog, steps and responses both', () => {
    for (const name of runbookNames()) expect(showRunbook({ name }).ids.length, name).toBeGreaterThan(0);
    expect(showRunbook({ name: 'migrate' }).ids).toContain('MG-R9');
    expect(showRunbook({ name: 'migrate' }).ids).toContain('MG-7');
  });

  it('refuses an unknown name in one sentence, listing the valid names (exit 2)', () => {
    const e = refusal(() => showRunbook({ name: 'restor-test' }));
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe('There is no runbook "restor-test".');
    expect(e.hint).toContain('restore-test');
    expect(e.hint).toContain('database-failure');
    expect(e.hint).toContain('free-tier');
  });

  it('refuses an unknown step, listing the ids of that runbook (exit 2)', () => {
    const e = refusal(() => showRunbook({ name: 'gc', id: 'GC-9' }));
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe('Runbook gc has no step or section GC-9.');
    expect(e.hint).toBe('Its ids: GC-1, GC-2 (`dbops runbook gc` prints it whole).');
  });
});

describe('renderRunbookMarkdown', () => {
  it('drops code fences and indents the code, keeps the text as written without colour', () => {
    const md = ['### RT-5 Check it', '', 'Run `pg_amcheck` **now**.', '', '```sh', 'pg_amcheck --jobs 2', '```'].join('\n');
    expect(renderRunbookMarkdown(md, plain)).toBe(
      ['RT-5 Check it', '', 'Run `pg_amcheck` **now**.', '', '    pg_amcheck --jobs 2'].join('\n'),
    );
  });

  it('underlines the title of a runbook', () => {
    expect(renderRunbookMarkdown('# Runbook: gc\n\ntext', plain)).toBe('Runbook: gc\n===========\n\ntext');
  });

  it('styles ids, bold and inline code when there is colour', () => {
    const out = renderRunbookMarkdown('### FT-R1 Hours\nRun `x` **now**.', new Chalk({ level: 1 }));
    expect(out).toContain('\u001b[33mFT-R1\u001b[39m');
    expect(out).not.toContain('`x`');
    expect(out).not.toContain('**now**');
  });
});

describe('parseSections', () => {
  it('cuts each step or response section at the next heading of its level or above, not at a heading inside code', () => {
    const md = ['# T', '### A-1 One', 'a', '```', '# not a heading', '```', '#### detail', 'b', '### A-R1 Why', 'c', '## After', 'd'].join(
      '\n',
    );
    expect(parseSections(md).map((s) => [s.id, s.kind, s.text])).toEqual([
      ['A-1', 'step', '### A-1 One\na\n```\n# not a heading\n```\n#### detail\nb'],
      ['A-R1', 'response', '### A-R1 Why\nc'],
    ]);
    expect(parseResponseSections(md)).toEqual([{ id: 'A-R1', title: 'Why' }]);
  });
});
