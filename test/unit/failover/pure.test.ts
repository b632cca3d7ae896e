/**
 * The pure parts of switchover and failover, with exact equality: WAL positions, flags,
 * candidate choice, pre-checks and their refusal text, plans, pg_controldata / history /
 * pg_waldump parsing, the pgbouncer files, the probe's arithmetic, history lines.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/lib/errors.js';
import { failoverChecks, pickCandidate, refusalText, switchoverChecks } from '../../../src/lib/failover/checks.js';
import { failoverPlan } from '../../../src/lib/failover/failover.js';
import { formatLsn, lsnAtLeast, lsnBytesBehind, parseLsn } from '../../../src/lib/failover/lsn.js';
import { longestGap, missingAcked } from '../../../src/lib/failover/probe.js';
import { formatBytes, parseMaxLag, parseScheduled } from '../../../src/lib/failover/settings.js';
import { switchoverPlan } from '../../../src/lib/failover/switchover.js';
import type { PrimaryState, ReplicaState, Topology } from '../../../src/lib/providers/failover-types.js';
import { pgbouncerIni, poolFigures, userlist, type PoolerRecord } from '../../../src/lib/providers/local/pgbouncer.js';
import { parseControlData, parseHistory, summarizeWaldump } from '../../../src/lib/providers/local/wal.js';
import { Secret } from '../../../src/lib/secret.js';

const primary: PrimaryState = {
  id: 'db',
  status: 'available',
  reachable: true,
  instanceClass: 'db.t3.micro',
  allocatedStorageGb: 20,
  multiAz: false,
  backingUp: false,
  pendingMaintenance: [],
  lsn: '0/5000000',
  walSenders: { used: 1, max: 10 },
  replicationSlots: { used: 0, max: 10 },
};

function replica(id: string, over: Partial<ReplicaState> = {}): ReplicaState {
  return {
    id,
    status: 'available',
    reachable: true,
    instanceClass: 'db.t3.micro',
    allocatedStorageGb: 20,
    multiAz: false,
    backingUp: false,
    pendingMaintenance: [],
    sourceId: 'db',
    state: 'streaming',
    replayLsn: '0/5000000',
    lagBytes: 0,
    lagSeconds: 0,
    replayPaused: false,
    ...over,
  };
}

const topo = (replicas: ReplicaState[], p: Partial<PrimaryState> = {}): Topology => ({
  observedAt: '2026-12-02T03:00:00.000Z',
  primary: { ...primary, ...p },
  replicas,
});

describe('WAL positions', () => {
  it('parse, format and subtract exactly', () => {
    expect(parseLsn('16/B374D848')).toBe(0x16b374d848n);
    expect(formatLsn(0x16b374d848n)).toBe('16/B374D848');
    expect(lsnBytesBehind('1/0', '0/FFFFFFFF')).toBe(1);
    expect(lsnBytesBehind('0/10', '0/20')).toBe(0);
    expect(lsnAtLeast('0/20', '0/20')).toBe(true);
    expect(() => parseLsn('nope')).toThrow('"nope" is not a WAL position (expected something like 0/3000148).');
  });
});

describe('flags', () => {
  it('--max-lag is a size or a duration', () => {
    expect(parseMaxLag('16MB')).toEqual({ kind: 'bytes', bytes: 16777216 });
    expect(parseMaxLag('1048576')).toEqual({ kind: 'bytes', bytes: 1048576 });
    expect(parseMaxLag('1.5kB')).toEqual({ kind: 'bytes', bytes: 1536 });
    expect(parseMaxLag('10s')).toEqual({ kind: 'seconds', seconds: 10 });
    expect(parseMaxLag('500ms')).toEqual({ kind: 'seconds', seconds: 0.5 });
    const e = (() => {
      try {
        parseMaxLag('lots');
      } catch (x) {
        return x as UsageError;
      }
    })();
    expect(e).toBeInstanceOf(UsageError);
    expect(e?.message).toBe('--max-lag expects a size such as 16MB or a duration such as 10s, got "lots".');
    expect(e?.exitCode).toBe(2);
  });

  it('--scheduled is a future time with a zone', () => {
    const now = new Date('2026-12-02T03:00:00Z');
    expect(parseScheduled('2026-12-02T04:00:00Z', now).toISOString()).toBe('2026-12-02T04:00:00.000Z');
    expect(parseScheduled('2026-12-02T05:00+01:00', now).toISOString()).toBe('2026-12-02T04:00:00.000Z');
    expect(() => parseScheduled('2026-12-02T02:00:00Z', now)).toThrow(
      '--scheduled 2026-12-02T02:00:00Z is in the past (now is 2026-12-02T03:00:00.000Z).',
    );
    expect(() => parseScheduled('tomorrow', now)).toThrow('--scheduled expects a time such as 2026-12-02T04:00:00Z, got "tomorrow".');
    expect(() => parseScheduled('2026-12-02T04:00:00', now)).toThrow('--scheduled expects a time such as');
  });

  it('sizes read like PostgreSQL', () => {
    expect([0, 1023, 1536, 16 * 1024 * 1024, 5 * 1024 ** 3].map(formatBytes)).toEqual(['0 B', '1023 B', '1.5 kB', '16 MB', '5 GB']);
  });
});

describe('pickCandidate', () => {
  it('names the reason for each bad candidate', () => {
    const t = topo([replica('db-r1')]);
    expect(() => pickCandidate(t, 'db', ['db', 'db-r1'])).toThrow('--candidate db is the primary itself.');
    expect(() => pickCandidate(t, 'other', ['db', 'db-r1', 'other'])).toThrow('--candidate other is not a replica of db.');
    expect(() => pickCandidate(t, 'ghost', ['db', 'db-r1'])).toThrow('There is no instance ghost.');
    expect(() => pickCandidate(topo([]), undefined, ['db'])).toThrow('Instance db has no read replica to take over.');
  });

  it('takes the streaming replica with the least lag', () => {
    const t = topo([
      replica('a', { lagBytes: 500 }),
      replica('b', { lagBytes: 100 }),
      replica('c', { lagBytes: 0, state: 'disconnected' }),
    ]);
    expect(pickCandidate(t, undefined, []).id).toBe('b');
  });
});

describe('switchoverChecks', () => {
  it('prints every check with its value and limit', () => {
    const c = replica('db-r1', { lagBytes: 2048, lagSeconds: 0.25 });
    expect(switchoverChecks(topo([c]), c, { kind: 'bytes', bytes: 16 * 1024 * 1024 })).toEqual([
      { id: 'primary-healthy', title: 'Primary db accepts connections', status: 'pass', value: 'reachable at WAL 0/5000000' },
      { id: 'candidate-streaming', title: 'Candidate db-r1 is streaming', status: 'pass', value: 'streaming', limit: 'streaming' },
      { id: 'replay-running', title: 'Replay running on db-r1', status: 'pass', value: 'running' },
      { id: 'replay-lag', title: 'Replay lag of db-r1', status: 'pass', value: '2 kB (0.25 s)', limit: '≤ 16 MB' },
      {
        id: 'class-storage',
        title: 'Class and storage of db-r1',
        status: 'pass',
        value: 'db.t3.micro, 20 GB',
        limit: 'primary: db.t3.micro, 20 GB',
      },
      { id: 'no-backup', title: 'No backup running', status: 'pass', value: 'none running' },
      { id: 'no-maintenance', title: 'No pending maintenance', status: 'pass', value: 'none pending' },
      {
        id: 'wal-senders',
        title: 'WAL senders for the replicas after the switch',
        status: 'pass',
        value: '1/10 in use; slots 0/10',
        limit: 'max_wal_senders ≥ 1',
      },
    ]);
  });

  it('refuses with the numbers', () => {
    const c = replica('db-r1', {
      lagBytes: 40 * 1024 * 1024,
      lagSeconds: 12,
      state: 'catchup',
      backingUp: true,
      instanceClass: 'db.t3.small',
      allocatedStorageGb: 10,
    });
    const checks = switchoverChecks(topo([c], { multiAz: true }), c, { kind: 'seconds', seconds: 5 });
    expect(refusalText(checks)).toBe(
      'Candidate db-r1 is streaming: catchup (limit streaming); Replay lag of db-r1: 40 MB (12 s) (limit ≤ 5 s); No backup running: backing up: db-r1',
    );
    expect(checks.filter((x) => x.status === 'warn').map((x) => [x.id, x.remedy])).toEqual([
      ['class-storage', 'The new primary may be smaller than the old one: check its CPU, memory and storage headroom after the switch.'],
      [
        'multi-az',
        'A reboot with failover (no --candidate) moves the primary to its standby and keeps the endpoint; promoting a read replica changes it.',
      ],
    ]);
  });
});

describe('failoverChecks', () => {
  it('refuses a healthy primary unless --force, and a candidate past --max-lag with the loss', () => {
    const c = replica('db-r1', { state: 'disconnected' });
    const loss = { oldPrimaryLsn: '0/5100000', promotedAtLsn: '0/5000000', bytes: 1048576, transactions: 7, source: 'pg_waldump' };
    const checks = failoverChecks(topo([c]), c, { kind: 'bytes', bytes: 1024 }, loss, false);
    expect(refusalText(checks)).toBe(
      'Primary db is unreachable or unhealthy: reachable at WAL 0/5000000; Data db-r1 lacks from db: 1 MB, 7 transactions (pg_waldump) (limit ≤ 1 kB)',
    );
    const forced = failoverChecks(topo([c]), c, { kind: 'bytes', bytes: 1024 }, loss, true);
    expect(forced.map((x) => x.status)).toEqual(['warn', 'pass', 'warn', 'pass']);
  });
});

describe('plans', () => {
  it('switchover, with a pool and a probe', () => {
    const c = replica('db-r1');
    const t: Topology = {
      ...topo([c]),
      pooler: {
        kind: 'pgbouncer',
        name: 'db-pool',
        endpoint: { host: '127.0.0.1', port: 6432 },
        running: true,
        targetId: 'db',
        pools: [],
        targets: [],
        requireTls: false,
      },
    };
    expect(switchoverPlan(t, c, 60_000, true)).toEqual([
      'write a numbered row every 50 ms through pgbouncer db-pool (table dbops.switch_probe_<run>)',
      'PAUSE pgbouncer db-pool: running transactions finish, new ones wait',
      'stop writes at db (clean shutdown: its WAL senders hand db-r1 every byte)',
      "wait until db-r1 has replayed db's last WAL; past 60 s of write pause roll back (db takes writes again)",
      'write standby.signal into db, then promote db-r1 (point of no return)',
      'point db-pool at db-r1 (RELOAD) and RESUME: waiting clients continue on db-r1',
      'rebuild db as a replica of db-r1 (pg_rewind when needed, then standby)',
      'verify: db streams from db-r1, and a write through the application address lands on a primary',
    ]);
  });

  it('failover, without a pool', () => {
    const c = replica('db-r1');
    expect(failoverPlan(topo([c, replica('db-r2')]), c, false)).toEqual([
      'fence db: stop it if it still runs, write standby.signal so a manual start comes up read-only, and record the fence so dbops never starts it as a primary',
      'promote db-r1; db-r2 follow it',
      'applications must now connect to db-r1',
      'measure what db had past the fork point (its WAL)',
      'verify: a write through the application address lands on db-r1',
    ]);
  });
});

describe('reading WAL state', () => {
  it('pg_controldata', () => {
    const text = [
      'pg_control version number:            1300',
      'Database cluster state:               shut down',
      'Latest checkpoint location:           0/3000148',
      "Latest checkpoint's REDO location:    0/3000148",
      "Latest checkpoint's TimeLineID:       2",
    ].join('\n');
    expect(parseControlData(text)).toEqual({ state: 'shut down', checkpointLsn: '0/3000148', timeline: 2 });
  });

  it('a timeline history file', () => {
    expect(parseHistory('1\t0/3000148\tno recovery target specified\n\n2\t0/5000A28\tno recovery target specified\n')).toEqual({
      parentTimeline: 2,
      switchpoint: '0/5000A28',
    });
    expect(parseHistory('')).toBeUndefined();
  });

  it('pg_waldump: the end of valid WAL and the commits past a position', () => {
    const text = [
      'rmgr: Heap        len (rec/tot):     59/    59, tx:        740, lsn: 0/03000028, prev 0/03000000, desc: INSERT off 3 flags 0x08, blkref #0: rel 1663/5/16384 blk 0',
      'rmgr: Transaction len (rec/tot):     34/    34, tx:        740, lsn: 0/03000068, prev 0/03000028, desc: COMMIT 2026-12-02 03:00:00.000000 UTC',
      'rmgr: Heap        len (rec/tot):     59/    59, tx:        741, lsn: 0/03000090, prev 0/03000068, desc: INSERT off 4 flags 0x08, blkref #0: rel 1663/5/16384 blk 0',
      'rmgr: Transaction len (rec/tot):     34/    34, tx:        741, lsn: 0/030000D0, prev 0/03000090, desc: COMMIT 2026-12-02 03:00:00.050000 UTC',
    ].join('\n');
    expect(summarizeWaldump(text, '0/3000028')).toEqual({ endLsn: '0/30000F8', records: 4, commits: 2 });
    expect(summarizeWaldump(text, '0/3000090')).toEqual({ endLsn: '0/30000F8', records: 2, commits: 1 });
    expect(summarizeWaldump('', '0/3000090')).toEqual({ endLsn: '0/3000090', records: 0, commits: 0 });
  });
});

describe('the pgbouncer files', () => {
  const rec: PoolerRecord = {
    version: 1,
    name: 'db-pool',
    region: 'us-east-2',
    port: 6432,
    targetId: 'db',
    dbName: 'recipe_book',
    user: 'dbadmin',
    settings: { poolMode: 'transaction', defaultPoolSize: 20, minPoolSize: 5, maxDbConnections: 50, reservePoolSize: 5 },
    tags: {},
    createdAt: '2026-12-02T03:00:00.000Z',
  };

  it('pgbouncer.ini carries seed 001 settings and the target port', () => {
    expect(pgbouncerIni('/h/p', rec, 5433)).toBe(
      [
        '; Written by dbops: loopback only, SCRAM, the seed 001 pool sizes. Do not edit: dbops rewrites it.',
        '[databases]',
        'recipe_book = host=127.0.0.1 port=5433 dbname=recipe_book',
        'postgres = host=127.0.0.1 port=5433 dbname=postgres',
        '',
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        'listen_port = 6432',
        'unix_socket_dir =',
        'auth_type = scram-sha-256',
        'auth_file = /h/p/userlist.txt',
        'admin_users = dbops_pool_admin',
        'stats_users = dbops_pool_admin',
        'pool_mode = transaction',
        'default_pool_size = 20',
        'min_pool_size = 5',
        'reserve_pool_size = 5',
        'max_db_connections = 50',
        'max_client_conn = 500',
        'server_login_retry = 1',
        'server_connect_timeout = 5',
        'ignore_startup_parameters = extra_float_digits,options',
        'logfile = /h/p/pgbouncer.log',
        'pidfile = /h/p/pgbouncer.pid',
        '',
      ].join('\n'),
    );
  });

  it('userlist.txt quotes', () => {
    expect(userlist([{ user: 'dbadmin', password: new Secret('a"b') }])).toBe('"dbadmin" "a""b"\n');
  });

  it('SHOW POOLS figures, without the admin pseudo-database', () => {
    expect(
      poolFigures([
        { database: 'pgbouncer', user: 'pgbouncer', cl_active: 1 },
        {
          database: 'app',
          user: 'u',
          cl_active: '3',
          cl_waiting: '2',
          sv_active: '1',
          sv_idle: '4',
          maxwait: '1',
          maxwait_us: '500000',
          pool_mode: 'transaction',
        },
      ]),
    ).toEqual([
      {
        database: 'app',
        user: 'u',
        clientsActive: 3,
        clientsWaiting: 2,
        serversActive: 1,
        serversIdle: 4,
        maxWaitSeconds: 1.5,
        poolMode: 'transaction',
      },
    ]);
  });
});

describe('the probe', () => {
  it('longest gap and missing acknowledged writes', () => {
    expect(longestGap([0, 50, 100, 1300, 1350])).toBe(1200);
    expect(longestGap([5])).toBe(0);
    expect(missingAcked([1, 2, 3, 4], [1, 3])).toEqual([2, 4]);
  });
});
