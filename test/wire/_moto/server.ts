/**
 * One moto_server per wire test file: started on a free loopback port by launcher.py
 * (moto's own server with moto's gaps bridged, see there), stopped by pid in afterAll,
 * and gone with the test process even when that dies (the launcher exits when its
 * stdin closes). Without moto the tier FAILS with the install command; it never skips.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../../_helpers/tmp.js';

const LAUNCHER = fileURLToPath(new URL('./launcher.py', import.meta.url));
export const INSTALL_HINT = "moto_server is missing: the wire tests need moto 5 with its server (pip install 'moto[server]').";

/** The interpreter moto is installed for: MOTO_PYTHON, else python3. */
function python(): string {
  return process.env.MOTO_PYTHON ?? 'python3';
}

/** Throws the install hint when moto (with its server extras) cannot be imported. */
export function requireMoto(): void {
  const probe = spawnSync(python(), ['-c', 'import moto, flask, werkzeug; print(moto.__version__)'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(`${INSTALL_HINT}\n${probe.error?.message ?? probe.stderr.trim().split('\n').at(-1) ?? ''}`);
  }
}

/** One AWS request as the launcher saw it. */
export interface WireRequest {
  service: string;
  action: string;
  /** 'readback' for the tests' own SDK clients (user agent wire-readback), else 'dbops'. */
  agent: 'dbops' | 'readback';
}

export interface Moto {
  endpoint: string;
  pid: number;
  /** The environment a dbops process needs to talk to this moto (dummy credentials). */
  env(extra?: Record<string, string | undefined>): Record<string, string | undefined>;
  /** moto's own reset: every backend empty again. */
  reset(): Promise<void>;
  /**
   * Makes `action` fail with an AWS error code and HTTP status until cleared; `match`: only
   * requests whose body contains it; `times`: only that many, then it answers again.
   */
  fault(action: string, code: string, status: number, message?: string, only?: { match?: string; times?: number }): Promise<void>;
  clearFaults(): Promise<void>;
  /** Back-dates an RDS snapshot (moto's snapshots are always "now"). */
  backdateSnapshot(region: string, snapshot: string, createdAt: Date): Promise<void>;
  /** The requests seen so far. */
  requests(): WireRequest[];
  stop(): Promise<void>;
}

/** Where every file's operations are appended, for the tier's count (see global-setup). */
export function wireOpsFile(): string | undefined {
  const root = process.env.DBOPS_TEST_TMP_ROOT;
  return root ? join(root, 'wire-operations.jsonl') : undefined;
}

export async function startMoto(): Promise<Moto> {
  requireMoto();
  const dir = tempDir('wire-moto-');
  const log = join(dir, 'requests.jsonl');
  const child: ChildProcess = spawn(python(), [LAUNCHER, '--log', log], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`moto_server did not start in 90s: ${stderr}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`moto_server exited (${code}) before listening: ${stderr.includes('No module named') ? INSTALL_HINT : stderr}`));
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const post = async (path: string, body: unknown): Promise<void> => {
    const res = await fetch(`${endpoint}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    if (!res.ok) throw new Error(`moto ${path}: HTTP ${res.status} ${await res.text()}`);
  };
  const requests = (): WireRequest[] =>
    existsSync(log)
      ? readFileSync(log, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as WireRequest)
      : [];
  let stopped = false;
  return {
    endpoint,
    pid: child.pid!,
    env: (extra = {}) => ({
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'wire-test',
      AWS_SECRET_ACCESS_KEY: 'wire-test',
      ...extra,
    }),
    reset: () => post('/moto-api/reset', {}),
    fault: (action, code, status, message, only = {}) =>
      post('/_wire/fault', { action, code, status, ...(message ? { message } : {}), ...only }),
    clearFaults: () => post('/_wire/fault', { action: null }),
    backdateSnapshot: (region, snapshot, createdAt) => post('/_wire/backdate', { region, snapshot, createdAt: createdAt.toISOString() }),
    requests,
    async stop() {
      if (stopped) return;
      stopped = true;
      const file = wireOpsFile();
      if (file) {
        const lines = requests()
          .filter((r) => r.agent === 'dbops')
          .map((r) => JSON.stringify({ service: r.service, action: r.action }));
        if (lines.length > 0) appendFileSync(file, lines.join('\n') + '\n');
      }
      const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
      child.stdin!.end();
      const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(kill);
    },
  };
}

/** Distinct "service:Action" pairs in a list of requests. */
export function distinctOperations(reqs: Pick<WireRequest, 'service' | 'action'>[]): string[] {
  return [...new Set(reqs.map((r) => `${r.service}:${r.action}`))].sort();
}
