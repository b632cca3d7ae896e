/**
 * Renaming an option in a definition breaks the type check of its handler: the real
 * src/commands/backup.ts, with `--instance` renamed in memory, compiled with the real
 * backup.run.ts by the TypeScript compiler. (Unrenamed, both compile: `npm run typecheck`.)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const defFile = `${root}src/commands/backup.ts`;
const runFile = `${root}src/commands/backup.run.ts`;

/** The compile errors of the definition and its handler, with the definition's text replaced. */
function errorsWith(definition: string): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(`${root}tsconfig.json`, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (!parsed) throw new Error('tsconfig.json did not parse');
  const host = ts.createCompilerHost(parsed.options);
  const readFile = host.readFile.bind(host);
  host.readFile = (file) => (file === defFile ? definition : readFile(file));
  const program = ts.createProgram({ rootNames: [runFile], options: { ...parsed.options, noEmit: true }, host });
  // Only the two files: checking them resolves what they use, not the whole of src/.
  return [defFile, runFile]
    .map((f) => program.getSourceFile(f)!)
    .flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)])
    .map((d) => `${d.file ? d.file.fileName.slice(root.length) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('option names are checked at compile time', () => {
  it('GIVEN backup status --instance renamed to --source-instance THEN its handler no longer compiles', () => {
    // GIVEN the definition with the option renamed (key and flag), the handler untouched
    const original = readFileSync(defFile, 'utf8');
    const renamed = original.replace("instance: opt.string('--instance <id>'", "sourceInstance: opt.string('--source-instance <id>'");
    expect(renamed).not.toBe(original);
    // WHEN both are compiled THEN the handler's read of the old name is the one error
    const errors = errorsWith(renamed);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^src\/commands\/backup\.run\.ts: Property 'instance' does not exist on type 'OptsOf<\{ readonly sourceInstance: OptionDef<string \| undefined>; \}>'/);
  }, 120_000);
});
