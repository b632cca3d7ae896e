/** `dbops switchover`: the definition (handler: switchover.run.ts, loaded lazily). */
import { parseMaxLag } from '../lib/failover/settings.js';
import type { MaxLag } from '../lib/failover/types.js';
import { defineCommand, opt, type Lazy, examples } from './define.js';

export const isMaxLag = (v: unknown): v is MaxLag => typeof v === 'object' && v !== null && 'kind' in v;

export const switchover = defineCommand({
  name: 'switchover',
  dueBackup: false,
  runbook: 'switchover',
  summary: 'Move the primary role to a replica without losing data (runbook switchover)',
  description: [
    'Follows runbooks/switchover.md (SO-1 .. SO-12). Every pre-check is printed with its measured value, its limit and the remedy: the primary answers; the candidate streams and replays; its lag is within --max-lag; its class and storage are not smaller (a warning); no backup or maintenance is running; enough WAL senders; a configured connection pool runs. Then: PAUSE the pool, stop writes at the primary (clean shutdown), wait until the candidate has replayed its last WAL, promote it, point the pool at it and RESUME, rebuild the old primary as its replica (pg_rewind when needed), verify.',
    '--timeout bounds the write pause up to the promotion: past it, dbops rolls back (the old primary takes writes again) and says why. Ctrl-C leaves exactly one working primary. --probe writes a numbered row every 50 ms through the application address and reports the longest gap between acknowledged writes, client errors and acknowledged writes lost. Reports: human, --json, --report <file.md>; the history is `dbops replica status --history`.',
    'On AWS (RDS read replicas, RDS Proxy when connectionPool.kind is rds-proxy): RDS has no write pause, so the old primary is deregistered from the proxy and dbops waits until the candidate has replayed its WAL (the data plane when it answers, else ReplicaLag 0; give --max-lag and --timeout as durations, e.g. 10s and 3min); PromoteReadReplica keeps the backup retention; the proxy is pointed at the new primary and must report TargetHealth AVAILABLE within --timeout; an RDS instance cannot follow a promoted replica, so a new read replica of the new primary is created and the old primary is kept (--delete-old-primary deletes it with a final snapshot). A Multi-AZ primary without a replica is switched with RebootDBInstance --force-failover (same endpoint).',
    'Exit codes: 0 switched; 1 a pre-check refused (nothing changed) or the probe lost an acknowledged write; 2 bad input; 3 rolled back (timeout) or the environment failed; 130 interrupted.',
  ].join('\n\n'),
  options: {
    instance: opt.string('--instance <id>', 'the primary (default: database.identifier)'),
    candidate: opt.string('--candidate <replica>', 'the replica to promote (default: the streaming replica with the least lag)'),
    maxLag: opt.parsed(
      '--max-lag <size|duration>',
      'refuse when the candidate is further behind: 16MB (default), 1048576 (bytes), or 10s',
      parseMaxLag,
      isMaxLag,
    ),
    timeout: opt.duration('--timeout <duration>', 'longest write pause before rolling back (default 60s)', { positive: true }),
    scheduled: opt.string('--scheduled <time>', 'wait until this ISO 8601 time (with its zone), check again, then switch'),
    probe: opt.flag('--probe', 'measure what the application saw: a numbered write every 50 ms through its address'),
    report: opt.string('--report <file.md>', 'also write the report as Markdown (change record)'),
    deleteOldPrimary: opt.flag(
      '--delete-old-primary',
      'AWS: after a verified switch, delete the old primary with a final snapshot (asked first; deletion protection is respected)',
    ),
  },
  mutates: true,
  examples: examples(`
    $ dbops switchover --dry-run                                                       # the pre-checks with their numbers and the plan; nothing changes
    $ dbops switchover --probe --yes                                                   # switch now, measuring the write gap the application sees
    $ dbops switchover --candidate recipe-db-replica --max-lag 1MB --timeout 30s       # a named replica, stricter limits
    $ dbops switchover --scheduled 2026-12-06T04:00:00Z --yes --report switchover.md   # in the maintenance window, with a Markdown record
    $ dbops switchover --json --yes                                                    # the result as one JSON document
    $ dbops switchover --provider aws --max-lag 10s --timeout 5min --yes               # AWS: lag in seconds (ReplicaLag), room for RDS Proxy to report the new target AVAILABLE
    $ dbops switchover --provider aws --yes --delete-old-primary                       # AWS: afterwards delete the old primary with a final snapshot (asked on a terminal)
  `),
  load: (): Lazy => import('./switchover.run.js').then((m) => m.switchover),
});
