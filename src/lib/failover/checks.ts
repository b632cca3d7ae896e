/**
 * The pre-checks of switchover and failover, and the choice of candidate. Pure: they take
 * a measured topology and the request and return every check with its value, its limit
 * and the remedy, so a refusal is never "no good candidates" but the numbers behind it.
 */
import { UsageError } from '../errors.js';
import type { MemberState, PrimaryState, ReplicaState, Topology, WalLoss } from '../providers/failover-types.js';
import { describeMaxLag, formatBytes } from './settings.js';
import type { MaxLag, PreCheck } from './types.js';

const HOW_TO_ADD_REPLICA = 'Set database.readReplica.enabled: true in dbops.config.yaml and run `dbops provision apply`.';

/** The candidate the user named, or the replica with the least lag. Bad input is a UsageError. */
export function pickCandidate(topo: Topology, named: string | undefined, allIds: string[]): ReplicaState {
  const primaryId = topo.primary.id;
  if (named === primaryId) {
    throw new UsageError(`--candidate ${named} is the primary itself.`, {
      hint: `Name one of its replicas: ${topo.replicas.map((r) => r.id).join(', ') || '(none)'}.`,
    });
  }
  if (topo.replicas.length === 0) {
    throw new UsageError(`Instance ${primaryId} has no read replica to take over.`, { hint: HOW_TO_ADD_REPLICA });
  }
  if (named !== undefined) {
    const found = topo.replicas.find((r) => r.id === named);
    if (found) return found;
    if (allIds.includes(named)) {
      throw new UsageError(`--candidate ${named} is not a replica of ${primaryId}.`, {
        hint: `Replicas of ${primaryId}: ${topo.replicas.map((r) => r.id).join(', ')}. \`dbops replica status\` shows the topology.`,
      });
    }
    throw new UsageError(`There is no instance ${named}.`, {
      hint: `Replicas of ${primaryId}: ${topo.replicas.map((r) => r.id).join(', ')}.`,
    });
  }
  return [...topo.replicas].sort(byLeastLag)[0]!;
}

/** Streaming first, then least bytes behind, then least seconds, then id. */
function byLeastLag(a: ReplicaState, b: ReplicaState): number {
  const rank = (r: ReplicaState) => (r.state === 'streaming' ? 0 : r.reachable ? 1 : 2);
  return (
    rank(a) - rank(b) ||
    (a.lagBytes ?? Number.MAX_SAFE_INTEGER) - (b.lagBytes ?? Number.MAX_SAFE_INTEGER) ||
    (a.lagSeconds ?? Number.MAX_SAFE_INTEGER) - (b.lagSeconds ?? Number.MAX_SAFE_INTEGER) ||
    a.id.localeCompare(b.id)
  );
}

export function describeLag(r: Pick<ReplicaState, 'lagBytes' | 'lagSeconds'>): string {
  // AWS without the data plane: ReplicaLag (seconds) is all there is.
  if (r.lagBytes === undefined && r.lagSeconds !== undefined) return `${r.lagSeconds} s`;
  const bytes = r.lagBytes === undefined ? 'unknown bytes' : formatBytes(r.lagBytes);
  const secs = r.lagSeconds === undefined ? '' : ` (${r.lagSeconds} s)`;
  return `${bytes}${secs}`;
}

function lagCheck(c: ReplicaState, maxLag: MaxLag): PreCheck {
  const limit = `≤ ${describeMaxLag(maxLag)}`;
  const measured = maxLag.kind === 'bytes' ? c.lagBytes : c.lagSeconds;
  const over = measured === undefined || (maxLag.kind === 'bytes' ? measured > maxLag.bytes : measured > maxLag.seconds);
  // A byte limit needs WAL positions; RDS only publishes ReplicaLag in seconds.
  const unmeasurable = measured === undefined && maxLag.kind === 'bytes' && c.lagSeconds !== undefined;
  return {
    id: 'replay-lag',
    title: `Replay lag of ${c.id}`,
    status: over ? 'fail' : 'pass',
    value: unmeasurable
      ? `${describeLag(c)}: bytes cannot be measured here (ReplicaLag is in seconds; WAL positions need the data plane)`
      : describeLag(c),
    limit,
    ...(over
      ? {
          remedy: unmeasurable
            ? `Give --max-lag as a duration (e.g. --max-lag 10s): ${c.id}'s lag is known in seconds only.`
            : measured === undefined
              ? `${c.id}'s lag could not be measured; check \`dbops replica status\`, or give --max-lag in the unit it reports.`
              : `Wait for ${c.id} to catch up (\`dbops replica status\`), or allow more with --max-lag.`,
        }
      : {}),
  };
}

