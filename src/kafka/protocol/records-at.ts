// Reading the timestamp of one record at an offset would need a consumer group; a Fetch does it.
import type { InternalBroker, InternalCluster, ProtocolHandle } from './cluster';
import { fetchReady } from './fetch';
import { byLeader, connectLeaders, ensureMetadata, tpKey, type PartitionRef } from './leaders';

/* eslint-disable @typescript-eslint/no-explicit-any -- kafkajs's internal fetch response is untyped */

export interface RecordAt extends PartitionRef {
  /** Offset of the record found: the first at or after the one asked for. */
  offset: number;
  timestamp: number;
}

/**
 * Timestamp of the first record at or after each requested offset (skipping transaction markers), via
 * Fetch. A partition missing from the answer has no record there (offset at or past the log end).
 * Each partition is swept once from its lowest requested offset upwards: one fetched page answers every
 * requested offset it covers (a 10,000-group plan asks for hundreds of offsets per partition), and the next
 * fetch starts at the next offset not yet answered. A leader's partitions share one Fetch per round.
 */
export async function recordsAt(
  handle: ProtocolHandle,
  queries: readonly (PartitionRef & { offset: number })[],
): Promise<Map<string, RecordAt>> {
  const found = new Map<string, RecordAt>();
  if (queries.length === 0) return found;
  const { cluster } = handle;
  await ensureMetadata(
    cluster,
    queries.map((q) => q.topic),
  );
  const sweeps = new Map<string, Sweep>();
  for (const q of queries) {
    const k = tpKey(q.topic, q.partition);
    const s = sweeps.get(k);
    if (s) s.wanted.push(q.offset);
    else sweeps.set(k, { topic: q.topic, partition: q.partition, wanted: [q.offset], next: 0 });
  }
  for (const s of sweeps.values()) s.wanted = [...new Set(s.wanted)].sort((a, b) => a - b);
  const brokers = await connectLeaders(cluster, [...sweeps.values()]);
  const fetchSome = async (nodeId: string, items: Sweep[]): Promise<void> => {
    const broker: InternalBroker = brokers.get(nodeId) ?? (await cluster.findBroker({ nodeId }));
    try {
      await sweepOnce(cluster, broker, items, found);
    } catch (err) {
      // One partition out of range fails the whole request: ask one by one, and "out of range" means "no record".
      if ((err as { type?: string }).type !== 'OFFSET_OUT_OF_RANGE') throw err;
      if (items.length === 1) {
        items[0].next++;
        items[0].from = undefined;
        return;
      }
      for (const it of items) await fetchSome(nodeId, [it]);
    }
  };
  for (;;) {
    const active = [...sweeps.values()].filter((s) => s.next < s.wanted.length);
    if (active.length === 0) break;
    await Promise.all(
      [...byLeader(cluster, active)].map(async ([nodeId, items]) => {
        for (let i = 0; i < items.length; i += 100) await fetchSome(nodeId, items.slice(i, i + 100));
      }),
    );
  }
  return found;
}

interface Sweep extends PartitionRef {
  /** Requested offsets, ascending and distinct; those before `next` are answered (or have no record). */
  wanted: number[];
  next: number;
  /** Where to fetch from when the last page held only transaction markers before any record. */
  from?: number;
}

async function sweepOnce(
  cluster: InternalCluster,
  broker: InternalBroker,
  items: readonly Sweep[],
  found: Map<string, RecordAt>,
): Promise<void> {
  const topics = new Map<string, { partition: number; fetchOffset: string; maxBytes: number }[]>();
  for (const s of items) {
    const at = { partition: s.partition, fetchOffset: String(s.from ?? s.wanted[s.next]), maxBytes: 256 * 1024 };
    const l = topics.get(s.topic);
    if (l) l.push(at);
    else topics.set(s.topic, [at]);
  }
  const bySweep = new Map(items.map((s) => [tpKey(s.topic, s.partition), s]));
  await fetchReady(broker);
  const { responses } = await broker.fetch({
    replicaId: -1,
    isolationLevel: cluster.isolationLevel,
    maxWaitTime: 0,
    minBytes: 0,
    maxBytes: 16 * 1024 * 1024,
    topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
  });
  for (const r of responses) {
    for (const p of r.partitions) {
      const s = bySweep.get(tpKey(r.topicName, p.partition));
      if (!s) continue;
      const from = s.from ?? s.wanted[s.next];
      const all = (p.messages ?? []) as any[];
      const records = all.filter((m) => !m.isControlRecord && Number(m.offset) >= from);
      if (records.length === 0) {
        const lastAny = all.length ? Number(all[all.length - 1].offset) : -1;
        // Only markers (or older records of the first batch): read on past them. Nothing at all: the log ends here.
        if (lastAny >= from) s.from = lastAny + 1;
        else {
          s.next = s.wanted.length;
          s.from = undefined;
        }
        continue;
      }
      s.from = undefined;
      let k = 0;
      while (s.next < s.wanted.length && s.wanted[s.next] <= Number(records[records.length - 1].offset)) {
        const want = s.wanted[s.next];
        while (Number(records[k].offset) < want) k++;
        const m = records[k];
        found.set(`${tpKey(s.topic, s.partition)}@${want}`, {
          topic: s.topic,
          partition: s.partition,
          offset: Number(m.offset),
          timestamp: Number(m.timestamp),
        });
        s.next++;
      }
    }
  }
  // A partition the broker left out of its answer (response size limit) keeps its place and is fetched next round.
}
