// kafkajs's Admin.fetchTopicOffsetsByTimestamp takes one timestamp per topic; the offset plan needs one per
// partition, batched into one ListOffsets request per leader.
import type { InternalBroker, ProtocolHandle } from './cluster';
import { mapLimit } from './concurrency';
import { byLeader, connectLeaders, ensureMetadata, tpKey, type PartitionRef } from './leaders';

export const EARLIEST = -2;
export const LATEST = -1;

export interface OffsetQuery extends PartitionRef {
  /** EARLIEST (-2), LATEST (-1) or a timestamp in epoch ms. */
  timestamp: number;
}

/**
 * ListOffsets for many (topic, partition, timestamp) at once. Answers map `${topic}:${partition}@${ts}` to
 * the offset, or null when no record has a timestamp >= ts. Queries for the same partition with different
 * timestamps go in separate rounds (one partition may appear once per request).
 */
export async function listOffsets(
  handle: ProtocolHandle,
  queries: readonly OffsetQuery[],
): Promise<Map<string, number | null>> {
  const answers = new Map<string, number | null>();
  if (queries.length === 0) return answers;
  const { cluster } = handle;
  await ensureMetadata(
    cluster,
    queries.map((q) => q.topic),
  );
  const rounds: OffsetQuery[][] = [];
  const seenPerPartition = new Map<string, number>();
  const dedup = new Set<string>();
  for (const q of queries) {
    const k = `${tpKey(q.topic, q.partition)}@${q.timestamp}`;
    if (dedup.has(k)) continue;
    dedup.add(k);
    const n = seenPerPartition.get(tpKey(q.topic, q.partition)) ?? 0;
    seenPerPartition.set(tpKey(q.topic, q.partition), n + 1);
    (rounds[n] ??= []).push(q);
  }
  const brokers = await connectLeaders(cluster, queries);
  await mapLimit(rounds, 4, async (round) => {
    const leaders = byLeader(cluster, round);
    await Promise.all(
      [...leaders].map(async ([nodeId, items]) => {
        const broker: InternalBroker = brokers.get(nodeId) ?? (await cluster.findBroker({ nodeId }));
        const topics = new Map<string, { partition: number; timestamp: number }[]>();
        for (const q of items)
          topics.set(q.topic, [...(topics.get(q.topic) ?? []), { partition: q.partition, timestamp: q.timestamp }]);
        const ts = new Map(items.map((q) => [tpKey(q.topic, q.partition), q.timestamp]));
        const { responses } = await broker.listOffsets({
          isolationLevel: cluster.isolationLevel,
          topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
        });
        for (const r of responses) {
          for (const p of r.partitions) {
            const off = Number(p.offset);
            answers.set(`${tpKey(r.topic, p.partition)}@${ts.get(tpKey(r.topic, p.partition))}`, off < 0 ? null : off);
          }
        }
      }),
    );
  });
  return answers;
}
