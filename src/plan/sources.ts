// Which source places each partition: the exact match, else the highest proven-safe per-partition source, else
// a group-wide time, the operator's time or earliest. Everything here only proposes; planner.ts clamps and bounds.
import { describeProfile, supportsExactMatch, supportsPerPartition } from '../kafka/fidelity';
import { snapshotCandidate, timeOf } from './snapshot';
import { EvidenceIncompleteError } from './inputs';
import type { GroupEvidence, OffsetSource, PartitionEvidence, PlanOptions } from './types';

function allowed(options: PlanOptions, source: OffsetSource): boolean {
  return source === 'earliest' || options.sources === undefined || options.sources.includes(source);
}

type Candidate =
  | { kind: 'offset'; source: OffsetSource; offset: number; notes: string[] }
  | { kind: 'time'; source: OffsetSource; translatedTime: number; lookupTime: number; notes: string[] }
  | { kind: 'end'; source: OffsetSource; notes: string[] };

/**
 * The candidates that can place the partition: the exact match alone when there is one; else every usable
 * per-partition source (snapshot, checkpoint, primary timestamp), of which planPartition takes the highest;
 * else the group-wide time, the operator's time or earliest. Each carries the notes of why sources were passed
 * over. Shared by `timestampQueries` and `planGroup`, so the caller looks up exactly the timestamps needed.
 */
