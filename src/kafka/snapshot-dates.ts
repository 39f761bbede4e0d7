// Dating the records around each commit of a snapshot (src/kafka/snapshot.ts): the times of the records at and
// just before each committed offset on the primary, read in as few fetches as possible.
import { recordTimestamps, tpKey, type AdminSession } from './admin';
import { mapLimit, readRange, type PartitionRef } from './protocol';
import type { SnapshotCache } from './snapshot';

/** Widest offset range read in one go to date or check many positions of one partition. */
export const RANGE_SPAN = 20_000;
/** From this many distinct offsets in a partition, one range read beats one fetch per offset. */
const RANGE_FROM = 4;

/**
 * Times of the records at (or first after) the wanted offsets, into the cache: one range read per partition where
 * many groups sit (1,000 groups on 8 partitions would otherwise be 8,000 fetches), single fetches elsewhere.
 */
export async function dateRecords(
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

export function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = out.get(k);
    if (list) list.push(it);
    else out.set(k, [it]);
  }
  return out;
}
