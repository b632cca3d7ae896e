/**
 * `dbops failover` when the database is an Aurora cluster: FailoverDBCluster to a reader
 * (TargetDBInstanceIdentifier), following runbooks/cluster-failover.md (CF-1, CF-4, CF-2,
 * CF-3, CF-5). A cluster without a reader is refused: there is nothing to fail over to.
 * With --probe, the write probe of the instance failover writes through the cluster (writer)
 * endpoint during the failover, and its figures (the longest write gap, client errors,
 * acknowledged writes lost: none expected, the storage is shared) go in the result and
 * the --report file.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isClusterEngine } from '../config/database-kind.js';
import type { Context } from '../context.js';
import { CheckFailed, EnvironmentError, messageOf, UsageError } from '../errors.js';
import { formatDuration } from '../output/format.js';
import type { Cluster, ClusterMember, Provider, ProviderName } from '../providers/types.js';
import { type RunbookRun, runRunbook, type RunReport } from '../runbook/runner.js';
import { redact } from '../secret.js';
import { dropProbeTable, readProbeRows, WriteProbe } from './probe.js';
import { CLUSTER_FAILOVER } from './runbooks.js';
import type { ProbeFigures } from './types.js';

/** The probe writes this often unless a test says otherwise. */
const PROBE_INTERVAL_MS = 50;

export interface ClusterFailoverInput {
  clusterId: string;
  /** --candidate: the reader to promote (default: first in failover order). */
  candidate?: string;
  /** --probe: write through the cluster endpoint during the failover and measure what the application saw. */
  probe?: boolean;
  /** --report <file.md> */
  reportFile?: string;
  /** Test seam: the probe's interval. */
  probeIntervalMs?: number;
}

export interface ClusterFailoverResult {
  kind: 'cluster';
  dryRun: boolean;
  clusterId: string;
  /** The writer before the failover. */
  fromWriter?: string;
  /** The reader that becomes the writer. */
  target: string;
  plan: string[];
  /** The writer once the cluster settled (the target when all went well). */
  writer?: string;
  /** --probe: what the application saw through the cluster endpoint. */
  probe?: ProbeFigures;
  /** Where the --report file was written. */
  reportFile?: string;
  report?: RunReport;
}

/** Whether `dbops failover` on `id` is a cluster failover: the configured database is an Aurora cluster of that id. */
export function isClusterFailover(ctx: Pick<Context, 'config'>, id: string): boolean {
  return isClusterEngine(ctx.config.database.engine) && id === ctx.config.database.identifier;
}

/**
 * The reader to promote: the one asked for, or the first in failover order. Pure; throws the
 * refusals (bad input, exit 2: a cluster without a reader has nothing to fail over to).
 */
export function pickReader(
  cluster: Pick<Cluster, 'id' | 'members'>,
  candidate: string | undefined,
  provider: ProviderName = 'aws',
): ClusterMember {
  const readers = cluster.members.filter((m) => m.role === 'reader');
  const writer = cluster.members.find((m) => m.role === 'writer');
  if (readers.length === 0) {
    throw new UsageError(
      `Failover refused: Aurora cluster ${cluster.id} has no reader to promote${writer ? ` (its only instance is the writer ${writer.instanceId})` : ''}.`,
      {
        hint:
          provider === 'local'
            ? 'Add a reader (readReplica.enabled: true, then `dbops provision apply`), then fail over; runbooks/cluster-failover.md, CF-1.'
            : `Add a reader (\`aws rds create-db-instance --db-cluster-identifier ${cluster.id} --db-instance-class db.serverless --engine aurora-postgresql ...\`), then fail over; runbooks/cluster-failover.md, CF-1.`,
      },
    );
  }
  if (candidate === undefined) {
    return [...readers].sort((a, b) => (a.promotionTier ?? 1) - (b.promotionTier ?? 1) || a.instanceId.localeCompare(b.instanceId))[0]!;
  }
  const found = readers.find((m) => m.instanceId === candidate);
  if (!found) {
    throw new UsageError(`${candidate} is not a reader of Aurora cluster ${cluster.id}.`, {
      hint: `Its readers: ${readers.map((r) => r.instanceId).join(', ')} (\`dbops status ${cluster.id}\`).`,
    });
  }
  return found;
}

function writerOf(c: Cluster | undefined): string | undefined {
  return c?.members.find((m) => m.role === 'writer')?.instanceId;
}

