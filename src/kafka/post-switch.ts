// The secondary's logs after a planned switch, while the primary drains: applications already write to the
// secondary through the custom domain, and the replicator still appends copies of the primary's last records.
// Both land in the same partitions, interleaved. A group's final position must not pass the first record an
// application wrote there (nobody has processed it), and its duplicate bound ends at the last copy. Which record
// is which is told by identity against the primary's recent records, under what the replicator keeps (its
// measured fidelity profile): with timestamps and headers kept, the full identity; with a re-producing
// replicator, key and value only. Counting occurrences makes look-alikes err on the safe side: a record that
// could be either is taken for a new one.
import { createHash } from 'node:crypto';
import type { AdminSession } from './admin';
import { partitionOffsets, recordTimestamps } from './admin';
import { effectiveProfile, type FidelityProfile } from './fidelity';
import { listOffsets, readRange, tpKey, type FetchedRecord } from './protocol';

/** How far before the first post-switch record (or a tail record) the comparison windows start. */
const SLACK_MS = 60_000;
/** Records read per partition at most, on either side; past it, the result is conservative (noted). */
export const DEFAULT_REGION_SCAN_LIMIT = 50_000;
/** The newest records of each primary partition that must all be found for replication to count as complete. */
const TAIL_RECORDS = 3;

/** [topic, partition, firstNew, replicatedEnd]: compact, because it goes into history. */
export type PostSwitchEnd = [string, number, number, number];

export interface PostSwitchRegion {
  /** False when the profile gives no identity to compare (key or value changed by the replicator). */
  provable: boolean;
  reason?: string;
  /** Every primary partition's newest records are on the secondary (any partition, when partitions are not kept). */
  complete: boolean;
  missing: { topic: string; partition: number; primaryEnd: number; reason: string }[];
  /** Per secondary partition: the first record no copy can explain, and the end of the last copy. */
  ends: PostSwitchEnd[];
  /** Why a figure is more conservative than it could be (a scan limit reached), for the step summary. */
  notes: string[];
  scanned: { primary: number; secondary: number };
}

/** What identifies a record's copy under this profile: key and value always, timestamp and headers where kept. */
export function copyIdentity(
  r: Pick<FetchedRecord, 'timestamp' | 'key' | 'value' | 'headers'>,
  profile: FidelityProfile,
): string {
  const h = createHash('sha256');
  const part = (b: Buffer | null | undefined) => {
    if (b === null || b === undefined) h.update('\u0000n');
    else {
      h.update(`\u0000${b.length}:`);
      h.update(b);
    }
  };
  if (profile.timestampPreserved) h.update(String(r.timestamp));
  part(r.key);
  part(r.value);
  if (profile.headersPreserved) {
    for (const name of Object.keys(r.headers ?? {}).sort()) {
      const v = r.headers[name];
      for (const b of Array.isArray(v) ? v : [v]) {
        h.update(`\u0000h${name}`);
        part(b ?? null);
      }
    }
  }
  return h.digest('hex').slice(0, 32);
}

function count(m: Map<string, number>, id: string): void {
  m.set(id, (m.get(id) ?? 0) + 1);
}

/**
 * Classifies the secondary's records written since `preSwitchEnds` (read just before the CNAME moved) and,
 * with `checkTails`, whether every primary partition's newest records arrived. Run it once the primary is quiet.
 */
