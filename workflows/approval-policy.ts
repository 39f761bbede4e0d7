// How drFailover waits for approvals: under the PAIR's policy (the worker's pairs file), tightened by the run's
// input and never loosened; signed approvals are checked by the worker in a local activity (its input, which
// carries the signature, stays out of the history).
import { patched, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import {
  effectivePolicy,
  type ApprovalPolicy,
  type ApprovalRequest,
  type PairConfig,
  type RequestSignature,
} from '../src/config';
import type { KdrActivities } from '../activities';
import { refused, type ApprovalClaim, type ApprovalOptions, type PairIdentity } from './runner';

interface PolicyInput {
  approval?: ApprovalRequest;
  requestedBy?: string;
  requestSignature?: RequestSignature;
  /** Set by drFailback on its switch-back child only, after it proved the requester itself. */
  requesterProven?: boolean;
}

/**
 * The policy the run waits under; a request to loosen the pair's policy ends the run (Refused, audited).
 * `requesterProven`: on a signed pair, whether the requester's signature was checked (approvalPolicyForRun).
 */
export function approvalPolicyFor(
  pair: Pick<PairConfig, 'name' | 'approval'>,
  input: PolicyInput,
  requesterProven = false,
): ApprovalPolicy {
  // Runs recorded before the rule judged the requester by name alone.
  const requesterUnproven =
    pair.approval.identity === 'signed' &&
    !requesterProven &&
    input.requestedBy !== undefined &&
    patched('signed-pair-unproven-requester');
  const decision = effectivePolicy(pair.approval, input.approval ?? {}, input.requestedBy, { requesterUnproven });
  if (!decision.ok) {
    throw refused(
      `the input may only tighten pair ${pair.name}'s approval policy: ` +
        decision.problems.map((p) => `${p.path}: ${p.message}`).join('; '),
    );
  }
  return decision.policy;
}

const verifier = proxyLocalActivities<Pick<KdrActivities, 'verifySignedApproval'>>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3, initialInterval: '200ms' },
});

/**
 * approvalPolicyFor after proving the requester on a signed pair: a request signature (made by kdr failover|failback
 * --key) is checked by the worker against the requester's public key; a bad one ends the run (Refused). Unsigned,
 * the requester is unproven and the policy asks for one approval more.
 */
export async function approvalPolicyForRun(
  pair: Pick<PairConfig, 'name' | 'approval'>,
  input: PolicyInput,
): Promise<ApprovalPolicy> {
  if (pair.approval.identity !== 'signed') return approvalPolicyFor(pair, input);
  const info = workflowInfo();
  if (input.requesterProven) {
    // Only a parent run (drFailback's switch-back) can vouch: nobody can start a child run from outside.
    if (!info.parent)
      throw refused(
        'requesterProven is set by drFailback for its switch-back only: sign the request with kdr failover --key <file>',
      );
    return approvalPolicyFor(pair, input, true);
  }
  if (!input.requestSignature || input.requestedBy === undefined) return approvalPolicyFor(pair, input);
  const claim: ApprovalClaim = {
    purpose: 'request',
    subject: 'request',
    pair: pair.name,
    workflowId: info.workflowId,
    runId: '',
    planId: '',
    by: input.requestedBy,
    ...input.requestSignature,
  };
  const verdict = await verifier.verifySignedApproval(
    claim,
    pair.approval.approvers ?? [],
    pair.approval.signatureMaxAge,
  );
  if (!verdict.ok) {
    throw refused(
      `the request's signature is not accepted (requestSignature): ${verdict.reason ?? 'not verified'}. Sign it with the key of ` +
        `${input.requestedBy} listed in the pair's approval.approvers, or start the run unsigned (one approval more is then required)`,
    );
  }
  return approvalPolicyFor(pair, input, true);
}

/**
 * A pair with signed identity: rejects, resolves (and watch stops) must be signed by one of its approvers, checked
 * by the worker like an approval. Declared pairs: anyone who can signal decides, by name (the run warns about it).
 */
export function decisionGuard(pair: Pick<PairConfig, 'name' | 'approval'>): PairIdentity {
  if (pair.approval.identity !== 'signed') return { identity: 'declared' };
  const approvers = pair.approval.approvers ?? [];
  return {
    identity: 'signed',
    pair: pair.name,
    seen: new Set(),
    verify: async (claim: ApprovalClaim) => {
      const verdict = await verifier.verifySignedApproval(claim, approvers, pair.approval.signatureMaxAge);
      return verdict.ok ? undefined : (verdict.reason ?? 'the signature was not accepted');
    },
  };
}

/** Options for run.approval: the policy, the requester, and (signed policies) the worker-side signature check. */
export function approvalOptions(policy: ApprovalPolicy, requestedBy?: string): ApprovalOptions {
  if (policy.identity !== 'signed') return { policy, requestedBy };
  return {
    policy,
    requestedBy,
    verify: async (claim: ApprovalClaim) => {
      const verdict = await verifier.verifySignedApproval(claim, policy.approvers ?? [], policy.signatureMaxAge);
      return verdict.ok ? undefined : (verdict.reason ?? 'the signature was not accepted');
    },
  };
}
