// Metrics per evacuation (drEvacuate), fed by the two activities every evacuation already calls: its notifications
// (started, ended) and its progress reads (each member's row). No activity is added to the evacuation's history for
// them. Gauges are labelled by the evacuation's workflow id and computed at scrape time, so the RTO grows between
// reads until every pair has switched (or ended), then stays. A new run under the same id replaces the old figures.
import type { RunEvent } from '../notify/events';
import type { PairRow } from '../evacuation/types';
import { registry } from './kdr';

type PairState = 'waiting' | 'switched' | 'done' | 'blocked' | 'failed';
const STATES: PairState[] = ['waiting', 'switched', 'done', 'blocked', 'failed'];

interface Evacuation {
  runId: string;
  startedAt: number;
  dryRun: boolean;
  selected: string[];
  pairs: Map<string, PairState>;
  /** Pairs whose CNAME switched, or that ended: the RTO stops when every selected pair is one. */
  over: Set<string>;
  allSwitchedAt?: number;
  endedAt?: number;
}

const evacuations = new Map<string, Evacuation>();

const total = registry.counter(
  'kdr_evacuations_total',
  'Evacuations (drEvacuate) by event: started, completed, aborted, rejected; dry_run says whether it was a practice',
);
registry.computed(
  'kdr_evacuation_pairs',
  'Pairs of the evacuation by state: selected, and waiting (not switched yet), switched, done, blocked, failed',
  () =>
    [...evacuations].flatMap(([evacuation, e]) => [
      [{ evacuation, state: 'selected' }, e.selected.length] as [Record<string, string>, number],
      ...STATES.map((state): [Record<string, string>, number] => [
        { evacuation, state },
        [...e.pairs.values()].filter((s) => s === state).length,
      ]),
    ]),
);
registry.computed(
  'kdr_evacuation_rto_seconds',
  'From the start of the evacuation to the last CNAME switched (or to now, while some are not): the RTO so far',
  (now) =>
    [...evacuations]
      .filter(([, e]) => !e.dryRun)
      .map(([evacuation, e]) => [
        { evacuation },
        Math.max(0, (e.allSwitchedAt ?? e.endedAt ?? now) - e.startedAt) / 1000,
      ]),
);

function stateOf(r: PairRow): PairState {
  if (r.ended) return r.ended.outcome === 'completed' ? 'done' : 'failed';
  if (r.blocked) return 'blocked';
  return r.switched ? 'switched' : 'waiting';
}

/** An event the evacuation reported (its own, or about a member when `member` is set). */
export function observeEvacuationEvent(
  run: { workflowId: string; runId: string },
  event: RunEvent,
  member: string | undefined,
  now: number,
): void {
  if (event.runbook !== 'drEvacuate' || member !== undefined) return;
  const evacuation = run.workflowId;
  // A retried report counts once.
  if (event.kind === 'evacuation-started') {
    if (evacuations.get(evacuation)?.runId === run.runId) return;
    total.inc({ event: 'started', dry_run: String(event.dryRun) });
    evacuations.set(evacuation, {
      runId: run.runId,
      startedAt: now,
      dryRun: event.dryRun,
      selected: [...event.pairs],
      pairs: new Map(event.pairs.map((p) => [p, 'waiting'])),
      over: new Set(),
    });
    return;
  }
  if (event.kind === 'run-completed' || event.kind === 'run-aborted' || event.kind === 'run-rejected') {
    const e = evacuations.get(evacuation);
    if (e?.runId === run.runId && e.endedAt !== undefined) return;
    total.inc({ event: event.kind.slice(4), dry_run: String(e?.dryRun ?? false) });
    if (e?.runId === run.runId) e.endedAt = now;
  }
}

/** The members' rows as the evacuation's progress read them. */
export function observeEvacuationRows(run: { workflowId: string; runId: string }, rows: PairRow[], now: number): void {
  const e = evacuations.get(run.workflowId);
  if (!e || e.runId !== run.runId) return;
  for (const r of rows) {
    e.pairs.set(r.pair, stateOf(r));
    if (r.switched || r.ended) e.over.add(r.pair);
  }
  if (e.allSwitchedAt === undefined && e.pairs.size > 0 && [...e.pairs.keys()].every((p) => e.over.has(p)))
    e.allSwitchedAt = now;
}

const wouldSucceed = registry.gauge(
  'kdr_evacuation_evaluation_would_succeed',
  'Last periodic evaluation of the evacuation of a selection (drEvaluateEvacuation): 1 it would succeed, 0 not',
);
const failingPairs = registry.gauge(
  'kdr_evacuation_evaluation_failing_pairs',
  'Last periodic evaluation: pairs of the selection that would not fail over with the evacuation',
);
const evaluatedAt = registry.gauge(
  'kdr_evacuation_evaluation_timestamp_seconds',
  'When this worker recorded the last evaluation of the selection (alert when it is older than the schedule)',
);

/** A periodic evaluation's verdict (workflows/evaluate-evacuation.ts), by selection. */
export function observeEvaluation(selection: string, v: { wouldSucceed: boolean; failing: number }, now: number): void {
  wouldSucceed.set({ selection }, v.wouldSucceed ? 1 : 0);
  failingPairs.set({ selection }, v.failing);
  evaluatedAt.set({ selection }, now / 1000);
}
