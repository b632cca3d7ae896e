/**
 * Story 6 on the wire: what goes wrong between dbops and AWS, each one sentence, a hint
 * and the documented exit code, never a stack: no credentials, an endpoint nobody
 * answers, one that answers a web page, unknown ids, access denied and throttling (moto
 * told to deny or throttle one operation through the launcher's fault switch).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateDBInstanceCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../_helpers/run-dbops.js';
import { wireStory } from './_moto/wire.js';

const story = wireStory();
const STACK = /\n\s+at .+\(.+:\d+:\d+\)/;

/** The one-sentence-and-a-hint shape every error has. */
function oneSentence(r: RunResult, exitCode: number, message: RegExp): void {
  expect(r.exitCode, r.stderr).toBe(exitCode);
  const lines = r.stderr.trim().split('\n');
  expect(lines.at(-2)).toMatch(message);
  expect(lines.at(-1)).toMatch(/^hint: \S/);
  expect(r.stderr).not.toMatch(STACK);
  expect(r.stderr).not.toContain('$response');
}

let html: Server;
let htmlUrl = '';

beforeAll(async () => {
  await story.aws.rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: 'wire-db',
      Engine: 'postgres',
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: 20,
      MasterUsername: 'u',
      MasterUserPassword: 'wire-password-1',
    }),
  );
  writeFileSync(join(story.dir, 'dbops.config.yaml'), 'provider: aws\nregion: us-east-2\ndatabase:\n  identifier: wire-db\n');
  html = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      res.writeHead(404, { 'content-type': 'text/html' }).end('<!doctype html><html><body><h1>Sign in to the proxy</h1></body></html>'),
    );
  });
  await new Promise<void>((resolve) => html.listen(0, '127.0.0.1', resolve));
  htmlUrl = `http://127.0.0.1:${(html.address() as AddressInfo).port}`;
}, 60_000);

afterAll(() => new Promise<void>((resolve) => html.close(() => resolve())));
afterEach(() => story.moto.clearFaults());

describe('story 6: the error paths', () => {
  it('no credentials: exit 3, how to provide them, nothing sent', async () => {
    const sent = await story.during(async () => {
      oneSentence(
        await story.dbops('instances', {
          AWS_ACCESS_KEY_ID: undefined,
          AWS_SECRET_ACCESS_KEY: undefined,
          AWS_SHARED_CREDENTIALS_FILE: join(story.dir, 'none'),
          AWS_CONFIG_FILE: join(story.dir, 'none'),
        }),
        3,
        /^error: No AWS credentials found\.$/,
      );
    });
    expect(sent).toEqual([]);
  });

  it('an endpoint nobody answers: exit 3, naming it', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    oneSentence(await story.dbops(['instances', '--endpoint-url', url]), 3, new RegExp(`^error: Cannot reach the AWS endpoint ${url}\\.$`));
  });

  it('an endpoint answering an HTML page: one sentence and a hint, not the SDK deserialization text', async () => {
    oneSentence(
      await story.dbops(['instances', '--endpoint-url', htmlUrl]),
      3,
      new RegExp(`^error: The endpoint ${htmlUrl} answered DescribeDBInstances with an HTML page \\(HTTP 404\\), not an AWS response\\.$`),
    );
    oneSentence(
      await story.dbops(['provision', 'plan', '--endpoint-url', htmlUrl]),
      3,
      /^error: The endpoint .* answered \w+ with an HTML page \(HTTP 404\), not an AWS response\.$/,
    );
  });

  it('unknown ids: exit 2, naming the id', async () => {
    oneSentence(await story.dbops('status no-such-db'), 2, /^error: DB instance no-such-db not found in us-east-2\.$/);
    oneSentence(
      await story.dbops('snapshot copy no-such-snapshot'),
      2,
      /^error \[step SN-10\]: DB snapshot no-such-snapshot not found in us-east-2\.$/,
    );
    oneSentence(await story.dbops('restore-test --instance no-such-db'), 2, /no-such-db/);
  });

  it('access denied: exit 3, naming the operation; nothing changed', async () => {
    await story.moto.fault('CreateDBSnapshot', 'AccessDenied', 403);
    oneSentence(
      await story.dbops('snapshot create'),
      3,
      /^error \[step SN-8\]: AWS denied CreateDBSnapshot in us-east-2 to these credentials\.$/,
    );
    await story.moto.fault('DescribeDBInstances', 'AccessDenied', 403);
    oneSentence(await story.dbops('instances'), 3, /^error: AWS denied DescribeDBInstances in us-east-2 to these credentials\.$/);
    await story.moto.clearFaults();
    expect((await story.aws.rds.send(new DescribeDBInstancesCommand({}))).DBInstances!.map((d) => d.DBInstanceIdentifier)).toEqual([
      'wire-db',
    ]);
  });

  it('throttling: retried, then exit 3 saying so', async () => {
    await story.moto.fault('DescribeDBInstances', 'Throttling', 400, 'Rate exceeded');
    let r = { exitCode: -1, stdout: '', stderr: '' };
    const sent = await story.during(async () => {
      r = await story.dbops('instances', { DBOPS_AWS__MAX_ATTEMPTS: '3' });
    });
    oneSentence(r, 3, /^error: AWS kept throttling DescribeDBInstances in us-east-2, even after 3 attempts\.$/);
    expect(sent.filter((s) => s.action === 'DescribeDBInstances')).toHaveLength(3);
  });
});