function sizeCheck(p: PrimaryState, c: ReplicaState): PreCheck {
  const smallerStorage = c.allocatedStorageGb < p.allocatedStorageGb;
  const otherClass = c.instanceClass !== p.instanceClass;
  return {
    id: 'class-storage',
    title: `Class and storage of ${c.id}`,
    status: smallerStorage || otherClass ? 'warn' : 'pass',
    value: `${c.instanceClass}, ${c.allocatedStorageGb} GB`,
    limit: `primary: ${p.instanceClass}, ${p.allocatedStorageGb} GB`,
    ...(smallerStorage || otherClass
      ? { remedy: 'The new primary may be smaller than the old one: check its CPU, memory and storage headroom after the switch.' }
      : {}),
  };
}

function backupCheck(...members: MemberState[]): PreCheck {
  const running = members.filter((m) => m.backingUp).map((m) => m.id);
  return {
    id: 'no-backup',
    title: 'No backup running',
    status: running.length > 0 ? 'fail' : 'pass',
    value: running.length > 0 ? `backing up: ${running.join(', ')}` : 'none running',
    ...(running.length > 0
      ? { remedy: 'Wait for the backup to finish (RDS refuses PromoteReadReplica while backing-up), then retry.' }
      : {}),
  };
}

function maintenanceCheck(...members: MemberState[]): PreCheck {
  const pending = members.flatMap((m) => m.pendingMaintenance.map((x) => `${m.id}: ${x}`));
  return {
    id: 'no-maintenance',
    title: 'No pending maintenance',
    status: pending.length > 0 ? 'fail' : 'pass',
    value: pending.length > 0 ? pending.join('; ') : 'none pending',
    ...(pending.length > 0
      ? { remedy: 'Let the pending change finish (or apply it) first; a switchover during maintenance can stall.' }
      : {}),
  };
}

function senderCheck(p: PrimaryState, replicas: number): PreCheck {
  const s = p.walSenders;
  const ok = s === undefined || s.max >= replicas;
  return {
    id: 'wal-senders',
    title: 'WAL senders for the replicas after the switch',
    status: ok ? 'pass' : 'fail',
    value: s
      ? `${s.used}/${s.max} in use${p.replicationSlots ? `; slots ${p.replicationSlots.used}/${p.replicationSlots.max}` : ''}`
      : 'not reported',
    limit: `max_wal_senders ≥ ${replicas}`,
    ...(ok ? {} : { remedy: `Raise max_wal_senders to at least ${replicas} (a restart), then retry.` }),
  };
}

/** "reachable at WAL 0/5000000"; AWS without the data plane: "available; data plane not reachable from here (...)". */
function primaryValue(p: PrimaryState): string {
  if (!p.reachable) return `unreachable: ${p.unreachableReason ?? 'no answer'}`;
  if (p.lsn) return `reachable at WAL ${p.lsn}`;
  return `${p.status}${p.unreachableReason ? `; ${p.unreachableReason}` : ''}`;
}

function primaryHealthy(p: PrimaryState): PreCheck {
  return {
    id: 'primary-healthy',
    title: `Primary ${p.id} accepts connections`,
    status: p.reachable ? 'pass' : 'fail',
    value: primaryValue(p),
    ...(p.reachable ? {} : { remedy: 'A switchover needs a working primary. If it is down, use `dbops failover`.' }),
  };
}

function poolerCheck(topo: Topology): PreCheck[] {
  if (!topo.pooler) return [];
  const pool = topo.pooler;
  return [
    {
      id: 'pooler-running',
      title: `Connection layer ${pool.name}`,
      status: pool.running ? 'pass' : 'fail',
      value: pool.running ? `running, in front of ${pool.targetId || '(no target)'}` : 'not running',
      ...(pool.running ? {} : { remedy: 'Start it with `dbops provision apply`.' }),
    },
  ];
}

/**
 * AWS Multi-AZ primary and no replica named: RebootDBInstance with ForceFailover moves
 * the role to the instance's own standby and keeps the endpoint.
 */
export function multiAzChecks(topo: Topology): PreCheck[] {
  const p = topo.primary;
  return [
    primaryHealthy(p),
    {
      id: 'multi-az',
      title: `Multi-AZ standby of ${p.id}`,
      status: p.multiAz ? 'pass' : 'fail',
      value: p.multiAz ? 'present: a reboot with failover keeps the endpoint' : 'single-AZ',
      ...(p.multiAz
        ? {}
        : { remedy: 'Without a standby there is nothing to fail over to: add a read replica (database.readReplica.enabled: true).' }),
    },
    backupCheck(p),
    maintenanceCheck(p),
    ...poolerCheck(topo),
  ];
}

