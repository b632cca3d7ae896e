/** `dbops switchover`: the definition (handler: switchover.run.ts, loaded lazily). */
import { parseMaxLag } from '../lib/failover/settings.js';
import type { MaxLag } from '../lib/failover/types.js';
import { defineCommand, opt, type Lazy } from './define.js';

export const isMaxLag = (v: unknown): v is MaxLag => typeof v === 'object' && v !== null && 'kind' in v;

export const switchover = defineCommand({
  name: 'switchover',
  runbook: 'switchover',
  summary: 'Move the primary role to a replica without losing data (runbook switchover)',
  description: [
    'Follows runbooks/switchover.md (SO-1 .. SO-11). Every pre-check is printed with its measured value, its limit and the remedy: the primary answers; the candidate streams and replays; its lag is within --max-lag; its class and storage are not smaller (a warning); no backup or maintenance is running; enough WAL senders; a configured connection pool runs. Then: PAUSE the pool, stop writes at the primary (clean shutdown), wait until the candidate has replayed its last WAL, promote it, point the pool at it and RESUME, rebuild the old primary as its replica (pg_rewind when needed), verify.',
    '--timeout bounds the write pause up to the promotion: past it, dbops rolls back (the old primary takes writes again) and says why. Ctrl-C leaves exactly one working primary. --probe writes a numbered row every 50 ms through the application address and reports the longest gap between acknowledged writes, client errors and acknowledged writes lost. Reports: human, --json, --report <file.md>; the history is `dbops replica status --history`.',
    'Exit codes: 0 switched; 1 a pre-check refused (nothing changed) or the probe lost an acknowledged write; 2 bad input; 3 rolled back (timeout) or the environment failed; 130 interrupted.',
  ].join('\n\n'),
  options: {
    instance: opt.string('--instance <id>', 'the primary (default: database.identifier)'),
    candidate: opt.string('--candidate <replica>', 'the replica to promote (default: the streaming replica with the least lag)'),
    maxLag: opt.parsed('--max-lag <size|duration>', 'refuse when the candidate is further behind: 16MB (default), 1048576 (bytes), or 10s', parseMaxLag, isMaxLag),
    timeout: opt.duration('--timeout <duration>', 'longest write pause before rolling back (default 60s)', { positive: true }),
    scheduled: opt.string('--scheduled <time>', 'wait until this ISO 8601 time (with its zone), check again, then switch'),
    probe: opt.flag('--probe', 'measure what the application saw: a numbered write every 50 ms through its address'),
    report: opt.string('--report <file.md>', 'also write the report as Markdown (change record)'),
  },
  mutates: true,
  examples: [
    { command: 'dbops switchover --dry-run', description: 'the pre-checks with their numbers and the plan; nothing changes' },
    { command: 'dbops switchover --probe --yes', description: 'switch now, measuring the write gap the application sees' },
    { command: 'dbops switchover --candidate recipe-db-replica --max-lag 1MB --timeout 30s', description: 'a named replica, stricter limits' },
    { command: 'dbops switchover --scheduled 2026-12-06T04:00:00Z --yes --report switchover.md', description: 'in the maintenance window, with a Markdown record' },
    { command: 'dbops switchover --json --yes', description: 'the result as one JSON document' },
  ],
  load: (): Lazy => import('./switchover.run.js').then((m) => m.switchover),
});
