/**
 * `dbops dr-drill --scenario instance|replica` interrupted and failing at the steps where
 * they differ from the region scenario (frame: _drill-steps.ts): the instance scenario's
 * point-in-time recovery (DR-2 to DR-4) and its cleanup, the replica scenario's throwaway
 * primary, replica and failover (DR-3 to DR-6) and the cleanup of both (DR-17). The steps
 * they share with the region scenario are swept in dr-drill-steps.test.ts.
 */
import { drillFaultSuite, type FaultCase } from './_drill-steps.js';

const cases: FaultCase[] = [
  ['instance', 'DR-2', 'abort'],
  ['instance', 'DR-3', 'abort'],
  ['instance', 'DR-3', 'fail'],
  ['instance', 'DR-4', 'abort'],
  ['instance', 'DR-17', 'fail'],
  ['replica', 'DR-3', 'abort'],
  ['replica', 'DR-5', 'abort'],
  ['replica', 'DR-5', 'fail'],
  ['replica', 'DR-6', 'abort'],
  ['replica', 'DR-6', 'fail'],
  ['replica', 'DR-17', 'fail'],
];

drillFaultSuite('dr-drill instance and replica scenarios: a fault where they differ leaves nothing (in process)', cases);
