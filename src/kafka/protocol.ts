// Direct Kafka protocol calls through kafkajs's cluster object, for the admin operations kafkajs's Admin
// does badly at DR scale:
// - Admin.setOffsets joins the group as a consumer (a rebalance per group and topic, seconds each); here an
//   OffsetCommit with generation -1 and no member id does what Java's alterConsumerGroupOffsets does, one
//   request per group, and the broker itself refuses it while the group has members.
// - Admin.fetchTopicOffsetsByTimestamp takes one timestamp per topic; the offset plan needs one per
//   partition, batched into one ListOffsets request per leader.
// - Reading the timestamp of one record at an offset would need a consumer group; a Fetch does it.
// kafkajs keeps its cluster factory behind a private symbol; this module is the only place that relies on
// it, pinned to kafkajs 2.2.4 (package.json), and fails loudly if that ever changes.
import type { Kafka } from 'kafkajs';

/* eslint-disable @typescript-eslint/no-explicit-any -- kafkajs's internal cluster/broker API is untyped */
type InternalCluster = any;
type InternalBroker = any;

export class KafkaInternalsError extends Error {
  override name = 'KafkaInternalsError';
}

export interface ProtocolHandle {
  readonly cluster: InternalCluster;
  close(): Promise<void>;
}

/** Opens a cluster connection sharing the Kafka instance's settings (brokers, TLS, SASL, timeouts). */
export async function openCluster(kafka: Kafka): Promise<ProtocolHandle> {
  const sym = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  const create = sym ? (kafka as any)[sym] : undefined;
  if (typeof create !== 'function') {
    throw new KafkaInternalsError('kafkajs internals changed: no cluster factory on the Kafka instance (kafka-dr needs kafkajs 2.2.4)');
  }
  const cluster = create({ metadataMaxAge: 60000, allowAutoTopicCreation: false });
  await cluster.connect();
  return { cluster, close: () => cluster.disconnect() };
}

/** Runs `fn` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return out;
}

export interface PartitionRef {
  topic: string;
  partition: number;
}

/** "topic:partition" key used by the maps this module returns. */
export function tpKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

async function ensureMetadata(cluster: InternalCluster, topics: string[]): Promise<void> {
  await cluster.addMultipleTargetTopics([...new Set(topics)]);
}

/** Groups partitions of many topics by their leader broker. */
function byLeader<T extends PartitionRef>(cluster: InternalCluster, items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  const byTopic = new Map<string, T[]>();
  for (const it of items) byTopic.set(it.topic, [...(byTopic.get(it.topic) ?? []), it]);
  for (const [topic, list] of byTopic) {
    const leaders: Record<string, number[]> = cluster.findLeaderForPartitions(topic, list.map((x) => x.partition));
    for (const [nodeId, partitions] of Object.entries(leaders)) {
      for (const it of list) if (partitions.includes(it.partition)) out.set(nodeId, [...(out.get(nodeId) ?? []), it]);
    }
  }
  return out;
}

/**
 * Connects the leader brokers one at a time before any concurrent use: kafkajs's broker pool opens a second,
 * untracked connection when two requests ask for the same not-yet-connected broker at once (a socket leak).
 */
async function connectLeaders(cluster: InternalCluster, items: readonly PartitionRef[]): Promise<Map<string, InternalBroker>> {
  const brokers = new Map<string, InternalBroker>();
  for (const nodeId of byLeader(cluster, items).keys()) brokers.set(nodeId, await cluster.findBroker({ nodeId }));
  return brokers;
}

const fetchConnections = new WeakMap<object, Promise<unknown>>();

/**
 * kafkajs sends Fetch on a second connection per broker and opens it lazily; two concurrent first fetches
 * both open it and one socket is orphaned (keeps the process alive). Open it once, shared by all callers.
 */
