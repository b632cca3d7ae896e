/**
 * The local provider when the machine is not as needed: missing binaries, an unwritable
 * or unreachable $DBOPS_HOME, a port in use, the wrong engine; plus metrics, which need
 * no cluster. Each failure must be one clear sentence with a hint, and leave no state.
 */
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvironmentError, UsageError, type DbopsError } from '../../../../src/lib/errors.js';
import { isRoot } from '../../../../src/lib/providers/local/os-user.js';
import { destroyLocalHome, exists, instanceInput, localProvider, makeLocalHome } from '../../../_helpers/local.js';

let home: string;

async function failure(p: Promise<unknown>): Promise<DbopsError> {
  try {
    await p;
  } catch (e) {
    return e as DbopsError;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  home = await makeLocalHome('dbops-local-env-');
});

afterAll(async () => {
  if (home) await destroyLocalHome(home);
});

describe('local provider: PostgreSQL binaries', () => {
  it('names PG_BIN and what to install when PG_BIN points at a directory without the binaries', async () => {
    // GIVEN PG_BIN set to an empty directory
    const empty = join(home, 'empty-bin');
    await mkdir(empty);
    const provider = localProvider(home, 'us-east-2', {
      binSearch: {
        pgBin: empty,
        path: process.env.PATH ?? '',
        usePgConfig: true,
        versionedRoots: ['/usr/lib/postgresql'],
        extraDirs: [],
      },
    });
    // WHEN an instance is created
    const err = await failure(provider.createInstance(instanceInput('nobin')));
    // THEN one sentence names the directory and what is missing; the hint says what to install
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err.message).toBe(
      `PG_BIN ${empty} does not contain the PostgreSQL binaries initdb, pg_ctl, postgres, pg_basebackup, pg_verifybackup, pg_waldump.`,
    );
    expect(err.hint).toContain('apt-get install postgresql-15');
    expect(err.hint).toContain('brew install postgresql@15');
    expect(err.hint).toContain('PG_BIN');
    expect(await exists(join(home, 'local', 'us-east-2', 'instances', 'nobin'))).toBe(false);
  });

  it('says what to install when no PG_BIN, pg_config, PATH or versioned directory has them', async () => {
    // GIVEN a search with nowhere to look
    const provider = localProvider(home, 'us-east-2', {
      binSearch: { path: '', usePgConfig: true, versionedRoots: [join(home, 'no-such-root')], extraDirs: [] },
    });
    // WHEN an instance is created
    const err = await failure(provider.createInstance(instanceInput('nobin')));
    // THEN the message says they were not found and the hint what to install
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err.message).toMatch(/^PostgreSQL server binaries \(initdb, .*\) were not found\.$/);
    expect(err.hint).toMatch(/apt-get install postgresql-15, or postgresql.*brew install postgresql@15.*PG_BIN/);
  });
});

describe('local provider: $DBOPS_HOME', () => {
  it('names the path when $DBOPS_HOME cannot be written', async () => {
    // GIVEN a DBOPS_HOME below a regular file (unwritable even for root)
    const file = join(home, 'a-file');
    await writeFile(file, 'not a directory');
    const provider = localProvider(join(file, 'dbops'));
    // WHEN an instance is created
    const err = await failure(provider.createInstance(instanceInput('nohome')));
    // THEN EnvironmentError names the path
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err.message).toBe(`DBOPS_HOME ${join(file, 'dbops')} is not writable (ENOTDIR).`);
    expect(err.hint).toMatch(/Set DBOPS_HOME/);
  });

  it.skipIf(!isRoot())('says so when the postgres OS user cannot reach $DBOPS_HOME', async () => {
    // GIVEN (as root) a DBOPS_HOME inside a 0700 directory the postgres user cannot traverse
    const locked = join(home, 'locked');
    await mkdir(locked, { mode: 0o700 });
    await chmod(locked, 0o700);
    const inner = join(locked, 'dbops');
    const provider = localProvider(inner);
    // WHEN an instance is created
    const err = await failure(provider.createInstance(instanceInput('unreachable')));
    // THEN one sentence says who cannot reach what, and the hint where to put DBOPS_HOME instead
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err.message).toBe(
      `The OS user "postgres" that runs PostgreSQL cannot reach ${join(inner, 'local', 'us-east-2', 'instances')} under DBOPS_HOME ${inner}.`,
    );
    expect(err.hint).toContain('Set DBOPS_HOME to a directory the postgres user can reach, e.g. /var/lib/dbops');
    expect(await readdir(join(inner, 'local', 'us-east-2', 'instances'))).toEqual([]);
  });
});