/** Switchover pre-checks, in the order they are printed. */
export function switchoverChecks(topo: Topology, c: ReplicaState, maxLag: MaxLag, opts: { multiAzPreferred?: boolean } = {}): PreCheck[] {
  const p = topo.primary;
  const checks: PreCheck[] = [
    primaryHealthy(p),
    {
      id: 'candidate-streaming',
      title: `Candidate ${c.id} is streaming`,
      status: c.state === 'streaming' ? 'pass' : 'fail',
      value: c.state,
      limit: 'streaming',
      ...(c.state === 'streaming'
        ? {}
        : {
            remedy:
              c.state === 'stopped'
                ? `Start ${c.id} (dbops instances reboot ${c.id}) and wait until it streams.`
                : `Check ${c.id}'s server log: it is not receiving WAL from ${p.id}.`,
          }),
    },
    {
      id: 'replay-running',
      title: `Replay running on ${c.id}`,
      status: c.replayPaused ? 'fail' : 'pass',
      value: c.replayPaused ? 'paused' : 'running',
      ...(c.replayPaused ? { remedy: `Resume it on ${c.id}: SELECT pg_wal_replay_resume();` } : {}),
    },
    lagCheck(c, maxLag),
    sizeCheck(p, c),
    backupCheck(p, c),
    maintenanceCheck(p, c),
    senderCheck(p, topo.replicas.length),
  ];
  if (p.multiAz) {
    checks.push({
      id: 'multi-az',
      title: 'Multi-AZ primary',
      status: opts.multiAzPreferred ? 'pass' : 'warn',
      value: 'Multi-AZ standby present',
      ...(opts.multiAzPreferred
        ? {}
        : {
            remedy:
              'A reboot with failover (no --candidate) moves the primary to its standby and keeps the endpoint; promoting a read replica changes it.',
          }),
    });
  }
  checks.push(...poolerCheck(topo));
  return checks;
}

/** Failover: the primary must really be down (or --force), and the candidate within --max-lag of what it had. */
export function failoverChecks(topo: Topology, c: ReplicaState, maxLag: MaxLag, lag: WalLoss | undefined, force: boolean): PreCheck[] {
  const p = topo.primary;
  const lagBytes = lag?.bytes ?? c.lagBytes;
  const lagged: ReplicaState = { ...c, ...(lagBytes !== undefined ? { lagBytes } : {}) };
  const lagResult = lagCheck(lagged, maxLag);
  return [
    {
      id: 'primary-down',
      title: `Primary ${p.id} is unreachable or unhealthy`,
      status: p.reachable ? (force ? 'warn' : 'fail') : 'pass',
      value: primaryValue(p),
      ...(p.reachable
        ? { remedy: 'It works: use `dbops switchover` (no data loss), or --force to fail over anyway (it will be fenced).' }
        : {}),
    },
    {
      id: 'candidate-reachable',
      title: `Candidate ${c.id} answers as a replica`,
      status: c.reachable && c.state !== 'unknown' ? 'pass' : 'fail',
      value: c.reachable ? `${c.state}, replayed ${c.replayLsn ?? 'unknown'}` : `unreachable: ${c.unreachableReason ?? 'no answer'}`,
      ...(c.reachable ? {} : { remedy: `Start ${c.id}, or name another replica with --candidate.` }),
    },
    {
      ...lagResult,
      title: `Data ${c.id} lacks from ${p.id}`,
      value:
        lag?.bytes !== undefined
          ? `${formatBytes(lag.bytes)}${lag.transactions !== undefined ? `, ${lag.transactions} transactions` : ''}${maxLag.kind === 'seconds' && c.lagSeconds !== undefined ? `, ${c.lagSeconds} s` : ''} (${lag.source})`
          : lagResult.value,
      ...(lagResult.status === 'fail' && force ? { status: 'warn' as const } : {}),
      ...(lagResult.status === 'fail'
        ? {
            remedy: `${lagResult.remedy?.startsWith('Give --max-lag') ? `${lagResult.remedy} ` : ''}Every candidate is behind --max-lag: promoting loses that data. Bring the primary back if you can; --force promotes anyway.`,
          }
        : {}),
    },
    backupCheck(p, c),
  ];
}

export function failedChecks(checks: PreCheck[]): PreCheck[] {
  return checks.filter((c) => c.status === 'fail');
}

/** "replay-lag: 20 MB (1.2 s), limit ≤ 16 MB" — one line per failed check. */
export function refusalText(checks: PreCheck[]): string {
  return failedChecks(checks)
    .map((c) => `${c.title}: ${c.value}${c.limit ? ` (limit ${c.limit})` : ''}`)
    .join('; ');
}
