// What drEvacuate's `evacuation` query answers, and the pairs table it appends to the plan it shows.
import type { EvacuateInput } from '../../src/config/evacuation';
import { tableText } from '../../src/evacuation/plan';
import type { EvacuationPlan, EvacuationView, PairRow } from '../../src/evacuation/types';

export interface EvacuationState {
  self: string;
  phase: string;
  input: EvacuateInput;
  select: string;
  startedAt: number;
  approvedAt: number | undefined;
  approvedBy: string[];
  plan: EvacuationPlan | undefined;
  released: Record<string, string>;
  rows: PairRow[];
  allSwitchedAt: number | undefined;
}

export function evacuationView(s: EvacuationState): EvacuationView {
  const { rows } = s;
  const switched = rows.filter((r) => r.switched).length;
  const allSwitched = rows.length > 0 && rows.every((r) => r.switched || (r.ended && r.ended.outcome !== 'running'));
  return {
    workflowId: s.self,
    phase: s.phase,
    dryRun: s.input.dryRun,
    select: s.select,
    parallel: s.input.parallel,
    requestedBy: s.input.requestedBy,
    startedAt: new Date(s.startedAt).toISOString(),
    ...(s.approvedAt ? { approvedAt: new Date(s.approvedAt).toISOString() } : {}),
    approvedBy: s.approvedBy,
    planId: s.plan?.planId,
    released: { ...s.released },
    rows,
    rto: { sinceMs: (s.allSwitchedAt ?? Date.now()) - s.startedAt, allSwitched, switched, of: rows.length },
  };
}

/** The pairs table under the plan's markdown: RTO so far, CNAMEs switched, one line per pair. */
export function pairsTable(v: EvacuationView, rows: PairRow[]): string {
  return [
    '',
    `#### Pairs (RTO so far ${Math.round(v.rto.sinceMs / 1000)} s; ${v.rto.switched}/${v.rto.of} CNAME(s) switched)`,
    '',
    '```',
    ...tableText(rows),
    '```',
  ].join('\n');
}

/** The failover step's line while members are still open: who is blocked (and the resolve to run), who waits. */
export function waitingSummary(rows: PairRow[]): string {
  const open = rows.filter((r) => !r.ended);
  return (
    `${rows.filter((r) => r.ended?.outcome === 'completed').length}/${rows.length} pair(s) done; waiting for ` +
    open
      .map(
        (r) =>
          `${r.pair} (${r.blocked ? `BLOCKED at ${r.blocked.step}: kdr resolve ${r.workflowId} retry` : (r.waitingFor ?? r.phase)})`,
      )
      .join(', ')
  );
}

/** The report step's line: pairs failed over, the RTO, and the pairs that did not complete. */
export function reportSummary(
  rows: PairRow[],
  completed: number,
  startedAt: number,
  approvedAt: number,
  allSwitchedAt: number,
): string {
  return (
    `${completed}/${rows.length} pair(s) failed over; RTO ${Math.round((allSwitchedAt - startedAt) / 1000)} s ` +
    `(approval to last switch ${Math.round((allSwitchedAt - approvedAt) / 1000)} s)` +
    (completed < rows.length
      ? `; not completed: ${rows
          .filter((r) => r.ended?.outcome !== 'completed')
          .map((r) => `${r.pair} (${r.ended?.outcome})`)
          .join(', ')}`
      : '')
  );
}

/** Each pair's outcome in the run's result. */
export function pairOutcomes(rows: PairRow[], released: Record<string, string>) {
  return rows.map((r) => ({
    pair: r.pair,
    tier: r.tier,
    workflowId: r.workflowId,
    outcome: r.ended?.outcome ?? r.phase,
    planId: released[r.pair] ?? r.planId ?? null,
    duplicateBound: r.plan?.duplicateBound ?? null,
    mode: r.plan?.mode ?? null,
    switched: r.switched,
  }));
}
