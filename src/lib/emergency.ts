/**
 * What a second Ctrl-C (or a second SIGTERM/SIGHUP) still does before dbops quits at
 * once: kill the child processes this process started and the servers it started and
 * has not handed over yet, so quitting never leaves a `pg_ctl`, `tar` or postgres running.
 * The cleanup stack is skipped then (that is the point of the second signal), and
 * `dbops gc` removes what is left on disk.
 *
 * Handlers must be synchronous: they run right before `process.exit`. This module has no
 * imports, so the CLI can load it before any command without slowing `--help`.
 */
type Handler = () => void;

const handlers = new Set<Handler>();

/** Registers a last-resort action; returns the function that removes it. */
export function onEmergency(fn: Handler): () => void {
  handlers.add(fn);
  return () => {
    handlers.delete(fn);
  };
}

/** Runs every registered action (newest first); one that throws does not stop the others. */
export function runEmergency(): void {
  for (const fn of [...handlers].reverse()) {
    try {
      fn();
    } catch {
      // Quitting anyway: the next action may still succeed.
    }
  }
}