interface ClusterProbe {
  finish: () => Promise<ProbeFigures>;
  forget: () => void;
}

/** CF-4: the probe writes through the cluster endpoint (it follows the writer); stopping it, reading it back and dropping its table go on the cleanup stack. */
async function startClusterProbe(
  ctx: Context,
  provider: Provider,
  clusterId: string,
  run: RunbookRun,
  intervalMs: number,
): Promise<ClusterProbe> {
  const table = `switch_probe_${run.runId.replace(/[^a-z0-9]/gi, '').toLowerCase()}`;
  const first = await provider.connectionInfo(clusterId);
  const probe = new WriteProbe({
    table,
    intervalMs,
    resolve: () => provider.connectionInfo(clusterId),
    address: `the cluster endpoint ${first.host}:${first.port}`,
    statementTimeoutMs: 30_000,
  });
  probe.start();
  let figures: ProbeFigures | undefined;
  const finish = async (): Promise<ProbeFigures> => {
    if (figures) return figures;
    await probe.stop();
    const writer = await provider.connectionInfo(clusterId);
    const rows = await readProbeRows(writer, table).catch(() => [] as number[]);
    figures = probe.figures(rows);
    await dropProbeTable(writer, table).catch((e: unknown) => ctx.out.warn(`Dropping the probe table ${table} failed: ${messageOf(e)}`));
    return figures;
  };
  const forget = run.addCleanup('stop the write probe, read it back and drop its table', async () => void (await finish()), {
    keepable: false,
  });
  return { finish, forget };
}

/** The --report file: the failover, the plan and the probe's figures. Best effort: a failure is a warning. */
async function writeReport(ctx: Context, r: ClusterFailoverResult, file: string): Promise<void> {
  const path = resolve(file);
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, redact(renderClusterFailoverMarkdown(r)), 'utf8');
    r.reportFile = path;
  } catch (e) {
    ctx.out.warn(`Writing the report ${path} failed: ${redact(messageOf(e))}`);
  }
}

export async function failoverCluster(ctx: Context, input: ClusterFailoverInput): Promise<ClusterFailoverResult> {
  const provider = await ctx.provider();
  const clusters = provider.clusters;
  if (!clusters) {
    throw new UsageError(`The ${provider.name} provider has no Aurora clusters.`, {
      hint: 'Aurora clusters are on the aws and local providers.',
    });
  }
  const { value, report } = await runRunbook(CLUSTER_FAILOVER, { out: ctx.out, clock: ctx.clock, signal: ctx.signal }, async (run) => {
    const picked = await run.step('CF-1', async (s) => {
      const cluster = await clusters.describeCluster(input.clusterId);
      if (cluster.status !== 'available') {
        throw new EnvironmentError(`Aurora cluster ${cluster.id} is ${cluster.status}; a failover needs it available.`, {
          hint: 'Wait until it is available (`dbops status`), then retry.',
        });
      }
      const target = pickReader(cluster, input.candidate, provider.name);
      const from = writerOf(cluster);
      s.detail(`writer ${from ?? '(none)'}; promoting reader ${target.instanceId}`);
      return { cluster, target: target.instanceId, from };
    });
    const plan = [
      `FailoverDBCluster ${picked.cluster.id} to ${picked.target}: the writer endpoint moves to it; connections drop and must reconnect`,
      `wait until ${picked.cluster.id} is available with ${picked.target} as its writer`,
    ];
    const base = {
      kind: 'cluster' as const,
      clusterId: picked.cluster.id,
      ...(picked.from ? { fromWriter: picked.from } : {}),
      target: picked.target,
      plan,
    };
    if (ctx.flags.dryRun) {
      for (const id of ['CF-4', 'CF-2', 'CF-3', 'CF-5']) run.skip(id, 'dry run');
      return { ...base, dryRun: true };
    }
    const ok = await ctx.prompt.confirm(
      `Fail over Aurora cluster ${picked.cluster.id} from ${picked.from ?? '(no writer)'} to ${picked.target}? Writes are refused for about 30-60 s.`,
    );
    if (!ok) throw new UsageError('Failover cancelled; nothing was changed.');
    let probe: ClusterProbe | undefined;
    if (input.probe) {
      const intervalMs = input.probeIntervalMs ?? PROBE_INTERVAL_MS;
      await run.step('CF-4', async (s) => {
        probe = await startClusterProbe(ctx, provider, picked.cluster.id, run, intervalMs);
        s.detail(`writing every ${intervalMs} ms through the cluster endpoint`);
      });
    } else run.skip('CF-4', 'no --probe');
    await run.step('CF-2', async (s) => {
      const now = await clusters.failoverCluster(picked.cluster.id, picked.target);
      s.detail(`FailoverDBCluster accepted: ${now.status}`);
    });
    const writer = await run.step('CF-3', async (s) => {
      const settled = await clusters.waitForCluster(picked.cluster.id, 'available', {
        maxWaitSeconds: 0,
        signal: ctx.signal,
        onProgress: (status) => s.update(status),
      });
      const w = writerOf(settled);
      if (w !== picked.target) {
        throw new EnvironmentError(
          `Aurora cluster ${picked.cluster.id} is available with ${w ?? 'no writer'} as its writer, not ${picked.target}.`,
          {
            hint: `Read the cluster's events: \`aws rds describe-events --source-type db-cluster --source-identifier ${picked.cluster.id}\`.`,
          },
        );
      }
      s.detail(`${w} is the writer`);
      return w;
    });
    let figures: ProbeFigures | undefined;
    const running = probe;
    if (running) {
      figures = await run.step('CF-5', async (s) => {
        const f = await running.finish();
        running.forget();
        s.detail(`longest gap ${f.longestGapMs} ms, ${f.clientErrors} client errors, ${f.lostAcked} acknowledged writes lost`);
        if (f.lostAcked > 0) {
          throw new CheckFailed(
            `${f.lostAcked} acknowledged writes are missing on the new writer of Aurora cluster ${picked.cluster.id}.`,
            {
              hint: 'An Aurora failover keeps committed data (one shared volume): read the cluster events and open an AWS support case; runbooks/cluster-failover.md, CF-5.',
            },
          );
        }
        return f;
      });
    } else run.skip('CF-5', 'no --probe');
    return { ...base, dryRun: false, writer, ...(figures ? { probe: figures } : {}) };
  });
  const result: ClusterFailoverResult = { ...value, report };
  if (input.reportFile && !result.dryRun) await writeReport(ctx, result, input.reportFile);
  return result;
}

