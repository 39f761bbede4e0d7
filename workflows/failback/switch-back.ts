import { ChildWorkflowCancellationType, executeChild, ParentClosePolicy } from '@temporalio/workflow';
import { customDomain, sameHost } from '../../src/config';
import { switchBackWorkflowId } from '../contract';
import { stepFailure } from '../runner';
import { recordPairState } from '../pair-state';
import type { drFailover } from '../dr-failover';
import type { FailbackContext } from './steps';
import { acts } from '../acts';

/** drFailover in reverse as a child, under the pair's failover id: the approval and every switchover guarantee are its own. */
export async function switchBack({ run, input, pair, reverse, requesterProven }: FailbackContext) {
  return run.step('switch-back', async (step) => {
    const act = acts(step);
    const workflowId = switchBackWorkflowId(pair.name);
    const cname = await act.readCname(pair);
    if (sameHost(cname.target, pair.primary.endpointHost)) {
      step.summary(`${cname.domain} already points at the primary: switched back by an earlier run or by hand`);
      return { workflowId: null, preSwitchEnds: null, result: null };
    }
    // The old primary's ends before the switch: where the applications' first records can start, at the earliest.
    const before = await act.oldPrimaryEnds(pair, { exportSuffix: input.exportSuffix });
    const state = await act.replicationState(reverse, [...before.topics, pair.replication.canaryTopic]);
    if (state.state !== 'running') {
      throw stepFailure(
        'ReverseNotRunning',
        `reverse replication ${state.id} is ${state.state}, not running: the switch-back drains the active side over it. ` +
          `Re-protect first (stage re-protect), then resolve retry. Nothing was changed`,
      );
    }
    const preSwitchEnds = before.ends;
    recordPairState({ stage: 'switching-back', active: 'secondary', replication: 'reverse' });
    step.summary(
      `drFailover ${workflowId} switches back in reverse. Approve its plan: kdr approve ${pair.name} --by <approver, not ${input.requestedBy}> ` +
        `--plan-id <planId shown by kdr status ${workflowId}>. At its drain step restart the producers (they follow ${customDomain(pair)} to the primary) ` +
        'and stop the consumers; start them again once it has applied the final plan',
    );
    const result = await executeChild<typeof drFailover>('drFailover', {
      workflowId,
      args: [
        {
          ...(input.config ? { config: input.config } : { pair: pair.name }),
          requestedBy: input.requestedBy,
          reverse: true,
          approval: input.approval,
          ...(requesterProven ? { requesterProven: true as const } : {}),
          ...(input.switchover ? { switchover: input.switchover } : {}),
        },
      ],
      // Half a switchover must never be undone by the failback ending: the child has its own approve, resolve and abort.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      cancellationType: ChildWorkflowCancellationType.ABANDON,
    });
    if (result.dryRun) throw stepFailure('SwitchBackIncomplete', `${workflowId} was a dry run: nothing switched`);
    run.audit({
      action: 'switch-back',
      planId: result.planId,
      note: `${workflowId} ${result.mode}: ${customDomain(pair)} -> ${result.cname.after}; approved by ${result.approvedBy.join(', ')}`,
    });
    step.summary(
      `${workflowId} ${result.mode} completed: plan ${result.planId} (${result.plan.groups} group(s), duplicates <= ${result.plan.duplicateBound}), ` +
        `approved by ${result.approvedBy.join(', ')}; ${customDomain(pair)} -> ${result.cname.after}`,
    );
    return {
      workflowId,
      preSwitchEnds,
      result: {
        mode: result.mode,
        planId: result.planId,
        approvedBy: result.approvedBy,
        duplicateBound: result.plan.duplicateBound,
        groups: result.plan.groups,
      },
    };
  });
}
