// The periodic evaluation of an evacuation (drEvaluateEvacuation, `kdr evacuate --evaluate --every 30m`): the same
// selection as drEvacuate, judged by one drill per pair, changing nothing. Pure (zod only): workflows import it.
import { z } from 'zod';
import { duration, integer, listOf } from './fields';
import { personName } from './identity';
import { EvacuationSetSchema, DEFAULT_EVACUATION_PARALLEL, type EvacuationSet } from './evacuation';

export const EvaluateEvacuationInputSchema = z.strictObject({
  /** What would be evacuated: the sets `kdr evacuate` takes (a pair in two sets is a finding, as it is refused). */
  select: listOf(EvacuationSetSchema, 'selection sets { "zone" | "region" | "label" | "pairs" }', 1, 20),
  /** Who scheduled (or asked for) the evaluation. */
  requestedBy: personName('who schedules the evaluation'),
  /** Drills run at once (each reads both clusters and writes a few canary records). */
  parallel: integer(1, 64).default(DEFAULT_EVACUATION_PARALLEL),
});
export type EvaluateEvacuationInput = z.output<typeof EvaluateEvacuationInputSchema>;

/** At least every 5 minutes' worth of drills would overlap themselves; at most once a week is still a schedule. */
export const MIN_EVALUATION_INTERVAL_MS = 5 * 60_000;
export const MAX_EVALUATION_INTERVAL_MS = 7 * 86_400_000;

/** What `kdr evacuate --evaluate --every <interval>` sends, checked before the schedule is created. */
export const EvaluationScheduleSchema = z.strictObject({
  every: duration(MIN_EVALUATION_INTERVAL_MS, MAX_EVALUATION_INTERVAL_MS),
  input: EvaluateEvacuationInputSchema,
});

/** The selection as an id fragment: one schedule per selection, so two zones have two schedules. */
export function selectionSlug(select: EvacuationSet[]): string {
  return select
    .map((s) =>
      s.region !== undefined
        ? `region-${s.region}`
        : s.zone !== undefined
          ? `zone-${s.zone}`
          : s.label !== undefined
            ? `label-${s.label}`
            : `pairs-${(s.pairs ?? []).join('.')}`,
    )
    .join('+')
    .replace(/[^a-z0-9.+-]/g, '-')
    .slice(0, 200);
}

/** The Temporal Schedule of a selection's evaluations (a schedule id: its runs are `<workflow id>-<time>`). */
export const evaluationScheduleId = (select: EvacuationSet[]): string =>
  `kdr-evacuate-evaluate-${selectionSlug(select)}`;
/** The evaluation run's id (a schedule appends the time; `kdr evacuate --evaluate` appends its own). */
export const evaluationWorkflowId = (select: EvacuationSet[]): string =>
  `dr-evacuate-evaluate-${selectionSlug(select)}`;
