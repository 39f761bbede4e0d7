import { pollUntil, stepFailure } from '../runner';
import { startWatch, stopWatch } from '../watch-start';
import { recordPairState } from '../pair-state';
import type { FailbackContext } from './steps';
import { verifyDirection } from './verify-direction';
import { acts } from '../acts';

/** Forward replication again, verified, and the forward watch: the end of every switch-back, and idempotent. */
export async function restoreForward(
  { run, input, pair, reverse }: FailbackContext,
  preSwitchEnds: [string, number, number][] | null,
) {
  const restored = await run.step('restore-forward', async (step) => {
    const { restoreForward: restore, replicationState } = acts(step);
    const r = await restore(pair, { exportSuffix: input.exportSuffix, preSwitchEnds });
    const state = await pollUntil<Awaited<ReturnType<typeof replicationState>>, string>(
      async () => {
        const s = await replicationState(pair, r.topics);
        if (s.state === 'failed')
          throw stepFailure('ConnectorFailed', `forward replication ${s.id} failed: ${s.cause ?? 'no cause given'}`);
        return s.state === 'running' ? { done: s } : { observed: `${s.state}${s.cause ? `: ${s.cause}` : ''}` };
      },
      { what: 'forward replication to run', every: '3s', within: pair.replication.thresholds.connectorReadyTimeoutMs },
    );
    run.audit({
      action: 'connector',
      note: `reverse ${r.reverse.id} ${r.reverse.removed ? 'removed' : 'already gone'}; forward ${state.id} restarted at ${r.starts.length} partition position(s)`,
    });
    recordPairState({ stage: 'switched-back', active: 'primary', replication: 'forward' });
    step.summary(
      `reverse ${r.reverse.id} ${r.reverse.removed ? 'removed (with its stored positions)' : 'already gone'}; forward ${state.id} RUNNING from the ` +
        `old primary's first record no copy explains: ${r.written} record(s) written since the switch-back to copy, ${r.recopied} reverse copies after the start ` +
        `carried back once more${r.notes.length ? `; ${r.notes.join('; ')}` : ''}`,
    );
    return { ...r, id: state.id };
  });
  const verified = await run.step('forward-verify', async (step) => {
    // A forward canary also makes the newest complete canary run on the secondary a forward copy again: the
    // reverse canary's originals there would otherwise read as perfect copies to the next plan or watch.
    const { verdict, canary, copied } = await verifyDirection(
      step,
      pair,
      reverse,
      restored.topics,
      'forward',
      "the primary's newest records to reach the secondary",
    );
    const reverseWatch = await stopWatch(
      reverse,
      input.requestedBy,
      'drFailback: switched back, forward replication runs again',
    );
    const watch = await startWatch(pair, input.config);
    recordPairState({ stage: 'protected', active: 'primary', replication: 'forward' });
    step.summary(
      `forward ${verdict.summary}; ${copied.partitions} partition(s) copied up to the primary's ends; fidelity ${canary.fidelitySummary}; ` +
        `watch ${watch.workflowId} ${watch.outcome}; reverse watch ${reverseWatch}`,
    );
    return {
      canary: verdict.summary,
      partitions: copied.partitions,
      fidelity: canary.fidelitySummary,
      watch: `${watch.workflowId} ${watch.outcome}`,
    };
  });
  return {
    connector: restored.id,
    reverseRemoved: restored.reverse.removed,
    starts: restored.starts.length,
    written: restored.written,
    recopied: restored.recopied,
    ...verified,
  };
}
