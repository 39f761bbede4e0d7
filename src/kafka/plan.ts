// The offset plan: for every consumer group and partition, where the group resumes on the secondary.
// Pure functions over evidence gathered elsewhere (src/kafka/evidence.ts): no I/O, no clock, no node:crypto,
// so a workflow can import this module and recompute a plan id. The algorithm and its bound are documented
// in docs/offset-plan.md; keep the two in step.

import { describeProfile, effectiveProfile, supportsExactMatch, supportsPerPartition, type FidelityProfile } from './fidelity';
import { snapshotCandidate, timeOf, type SnapshotEvidence } from './plan-snapshot';
import { KdrError } from '../errors';

export type { SnapshotEvidence } from './plan-snapshot';

export type OffsetSource = 'matched' | 'snapshot' | 'checkpoint' | 'primary-timestamp' | 'group-timestamp' | 'operator-timestamp' | 'earliest';

/**
 * Preference order for ties (the highest proven-safe target wins; see choose()). `matched`
 * (the copy of the group's first unprocessed record, found by identity) is exact, so it comes first.
 */
export const SOURCE_ORDER: readonly OffsetSource[] = ['matched', 'snapshot', 'checkpoint', 'primary-timestamp', 'group-timestamp', 'operator-timestamp', 'earliest'];

/** Sources that map one primary partition onto the same secondary partition: only for a partition-preserving replicator. */
export const PER_PARTITION_SOURCES: readonly OffsetSource[] = ['matched', 'snapshot', 'checkpoint', 'primary-timestamp'];

/** The newest MirrorMaker 2 checkpoint for (group, topic, partition), read on the secondary. */
export interface CheckpointEvidence {
  upstreamOffset: number;
  downstreamOffset: number;
}

/** What the primary said about the group on one partition (absent when the primary does not answer). */
export interface PrimaryEvidence {
  /** Next offset the group would read on the primary; -1 when it never committed on this partition. */
  committedOffset: number;
  /** Log start and end offsets of the partition on the primary, when known. */
  earliest?: number;
  end?: number;
  /** Timestamp of the first record the group had not processed (the record at max(committed, earliest)). */
  firstUnprocessedTimestamp?: number;
  /** Timestamp of the last record the group processed (the record at committed - 1). */
  lastProcessedTimestamp?: number;
}

export interface PartitionEvidence {
  topic: string;
  partition: number;
  /**
   * Log start and end (high watermark) of the partition on the secondary; `replicatedEnd`, when known, is the
   * offset just past the newest replicated record (records after it were written on the secondary itself, after
   * the switch, and cannot be read again): the duplicate bound counts up to there. `firstNew`, when known, is the
   * first record written on the secondary itself after a planned switch (no group has processed it): no target
   * may pass it, whatever the source says (src/kafka/post-switch.ts).
   */
  secondary: { earliest: number; end: number; replicatedEnd?: number; firstNew?: number };
  /** The secondary offset of the copy of the record at the group's committed offset, proven by identity. */
  matched?: { offset: number; proof: string };
  /** Why the exact match was tried and not proven (absent when it was not tried). */
  unmatched?: string;
  checkpoint?: CheckpointEvidence;
  primary?: PrimaryEvidence;
  /** drWatch's last stored position of the group here (src/kafka/plan-snapshot.ts); read when the primary does not answer. */
  snapshot?: SnapshotEvidence;
  /**
   * Answers of the secondary to "earliest offset whose timestamp is >= t" for the timestamps that
   * `timestampQueries` asked for, keyed by String(t); null means no such record (the answer is the log end).
   */
  offsetsForTimes?: Record<string, number | null>;
}

export interface GroupEvidence {
  group: string;
  partitions: PartitionEvidence[];
  /** Members currently in the group on the secondary; a group with members cannot be reset. */
  liveMembersOnSecondary?: number;
}

