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

/**
 * Makes a session read-only and polite: nothing it runs can write, or wait long for a
 * lock, and (PostgreSQL 14+) a query it runs stops within a second once dbops is gone
 * (Ctrl-C destroys the connection; without the check the server would finish the query).
 */
export async function makeReadOnly(client: Pick<Client, 'query'>): Promise<void> {
  await client.query('SET default_transaction_read_only = on');
  await client.query(`SET lock_timeout = '5s'`);
  await client.query(`SET idle_in_transaction_session_timeout = '10min'`);
  await client.query(
    `SELECT set_config('client_connection_check_interval', '1s', false) WHERE current_setting('server_version_num')::int >= 140000`,
  );
}

/**
 * A set of open clients. When the signal aborts (Ctrl-C), every connection is destroyed at
 * once: no goodbye to the server and no waiting for a running query (amcheck on a big
 * table, a count on the source) to finish; the queries reject at once and the run goes
 * on to its cleanup. `close()` is the polite end, after the work.
 */
export class ClientSet {
  readonly #clients: Client[] = [];
  #onAbort?: () => void;
  readonly #signal?: AbortSignal;

  constructor(signal?: AbortSignal) {
    this.#signal = signal;
    if (signal) {
      this.#onAbort = () => this.#destroy();
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  #destroy(): void {
    for (const c of this.#clients.splice(0)) c.connection.stream.destroy();
  }

  async add(open: () => Promise<Client>): Promise<Client> {
    if (this.#signal?.aborted) throw new Interrupted();
    const c = await open();
    this.#clients.push(c);
    if (this.#signal?.aborted) {
      this.#destroy();
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
