import { defineRunbook } from '../runbook/define.js';

/** runbooks/switchover.md: the steps `dbops switchover` follows, in order. */
export const SWITCHOVER = defineRunbook('switchover', 'Switchover: move the primary role to a replica without losing data', [
  'SO-1',
  'SO-2',
  'SO-3',
  'SO-4',
  'SO-5',
  'SO-6',
  'SO-7',
  'SO-8',
  'SO-9',
  'SO-10',
  'SO-11',
  'SO-12',
]);

/** runbooks/failover.md: the steps `dbops failover` follows, in order. */
export const FAILOVER = defineRunbook(
  'failover',
  'Failover: promote a replica when the primary is down, fence the old one, measure the loss',
  ['FO-1', 'FO-2', 'FO-3', 'FO-4', 'FO-5', 'FO-6', 'FO-7', 'FO-8', 'FO-9'],
);

/** runbooks/cluster-failover.md: `dbops failover` when the database is an Aurora cluster. */
export const CLUSTER_FAILOVER = defineRunbook('cluster-failover', 'Failover of an Aurora cluster: a reader becomes the writer', [
  'CF-1',
  'CF-4',
  'CF-2',
  'CF-3',
  'CF-5',
]);
