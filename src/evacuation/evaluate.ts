// Would an evacuation of this selection succeed now? The verdict of a periodic evaluation, judged from what the
// real run would refuse at start (selection, policy, blockers) and what each pair's drill found (reachable,
// replication healthy, a plan and its size). Pure: the workflow gathers the facts, this decides and words them.
import type { PairBlocker, PairFacts } from './types';

/** What a pair's drill (drDrill) answered: the fields the verdict reads. */
export interface DrillOutcome {
  healthy: boolean;
  findings: string[];
  plan?: {
    planId: string;
    groups: number;
    partitions: number;
    duplicateBound: number;
    untranslated: number;
    liveGroups: number;
  };
  rpo: { replicationLatencyMs: number | null; lagRecords: number | null };
  primaryReachable?: boolean;
}

export interface PairEvaluation {
  pair: string;
  tier: number;
  /** The drill run that checked the pair (listed by `kdr drills <pair>`), when one ran. */
  drill?: string;
  ok: boolean;
  /** Why the pair would not fail over with the evacuation; empty when it would. */
  why: string[];
  plan?: DrillOutcome['plan'];
  replicationLatencyMs: number | null;
  lagRecords: number | null;
}

export interface EvacuationVerdict {
  select: string;
  wouldSucceed: boolean;
  /** Why the evacuation as a whole would be refused at start (selection, policy, another evacuation). */
  problems: string[];
  pairs: PairEvaluation[];
  totals: { pairs: number; failing: number; groups: number; partitions: number; duplicateBound: number };
}

/** One pair's verdict from its drill (or the drill's failure) and what would refuse it at the evacuation's start. */
export function judgePair(
  facts: PairFacts,
  drill: { workflowId: string; outcome?: DrillOutcome; error?: string },
  blocker: PairBlocker | undefined,
): PairEvaluation {
  const why: string[] = [];
  if (blocker?.failedOver)
    why.push(`already failed over (${blocker.failedOver}): the evacuation would refuse to start`);
  if (blocker?.running.length)
    why.push(`a failover or failback is running (${blocker.running.join(', ')}): the evacuation would refuse to start`);
  const o = drill.outcome;
  if (!o) why.push(`its drill did not finish: ${drill.error ?? 'no result'}`);
  else {
    why.push(...o.findings);
    if (o.plan && o.plan.liveGroups > 0)
      why.push(`plan: ${o.plan.liveGroups} group(s) with live members on the secondary: the reset would block`);
    if (!o.plan && !o.findings.some((f) => f.startsWith('plan'))) why.push('plan: no failover plan could be made');
  }
  return {
    pair: facts.name,
    tier: facts.tier,
    drill: drill.workflowId,
    ok: why.length === 0,
    why,
    ...(o?.plan ? { plan: o.plan } : {}),
    replicationLatencyMs: o?.rpo.replicationLatencyMs ?? null,
    lagRecords: o?.rpo.lagRecords ?? null,
  };
}

export function evacuationVerdict(select: string, problems: string[], pairs: PairEvaluation[]): EvacuationVerdict {
  const sum = (f: (p: NonNullable<PairEvaluation['plan']>) => number) =>
    pairs.reduce((n, p) => n + (p.plan ? f(p.plan) : 0), 0);
  const failing = pairs.filter((p) => !p.ok).length;
  return {
    select,
    wouldSucceed: problems.length === 0 && failing === 0 && pairs.length > 0,
    problems: pairs.length === 0 && problems.length === 0 ? ['the selection has no pair'] : problems,
    pairs,
    totals: {
      pairs: pairs.length,
      failing,
      groups: sum((p) => p.groups),
      partitions: sum((p) => p.partitions),
      duplicateBound: sum((p) => p.duplicateBound),
    },
  };
}

/** The notification's lines: the evacuation's own problems, then each pair that would not succeed and why. */
export function verdictFindings(v: EvacuationVerdict, max = 20): string[] {
  const lines = [
    ...v.problems.map((p) => `evacuation: ${p}`),
    ...v.pairs
      .filter((p) => !p.ok)
      .map((p) => `pair ${p.pair} (tier ${p.tier}) would not succeed: ${p.why.join('; ')}`),
  ];
  return lines.length > max ? [...lines.slice(0, max - 1), `... and ${lines.length - max + 1} more`] : lines;
}

/** One line for the run's summary and `kdr evacuate --evaluate`. */
export function verdictLine(v: EvacuationVerdict): string {
  const size = `${v.totals.pairs} pair(s), ${v.totals.groups} group(s), ${v.totals.partitions} partition(s), duplicates <= ${v.totals.duplicateBound}`;
  return v.wouldSucceed
    ? `evacuation of ${v.select} would succeed now: ${size}`
    : `evacuation of ${v.select} would NOT succeed: ${v.totals.failing}/${v.totals.pairs} pair(s) failing` +
        `${v.problems.length ? `, ${v.problems.length} problem(s) at start` : ''}; ${size}`;
}
