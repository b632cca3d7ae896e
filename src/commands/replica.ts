/** `dbops replica status`: the definition (handler: replica.run.ts, loaded lazily). */
import { defineCommand, defineGroup, opt, type Lazy, examples } from './define.js';
import { fleetRunOptions } from './fleet-options.js';

export const status = defineCommand({
  name: 'status',
  summary: 'The primary, its replicas (state, lag in bytes and seconds) and the connection pool in front',
  description:
    "Local provider: pg_stat_replication on the primary, pg_last_wal_receive_lsn / pg_last_wal_replay_lsn / pg_last_xact_replay_timestamp on each replica, and the pgbouncer SHOW POOLS figures (cl_waiting, sv_active, maxwait). AWS: DescribeDBInstances (replicas, status, class, storage, Multi-AZ), pending maintenance, the CloudWatch ReplicaLag metric (seconds) per replica, WAL positions when the databases answer from this machine (bytes), and RDS Proxy with each target's TargetHealth (State, Reason). A replica id shows its primary's topology. --history lists the switchovers and failovers recorded.",
  fleet:
    "With --all or --select (docs/fleet.md): every primary of the fleet, --concurrency at a time, one summary row each (replicas, worst lag, a disconnected or stopped replica); a replica whose primary is in the fleet is shown in its primary's row. Exit 1 when a replica is disconnected or stopped, 3 when a database could not be read.",
  isDefault: true,
  options: {
    instance: opt.string('--instance <id>', 'the primary, or one of its replicas (default: database.identifier)'),
    history: opt.flag('--history', 'the switchovers and failovers recorded, newest first'),
    ...fleetRunOptions,
  },
  examples: examples(`
    $ dbops replica status                                               # the configured primary and its replicas
    $ dbops replica status --json                                        # the topology as JSON (lag in bytes and seconds)
    $ dbops replica status --history                                     # past switchovers and failovers with their write gaps and data loss
    $ dbops replica status --provider aws --instance recipe-db-primary   # AWS: ReplicaLag per replica and the RDS Proxy target health
    $ dbops replica status --all --concurrency 8                         # every primary of the fleet: replicas and worst lag, one table
  `),
  load: (): Lazy => import('./replica.run.js').then((m) => m.status),
});

export const replica = defineGroup({
  name: 'replica',
  summary: 'Read replicas: topology, lag, connection pool, switchover history',
  examples: examples(`
    $ dbops replica status   # the topology and lag now
  `),
  subcommands: [status],
});
