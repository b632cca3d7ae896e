import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunbookSteps, readRunbookSteps } from '../../../src/lib/runbook/parse.js';

describe('parseRunbookSteps', () => {
  it('reads the id and title of every step heading, in order', () => {
    // GIVEN a runbook with a title, prose, and step headings at levels 2 to 4
    const md = [
      '# Runbook: restore test',
      '',
      'Some prose mentioning RT-9 inline.',
      '## RT-1 Pick the snapshot',
      'text',
      '### RT-2 Restore it  ',
      '#### RT-10 Report',
    ].join('\n');
    // WHEN parsed THEN only the headings count, titles trimmed
    expect(parseRunbookSteps(md)).toEqual([
      { id: 'RT-1', title: 'Pick the snapshot' },
      { id: 'RT-2', title: 'Restore it' },
      { id: 'RT-10', title: 'Report' },
    ]);
  });

  it('ignores headings that are not steps', () => {
    const md = [
      '# RT-1 Level one is the document title',
      '##### RT-2 Level five is too deep',
      '### Background',
      '### rt-3 lower-case id',
      '### ABCDE-1 id prefix too long',
      '### RT-4',
      '###RT-5 no space',
    ].join('\n');
    expect(parseRunbookSteps(md)).toEqual([]);
  });

  it('handles CRLF line endings', () => {
    expect(parseRunbookSteps('### IC-1 Check the request\r\ntext\r\n### IC-2 Create\r\n')).toEqual([
      { id: 'IC-1', title: 'Check the request' },
      { id: 'IC-2', title: 'Create' },
    ]);
  });
});

describe('readRunbookSteps', () => {
  it('reads the steps of a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbops-runbook-'));
    try {
      const file = join(dir, 'x.md');
      writeFileSync(file, '# X\n\n### X-1 First\n\n### X-2 Second\n');
      expect(readRunbookSteps(file)).toEqual([
        { id: 'X-1', title: 'First' },
        { id: 'X-2', title: 'Second' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
