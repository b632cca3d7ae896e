/**
 * Fault injection on top of FakeRds: makes the next matching SDK call(s) fail with a real
 * AWS error, then lets calls through to the fake again. aws-sdk-client-mock replaces
 * `RDSClient.prototype.send` with its stub; this wraps that stub and puts it back.
 * A failed call never reaches the stub, so `rds.mock.commandCalls` counts only calls
 * that RDS (the fake) accepted.
 */
import { RDSClient } from '@aws-sdk/client-rds';

interface Sendable {
  input: Record<string, unknown>;
}

interface Client {
  config: { region: () => Promise<string> };
}

export interface Fault {
  /** How many calls it failed so far. */
  readonly hits: number;
  restore(): void;
}

export interface FaultOptions {
  /** How many matching calls fail (default 1). */
  times?: number;
  /** Only calls whose input has these values (undefined: the key must be absent; true: present). */
  input?: Record<string, unknown>;
  /** Only calls sent to this region's client. */
  region?: string;
}

function inputMatches(cmd: Sendable, want: Record<string, unknown>): boolean {
  return Object.entries(want).every(([k, v]) => (v === true ? cmd.input[k] !== undefined : cmd.input[k] === v));
}

/** Fails the next `times` calls of `command` that match, with `error()`. */
export function failNext(command: new (input: never) => unknown, error: () => Error, opts: FaultOptions = {}): Fault {
  const proto = RDSClient.prototype as unknown as { send: (this: Client, cmd: Sendable, ...rest: unknown[]) => Promise<unknown> };
  const stubbed = proto.send;
  let left = opts.times ?? 1;
  let hits = 0;
  proto.send = async function (this: Client, cmd: Sendable, ...rest: unknown[]) {
    const hit =
      left > 0 &&
      cmd instanceof command &&
      inputMatches(cmd, opts.input ?? {}) &&
      (opts.region === undefined || (await this.config.region()) === opts.region);
    if (hit) {
      left--;
      hits++;
      throw error();
    }
    return stubbed.call(this, cmd, ...rest);
  };
  return {
    get hits() {
      return hits;
    },
    restore() {
      proto.send = stubbed;
    },
  };
}

/** What the SDK throws when AWS keeps throttling (after its own retries). */
export function throttling(): Error {
  return Object.assign(new Error('Rate exceeded'), {
    name: 'ThrottlingException',
    $metadata: { httpStatusCode: 400 },
    $retryable: { throttling: true },
  });
}
