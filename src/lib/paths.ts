/**
 * Where dbops' own files are (package.json, sql/, dist/help.txt), found from wherever
 * this code runs: src/ under vitest, dist/ after tsc, dist/bundle/ in the bundle that
 * bin/dbops loads. Only node builtins: the launcher imports this before anything else.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The directory holding dbops' package.json: the first one upward whose name is "dbops". */
export function packageRoot(): string {
  if (root !== undefined) return root;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; ) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'dbops') return (root = dir);
    } catch {
      // no package.json here, or not ours: keep going up
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`dbops cannot find its own package.json above ${fileURLToPath(import.meta.url)}.`);
    dir = up;
  }
}

/** A path inside the package, e.g. packagePath('sql', 'checks'). */
export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}