export async function postSwitchRegion(
  primary: AdminSession,
  secondary: AdminSession,
  topics: readonly string[],
  preSwitchEnds: ReadonlyMap<string, number>,
  fidelity: FidelityProfile | undefined,
  options: { checkTails?: boolean; scanLimit?: number } = {},
): Promise<PostSwitchRegion> {
  const profile = effectiveProfile(fidelity);
  const limit = options.scanLimit ?? DEFAULT_REGION_SCAN_LIMIT;
  const out: PostSwitchRegion = {
    provable: true,
    complete: true,
    missing: [],
    ends: [],
    notes: [],
    scanned: { primary: 0, secondary: 0 },
  };
  if (!profile.keyValueIdentical) {
    return {
      ...out,
      provable: false,
      complete: false,
      reason:
        'the replicator was not measured to keep keys and values byte for byte, so no copy can be told from a new record ' +
        '(run connector-verify to measure it, or switch with drain: false, which applies the approved plan as it is)',
    };
  }
  for (const topic of topics) {
    const [pLogs, sLogs] = await Promise.all([
      partitionOffsets(primary, [topic]),
      partitionOffsets(secondary, [topic]),
    ]);
    // The first post-switch record of each secondary partition dates the window: copies of anything older were
    // on the secondary before the switch.
    const postStarts = sLogs.filter((s) => s.end > (preSwitchEnds.get(tpKey(topic, s.partition)) ?? s.end));
    const firstPost = postStarts.length
      ? await recordTimestamps(
          secondary,
          postStarts.map((s) => ({
            topic,
            partition: s.partition,
            offset: preSwitchEnds.get(tpKey(topic, s.partition))!,
          })),
        )
      : new Map();
    let windowStart = Infinity;
    for (const r of firstPost.values()) windowStart = Math.min(windowStart, r.timestamp - SLACK_MS);

    // The primary's newest records (completeness) and everything since the window start (identities of copies).
    const primaryIds = new Map<string, number>();
    const tails: { partition: number; end: number; ids: string[]; oldest: number }[] = [];
    const pStarts = Number.isFinite(windowStart)
      ? await listOffsets(
          primary.protocol,
          pLogs.map((p) => ({ topic, partition: p.partition, timestamp: Math.max(0, windowStart) })),
        )
      : new Map<string, number | null>();
    for (const p of pLogs) {
      if (p.end <= p.earliest) continue;
      const fromTime = pStarts.get(`${tpKey(topic, p.partition)}@${Math.max(0, windowStart)}`);
      let from = Number.isFinite(windowStart) ? (fromTime ?? p.end) : p.end;
      from = Math.min(from, p.end - TAIL_RECORDS);
      if (p.end - from > limit) {
        out.notes.push(
          `${topic}[${p.partition}] on the primary: only the newest ${limit} records compared (more records count as new: more re-reads, nothing skipped)`,
        );
        from = p.end - limit;
      }
      const records = await readRange(primary.protocol, topic, p.partition, Math.max(p.earliest, from), p.end);
      out.scanned.primary += records.length;
      for (const r of records) count(primaryIds, copyIdentity(r, profile));
      const newest = records.slice(-TAIL_RECORDS);
      if (newest.length)
        tails.push({
          partition: p.partition,
          end: p.end,
          ids: newest.map((r) => copyIdentity(r, profile)),
          oldest: Math.min(...newest.map((r) => r.timestamp)),
        });
    }

    // The secondary from the window start (and, for completeness, from the oldest tail record) to its end.
    let scanFrom = windowStart;
    if (options.checkTails) for (const t of tails) scanFrom = Math.min(scanFrom, t.oldest - SLACK_MS);
    const sStarts = Number.isFinite(scanFrom)
      ? await listOffsets(
          secondary.protocol,
          sLogs.map((s) => ({ topic, partition: s.partition, timestamp: Math.max(0, scanFrom) })),
        )
      : new Map<string, number | null>();
    const secondaryIds = new Map<string, number>();
    const logs = new Map<number, { pre: number; records: FetchedRecord[]; truncated: boolean }>();
    for (const s of sLogs) {
      const pre = preSwitchEnds.get(tpKey(topic, s.partition)) ?? s.end;
      let from = Number.isFinite(scanFrom)
        ? (sStarts.get(`${tpKey(topic, s.partition)}@${Math.max(0, scanFrom)}`) ?? s.end)
        : s.end;
      from = Math.min(Math.max(from, s.earliest), pre);
      if (s.end - from > limit) {
        out.notes.push(`${topic}[${s.partition}] on the secondary: only the newest ${limit} records compared`);
        from = Math.max(s.earliest, s.end - limit);
      }
      // Post-switch records not read cannot be classified: the group then stops where the switch found the log.
      const truncated = from > pre;
      const records = from < s.end ? await readRange(secondary.protocol, topic, s.partition, from, s.end) : [];
      out.scanned.secondary += records.length;
      for (const r of records) count(secondaryIds, copyIdentity(r, profile));
      logs.set(s.partition, { pre, records, truncated });
    }

    for (const s of sLogs) {
      const { pre, records, truncated } = logs.get(s.partition)!;
      if (truncated) {
        out.ends.push([topic, s.partition, Math.min(pre, s.end), s.end]);
        continue;
      }
      // A record is surely a copy when the primary holds its identity at least as often as the secondary does.
      let firstNew = s.end;
      let replicatedEnd = Math.min(pre, s.end);
      for (const r of records) {
        if (r.offset < pre) continue;
        const id = copyIdentity(r, profile);
        const onPrimary = primaryIds.get(id) ?? 0;
        if (onPrimary > 0) replicatedEnd = r.offset + 1;
        if (firstNew === s.end && !(onPrimary > 0 && (secondaryIds.get(id) ?? 0) <= onPrimary)) firstNew = r.offset;
      }
      out.ends.push([topic, s.partition, firstNew, Math.max(replicatedEnd, Math.min(pre, s.end))]);
    }

    if (options.checkTails) {
      for (const t of tails) {
        const absent = t.ids.filter((id) => !secondaryIds.has(id)).length;
        if (absent) {
          out.complete = false;
          out.missing.push({
            topic,
            partition: t.partition,
            primaryEnd: t.end,
            reason: `${absent} of the primary's newest ${t.ids.length} record(s) not found on any secondary partition`,
          });
        }
      }
    }
  }
  return out;
}