export interface PlanOptions {
  /** How far before the translated time the group is sent back, in ms. */
  marginMs: number;
  /** The replication latency measured by connector-verify (max), in ms; the margin used is never below it. */
  replicationLatencyMs: number;
  /** "The group had processed everything before this time" (epoch ms), given by the operator. */
  operatorTimestamp?: number;
  /** Sources the operator allows (default: all four); `earliest` is always allowed as the last resort. */
  sources?: readonly OffsetSource[];
  /**
   * What the pair's replicator was measured to preserve (src/kafka/fidelity.ts). Absent = the replicator is
   * taken to keep partition, order, timestamps, keys, values and headers (MirrorMaker 2 with the identity policy,
   * as measured in test/connectors/mm2-preservation.test.ts); callers with an EventBridge pair must pass the
   * measured profile, or UNMEASURED_PROFILE, which allows only group-wide and operator sources.
   */
  fidelity?: FidelityProfile;
}

export interface PartitionTarget {
  topic: string;
  partition: number;
  offset: number;
  source: OffsetSource;
  /** The time the group was translated to (before the margin), for timestamp sources. */
  translatedTime?: number;
  /**
   * Upper bound on records the group will read again on this partition: every record between the target
   * and the secondary's log end, all of which may already have been processed.
   */
  duplicateBound: number;
  /** Records the group had not processed that the secondary no longer holds (retention); 0 normally. */
  missingOnSecondary: number;
  /** Why better sources were not used, and anything an operator should know. */
  notes: string[];
}

export interface UntranslatedPartition {
  topic: string;
  partition: number;
  reason: string;
}

export interface GroupPlan {
  group: string;
  partitions: PartitionTarget[];
  /** Sum of the partitions' duplicate bounds. */
  duplicateBound: number;
  /** Partitions placed at `earliest` because no source could translate them. */
  untranslated: UntranslatedPartition[];
  liveMembersOnSecondary: number;
}

export interface OffsetPlan {
  /** FNV-1a 64 over the canonical JSON of everything below; an approval names it. */
  planId: string;
  marginMs: number;
  /** The replication fidelity the plan relied on, with a one-line description (absent: full preservation assumed). */
  fidelity?: FidelityProfile & { description: string };
  groups: GroupPlan[];
}

export interface TimestampQuery {
  topic: string;
  partition: number;
  timestamp: number;
}

export class PlanInputError extends KdrError {
  override name = 'PlanInputError';
  readonly retryable = false;
}

export class EvidenceIncompleteError extends KdrError {
  override name = 'EvidenceIncompleteError';
  readonly retryable = true;
}

/** The margin actually used: never below the measured replication latency. */
export function effectiveMarginMs(options: PlanOptions): number {
  validateOptions(options);
  return Math.max(options.marginMs, Math.ceil(options.replicationLatencyMs));
}

function validateOptions(options: PlanOptions): void {
  if (!Number.isFinite(options.marginMs) || options.marginMs < 0) {
    throw new PlanInputError(`plan option marginMs=${options.marginMs} is invalid: give a number of milliseconds >= 0`);
  }
  if (!Number.isFinite(options.replicationLatencyMs) || options.replicationLatencyMs < 0) {
    throw new PlanInputError(
      `plan option replicationLatencyMs=${options.replicationLatencyMs} is invalid: give the measured latency in ms (>= 0)`);
  }
  if (options.operatorTimestamp !== undefined && !Number.isFinite(options.operatorTimestamp)) {
    throw new PlanInputError(`plan option operatorTimestamp=${options.operatorTimestamp} is invalid: give epoch milliseconds`);
  }
  for (const s of options.sources ?? []) {
    if (!SOURCE_ORDER.includes(s)) {
      throw new PlanInputError(`plan option sources contains "${s}": allowed are ${SOURCE_ORDER.join(', ')}`);
    }
  }
}

