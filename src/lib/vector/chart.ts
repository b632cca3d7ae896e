/**
 * Recall-versus-latency charts for `vector tune`: a terminal scatter plot, and an SVG
 * (or an HTML page holding the SVG and the table) for `--plot <file>`. Written by hand,
 * no dependency. Pure functions: the same measurements give the same bytes.
 */
import { UsageError } from '../errors.js';

/** One measured ef_search value. */
export interface ChartPoint {
  ef: number;
  recall: number;
  p95Ms: number;
  p50Ms?: number;
  p99Ms?: number;
}

/** The measurements of one index (the live one, or a candidate on the scratch copy). */
export interface ChartSeries {
  label: string;
  points: ChartPoint[];
}

export interface ChartSpec {
  title: string;
  series: ChartSeries[];
  targetRecall?: number;
  maxP95Ms?: number;
}

const MARKERS = ['●', '○', '◆', '◇', '■', '□'];
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

/** 1, 2, 2.5, 5 × 10^n at or above x. */
export function niceCeil(x: number): number {
  if (x <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const f of [1, 2, 2.5, 5, 10]) if (f * p >= x - 1e-12) return f * p;
  return 10 * p;
}

/** "850µs", "12.5ms", "3.2s". */
export function formatMs(ms: number): string {
  if (ms === 0) return '0';
  if (ms < 1) return `${Math.round(ms * 1000)}µs`;
  if (ms < 10) return `${Number(ms.toFixed(2))}ms`;
  if (ms < 1000) return `${Number(ms.toFixed(1))}ms`;
  return `${Number((ms / 1000).toFixed(2))}s`;
}

interface Ranges {
  xMax: number;
  yMin: number;
}

function ranges(spec: ChartSpec): Ranges {
  const points = spec.series.flatMap((s) => s.points);
  const maxP95 = Math.max(0, ...points.map((p) => p.p95Ms));
  // The latency limit is drawn only when it is near the measurements, or it would flatten them.
  const withLimit = spec.maxP95Ms !== undefined && spec.maxP95Ms <= maxP95 * 1.5 ? Math.max(maxP95, spec.maxP95Ms) : maxP95;
  const minRecall = Math.min(1, spec.targetRecall ?? 1, ...points.map((p) => p.recall));
  return { xMax: niceCeil(withLimit || 1), yMin: Math.max(0, Math.floor(minRecall * 10 - 1e-9) / 10) };
}

