// The floor: a bare kafkajs script doing the admin calls the reset step does (describe the groups in batches,
// commit each group's offsets as an admin, read them back and compare), with the same concurrency, no Temporal,
// no activity, no report, one connection opened once. It uses the same protocol calls as src/kafka (kafkajs's
// Admin.setOffsets would join each group as a consumer, which is what the product avoids); a slower floor would
// flatter the product.
import type { Kafka } from 'kafkajs';
import { commitOffsets, describeGroupsMany, fetchCommitted, mapLimit, openCluster, tpKey } from '../src/kafka/protocol';
import type { GroupTarget } from './targets';

export class BareResetError extends Error {
  override name = 'BareResetError';
}

export async function bareReset(
  kafka: Kafka,
  targets: readonly GroupTarget[],
  concurrency: number,
): Promise<{ ms: number }> {
  const started = performance.now();
  const protocol = await openCluster(kafka);
  try {
    // As openAdmin does: without it kafkajs's first coordinator lookup waits out a retry backoff (docs/benchmarks.md).
    await protocol.cluster.refreshMetadata();
    // The same batched DescribeGroups the product uses (one request per coordinator): kafkajs's
    // admin.describeGroups asks FindCoordinator once per group, which would make this floor slower than it is.
    const live = new Set(
      (
        await describeGroupsMany(
          protocol,
          targets.map((t) => t.group),
        )
      )
        .filter((g) => g.members.length > 0)
        .map((g) => g.groupId),
    );
    await mapLimit(targets, concurrency, async (t) => {
      if (live.has(t.group)) throw new BareResetError(`group ${t.group} has live members`);
      const offsets = t.offsets.map(([topic, partition, offset]) => ({ topic, partition, offset }));
      await commitOffsets(protocol, t.group, offsets);
      const back = await fetchCommitted(protocol, t.group, offsets);
      const wrong = offsets.filter((o) => back.get(tpKey(o.topic, o.partition)) !== o.offset);
      if (wrong.length) throw new BareResetError(`group ${t.group}: read back differs on ${wrong.length} partition(s)`);
    });
  } finally {
    await protocol.close();
  }
  return { ms: performance.now() - started };
}