function validatePartition(group: string, p: PartitionEvidence): void {
  const where = `group ${group} ${p.topic}[${p.partition}]`;
  const { earliest, end } = p.secondary;
  if (!Number.isInteger(earliest) || !Number.isInteger(end) || earliest < 0 || end < earliest) {
    throw new PlanInputError(`${where}: secondary offsets earliest=${earliest} end=${end} are invalid (need 0 <= earliest <= end)`);
  }
  const { firstNew } = p.secondary;
  if (firstNew !== undefined && (!Number.isInteger(firstNew) || firstNew < 0 || firstNew > end)) {
    throw new PlanInputError(`${where}: secondary firstNew=${firstNew} is invalid (need 0 <= firstNew <= end ${end})`);
  }
}

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
function choose(p: PartitionEvidence, options: PlanOptions, margin: number, groupTime?: GroupTime): Candidate[] {
  const notes: string[] = [];
  const primary = p.primary;

  if (options.fidelity !== undefined && !supportsPerPartition(options.fidelity)) {
    // The replicator moves records between partitions (or reorders them): a primary partition's position says
    // nothing about the same-numbered secondary partition. Only group-wide times and the operator's time apply.
    notes.push(`per-partition sources not used: ${describeProfile(options.fidelity)}`);
    if (allowed(options, 'group-timestamp')) {
      if (groupTime && 'time' in groupTime) {
        return [{ kind: 'time', source: 'group-timestamp', translatedTime: groupTime.time, lookupTime: before(groupTime.time, margin), notes: [...notes, groupTime.note] }];
      }
      if (groupTime && 'end' in groupTime) return [{ kind: 'end', source: 'group-timestamp', notes: [...notes, groupTime.note] }];
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
      notes.push(`checkpoint (upstream ${cp.upstreamOffset}) is ahead of the primary's committed offset ${primary.committedOffset}`);
    } else if (cp.downstreamOffset > p.secondary.end) {
      notes.push(`checkpoint downstream offset ${cp.downstreamOffset} is past the secondary log end ${p.secondary.end}`);
    } else {
      if (primary && primary.committedOffset > cp.upstreamOffset) {
        notes.push(`checkpoint is behind the primary's commit by ${primary.committedOffset - cp.upstreamOffset} offsets (re-read)`);
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
      found.push({ kind: 'time', source: 'primary-timestamp', translatedTime: t, lookupTime: before(t, margin), notes: [] });
    } else if (primary.lastProcessedTimestamp !== undefined && primary.lastProcessedTimestamp >= 0) {
      // Group at the primary's log end: what it had not processed comes after its last record, in time too
      // unless timestamps go backwards by more than the margin.
      const t = primary.lastProcessedTimestamp;
      found.push({ kind: 'time', source: 'primary-timestamp', translatedTime: t, lookupTime: before(t, margin), notes: ['group was at the primary log end: translated from its last processed record'] });
    } else if (primary.end !== undefined && primary.committedOffset >= primary.end) {
      // Nothing on the primary is left to read and no record remains to date it: every record ever written
      // there has an offset below the commit, so every copy on the secondary was processed.
      found.push({ kind: 'end', source: 'primary-timestamp', notes: ['group had processed every record of the primary partition (no record left to take a time from)'] });
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
      '(run the lookups from timestampQueries() with the same options before planGroup())');
  }
  const answer = answers[key];
  return answer === null || answer === undefined ? p.secondary.end : answer;
}

/** The highest target among proven-safe candidates (ties: the earlier source in SOURCE_ORDER), with why. */
function best(group: string, p: PartitionEvidence, candidates: Candidate[]): { pick: Candidate; raw: number; note?: string } {
  const placed = candidates.map((c) => ({ c, raw: rawOffset(group, p, c) }));
  let top = placed[0];
  for (const x of placed.slice(1)) if (x.raw > top.raw) top = x;
  if (placed.length < 2) return { pick: top.c, raw: top.raw };
  const others = placed.filter((x) => x !== top).map((x) => `${x.c.source} ${x.raw}`).join(', ');
  return { pick: top.c, raw: top.raw, note: `best of ${placed.length} proven-safe sources: ${top.c.source} ${top.raw} (also ${others})` };
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
type GroupTime = { time: number; note: string } | { end: true; note: string } | { reason: string };

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
    if (!pr && p.snapshot) { times.push(timeOf(p.snapshot)); allDone = false; fromSnapshots++; continue; }
    if (!pr) return { reason: `primary did not answer for ${where}: no group-wide time` };
    if (pr.committedOffset < 0) return { reason: `no committed offset on the primary for ${where}: no group-wide time` };
    if (pr.firstUnprocessedTimestamp !== undefined && pr.firstUnprocessedTimestamp >= 0) { times.push(pr.firstUnprocessedTimestamp); allDone = false; continue; }
    if (pr.lastProcessedTimestamp !== undefined && pr.lastProcessedTimestamp >= 0) { times.push(pr.lastProcessedTimestamp); allDone = false; continue; }
    if (pr.end !== undefined && pr.committedOffset >= pr.end) continue;
    return { reason: `primary gave no record timestamp around the committed offset of ${where}: no group-wide time` };
  }
  if (times.length === 0) {
    return allDone ? { end: true, note: `group had processed every record of ${topic} on the primary` } : { reason: 'no partition evidence' };
  }
  const time = Math.min(...times);
  return { time, note: `group-wide time of ${topic}: the oldest first-unprocessed (or last-processed) record time over ${times.length} primary partition(s)` +
    (fromSnapshots ? ` (${fromSnapshots} from drWatch snapshots)` : '') };
}