export function choose(p: PartitionEvidence, options: PlanOptions, margin: number, groupTime?: GroupTime): Candidate[] {
  const notes: string[] = [];
  const primary = p.primary;

  if (options.fidelity !== undefined && !supportsPerPartition(options.fidelity)) {
    // The replicator moves records between partitions (or reorders them): a primary partition's position says
    // nothing about the same-numbered secondary partition. Only group-wide times and the operator's time apply.
    notes.push(`per-partition sources not used: ${describeProfile(options.fidelity)}`);
    if (allowed(options, 'group-timestamp')) {
      if (groupTime && 'time' in groupTime) {
        return [
          {
            kind: 'time',
            source: 'group-timestamp',
            translatedTime: groupTime.time,
            lookupTime: before(groupTime.time, margin),
            notes: [...notes, groupTime.note],
          },
        ];
      }
      if (groupTime && 'end' in groupTime)
        return [{ kind: 'end', source: 'group-timestamp', notes: [...notes, groupTime.note] }];
      notes.push(groupTime?.reason ?? 'no group-wide time');
    }
    return [operatorOrEarliest(p, options, margin, notes)];
  }

  if (allowed(options, 'matched') && (options.fidelity === undefined || supportsExactMatch(options.fidelity))) {
    // The copy of the group's first unprocessed record: exact, nothing safe can start later.
    if (p.matched && p.matched.offset >= p.secondary.earliest && p.matched.offset <= p.secondary.end) {
      return [{ kind: 'offset', source: 'matched', offset: p.matched.offset, notes: [p.matched.proof] }];
    }
    if (p.matched) notes.push(`matched offset ${p.matched.offset} is outside the secondary log`);
    else if (p.unmatched) notes.push(`no exact match: ${p.unmatched}`);
  }

  // Every usable per-partition source is a proven lower bound of the group's position; the plan takes the
  // highest (fewest re-reads), not the first in a fixed order.
  const found: Candidate[] = [];
  if (allowed(options, 'snapshot')) {
    const own: string[] = [];
    const s = snapshotCandidate(p.snapshot, p.secondary, primary?.committedOffset, options.fidelity, margin, own);
    if (s) found.push(s);
    else notes.push(...own);
  }

  if (allowed(options, 'checkpoint')) {
    const cp = p.checkpoint;
    if (!cp) {
      notes.push('no MirrorMaker 2 checkpoint');
    } else if (cp.downstreamOffset < 0) {
      notes.push(`checkpoint has no downstream offset (${cp.downstreamOffset})`);
    } else if (primary && primary.committedOffset >= 0 && cp.upstreamOffset > primary.committedOffset) {
      // The group moved back on the primary after this checkpoint: using it would skip the records between.
      notes.push(
        `checkpoint (upstream ${cp.upstreamOffset}) is ahead of the primary's committed offset ${primary.committedOffset}`,
      );
    } else if (cp.downstreamOffset > p.secondary.end) {
      notes.push(
        `checkpoint downstream offset ${cp.downstreamOffset} is past the secondary log end ${p.secondary.end}`,
      );
    } else {
      if (primary && primary.committedOffset > cp.upstreamOffset) {
        notes.push(
          `checkpoint is behind the primary's commit by ${primary.committedOffset - cp.upstreamOffset} offsets (re-read)`,
        );
      }
      found.push({ kind: 'offset', source: 'checkpoint', offset: cp.downstreamOffset, notes: [] });
    }
  }

  if (allowed(options, 'primary-timestamp')) {
    if (!primary) {
      notes.push('primary did not answer');
    } else if (primary.committedOffset < 0) {
      notes.push('no committed offset on the primary');
    } else if (primary.firstUnprocessedTimestamp !== undefined && primary.firstUnprocessedTimestamp >= 0) {
      const t = primary.firstUnprocessedTimestamp;
      found.push({
        kind: 'time',
        source: 'primary-timestamp',
        translatedTime: t,
        lookupTime: before(t, margin),
        notes: [],
      });
    } else if (primary.lastProcessedTimestamp !== undefined && primary.lastProcessedTimestamp >= 0) {
      // Group at the primary's log end: what it had not processed comes after its last record, in time too
      // unless timestamps go backwards by more than the margin.
      const t = primary.lastProcessedTimestamp;
      found.push({
        kind: 'time',
        source: 'primary-timestamp',
        translatedTime: t,
        lookupTime: before(t, margin),
        notes: ['group was at the primary log end: translated from its last processed record'],
      });
    } else if (primary.end !== undefined && primary.committedOffset >= primary.end) {
      // Nothing on the primary is left to read and no record remains to date it: every record ever written
      // there has an offset below the commit, so every copy on the secondary was processed.
      found.push({
        kind: 'end',
        source: 'primary-timestamp',
        notes: ['group had processed every record of the primary partition (no record left to take a time from)'],
      });
    } else {
      notes.push('primary gave no record timestamp around the committed offset');
    }
  }

  if (found.length === 0) return [operatorOrEarliest(p, options, margin, notes)];
  // The notes of why sources were passed over go with every candidate; the pick adds its own.
  return found.map((c) => ({ ...c, notes: [...notes, ...c.notes] }));
}

/** Where a candidate places the partition on the secondary, before clamping. */
function rawOffset(group: string, p: PartitionEvidence, c: Candidate): number {
  if (c.kind === 'offset') return c.offset;
  // Past the replicated records only: after a switch the secondary's own new records follow them.
  if (c.kind === 'end') return p.secondary.replicatedEnd ?? p.secondary.end;
  const key = String(c.lookupTime);
  const answers = p.offsetsForTimes ?? {};
  if (!(key in answers)) {
    throw new EvidenceIncompleteError(
      `group ${group} ${p.topic}[${p.partition}]: the secondary offset for time ${c.lookupTime} was not looked up ` +
        '(run the lookups from timestampQueries() with the same options before planGroup())',
    );
  }
  const answer = answers[key];
  return answer === null || answer === undefined ? p.secondary.end : answer;
}

