// One position snapshot: every consumer group's committed offsets on the primary, dated by the records around
// them and, where the pair's fidelity profile allows, translated exactly to the secondary (the copy of the record
// at the commit, found by identity), then stored on the secondary (src/kafka/positions.ts). Run by drWatch every
// few seconds, so it only does new work: record times, matches and writes are cached per pair between calls.
import {
  groupsOnTopics,
  listConsumerGroups,
  partitionOffsets,
  recordTimestamps,
  tpKey,
  type AdminSession,
  type PartitionOffsets,
} from './admin';
import { findCopy, identityOf } from './match';
import { mapLimit, readRange, type PartitionRef } from './protocol';
import { ensurePositionsTopic, positionKey, writePositions, type StoredPosition } from './positions';

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

const MATCH_RETRY_MS = 60_000;
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

/** Widest offset range read in one go to date or check many positions of one partition. */
const RANGE_SPAN = 20_000;
/** From this many distinct offsets in a partition, one range read beats one fetch per offset. */
const RANGE_FROM = 4;

/**
 * Times of the records at (or first after) the wanted offsets, into the cache: one range read per partition where
 * many groups sit (1,000 groups on 8 partitions would otherwise be 8,000 fetches), single fetches elsewhere.
 */
async function dateRecords(
  primary: AdminSession,
  wanted: readonly (PartitionRef & { offset: number })[],
  cache: SnapshotCache,
): Promise<void> {
  const single: (PartitionRef & { offset: number })[] = [];
  const ranges: { ref: PartitionRef; offsets: number[] }[] = [];
  for (const [, list] of groupBy(wanted, (w) => tpKey(w.topic, w.partition))) {
    const offsets = [...new Set(list.map((w) => w.offset))].sort((a, b) => a - b);
    if (offsets.length >= RANGE_FROM && offsets[offsets.length - 1] - offsets[0] <= RANGE_SPAN)
      ranges.push({ ref: list[0], offsets });
    else single.push(...list);
  }
  await mapLimit(ranges, 8, async ({ ref, offsets }) => {
    const records = await readRange(
      primary.protocol,
      ref.topic,
      ref.partition,
      offsets[0],
      offsets[offsets.length - 1] + 1,
    );
    let i = 0;
    for (const o of offsets) {
      while (i < records.length && records[i].offset < o) i++;
      if (i < records.length)
        cache.stamps.set(`${tpKey(ref.topic, ref.partition)}@${o}`, {
          offset: records[i].offset,
          timestamp: records[i].timestamp,
        });
    }
  });
  for (const [k, r] of await recordTimestamps(primary, single))
    cache.stamps.set(k, { offset: r.offset, timestamp: r.timestamp });
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = out.get(k);
    if (list) list.push(it);
    else out.set(k, [it]);
  }
  return out;
}

interface MatchItem {
  key: string;
  topic: string;
  partition: number;
  offset: number;
  log: PartitionOffsets;
  target: number;
  after: boolean;
}

/**
 * Proves where the copy of each new commit's last processed record (C - 1) sits, and places the group just after it:
 * for an order-keeping replicator nothing after that copy was processed, and unlike the record at C it is usually
 * replicated already when the group sits near the tip. Per partition, the last proven offset difference gives a
 * guess for every position, checked in bulk (one range read on each side, each record and its predecessor
 * compared); a full search (findCopy) learns the difference, or places a position whose guess failed, bounded in
 * number and time. Failures are retried a minute later.
 */
async function matchNew(
  o: SnapshotOptions,
  committed: Map<string, { topic: string; partition: number; offset: number }[]>,
  logs: Map<string, PartitionOffsets>,
): Promise<number> {
  const cache = o.cache;
  const now = Date.now();
  const todo = new Map<string, MatchItem>();
  for (const offsets of committed.values()) {
    for (const c of offsets) {
      const key = `${tpKey(c.topic, c.partition)}@${c.offset}`;
      const known = cache.matches.get(key);
      if (todo.has(key) || (known && ('offset' in known || now - known.failedAt < MATCH_RETRY_MS))) continue;
      const log = logs.get(tpKey(c.topic, c.partition));
      if (!log || log.end <= log.earliest || c.offset < log.earliest) continue;
      // The record to find: the last processed one when the log still has it, else the first unprocessed one.
      const after = Math.min(c.offset, log.end) - 1 >= log.earliest;
      todo.set(key, { key, ...c, log, after, target: after ? Math.min(c.offset, log.end) - 1 : c.offset });
    }
  }
  const deadline = now + (o.matchBudgetMs ?? 1_500);
  let searches = 0;
  const place = (w: MatchItem, copy: number, proof: string) => {
    cache.anchors.set(tpKey(w.topic, w.partition), copy - w.target);
    cache.matches.set(
      w.key,
      w.after
        ? {
            offset: copy + 1,
            proof: `record ${w.target} (the last processed) ${proof}; the group resumes just after it`,
          }
        : { offset: copy, proof: `record ${w.target} ${proof}` },
    );
  };
  const search = async (w: MatchItem): Promise<boolean> => {
    if (Date.now() > deadline || searches >= (o.maxMatches ?? 200)) return false;
    searches++;
    const r = await findCopy(o.primary, o.secondary, w, w.target).catch((err: Error) => ({
      found: false as const,
      reason: err.message,
    }));
    if (r.found) place(w, r.secondaryOffset, `found at secondary offset ${r.secondaryOffset} by search`);
    else cache.matches.set(w.key, { failedAt: Date.now(), reason: r.reason });
    return r.found;
  };
  await mapLimit([...groupBy([...todo.values()], (w) => tpKey(w.topic, w.partition))], 8, async ([tp, items]) => {
    items.sort((a, b) => a.target - b.target);
    if (!cache.anchors.has(tp)) {
      // One search learns the partition's offset difference; the others are then checked against it.
      const first = items.shift() as MatchItem;
      if (!(await search(first))) return;
    }
    while (items.length && Date.now() <= deadline) {
      const delta = cache.anchors.get(tp) as number;
      const lo = Math.max(items[0].log.earliest, items[0].target - 1);
      const batch = items.filter((w) => w.target - lo <= RANGE_SPAN);
      items.splice(0, batch.length);
      const hi = batch[batch.length - 1].target;
      const [onPrimary, onSecondary] = await Promise.all([
        readRange(o.primary.protocol, batch[0].topic, batch[0].partition, lo, hi + 1),
        lo + delta >= 0
          ? readRange(o.secondary.protocol, batch[0].topic, batch[0].partition, lo + delta, hi + delta + 1)
          : Promise.resolve([]),
      ]);
      const p = new Map(onPrimary.map((r) => [r.offset, identityOf(r)]));
      const s = new Map(onSecondary.map((r) => [r.offset, identityOf(r)]));
      for (const r of onPrimary) cache.stamps.set(`${tp}@${r.offset}`, { offset: r.offset, timestamp: r.timestamp });
      const failed: MatchItem[] = [];
      for (const w of batch) {
        const id = p.get(w.target);
        const before = p.get(w.target - 1);
        const ok =
          id !== undefined &&
          s.get(w.target + delta) === id &&
          (before === undefined || s.get(w.target + delta - 1) === before);
        if (ok)
          place(w, w.target + delta, `is at secondary offset ${w.target + delta} (it and its predecessor compared)`);
        else failed.push(w);
      }
      // A guess that failed (a gap, a record not replicated yet): search it; a success gives the rest a new difference.
      for (const w of failed) if (!(await search(w))) break;
    }
  });
  return searches;
}
