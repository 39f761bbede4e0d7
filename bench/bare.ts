// The floor: a bare kafkajs script doing the admin calls the reset step does (describe the groups, commit each
// group's offsets as an admin, read them back and compare), with the same concurrency, no Temporal, no
// activity, no report. It uses the same protocol calls as src/kafka (kafkajs's Admin.setOffsets would join
// each group as a consumer, which is what the product avoids); a slower floor would flatter the product.
import { Kafka } from 'kafkajs';
import { commitOffsets, fetchCommitted, mapLimit, openCluster, tpKey } from '../src/kafka/protocol';
import type { GroupTarget } from './targets';

export class BareResetError extends Error {
  override name = 'BareResetError';
}

export async function bareReset(kafka: Kafka, targets: readonly GroupTarget[], concurrency: number): Promise<{ ms: number }> {
  const started = performance.now();
  const admin = kafka.admin();
  await admin.connect();
  const protocol = await openCluster(kafka);
  try {
    const live = new Set<string>();
    for (let i = 0; i < targets.length; i += 200) {
      const { groups } = await admin.describeGroups(targets.slice(i, i + 200).map((t) => t.group));
      for (const g of groups) if (g.members.length > 0) live.add(g.groupId);
    }
    await mapLimit(targets, concurrency, async (t) => {
      if (live.has(t.group)) throw new BareResetError(`group ${t.group} has live members`);
      const offsets = t.offsets.map(([topic, partition, offset]) => ({ topic, partition, offset }));
      await commitOffsets(protocol, t.group, offsets);
      const back = await fetchCommitted(protocol, t.group, offsets);
      const wrong = offsets.filter((o) => back.get(tpKey(o.topic, o.partition)) !== o.offset);
      if (wrong.length) throw new BareResetError(`group ${t.group}: read back differs on ${wrong.length} partition(s)`);
    });
  } finally {
    await Promise.allSettled([admin.disconnect(), protocol.close()]);
  }
  return { ms: performance.now() - started };
}
