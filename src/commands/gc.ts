/** `dbops gc`: the definition (handler: gc.run.ts, loaded lazily). */
import { defineCommand, examples, type Lazy } from './define.js';

export const gc = defineCommand({
  name: 'gc',
  runbook: 'gc',
  summary: 'Delete expired temporary instances and snapshots a crashed run left (dbops:expires-at in the past)',
  description:
    'Looks in the config region and snapshots.crossRegion.region for instances and snapshots tagged dbops:managed=true whose dbops:expires-at is past, and deletes them (instances without a final snapshot) after confirmation or --yes. Never touches anything without dbops:managed=true, nor an instance with deletion protection. Exit 3 when a deletion failed (the others still go).',
  mutates: true,
  examples: examples(`
    $ dbops gc --dry-run   # list what has expired
    $ dbops gc --yes       # delete it without asking
  `),
  load: (): Lazy => import('./gc.run.js').then((m) => m.gc),
});