async function fetchReady(broker: InternalBroker): Promise<void> {
  const pool = broker?.connectionPool;
  if (typeof pool?.getConnection !== 'function') return;
  let ready = fetchConnections.get(broker);
  if (!ready) {
    ready = pool.getConnection(1);
    fetchConnections.set(broker, ready as Promise<unknown>);
  }
  await ready;
}

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
export async function listOffsets(handle: ProtocolHandle, queries: readonly OffsetQuery[]): Promise<Map<string, number | null>> {
  const answers = new Map<string, number | null>();
  if (queries.length === 0) return answers;
  const { cluster } = handle;
  await ensureMetadata(cluster, queries.map((q) => q.topic));
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
    await Promise.all([...leaders].map(async ([nodeId, items]) => {
      const broker: InternalBroker = brokers.get(nodeId) ?? await cluster.findBroker({ nodeId });
      const topics = new Map<string, { partition: number; timestamp: number }[]>();
      for (const q of items) topics.set(q.topic, [...(topics.get(q.topic) ?? []), { partition: q.partition, timestamp: q.timestamp }]);
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
    }));
  });
  return answers;
}

export interface RecordAt extends PartitionRef {
  /** Offset of the record found: the first at or after the one asked for. */
  offset: number;
  timestamp: number;
}

/**
 * Timestamp of the first record at or after each requested offset (skipping transaction markers), via
 * Fetch. A partition missing from the answer has no record there (offset at or past the log end).
 */
export async function recordsAt(handle: ProtocolHandle, queries: readonly (PartitionRef & { offset: number })[]): Promise<Map<string, RecordAt>> {
  const found = new Map<string, RecordAt>();
  if (queries.length === 0) return found;
  const { cluster } = handle;
  await ensureMetadata(cluster, queries.map((q) => q.topic));
  const rounds: (PartitionRef & { offset: number })[][] = [];
  const perPartition = new Map<string, number>();
  const dedup = new Set<string>();
  for (const q of queries) {
    const k = `${tpKey(q.topic, q.partition)}@${q.offset}`;
    if (dedup.has(k)) continue;
    dedup.add(k);
    const n = perPartition.get(tpKey(q.topic, q.partition)) ?? 0;
    perPartition.set(tpKey(q.topic, q.partition), n + 1);
    (rounds[n] ??= []).push(q);
  }
  const brokers = await connectLeaders(cluster, queries);
  const fetchSome = async (nodeId: string, items: readonly (PartitionRef & { offset: number })[]): Promise<void> => {
    const broker: InternalBroker = brokers.get(nodeId) ?? await cluster.findBroker({ nodeId });
    try {
      await fetchRecordsAt(cluster, broker, items, found);
    } catch (err) {
      // One partition out of range fails the whole request: ask one by one, and "out of range" means "no record".
      if ((err as { type?: string }).type !== 'OFFSET_OUT_OF_RANGE') throw err;
      if (items.length === 1) return;
      for (const it of items) await fetchSome(nodeId, [it]);
    }
  };
  await mapLimit(rounds, 8, async (round) => {
    await Promise.all([...byLeader(cluster, round)].map(([nodeId, items]) => fetchSome(nodeId, items)));
  });
  return found;
}

async function fetchRecordsAt(
  cluster: InternalCluster, broker: InternalBroker, items: readonly (PartitionRef & { offset: number })[], found: Map<string, RecordAt>,
): Promise<void> {
  const topics = new Map<string, { partition: number; fetchOffset: string; maxBytes: number }[]>();
  for (const q of items) {
    topics.set(q.topic, [...(topics.get(q.topic) ?? []), { partition: q.partition, fetchOffset: String(q.offset), maxBytes: 256 * 1024 }]);
  }
  const wanted = new Map(items.map((q) => [tpKey(q.topic, q.partition), q.offset]));
  await fetchReady(broker);
  const { responses } = await broker.fetch({
    replicaId: -1,
    isolationLevel: cluster.isolationLevel,
    maxWaitTime: 0,
    minBytes: 0,
    maxBytes: 4 * 1024 * 1024,
    topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
  });
  for (const r of responses) {
    for (const p of r.partitions) {
      const from = wanted.get(tpKey(r.topicName, p.partition)) as number;
      const msg = (p.messages ?? []).find((m: any) => Number(m.offset) >= from && !m.isControlRecord);
      if (msg) {
        found.set(`${tpKey(r.topicName, p.partition)}@${from}`, {
          topic: r.topicName, partition: p.partition, offset: Number(msg.offset), timestamp: Number(msg.timestamp),
        });
      }
    }
  }
}

