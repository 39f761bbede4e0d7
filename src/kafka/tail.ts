// The unreplicated tail of a pair that failed over: records the old primary acknowledged that never reached the
// secondary. The forward replicator copied each primary partition as a prefix, in order (when its measured
// profile keeps partitions and order); after the failover the applications wrote their own records on the
// secondary. So the copies are found by walking the secondary's log and matching the primary's records in
// order: a secondary record that is not the next primary record is the applications' own (this also keeps a
// producer's retry of an unacknowledged record, written again on the secondary after the failover, from being
// taken for the copy that would hide the records before it). What the walk does not reach is the tail.
// A replicator that does not keep partitions (a re-producing EventBridge stream) is matched by identity
// (key and value, plus timestamp and headers where kept) over the whole topic, counting look-alikes.
import type { AdminSession } from './admin';
import { partitionOffsets } from './admin';
import { effectiveProfile, supportsPerPartition, type FidelityProfile } from './fidelity';
import { copyIdentity } from './post-switch';
import { readRange, type FetchedRecord } from './protocol';
import { KdrError } from '../errors';

/** Records read per partition at most, on either side. */
export const DEFAULT_TAIL_SCAN_LIMIT = 50_000;

/** One partition of the old primary after a failover. Offsets are the primary's; times epoch ms. */
export interface PartitionTail {
  topic: string;
  partition: number;
  /** [from, to) primary offset ranges of the unreplicated records (one range when order was kept). */
  ranges: [number, number][];
  records: number;
  firstAt: number | null;
  lastAt: number | null;
  /** Records on the secondary partition that are no copy: written there since the failover. */
  writtenOnSecondary: number;
  writtenFirstAt: number | null;
  writtenLastAt: number | null;
}

export class TailUnprovableError extends KdrError {
  override name = 'TailUnprovableError';
  readonly retryable = false;
}

type Rec = Pick<FetchedRecord, 'offset' | 'timestamp' | 'key' | 'value' | 'headers'>;

/** Consecutive offsets as [from, to) ranges. */
export function toRanges(offsets: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const o of [...offsets].sort((a, b) => a - b)) {
    const last = out[out.length - 1];
    if (last && last[1] === o) last[1] = o + 1;
    else out.push([o, o + 1]);
  }
  return out;
}

/**
 * Ordered match of one partition: returns the primary records with no copy and the secondary records that are
 * no copy. `primary` and `secondary` are both complete from the logs' starts, or start where the scan limit cut.
 */
export function matchInOrder<R extends Rec>(
  primary: readonly R[],
  secondary: readonly R[],
  profile: FidelityProfile,
): { unreplicated: R[]; foreign: R[]; aligned: boolean } {
  const ids = primary.map((r) => copyIdentity(r, profile));
  const position = new Map<string, number>();
  ids.forEach((id, i) => {
    if (!position.has(id)) position.set(id, i);
  });
  // Where the secondary's window starts in the primary's: the first secondary record that is a primary record.
  let i = -1;
  let start = 0;
  for (; start < secondary.length; start++) {
    const at = position.get(copyIdentity(secondary[start], profile));
    if (at !== undefined) {
      i = at;
      break;
    }
  }
  if (i < 0) return { unreplicated: [...primary], foreign: [...secondary], aligned: false };
  const foreign: R[] = secondary.slice(0, start);
  for (const r of secondary.slice(start)) {
    if (i < primary.length && copyIdentity(r, profile) === ids[i]) i++;
    else foreign.push(r);
  }
  return { unreplicated: primary.slice(i), foreign, aligned: true };
}

/** Matching by counted identity over a whole topic: a primary record is replicated while a copy of it is unused. */
export function matchByIdentity<R extends Rec>(
  primary: readonly R[],
  secondary: readonly R[],
  profile: FidelityProfile,
): { unreplicated: R[]; foreign: R[] } {
  const onSecondary = new Map<string, R[]>();
  for (const r of secondary) {
    const id = copyIdentity(r, profile);
    onSecondary.set(id, [...(onSecondary.get(id) ?? []), r]);
  }
  const unreplicated: R[] = [];
  for (const r of primary) {
    const copies = onSecondary.get(copyIdentity(r, profile));
    if (copies?.length) copies.shift();
    else unreplicated.push(r);
  }
  return { unreplicated, foreign: [...onSecondary.values()].flat() };
}

