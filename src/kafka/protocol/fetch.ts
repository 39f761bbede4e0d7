// Reading records without a consumer group: a consumer would join a group (and rebalance) just to read a page.
import { KafkaInternalsError, type InternalBroker, type ProtocolHandle } from './cluster';
import { ensureMetadata, type PartitionRef } from './leaders';

/* eslint-disable @typescript-eslint/no-explicit-any -- kafkajs's internal fetch response is untyped */

const fetchConnections = new WeakMap<object, Promise<unknown>>();

/**
 * kafkajs sends Fetch on a second connection per broker and opens it lazily; two concurrent first fetches
 * both open it and one socket is orphaned (keeps the process alive). Open it once, shared by all callers.
 */
export async function fetchReady(broker: InternalBroker): Promise<void> {
  const pool = broker?.connectionPool;
  if (typeof pool?.getConnection !== 'function') return;
  let ready = fetchConnections.get(broker);
  if (!ready) {
    ready = pool.getConnection(1);
    fetchConnections.set(broker, ready as Promise<unknown>);
  }
  await ready;
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
  handle: ProtocolHandle,
  topic: string,
  partition: number,
  offset: number,
  options: { waitMs?: number; maxBytes?: number } = {},
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
      topic,
      partition,
      offset: Number(m.offset),
      timestamp: Number(m.timestamp),
      key: m.key ?? null,
      value: m.value ?? null,
      headers: m.headers ?? {},
    }));
  return { records, highWatermark: Number(p.highWatermark) };
}

/** Every record of a partition in [from, to), fetched in pages. */
export async function readRange(
  handle: ProtocolHandle,
  topic: string,
  partition: number,
  from: number,
  to: number,
): Promise<FetchedRecord[]> {
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
