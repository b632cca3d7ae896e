/** `dbops init`: the definition (handler: init.run.ts, loaded lazily). */
import { defineCommand, examples, type Lazy, opt } from './define.js';

export const init = defineCommand({
  name: 'init',
  summary: 'Write dbops.config.yaml with an interactive wizard (free-tier defaults, rough costs)',
  description:
    "Asks for the provider, region and profile (showing the AWS account id), the database, backups and snapshots, DR, the cache, alarms, budget and who may connect, with the seeds' free-tier profile as defaults and a rough monthly cost for each choice that leaves the free tier. Shows the file, then writes it; an existing file is only overwritten after confirmation or with --force.",
  options: {
    defaults: opt.flag('--defaults', 'write the free-tier defaults without asking (for scripts)'),
    force: opt.flag('--force', 'overwrite an existing file without asking'),
    output: opt.string('--output <file>', 'where to write (default: ./dbops.config.yaml)'),
  },
  configOptional: true,
  mutates: true,
  examples: examples(`
    $ dbops init                                                   # answer the questions on a terminal
    $ dbops init --defaults --dry-run                              # show the file it would write, write nothing
    $ dbops init --defaults                                        # the seeds' free-tier profile, no questions
    $ dbops init --defaults --force --output staging.config.yaml   # another file, overwritten
  `),
  load: (): Lazy => import('./init.run.js').then((m) => m.init),
});
