/** `dbops failover`: the definition (handler: failover.run.ts, loaded lazily). */
import { parseMaxLag } from '../lib/failover/settings.js';
import { defineCommand, opt, type Lazy } from './define.js';
import { isMaxLag } from './switchover.js';

export const failover = defineCommand({
  name: 'failover',
  runbook: 'failover',
  summary: 'Promote a replica when the primary is down, fence the old one, report the data lost (runbook failover)',
  description: [
    'Follows runbooks/failover.md (FO-1 .. FO-9). Refuses while the primary still answers (use `dbops switchover`) unless --force. Picks the replica missing the least of the primary\'s data — measured against the old primary\'s own WAL when its storage can be read — unless --candidate names one, and refuses with the numbers when it is further behind than --max-lag unless --force.',
    'The old primary is fenced before the promotion: stopped if it runs, standby.signal written so a start by hand comes up read-only, and the fence recorded so dbops never starts it. The connection pool is pointed at the new primary. The report gives the data loss: bytes of WAL and committed transactions the old primary had past the fork point.',
    'Exit codes: 0 failed over; 1 a pre-check refused (nothing changed); 2 bad input; 3 the environment failed; 130 interrupted.',
  ].join('\n\n'),
  options: {
    instance: opt.string('--instance <id>', 'the failed primary (default: database.identifier)'),
    candidate: opt.string('--candidate <replica>', 'the replica to promote (default: the one missing the least data)'),
    maxLag: opt.parsed('--max-lag <bytes>', 'refuse when the candidate lacks more than this: 16MB (default), 1048576', parseMaxLag, isMaxLag),
    force: opt.flag('--force', 'fail over even though the primary answers or the candidate lags (the old primary is fenced)'),
    probe: opt.flag('--probe', 'measure what the application saw: a numbered write every 50 ms through its address'),
    report: opt.string('--report <file.md>', 'also write the report as Markdown (incident record)'),
  },
  mutates: true,
  examples: [
    { command: 'dbops failover --dry-run', description: 'is the primary really down, which replica, how much data would be lost' },
    { command: 'dbops failover --yes --probe --report incident.md', description: 'fail over now; the loss and the write gap in the record' },
    { command: 'dbops failover --candidate recipe-db-replica --max-lag 1MB --yes', description: 'a named replica, at most 1 MB behind' },
  ],
  load: (): Lazy => import('./failover.run.js').then((m) => m.failover),
});