function span(records: readonly Rec[]): [number | null, number | null] {
  if (!records.length) return [null, null];
  let first = Infinity;
  let last = -Infinity;
  for (const r of records) {
    first = Math.min(first, r.timestamp);
    last = Math.max(last, r.timestamp);
  }
  return [first, last];
}

async function window(
  s: AdminSession,
  topic: string,
  p: { partition: number; earliest: number; end: number },
  limit: number,
) {
  const from = Math.max(p.earliest, p.end - limit);
  return {
    records: from < p.end ? await readRange(s.protocol, topic, p.partition, from, p.end) : [],
    cut: from > p.earliest,
  };
}

/** Every partition's tail (and what the secondary received since the failover) for the topics. */
export async function unreplicatedTails(
  oldPrimary: AdminSession,
  secondary: AdminSession,
  topics: readonly string[],
  fidelity: FidelityProfile | undefined,
  options: { scanLimit?: number } = {},
): Promise<PartitionTail[]> {
  const profile = effectiveProfile(fidelity);
  if (!profile.keyValueIdentical) {
    throw new TailUnprovableError(
      'the replicator was not measured to keep keys and values byte for byte, so no primary record can be ' +
        'told to have reached the secondary: run drVerify (kdr verify <pair> --fidelity) while both sides answer, then run failback again',
    );
  }
  const limit = options.scanLimit ?? DEFAULT_TAIL_SCAN_LIMIT;
  const perPartition = supportsPerPartition(profile);
  const out: PartitionTail[] = [];
  for (const topic of topics) {
    const [pLogs, sLogs] = await Promise.all([
      partitionOffsets(oldPrimary, [topic]),
      partitionOffsets(secondary, [topic]),
    ]);
    const pRead = new Map<number, Awaited<ReturnType<typeof window>>>();
    const sRead = new Map<number, Awaited<ReturnType<typeof window>>>();
    for (const p of pLogs) pRead.set(p.partition, await window(oldPrimary, topic, p, limit));
    for (const s of sLogs) sRead.set(s.partition, await window(secondary, topic, s, limit));
    const results = new Map<number, { unreplicated: FetchedRecord[]; foreign: FetchedRecord[] }>();
    if (perPartition) {
      for (const p of pLogs) {
        const prim = pRead.get(p.partition)!;
        const sec = sRead.get(p.partition) ?? { records: [], cut: false };
        const m = matchInOrder(prim.records, sec.records, profile);
        // Without an alignment a cut window proves nothing: the copies may sit before it.
        if (!m.aligned && (prim.cut || sec.cut) && prim.records.length) {
          throw new TailUnprovableError(
            `${topic}[${p.partition}]: no copy of the old primary's newest ${prim.records.length} record(s) ` +
              `among the secondary's newest ${sec.records.length}; the tail is longer than the scan limit (${limit}) or the logs do not overlap`,
          );
        }
        results.set(p.partition, m);
      }
    } else {
      const m = matchByIdentity(
        [...pRead.values()].flatMap((w) => w.records),
        [...sRead.values()].flatMap((w) => w.records),
        profile,
      );
      for (const p of pLogs) results.set(p.partition, { unreplicated: [], foreign: [] });
      const at = (partition: number) =>
        results.get(partition) ?? results.set(partition, { unreplicated: [], foreign: [] }).get(partition)!;
      // Each record keeps the partition it was read from: unreplicated ones the primary's, foreign ones the secondary's.
      for (const r of m.unreplicated) at(r.partition).unreplicated.push(r);
      for (const r of m.foreign) at(r.partition).foreign.push(r);
    }
    for (const p of pLogs) {
      const m = results.get(p.partition)!;
      const [firstAt, lastAt] = span(m.unreplicated);
      const [writtenFirstAt, writtenLastAt] = span(m.foreign);
      out.push({
        topic,
        partition: p.partition,
        ranges: toRanges(m.unreplicated.map((r) => r.offset)),
        records: m.unreplicated.length,
        firstAt,
        lastAt,
        writtenOnSecondary: m.foreign.length,
        writtenFirstAt,
        writtenLastAt,
      });
    }
  }
  return out;
}
