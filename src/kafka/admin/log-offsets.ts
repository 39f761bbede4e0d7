// Where each partition's log starts and ends, and the time of the records in it.
import {
  EARLIEST,
  LATEST,
  listOffsets,
  recordsAt,
  tpKey,
  type OffsetQuery,
  type PartitionRef,
  type RecordAt,
} from '../protocol';
import { TopicMissingError } from './errors';
import type { AdminSession } from './session';
import { topicPartitionCounts } from './topics';

export interface PartitionOffsets extends PartitionRef {
  earliest: number;
  end: number;
}

/** Log start and end (high watermark) of every partition of the topics, in two batched requests. */
export async function partitionOffsets(s: AdminSession, topics: readonly string[]): Promise<PartitionOffsets[]> {
  const counts = await topicPartitionCounts(s, topics);
  const missing = topics.filter((t) => !counts.has(t));
  if (missing.length) throw new TopicMissingError(missing, 'cluster');
  const parts: PartitionRef[] = [];
  for (const [topic, n] of counts) for (let partition = 0; partition < n; partition++) parts.push({ topic, partition });
  const answers = await listOffsets(s.protocol, [
    ...parts.map((p) => ({ ...p, timestamp: EARLIEST })),
    ...parts.map((p) => ({ ...p, timestamp: LATEST })),
  ]);
  return parts.map((p) => ({
    ...p,
    earliest: answers.get(`${tpKey(p.topic, p.partition)}@${EARLIEST}`) ?? 0,
    end: answers.get(`${tpKey(p.topic, p.partition)}@${LATEST}`) ?? 0,
  }));
}

/**
 * For each (topic, partition, timestamp): the earliest offset whose record timestamp is >= timestamp, or null
 * when there is none (the answer is then the log end). Keys: `${topic}:${partition}@${timestamp}`.
 */
export async function offsetsForTimes(
  s: AdminSession,
  queries: readonly OffsetQuery[],
): Promise<Map<string, number | null>> {
  for (const q of queries) {
    if (!Number.isFinite(q.timestamp) || q.timestamp < 0)
      throw new RangeError(`timestamp ${q.timestamp} for ${q.topic}[${q.partition}] is not epoch ms`);
  }
  return listOffsets(s.protocol, queries);
}

/** Timestamp of the first record at or after each offset. Keys: `${topic}:${partition}@${offset}`. */
export async function recordTimestamps(
  s: AdminSession,
  queries: readonly (PartitionRef & { offset: number })[],
): Promise<Map<string, RecordAt>> {
  return recordsAt(s.protocol, queries);
}

/** The newest record timestamp over the topics' partitions (epoch ms), null when they hold no record. */
export async function newestRecordTimestamp(s: AdminSession, topics: readonly string[]): Promise<number | null> {
  const logs = (await partitionOffsets(s, topics)).filter((p) => p.end > p.earliest);
  if (logs.length === 0) return null;
  const stamps = await recordTimestamps(
    s,
    logs.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.end - 1 })),
  );
  let newest: number | null = null;
  for (const r of stamps.values()) if (newest === null || r.timestamp > newest) newest = r.timestamp;
  return newest;
}
