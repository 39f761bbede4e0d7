// drEvaluateEvacuation: would an evacuation of this selection succeed now? Run on a schedule (kdr evacuate --evaluate
// --every 30m), like AWS ARC's plan evaluation. It judges what drEvacuate would refuse at start (the selection, the
// evacuation policy against each member's, pairs already failed over or busy, another evacuation) and runs each
// pair's drill (drDrill: replication checked with canaries, the failover plan and its size) as a child. It changes
// nothing and never blocks (a run waiting for an operator would make the schedule skip every later one). When the
// evacuation would not succeed it sends ONE notification, naming each pair and why; the verdict is its result.
import { executeChild, proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { validate } from '../src/config';
import { looserThan, tightestOf, EVACUATION_SUBJECT } from '../src/config/evacuation';
import { EvaluateEvacuationInputSchema } from '../src/config/evacuation-evaluate';
import { blockerProblems, describeSelection, selectPairs } from '../src/evacuation/select';
import {
  evacuationVerdict,
  judgePair,
  verdictFindings,
  type DrillOutcome,
  type EvacuationVerdict,
  type PairEvaluation,
} from '../src/evacuation/evaluate';
import type { PairBlocker, PairFacts } from '../src/evacuation/types';
import type { KdrActivities } from '../activities';
import { describeFailure, DrPairKey, DrPhaseKey, stepFailure } from './runner';
import type { drDrill } from './dr-drill';

// Few attempts, as a drill: an evaluation reports a broken dependency within minutes.
const { evacuationInventory, evacuationBlockers } = proxyActivities<KdrActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30s',
  retry: { maximumAttempts: 3, initialInterval: '2s' },
});
const { reportEvacuationEvents, recordEvacuationVerdict } = proxyActivities<KdrActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 2, initialInterval: '1s' },
});

/** A drill that hangs (a cluster that never answers) is a finding, not a stuck evaluation. */
const DRILL_TIMEOUT = '30 minutes';

export interface EvaluationResult extends EvacuationVerdict {
  requestedBy: string;
  /** Who was told (only when the evacuation would not succeed). */
  notified?: string;
  startedAt: string;
  endedAt: string;
}

export async function drEvaluateEvacuation(raw: unknown): Promise<EvaluationResult> {
  const checked = validate(EvaluateEvacuationInputSchema, raw);
  if (!checked.ok) throw stepFailure('InvalidInput', checked.message);
  const input = checked.value;
  const self = workflowInfo().workflowId;
  const startedAt = new Date().toISOString();
  const select = describeSelection(input.select);
  upsertSearchAttributes([
    { key: DrPairKey, value: EVACUATION_SUBJECT },
    { key: DrPhaseKey, value: 'evaluation-running' },
  ]);

  const problems: string[] = [];
  let pairs: PairFacts[] = [];
  let blockers: PairBlocker[] = [];
  try {
    const inventory = await evacuationInventory();
    const selected = selectPairs(input.select, inventory.pairs);
    if (!selected.ok) problems.push(...selected.problems);
    else pairs = selected.pairs;
    if (pairs.length) {
      const base = inventory.policy ?? tightestOf(pairs.map((p) => p.approval));
      problems.push(...pairs.flatMap((p) => looserThan(base, p.name, p.approval)));
      const b = await evacuationBlockers(pairs.map((p) => p.name));
      blockers = b.blockers;
      if (b.evacuations.length)
        problems.push(`another evacuation is running (${b.evacuations.join(', ')}): a second one would be refused`);
      // Pair-level blockers are said on their pair; the evacuation-level line is what the real start would say.
      if (blockerProblems(blockers).length) problems.push(...blockerProblems(blockers));
    }
  } catch (err) {
    problems.push(`the pairs could not be read: ${describeFailure(err)}`);
  }

  // One drill per pair, `parallel` at a time, in run order (tier 1 first).
  const judged = new Map<string, PairEvaluation>();
  const queue = [...pairs];
  const drillOne = async (p: PairFacts) => {
    const workflowId = `${self}-${p.name}`;
    let drill: { workflowId: string; outcome?: DrillOutcome; error?: string };
    try {
      const outcome = await executeChild<typeof drDrill>('drDrill', {
        workflowId,
        args: [{ pair: p.name, notify: false }],
        workflowRunTimeout: DRILL_TIMEOUT,
      });
      drill = { workflowId, outcome };
    } catch (err) {
      drill = { workflowId, error: describeFailure(err) };
    }
    judged.set(
      p.name,
      judgePair(
        p,
        drill,
        blockers.find((b) => b.pair === p.name),
      ),
    );
  };
  await Promise.all(
    Array.from({ length: Math.min(input.parallel, queue.length) }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await drillOne(next);
    }),
  );

  const verdict = evacuationVerdict(
    select,
    problems,
    pairs.map((p) => judged.get(p.name)!),
  );
  const result: EvaluationResult = {
    ...verdict,
    requestedBy: input.requestedBy,
    startedAt,
    endedAt: startedAt,
  };
  // The metrics endpoint keeps the last verdict per selection: an alert on it, besides the one notification.
  await recordEvacuationVerdict(select, verdict.wouldSucceed, verdict.totals.failing).catch(() => undefined);
  if (!verdict.wouldSucceed) {
    try {
      const o = await reportEvacuationEvents([
        {
          event: {
            runbook: 'drEvaluateEvacuation',
            pair: select,
            kind: 'drill-failed',
            findings: verdictFindings(verdict),
            duplicateBound: verdict.totals.duplicateBound,
            failing: verdict.pairs.filter((p) => !p.ok).map((p) => p.pair),
          },
        },
      ]);
      result.notified =
        [
          o.sent.length ? `sent to ${o.sent.join(', ')}` : '',
          o.failed.length ? `FAILED ${o.failed.map((f) => f.error).join('; ')}` : '',
        ]
          .filter(Boolean)
          .join('; ') || 'no targets';
    } catch (err) {
      result.notified = `not reported: ${describeFailure(err)}`;
    }
  }
  result.endedAt = new Date().toISOString();
  upsertSearchAttributes([
    { key: DrPhaseKey, value: verdict.wouldSucceed ? 'evaluation-passed' : 'evaluation-failed' },
  ]);
  return result;
}
