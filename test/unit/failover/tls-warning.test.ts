/**
 * The write probe and the final write reach the application's address as every other
 * connection does: TLS without a CA bundle is encrypted but unverified, and the operator
 * is told so, once per address; with a CA bundle nothing is said.
 */
import { describe, expect, it } from 'vitest';
import { appAddress } from '../../../src/lib/failover/common.js';
import type { FailoverApi } from '../../../src/lib/providers/failover-types.js';
import type { ConnectionInfo, Provider } from '../../../src/lib/providers/types.js';

function providerAnswering(info: Partial<ConnectionInfo>): Provider {
  const base = { host: 'db.example.internal', port: 5432, user: 'dbops', database: 'app' };
  return { connectionInfo: async () => ({ ...base, ...info }) } as unknown as Provider;
}

const api = { name: 'aws' } as unknown as FailoverApi;

describe('TLS to the application address', () => {
  it('unverified (no CA bundle): said once, whatever the number of connections', async () => {
    const said: string[] = [];
    const addr = await appAddress(
      providerAnswering({ ssl: 'require' }),
      api,
      undefined,
      () => 'prod-db',
      (m) => said.push(m),
    );
    await addr.resolve();
    await addr.resolve();
    expect(said).toEqual([
      'TLS to db.example.internal:5432 is on but its certificate is not verified: pass a CA bundle (aws.caBundle or PGSSLROOTCERT).',
    ]);
  });

  it('verified with a CA bundle, or off locally: nothing said', async () => {
    const said: string[] = [];
    for (const info of [{ ssl: 'verify-full' as const, caBundlePath: '/etc/ssl/rds.pem' }, { ssl: 'disable' as const }, {}]) {
      const addr = await appAddress(
        providerAnswering(info),
        api,
        undefined,
        () => 'prod-db',
        (m) => said.push(m),
      );
      await addr.resolve();
    }
    expect(said).toEqual([]);
  });
});
