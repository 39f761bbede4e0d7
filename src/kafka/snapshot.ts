// One position snapshot: every consumer group's committed offsets on the primary, dated by the records around
// them and, where the pair's fidelity profile allows, translated exactly to the secondary (the copy of the record
// at the commit, found by identity), then stored on the secondary (src/kafka/positions.ts). Run by drWatch every
// few seconds, so it only does new work: record times, matches and writes are cached per pair between calls.
import {
  groupsOnTopics,
  listConsumerGroups,
  partitionOffsets,
  tpKey,
  type AdminSession,
  type PartitionOffsets,
} from './admin';
import { ensurePositionsTopic, positionKey, writePositions, type StoredPosition } from './positions';
import { dateRecords } from './snapshot-dates';
import { matchNew } from './snapshot-match';

/** Remembered between snapshots of one pair (in the worker's memory; a new worker simply starts empty). */
export interface SnapshotCache {
  topicReady: boolean;
  /** positionKey -> the value last written, without its time: unchanged positions are not written again. */
  written: Map<string, string>;
  /** `topic:partition@offset` -> record timestamp on the primary (a record's time never changes). */
  stamps: Map<string, { offset: number; timestamp: number }>;
  /** `topic:partition@committed` -> proven secondary offset, or when a search last failed (retried later). */
  matches: Map<string, { offset: number; proof: string } | { failedAt: number; reason: string }>;
  /** `topic:partition` -> secondary minus primary offset of the last proven copy: the next guess. */
  anchors: Map<string, number>;
}

export function newSnapshotCache(): SnapshotCache {
  return { topicReady: false, written: new Map(), stamps: new Map(), matches: new Map(), anchors: new Map() };
}

export interface SnapshotOptions {
  pair: string;
  primary: AdminSession;
  secondary: AdminSession;
  /** The application topics (not the canary topic). */
  topics: readonly string[];
  /** Groups known from elsewhere (ApsaraMQ's consumer-group list), looked up besides the primary's own list. */
  extraGroups?: readonly string[];
  /** Which groups belong to the pair (its `groups` selection, kafka-dr's own excluded). */
  accept: (group: string) => boolean;
  /** The pair's profile keeps partition, order and record identity: translate exactly by matching. */
  exact: boolean;
  cache: SnapshotCache;
  /** Full identity searches per snapshot when a guess fails (the rest wait for the next one); default 200. */
  maxMatches?: number;
  /** Stop starting new searches after this long, ms; default 1,500. */
  matchBudgetMs?: number;
  replicationFactor?: number;
}

export interface SnapshotSummary {
  takenAt: number;
  groups: number;
  positions: number;
  /** Positions written this time (new or changed). */
  written: number;
  /** Positions with a proven secondary offset. */
  matched: number;
  /** Full identity searches run this time (checked guesses not counted). */
  searches: number;
  elapsedMs: number;
}

const CACHE_LIMIT = 200_000;

export async function takeSnapshot(o: SnapshotOptions): Promise<SnapshotSummary> {
  // Before anything is read: a partition found empty afterwards only receives records written after this time.
  const takenAt = Date.now();
  const cache = o.cache;
  if (!cache.topicReady) {
    await ensurePositionsTopic(o.secondary, { replicationFactor: o.replicationFactor });
    cache.topicReady = true;
  }
  for (const m of [cache.written, cache.stamps, cache.matches] as Map<string, unknown>[])
    if (m.size > CACHE_LIMIT) m.clear();

  const candidates = [...new Set([...(await listConsumerGroups(o.primary)), ...(o.extraGroups ?? [])])].filter(
    o.accept,
  );
  const committed = await groupsOnTopics(o.primary, o.topics, candidates);
  const logs = new Map((await partitionOffsets(o.primary, o.topics)).map((p) => [tpKey(p.topic, p.partition), p]));

  // Record times at and just before every commit, once per distinct offset and never twice across snapshots.
  const wanted: { topic: string; partition: number; offset: number }[] = [];
  const want = (log: PartitionOffsets, offset: number) => {
    if (offset < log.earliest || offset >= log.end) return;
    const k = `${tpKey(log.topic, log.partition)}@${offset}`;
    if (!cache.stamps.has(k)) wanted.push({ topic: log.topic, partition: log.partition, offset });
  };
  for (const offsets of committed.values()) {
    for (const c of offsets) {
      const log = logs.get(tpKey(c.topic, c.partition));
      if (!log) continue;
      want(log, Math.max(c.offset, log.earliest));
      want(log, c.offset - 1);
    }
  }
  // Matching first: its range reads on the primary date most positions on the way.
  const searches = o.exact ? await matchNew(o, committed, logs) : 0;
  await dateRecords(
    o.primary,
    wanted.filter((w) => !cache.stamps.has(`${tpKey(w.topic, w.partition)}@${w.offset}`)),
    cache,
  );

  const positions: StoredPosition[] = [];
  const changed: StoredPosition[] = [];
  let matched = 0;
  for (const [group, offsets] of committed) {
    for (const c of offsets) {
      const log = logs.get(tpKey(c.topic, c.partition));
      if (!log) continue;
      const key = tpKey(c.topic, c.partition);
      const first = cache.stamps.get(`${key}@${Math.max(c.offset, log.earliest)}`);
      const last = c.offset - 1 >= log.earliest ? cache.stamps.get(`${key}@${c.offset - 1}`) : undefined;
      const m = o.exact ? cache.matches.get(`${key}@${c.offset}`) : undefined;
      const p: StoredPosition = {
        pair: o.pair,
        group,
        topic: c.topic,
        partition: c.partition,
        takenAt,
        committedOffset: c.offset,
        ...(m && 'offset' in m ? { matched: { offset: m.offset, proof: m.proof } } : {}),
        ...(first && c.offset < log.end ? { firstUnprocessedTimestamp: first.timestamp } : {}),
        // Only the record exactly before the commit dates "everything before it was processed".
        ...(last && last.offset === c.offset - 1 ? { lastProcessedTimestamp: last.timestamp } : {}),
      };
      if (p.matched) matched++;
      positions.push(p);
      const k = positionKey(p);
      const { takenAt: _t, ...value } = p;
      const text = JSON.stringify(value);
      if (cache.written.get(k) !== text) changed.push(p);
    }
  }
  await writePositions(o.secondary, {
    positions: changed,
    marker: { pair: o.pair, takenAt, groups: committed.size, positions: positions.length, matched },
  });
  for (const p of changed) {
    const { takenAt: _t, ...value } = p;
    cache.written.set(positionKey(p), JSON.stringify(value));
  }
  return {
    takenAt,
    groups: committed.size,
    positions: positions.length,
    written: changed.length,
    matched,
    searches,
    elapsedMs: Date.now() - takenAt,
  };
}
