// The `snapshot` source of the offset plan: a group's position as drWatch last read it on the primary, stored on
// the secondary (src/kafka/positions.ts). Pure, like planner.ts, which calls it. Why it is safe: a group's committed
// offset only moves forward, so the group had processed at least everything before the snapshot's position when
// the primary died. The one exception is an operator resetting the group backwards after the snapshot; the plan
// cannot see that without the primary, and docs/offset-plan.md says so.
import { supportsExactMatch, type FidelityProfile } from '../kafka/fidelity';

/** What drWatch stored for one group on one partition. */
export interface SnapshotEvidence {
  /** When the position was read on the primary (epoch ms). */
  takenAt: number;
  /** The group's committed offset on the primary then (>= 0). */
  committedOffset: number;
  /** The secondary offset of the copy of the record at the committed offset, proven by identity (src/kafka/match.ts). */
  matched?: { offset: number; proof: string };
  /** Timestamp of the record at the committed offset (the first the group had not processed), when there was one. */
  firstUnprocessedTimestamp?: number;
  /** Timestamp of the record before it, when the group was at the primary's log end. */
  lastProcessedTimestamp?: number;
}

export type SnapshotCandidate =
  | { kind: 'offset'; source: 'snapshot'; offset: number; notes: string[] }
  | { kind: 'time'; source: 'snapshot'; translatedTime: number; lookupTime: number; notes: string[] };

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The per-partition snapshot target, or undefined (with a note) when the snapshot cannot place the partition.
 * Only called when the profile keeps partitions and order; the exact offset also needs identical records.
 */
export function snapshotCandidate(
  s: SnapshotEvidence | undefined,
  secondary: { earliest: number; end: number },
  primaryCommitted: number | undefined,
  fidelity: FidelityProfile | undefined,
  margin: number,
  notes: string[],
): SnapshotCandidate | undefined {
  if (!s) {
    if (primaryCommitted === undefined) notes.push('no drWatch snapshot');
    return undefined;
  }
  const when = `snapshot of ${iso(s.takenAt)} (commit ${s.committedOffset})`;
  if (primaryCommitted !== undefined && primaryCommitted >= 0 && s.committedOffset > primaryCommitted) {
    notes.push(`${when} is ahead of the primary's commit ${primaryCommitted}: the group was rewound since`);
    return undefined;
  }
  if (s.matched && (fidelity === undefined || supportsExactMatch(fidelity))) {
    if (s.matched.offset >= secondary.earliest && s.matched.offset <= secondary.end) {
      return {
        kind: 'offset',
        source: 'snapshot',
        offset: s.matched.offset,
        notes: [...notes, `${when}: ${s.matched.proof}`],
      };
    }
    notes.push(`${when}: its matched offset ${s.matched.offset} is outside the secondary log`);
  }
  const t = timeOf(s);
  const what =
    s.firstUnprocessedTimestamp !== undefined
      ? 'its first unprocessed record'
      : s.lastProcessedTimestamp !== undefined
        ? 'its last processed record (group was at the log end)'
        : 'the snapshot time (the partition held no record)';
  return {
    kind: 'time',
    source: 'snapshot',
    translatedTime: t,
    lookupTime: Math.max(0, t - margin),
    notes: [...notes, `${when}: translated from ${what}`],
  };
}

/**
 * The oldest time at which a record the group had not processed at the snapshot can carry: the first unprocessed
 * record's, else the last processed one's (at the log end, later records come after it), else the snapshot's own
 * time (an empty partition: everything there was written after it). The margin covers timestamp disorder.
 */
export function timeOf(s: SnapshotEvidence): number {
  if (s.firstUnprocessedTimestamp !== undefined && s.firstUnprocessedTimestamp >= 0) return s.firstUnprocessedTimestamp;
  if (s.lastProcessedTimestamp !== undefined && s.lastProcessedTimestamp >= 0) return s.lastProcessedTimestamp;
  return s.takenAt;
}
