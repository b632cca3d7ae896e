/**
 * RT-4: the restored server answers, is a primary (not stuck in recovery), and runs the
 * same PostgreSQL version as the source.
 */
import type { CheckResult, Queryable } from './types.js';

/** What one server says about itself. */
export interface ServerFacts {
  /** SHOW server_version, without a packager's suffix: "15.8". */
  version: string;
  versionNum: number;
  database: string;
  inRecovery: boolean;
  /** The server's product when it is not PostgreSQL ("MySQL", or "MariaDB" standing in for it). */
  product?: string;
}

export async function serverFacts(db: Queryable): Promise<ServerFacts> {
  const r = await db.query<{ version: string; num: string; db: string; recovery: boolean }>(
    `SELECT current_setting('server_version') AS version, current_setting('server_version_num') AS num,
            current_database() AS db, pg_is_in_recovery() AS recovery`,
  );
  const row = r.rows[0]!;
  return { version: cleanVersion(row.version), versionNum: Number(row.num), database: row.db, inRecovery: row.recovery };
}

/** "15.14 (Debian 15.14-1.pgdg120+1)" -> "15.14". */
export function cleanVersion(v: string): string {
  return v.trim().split(/\s+/)[0] ?? v;
}

/** Pure: the verdict on the restored server against the source. */
export function judgeServer(
  restore: ServerFacts,
  source: ServerFacts,
  elapsedMs: number,
): CheckResult<{ restore: ServerFacts; source: ServerFacts }> {
  const product = restore.product ?? 'PostgreSQL';
  const sourceProduct = source.product ?? 'PostgreSQL';
  const evidence = [
    `restore answers: ${product} ${restore.version} (${restore.versionNum}), database ${restore.database}, first answer ${Math.round(elapsedMs)} ms after connecting`,
    `source: ${sourceProduct} ${source.version} (${source.versionNum}), database ${source.database}`,
    `restore in recovery: ${restore.inRecovery ? 'yes' : 'no'}`,
  ];
  const base = { id: 'server' as const, title: 'Server answers, same engine version', evidence, data: { restore, source } };
  if (restore.inRecovery) {
    return {
      ...base,
      status: 'failed',
      summary: 'The restored server is still in recovery: it is not a usable primary.',
      hint: 'Read its log: recovery may be waiting for WAL it will never get.',
    };
  }
  if (restore.versionNum !== source.versionNum) {
    return {
      ...base,
      status: 'failed',
      summary: `The restore runs ${product} ${restore.version}, the source ${source.version}.`,
      hint: 'The backup was taken before an engine upgrade of the source, or restores with another version: a failover would change the engine version too.',
    };
  }
  return { ...base, status: 'passed', summary: `${product} ${restore.version} answers, as on the source.` };
}
