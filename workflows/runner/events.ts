// The events a run tells its listeners about (notifications, metrics), built from the runner's state.
import type { ApprovalPolicy } from '../../src/config';
import type { RunEvent } from '../../src/notify/events';
import type { ShownPlan } from '../../src/plan/model';
import type { ApprovalState, RunReport, StepRecord } from './types';

type Origin = { runbook: string; pair: string };

export function approvalNeeded(
  origin: Origin,
  step: string,
  wait: ApprovalState,
  policy: ApprovalPolicy,
  totals: ShownPlan['totals'] | undefined,
): RunEvent {
  return {
    ...origin,
    kind: 'approval-needed',
    step,
    planId: wait.planId,
    required: wait.required,
    approvedBy: [...wait.approvedBy],
    ...(wait.allowList ? { allowList: wait.allowList } : {}),
    ...(wait.requestedBy ? { requestedBy: wait.requestedBy } : {}),
    forbidSelfApproval: policy.forbidSelfApproval,
    identity: policy.identity,
    deadline: wait.deadline,
    ...(totals
      ? {
          plan: {
            groups: totals.groups,
            partitions: totals.partitions,
            duplicateBound: totals.duplicateBound,
            untranslated: totals.untranslated,
            liveGroups: totals.liveGroups,
          },
        }
      : {}),
  };
}

export function runEnded(
  origin: Origin,
  outcome: RunReport['outcome'],
  reason: string | undefined,
  startedAt: string,
  endedAt: string,
  steps: StepRecord[],
): RunEvent {
  return {
    ...origin,
    kind: `run-${outcome}`,
    ...(reason ? { reason } : {}),
    startedAt,
    endedAt,
    steps: steps.map((r) => ({
      name: r.name,
      state: r.state,
      ...(r.durationMs !== undefined ? { durationMs: r.durationMs } : {}),
      ...(r.endedAt ? { endedAt: r.endedAt } : {}),
    })),
  };
}
