// The run's queries, signals and update, as every runbook registers them (names in ../contract, unchanged).
import { setHandler } from '@temporalio/workflow';
import { boundsProblem, SIGNAL_BOUNDS } from '../../src/config';
import { approveSignal, planQuery, rejectSignal, resolveSignal, resolveUpdate, statusQuery } from '../contract';
import type { ApprovalGate } from './approval-gate';
import { stepFailure } from './failures';
import { refusing } from './handler-guard';
import type { ResolveDesk } from './resolve';
import type { ShownPlan } from '../../src/plan/model';
import type { AuditEntry, PlanView, RunStatus } from './types';
import { PLAN_PAGE_GROUPS, planPage, type PlanPageRequest } from './types';

export interface HandlerHost {
  status(): RunStatus;
  plan(): { id: string; plan: ShownPlan } | undefined;
  gate: ApprovalGate;
  desk: ResolveDesk;
  remember(entry: Omit<AuditEntry, 'at'>): void;
  publish(): void;
}

export function registerHandlers(run: HandlerHost): void {
  setHandler(statusQuery, () => run.status(), {
    description: 'Step table, phase, what the run waits for, audit trail',
  });
  setHandler(
    planQuery,
    (request?: PlanPageRequest): PlanView<ShownPlan> | null => {
      const tooBig = boundsProblem(request, SIGNAL_BOUNDS, 'request');
      if (tooBig) throw stepFailure('InvalidInput', `invalid plan request: ${tooBig.path}: ${tooBig.message}`);
      const plan = run.plan();
      return plan ? planPage(plan.id, plan.plan, request) : null;
    },
    {
      description: `The current plan and its planId (approve with that planId); {"offset": n, "limit": m} pages its groups (unasked, a plan over 4 MB of JSON is answered ${PLAN_PAGE_GROUPS} groups at a time)`,
    },
  );
  // Every signal handler refuses (audited) rather than throws: see handler-guard.ts.
  const host = { remember: (entry: Omit<AuditEntry, 'at'>) => run.remember(entry), publish: () => run.publish() };
  setHandler(
    resolveSignal,
    refusing('resolve', host, (payload) => run.desk.signal(payload)),
    { description: 'Decide about a blocked step: {"action": "retry"|"skip"|"abort", "by": "...", "note": "..."}' },
  );
  setHandler(resolveUpdate, (payload) => run.desk.update(payload), {
    description: 'Like signal resolve, but an invalid request is rejected back to you at once',
    validator: (payload) => run.desk.validate(payload),
  });
  setHandler(
    approveSignal,
    refusing('approve', host, (payload) => run.gate.approve(payload)),
    { description: 'Approve the current plan: {"by": "...", "planId": "...", "comment": "..."}' },
  );
  setHandler(
    rejectSignal,
    refusing('reject', host, (payload) => run.gate.reject(payload)),
    { description: 'Reject the current plan, nothing is changed: {"by": "...", "reason": "..."}' },
  );
}
