/**
 * Story 4 on the wire: `restore-test` on the aws provider against moto, the data plane on
 * real local PostgreSQL with TLS on. moto's RDS endpoints are names nobody answers
 * (<id>.aaaaaaaaaa.us-east-2.rds.amazonaws.com), so the run reaches the source through
 * `--source-connect-host` and the temporary instance through `--connect-host`, as a user
 * outside the VPC would through SSH tunnels. The certificate is made here with openssl
 * for *.aaaaaaaaaa.us-east-2.rds.amazonaws.com and given as the CA bundle (PGSSLROOTCERT),
 * so TLS is verify-full against the instance's own name through the tunnel, and the
 * clusters accept TLS connections only (hostssl).
 *
 * Two clusters: the source, and a copy of it standing in for what RDS would restore. The
 * AWS state is read back with the SDK after every run: the temporary instance is gone
 * (or kept with --keep), also when the run fails at the restore, at the connection, or
 * at a check.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, copyFileSync, chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { CreateDBInstanceCommand, CreateDBSnapshotCommand, DescribeDBInstancesCommand, type Tag } from '@aws-sdk/client-rds';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionInfo, Provider } from '../../src/lib/providers/types.js';
import { Secret } from '../../src/lib/secret.js';
import { destroyLocalHome, instanceInput, localProvider, makeLocalHome } from '../_helpers/local.js';
import { tempDir } from '../_helpers/tmp.js';
import { wireStory } from './_moto/wire.js';

const DB = 'wire-db';
const USER = 'dbadmin';
const PASSWORD = 'wire-rt-password-1';
const story = wireStory();

let home = '';
let local: Provider;
let source: ConnectionInfo;
let restore: ConnectionInfo;
let caFile = '';

/** Every DB instance moto holds, read with the SDK. */
async function instanceIds(): Promise<string[]> {
  return ((await story.aws.rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).map((d) => d.DBInstanceIdentifier!).sort();
}

const tagsOf = (list: Tag[] | undefined) => Object.fromEntries((list ?? []).map((t) => [t.Key, t.Value]));

/** A superuser session on a local cluster (TLS, the certificate checked against the CA made here). */
async function sql(info: ConnectionInfo, text: string): Promise<pg.QueryResult> {
  const c = new pg.Client({
    host: info.host,
    port: info.port,
    user: info.user,
    password: info.password?.reveal(),
    database: info.database,
    ssl: {
      ca: readFileSync(caFile, 'utf8'),
      servername: 'wire.aaaaaaaaaa.us-east-2.rds.amazonaws.com',
      checkServerIdentity: () => undefined,
    },
  });
  await c.connect();
  try {
    return await c.query(text);
  } finally {
    await c.end();
  }
}

/** A tunnel address: where the test's "SSH tunnel" ends for a cluster. */
const via = (info: ConnectionInfo) => `${info.host}:${info.port}`;

/** Turns TLS on in a cluster with the test's certificate, and refuses non-TLS connections (hostssl). */
async function tlsOnly(info: ConnectionInfo, dataDir: string, cert: string, key: string): Promise<void> {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  for (const [from, name] of [
    [cert, 'server.crt'],
    [key, 'server.key'],
  ] as const) {
    const to = join(dataDir, name);
    copyFileSync(from, to);
    chmodSync(to, 0o600);
    if (userInfo().uid === 0) chownSync(to, uid, gid);
  }
  const plain = new pg.Client({
    host: info.host,
    port: info.port,
    user: info.user,
    password: info.password?.reveal(),
    database: info.database,
    ssl: false,
  });
  await plain.connect();
  try {
    await plain.query(`ALTER SYSTEM SET ssl = 'on'`);
    await plain.query(`ALTER SYSTEM SET ssl_cert_file = '${join(dataDir, 'server.crt')}'`);
    await plain.query(`ALTER SYSTEM SET ssl_key_file = '${join(dataDir, 'server.key')}'`);
    const hba = join(dataDir, 'pg_hba.conf');
    writeFileSync(hba, readFileSync(hba, 'utf8').replace(/^host(\s)/gm, 'hostssl$1'));
    await plain.query('SELECT pg_reload_conf()');
  } finally {
    await plain.end();
  }
  // Reloads are asynchronous: wait until a TLS session answers and a plain one is refused.
  for (let i = 0; i < 50; i++) {
    const ok = await sql(info, 'SELECT 1').then(
      () => true,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function makeCertificate(): { cert: string; key: string } {
  const dir = tempDir('wire-tls-');
  const cert = join(dir, 'ca.crt');
  const key = join(dir, 'server.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=wire-rds-test',
      '-addext',
      'subjectAltName=DNS:*.aaaaaaaaaa.us-east-2.rds.amazonaws.com',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

const FIXTURE = [
  // On the source already, so the stand-in restore (reused run after run, unlike a real
  // restore) does not differ from it by the extension RT-5 would create.
  'CREATE EXTENSION amcheck',
  'CREATE TABLE recipes (id serial PRIMARY KEY, title text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())',
  'CREATE INDEX recipes_title ON recipes (title)',
  "INSERT INTO recipes (title) SELECT 'recipe ' || g FROM generate_series(1, 500) g",
  'CREATE TABLE ingredients (id serial PRIMARY KEY, recipe_id int NOT NULL REFERENCES recipes(id), name text NOT NULL)',
  "INSERT INTO ingredients (recipe_id, name) SELECT 1 + (g % 500), 'ingredient ' || g FROM generate_series(1, 1500) g",
];

beforeAll(async () => {
  home = await makeLocalHome('wire-rt-');
  local = localProvider(home);
  const opts = { dbName: 'app', masterUsername: USER, masterPassword: { kind: 'value' as const, value: new Secret(PASSWORD) } };
  await local.createInstance(instanceInput('rt-source', opts));
  await local.createInstance(instanceInput('rt-restored', opts));
  source = await local.connectionInfo('rt-source');
  restore = await local.connectionInfo('rt-restored');
  const { cert, key } = makeCertificate();
  caFile = cert;
  for (const [info, id] of [
    [source, 'rt-source'],
    [restore, 'rt-restored'],
  ] as const) {
    await tlsOnly(info, join(home, 'local', 'us-east-2', 'instances', id, 'data'), cert, key);
    for (const statement of FIXTURE) await sql(info, statement);
  }

  await story.aws.rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: DB,
      Engine: 'postgres',
      EngineVersion: '15.8',
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: 20,
      DBName: 'app',
      MasterUsername: USER,
      MasterUserPassword: PASSWORD,
      StorageEncrypted: true,
      BackupRetentionPeriod: 7,
      Tags: [{ Key: 'dbops:purpose', Value: 'primary' }],
    }),
  );
  await story.aws.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: DB, DBSnapshotIdentifier: `${DB}-manual-1` }));
  writeFileSync(join(story.dir, 'dbops.config.yaml'), `provider: aws\nregion: us-east-2\ndatabase:\n  identifier: ${DB}\n`);
}, 180_000);

