// How drFailover waits for approvals: under the PAIR's policy (the worker's pairs file), tightened by the run's
// input and never loosened; signed approvals are checked by the worker in a local activity (its input, which
// carries the signature, stays out of the history).
import { proxyLocalActivities } from '@temporalio/workflow';
import { effectivePolicy, type ApprovalPolicy, type ApprovalRequest, type PairConfig } from '../src/config';
import type { KdrActivities } from '../activities';
import { refused, type ApprovalClaim, type ApprovalOptions } from './runner';

/** The policy the run waits under; a request to loosen the pair's policy ends the run (Refused, audited). */
export function approvalPolicyFor(pair: Pick<PairConfig, 'name' | 'approval'>, input: { approval?: ApprovalRequest; requestedBy?: string }): ApprovalPolicy {
  const decision = effectivePolicy(pair.approval, input.approval ?? {}, input.requestedBy);
  if (!decision.ok) {
    throw refused(`the input may only tighten pair ${pair.name}'s approval policy: ` +
      decision.problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  }
  return decision.policy;
}

const verifier = proxyLocalActivities<Pick<KdrActivities, 'verifySignedApproval'>>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3, initialInterval: '200ms' },
});

/** Options for run.approval: the policy, the requester, and (signed policies) the worker-side signature check. */
export function approvalOptions(policy: ApprovalPolicy, requestedBy?: string): ApprovalOptions {
  if (policy.identity !== 'signed') return { policy, requestedBy };
  return {
    policy,
    requestedBy,
    verify: async (claim: ApprovalClaim) => {
      const verdict = await verifier.verifySignedApproval(claim, policy.approvers ?? [], policy.signatureMaxAge);
      return verdict.ok ? undefined : verdict.reason ?? 'the signature was not accepted';
    },
  };
}