/** Committed offsets of one group for the given partitions (-1 where it has none). */
export async function fetchCommitted(handle: ProtocolHandle, groupId: string, partitions: readonly PartitionRef[]): Promise<Map<string, number>> {
  const { cluster } = handle;
  const coordinator: InternalBroker = await cluster.findGroupCoordinator({ groupId });
  const topics = new Map<string, { partition: number }[]>();
  for (const p of partitions) topics.set(p.topic, [...(topics.get(p.topic) ?? []), { partition: p.partition }]);
  const { responses } = await coordinator.offsetFetch({
    groupId,
    topics: [...topics].map(([topic, parts]) => ({ topic, partitions: parts })),
  });
  const out = new Map<string, number>();
  for (const r of responses) for (const p of r.partitions) out.set(tpKey(r.topic, p.partition), Number(p.offset));
  return out;
}

/**
 * Commits offsets for a group as an admin would (no member, generation -1). The broker refuses with
 * UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION / REBALANCE_IN_PROGRESS while the group has live members.
 */
export async function commitOffsets(handle: ProtocolHandle, groupId: string, offsets: readonly (PartitionRef & { offset: number })[]): Promise<void> {
  if (offsets.length === 0) return;
  const { cluster } = handle;
  const coordinator: InternalBroker = await cluster.findGroupCoordinator({ groupId });
  const topics = new Map<string, { partition: number; offset: string }[]>();
  for (const o of offsets) topics.set(o.topic, [...(topics.get(o.topic) ?? []), { partition: o.partition, offset: String(o.offset) }]);
  await coordinator.offsetCommit({
    groupId,
    groupGenerationId: -1,
    memberId: '',
    topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
  });
}

export interface FetchedRecord extends PartitionRef {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[] | undefined>;
}

/**
 * One Fetch from one partition starting at `offset`: the records at or after it (control records dropped)
 * and the partition's high watermark. `waitMs` lets the broker hold the request until data arrives.
 */
export async function fetchFrom(
  handle: ProtocolHandle, topic: string, partition: number, offset: number, options: { waitMs?: number; maxBytes?: number } = {},
): Promise<{ records: FetchedRecord[]; highWatermark: number }> {
  const { cluster } = handle;
  await ensureMetadata(cluster, [topic]);
  const leaders: Record<string, number[]> = cluster.findLeaderForPartitions(topic, [partition]);
  const nodeId = Object.keys(leaders)[0];
  if (nodeId === undefined) throw new KafkaInternalsError(`no leader known for ${topic}[${partition}]`);
  const broker: InternalBroker = await cluster.findBroker({ nodeId });
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  await fetchReady(broker);
  const { responses } = await broker.fetch({
    replicaId: -1,
    isolationLevel: cluster.isolationLevel,
    maxWaitTime: options.waitMs ?? 0,
    minBytes: options.waitMs ? 1 : 0,
    maxBytes,
    topics: [{ topic, partitions: [{ partition, fetchOffset: String(offset), maxBytes }] }],
  });
  const p = responses[0]?.partitions?.[0];
  if (!p) return { records: [], highWatermark: offset };
  const records: FetchedRecord[] = (p.messages ?? [])
    .filter((m: any) => !m.isControlRecord && Number(m.offset) >= offset)
    .map((m: any) => ({
      topic, partition, offset: Number(m.offset), timestamp: Number(m.timestamp),
      key: m.key ?? null, value: m.value ?? null, headers: m.headers ?? {},
    }));
  return { records, highWatermark: Number(p.highWatermark) };
}

/** Every record of a partition in [from, to), fetched in pages. */
export async function readRange(handle: ProtocolHandle, topic: string, partition: number, from: number, to: number): Promise<FetchedRecord[]> {
  const out: FetchedRecord[] = [];
  let next = from;
  while (next < to) {
    const { records } = await fetchFrom(handle, topic, partition, next);
    const inRange = records.filter((r) => r.offset < to);
    if (records.length === 0) break;
    out.push(...inRange);
    next = records[records.length - 1].offset + 1;
  }
  return out;
}
