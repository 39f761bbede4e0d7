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
import { KdrError } from '../errors';

/* eslint-disable @typescript-eslint/no-explicit-any -- kafkajs's internal cluster/broker API is untyped */
type InternalCluster = any;
type InternalBroker = any;

export class KafkaInternalsError extends KdrError {
  override name = 'KafkaInternalsError';
  readonly retryable = true;
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

/** Groups partitions of many topics by their leader broker (linear: 80,000 partition refs at 10,000 groups). */
function byLeader<T extends PartitionRef>(cluster: InternalCluster, items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  const byTopic = new Map<string, T[]>();
  for (const it of items) {
    const list = byTopic.get(it.topic);
    if (list) list.push(it); else byTopic.set(it.topic, [it]);
  }
  for (const [topic, list] of byTopic) {
    const leaders: Record<string, number[]> = cluster.findLeaderForPartitions(topic, [...new Set(list.map((x) => x.partition))]);
    const leaderOf = new Map<number, string>();
    for (const [nodeId, partitions] of Object.entries(leaders)) for (const p of partitions) leaderOf.set(p, nodeId);
    for (const it of list) {
      const nodeId = leaderOf.get(it.partition);
      if (nodeId === undefined) continue;
      const mine = out.get(nodeId);
      if (mine) mine.push(it); else out.set(nodeId, [it]);
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
 * Each partition is swept once from its lowest requested offset upwards: one fetched page answers every
 * requested offset it covers (a 10,000-group plan asks for hundreds of offsets per partition), and the next
 * fetch starts at the next offset not yet answered. A leader's partitions share one Fetch per round.
 */
export async function recordsAt(handle: ProtocolHandle, queries: readonly (PartitionRef & { offset: number })[]): Promise<Map<string, RecordAt>> {
  const found = new Map<string, RecordAt>();
  if (queries.length === 0) return found;
  const { cluster } = handle;
  await ensureMetadata(cluster, queries.map((q) => q.topic));
  const sweeps = new Map<string, Sweep>();
  for (const q of queries) {
    const k = tpKey(q.topic, q.partition);
    const s = sweeps.get(k);
    if (s) s.wanted.push(q.offset); else sweeps.set(k, { topic: q.topic, partition: q.partition, wanted: [q.offset], next: 0 });
  }
  for (const s of sweeps.values()) s.wanted = [...new Set(s.wanted)].sort((a, b) => a - b);
  const brokers = await connectLeaders(cluster, [...sweeps.values()]);
  const fetchSome = async (nodeId: string, items: Sweep[]): Promise<void> => {
    const broker: InternalBroker = brokers.get(nodeId) ?? await cluster.findBroker({ nodeId });
    try {
      await sweepOnce(cluster, broker, items, found);
    } catch (err) {
      // One partition out of range fails the whole request: ask one by one, and "out of range" means "no record".
      if ((err as { type?: string }).type !== 'OFFSET_OUT_OF_RANGE') throw err;
      if (items.length === 1) { items[0].next++; items[0].from = undefined; return; }
      for (const it of items) await fetchSome(nodeId, [it]);
    }
  };
  for (;;) {
    const active = [...sweeps.values()].filter((s) => s.next < s.wanted.length);
    if (active.length === 0) break;
    await Promise.all([...byLeader(cluster, active)].map(async ([nodeId, items]) => {
      for (let i = 0; i < items.length; i += 100) await fetchSome(nodeId, items.slice(i, i + 100));
    }));
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

async function sweepOnce(cluster: InternalCluster, broker: InternalBroker, items: readonly Sweep[], found: Map<string, RecordAt>): Promise<void> {
  const topics = new Map<string, { partition: number; fetchOffset: string; maxBytes: number }[]>();
  for (const s of items) {
    const at = { partition: s.partition, fetchOffset: String(s.from ?? s.wanted[s.next]), maxBytes: 256 * 1024 };
    const l = topics.get(s.topic);
    if (l) l.push(at); else topics.set(s.topic, [at]);
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
        else { s.next = s.wanted.length; s.from = undefined; }
        continue;
      }
      s.from = undefined;
      let k = 0;
      while (s.next < s.wanted.length && s.wanted[s.next] <= Number(records[records.length - 1].offset)) {
        const want = s.wanted[s.next];
        while (Number(records[k].offset) < want) k++;
        const m = records[k];
        found.set(`${tpKey(s.topic, s.partition)}@${want}`, { topic: s.topic, partition: s.partition, offset: Number(m.offset), timestamp: Number(m.timestamp) });
        s.next++;
      }
    }
  }
  // A partition the broker left out of its answer (response size limit) keeps its place and is fetched next round.
}

// Group coordinators, per cluster connection: kafkajs asks FindCoordinator again for every group operation,
// which doubles the requests of a 10,000-group plan or reset. A coordinator that moved answers NOT_COORDINATOR;
// the entry is then dropped and the call retried once.
const coordinators = new WeakMap<object, Map<string, Promise<InternalBroker>>>();
const COORDINATOR_MOVED = new Set(['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS']);

function coordinatorCache(cluster: InternalCluster): Map<string, Promise<InternalBroker>> {
  let cache = coordinators.get(cluster);
  if (!cache) { cache = new Map(); coordinators.set(cluster, cache); }
  return cache;
}

function coordinatorOf(cluster: InternalCluster, groupId: string): Promise<InternalBroker> {
  const cache = coordinatorCache(cluster);
  let found = cache.get(groupId);
  if (!found) {
    found = cluster.findGroupCoordinator({ groupId }) as Promise<InternalBroker>;
    found.catch(() => cache.delete(groupId));
    cache.set(groupId, found);
  }
  return found;
}

async function withCoordinator<T>(cluster: InternalCluster, groupId: string, fn: (coordinator: InternalBroker) => Promise<T>): Promise<T> {
  try {
    return await fn(await coordinatorOf(cluster, groupId));
  } catch (err) {
    const e = err as { type?: string; name?: string };
    if (!COORDINATOR_MOVED.has(e.type ?? '') && !/^KafkaJSConnection/.test(e.name ?? '')) throw err;
    coordinatorCache(cluster).delete(groupId);
    return fn(await coordinatorOf(cluster, groupId));
  }
}

/** Committed offsets of one group for the given partitions (-1 where it has none). */
export async function fetchCommitted(handle: ProtocolHandle, groupId: string, partitions: readonly PartitionRef[]): Promise<Map<string, number>> {
  const { cluster } = handle;
  const topics = new Map<string, { partition: number }[]>();
  for (const p of partitions) {
    const list = topics.get(p.topic);
    if (list) list.push({ partition: p.partition }); else topics.set(p.topic, [{ partition: p.partition }]);
  }
  const { responses } = await withCoordinator<{ responses: { topic: string; partitions: { partition: number; offset: string }[] }[] }>(cluster, groupId, (coordinator) => coordinator.offsetFetch({
    groupId,
    topics: [...topics].map(([topic, parts]) => ({ topic, partitions: parts })),
  }));
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
  const topics = new Map<string, { partition: number; offset: string }[]>();
  for (const o of offsets) {
    const list = topics.get(o.topic);
    if (list) list.push({ partition: o.partition, offset: String(o.offset) }); else topics.set(o.topic, [{ partition: o.partition, offset: String(o.offset) }]);
  }
  await withCoordinator(cluster, groupId, (coordinator) => coordinator.offsetCommit({
    groupId,
    groupGenerationId: -1,
    memberId: '',
    topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
  }));
}

// Flexible-version requests (KIP-482) kafkajs 2.2.4 does not have: FindCoordinator v4 (many keys, KIP-699) and
// OffsetFetch v8 (many groups, KIP-709), both in Kafka since 3.0. They turn the 20,000 requests of reading
// 10,000 groups' commits into a few dozen. kafkajs writes request header v1; a flexible request needs v2, which
// is v1 plus an empty tagged-field section, so the body starts with that byte. Brokers without these
// versions get the one-request-per-group calls above.
const API_OFFSET_FETCH = 9;
const API_FIND_COORDINATOR = 10;

class Writer {
  private readonly parts: Buffer[] = [];
  private push(size: number, write: (b: Buffer) => void): this { const b = Buffer.alloc(size); write(b); this.parts.push(b); return this; }
  int8(v: number): this { return this.push(1, (b) => b.writeInt8(v)); }
  int32(v: number): this { return this.push(4, (b) => b.writeInt32BE(v)); }
  bool(v: boolean): this { return this.int8(v ? 1 : 0); }
  uvarint(v: number): this {
    const bytes: number[] = [];
    let n = v >>> 0;
    while (n >= 0x80) { bytes.push((n & 0x7f) | 0x80); n >>>= 7; }
    bytes.push(n);
    this.parts.push(Buffer.from(bytes));
    return this;
  }
  compactString(s: string): this { const b = Buffer.from(s, 'utf8'); this.uvarint(b.length + 1); this.parts.push(b); return this; }
  compactArray<T>(items: readonly T[], each: (w: this, item: T) => void): this { this.uvarint(items.length + 1); for (const it of items) each(this, it); return this; }
  tags(): this { return this.uvarint(0); }
  buffer(): Buffer { return Buffer.concat(this.parts); }
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  int8(): number { const v = this.buf.readInt8(this.pos); this.pos += 1; return v; }
  int16(): number { const v = this.buf.readInt16BE(this.pos); this.pos += 2; return v; }
  int32(): number { const v = this.buf.readInt32BE(this.pos); this.pos += 4; return v; }
  int64(): number { const v = this.buf.readBigInt64BE(this.pos); this.pos += 8; return Number(v); }
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.buf[this.pos++];
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
    }
  }
  compactNullableString(): string | null {
    const n = this.uvarint();
    if (n === 0) return null;
    const s = this.buf.toString('utf8', this.pos, this.pos + n - 1);
    this.pos += n - 1;
    return s;
  }
  compactString(): string { return this.compactNullableString() ?? ''; }
  compactArray<T>(each: () => T): T[] {
    const n = this.uvarint();
    const out: T[] = [];
    for (let i = 0; i < n - 1; i++) out.push(each());
    return out;
  }
  tags(): void {
    const n = this.uvarint();
    for (let i = 0; i < n; i++) { this.uvarint(); this.pos += this.uvarint(); }
  }
}

/** A Kafka error code of a flexible response, as an Error with kafkajs's `type` where kafka-dr looks at it. */
export class KafkaErrorCode extends Error {
  override name = 'KafkaErrorCode';
  constructor(readonly code: number, readonly type: string, message: string) { super(message); }
}
const ERROR_TYPES: Record<number, string> = {
  14: 'COORDINATOR_LOAD_IN_PROGRESS', 15: 'COORDINATOR_NOT_AVAILABLE', 16: 'NOT_COORDINATOR', 3: 'UNKNOWN_TOPIC_OR_PARTITION',
  30: 'GROUP_AUTHORIZATION_FAILED', 29: 'TOPIC_AUTHORIZATION_FAILED', 69: 'GROUP_ID_NOT_FOUND',
};

function supports(broker: InternalBroker, apiKey: number, version: number): boolean {
  const v = broker?.versions?.[apiKey];
  return v !== undefined && v.minVersion <= version && v.maxVersion >= version;
}

async function sendFlexible<T>(broker: InternalBroker, apiKey: number, apiVersion: number, apiName: string, body: Writer, decode: (r: Reader) => T): Promise<T> {
  const payload = Buffer.concat([Buffer.from([0]), body.buffer()]);
  return broker.connectionPool.send({
    request: { apiKey, apiVersion, apiName, encode: async () => ({ buf: payload, buffer: payload }) },
    response: {
      decode: async (raw: Buffer) => { const r = new Reader(raw); r.tags(); return decode(r); },
      parse: async (data: T) => data,
    },
  });
}

/** Coordinators of many groups: one FindCoordinator v4 per 1,000 groups, one request per group otherwise. */
async function coordinatorsOf(cluster: InternalCluster, groups: readonly string[]): Promise<Map<string, string[]>> {
  const byNode = new Map<string, string[]>();
  const add = (nodeId: string, group: string) => { const l = byNode.get(nodeId); if (l) l.push(group); else byNode.set(nodeId, [group]); };
  const cache = coordinatorCache(cluster);
  const unknown: string[] = [];
  for (const g of groups) {
    const known = cache.get(g);
    if (known) add(String((await known).nodeId), g); else unknown.push(g);
  }
  let single = unknown;
  if (unknown.length > 1) {
    const any: InternalBroker = await cluster.brokerPool.withBroker(async ({ broker }: { broker: InternalBroker }) => broker);
    if (supports(any, API_FIND_COORDINATOR, 4)) {
      single = [];
      for (let i = 0; i < unknown.length; i += 1000) {
        const keys = unknown.slice(i, i + 1000);
        const answer = await sendFlexible(any, API_FIND_COORDINATOR, 4, 'FindCoordinator', new Writer().int8(0).compactArray(keys, (w, k) => w.compactString(k)).tags(),
          (r) => {
            r.int32();
            const out = r.compactArray(() => {
              const key = r.compactString(); const nodeId = r.int32(); r.compactString(); r.int32(); const errorCode = r.int16(); r.compactNullableString(); r.tags();
              return { key, nodeId, errorCode };
            });
            r.tags();
            return out;
          });
        for (const c of answer) {
          if (c.errorCode !== 0) { single.push(c.key); continue; }
          const broker = cluster.findBroker({ nodeId: String(c.nodeId) }) as Promise<InternalBroker>;
          broker.catch(() => cache.delete(c.key));
          cache.set(c.key, broker);
          add(String(c.nodeId), c.key);
        }
      }
    }
  }
  if (single.length > 0) {
    // Every broker connected one at a time first (see connectLeaders): then the lookups may run concurrently.
    for (const nodeId of Object.keys(cluster.brokerPool?.brokers ?? {})) await cluster.findBroker({ nodeId });
    const nodes = await mapLimit(single, 32, async (g) => String((await coordinatorOf(cluster, g)).nodeId));
    single.forEach((g, i) => add(nodes[i], g));
  }
  for (const nodeId of byNode.keys()) await cluster.findBroker({ nodeId });
  return byNode;
}

/**
 * Committed offsets of many groups on the same partitions: per coordinator, one OffsetFetch v8 for up to
 * `perRequest` groups (Kafka >= 3.0), else one request per group. -1 where a group has no commit. A group the
 * batched answer refuses (its coordinator moved meanwhile) is asked again on its own.
 */
export async function fetchCommittedMany(
  handle: ProtocolHandle, groups: readonly string[], partitions: readonly PartitionRef[],
  options: { perRequest?: number; concurrency?: number; onGroups?: (n: number) => void } = {},
): Promise<Map<string, Map<string, number>>> {
  const { cluster } = handle;
  const out = new Map<string, Map<string, number>>();
  if (groups.length === 0) return out;
  const topics = new Map<string, number[]>();
  for (const p of partitions) { const l = topics.get(p.topic); if (l) l.push(p.partition); else topics.set(p.topic, [p.partition]); }
  const perRequest = options.perRequest ?? 500;
  const chunks: { nodeId: string; groups: string[] }[] = [];
  for (const [nodeId, list] of await coordinatorsOf(cluster, groups)) {
    for (let i = 0; i < list.length; i += perRequest) chunks.push({ nodeId, groups: list.slice(i, i + perRequest) });
  }
  const oneByOne = async (list: readonly string[]) => {
    await mapLimit(list, options.concurrency ?? 32, async (g) => {
      out.set(g, await fetchCommitted(handle, g, partitions));
      options.onGroups?.(1);
    });
  };
  await mapLimit(chunks, 4, async (chunk) => {
    const broker: InternalBroker = await cluster.findBroker({ nodeId: chunk.nodeId });
    if (!supports(broker, API_OFFSET_FETCH, 8)) { await oneByOne(chunk.groups); return; }
    const body = new Writer().compactArray(chunk.groups, (w, g) => {
      w.compactString(g).compactArray([...topics], (wt, [topic, parts]) => {
        wt.compactString(topic).compactArray(parts, (wp, p) => wp.int32(p)).tags();
      }).tags();
    }).bool(false).tags();
    const answer = await sendFlexible(broker, API_OFFSET_FETCH, 8, 'OffsetFetch', body, (r) => {
      r.int32();
      const gs = r.compactArray(() => {
        const group = r.compactString();
        const ts = r.compactArray(() => {
          const topic = r.compactString();
          const ps = r.compactArray(() => {
            const partition = r.int32(); const offset = r.int64(); r.int32(); r.compactNullableString(); const errorCode = r.int16(); r.tags();
            return { partition, offset, errorCode };
          });
          r.tags();
          return { topic, ps };
        });
        const errorCode = r.int16();
        r.tags();
        return { group, ts, errorCode };
      });
      r.tags();
      return gs;
    });
    const retry: string[] = [];
    for (const g of answer) {
      if (g.errorCode !== 0) {
        if (COORDINATOR_MOVED.has(ERROR_TYPES[g.errorCode] ?? '')) { coordinatorCache(cluster).delete(g.group); retry.push(g.group); continue; }
        throw new KafkaErrorCode(g.errorCode, ERROR_TYPES[g.errorCode] ?? 'UNKNOWN', `OffsetFetch of group ${g.group}: error code ${g.errorCode}`);
      }
      const m = new Map<string, number>();
      for (const t of g.ts) {
        for (const p of t.ps) {
          if (p.errorCode !== 0) {
            throw new KafkaErrorCode(p.errorCode, ERROR_TYPES[p.errorCode] ?? 'UNKNOWN', `OffsetFetch of group ${g.group} ${t.topic}[${p.partition}]: error code ${p.errorCode}`);
          }
          m.set(tpKey(t.topic, p.partition), p.offset);
        }
      }
      out.set(g.group, m);
    }
    options.onGroups?.(answer.length - retry.length);
    if (retry.length) await oneByOne(retry);
  });
  return out;
}

/** DescribeGroups for many groups, batched per coordinator (kafkajs's admin asks FindCoordinator per group). */
export async function describeGroupsMany(handle: ProtocolHandle, groups: readonly string[], perRequest = 500): Promise<{
  groupId: string; state: string; errorCode: number; members: { clientId: string; clientHost: string }[];
}[]> {
  const { cluster } = handle;
  const chunks: { nodeId: string; groups: string[] }[] = [];
  for (const [nodeId, list] of await coordinatorsOf(cluster, groups)) {
    for (let i = 0; i < list.length; i += perRequest) chunks.push({ nodeId, groups: list.slice(i, i + perRequest) });
  }
  const answers = await mapLimit(chunks, 4, async (chunk) => {
    const broker: InternalBroker = await cluster.findBroker({ nodeId: chunk.nodeId });
    const { groups: described } = await broker.describeGroups({ groupIds: chunk.groups });
    return described as { groupId: string; state: string; errorCode: number; members: { clientId: string; clientHost: string }[] }[];
  });
  return answers.flat();
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
