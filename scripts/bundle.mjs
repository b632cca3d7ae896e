// Build step: bundles dist/cli.js (tsc's output) into dist/bundle/, which bin/dbops loads.
// One ESM bundle starts ~70 ms faster than ~270 separate modules (Node resolves, reads and
// compiles each file on its own); the commands and the AWS SDK stay separate chunks that
// load only when a command needs them (code splitting keeps every lazy import() lazy).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

const outdir = new URL('../dist/bundle/', import.meta.url).pathname;
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [new URL('../dist/cli.js', import.meta.url).pathname],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Loaded from node_modules at run time, as without a bundle: a native binding, pg's
  // optional native driver, and the packages whose CommonJS/ESM interop a bundle changes
  // (the AWS SDK is loaded lazily anyway, one client package at a time).
  external: ['@node-rs/crc32', 'pg-native', '@aws-sdk/*', '@smithy/*', 'pgvector', 'pgvector/*'],
  // Bundled CommonJS packages call require() for Node builtins.
  banner: {
    js: "import { createRequire as __dbopsCreateRequire } from 'node:module'; const require = __dbopsCreateRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
