import type { KdrActivities } from '../../activities';
import { pollUntil, stepFailure } from '../runner';
import { approvalOptions, type approvalPolicyFor } from '../approval-policy';
import { failbackMarkdown, sealFailback, type FailbackTopicLine } from '../failback-plan';
import { stopWatch } from '../watch-start';
import { recordPairState } from '../pair-state';
import type { ShownPlan } from '../../src/plan/model';
import type { FailbackContext } from './steps';
import { verifyDirection } from './verify-direction';
import { patched } from '@temporalio/workflow';
import { ensureParity } from '../parity';
import { acts } from '../acts';

type Assessment = Awaited<ReturnType<KdrActivities['assessFailback']>>;

/**
 * Re-protect: approval of the sealed failback plan, then forward replication paused, the old primary emptied up to
 * the assessed ends, MirrorMaker 2 in reverse, verified.
 */
export async function reprotect(
  { run, input, pair, reverse }: FailbackContext,
  {
    policy,
    assessment,
    topicLines,
    tailTotal,
    reverseTopics,
  }: {
    policy: ReturnType<typeof approvalPolicyFor>;
    assessment: Assessment;
    topicLines: FailbackTopicLine[];
    tailTotal: number;
    reverseTopics: string[];
  },
) {
  const plan = sealFailback({
    pair: pair.name,
    topics: topicLines,
    clear: assessment.primaryEnds,
    reverse: {
      connector:
        pair.replication.provider === 'kafka-connect'
          ? `kdr-${reverse.name}-mm2-source,kdr-${reverse.name}-mm2-checkpoint`
          : `event streams kdr-${reverse.name}-<topic>-* in ${pair.primary.region ?? "the old primary's region"}`,
      from: pair.secondary.bootstrapServers.join(','),
      to: pair.primary.bootstrapServers.join(','),
      topics: reverseTopics,
    },
  });
  // The runner shows and seals any plan through the failover plan's slot; the failback plan is shown there as is.
  run.setPlan(plan.planId, plan as unknown as ShownPlan, failbackMarkdown(plan));
  const approval = await run.approval('approval', approvalOptions(policy, input.requestedBy));

  await run.step('pause-forward', async (step) => {
    // With the identity policy nothing marks a copy: forward and reverse running together would copy records round and round.
    const state = await acts(step).pauseReplication(pair, reverseTopics);
    if (state.state !== 'paused' && state.state !== 'absent') {
      throw stepFailure(
        'ForwardNotPaused',
        `forward replication ${state.id} is ${state.state}, not paused: reverse replication would loop ` +
          `records back. Pause it (Kafka Connect PUT /connectors/<name>/pause), then resolve retry`,
      );
    }
    // A forward watch (restarted by hand after the failover) would write its canary into the old primary's canary
    // topic, where reverse copies go, and store the old primary's positions as current.
    const watch = await stopWatch(pair, input.requestedBy, 'drFailback: the pair is being re-protected in reverse');
    step.summary(`forward ${state.id} ${state.state}; forward watch ${watch}`);
  });

  const cleared = await run.step('clear-old-primary', async (step) => {
    const act = acts(step);
    const existing = await act.replicationState(reverse, reverseTopics);
    if (existing.state !== 'absent') {
      // Reverse replication already writes to the old primary: emptying it again would delete the copies.
      step.summary(
        `reverse replication ${existing.id} already ${existing.state}: the old primary was emptied by an earlier run`,
      );
      return { cleared: [] as [string, number, number][], alreadyClear: assessment.primaryEnds.length, earlier: true };
    }
    const c = await act.clearOldPrimary(pair, plan.clear);
    run.audit({
      action: 'clear-old-primary',
      planId: plan.planId,
      note: `${c.cleared.length} partition(s) emptied on the old primary (${tailTotal} tail record(s) exported)`,
    });
    step.summary(`${c.cleared.length} partition(s) emptied up to the assessed ends, ${c.alreadyClear} already empty`);
    return { ...c, earlier: false };
  });

  const ensured = await run.step('ensure-reverse', async (step) => {
    const { ensureReverseReplication, replicationState } = acts(step);
    const e = await ensureReverseReplication(pair, reverseTopics);
    const state = await pollUntil<Awaited<ReturnType<typeof replicationState>>, string>(
      async () => {
        const s = await replicationState(reverse, reverseTopics);
        if (s.state === 'failed')
          throw stepFailure('ConnectorFailed', `reverse replication ${s.id} failed: ${s.cause ?? 'no cause given'}`);
        return s.state === 'running' ? { done: s } : { observed: `${s.state}${s.cause ? `: ${s.cause}` : ''}` };
      },
      {
        what: `reverse replication ${e.id} to run`,
        every: '3s',
        within: pair.replication.thresholds.connectorReadyTimeoutMs,
      },
    );
    run.audit({
      action: 'connector',
      note: `reverse ${e.id} ${e.created ? 'created' : e.updated ? 'updated' : 'unchanged'}`,
    });
    step.summary(
      `${state.id} RUNNING (${state.tasks?.length ?? 0} tasks), ${pair.secondary.bootstrapServers.join(',')} -> ${pair.primary.bootstrapServers.join(',')}`,
    );
    return { id: e.id, created: e.created };
  });

  const verified = await run.step('reverse-verify', async (step) => {
    const { verdict, canary, copied } = await verifyDirection(
      step,
      reverse,
      pair,
      assessment.topics,
      'reverse',
      "the active side's newest records to reach the old primary",
    );
    recordPairState({ stage: 're-protected', active: 'secondary', replication: 'reverse' });
    step.summary(
      `reverse ${verdict.summary}; ${copied.partitions} partition(s) copied up to the active side's ends; fidelity ${canary.fidelitySummary}`,
    );
    return { canary: verdict.summary, partitions: copied.partitions, fidelity: canary.fidelitySummary };
  });
  // Before any switch back: the clients that follow the CNAME back must find their users, ACLs and topic configs
  // on the old primary (check: block with the fixes; sync: create them there). patched: older runs replay without it.
  const parity = patched('failback-parity')
    ? await run.step('reverse-parity', (step) => ensureParity(step, pair, 'reverse', () => undefined))
    : undefined;
  return { plan, approval, cleared, ensured, verified, parity };
}
