/**
 * A command's runbook: its name (runbooks/<name>.md), the title its reports carry, and the
 * ids of the steps it runs, in order. The step titles are read from the runbook file the
 * first time they are needed, so each title is written once, in the runbook an engineer
 * reads; the sync test (test/unit/runbook/sync.test.ts) checks the ids against the file.
 */
import { readFileSync } from 'node:fs';
import { InternalError, messageOf } from '../errors.js';
import { packagePath } from '../paths.js';
import { parseRunbookSteps } from './parse.js';
import type { RunbookDef, StepDef } from './runner.js';

export function defineRunbook(name: string, title: string, ids: readonly string[]): RunbookDef {
  let steps: StepDef[] | undefined;
  return {
    name,
    title,
    get steps(): StepDef[] {
      steps ??= stepsFromFile(name, ids);
      return steps;
    },
  };
}

/**
 * The steps of `def` with these ids (a section of one runbook that a command runs), under
 * its own title when given. Lazy like `defineRunbook`: an id the file lacks fails when the
 * steps are first read (the sync test reads every section).
 */
export function runbookSection(def: RunbookDef, ids: readonly string[], title = def.title): RunbookDef {
  return defineRunbook(def.name, title, ids);
}

function stepsFromFile(name: string, ids: readonly string[]): StepDef[] {
  const file = packagePath('runbooks', `${name}.md`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InternalError(`dbops cannot read its runbook ${file}: ${messageOf(e)}`, {
      hint: 'Reinstall dbops: the runbooks/ folder ships with it.',
    });
  }
  const inFile = parseRunbookSteps(text);
  return ids.map((id) => {
    const step = inFile.find((s) => s.id === id);
    if (!step) throw new InternalError(`Runbook ${name} has no step ${id}.`);
    return step;
  });
}
