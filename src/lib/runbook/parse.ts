/**
 * Reads a runbook file: its step headings (`### XX-n Title`, what a command follows), its
 * response headings (`### XX-Rn Title`, what a finding points to) and every section's text
 * (what `dbops runbook <name> <id>` prints). Used by the sync and coverage tests too.
 */
import { readFileSync } from 'node:fs';
import type { StepDef } from './runner.js';

const STEP_HEADING = /^#{2,4}\s+([A-Z]{1,4}-\d+)\s+(.+?)\s*$/;
const RESPONSE_HEADING = /^#{2,4}\s+([A-Z]{1,4}-R\d+)\s+(.+?)\s*$/;
const ANY_HEADING = /^(#{1,4})\s/;

function lines(markdown: string): string[] {
  return markdown.split('\n').map((l) => l.replace(/\r$/, ''));
}

export function parseRunbookSteps(markdown: string): StepDef[] {
  const steps: StepDef[] = [];
  for (const line of lines(markdown)) {
    const m = STEP_HEADING.exec(line);
    if (m) steps.push({ id: m[1]!, title: m[2]! });
  }
  return steps;
}

export function readRunbookSteps(file: string): StepDef[] {
  return parseRunbookSteps(readFileSync(file, 'utf8'));
}

/** The response sections (`### FT-R3 RDS hours over the threshold`), in file order. */
export function parseResponseSections(markdown: string): StepDef[] {
  const out: StepDef[] = [];
  for (const line of lines(markdown)) {
    const m = RESPONSE_HEADING.exec(line);
    if (m) out.push({ id: m[1]!, title: m[2]! });
  }
  return out;
}

/** One step or response section: its heading and the text up to the next heading of its level or above. */
export interface RunbookSection extends StepDef {
  kind: 'step' | 'response';
  /** The heading line and the body, as written. */
  text: string;
}

export function parseSections(markdown: string): RunbookSection[] {
  const all = lines(markdown);
  const out: RunbookSection[] = [];
  for (let i = 0; i < all.length; i++) {
    const line = all[i]!;
    const step = STEP_HEADING.exec(line);
    const response = step ? undefined : RESPONSE_HEADING.exec(line);
    const m = step ?? response;
    if (!m) continue;
    const level = ANY_HEADING.exec(line)![1]!.length;
    let end = i + 1;
    let fenced = false;
    for (; end < all.length; end++) {
      const l = all[end]!;
      if (l.startsWith('```')) fenced = !fenced;
      const h = fenced ? null : ANY_HEADING.exec(l);
      if (h && h[1]!.length <= level) break;
    }
    out.push({ id: m[1]!, title: m[2]!, kind: step ? 'step' : 'response', text: all.slice(i, end).join('\n').trimEnd() });
  }
  return out;
}
