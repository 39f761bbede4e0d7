// Partitions routed to their leader brokers, for the requests that must go to the leader (ListOffsets, Fetch).
import type { InternalBroker, InternalCluster } from './cluster';

export interface PartitionRef {
  topic: string;
  partition: number;
}

/** "topic:partition" key used by the maps this module returns. */
export function tpKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

export async function ensureMetadata(cluster: InternalCluster, topics: string[]): Promise<void> {
  await cluster.addMultipleTargetTopics([...new Set(topics)]);
}

/** Groups partitions of many topics by their leader broker (linear: 80,000 partition refs at 10,000 groups). */
export function byLeader<T extends PartitionRef>(cluster: InternalCluster, items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  const byTopic = new Map<string, T[]>();
  for (const it of items) {
    const list = byTopic.get(it.topic);
    if (list) list.push(it);
    else byTopic.set(it.topic, [it]);
  }
  for (const [topic, list] of byTopic) {
    const leaders: Record<string, number[]> = cluster.findLeaderForPartitions(topic, [
      ...new Set(list.map((x) => x.partition)),
    ]);
    const leaderOf = new Map<number, string>();
    for (const [nodeId, partitions] of Object.entries(leaders)) for (const p of partitions) leaderOf.set(p, nodeId);
    for (const it of list) {
      const nodeId = leaderOf.get(it.partition);
      if (nodeId === undefined) continue;
      const mine = out.get(nodeId);
      if (mine) mine.push(it);
      else out.set(nodeId, [it]);
    }
  }
  return out;
}

/**
 * Connects the leader brokers one at a time before any concurrent use: kafkajs's broker pool opens a second,
 * untracked connection when two requests ask for the same not-yet-connected broker at once (a socket leak).
 */
export async function connectLeaders(
  cluster: InternalCluster,
  items: readonly PartitionRef[],
): Promise<Map<string, InternalBroker>> {
  const brokers = new Map<string, InternalBroker>();
  for (const nodeId of byLeader(cluster, items).keys()) brokers.set(nodeId, await cluster.findBroker({ nodeId }));
  return brokers;
}
