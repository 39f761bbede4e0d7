// kafkajs's Admin.setOffsets joins the group as a consumer (a rebalance per group and topic, seconds each); an
// OffsetCommit with generation -1 and no member id does what Java's alterConsumerGroupOffsets does, one request
// per group, and the broker itself refuses it while the group has members.
import type { ProtocolHandle } from './cluster';
import { withCoordinator } from './find-coordinator';
import type { PartitionRef } from './leaders';

/**
 * Commits offsets for a group as an admin would (no member, generation -1). The broker refuses with
 * UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION / REBALANCE_IN_PROGRESS while the group has live members.
 */
export async function commitOffsets(
  handle: ProtocolHandle,
  groupId: string,
  offsets: readonly (PartitionRef & { offset: number })[],
): Promise<void> {
  if (offsets.length === 0) return;
  const { cluster } = handle;
  const topics = new Map<string, { partition: number; offset: string }[]>();
  for (const o of offsets) {
    const list = topics.get(o.topic);
    if (list) list.push({ partition: o.partition, offset: String(o.offset) });
    else topics.set(o.topic, [{ partition: o.partition, offset: String(o.offset) }]);
  }
  await withCoordinator(cluster, groupId, (coordinator) =>
    coordinator.offsetCommit({
      groupId,
      groupGenerationId: -1,
      memberId: '',
      topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
    }),
  );
}
