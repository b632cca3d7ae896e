/**
 * The write probe: what the application lived through. A writer inserts a numbered row
 * every 50 ms through the application's address (the pooler when there is one) and
 * records each acknowledgement and each client error; afterwards the rows are read back
 * from the new primary. The table lives in the `dbops` schema and is dropped after.
 */
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { postgresEngine } from '../engines/postgres.js';
import { messageOf } from '../errors.js';
import type { Secret } from '../secret.js';
import type { ProbeFigures } from './types.js';

export interface ProbeTarget {
  host: string;
  port: number;
  user: string;
  database: string;
  password?: Secret;
  /** TLS as the provider says (AWS: require, or verify-full with a CA bundle); off when absent. */
  ssl?: 'disable' | 'require' | 'verify-full';
  caBundlePath?: string;
}

/** pg's ssl option for a target: verified with a CA bundle, encrypted without one, off locally. */
export function sslOf(t: ProbeTarget): false | { rejectUnauthorized: boolean; ca?: string } {
  if (t.ssl === 'verify-full' && t.caBundlePath) return { rejectUnauthorized: true, ca: readFileSync(t.caBundlePath, 'utf8') };
  if (t.ssl === 'require' || t.ssl === 'verify-full') return { rejectUnauthorized: false };
  return false;
}

export interface ProbeOptions {
  table: string;
  intervalMs: number;
  /** Where to write; called again after an error (without a pooler the address moves). */
  resolve: () => Promise<ProbeTarget>;
  address: string;
  /** Per-insert limit: a client that waits longer sees an error, as an application would. */
  statementTimeoutMs: number;
}

/** Longest gap between consecutive acknowledgement times, ms. Pure. */
export function longestGap(ackTimes: number[]): number {
  let gap = 0;
  for (let i = 1; i < ackTimes.length; i++) gap = Math.max(gap, ackTimes[i]! - ackTimes[i - 1]!);
  return Math.round(gap);
}

/** Acknowledged sequence numbers missing from what was read back. Pure. */
export function missingAcked(acked: number[], present: Iterable<number>): number[] {
  const have = new Set(present);
  return acked.filter((n) => !have.has(n));
}

/** The probe's SQL from the engine port; `table` is dbops-made (letters, digits, underscores). Failover is PostgreSQL's (streaming replicas). */
function probeSql(table: string) {
  return postgresEngine.probeSql(table);
}

async function open(t: ProbeTarget, statementTimeoutMs: number): Promise<pg.Client> {
  const { default: pgLib } = await import('pg');
  const c = new pgLib.Client({
    host: t.host,
    port: t.port,
    user: t.user,
    database: t.database,
    password: t.password?.reveal(),
    ssl: sslOf(t),
    connectionTimeoutMillis: statementTimeoutMs,
    query_timeout: statementTimeoutMs,
  });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

/** Creates the probe table (and the dbops schema) on a primary, before the operation. */
export async function createProbeTable(t: ProbeTarget, table: string): Promise<void> {
  const c = await open(t, 10_000);
  try {
    for (const st of probeSql(table).create) await c.query(st);
  } finally {
    await c.end().catch(() => undefined);
  }
}

export async function dropProbeTable(t: ProbeTarget, table: string): Promise<void> {
  const c = await open(t, 10_000);
  try {
    await c.query(probeSql(table).drop);
  } finally {
    await c.end().catch(() => undefined);
  }
}

export async function readProbeRows(t: ProbeTarget, table: string): Promise<number[]> {
  const c = await open(t, 10_000);
  try {
    return (await c.query<{ seq: number }>(probeSql(table).readBack)).rows.map((r) => r.seq);
  } finally {
    await c.end().catch(() => undefined);
  }
}

export class WriteProbe {
  readonly #opts: ProbeOptions;
  #seq = 0;
  #acked: number[] = [];
  #ackTimes: number[] = [];
  #errors: string[] = [];
  #client: pg.Client | undefined;
  #running = false;
  #loop: Promise<void> | undefined;
  #startedAt = 0;
  #stoppedAt = 0;

  constructor(opts: ProbeOptions) {
    this.#opts = opts;
  }

  start(): void {
    this.#startedAt = performance.now();
    this.#running = true;
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const started = performance.now();
      await this.#writeOne();
      const wait = this.#opts.intervalMs - (performance.now() - started);
      if (wait > 0 && this.#running) await new Promise((r) => setTimeout(r, wait));
    }
  }

  async #writeOne(): Promise<void> {
    const seq = ++this.#seq;
    try {
      if (!this.#client) {
        const c = await open(await this.#opts.resolve(), this.#opts.statementTimeoutMs);
        this.#client = c;
        // On a fresh connection: the table exists wherever writes land (a failover's new primary too).
        for (const st of probeSql(this.#opts.table).create) await c.query(st);
      }
      await this.#client.query(probeSql(this.#opts.table).insert, [seq]);
      this.#acked.push(seq);
      this.#ackTimes.push(performance.now());
    } catch (e) {
      this.#errors.push(messageOf(e));
      const c = this.#client;
      this.#client = undefined;
      await c?.end().catch(() => undefined);
    }
  }

  /** Stops writing; resolves once the last insert settled. */
  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    this.#stoppedAt = performance.now();
    const c = this.#client;
    this.#client = undefined;
    await c?.end().catch(() => undefined);
  }

  get acked(): readonly number[] {
    return this.#acked;
  }

  /** The figures, given the sequence numbers read back from the new primary. */
  figures(present: number[]): ProbeFigures {
    const lost = missingAcked(this.#acked, present);
    return {
      address: this.#opts.address,
      intervalMs: this.#opts.intervalMs,
      attempts: this.#seq,
      acked: this.#acked.length,
      clientErrors: this.#errors.length,
      errorSamples: [...new Set(this.#errors)].slice(0, 3),
      // From the start to the first ack and from the last ack to the stop count too: writes that never came back are one long gap.
      longestGapMs: longestGap([this.#startedAt, ...this.#ackTimes, this.#stoppedAt || performance.now()]),
      lostAcked: lost.length,
      lostSample: lost.slice(0, 20),
    };
  }
}
