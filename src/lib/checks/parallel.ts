/**
 * Work spread over a few connections: each connection takes the next item when it is
 * free (largest first is the caller's ordering), so one huge table does not leave the
 * other connections idle behind it. Stops handing out work once the signal aborts.
 */
import { Interrupted } from '../errors.js';
import type { Queryable } from './types.js';

export async function forEachOnConnections<T, C extends Queryable = Queryable>(
  items: readonly T[],
  connections: readonly C[],
  work: (db: C, item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  const worker = async (db: C): Promise<void> => {
    for (;;) {
      if (signal?.aborted) throw new Interrupted();
      const index = next++;
      if (index >= items.length) return;
      try {
        await work(db, items[index]!);
      } catch (e) {
        next = items.length; // the others finish what they hold and stop
        throw e;
      }
    }
  };
  const workers = connections.slice(0, Math.max(1, Math.min(connections.length, items.length))).map(worker);
  const settled = await Promise.allSettled(workers);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}
