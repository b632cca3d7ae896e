/** `dbops failover`: the definition (handler: failover.run.ts, loaded lazily). */
import { parseMaxLag } from '../lib/failover/settings.js';
import { defineCommand, opt, type Lazy, examples } from './define.js';
import { isMaxLag } from './switchover.js';

export const failover = defineCommand({
  name: 'failover',
  dueBackup: false,
  runbook: 'failover',
  summary: 'Promote a replica when the primary is down, fence the old one, report the data lost (runbook failover)',
  description: [
    "Follows runbooks/failover.md (FO-1 .. FO-9). Refuses while the primary still answers (use `dbops switchover`) unless --force. Picks the replica missing the least of the primary's data — measured against the old primary's own WAL when its storage can be read — unless --candidate names one, and refuses with the numbers when it is further behind than --max-lag unless --force.",
    'The old primary is fenced before the promotion: stopped if it runs, standby.signal written so a start by hand comes up read-only, and the fence recorded so dbops never starts it. The connection pool is pointed at the new primary. The report gives the data loss: bytes of WAL and committed transactions the old primary had past the fork point.',
    "On AWS: the candidate with the least ReplicaLag (CloudWatch, seconds; WAL positions when the databases answer from here); --max-lag is then a duration (default 10s). The old primary is tagged dbops:fenced-by and stopped with StopDBInstance (RDS refuses while it still has a read replica: dbops tries again right after PromoteReadReplica, and says in the report when it could not). RDS Proxy is pointed at the new primary and must report TargetHealth AVAILABLE within --timeout (default 5min on AWS; past it the run fails with RDS's State and Reason, exit 3, the new primary staying the primary); the loss is bounded by the candidate's ReplicaLag at promotion, and measured in bytes (and by dbops.heartbeat) when the old primary still answers.",
    'An Aurora cluster (database.engine aurora-postgresql) fails over by FailoverDBCluster to a reader (--candidate, default the first in failover order), following runbooks/cluster-failover.md (CF-1 .. CF-3); a cluster without a reader is refused (exit 2).',
    'Exit codes: 0 failed over; 1 a pre-check refused (nothing changed); 2 bad input; 3 the environment failed; 130 interrupted.',
  ].join('\n\n'),
  options: {
    instance: opt.string('--instance <id>', 'the failed primary (default: database.identifier)'),
    candidate: opt.string('--candidate <replica>', 'the replica to promote (default: the one missing the least data)'),
    maxLag: opt.parsed(
      '--max-lag <size|duration>',
      'refuse when the candidate lacks more than this: 16MB (default; AWS: 10s), 1048576 (bytes), or 30s',
      parseMaxLag,
      isMaxLag,
    ),
    timeout: opt.duration(
      '--timeout <duration>',
      'how long the connection pool may take to serve the new primary before the run fails, exit 3 (default 60s; AWS: 5min, RDS Proxy reports a new target AVAILABLE slowly)',
      { positive: true },
    ),
    force: opt.flag('--force', 'fail over even though the primary answers or the candidate lags (the old primary is fenced)'),
    probe: opt.flag('--probe', 'measure what the application saw: a numbered write every 50 ms through its address'),
    report: opt.string('--report <file.md>', 'also write the report as Markdown (incident record)'),
  },
  mutates: true,
  examples: examples(`
    $ dbops failover --dry-run                                                 # is the primary really down, which replica, how much data would be lost
    $ dbops failover --yes --probe --report incident.md                        # fail over now; the loss and the write gap in the record
    $ dbops failover --candidate recipe-db-replica --max-lag 1MB --yes         # a named replica, at most 1 MB behind
    $ dbops failover --provider aws --max-lag 30s --yes --report incident.md   # AWS: promote the replica with the least ReplicaLag (at most 30 s), stop the old primary, switch RDS Proxy
    $ dbops failover --provider aws --timeout 10min --yes                     # AWS: give RDS Proxy up to 10 min to report the new primary AVAILABLE
    $ dbops failover --candidate content-hub-reader --yes                      # an Aurora cluster: FailoverDBCluster to that reader
    $ dbops failover --yes --probe --report hub-failover.md                    # an Aurora cluster: the write gap through the cluster endpoint, in the record
  `),
  load: (): Lazy => import('./failover.run.js').then((m) => m.failover),
});
