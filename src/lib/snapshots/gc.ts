/**
 * `dbops gc`: what a crashed restore test or drill left behind. In every configured region
 * (the config region and snapshots.crossRegion.region), instances and snapshots tagged
 * `dbops:managed=true` whose `dbops:expires-at` is in the past are deleted (Aurora clusters
 * and cluster snapshots too: a cluster after its instances), after one
 * confirmation (or --yes); --dry-run lists them. Nothing without `dbops:managed=true` is
 * ever touched. The choice is a pure function (`planGc`) of what was found and `now`.
 */
import type { Context } from '../context.js';
import { messageOf } from '../errors.js';
import { formatDuration } from '../output/format.js';
import { type Cluster, type Instance, type Provider, type Snapshot, TAG } from '../providers/types.js';
import { runRunbook } from '../runbook/runner.js';
import { checkRegion } from './checks.js';
import { GC } from './runbooks.js';
import { isManaged } from './policy.js';

/** One region's candidates: everything carrying a dbops:expires-at tag. */
export interface GcInventory {
  instances: Instance[];
  snapshots: Snapshot[];
  /** Aurora clusters and their manual cluster snapshots (providers with clusters). */
  clusters?: Cluster[];
  clusterSnapshots?: Snapshot[];
}

export interface GcItem {
  kind: 'instance' | 'cluster' | 'snapshot' | 'cluster-snapshot';
  id: string;
  region: string;
  status: string;
  expiresAt: string;
  action: 'delete' | 'keep';
  reason: string;
}

function expiry(tags: Record<string, string>): { raw: string; at?: Date } | undefined {
  const raw = tags[TAG.expiresAt];
  if (raw === undefined) return undefined;
  const t = Date.parse(raw);
  return { raw, at: Number.isNaN(t) ? undefined : new Date(t) };
}

/** Why an expired, managed resource stays anyway, or undefined. */
function blocker(kind: GcItem['kind'], r: { status: string; deletionProtection?: boolean; type?: string }): string | undefined {
  const snapshot = kind === 'snapshot' || kind === 'cluster-snapshot';
  if ((kind === 'instance' || kind === 'cluster') && r.deletionProtection) return 'deletion protection is on: dbops respects it';
  if (snapshot && r.type === 'automated') return 'automated backup: it goes with its instance';
  if (['deleting', 'deleted'].includes(r.status)) return `already ${r.status}`;
  if (snapshot && r.status !== 'available' && r.status !== 'failed') return `status ${r.status}: run gc again once it settles`;
  return undefined;
}

function judge(
  kind: GcItem['kind'],
  r: { id: string; region: string; status: string; tags: Record<string, string>; deletionProtection?: boolean; type?: string },
  now: Date,
): GcItem | undefined {
  const exp = expiry(r.tags);
  if (!exp) return undefined;
  const base = { kind, id: r.id, region: r.region, status: r.status, expiresAt: exp.raw };
  if (!isManaged(r)) return { ...base, action: 'keep', reason: `no ${TAG.managed}=true: not created by dbops, never touched` };
  if (!exp.at) return { ...base, action: 'keep', reason: `${TAG.expiresAt} is not a time: left alone` };
  const left = exp.at.getTime() - now.getTime();
  if (left > 0) return { ...base, action: 'keep', reason: `expires in ${formatDuration(left)}` };
  const blocked = blocker(kind, r);
  if (blocked) return { ...base, action: 'keep', reason: blocked };
  return { ...base, action: 'delete', reason: `expired ${formatDuration(-left)} ago` };
}

/** Every resource with a dbops:expires-at tag, judged: instances first, then snapshots, by region and id. */
export function planGc(inventory: GcInventory, now: Date): GcItem[] {
  const instances = inventory.instances.map((i) => judge('instance', i, now)).filter((x): x is GcItem => x !== undefined);
  const going = new Set(instances.filter((i) => i.action === 'delete').map((i) => `${i.region}/${i.id}`));
  const clusters = (inventory.clusters ?? []).map((c) => {
    const item = judge('cluster', c, now);
    // RDS deletes a cluster only once its instances are deleted (or deleting): gc deletes it after them.
    const staying = c.members.filter((m) => !going.has(`${c.region}/${m.instanceId}`)).map((m) => m.instanceId);
    return item?.action === 'delete' && staying.length > 0
      ? { ...item, action: 'keep' as const, reason: `it still has instances gc does not delete (${staying.join(', ')})` }
      : item;
  });
  const items = [
    ...instances,
    ...clusters,
    ...inventory.snapshots.map((s) => judge('snapshot', s, now)),
    ...(inventory.clusterSnapshots ?? []).map((s) => judge('cluster-snapshot', s, now)),
  ].filter((x): x is GcItem => x !== undefined);
  const ORDER: Record<GcItem['kind'], number> = { instance: 0, cluster: 1, snapshot: 2, 'cluster-snapshot': 3 };
  const order = (k: GcItem['kind']) => ORDER[k];
  return items.sort((a, b) => order(a.kind) - order(b.kind) || a.region.localeCompare(b.region) || a.id.localeCompare(b.id));
}

