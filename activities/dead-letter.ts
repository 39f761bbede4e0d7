// The pair's dead-letter queue on the secondary (EventBridge pairs): how many records the replicator could not
// write to their topics and set aside there. drWatch alerts on them, `kdr pairs` shows them, a failover plan names them.
import type { PairConfig } from '../src/config';
import { deadLetterTopic } from '../src/connectors/eventbridge';
import type { AdminSession } from '../src/kafka/admin';

export interface DeadLetterCount {
  topic: string;
  /** Records in the topic now (log end minus log start, summed over partitions). */
  records: number;
}

/** Undefined for a pair that has no dead-letter queue (MirrorMaker 2), or when the topic does not exist yet. */
export async function deadLetterRecords(
  pair: PairConfig,
  secondary: AdminSession,
): Promise<DeadLetterCount | undefined> {
  if (pair.replication.provider !== 'eventbridge') return undefined;
  const topic = deadLetterTopic(pair.name);
  if (!(await secondary.admin.listTopics()).includes(topic)) return undefined;
  const offsets = await secondary.admin.fetchTopicOffsets(topic);
  return { topic, records: offsets.reduce((n, o) => n + Math.max(0, Number(o.high) - Number(o.low)), 0) };
}
