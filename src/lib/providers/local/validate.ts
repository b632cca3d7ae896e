/**
 * Input checks with RDS' rules, so a name that works locally also works on AWS, and no
 * id can escape its directory (ids become path segments).
 */
import { UsageError } from '../../errors.js';
import type { Tags } from '../types.js';
import { isRdsIdentifier } from '../../identifiers.js';

function checkIdentifier(kind: string, id: string, max: number): void {
  if (!isRdsIdentifier(id, max)) {
    throw new UsageError(`Invalid ${kind} identifier "${String(id)}".`, {
      hint: `Use 1–${max} letters, digits and single hyphens, starting with a letter and not ending with a hyphen.`,
    });
  }
}

/** DB instance identifier: 1–63 letters/digits/hyphens, starts with a letter, no trailing or double hyphen. */
export function validateInstanceId(id: string): void {
  checkIdentifier('instance', id, 63);
}

/** DB snapshot identifier: as an instance id, up to 255 characters. */
export function validateSnapshotId(id: string): void {
  checkIdentifier('snapshot', id, 255);
}

/** A region is a directory name locally: keep it to the shape of a region name. */
export function validateRegion(region: string): void {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$/.test(region)) {
    throw new UsageError(`Invalid region "${region}" for the local provider.`, {
      hint: 'Use a region name such as us-east-2 (letters, digits, hyphens).',
    });
  }
}

/** SQL identifiers (database and user names) are quoted, but keep them to config's shape. */
export function validateSqlName(kind: 'database' | 'user', name: string): void {
  if (!/^[a-zA-Z_][a-zA-Z0-9_]{0,62}$/.test(name)) {
    throw new UsageError(`Invalid ${kind} name "${name}".`, {
      hint: 'Use letters, digits and underscores, starting with a letter or underscore (at most 63).',
    });
  }
}

export function validateTags(tags: Tags): void {
  for (const [k, v] of Object.entries(tags)) {
    if (k.length === 0 || k.length > 128 || typeof v !== 'string' || v.length > 256) {
      throw new UsageError(`Invalid tag "${k}".`, { hint: 'Tag keys are 1–128 characters, values at most 256.' });
    }
  }
}
