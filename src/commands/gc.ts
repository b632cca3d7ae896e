/** `dbops gc`: the definition (handler: gc.run.ts, loaded lazily). */
import { defineCommand, examples, type Lazy } from './define.js';
import { fleetRunOptions } from './fleet-options.js';

export const gc = defineCommand({
  name: 'gc',
  runbook: 'gc',
  summary: 'Delete expired temporary instances and snapshots a crashed run left (dbops:expires-at in the past)',
  description:
    'Looks in the config region and snapshots.crossRegion.region for instances and snapshots tagged dbops:managed=true whose dbops:expires-at is past, and deletes them (instances without a final snapshot) after confirmation or --yes. Never touches anything without dbops:managed=true, nor an instance with deletion protection. Exit 3 when a deletion failed (the others still go).',
  fleet:
    'With --all (docs/fleet.md): every account and region of the fleet (and the DR region), listed --concurrency at a time, one confirmation for the whole fleet that says how many resources in how many accounts and regions (off a terminal: --yes, or nothing happens), then one summary row per account and region; still only dbops-managed, expired resources. --select does not apply: gc works on regions, not databases.',
  mutates: true,
  options: fleetRunOptions,
  examples: examples(`
    $ dbops gc --dry-run               # list what has expired
    $ dbops gc --yes                   # delete it without asking
    $ dbops gc --all --dry-run         # what has expired in every account and region of the fleet
    $ dbops gc --all --yes --verbose   # delete it all (dbops-managed only), with the AWS calls made
  `),
  load: (): Lazy => import('./gc.run.js').then((m) => m.gc),
});
