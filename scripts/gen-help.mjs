// Build step: writes dist/help.txt, the output of `dbops --help`, from the real commander
// program, so the launcher can answer --help without loading commander.
import { writeFileSync } from 'node:fs';

const { buildProgram } = await import('../dist/program.js');
const program = buildProgram({ code: 0, controller: new AbortController(), jsonMode: false, resultWritten: false });
let text = '';
program.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
program.exitOverride();
try {
  program.parse(['node', 'dbops', '--help']);
} catch {
  // commander signals "help displayed" by throwing under exitOverride
}
writeFileSync(new URL('../dist/help.txt', import.meta.url), text);
