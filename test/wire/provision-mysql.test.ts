/**
 * Seed 003's RDS MySQL 8.0 provisioned on the wire (moto): apply creates the custom
 * parameter group of family mysql8.0 with require_secure_transport=1, tagged, before the
 * instance that uses it; a second plan has nothing to do; audit finds TLS required; destroy
 * removes the group after the instance. Each state is read back with the SDK directly.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeDBInstancesCommand,
  DescribeDBParameterGroupsCommand,
  DescribeDBParametersCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { wireStory } from './_moto/wire.js';

const story = wireStory();
const tagsOf = (list: { Key?: string; Value?: string }[] | undefined) => Object.fromEntries((list ?? []).map((t) => [t.Key, t.Value]));

const CONFIG = `provider: aws
region: us-east-2
database:
  identifier: core-db
  engine: mysql
  engineVersion: "8.0"
  dbName: core
cache:
  enabled: false
alarms:
  email: oncall@example.com
network:
  allowedCidr: 203.0.113.7/32
snapshots:
  crossRegion:
    enabled: false
`;

describe('provision of RDS MySQL 8.0 on the wire', () => {
  it('apply creates core-db-mysql8 (mysql8.0, require_secure_transport=1, tagged) and the instance on it', async () => {
    writeFileSync(join(story.dir, 'dbops.config.yaml'), CONFIG);
    const r = await story.dbops('provision apply --yes');
    expect(r.exitCode, r.stderr).toBe(0);
    const rds = story.aws.rds;
    const group = (await rds.send(new DescribeDBParameterGroupsCommand({ DBParameterGroupName: 'core-db-mysql8' }))).DBParameterGroups![0]!;
    expect(group.DBParameterGroupFamily).toBe('mysql8.0');
    const tags = tagsOf((await rds.send(new ListTagsForResourceCommand({ ResourceName: group.DBParameterGroupArn! }))).TagList);
    expect(tags['dbops:managed']).toBe('true');
    expect(tags['dbops:purpose']).toBe('provision');
    const params = (await rds.send(new DescribeDBParametersCommand({ DBParameterGroupName: 'core-db-mysql8' }))).Parameters ?? [];
    expect(params.filter((p) => p.ParameterName === 'require_secure_transport').map((p) => p.ParameterValue)).toEqual(['1']);
    const db = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'core-db' }))).DBInstances![0]!;
    expect([db.Engine, db.DBParameterGroups?.map((g) => g.DBParameterGroupName)]).toEqual(['mysql', ['core-db-mysql8']]);
  });

  it('a second plan has nothing to do, and audit does not report require_secure_transport OFF', async () => {
    const plan = await story.dbops('provision plan --json');
    expect(plan.exitCode, plan.stderr).toBe(0);
    const parsed = JSON.parse(plan.stdout) as { pending: number; changes: { kind: string; action: string }[] };
    expect(parsed.changes.find((c) => c.kind === 'parameter-group')?.action).toBe('no-op');
    expect(parsed.pending).toBe(0);
    const audit = await story.dbops('audit --json');
    const ids = (JSON.parse(audit.stdout) as { findings: { id: string }[] }).findings.map((f) => f.id);
    expect(ids).not.toContain('mysql-secure-transport-off');
  });

  it('destroy --yes --skip-final-snapshot removes the instance, then the group', async () => {
    let r = { exitCode: -1, stdout: '', stderr: '' };
    const sent = await story.during(async () => {
      r = await story.dbops('provision destroy --yes --skip-final-snapshot');
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const actions = sent.map((s) => s.action);
    expect(actions.filter((a) => a === 'DeleteDBParameterGroup')).toHaveLength(1);
    expect(actions.indexOf('DeleteDBInstance')).toBeLessThan(actions.indexOf('DeleteDBParameterGroup'));
    // RDS answers DBParameterGroupNotFound; moto an empty list: either way the group is gone.
    const left = await story.aws.rds
      .send(new DescribeDBParameterGroupsCommand({ DBParameterGroupName: 'core-db-mysql8' }))
      .then((o) => o.DBParameterGroups ?? [])
      .catch((e: { name?: string }) => (e.name === 'DBParameterGroupNotFoundFault' ? [] : Promise.reject(e)));
    expect(left).toEqual([]);
  });
});
