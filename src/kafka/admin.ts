// Admin operations on one cluster, each a small function over an AdminSession (one kafkajs Admin plus one
// protocol connection, opened once and shared). Offsets are JS numbers: safe up to 2^53, far beyond any
// real partition.
import type { Admin, Kafka } from 'kafkajs';
import {
  commitOffsets, describeGroupsMany, EARLIEST, fetchCommitted, fetchCommittedMany, LATEST, listOffsets, mapLimit, openCluster, recordsAt, tpKey,
  type OffsetQuery, type PartitionRef, type ProtocolHandle, type RecordAt,
} from './protocol';
import { KdrError } from '../errors';

export { tpKey, type PartitionRef, type RecordAt };

export interface AdminSession {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly protocol: ProtocolHandle;
  close(): Promise<void>;
}

export class ClusterUnreachableError extends KdrError {
  override name = 'ClusterUnreachableError';
  readonly retryable = true;
}
export class TopicMissingError extends KdrError {
  override name = 'TopicMissingError';
  readonly retryable = false;
  constructor(readonly topics: string[], where: string) {
    super(`topic(s) ${topics.join(', ')} do not exist on the ${where}`);
  }
}
export class PartitionCountMismatchError extends KdrError {
  override name = 'PartitionCountMismatchError';
  readonly retryable = false;
  constructor(readonly mismatches: { topic: string; primary: number; secondary: number }[]) {
    super('partition counts differ between primary and secondary: ' +
      mismatches.map((m) => `${m.topic} primary=${m.primary} secondary=${m.secondary}`).join(', ') +
      ' (records would land in other partitions; recreate the secondary topic with the primary\'s count)');
  }
}
export class GroupHasLiveMembersError extends KdrError {
  override name = 'GroupHasLiveMembersError';
  readonly retryable = false;
  constructor(readonly group: string, readonly state: string, readonly members: number) {
    super(`consumer group ${group} has ${members} live member(s) (state ${state}) on this cluster: ` +
      'stop its consumers (and wait for the session timeout) before its offsets can be set');
  }
}
export class OffsetReadBackError extends KdrError {
  override name = 'OffsetReadBackError';
  readonly retryable = false;
}

export async function openAdmin(kafka: Kafka): Promise<AdminSession> {
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (err) {
    throw new ClusterUnreachableError(`cannot connect: ${(err as Error).message}`);
  }
  let protocol: ProtocolHandle;
  try {
    protocol = await openCluster(kafka);
  } catch (err) {
    await admin.disconnect().catch(() => undefined);
    throw new ClusterUnreachableError(`cannot connect: ${(err as Error).message}`);
  }
  // kafkajs starts without broker metadata and the first lookup waits out a retry delay (~400 ms) before
  // fetching it; fetching it now makes the first group operation as fast as the rest (see docs/benchmarks.md).
  try {
    await protocol.cluster.refreshMetadata();
    await admin.fetchTopicMetadata({ topics: [] });
  } catch (err) {
    await Promise.allSettled([admin.disconnect(), protocol.close()]);
    throw new ClusterUnreachableError(`cannot read cluster metadata: ${(err as Error).message}`);
  }
  return {
    kafka, admin, protocol,
    close: async () => {
      await Promise.allSettled([admin.disconnect(), protocol.close()]);
    },
  };
}

export interface ClusterDescription {
  reachable: boolean;
  clusterId?: string;
  brokers?: { nodeId: number; host: string; port: number }[];
  controller?: number | null;
  error?: string;
  elapsedMs: number;
}

/**
 * Reachability check that never throws and returns within about `timeoutMs` (kafkajs's own retries are
 * bounded by the client settings; the race covers a broker that accepts TCP but never answers).
 */