afterAll(async () => {
  if (home) await destroyLocalHome(home);
});

/** The environment of a user with a CA bundle and the master password (RDS would keep it in Secrets Manager). */
const env = () => ({ PGSSLROOTCERT: caFile, DBOPS_DB_PASSWORD: PASSWORD });
const tunnels = () => ['--source-connect-host', via(source), '--connect-host', via(restore)];

interface RtJson {
  verdict: string;
  temporary: {
    instanceId: string;
    kept: boolean;
    deleted: boolean;
    connectCommand?: string;
    removeCommand?: string;
    tags: Record<string, string>;
  };
  checks: { id: string; status: string; summary: string }[];
  failedChecks: string[];
  timing: { restoreSeconds?: number };
  error?: { message: string; hint?: string; step?: string };
}

describe('story 4: restore-test on aws, the data plane on local PostgreSQL with TLS through tunnels', () => {
  it('heartbeat --connect-host writes a beat on the source and the restore, through TLS', async () => {
    const beat = await story.dbops(['heartbeat', '--connect-host', via(source), '--json'], env());
    expect(beat.exitCode, beat.stderr).toBe(0);
    const url = `postgres://${USER}:${PASSWORD}@${via(restore)}/app?sslmode=verify-full&sslrootcert=${caFile}`;
    // The stand-in restore is its own cluster: it gets the beat the snapshot would have carried.
    const copy = await story.dbops(['heartbeat', '--url', url.replace('verify-full', 'require')], env());
    expect(copy.exitCode, copy.stderr).toBe(0);
    expect((await sql(source, 'SELECT count(*)::int AS n FROM dbops.heartbeat')).rows[0].n).toBe(1);
  });

  it('passes through both tunnels with TLS verified against the instance names, and leaves no temporary instance', async () => {
    const r = await story.dbops(['restore-test', ...tunnels(), '--json'], env());
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as RtJson;
    expect(out.verdict).toBe('passed');
    expect(out.failedChecks).toEqual([]);
    expect(out.checks.map((c) => `${c.id}:${c.status}`)).toEqual(
      expect.arrayContaining(['rto:passed', 'server:passed', 'amcheck:passed', 'schema:passed', 'row-counts:passed', 'rpo:passed']),
    );
    expect(out.temporary).toMatchObject({ deleted: true, kept: false });
    expect(out.temporary.instanceId).toMatch(new RegExp(`^${DB}-rt-`));
    // No certificate warning: verify-full held through the tunnel.
    expect(r.stderr).not.toContain('not verified');
    expect(await instanceIds()).toEqual([DB]);
    expect(
      story.moto
        .requests()
        .filter((q) => q.agent === 'dbops')
        .map((q) => q.action),
    ).toEqual(expect.arrayContaining(['RestoreDBInstanceFromDBSnapshot', 'DeleteDBInstance', 'PutMetricData']));
  });

  it('the human summary gives the one restore time the RTO check measured', async () => {
    const r = await story.dbops(['restore-test', ...tunnels()], env());
    expect(r.exitCode, r.stderr).toBe(0);
    const all = r.stdout + r.stderr;
    const checked = /Restored in (\S+), within the RTO/.exec(all)?.[1];
    const summary = /^\s*restore (\S+) against an RTO of 4 h \(within\)/m.exec(all)?.[1];
    expect(checked).toMatch(/^\d/);
    expect(summary).toBe(checked);
    expect(r.stdout).toMatch(new RegExp(`^PASSED {2}restore test of ${DB} from snapshot ${DB}-manual-1`, 'm'));
    expect(await instanceIds()).toEqual([DB]);
  });

  it('--keep --json keeps the instance and gives the commands to connect and to delete it; both work', async () => {
    const r = await story.dbops(['restore-test', ...tunnels(), '--keep', '--json'], env());
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as RtJson;
    const id = out.temporary.instanceId;
    expect(out.temporary).toMatchObject({
      kept: true,
      deleted: false,
      connectCommand: `dbops psql ${id} --connect-host ${via(restore)}`,
      removeCommand: `dbops instances delete ${id} --yes --skip-final-snapshot`,
    });
    const kept = (await story.aws.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;
    expect(tagsOf(kept.TagList)).toMatchObject({ 'dbops:managed': 'true', 'dbops:purpose': 'restore-test', 'dbops:source-instance': DB });
    // dbops asks for PubliclyAccessible=false; moto drops false overrides on a restore, so it may report none.
    expect(kept.PubliclyAccessible ?? false).toBe(false);

    // The connect command, as printed, through the tunnel with verify-full.
    const psql = await story.dbops(
      [...out.temporary.connectCommand!.split(' ').slice(1), '--', '-tAc', 'select count(*) from recipes'],
      env(),
    );
    expect(psql.exitCode, psql.stderr).toBe(0);
    expect(psql.stdout.trim()).toBe('500');

    const rm = await story.dbops(out.temporary.removeCommand!.split(' ').slice(1), env());
    expect(rm.exitCode, rm.stderr).toBe(0);
    expect(await instanceIds()).toEqual([DB]);
  });

  it('a failure at the restore (RDS denies the first look at the new instance) leaves nothing', async () => {
    const before = story.moto.requests().length;
    await story.moto.fault('DescribeDBInstances', 'AccessDenied', 403, undefined, { match: `${DB}-rt-`, times: 1 });
    const r = await story.dbops(['restore-test', ...tunnels(), '--json'], env());
    await story.moto.clearFaults();
    expect(r.exitCode, r.stderr).toBe(3);
    const out = JSON.parse(r.stdout) as RtJson;
    expect(out.verdict).toBe('error');
    expect(out.error?.message).toMatch(/AWS denied DescribeDBInstances/);
    expect(['RT-2', 'RT-3']).toContain(out.error?.step);
    const sent = story.moto
      .requests()
      .slice(before)
      .filter((q) => q.agent === 'dbops')
      .map((q) => q.action);
    // The instance was asked for, so it existed: the cleanup deleted it.
    expect(sent).toContain('RestoreDBInstanceFromDBSnapshot');
    expect(sent.lastIndexOf('DeleteDBInstance')).toBeGreaterThan(sent.indexOf('RestoreDBInstanceFromDBSnapshot'));
    expect(await instanceIds()).toEqual([DB]);
  });

  it('a failure at the connection (the tunnel to the temporary instance is closed) leaves nothing, and the hint names the tunnel', async () => {
    const r = await story.dbops(['restore-test', '--source-connect-host', via(source), '--connect-host', '127.0.0.1:1', '--json'], env());
    expect(r.exitCode, r.stderr).toBe(3);
    const out = JSON.parse(r.stdout) as RtJson;
    expect(out.verdict).toBe('error');
    expect(out.error).toMatchObject({
      step: 'RT-4',
      hint: expect.stringContaining('the tunnel given with --connect-host is open and leads to it'),
    });
    expect(out.error?.message).toMatch(/^Cannot connect to PostgreSQL at 127\.0\.0\.1:1 as dbadmin/);
    expect(out.temporary.deleted).toBe(true);
    expect(await instanceIds()).toEqual([DB]);
  });

  it('without --source-connect-host the source is dialled at its RDS name: it fails at RT-4 naming that option, and leaves nothing', async () => {
    const r = await story.dbops(['restore-test', '--connect-host', via(restore)], env());
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr).toMatch(
      new RegExp(
        `^error \\[step RT-4\\]: Cannot connect to PostgreSQL at ${DB}\\.aaaaaaaaaa\\.us-east-2\\.rds\\.amazonaws\\.com:5432 as ${USER}`,
        'm',
      ),
    );
    expect(r.stderr).toMatch(/^hint: .*or reach it through a tunnel with --source-connect-host host:port\.$/m);
    expect(await instanceIds()).toEqual([DB]);
  });

  it('a failure at a check (the restore lost a table) is exit 1, names the check, and leaves nothing', async () => {
    await sql(restore, 'DROP TABLE ingredients');
    const r = await story.dbops(['restore-test', ...tunnels(), '--json'], env());
    expect(r.exitCode, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout) as RtJson;
    expect(out.verdict).toBe('failed');
    expect(out.failedChecks).toEqual(expect.arrayContaining(['schema']));
    expect(out.temporary.deleted).toBe(true);
    expect(await instanceIds()).toEqual([DB]);
  });
});
