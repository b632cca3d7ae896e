/**
 * PostgreSQL memory sizes (`256MB`, `1GB`) and version comparison for the vector
 * commands (durations: src/lib/duration.ts). Pure.
 */
import { UsageError } from '../errors.js';

const MEMORY_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 };

/** A memory size in PostgreSQL's units, as bytes plus the canonical text to SET it ('256MB'). */
export interface MemorySize {
  bytes: number;
  text: string;
}

/** "256MB" -> 256 MiB, "1GB", "65536kB"; PostgreSQL's units are powers of 1024. Also accepts MiB/GiB spellings. */
export function parseMemory(text: string, flag: string): MemorySize {
  const m = /^\s*(\d+)\s*(B|kB|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$/i.exec(text);
  if (!m)
    throw new UsageError(`${flag} expects a memory size such as 256MB or 1GB, got "${text}".`, {
      hint: 'Units as in postgresql.conf: kB, MB, GB, TB.',
    });
  const unit = m[2]!.toLowerCase().replace('ib', 'b');
  const bytes = Number(m[1]) * MEMORY_UNITS[unit]!;
  if (bytes < 1024 * 1024)
    throw new UsageError(`${flag} must be at least 1MB (PostgreSQL's minimum for maintenance_work_mem), got "${text}".`);
  if (bytes > 2 * 1024 ** 4) throw new UsageError(`${flag} must be at most 2TB, got "${text}".`);
  const canonical = { b: 'B', kb: 'kB', mb: 'MB', gb: 'GB', tb: 'TB' }[unit]!;
  return { bytes, text: `${m[1]}${canonical}` };
}

/** The smallest whole MB/GB figure at least `bytes`, as PostgreSQL text ('1536MB', '8GB'). */
export function memoryText(bytes: number): string {
  const mb = Math.ceil(bytes / 1024 ** 2);
  if (mb >= 1024 && mb % 1024 === 0) return `${mb / 1024}GB`;
  if (mb >= 10 * 1024) return `${Math.ceil(mb / 1024)}GB`;
  return `${Math.max(1, mb)}MB`;
}

/** "0.8.7" >= "0.8.0". Missing parts count as 0. */
export function versionAtLeast(version: string, min: string): boolean {
  const a = version.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const b = min.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}
