/** `dbops runbook [name] [id]`: the definition (handler: runbook.run.ts, loaded lazily). */
import { arg, defineCommand, type Lazy, examples } from './define.js';

export const runbook = defineCommand({
  name: 'runbook',
  summary: 'Print a runbook, or one step or finding section of it, in the terminal (no name: the index)',
  description:
    'The runbooks ship with dbops (runbooks/*.md). No name prints the index: which command follows which runbook, and which runbook answers which cron alert. A name prints that runbook; an id (a step such as RT-5, or a finding section such as FT-R3) only that section. The name may be given as a finding prints it: runbooks/free-tier.md#FT-R3. Exit 2 for an unknown name or id, with the valid ones.',
  args: {
    name: arg('[name]', 'the runbook: restore-test, migrate, free-tier, … (or runbooks/<name>.md#<id>)'),
    id: arg('[id]', 'one step or finding section: RT-5, FT-R3 (case does not matter)'),
  },
  configOptional: true,
  examples: examples(`
    $ dbops runbook                           # the index: command → runbook, alert → runbook
    $ dbops runbook restore-test RT-5         # one step, as the error named it
    $ dbops runbook free-tier FT-R3           # what a free-tier finding means and the fix
    $ dbops runbook runbooks/audit.md#AU-R2   # the section a finding printed, pasted as is
    $ dbops runbook database-failure          # the emergency procedure, whole
  `),
  load: (): Lazy => import('./runbook.run.js').then((m) => m.runbook),
});
