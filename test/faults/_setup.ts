/**
 * The fault-injection suite's tools: run bin/dbops as a process with a hook on what it
 * prints (to inject the fault at a runbook step), forge damage into a real snapshot, and
 * prove that nothing is left: no instance in `dbops instances --json`, no process working
 * in a data directory under $DBOPS_HOME, no instance directory, no secret entry.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { crc32c, crc32cHex } from '../../src/lib/providers/local/crc32c.js';
import { tarMembers } from '../_helpers/local.js';
import { cleanEnv, DBOPS_BIN, runDbops, type RunResult } from '../_helpers/run-dbops.js';

export const REGION = 'us-east-2';

export function envFor(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return { DBOPS_HOME: home, DBOPS_PROVIDER: 'local', ...extra };
}

/** bin/dbops as a process; `onStderr` sees everything printed so far and may inject a fault. */
export function spawnDbops(
  argv: string[],
  opts: {
    home: string;
    env?: Record<string, string>;
    onStderr?: (text: string, child: ChildProcess) => void;
    /** Destroy the read end of stderr after this many lines (`2>&1 >/dev/null | head -3`). */
    closeStderrAfterLines?: number;
    timeoutMs?: number;
  },
): Promise<RunResult & { signalledAt?: number; exitedAt: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DBOPS_BIN, ...argv], {
      cwd: opts.home,
      env: cleanEnv(envFor(opts.home, opts.env)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (opts.closeStderrAfterLines !== undefined && stderr.split('\n').length > opts.closeStderrAfterLines) {
        child.stderr!.destroy();
      }
      opts.onStderr?.(stderr, child);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 90_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? (signal ? 128 : 1), stdout, stderr, exitedAt: Date.now() });
    });
  });
}

/** The temporary instance id a restore-test run printed (`<src>-rt-<run id>`). */
export function temporaryId(stderr: string, source: string): string | undefined {
  return new RegExp(`(${source}-rt-[a-z0-9]+)`).exec(stderr)?.[1];
}

/** Processes whose working directory is under `dir` (a postmaster and its backends work in their data directory). */
export async function processesUnder(dir: string): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => '');
    if (cwd !== dir && !cwd.startsWith(`${dir}/`)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state !== 'Z' && state !== '') out.push(Number(entry));
  }
  return out;
}

/** Processes whose command line mentions `needle` (tar, pg_verifybackup, pg_ctl of a run). */
export async function processesMentioning(needle: string): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ');
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (cmd.includes(needle) && state !== 'Z' && state !== '') out.push(Number(entry));
  }
  return out;
}

/**
 * Nothing is left but `keep`: `dbops instances --json` lists only them, no process works
 * in another instance's directory, no other instance directory, no other secret entry,
 * nothing in the scratch directory.
 */
export async function expectNothingLeft(home: string, keep: string[]): Promise<void> {
  const list = await runDbops('instances --json', { env: envFor(home), cwd: home });
  expect(list.exitCode, list.stderr).toBe(0);
  expect((JSON.parse(list.stdout) as { id: string }[]).map((i) => i.id).sort()).toEqual([...keep].sort());
  const instancesDir = join(home, 'local', REGION, 'instances');
  const dirs = (await readdir(instancesDir).catch(() => [] as string[])).sort();
  expect(dirs).toEqual([...keep].sort());
  const strays: number[] = [];
  for (const pid of await processesUnder(join(home, 'local'))) {
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => '');
    if (!keep.some((id) => cwd.startsWith(join(instancesDir, id)))) strays.push(pid);
  }
  expect(strays).toEqual([]);
  const secrets = JSON.parse(await readFile(join(home, 'secrets.json'), 'utf8')) as { instances: Record<string, unknown> };
  expect(Object.keys(secrets.instances).sort()).toEqual(keep.map((id) => `${REGION}/${id}`).sort());
  expect(await readdir(join(home, 'local', REGION, 'tmp')).catch(() => [])).toEqual([]);
}

/**
 * Heap damage a snapshot check cannot see: one byte flipped in block `block` of a heap
 * file inside base.tar (its page checksum left stale), then the file's CRC-32C in the
 * manifest and the manifest's own SHA-256 recomputed, so pg_verifybackup passes and only
 * reading the page finds it ("invalid page in block N").
 */
export async function forgeHeapDamage(snapDir: string, relPath: string, block: number): Promise<void> {
  const tarFile = join(snapDir, 'base.tar');
  const tar = await readFile(tarFile);
  const member = tarMembers(tar).find((m) => m.name === relPath);
  if (!member) throw new Error(`${relPath} is not in ${tarFile}`);
  if (member.size < (block + 1) * 8192) throw new Error(`${relPath} has fewer than ${block + 1} pages`);
  const at = member.data + block * 8192 + 6000;
  tar[at] = tar[at]! ^ 0x5a;
  await writeFile(tarFile, tar);
  const sum = crc32cHex(crc32c(tar.subarray(member.data, member.data + member.size)));
  const manifestFile = join(snapDir, 'backup_manifest');
  const manifest = await readFile(manifestFile, 'utf8');
  const escaped = relPath.replace(/[/.]/g, (c) => `\\${c}`);
  const line = new RegExp(`("Path": "${escaped}",[^\\n]*"Checksum": ")([0-9a-f]+)(")`);
  if (!line.test(manifest)) throw new Error(`no manifest entry for ${relPath}`);
  const edited = manifest.replace(line, (_m, a: string, _old: string, b: string) => `${a}${sum}${b}`);
  const lines = edited.split('\n');
  // The last line is the manifest checksum: SHA-256 of everything before it.
  const body = `${lines.slice(0, -2).join('\n')}\n`;
  const last = lines[lines.length - 2]!.replace(
    /"Manifest-Checksum": "[0-9a-f]+"/,
    `"Manifest-Checksum": "${createHash('sha256').update(body).digest('hex')}"`,
  );
  await writeFile(manifestFile, `${body}${last}\n`);
}
