/**
 * Reads the step ids of a runbook file: every heading `### XX-n Title`.
 * Used by the sync test and by reports that link to the runbook section.
 */
import { readFileSync } from 'node:fs';
import type { StepDef } from './runner.js';

const STEP_HEADING = /^#{2,4}\s+([A-Z]{1,4}-\d+)\s+(.+?)\s*$/;

export function parseRunbookSteps(markdown: string): StepDef[] {
  const steps: StepDef[] = [];
  for (const line of markdown.split('\n')) {
    const m = STEP_HEADING.exec(line);
    if (m) steps.push({ id: m[1]!, title: m[2]! });
  }
  return steps;
}

export function readRunbookSteps(file: string): StepDef[] {
  return parseRunbookSteps(readFileSync(file, 'utf8'));
}
