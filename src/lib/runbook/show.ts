/**
 * `dbops runbook [name] [id]`: a runbook, or one of its steps or response sections, read
 * from the runbooks/ folder that ships with dbops, for the terminal: the engineer paged at
 * 3 a.m. needs no browser. The name may be written as a finding prints it
 * (`runbooks/free-tier.md#FT-R3`).
 */
import { readFileSync } from 'node:fs';
import type { ChalkInstance } from 'chalk';
import { InternalError, messageOf, UsageError } from '../errors.js';
import { packagePath } from '../paths.js';
import { RUNBOOK_INDEX, runbookNames } from './catalog.js';
import { parseSections, type RunbookSection } from './parse.js';

export interface RunbookShown {
  /** "index" for runbooks/README.md. */
  name: string;
  file: string;
  /** Set when one section was asked for. */
  section?: { id: string; title: string; kind: RunbookSection['kind'] };
  /** Every step and response id of the runbook, in order. */
  ids: string[];
  /** The Markdown shown. */
  markdown: string;
}

const ADDRESS = /^(?:runbooks\/)?([A-Za-z0-9-]+?)(?:\.md)?(?:#([A-Za-z0-9-]+))?$/;

function read(file: string): string {
  try {
    return readFileSync(packagePath(file), 'utf8');
  } catch (e) {
    throw new InternalError(`dbops cannot read its runbook ${packagePath(file)}: ${messageOf(e)}`, {
      hint: 'Reinstall dbops: the runbooks/ folder ships with it.',
    });
  }
}

export function showRunbook(input: { name?: string; id?: string }): RunbookShown {
  const names = runbookNames();
  if (input.name === undefined) {
    const file = `runbooks/${RUNBOOK_INDEX}`;
    return { name: 'index', file, ids: [], markdown: read(file) };
  }
  const m = ADDRESS.exec(input.name.trim());
  const name = m?.[1]?.toLowerCase();
  if (!m || !name || !names.includes(name)) {
    throw new UsageError(`There is no runbook "${input.name}".`, {
      hint: `The runbooks: ${names.join(', ')} (\`dbops runbook\` prints the index).`,
    });
  }
  const file = `runbooks/${name}.md`;
  const markdown = read(file);
  const sections = parseSections(markdown);
  const ids = sections.map((s) => s.id);
  const wanted = (input.id ?? m[2])?.toUpperCase();
  if (wanted === undefined) return { name, file, ids, markdown };
  const section = sections.find((s) => s.id === wanted);
  if (!section) {
    throw new UsageError(`Runbook ${name} has no step or section ${input.id ?? m[2]}.`, {
      hint: `Its ids: ${ids.join(', ')} (\`dbops runbook ${name}\` prints it whole).`,
    });
  }
  return { name, file, ids, section: { id: section.id, title: section.title, kind: section.kind }, markdown: section.text };
}

/**
 * Markdown for a terminal: headings bold (step ids coloured), code blocks indented without
 * their fences, `**bold**` and `inline code` styled when there is colour, kept as written
 * when there is none (so the text still reads and copies).
 */
export function renderRunbookMarkdown(markdown: string, c: ChalkInstance): string {
  const coloured = c.level > 0;
  const out: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n').map((l) => l.replace(/\r$/, ''))) {
    if (line.startsWith('```')) {
      fenced = !fenced;
      continue;
    }
    if (fenced) {
      out.push(`    ${coloured ? c.cyan(line) : line}`);
      continue;
    }
    const h = /^(#{1,4})\s+(.*)$/.exec(line);
    if (h) {
      const text = h[2]!;
      const id = /^([A-Z]{1,4}-R?\d+)\s+(.*)$/.exec(text);
      const title = id ? `${c.yellow(id[1]!)} ${c.bold(id[2]!)}` : c.bold(text);
      out.push(h[1]!.length === 1 ? `${title}\n${'='.repeat(text.length)}` : title);
      continue;
    }
    out.push(
      coloured ? line.replace(/\*\*([^*]+)\*\*/g, (_, t: string) => c.bold(t)).replace(/`([^`]+)`/g, (_, t: string) => c.cyan(t)) : line,
    );
  }
  return out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
