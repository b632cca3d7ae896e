/**
 * The final snapshot of a deleted instance: RDS copies the instance's tags onto it
 * (CopyTagsToSnapshot), so it would say `dbops:purpose=primary`. Once the instance is
 * gone (the snapshot exists by then), dbops tags it as what it is.
 */
import { TAG, type Provider } from '../providers/types.js';
import { PURPOSE_FINAL } from './policy.js';

export async function tagFinalSnapshot(provider: Pick<Provider, 'tagSnapshot'>, snapshotId: string, runId: string): Promise<void> {
  await provider.tagSnapshot(snapshotId, { [TAG.managed]: 'true', [TAG.purpose]: PURPOSE_FINAL, [TAG.runId]: runId });
}