/** The highest target among proven-safe candidates (ties: the earlier source in SOURCE_ORDER), with why. */
export function best(
  group: string,
  p: PartitionEvidence,
  candidates: Candidate[],
): { pick: Candidate; raw: number; note?: string } {
  const placed = candidates.map((c) => ({ c, raw: rawOffset(group, p, c) }));
  let top = placed[0];
  for (const x of placed.slice(1)) if (x.raw > top.raw) top = x;
  if (placed.length < 2) return { pick: top.c, raw: top.raw };
  const others = placed
    .filter((x) => x !== top)
    .map((x) => `${x.c.source} ${x.raw}`)
    .join(', ');
  return {
    pick: top.c,
    raw: top.raw,
    note: `best of ${placed.length} proven-safe sources: ${top.c.source} ${top.raw} (also ${others})`,
  };
}

function operatorOrEarliest(p: PartitionEvidence, options: PlanOptions, margin: number, notes: string[]): Candidate {
  if (allowed(options, 'operator-timestamp')) {
    if (options.operatorTimestamp === undefined) {
      notes.push('no operator timestamp');
    } else {
      const t = options.operatorTimestamp;
      return { kind: 'time', source: 'operator-timestamp', translatedTime: t, lookupTime: before(t, margin), notes };
    }
  }
  return { kind: 'offset', source: 'earliest', offset: p.secondary.earliest, notes };
}

/** The group-wide time of one topic, or why there is none. */
export type GroupTime = { time: number; note: string } | { end: true; note: string } | { reason: string };

/**
 * For a replicator that does not keep partitions: the oldest time of any record of `topic` the group may not
 * have processed, over all of the group's primary partitions of that topic. Every unprocessed record's copy has
 * a time at or after it minus the margin on any secondary partition: its own timestamp when timestamps are kept,
 * else its append time on the secondary, which is later than its append on the primary.
 */
function groupTimeOf(partitions: readonly PartitionEvidence[], topic: string): GroupTime {
  const times: number[] = [];
  let allDone = true;
  let fromSnapshots = 0;
  for (const p of partitions.filter((x) => x.topic === topic)) {
    const pr = p.primary;
    const where = `${p.topic}[${p.partition}]`;
    // Without the primary, drWatch's snapshot dates the group's position as well (commits only move forward).
    if (!pr && p.snapshot) {
      times.push(timeOf(p.snapshot));
      allDone = false;
      fromSnapshots++;
      continue;
    }
    if (!pr) return { reason: `primary did not answer for ${where}: no group-wide time` };
    if (pr.committedOffset < 0)
      return { reason: `no committed offset on the primary for ${where}: no group-wide time` };
    if (pr.firstUnprocessedTimestamp !== undefined && pr.firstUnprocessedTimestamp >= 0) {
      times.push(pr.firstUnprocessedTimestamp);
      allDone = false;
      continue;
    }
    if (pr.lastProcessedTimestamp !== undefined && pr.lastProcessedTimestamp >= 0) {
      times.push(pr.lastProcessedTimestamp);
      allDone = false;
      continue;
    }
    if (pr.end !== undefined && pr.committedOffset >= pr.end) continue;
    return { reason: `primary gave no record timestamp around the committed offset of ${where}: no group-wide time` };
  }
  if (times.length === 0) {
    return allDone
      ? { end: true, note: `group had processed every record of ${topic} on the primary` }
      : { reason: 'no partition evidence' };
  }
  const time = Math.min(...times);
  return {
    time,
    note:
      `group-wide time of ${topic}: the oldest first-unprocessed (or last-processed) record time over ${times.length} primary partition(s)` +
      (fromSnapshots ? ` (${fromSnapshots} from drWatch snapshots)` : ''),
  };
}

export function groupTimes(evidence: GroupEvidence, options: PlanOptions): Map<string, GroupTime> {
  const out = new Map<string, GroupTime>();
  if (options.fidelity === undefined || supportsPerPartition(options.fidelity)) return out;
  for (const p of evidence.partitions)
    if (!out.has(p.topic)) out.set(p.topic, groupTimeOf(evidence.partitions, p.topic));
  return out;
}

/** `t - margin`, never before the epoch: a lookup at 0 already answers "the first record". */
function before(t: number, margin: number): number {
  return Math.max(0, t - margin);
}