/** A scatter plot of recall (up) against p95 latency (right), one marker per series. */
export function terminalChart(spec: ChartSpec, size: { width?: number; height?: number } = {}): string {
  const width = size.width ?? 56;
  const height = size.height ?? 12;
  const { xMax, yMin } = ranges(spec);
  const grid: string[][] = Array.from({ length: height }, () => Array.from({ length: width }, () => ' '));
  const row = (recall: number) => height - 1 - Math.round(((recall - yMin) / (1 - yMin || 1)) * (height - 1));
  const col = (ms: number) => Math.min(width - 1, Math.round((ms / xMax) * (width - 1)));
  if (spec.targetRecall !== undefined && spec.targetRecall >= yMin) {
    const r = row(spec.targetRecall);
    for (let x = 0; x < width; x++) grid[r]![x] = '┈';
  }
  if (spec.maxP95Ms !== undefined && spec.maxP95Ms <= xMax) {
    const c = col(spec.maxP95Ms);
    for (let y = 0; y < height; y++) grid[y]![c] = '┊';
  }
  spec.series.forEach((s, i) => {
    for (const p of s.points) grid[row(p.recall)]![col(p.p95Ms)] = MARKERS[i % MARKERS.length]!;
  });
  const lines: string[] = ['recall'];
  for (let y = 0; y < height; y++) {
    const value = 1 - (y / (height - 1)) * (1 - yMin);
    const label = y === 0 || y === height - 1 || y === Math.round((height - 1) / 2) ? value.toFixed(2) : '';
    const note =
      spec.targetRecall !== undefined && spec.targetRecall >= yMin && row(spec.targetRecall) === y ? `  target ${spec.targetRecall}` : '';
    lines.push(`${label.padStart(5)} ┤${grid[y]!.join('')}${note}`.trimEnd());
  }
  lines.push(`      └${'─'.repeat(width)}`);
  const mid = formatMs(xMax / 2);
  const end = formatMs(xMax);
  const axis = '0'.padEnd(Math.floor(width / 2) - Math.floor(mid.length / 2)) + mid;
  lines.push(`       ${axis.padEnd(width - end.length)}${end}  p95 latency`);
  const legend = spec.series.map((s, i) => `${MARKERS[i % MARKERS.length]} ${s.label}`);
  if (spec.maxP95Ms !== undefined)
    legend.push(
      spec.maxP95Ms <= xMax ? `┊ max p95 ${formatMs(spec.maxP95Ms)}` : `max p95 ${formatMs(spec.maxP95Ms)} (off the chart, right)`,
    );
  lines.push(`       ${legend.join('   ')}`);
  return lines.join('\n');
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(n: number): string {
  return Number(n.toFixed(1)).toString();
}

/** The chart as a standalone SVG document. */
export function svgChart(spec: ChartSpec, size: { width?: number; height?: number } = {}): string {
  const W = size.width ?? 720;
  const H = size.height ?? 420;
  const m = { left: 64, right: 24, top: 48, bottom: 56 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const { xMax, yMin } = ranges(spec);
  const x = (ms: number) => m.left + (Math.min(ms, xMax) / xMax) * pw;
  const y = (r: number) => m.top + (1 - (r - yMin) / (1 - yMin || 1)) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(spec.title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${m.left}" y="24" font-size="15" font-weight="bold">${escapeXml(spec.title)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const ms = (xMax * i) / 5;
    out.push(`<line x1="${fmt(x(ms))}" y1="${m.top}" x2="${fmt(x(ms))}" y2="${m.top + ph}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${fmt(x(ms))}" y="${m.top + ph + 18}" text-anchor="middle">${escapeXml(formatMs(ms))}</text>`);
  }
  const steps = Math.round((1 - yMin) / 0.05);
  for (let i = 0; i <= steps; i++) {
    const r = yMin + i * 0.05;
    out.push(`<line x1="${m.left}" y1="${fmt(y(r))}" x2="${m.left + pw}" y2="${fmt(y(r))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 8}" y="${fmt(y(r) + 4)}" text-anchor="end">${r.toFixed(2)}</text>`);
  }
  out.push(`<line x1="${m.left}" y1="${m.top + ph}" x2="${m.left + pw}" y2="${m.top + ph}" stroke="#333"/>`);
  out.push(`<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${m.top + ph}" stroke="#333"/>`);
  out.push(`<text x="${m.left + pw / 2}" y="${H - 14}" text-anchor="middle">p95 latency</text>`);
  out.push(`<text x="16" y="${m.top + ph / 2}" text-anchor="middle" transform="rotate(-90 16 ${m.top + ph / 2})">recall@k</text>`);
  if (spec.targetRecall !== undefined && spec.targetRecall >= yMin) {
    const ty = fmt(y(spec.targetRecall));
    out.push(`<line x1="${m.left}" y1="${ty}" x2="${m.left + pw}" y2="${ty}" stroke="#d62728" stroke-dasharray="6 4"/>`);
    out.push(
      `<text x="${m.left + pw - 4}" y="${fmt(y(spec.targetRecall) - 6)}" text-anchor="end" fill="#d62728">target ${spec.targetRecall}</text>`,
    );
  }
  if (spec.maxP95Ms !== undefined && spec.maxP95Ms <= xMax) {
    const tx = fmt(x(spec.maxP95Ms));
    out.push(`<line x1="${tx}" y1="${m.top}" x2="${tx}" y2="${m.top + ph}" stroke="#ff7f0e" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${tx}" y="${m.top - 6}" text-anchor="middle" fill="#ff7f0e">max p95 ${escapeXml(formatMs(spec.maxP95Ms))}</text>`);
  }
  spec.series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const pts = [...s.points].sort((a, b) => a.ef - b.ef);
    if (pts.length > 1)
      out.push(
        `<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${pts.map((p) => `${fmt(x(p.p95Ms))},${fmt(y(p.recall))}`).join(' ')}"/>`,
      );
    for (const p of pts) {
      out.push(
        `<circle cx="${fmt(x(p.p95Ms))}" cy="${fmt(y(p.recall))}" r="4" fill="${colour}"><title>ef_search ${p.ef}: recall ${p.recall.toFixed(3)}, p95 ${escapeXml(formatMs(p.p95Ms))}</title></circle>`,
      );
      out.push(`<text x="${fmt(x(p.p95Ms) + 6)}" y="${fmt(y(p.recall) + 12)}" font-size="10" fill="${colour}">${p.ef}</text>`);
    }
    const ly = m.top + 6 + i * 16;
    out.push(`<circle cx="${m.left + pw - 200}" cy="${ly}" r="4" fill="${colour}"/>`);
    out.push(`<text x="${m.left + pw - 190}" y="${ly + 4}">${escapeXml(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** An HTML page with the SVG chart and every measurement in a table. */
export function htmlChart(spec: ChartSpec): string {
  const rows = spec.series.flatMap((s) =>
    [...s.points]
      .sort((a, b) => a.ef - b.ef)
      .map(
        (p) =>
          `<tr><td>${escapeXml(s.label)}</td><td>${p.ef}</td><td>${p.recall.toFixed(4)}</td><td>${p.p50Ms === undefined ? '' : escapeXml(formatMs(p.p50Ms))}</td><td>${escapeXml(formatMs(p.p95Ms))}</td><td>${p.p99Ms === undefined ? '' : escapeXml(formatMs(p.p99Ms))}</td></tr>`,
      ),
  );
  return (
    [
      '<!doctype html>',
      '<html lang="en">',
      '<head>',
      '<meta charset="utf-8">',
      `<title>${escapeXml(spec.title)}</title>`,
      '<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}</style>',
      '</head>',
      '<body>',
      `<h1>${escapeXml(spec.title)}</h1>`,
      svgChart(spec).trimEnd(),
      '<table>',
      '<thead><tr><th>index</th><th>ef_search</th><th>recall@k</th><th>p50</th><th>p95</th><th>p99</th></tr></thead>',
      `<tbody>${rows.join('')}</tbody>`,
      '</table>',
      '</body>',
      '</html>',
    ].join('\n') + '\n'
  );
}

/** The plot format from the file's extension: .svg or .html/.htm. */
export function plotFormat(file: string): 'svg' | 'html' {
  const lower = file.toLowerCase();
  if (lower.endsWith('.svg')) return 'svg';
  if (lower.endsWith('.html') || lower.endsWith('.htm')) return 'html';
  throw new UsageError(`--plot writes SVG or HTML, chosen by the file extension; "${file}" has neither.`, {
    hint: 'Use --plot recall.svg or --plot recall.html.',
  });
}
