// The offset plan: for every consumer group and partition, where the group resumes on the secondary.
// Pure functions over evidence gathered elsewhere (src/kafka/evidence.ts): no I/O, no clock, no node:crypto,
// so a workflow could import it. The algorithm and its bound are documented
// in docs/offset-plan.md; keep the two in step. The sources weighed per partition are in sources.ts.

import { describeProfile, effectiveProfile } from '../kafka/fidelity';
import { planIdOf } from './id';
import { effectiveMarginMs, PlanInputError, validatePartition } from './inputs';
import { best, choose, groupTimes, type GroupTime } from './sources';
import type {
  GroupEvidence,
  GroupPlan,
  OffsetPlan,
  PartitionEvidence,
  PartitionTarget,
  PlanOptions,
  TimestampQuery,
} from './types';

export type { SnapshotEvidence } from './snapshot';
export * from './types';
export { EvidenceIncompleteError, PlanInputError, effectiveMarginMs } from './inputs';
export { canonicalJson, planHash, planIdOf } from './id';

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
    notes.push(
      `target ${offset} is below the secondary log start ${earliest}: ${earliest - offset} records are gone (retention)`,
    );
    return { offset: earliest, missing: earliest - offset };
  }
  if (offset > end) return { offset: end, missing: 0 };
  return { offset, missing: 0 };
}

export function planPartition(
  group: string,
  p: PartitionEvidence,
  options: PlanOptions,
  groupTime?: GroupTime,
): PartitionTarget {
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
    notes.push(
      `records written on the secondary after the switch start at ${firstNew}, before the translated ${offset}: ` +
        `the group starts there (up to ${offset - firstNew} copies read again)`,
    );
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
    if (seen.has(key))
      throw new PlanInputError(`group ${evidence.group}: ${p.topic}[${p.partition}] appears twice in the evidence`);
    seen.add(key);
  }
  const times = groupTimes(evidence, options);
  const partitions = [...evidence.partitions]
    .sort(byTopicPartition)
    .map((p) => planPartition(evidence.group, p, options, times.get(p.topic)));
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
  const planned = [...groups]
    .sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0))
    .map((g) => planGroup(g, options));
  const fidelity =
    options.fidelity === undefined
      ? undefined
      : { ...effectiveProfile(options.fidelity), description: describeProfile(options.fidelity) };
  const body = { marginMs: effectiveMarginMs(options), groups: planned, ...(fidelity ? { fidelity } : {}) };
  return { planId: planIdOf(body), ...body };
}
