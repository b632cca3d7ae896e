/**
 * Connections for the data-plane checks. The restore gets a few (amcheck and counts run
 * tables in parallel); the source exactly one, made read-only for the whole session
 * (default_transaction_read_only) with a short lock_timeout, so nothing dbops runs there
 * can change it or queue behind, and then block, the application's DDL.
 *
 * They are opened by db/connect.ts, the one connection helper: TLS follows the
 * provider's ConnectionInfo, and through a tunnel (--connect-host host[:port]) the
 * certificate is still checked against the instance's own name.
 */
import type { Client } from 'pg';
import { Interrupted } from '../errors.js';

/** Makes a session read-only and polite: nothing it runs can write, or wait long for a lock. */
export async function makeReadOnly(client: Pick<Client, 'query'>): Promise<void> {
  await client.query('SET default_transaction_read_only = on');
  await client.query(`SET lock_timeout = '5s'`);
  await client.query(`SET idle_in_transaction_session_timeout = '10min'`);
}

/** A set of open clients that all end when the signal aborts (so a running query stops at once). */
export class ClientSet {
  readonly #clients: Client[] = [];
  #onAbort?: () => void;
  readonly #signal?: AbortSignal;

  constructor(signal?: AbortSignal) {
    this.#signal = signal;
    if (signal) {
      this.#onAbort = () => void this.close();
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  async add(open: () => Promise<Client>): Promise<Client> {
    if (this.#signal?.aborted) throw new Interrupted();
    const c = await open();
    this.#clients.push(c);
    if (this.#signal?.aborted) {
      await this.close();
      throw new Interrupted();
    }
    return c;
  }

  async close(): Promise<void> {
    if (this.#onAbort) this.#signal?.removeEventListener('abort', this.#onAbort);
    const all = this.#clients.splice(0);
    await Promise.all(all.map((c) => c.end().catch(() => undefined)));
  }
}
