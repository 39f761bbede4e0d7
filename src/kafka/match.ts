// Exact offset translation by record identity: the copy on the secondary of the record at a given primary
// offset. A replicator that keeps records in order within a partition (MirrorMaker 2 with the identity policy
// does; see docs/offset-plan.md) puts that copy at some secondary offset, usually not the same number. Finding
// it turns "the group had processed everything before primary offset C" into "the group resumes at secondary
// offset S" with no guess and no margin. A match is proof; without proof the planner falls back to the
// conservative sources.
import { createHash } from 'node:crypto';
import type { AdminSession } from './admin';
import {
  EARLIEST,
  LATEST,
  fetchFrom,
  listOffsets,
  readRange,
  tpKey,
  type FetchedRecord,
  type PartitionRef,
} from './protocol';

/** How far the search on the secondary may go, in records, before it gives up (no proof). */
export const DEFAULT_SCAN_LIMIT = 20_000;
/** Timestamps may go backwards a little within a partition (CreateTime, several producers): start earlier. */
const TIME_SLACK_MS = 60_000;
/** Foreign records (written on the secondary itself) that may sit between a record's copy and its predecessor's. */
const NEIGHBOUR_WINDOW = 16;

/** Timestamp, key, value and headers of a record, hashed: equal identities are the same record or a look-alike. */
export function identityOf(r: Pick<FetchedRecord, 'timestamp' | 'key' | 'value' | 'headers'>): string {
  const h = createHash('sha256');
  const part = (b: Buffer | null | undefined) => {
    if (b === null || b === undefined) h.update('\u0000n');
    else {
      h.update(`\u0000${b.length}:`);
      h.update(b);
    }
  };
  h.update(String(r.timestamp));
  part(r.key);
  part(r.value);
  for (const name of Object.keys(r.headers ?? {}).sort()) {
    const v = r.headers[name];
    for (const b of Array.isArray(v) ? v : [v]) {
      h.update(`\u0000h${name}`);
      part(b ?? null);
    }
  }
  return h.digest('hex').slice(0, 32);
}

export type MatchResult = { found: true; secondaryOffset: number; proof: string } | { found: false; reason: string };

async function recordAt(s: AdminSession, p: PartitionRef, offset: number): Promise<FetchedRecord | undefined> {
  const { records } = await fetchFrom(s.protocol, p.topic, p.partition, offset, { maxBytes: 256 * 1024 });
  return records.find((r) => r.offset === offset);
}

/**
 * Finds the first copy on the secondary of the primary's record at `primaryOffset` whose predecessor's copy
 * (when the primary has one) sits just before it, allowing a few records written on the secondary itself in
 * between. Look-alike records (same timestamp, key, value and headers) are told apart by that neighbour.
 */
export async function findCopy(
  primary: AdminSession,
  secondary: AdminSession,
  p: PartitionRef,
  primaryOffset: number,
  options: { scanLimit?: number; secondaryEnd?: number } = {},
): Promise<MatchResult> {
  const record = await recordAt(primary, p, primaryOffset);
  if (!record)
    return {
      found: false,
      reason: `no record at primary offset ${primaryOffset} (compacted, a transaction marker, or past the end)`,
    };
  const previous = primaryOffset > 0 ? await recordAt(primary, p, primaryOffset - 1) : undefined;
  const want = identityOf(record);
  const before = previous ? identityOf(previous) : undefined;

  const key = tpKey(p.topic, p.partition);
  // Start early enough to see the predecessor's copy too.
  const lookup = Math.max(0, Math.min(record.timestamp, previous?.timestamp ?? record.timestamp) - TIME_SLACK_MS);
  const starts = await listOffsets(secondary.protocol, [
    { topic: p.topic, partition: p.partition, timestamp: lookup },
    { topic: p.topic, partition: p.partition, timestamp: EARLIEST },
    { topic: p.topic, partition: p.partition, timestamp: LATEST },
  ]);
  const earliest = starts.get(`${key}@${EARLIEST}`) ?? 0;
  const end = options.secondaryEnd ?? starts.get(`${key}@${LATEST}`) ?? 0;
  const fromTime = starts.get(`${key}@${lookup}`);
  if (fromTime === null || fromTime === undefined)
    return {
      found: false,
      reason: `no record on the secondary at or after ${new Date(record.timestamp).toISOString()} (not replicated yet?)`,
    };
  const from = Math.max(earliest, fromTime - NEIGHBOUR_WINDOW);
  const limit = options.scanLimit ?? DEFAULT_SCAN_LIMIT;
  const window: string[] = [];
  let scanned = 0;
  for (let next = from; next < end && scanned < limit;) {
    const batch = await readRange(secondary.protocol, p.topic, p.partition, next, Math.min(end, next + 500));
    if (batch.length === 0) break;
    for (const r of batch) {
      scanned++;
      const id = identityOf(r);
      if (id === want) {
        // No predecessor copy in sight means no proof: a look-alike earlier in the log must not match.
        const neighbourOk = before === undefined || window.slice(-NEIGHBOUR_WINDOW).includes(before);
        if (neighbourOk) {
          return {
            found: true,
            secondaryOffset: r.offset,
            proof:
              `record ${primaryOffset} (ts ${record.timestamp}) found at secondary offset ${r.offset}` +
              (before ? ', after its predecessor' : ''),
          };
        }
      }
      window.push(id);
      if (window.length > NEIGHBOUR_WINDOW * 2) window.shift();
    }
    next = batch[batch.length - 1].offset + 1;
  }
  return {
    found: false,
    reason: `record ${primaryOffset} not found on the secondary in ${scanned} records from offset ${from}`,
  };
}

/** Where the copy of the primary's last record of a partition sits on the secondary (replication complete up to there). */
export interface TailMatch extends PartitionRef {
  primaryEnd: number;
  /** Offset on the secondary of the copy of record primaryEnd - 1; null when the primary partition is empty. */
  lastCopy: number | null;
  found: boolean;
  reason?: string;
}

/** For each partition: is the primary's newest record on the secondary, and where? Proof by identity, not by a lag count. */
export async function matchTails(
  primary: AdminSession,
  secondary: AdminSession,
  partitions: readonly (PartitionRef & { earliest: number; end: number })[],
  options: { scanLimit?: number } = {},
): Promise<TailMatch[]> {
  const out: TailMatch[] = [];
  for (const p of partitions) {
    if (p.end <= p.earliest) {
      out.push({ topic: p.topic, partition: p.partition, primaryEnd: p.end, lastCopy: null, found: true });
      continue;
    }
    const m = await findCopy(primary, secondary, p, p.end - 1, options);
    out.push(
      m.found
        ? { topic: p.topic, partition: p.partition, primaryEnd: p.end, lastCopy: m.secondaryOffset, found: true }
        : { topic: p.topic, partition: p.partition, primaryEnd: p.end, lastCopy: null, found: false, reason: m.reason },
    );
  }
  return out;
}
