// Why the figures are what they are: the fixed cost of opening one AdminSession (src/kafka/admin/session.ts), which the
// reset activity pays once per batch and the bare script once per run. kafkajs's first group-coordinator
// lookup on a fresh client finds its broker pool empty and retries after its backoff instead of fetching
// metadata at once; refreshing metadata right after connecting avoids the wait. Both are timed here.
import { local } from '../stack/local-stack';
import { committedOffsets, describeGroupMembers, openAdmin } from '../src/kafka/admin';
import { kafkaFor } from './fixture';
import { median } from './report';

export interface SessionCost {
  /** openAdmin, then the first describe and the first offset fetch of a fresh session, as resetGroups does them. */
  firstCallsMs: number;
  /** The same after refreshing metadata on both clients right after connecting (refresh included). */
  firstCallsAfterRefreshMs: number;
  repeats: number;
}

async function once(group: string, refresh: boolean): Promise<number> {
  const started = performance.now();
  const s = await openAdmin(kafkaFor(local.secondaryBootstrap, 'kdr-bench-diag'));
  try {
    if (refresh) {
      await s.protocol.cluster.refreshMetadata();
      await s.admin.fetchTopicMetadata({ topics: [] });
    }
    await describeGroupMembers(s, [group]);
    await committedOffsets(s, group, [{ topic: '__consumer_offsets', partition: 0 }]);
    return performance.now() - started;
  } finally {
    await s.close();
  }
}

export async function sessionCost(group: string, repeats: number): Promise<SessionCost> {
  const plain: number[] = [];
  const refreshed: number[] = [];
  for (let i = 0; i < repeats; i++) {
    plain.push(await once(group, false));
    refreshed.push(await once(group, true));
  }
  return { firstCallsMs: median(plain), firstCallsAfterRefreshMs: median(refreshed), repeats };
}