function probeLines(p: ProbeFigures | undefined): string[] {
  if (!p) return [];
  return [
    `write probe through ${p.address}, every ${p.intervalMs} ms:`,
    `  longest gap between acknowledged writes ${formatDuration(p.longestGapMs)}; ${p.acked} of ${p.attempts} acknowledged; ${p.clientErrors} client error${p.clientErrors === 1 ? '' : 's'}${p.errorSamples.length ? ` (${p.errorSamples.join('; ')})` : ''}`,
    `  acknowledged writes missing on the new writer: ${p.lostAcked}${p.lostSample.length ? ` (seq ${p.lostSample.join(', ')})` : ''}`,
  ];
}

/** The human rendering. */
export function renderClusterFailover(r: ClusterFailoverResult): string {
  if (r.dryRun) return [`Dry run: would fail over Aurora cluster ${r.clusterId}:`, ...r.plan.map((p) => `  - ${p}`)].join('\n');
  return [
    `Aurora cluster ${r.clusterId} failed over: ${r.fromWriter ?? '(no writer)'} -> ${r.writer ?? r.target} is the writer.`,
    ...probeLines(r.probe),
    ...(r.reportFile ? [`report: ${r.reportFile}`] : []),
  ].join('\n');
}

/** The --report file (Markdown): what was done, step by step, and what the application saw. */
export function renderClusterFailoverMarkdown(r: ClusterFailoverResult): string {
  return [
    `# Failover of Aurora cluster ${r.clusterId}`,
    '',
    `- Writer: \`${r.fromWriter ?? '(none)'}\` -> \`${r.writer ?? r.target}\``,
    ...(r.report
      ? [
          `- Run: \`${r.report.runId}\`, runbook \`${r.report.runbookFile}\`; started ${r.report.startedAt}, finished ${r.report.finishedAt}`,
        ]
      : []),
    '',
    '## Steps',
    '',
    '| Step | Title | Status | Detail |',
    '|---|---|---|---|',
    ...(r.report?.steps ?? []).map((s) => `| ${s.id} | ${s.title} | ${s.status} | ${(s.detail ?? '').replaceAll('|', '\\|')} |`),
    ...(r.probe ? ['', '## What the application saw', '', ...probeLines(r.probe).map((l) => `    ${l}`)] : []),
    '',
  ].join('\n');
}
