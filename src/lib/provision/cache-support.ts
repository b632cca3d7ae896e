/**
 * What an ElastiCache node type supports, decided offline. Pure.
 *
 * - AUTH (a Redis AUTH token) needs in-transit encryption, and both need a replication
 *   group (CreateReplicationGroup with one node), not a bare CreateCacheCluster: that is
 *   why dbops creates a one-node replication group.
 * - T1 and T2 node types support neither in-transit nor at-rest encryption (nor backups),
 *   and AWS no longer creates new T2 clusters (previous generation). The seeds' cache.t2.micro
 *   therefore cannot have AUTH or TLS; dbops defaults to cache.t3.micro, which is free-tier
 *   eligible too and supports both.
 */

export interface CacheSupport {
  transitEncryption: boolean;
  atRestEncryption: boolean;
  auth: boolean;
  /** One sentence when something is unsupported, for plans and warnings. */
  note?: string;
}

/** "cache.t2.micro" -> "t2". */
export function nodeFamily(nodeType: string): string {
  return nodeType.split('.')[1] ?? '';
}

export function cacheSupport(nodeType: string): CacheSupport {
  const family = nodeFamily(nodeType);
  if (family === 't1' || family === 't2' || family === 'm1' || family === 'm2' || family === 'c1') {
    return {
      transitEncryption: false,
      atRestEncryption: false,
      auth: false,
      note: `${nodeType} is a previous-generation node type without in-transit or at-rest encryption, so the cache cannot have AUTH or TLS; use cache.t3.micro (also free-tier eligible).`,
    };
  }
  return { transitEncryption: true, atRestEncryption: true, auth: true };
}