function groupTimes(evidence: GroupEvidence, options: PlanOptions): Map<string, GroupTime> {
  const out = new Map<string, GroupTime>();
  if (options.fidelity === undefined || supportsPerPartition(options.fidelity)) return out;
  for (const p of evidence.partitions) if (!out.has(p.topic)) out.set(p.topic, groupTimeOf(evidence.partitions, p.topic));
  return out;
}

/** `t - margin`, never before the epoch: a lookup at 0 already answers "the first record". */
function before(t: number, margin: number): number {
  return Math.max(0, t - margin);
}

/** The secondary offset-for-time lookups `planGroup` will need for this evidence (deduplicated). */
export function timestampQueries(groups: readonly GroupEvidence[], options: PlanOptions): TimestampQuery[] {
  const margin = effectiveMarginMs(options);
  const seen = new Set<string>();
  const out: TimestampQuery[] = [];
  for (const g of groups) {
    const times = groupTimes(g, options);
    for (const p of g.partitions) {
      validatePartition(g.group, p);
      for (const c of choose(p, options, margin, times.get(p.topic))) {
        if (c.kind !== 'time') continue;
        const key = `${p.topic}\u0000${p.partition}\u0000${c.lookupTime}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ topic: p.topic, partition: p.partition, timestamp: c.lookupTime });
      }
    }
  }
  return out;
}

function clampToLog(offset: number, p: PartitionEvidence, notes: string[]): { offset: number; missing: number } {
  const { earliest, end } = p.secondary;
  if (offset < earliest) {
    notes.push(`target ${offset} is below the secondary log start ${earliest}: ${earliest - offset} records are gone (retention)`);
    return { offset: earliest, missing: earliest - offset };
  }
  if (offset > end) return { offset: end, missing: 0 };
  return { offset, missing: 0 };
}

export function planPartition(group: string, p: PartitionEvidence, options: PlanOptions, groupTime?: GroupTime): PartitionTarget {
  validatePartition(group, p);
  const margin = effectiveMarginMs(options);
  const { pick: c, raw, note } = best(group, p, choose(p, options, margin, groupTime));
  const notes = [...c.notes, ...(note ? [note] : [])];
  const translatedTime = c.kind === 'time' ? c.translatedTime : undefined;
  const clamped = clampToLog(raw, p, notes);
  const { missing } = clamped;
  let { offset } = clamped;
  const firstNew = p.secondary.firstNew;
  if (firstNew !== undefined && offset > firstNew) {
    // Applications wrote there after the switch, between the copies: starting later would skip their records.
    notes.push(`records written on the secondary after the switch start at ${firstNew}, before the translated ${offset}: ` +
      `the group starts there (up to ${offset - firstNew} copies read again)`);
    offset = Math.max(firstNew, p.secondary.earliest);
  }
  return {
    topic: p.topic,
    partition: p.partition,
    offset,
    source: c.source,
    ...(translatedTime !== undefined ? { translatedTime } : {}),
    duplicateBound: Math.max(0, (p.secondary.replicatedEnd ?? p.secondary.end) - offset),
    missingOnSecondary: missing,
    notes,
  };
}

function byTopicPartition(a: { topic: string; partition: number }, b: { topic: string; partition: number }): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}

export function planGroup(evidence: GroupEvidence, options: PlanOptions): GroupPlan {
  if (!evidence.group) throw new PlanInputError('group evidence has an empty group id');
  const seen = new Set<string>();
  for (const p of evidence.partitions) {
    const key = `${p.topic}\u0000${p.partition}`;
    if (seen.has(key)) throw new PlanInputError(`group ${evidence.group}: ${p.topic}[${p.partition}] appears twice in the evidence`);
    seen.add(key);
  }
  const times = groupTimes(evidence, options);
  const partitions = [...evidence.partitions].sort(byTopicPartition).map((p) => planPartition(evidence.group, p, options, times.get(p.topic)));
  return {
    group: evidence.group,
    partitions,
    duplicateBound: partitions.reduce((sum, t) => sum + t.duplicateBound, 0),
    untranslated: partitions
      .filter((t) => t.source === 'earliest')
      .map((t) => ({ topic: t.topic, partition: t.partition, reason: t.notes.join('; ') || 'no source' })),
    liveMembersOnSecondary: evidence.liveMembersOnSecondary ?? 0,
  };
}

export function makePlan(groups: readonly GroupEvidence[], options: PlanOptions): OffsetPlan {
  const seen = new Set<string>();
  for (const g of groups) {
    if (seen.has(g.group)) throw new PlanInputError(`group ${g.group} appears twice in the evidence`);
    seen.add(g.group);
  }
  const planned = [...groups].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0))
    .map((g) => planGroup(g, options));
  const fidelity = options.fidelity === undefined ? undefined
    : { ...effectiveProfile(options.fidelity), description: describeProfile(options.fidelity) };
  const body = { marginMs: effectiveMarginMs(options), groups: planned, ...(fidelity ? { fidelity } : {}) };
  return { planId: planIdOf(body), ...body };
}

/** Recomputes the id of a plan's content (ignores the stored planId), e.g. to check an approval. */
export function planIdOf(plan: { marginMs: number; groups: readonly GroupPlan[]; fidelity?: OffsetPlan['fidelity'] }): string {
  return fnv1a64Hex(canonicalJson({ marginMs: plan.marginMs, groups: plan.groups, fidelity: plan.fidelity }));
}

/** JSON with object keys sorted at every level, so equal content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new PlanInputError(`cannot hash non-finite number ${value}`);
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/**
 * FNV-1a 64-bit over the UTF-8 bytes of `text`, as 16 hex digits. The 64-bit state is kept in four 16-bit
 * limbs so every step is exact double arithmetic: a 10,000-group plan hashes megabytes, and BigInt per byte
 * took seconds. The prime is 2^40 + 0x1b3.
 */
export function fnv1a64Hex(text: string): string {
  const bytes = new TextEncoder().encode(text);
  // 0xcbf29ce484222325, low limb first.
  let h0 = 0x2325, h1 = 0x8422, h2 = 0x9ce4, h3 = 0xcbf2;
  for (let i = 0; i < bytes.length; i++) {
    h0 ^= bytes[i];
    // h * 0x1b3 + (h << 40), limb by limb with carries.
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3 + (t0 >>> 16);
    const t2 = h2 * 0x1b3 + (h0 << 8) + (t1 >>> 16);
    const t3 = h3 * 0x1b3 + (h1 << 8) + (t2 >>> 16);
    h0 = t0 & 0xffff;
    h1 = t1 & 0xffff;
    h2 = t2 & 0xffff;
    h3 = t3 & 0xffff;
  }
  const hex = (n: number) => n.toString(16).padStart(4, '0');
  return hex(h3) + hex(h2) + hex(h1) + hex(h0);
}
