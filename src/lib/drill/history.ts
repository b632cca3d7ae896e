/**
 * The drill history: one JSON line per drill in $DBOPS_HOME/history/dr-drills.jsonl.
 * `dbops dr-drill` appends; `dbops dr-drill history` and `dbops backup status` read it.
 * The chart of RTO and RPO over time against the targets, for the terminal and as SVG.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { niceCeil } from '../vector/chart.js';
import type { DrillRecord } from './types.js';

export interface DrillHistoryLine {
  drillId: string;
  scenario: DrillRecord['scenario'];
  provider: 'aws' | 'local';
  sourceInstanceId: string;
  recoveryRegion: string;
  t0: string;
  startedAt: string;
  finishedAt: string;
  verdict: DrillRecord['verdict'];
  rtoSeconds?: number;
  rtoTargetHours: number;
  rtoCovers: DrillRecord['rto']['covers'];
  rpoSeconds?: number;
  rpoBasis?: DrillRecord['rpo']['basis'];
  rpoTargetHours: number;
  findings: number;
  recordSha256: string;
}

export function drillHistoryFile(home: string): string {
  return join(home, 'history', 'dr-drills.jsonl');
}

export function historyLine(r: DrillRecord): DrillHistoryLine {
  return {
    drillId: r.drillId,
    scenario: r.scenario,
    provider: r.environment.provider,
    sourceInstanceId: r.environment.sourceInstanceId,
    recoveryRegion: r.environment.recoveryRegion,
    t0: r.t0,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    verdict: r.verdict,
    ...(r.rto.seconds !== undefined ? { rtoSeconds: r.rto.seconds } : {}),
    rtoTargetHours: r.rto.targetHours,
    rtoCovers: r.rto.covers,
    ...(r.rpo.seconds !== undefined ? { rpoSeconds: r.rpo.seconds, rpoBasis: r.rpo.basis } : {}),
    rpoTargetHours: r.rpo.targetHours,
    findings: r.findings.filter((f) => f.kind !== 'not-exercised').length,
    recordSha256: r.integrity.recordSha256,
  };
}

export async function appendDrill(home: string, r: DrillRecord): Promise<string> {
  await mkdir(join(home, 'history'), { recursive: true });
  const file = drillHistoryFile(home);
  await appendFile(file, `${JSON.stringify(historyLine(r))}\n`, { mode: 0o644 });
  return file;
}

/** Oldest first; torn lines skipped. */
export async function readDrills(home: string, filter: { provider?: string; instanceId?: string } = {}): Promise<DrillHistoryLine[]> {
  let text: string;
  try {
    text = await readFile(drillHistoryFile(home), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: DrillHistoryLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const d = JSON.parse(line) as DrillHistoryLine;
      if (filter.provider && d.provider !== filter.provider) continue;
      if (filter.instanceId && d.sourceInstanceId !== filter.instanceId) continue;
      out.push(d);
    } catch {
      // a torn line
    }
  }
  return out.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/** Pure: the last passing drill and whether it is older than the policy (`recovery.drillEveryDays`). */
export function drillPolicy(
  drills: DrillHistoryLine[],
  everyDays: number,
  now: Date,
): { lastPassed?: DrillHistoryLine; overdue: boolean; ageDays?: number } {
  const passed = drills.filter((d) => d.verdict === 'passed');
  const lastPassed = passed[passed.length - 1];
  if (!lastPassed) return { overdue: drills.length > 0 };
  const ageDays = (now.getTime() - Date.parse(lastPassed.startedAt)) / 86_400_000;
  return { lastPassed, overdue: ageDays > everyDays, ageDays: Math.floor(ageDays * 10) / 10 };
}

const H = 3600;

/** A terminal chart: one row per drill, RTO and RPO bars scaled to the larger target (× = over target). */
export function terminalDrillChart(drills: DrillHistoryLine[], width = 40): string {
  if (drills.length === 0) return '(no drills)';
  const scale = niceCeil(
    Math.max(...drills.flatMap((d) => [d.rtoTargetHours, d.rpoTargetHours, (d.rtoSeconds ?? 0) / H, (d.rpoSeconds ?? 0) / H])),
  );
  const bar = (seconds: number | undefined, target: number): string => {
    if (seconds === undefined) return '(not measured)'.padEnd(width);
    const n = Math.max(seconds > 0 ? 1 : 0, Math.round((seconds / H / scale) * width));
    const t = Math.round((target / scale) * width);
    let s = '';
    for (let i = 0; i < width; i++) s += i < n ? (i >= t ? '×' : '█') : i === t ? '|' : ' ';
    return s;
  };
  const lines = [`0 h ${' '.repeat(width - 8)}${scale} h   (| = target, × = beyond it)`];
  for (const d of drills) {
    lines.push(`${d.startedAt.slice(0, 10)} ${d.scenario.padEnd(8)} RTO ${bar(d.rtoSeconds, d.rtoTargetHours)}`);
    lines.push(`${' '.repeat(20)}RPO ${bar(d.rpoSeconds, d.rpoTargetHours)}`);
  }
  return lines.join('\n');
}

/** An SVG chart: RTO and RPO (hours) per drill over time, dashed lines at the targets. Pure. */
export function svgDrillChart(drills: DrillHistoryLine[], size: { width?: number; height?: number } = {}): string {
  const W = size.width ?? 720;
  const Hh = size.height ?? 360;
  const m = { l: 60, r: 20, t: 40, b: 60 };
  const pw = W - m.l - m.r;
  const ph = Hh - m.t - m.b;
  const ys = drills.flatMap((d) => [d.rtoTargetHours, d.rpoTargetHours, (d.rtoSeconds ?? 0) / H, (d.rpoSeconds ?? 0) / H]);
  const ymax = niceCeil(Math.max(1, ...ys));
  const n = Math.max(1, drills.length - 1);
  const x = (i: number): number => m.l + (drills.length === 1 ? pw / 2 : (i / n) * pw);
  const y = (hours: number): number => m.t + ph - (hours / ymax) * ph;
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const series = (key: 'rtoSeconds' | 'rpoSeconds', colour: string): string => {
    const pts = drills
      .map((d, i) => (d[key] === undefined ? undefined : `${x(i).toFixed(1)},${y(d[key]! / H).toFixed(1)}`))
      .filter(Boolean);
    const dots = pts.map((p) => `<circle cx="${p!.split(',')[0]}" cy="${p!.split(',')[1]}" r="4" fill="${colour}"/>`).join('');
    return `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts.join(' ')}"/>${dots}`;
  };
  const last = drills[drills.length - 1];
  const target = (hours: number | undefined, colour: string, label: string): string =>
    hours === undefined
      ? ''
      : `<line x1="${m.l}" x2="${m.l + pw}" y1="${y(hours).toFixed(1)}" y2="${y(hours).toFixed(1)}" stroke="${colour}" stroke-dasharray="6 4"/><text x="${m.l + pw - 4}" y="${(y(hours) - 4).toFixed(1)}" text-anchor="end" font-size="11" fill="${colour}">${label} ${hours} h</text>`;
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (f) => `<text x="${m.l - 6}" y="${(y(f * ymax) + 4).toFixed(1)}" text-anchor="end" font-size="11">${+(f * ymax).toFixed(2)} h</text>`,
    )
    .join('');
  const xl = drills
    .map(
      (d, i) =>
        `<text x="${x(i).toFixed(1)}" y="${m.t + ph + 18}" text-anchor="middle" font-size="10">${esc(d.startedAt.slice(0, 10))}</text>`,
    )
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${Hh}" viewBox="0 0 ${W} ${Hh}" font-family="sans-serif">`,
    `<title>DR drills: RTO and RPO against the targets</title>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">DR drills: RTO and RPO (hours) against the targets</text>`,
    `<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`,
    ticks,
    xl,
    target(last?.rtoTargetHours, '#d62728', 'RTO target'),
    target(last?.rpoTargetHours, '#1f77b4', 'RPO target'),
    series('rtoSeconds', '#d62728'),
    series('rpoSeconds', '#1f77b4'),
    `<text x="${m.l}" y="${Hh - 14}" font-size="11" fill="#d62728">● RTO</text><text x="${m.l + 60}" y="${Hh - 14}" font-size="11" fill="#1f77b4">● RPO</text>`,
    '</svg>',
    '',
  ].join('\n');
}