describe('local provider: input checks before any cluster', () => {
  let squatter: Server;
  let port: number;

  beforeAll(async () => {
    squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const addr = squatter.address();
    port = typeof addr === 'object' && addr ? addr.port : 0;
  });

  afterAll(async () => {
    await new Promise((resolve) => squatter.close(resolve));
  });

  it('refuses a port that is in use on 127.0.0.1', async () => {
    // GIVEN a port this test listens on
    const provider = localProvider(home);
    // WHEN an instance is asked for on it
    const err = await failure(provider.createInstance(instanceInput('portclash', { port })));
    // THEN EnvironmentError says so, with a hint, and no instance is made
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err.message).toBe(`Port ${port} on 127.0.0.1 is in use.`);
    expect(err.hint).toMatch(/another port/);
    expect(await readdir(join(home, 'local', 'us-east-2', 'instances'))).toEqual([]);
  });

  it('refuses engines and versions the local binaries cannot run', async () => {
    const provider = localProvider(home);
    // mysql is MariaDB standing in for MySQL 8.0: another version is refused before anything is made.
    const mysql = await failure(provider.createInstance(instanceInput('my', { engine: 'mysql', engineVersion: '5.7' })));
    expect(mysql).toBeInstanceOf(UsageError);
    expect(mysql.message).toBe('MySQL 5.7 was asked for, but local mysql instances are MariaDB standing in for MySQL 8.0.');
    const v16 = await failure(provider.createInstance(instanceInput('pg16', { engineVersion: '16.2' })));
    expect(v16).toBeInstanceOf(EnvironmentError);
    expect(v16.message).toMatch(/^PostgreSQL 16\.2 was asked for, but the local binaries in .* are 15\.\d+\.$/);
    expect(await readdir(join(home, 'local', 'us-east-2', 'instances'))).toEqual([]);
  });

  it('refuses a region name that is not a plain directory name', () => {
    expect(() => localProvider(home, '../etc')).toThrow(UsageError);
    expect(() => localProvider(home).forRegion('a/b')).toThrow(UsageError);
  });
});

describe('local provider: metrics', () => {
  it('reads back what was put, per metric, dimensions and period', async () => {
    // GIVEN data points for two metrics and two dimension sets
    const provider = localProvider(home, 'eu-west-1');
    const t0 = new Date('2026-01-05T03:00:00Z');
    const at = (s: number): Date => new Date(t0.getTime() + s * 1000);
    await provider.putMetricData('Dbops/RestoreTest', [
      { metricName: 'RestoreSeconds', value: 100, unit: 'Seconds', dimensions: { Instance: 'db1' }, timestamp: at(10) },
      { metricName: 'RestoreSeconds', value: 300, unit: 'Seconds', dimensions: { Instance: 'db1' }, timestamp: at(20) },
      { metricName: 'RestoreSeconds', value: 50, unit: 'Seconds', dimensions: { Instance: 'db1' }, timestamp: at(70) },
      { metricName: 'RestoreSeconds', value: 9, unit: 'Seconds', dimensions: { Instance: 'db2' }, timestamp: at(15) },
      { metricName: 'Success', value: 1, unit: 'Count', dimensions: { Instance: 'db1' }, timestamp: at(15) },
    ]);
    const q = {
      namespace: 'Dbops/RestoreTest',
      metricName: 'RestoreSeconds',
      dimensions: { Instance: 'db1' },
      periodSeconds: 60,
    };
    // WHEN they are queried over two one-minute periods
    const [avg, max, count, rds] = await provider.getMetricData(
      [
        { id: 'avg', ...q, stat: 'Average' },
        { id: 'max', ...q, stat: 'Maximum' },
        { id: 'n', ...q, stat: 'SampleCount' },
        {
          id: 'cpu',
          namespace: 'AWS/RDS',
          metricName: 'CPUUtilization',
          dimensions: { DBInstanceIdentifier: 'db1' },
          stat: 'Average',
          periodSeconds: 60,
        },
      ],
      { start: t0, end: at(120) },
    );
    // THEN each period aggregates its own points, oldest first; AWS/RDS metrics are not produced locally
    expect(avg).toEqual({ id: 'avg', timestamps: [t0, at(60)], values: [200, 50] });
    expect(max?.values).toEqual([300, 50]);
    expect(count?.values).toEqual([2, 1]);
    expect(rds).toEqual({ id: 'cpu', timestamps: [], values: [] });
    // AND another region's namespace is separate
    expect(
      (await provider.forRegion('eu-west-2').getMetricData([{ id: 'avg', ...q, stat: 'Average' }], { start: t0, end: at(120) }))[0]?.values,
    ).toEqual([]);
  });

  it('refuses query ids CloudWatch would refuse', async () => {
    const provider = localProvider(home, 'eu-west-1');
    const bad = {
      id: 'Bad-Id',
      namespace: 'X',
      metricName: 'M',
      dimensions: {},
      stat: 'Sum' as const,
      periodSeconds: 60,
    };
    expect(await failure(provider.getMetricData([bad], { start: new Date(0), end: new Date() }))).toBeInstanceOf(UsageError);
  });
});
