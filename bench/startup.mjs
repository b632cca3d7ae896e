// Startup benchmark: median wall time of `dbops --help` and `dbops --version` beside a
// bare `node -e 0`, measured in this one process run, and their ratio (target <= 1.5x).
// Also a command that loads the program and its config (`dbops config show`), run from
// the bundle bin/dbops loads (dist/bundle) and from tsc's unbundled dist/, to show what
// the bundle saves. The commands are run in turn, round after round, so machine noise
// hits all alike.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median } from './_common.mjs';

const bin = fileURLToPath(new URL('../bin/dbops', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 30);
const unbundled = `import(${JSON.stringify(new URL('../dist/cli.js', import.meta.url).href)}).then((m) => m.main(process.argv))`;
const cases = [
  ['node -e 0', ['-e', '0']],
  ['dbops --help', [bin, '--help']],
  ['dbops --version', [bin, '--version']],
  ['dbops config show', [bin, 'config', 'show']],
  ['  unbundled dist/', ['--input-type=module', '-e', unbundled, 'dbops', 'config', 'show']],
];

function once(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const samples = cases.map(() => []);
for (let round = 0; round < runs + 3; round++) {
  cases.forEach(([, args], i) => {
    const ms = once(args);
    if (round >= 3) samples[i].push(ms); // the first rounds warm the disk cache
  });
}
const medians = samples.map(median);
const base = medians[0];
console.log(`startup, median of ${runs} interleaved runs each`);
for (const [i, [name]] of cases.entries())
  console.log(`${name.padEnd(18)} ${medians[i].toFixed(1).padStart(7)} ms   ${(medians[i] / base).toFixed(2)}x`);
console.log(
  `bundle vs unbundled (config show): ${(medians[4] - medians[3]).toFixed(1)} ms saved, ${(medians[3] / medians[4]).toFixed(2)}x`,
);
const worst = Math.max(medians[1], medians[2]) / base;
console.log(`ratio (worst of --help/--version vs bare node): ${worst.toFixed(2)}x  target <= 1.50x  ${worst <= 1.5 ? 'OK' : 'OVER'}`);
