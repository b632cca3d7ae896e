import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A value that must never be printed: passwords, tokens. `String(secret)`, JSON,
 * template literals and util.inspect all show `[redacted]`; only `reveal()` gives the
 * value, and only code that hands it to a driver or a child process calls it.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}

const known = new Set<string>();

/** Registers a secret's value so `redact()` removes it from any text bound for output. */
export function registerSecret(value: string | Secret): void {
  const v = typeof value === 'string' ? value : value.reveal();
  if (v.length >= 4) known.add(v);
}

/**
 * Last line of defence: removes every registered secret, and anything shaped like a
 * password in a connection string, from text before it reaches stdout, stderr or a report.
 */
export function redact(text: string): string {
  let out = text;
  for (const v of known) if (out.includes(v)) out = out.split(v).join(REDACTED);
  // A MySQL URL too; the literal `password` of a usage example is a placeholder, not a secret (a real one is registered above).
  return out.replace(/((?:postgres(?:ql)?|mysql):\/\/[^:/\s@]+:)(?!password@)[^@\s]+@/gi, `$1${REDACTED}@`);
}
