// The planner's result as the plan a run carries: per group its targets and duplicate bound, with totals; the
// per-partition notes stay in the activity's result only (they are large and read by no step).
import type { FailoverPlan, GroupTarget } from './model';
import type { OffsetPlan, OffsetSource } from './types';

/** The planner's result as the plan the run carries: per group its targets and bound (per-partition notes stay in the activity). */
export function compactPlan(
  plan: OffsetPlan,
  meta: Pick<FailoverPlan, 'pair' | 'latencyMs' | 'primaryReachable'> &
    Partial<Pick<FailoverPlan, 'fidelity' | 'snapshot' | 'deadLetter'>>,
): FailoverPlan {
  const sources: Partial<Record<OffsetSource, number>> = {};
  const groups: GroupTarget[] = plan.groups.map((g) => {
    for (const p of g.partitions) sources[p.source] = (sources[p.source] ?? 0) + 1;
    return {
      group: g.group,
      duplicateBound: g.duplicateBound,
      liveMembers: g.liveMembersOnSecondary,
      offsets: g.partitions.map((p): [string, number, number, OffsetSource] => [
        p.topic,
        p.partition,
        p.offset,
        p.source,
      ]),
      untranslated: g.untranslated,
    };
  });
  return {
    planId: plan.planId,
    pair: meta.pair,
    marginMs: plan.marginMs,
    latencyMs: meta.latencyMs,
    ...(meta.fidelity ? { fidelity: meta.fidelity } : {}),
    primaryReachable: meta.primaryReachable,
    ...(meta.snapshot ? { snapshot: meta.snapshot } : {}),
    ...(meta.deadLetter ? { deadLetter: meta.deadLetter } : {}),
    totals: {
      groups: groups.length,
      partitions: groups.reduce((n, g) => n + g.offsets.length, 0),
      duplicateBound: groups.reduce((n, g) => n + g.duplicateBound, 0),
      untranslated: groups.reduce((n, g) => n + g.untranslated.length, 0),
      liveGroups: groups.filter((g) => g.liveMembers > 0).length,
      sources,
    },
    groups,
  };
}