/** The config region and the DR region, each once. */
export function gcRegions(ctx: Pick<Context, 'config'>): string[] {
  const regions = [...new Set([ctx.config.region, ctx.config.snapshots.crossRegion.region])];
  for (const r of regions) checkRegion(r);
  return regions;
}

export interface GcResult {
  dryRun: boolean;
  regions: string[];
  items: GcItem[];
  confirmed: boolean;
  deleted: GcItem[];
  failed: (GcItem & { error: string })[];
}

/** Everything that may carry dbops:expires-at in those regions (one listing of each kind per region). */
export async function inventory(provider: Provider, regions: string[]): Promise<GcInventory> {
  const out: GcInventory = { instances: [], snapshots: [] };
  for (const region of regions) {
    const p = provider.forRegion(region);
    out.instances.push(...(await p.listInstances()));
    out.snapshots.push(...(await p.listSnapshots({ type: 'manual' })));
    if (p.clusters) {
      (out.clusters ??= []).push(...(await p.clusters.listClusters()));
      (out.clusterSnapshots ??= []).push(...(await p.clusters.listClusterSnapshots({ type: 'manual' })));
    }
  }
  return out;
}

/** Deletes one expired resource (an instance without a final snapshot). */
export async function remove(provider: Provider, item: GcItem): Promise<void> {
  const p = provider.forRegion(item.region);
  if (item.kind === 'instance') await p.deleteInstance(item.id, { skipFinalSnapshot: true });
  else if (item.kind === 'snapshot') await p.deleteSnapshot(item.id);
  else if (!p.clusters) throw new Error(`the ${p.name} provider has no Aurora clusters`);
  else if (item.kind === 'cluster') await p.clusters.deleteCluster(item.id, { skipFinalSnapshot: true });
  else await p.clusters.deleteClusterSnapshot(item.id);
}

/** `dbops gc` along runbooks/gc.md: GC-1 finds and judges, GC-2 deletes (after one confirmation). */
export async function gc(ctx: Context): Promise<GcResult> {
  const regions = gcRegions(ctx);
  const provider = await ctx.provider();
  const { value } = await runRunbook(GC, { out: ctx.out, clock: ctx.clock, signal: ctx.signal }, async (run): Promise<GcResult> => {
    const items = await run.step('GC-1', async (s) => {
      const found = planGc(await inventory(provider, regions), ctx.clock.now());
      s.detail(
        `${found.filter((i) => i.action === 'delete').length} expired of ${found.length} with ${TAG.expiresAt} in ${regions.join(' and ')}`,
      );
      return found;
    });
    const doomed = items.filter((i) => i.action === 'delete');
    const base = { regions, items, deleted: [], failed: [] };
    if (ctx.flags.dryRun) {
      run.skip('GC-2', 'dry run');
      return { dryRun: true, confirmed: false, ...base };
    }
    if (doomed.length === 0) {
      run.skip('GC-2', 'nothing has expired');
      return { dryRun: false, confirmed: true, ...base };
    }
    const counts = (['instance', 'cluster', 'snapshot', 'cluster-snapshot'] as const).map(
      (k) => [k.replace('-', ' '), doomed.filter((d) => d.kind === k).length] as const,
    );
    const what = counts
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} expired ${k}${n === 1 ? '' : 's'}`)
      .join(' and ');
    if (!(await ctx.prompt.confirm(`Delete ${what} in ${regions.join(' and ')} (no final snapshot)?`))) {
      run.skip('GC-2', 'not confirmed');
      return { dryRun: false, confirmed: false, ...base };
    }
    return run.step('GC-2', async (s) => {
      const deleted: GcItem[] = [];
      const failed: GcResult['failed'] = [];
      for (const item of doomed) {
        s.update(`${item.kind} ${item.id}`);
        try {
          await remove(provider, item);
          deleted.push(item);
        } catch (e) {
          failed.push({ ...item, error: messageOf(e) });
        }
      }
      s.detail(`${deleted.length} deleted${failed.length > 0 ? `, ${failed.length} failed` : ''}`);
      return { dryRun: false, confirmed: true, regions, items, deleted, failed };
    });
  });
  return value;
}