export async function describeCluster(kafka: Kafka, timeoutMs = 8000): Promise<ClusterDescription> {
  const started = Date.now();
  const admin = kafka.admin();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const d = await Promise.race([
      (async () => {
        await admin.connect();
        return admin.describeCluster();
      })(),
      timeout,
    ]);
    return { reachable: true, clusterId: d.clusterId, brokers: d.brokers, controller: d.controller, elapsedMs: Date.now() - started };
  } catch (err) {
    return { reachable: false, error: (err as Error).message, elapsedMs: Date.now() - started };
  } finally {
    clearTimeout(timer);
    void admin.disconnect().catch(() => undefined);
  }
}

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
export async function matchTopics(s: AdminSession, topics: readonly string[] | RegExp): Promise<string[]> {
  const all = await s.admin.listTopics();
  if (Array.isArray(topics)) return all.filter((t) => topics.includes(t)).sort();
  const re = topics as RegExp;
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
  primary: AdminSession, secondary: AdminSession, topics: readonly string[],
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
export async function offsetsForTimes(s: AdminSession, queries: readonly OffsetQuery[]): Promise<Map<string, number | null>> {
  for (const q of queries) {
    if (!Number.isFinite(q.timestamp) || q.timestamp < 0) throw new RangeError(`timestamp ${q.timestamp} for ${q.topic}[${q.partition}] is not epoch ms`);
  }
  return listOffsets(s.protocol, queries);
}

/** Timestamp of the first record at or after each offset. Keys: `${topic}:${partition}@${offset}`. */
export async function recordTimestamps(s: AdminSession, queries: readonly (PartitionRef & { offset: number })[]): Promise<Map<string, RecordAt>> {
  return recordsAt(s.protocol, queries);
}

export async function listConsumerGroups(s: AdminSession): Promise<string[]> {
  const { groups } = await s.admin.listGroups();
  return groups.filter((g) => g.protocolType === 'consumer' || g.protocolType === '').map((g) => g.groupId).sort();
}

export interface CommittedOffset extends PartitionRef {
  offset: number;
}

/** Committed offsets of a group on the topics' partitions (only those it has committed, i.e. offset >= 0). */
export async function committedOffsets(s: AdminSession, group: string, partitions: readonly PartitionRef[]): Promise<CommittedOffset[]> {
  const got = await fetchCommitted(s.protocol, group, partitions);
  return partitions
    .map((p) => ({ ...p, offset: got.get(tpKey(p.topic, p.partition)) ?? -1 }))
    .filter((c) => c.offset >= 0);
}

/** Committed offsets of many groups on the same partitions (only those committed), batched per coordinator. */
export async function committedOffsetsMany(
  s: AdminSession, groups: readonly string[], partitions: readonly PartitionRef[], onGroups?: (n: number) => void,
): Promise<Map<string, CommittedOffset[]>> {
  const got = await fetchCommittedMany(s.protocol, groups, partitions, { onGroups });
  const out = new Map<string, CommittedOffset[]>();
  for (const g of groups) {
    const m = got.get(g);
    out.set(g, partitions.map((p) => ({ ...p, offset: m?.get(tpKey(p.topic, p.partition)) ?? -1 })).filter((c) => c.offset >= 0));
  }
  return out;
}

/** Every partition of the topics (from metadata). */
export async function partitionsOf(s: AdminSession, topics: readonly string[]): Promise<PartitionRef[]> {
  const counts = await topicPartitionCounts(s, topics);
  const out: PartitionRef[] = [];
  for (const t of topics) for (let partition = 0; partition < (counts.get(t) ?? 0); partition++) out.push({ topic: t, partition });
  return out;
}

/**
 * Which groups have committed offsets on the topic set, with those offsets. `groups` narrows the search
 * (a list, or a pattern over the cluster's groups); by default every consumer group on the cluster.
 */
export async function groupsOnTopics(
  s: AdminSession, topics: readonly string[], groups?: readonly string[] | RegExp,
): Promise<Map<string, CommittedOffset[]>> {
  let candidates: string[];
  if (Array.isArray(groups)) candidates = [...groups];
  else {
    const all = await listConsumerGroups(s);
    candidates = groups ? all.filter((g) => (groups as RegExp).test(g)) : all;
  }
  const partitions = await partitionsOf(s, topics);
  const committed = await committedOffsetsMany(s, candidates, partitions);
  return new Map([...committed].filter(([, c]) => c.length > 0).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export interface GroupMembers {
  group: string;
  state: string;
  members: number;
  live: boolean;
  /** "clientId@host" of each member, as the coordinator knows them. */
  clients: string[];
}

/** State and member count of each group (batched per coordinator); a group with members is live. */
export async function describeGroupMembers(s: AdminSession, groups: readonly string[]): Promise<GroupMembers[]> {
  if (groups.length === 0) return [];
  return (await describeGroupsMany(s.protocol, groups)).map((g) => ({
    group: g.groupId, state: g.state, members: g.members.length, live: g.members.length > 0,
    clients: g.members.map((m) => `${m.clientId}@${m.clientHost.replace(/^\//, '')}`),
  }));
}

export interface SetOffsetsResult {
  group: string;
  applied: CommittedOffset[];
}

const LIVE_GROUP_ERRORS = new Set(['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS', 'FENCED_INSTANCE_ID']);

async function applyAndVerify(s: AdminSession, group: string, offsets: readonly CommittedOffset[], state: GroupMembers | undefined): Promise<SetOffsetsResult> {
  if (state?.live) throw new GroupHasLiveMembersError(group, state.state, state.members);
  try {
    await commitOffsets(s.protocol, group, offsets);
  } catch (err) {
    const type = (err as { type?: string }).type;
    if (type && LIVE_GROUP_ERRORS.has(type)) throw new GroupHasLiveMembersError(group, `broker said ${type}`, state?.members ?? 1);
    throw err;
  }
  const back = await fetchCommitted(s.protocol, group, offsets);
  const wrong = offsets.filter((o) => back.get(tpKey(o.topic, o.partition)) !== o.offset);
  if (wrong.length) {
    throw new OffsetReadBackError(`group ${group}: read back differs from what was set on ` +
      wrong.map((o) => `${o.topic}[${o.partition}] wanted ${o.offset} got ${back.get(tpKey(o.topic, o.partition))}`).join(', '));
  }
  return { group, applied: [...offsets] };
}

/**
 * Sets a group's committed offsets exactly, per partition, then reads them back and compares. Refuses
 * (GroupHasLiveMembersError) when the group has live members; setting the same offsets again is a no-op.
 */
export async function setGroupOffsets(s: AdminSession, group: string, offsets: readonly CommittedOffset[]): Promise<SetOffsetsResult> {
  const [state] = await describeGroupMembers(s, [group]);
  return applyAndVerify(s, group, offsets, state);
}

export interface SetManyResult {
  done: SetOffsetsResult[];
  live: GroupHasLiveMembersError[];
  failed: { group: string; error: Error }[];
}

/**
 * Many groups at once: one batched describe, then commit + read back per group with bounded concurrency.
 * A live or failing group does not stop the others; the caller sees each outcome.
 */
export async function setManyGroupOffsets(
  s: AdminSession, plans: readonly { group: string; offsets: readonly CommittedOffset[] }[],
  options: {
    concurrency?: number;
    onProgress?: (done: number, total: number, applied?: SetOffsetsResult) => void;
    /** Checked before each group: a cancelled activity must not go on committing after its retry has started. */
    stopped?: () => boolean;
  } = {},
): Promise<SetManyResult> {
  const states = new Map((await describeGroupMembers(s, plans.map((p) => p.group))).map((g) => [g.group, g]));
  const result: SetManyResult = { done: [], live: [], failed: [] };
  let count = 0;
  await mapLimit(plans, options.concurrency ?? 32, async (p) => {
    let applied: SetOffsetsResult | undefined;
    if (options.stopped?.()) return;
    try {
      applied = await applyAndVerify(s, p.group, p.offsets, states.get(p.group));
      result.done.push(applied);
    } catch (err) {
      if (err instanceof GroupHasLiveMembersError) result.live.push(err);
      else result.failed.push({ group: p.group, error: err as Error });
    }
    options.onProgress?.(++count, plans.length, applied);
  });
  return result;
}

/** kafka-dr's own consumer groups (canary readers) and Kafka Connect's: never applications, never planned. */
export function isInternalGroup(group: string): boolean {
  return group.startsWith('kdr-') || group.startsWith('connect-');
}

/** The newest record timestamp over the topics' partitions (epoch ms), null when they hold no record. */
export async function newestRecordTimestamp(s: AdminSession, topics: readonly string[]): Promise<number | null> {
  const logs = (await partitionOffsets(s, topics)).filter((p) => p.end > p.earliest);
  if (logs.length === 0) return null;
  const stamps = await recordTimestamps(s, logs.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.end - 1 })));
  let newest: number | null = null;
  for (const r of stamps.values()) if (newest === null || r.timestamp > newest) newest = r.timestamp;
  return newest;
}
