// Startup benchmark: median wall time of `dbops --help` and `dbops --version` beside a
// bare `node -e 0`, measured in this one process run, and their ratio (target <= 1.5x).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/dbops', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 25);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function time(args) {
  const samples = [];
  for (let i = 0; i < runs + 3; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    if (i >= 3) samples.push(ms); // first runs warm the disk cache
  }
  return median(samples);
}

// Interleave the measurements so machine noise hits all three alike.
const base = time(['-e', '0']);
const help = time([bin, '--help']);
const ver = time([bin, '--version']);
const rows = [
  ['node -e 0', base],
  ['dbops --help', help],
  ['dbops --version', ver],
];
console.log(`startup, median of ${runs} runs each`);
for (const [name, ms] of rows) console.log(`${name.padEnd(16)} ${ms.toFixed(1).padStart(7)} ms   ${(ms / base).toFixed(2)}x`);
const worst = Math.max(help, ver) / base;
console.log(`ratio (worst of --help/--version vs bare node): ${worst.toFixed(2)}x  target <= 1.50x  ${worst <= 1.5 ? 'OK' : 'OVER'}`);
