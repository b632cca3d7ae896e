/**
 * Ports on 127.0.0.1. Each local cluster gets its own; a system PostgreSQL on 5432 is
 * never touched. A port recorded by another dbops instance (even a stopped one, which
 * would clash when it starts again) counts as taken.
 */
import { createServer } from 'node:net';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EnvironmentError } from '../../errors.js';
import { isResourceName, localRoot, regionLayout } from './layout.js';
import { LOCAL_HOST, type InstanceRecord } from './records.js';
import { readJson } from './state.js';

/** Resolves with the port the kernel gave, or rejects with the listen error. */
function probe(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host: LOCAL_HOST, port, exclusive: true }, () => {
      const addr = srv.address();
      const got = typeof addr === 'object' && addr ? addr.port : port;
      srv.close(() => resolve(got));
    });
  });
}

/** Ports recorded in instance.json and pooler.json files of every region under $DBOPS_HOME: port -> "region/id". */
export async function recordedPorts(home: string): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const region of await listDir(localRoot(home))) {
    const layout = regionLayout(home, region);
    for (const id of (await listDir(layout.instancesDir)).filter(isResourceName)) {
      const rec = await readJson<InstanceRecord>(layout.instanceJson(id)).catch(() => undefined);
      if (rec?.port) out.set(rec.port, `${region}/${id}`);
    }
    // Connection pools (pgbouncer) in front of the instances have their own ports.
    const poolers = join(layout.regionDir, 'poolers');
    for (const name of (await listDir(poolers)).filter(isResourceName)) {
      const rec = await readJson<{ port?: number }>(join(poolers, name, 'pooler.json')).catch(() => undefined);
      if (rec?.port) out.set(rec.port, `${region}/pool ${name}`);
    }
  }
  return out;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name);
  } catch {
    return [];
  }
}

/** A free port on 127.0.0.1 (bind port 0), not 5432 and not recorded by another instance. */
export async function freePort(home: string): Promise<number> {
  const taken = await recordedPorts(home);
  for (let i = 0; i < 20; i++) {
    const port = await probe(0).catch((e: Error) => {
      throw new EnvironmentError(`Could not find a free port on ${LOCAL_HOST}: ${e.message}`, { cause: e });
    });
    if (port !== 5432 && !taken.has(port)) return port;
  }
  throw new EnvironmentError(`Could not find a free port on ${LOCAL_HOST}.`);
}

/** Checks a caller-chosen port: free now, and not the port of another dbops instance. */
export async function assertPortFree(home: string, port: number): Promise<void> {
  const hint = 'Choose another port, or leave the port unset so dbops picks a free one.';
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new EnvironmentError(`Port ${port} is not a valid TCP port.`, { hint });
  }
  const owner = (await recordedPorts(home)).get(port);
  if (owner)
    throw new EnvironmentError(`Port ${port} on ${LOCAL_HOST} is in use.`, {
      hint: `It belongs to dbops instance ${owner}. ${hint}`,
    });
  try {
    await probe(port);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const sentence =
      code === 'EADDRINUSE'
        ? `Port ${port} on ${LOCAL_HOST} is in use.`
        : `Port ${port} on ${LOCAL_HOST} cannot be used (${code ?? 'error'}).`;
    throw new EnvironmentError(sentence, { hint, cause: e });
  }
}
