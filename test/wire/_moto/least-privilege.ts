/**
 * The least-privilege proof of the schedule's IAM policies, over the operations wire stories
 * saw each dbops run send (wire.ts records them per run): a scheduled command that sends an
 * operation its row of src/lib/providers/aws/operations.ts does not allow is a violation; a
 * row entry no run of that command sent is unproven unless WIRE_UNSEEN says why no story can
 * send it, and a WIRE_UNSEEN entry a run did send is stale.
 */
import { actionOf, COMMAND_OPERATIONS, FLEET_ROLE_ACTION, WIRE_UNSEEN } from '../../../src/lib/providers/aws/operations.js';
import { scheduledCommandOf } from '../../../src/lib/schedule/config.js';

/** One dbops run: the words it was started with, and the operations it sent ("service:Operation" as signed). */
export interface WireRun {
  words: string[];
  operations: string[];
}

/** The IAM actions each scheduled command's runs sent. */
export function seenByCommand(runs: readonly WireRun[]): Map<string, Set<string>> {
  const seen = new Map<string, Set<string>>();
  for (const run of runs) {
    const command = scheduledCommandOf(run.words);
    if (!command) continue;
    const set = seen.get(command) ?? new Set<string>();
    for (const op of run.operations) {
      const [service, operation] = op.split(':') as [string, string];
      set.add(actionOf(service, operation));
    }
    seen.set(command, set);
  }
  return seen;
}

/** Operations a scheduled command sent that its policy would deny. */
export function violations(runs: readonly WireRun[]): string[] {
  const out: string[] = [];
  for (const [command, actions] of seenByCommand(runs)) {
    const allowed = new Set<string>([...(COMMAND_OPERATIONS[command] ?? []), FLEET_ROLE_ACTION]);
    for (const a of [...actions].sort()) if (!allowed.has(a)) out.push(`${command} sent ${a}, which its policy does not allow`);
  }
  return out;
}

/** Policy entries of `commands` that no run sent and WIRE_UNSEEN does not excuse, and stale excuses. */
export function unproven(runs: readonly WireRun[], commands: readonly string[]): string[] {
  const seen = seenByCommand(runs);
  const out: string[] = [];
  for (const command of commands) {
    const actions = seen.get(command) ?? new Set<string>();
    const excused = WIRE_UNSEEN[command] ?? {};
    for (const a of COMMAND_OPERATIONS[command] ?? []) {
      const excuse = excused[a] ?? excused['*:*'];
      if (!actions.has(a) && !excuse) out.push(`${command}: the policy allows ${a}, which no wire story of it sent`);
      if (actions.has(a) && excused[a]) out.push(`${command}: ${a} is excused as unseen ("${excused[a]}") but a wire story sent it`);
    }
  }
  return out;
}
