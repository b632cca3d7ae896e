/** Plain text formatting helpers shared by the renderers. Pure functions. */

// biome-ignore lint/suspicious/noControlCharactersInRegex: matches the ESC of ANSI sequences on purpose
const ANSI = /\u001b\[[0-9;]*m/g;

export function visibleLength(s: string): number {
  return s.replace(ANSI, '').length;
}

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  align?: 'left' | 'right';
}

/** A borderless, left-aligned table with a header row, as `kubectl get` prints. */
export function renderTable<T>(columns: Column<T>[], rows: T[]): string {
  const cells = rows.map((r) => columns.map((c) => c.value(r)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => visibleLength(row[i]!))));
  const pad = (s: string, i: number) => {
    const gap = ' '.repeat(widths[i]! - visibleLength(s));
    return columns[i]!.align === 'right' ? gap + s : s + gap;
  };
  const lines = [columns.map((c, i) => pad(c.header, i)).join('  '), ...cells.map((row) => row.map(pad).join('  '))];
  return lines.map((l) => l.trimEnd()).join('\n');
}

/** "2m10s", "1h02m", "850ms". */
export function formatDuration(ms: number): string {
  if (ms < 999.5) return `${Math.round(ms)}ms`;
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

/** Age of `then` at `now`, e.g. "3d04h". */
export function formatAge(then: Date | undefined, now: Date): string {
  if (!then) return '-';
  return formatDuration(Math.max(0, now.getTime() - then.getTime()));
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

export function formatTags(tags: Record<string, string>): string {
  const entries = Object.entries(tags);
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k}=${v}`).join(',');
}

/** "1 day", "7 days", "1 change", "0 changes": the count and the word, agreeing. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
