/**
 * A member's output in a fleet run: databases run concurrently, so a spinner or a line
 * without its owner would be unreadable. Every message is one whole line (one write)
 * prefixed with the database, progress shows its start and its end as lines (never a
 * spinner), and a member never prints a result: the fleet prints one summary.
 */
import type { Output, Progress } from '../output/output.js';

export function prefixedOutput(out: Output, prefix: string): Output {
  const p = `[${prefix}]`;
  const line = (write: (m: string) => void) => (message: string) => {
    for (const l of message.split('\n')) write(`${p} ${l}`);
  };
  const info = line((m) => out.info(m));
  return {
    json: out.json,
    quiet: out.quiet,
    verbose: out.verbose,
    c: out.c,
    interactive: out.interactive,
    result() {
      // The fleet run's summary is the result; a member's full result goes to --report-dir and --json.
    },
    info,
    success: line((m) => out.success(m)),
    warn: line((m) => out.warn(m)),
    error: line((m) => out.error(m)),
    debug: line((m) => out.debug(m)),
    progress(text: string): Progress {
      let current = text;
      let done = false;
      info(`… ${current}`);
      const end = (mark: string, t?: string) => {
        if (done) return;
        done = true;
        info(`${mark} ${t ?? current}`);
      };
      return {
        update(t) {
          current = t;
        },
        succeed: (t) => end('✔', t),
        fail: (t) => end('✖', t),
        stop() {
          done = true;
        },
      };
    },
  };
}
