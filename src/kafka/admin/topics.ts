// Topics and their partitions: a replicated topic needs the same partition count on both clusters, or its
// records land in other partitions on the secondary.
import { TopicMissingError, PartitionCountMismatchError } from './errors';
import type { PartitionRef } from '../protocol';
import type { AdminSession } from './session';

/** Partition count of each topic; topics that do not exist are absent from the map. */
export async function topicPartitionCounts(s: AdminSession, topics: readonly string[]): Promise<Map<string, number>> {
  const existing = new Set(await s.admin.listTopics());
  const wanted = [...new Set(topics)].filter((t) => existing.has(t));
  const out = new Map<string, number>();
  if (wanted.length === 0) return out;
  const { topics: meta } = await s.admin.fetchTopicMetadata({ topics: wanted });
  for (const t of meta) out.set(t.name, t.partitions.length);
  return out;
}

/** Topic names on the cluster matching a list or a pattern (internal topics excluded). */
export async function matchTopics(
  s: AdminSession,
  topics: readonly string[] | { test(name: string): boolean },
): Promise<string[]> {
  const all = await s.admin.listTopics();
  if (Array.isArray(topics)) {
    const listed = new Set(topics);
    return all.filter((t) => listed.has(t)).sort();
  }
  const re = topics as { test(name: string): boolean };
  return all.filter((t) => !t.startsWith('__') && re.test(t)).sort();
}

export interface EnsureTopicsResult {
  created: string[];
  existing: string[];
}

/**
 * Creates on the secondary every topic missing there with the primary's partition count. Idempotent: a
 * topic already there with the same count is left alone; a different count is an error (not "fixed").
 */
export async function ensureTopicsLike(
  primary: AdminSession,
  secondary: AdminSession,
  topics: readonly string[],
  options: { replicationFactor?: number } = {},
): Promise<EnsureTopicsResult> {
  const onPrimary = await topicPartitionCounts(primary, topics);
  const missingOnPrimary = topics.filter((t) => !onPrimary.has(t));
  if (missingOnPrimary.length) throw new TopicMissingError(missingOnPrimary, 'primary');
  const onSecondary = await topicPartitionCounts(secondary, topics);
  const toCreate = topics.filter((t) => !onSecondary.has(t));
  if (toCreate.length) {
    try {
      await secondary.admin.createTopics({
        waitForLeaders: true,
        topics: toCreate.map((topic) => ({
          topic,
          numPartitions: onPrimary.get(topic) as number,
          replicationFactor: options.replicationFactor ?? -1,
        })),
      });
    } catch (err) {
      // Another run may have created them meanwhile; the count check below decides.
      if (!/already exists/i.test((err as Error).message)) throw err;
    }
  }
  const after = await topicPartitionCounts(secondary, topics);
  const mismatches = topics
    .filter((t) => after.get(t) !== onPrimary.get(t))
    .map((t) => ({ topic: t, primary: onPrimary.get(t) as number, secondary: after.get(t) ?? 0 }));
  if (mismatches.length) throw new PartitionCountMismatchError(mismatches);
  return { created: toCreate, existing: topics.filter((t) => !toCreate.includes(t)) };
}

/** Every partition of the topics (from metadata). */
export async function partitionsOf(s: AdminSession, topics: readonly string[]): Promise<PartitionRef[]> {
  const counts = await topicPartitionCounts(s, topics);
  const out: PartitionRef[] = [];
  for (const t of topics)
    for (let partition = 0; partition < (counts.get(t) ?? 0); partition++) out.push({ topic: t, partition });
  return out;
}
