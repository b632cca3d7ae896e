/**
 * `dbops dr-drill` of a local mysql instance (a real MariaDB 10.11 standing in for MySQL
 * 8.0): the region scenario recovers its snapshot copied to us-west-2 and runs the restore
 * test's checks through the engine port; the report's Source and Recovery lines carry the
 * MariaDB label. The instance scenario (no binary-log archive locally) is refused in one sentence.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drDrill } from '../../../src/lib/drill/drill.js';
import { engineFor } from '../../../src/lib/engines/index.js';
import type { Provider } from '../../../src/lib/providers/types.js';
import { destroyLocalHome, instanceInput, localProvider, makeLocalHome } from '../../_helpers/local.js';
import { config, restoreTestContext } from '../../unit/restore/_context.js';

const LABEL = 'MariaDB 10.11 standing in for MySQL 8.0';
let home: string;
let east: Provider;
let west: Provider;

function context() {
  return restoreTestContext({
    config: config({ provider: 'local', database: { identifier: 'shop-db', engine: 'mysql', engineVersion: '8.0' } }),
    provider: east,
    home,
  });
}

beforeAll(async () => {
  home = await makeLocalHome('dbops-drill-mysql-');
  east = localProvider(home);
  west = east.forRegion('us-west-2');
  await east.createInstance(instanceInput('shop-db', { engine: 'mysql', engineVersion: '8.0', masterUsername: 'dbadmin', dbName: 'shop' }));
  const db = await engineFor('mysql').connect(await east.connectionInfo('shop-db'));
  try {
    await db.query('CREATE TABLE orders (id INT PRIMARY KEY, note VARCHAR(80) NOT NULL, KEY orders_note (note)) ENGINE=InnoDB');
    await db.query("INSERT INTO orders VALUES (1, 'a'), (2, 'b'), (3, 'c')");
    await db.heartbeat.ensure();
    await db.heartbeat.write('cron');
  } finally {
    await db.close();
  }
  await east.createSnapshot({ instanceId: 'shop-db', snapshotId: 'shop-snap-1', tags: {} });
  await east.copySnapshot({
    snapshotId: 'shop-snap-1',
    targetRegion: 'us-west-2',
    targetSnapshotId: 'shop-snap-1-copy',
    copyTags: true,
    tags: { 'dbops:purpose': 'cross-region-copy' },
  });
}, 120_000);

afterAll(async () => {
  await east?.close();
  if (home) await destroyLocalHome(home);
});

describe('dr-drill of a local mysql instance', () => {
  it('region scenario: recovered in us-west-2, checked through the engine port, MariaDB labelled, nothing left', async () => {
    const { ctx, output } = await context();
    const reportFile = join(home, 'drill.md');
    const { record, error } = await drDrill(ctx, { reportFile });
    expect(error, output.stderr()).toBeUndefined();
    expect(record.verdict).toBe('passed');
    expect(record.checks.find((c) => c.id === 'check-table')?.status).toBe('passed');
    expect(record.recovery).toMatchObject({ region: 'us-west-2', created: true, deleted: true });
    const md = await readFile(reportFile, 'utf8');
    expect(md).toContain(`- Source: \`shop-db\`, MySQL 8.0 (${LABEL})`);
    expect(md).toMatch(new RegExp(`^- Recovery: \`[^\`]+\`, MariaDB 10\\.11\\.\\d+ \\(${LABEL}\\), deleted$`, 'm'));
    expect((await west.listInstances()).map((i) => i.id)).toEqual([]);
  });

  it('instance scenario: refused in one sentence (no point-in-time recovery locally), nothing created', async () => {
    const { ctx } = await context();
    const { error } = await drDrill(ctx, { scenario: 'instance' });
    expect(error?.message).toBe(
      'The instance scenario cannot be drilled on shop-db: a local mysql instance (MariaDB standing in for MySQL 8.0) keeps no binary-log archive, so it has no point in time to recover to.',
    );
    expect((await west.listInstances()).map((i) => i.id)).toEqual([]);
  });
});
