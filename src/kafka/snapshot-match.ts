// Exact translation of a snapshot's commits to the secondary (src/kafka/snapshot.ts): the copy of the record at
// each commit, proven by identity, with a per-partition guess checked in bulk before any full search.
import { tpKey, type PartitionOffsets } from './admin';
import { findCopy, identityOf } from './match';
import { mapLimit, readRange } from './protocol';
import type { SnapshotOptions } from './snapshot';
import { groupBy, RANGE_SPAN } from './snapshot-dates';

const MATCH_RETRY_MS = 60_000;

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
export async function matchNew(
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
