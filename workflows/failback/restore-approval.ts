import { patched } from '@temporalio/workflow';
import type { ApprovalPolicy } from '../../src/config';
import { approvalOptions } from '../approval-policy';
import { failbackMarkdown, sealFailback } from '../failback-plan';
import type { ShownPlan } from '../../src/plan/model';
import type { FailbackContext } from './steps';
import { acts } from '../acts';

/**
 * restore-forward changes replication (the reverse removed; the forward connector stopped, its offsets rewritten,
 * resumed). After a switch-back approved in this run it is that switch-back's follow-through; without one (the
 * CNAME was already on the primary) it needs an approval of its own, under the pair's policy, unless it would
 * change nothing (no reverse replication left and the forward one running: an earlier run restored it).
 */
export async function approveRestoreForward(
  ctx: FailbackContext,
  policy: ApprovalPolicy,
  switchedBy: string | null,
): Promise<void> {
  const { run, input, pair } = ctx;
  if (switchedBy !== null) {
    run.skip(
      'restore-approval',
      `the switch-back ${switchedBy} was approved in this run; restoring forward replication is its last part`,
    );
    return;
  }
  // Runs recorded before this approval existed went straight to restore-forward.
  if (!patched('failback-restore-forward-approval')) {
    run.skip('restore-approval', 'not asked for by runs recorded before it existed');
    return;
  }
  const found = await run.step('restore-approval', async (step) => {
    const act = acts(step);
    const { topics } = await act.oldPrimaryEnds(pair, { exportSuffix: input.exportSuffix });
    const reverse = await act.reverseReplicationState(pair);
    const forward = await act.replicationState(pair, [...topics, pair.replication.canaryTopic]);
    step.summary(`reverse replication ${reverse.id} ${reverse.state}; forward ${forward.id} ${forward.state}`);
    return { reverse, forward: { id: forward.id, state: forward.state } };
  });
  if (found.reverse.state === 'absent' && found.forward.state === 'running') {
    run.audit({
      action: 'skip',
      step: 'restore-approval',
      note: `nothing to change: ${found.forward.id} runs and no reverse replication is left`,
    });
    return;
  }
  const plan = sealFailback({
    pair: pair.name,
    topics: [],
    clear: [],
    reverse: {
      connector: found.reverse.id,
      from: pair.secondary.bootstrapServers.join(','),
      to: pair.primary.bootstrapServers.join(','),
      topics: [],
    },
    restore: {
      reverse: found.reverse.id,
      reverseState: found.reverse.state,
      forward: found.forward.id,
      forwardState: found.forward.state,
    },
  });
  run.setPlan(plan.planId, plan as unknown as ShownPlan, failbackMarkdown(plan));
  await run.approval('restore-approval', approvalOptions(policy, input.requestedBy));
}
