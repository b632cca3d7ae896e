/**
 * The Dockerfile, checked by structure: no container engine runs where the tests run (a
 * docker client without a daemon at most) and hadolint is not installed, so the image is
 * not built here. What is checked: the official Node 20 image pinned by tag, a non-root
 * user, the entry point is the CLI of package.json's bin, the database client packages,
 * production dependencies only, and every COPY source exists and passes .dockerignore.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, root), 'utf8');

interface Instruction {
  op: string;
  args: string;
}

/** The instructions, continuation lines joined, comments dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const m = /^(\S+)\s+(.*)$/.exec(l)!;
      return { op: m[1]!.toUpperCase(), args: m[2]!.replace(/\s+/g, ' ') };
    });
}

const all = instructions(read('Dockerfile'));
const lastFrom = all.map((i) => i.op).lastIndexOf('FROM');
const runtime = all.slice(lastFrom);

describe('Dockerfile', () => {
  it('every stage is the official Node 20 image, pinned by tag', () => {
    const froms = all.filter((i) => i.op === 'FROM').map((i) => i.args.split(' ')[0]);
    expect(froms).toEqual(['node:20-bookworm-slim', 'node:20-bookworm-slim']);
  });

  it('the runtime runs as a user that is not root', () => {
    const users = runtime.filter((i) => i.op === 'USER').map((i) => i.args);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    expect(runtime.some((i) => i.op === 'RUN' && /useradd --system --uid 10001/.test(i.args))).toBe(true);
  });

  it('the entry point is the CLI (package.json bin), with the built bundle it loads', () => {
    const bin = (JSON.parse(read('package.json')) as { bin: { dbops: string } }).bin.dbops;
    const entry = runtime.filter((i) => i.op === 'ENTRYPOINT').at(-1)!;
    expect(JSON.parse(entry.args)).toEqual(['node', `/opt/dbops/${bin}`]);
    expect(read(bin)).toContain('../dist/bundle/cli.js');
    expect(runtime).toContainEqual({ op: 'COPY', args: '--from=build /src/dist ./dist' });
    expect(all.slice(0, lastFrom)).toContainEqual({ op: 'RUN', args: 'npm run build' });
  });

  it('installs the PostgreSQL and MariaDB clients, and production dependencies only', () => {
    const apt = runtime.find((i) => i.op === 'RUN' && i.args.includes('apt-get install'))!;
    expect(apt.args).toMatch(/apt-get install -y --no-install-recommends .*\bpostgresql-client\b/);
    expect(apt.args).toMatch(/\bmariadb-client\b/);
    expect(apt.args).toMatch(/rm -rf \/var\/lib\/apt\/lists\/\*$/);
    expect(runtime.some((i) => i.op === 'RUN' && /^npm ci --omit=dev\b/.test(i.args))).toBe(true);
  });

  it('every COPY source exists and is in the build context (.dockerignore)', () => {
    const allowed = read('.dockerignore')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/$/, ''));
    const sources = all
      .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(' ').slice(0, -1))
      .map((s) => s.replace(/\/$/, ''));
    expect(sources.length).toBeGreaterThan(5);
    for (const s of sources) {
      expect([s, existsSync(new URL(s, root))]).toEqual([s, true]);
      expect(allowed).toContain(s);
    }
  });
});
