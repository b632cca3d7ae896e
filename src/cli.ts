/**
 * The entry point. `dbops --version` and `dbops --help` are answered without loading
 * commander: the version from package.json, the help from dist/help.txt, which the build
 * writes from the real program (scripts/gen-help.mjs). Everything else goes to the
 * commander program in program.ts.
 */
import { readFileSync } from 'node:fs';
import { packagePath } from './lib/paths.js';

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export async function main(argv: string[]): Promise<void> {
  const args = argv.slice(2);
  const only = args.length === 1 ? args[0] : undefined;
  if (only === '--version' || only === '-V') {
    const pkg = JSON.parse(readText(packagePath('package.json')) ?? '{}') as { version?: string };
    if (pkg.version) {
      process.stdout.write(`${pkg.version}\n`);
      return;
    }
  }
  if (only === '--help' || only === '-h') {
    const help = readText(packagePath('dist', 'help.txt'));
    if (help) {
      process.stdout.write(help);
      return;
    }
  }
  const { run } = await import('./program.js');
  await run(argv);
}
