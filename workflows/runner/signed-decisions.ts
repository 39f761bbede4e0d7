// On a pair with signed identity every decision that changes a run carries a proof, not only an approval: a
// reject, a resolve (retry, skip, abort) and a watch stop are signed too, each under its own purpose, so an
// approval's signature cannot be replayed as a reject. Unsigned or bad ones are refused and audited.
import { workflowInfo } from '@temporalio/workflow';
import type { SignedPurpose } from '../../src/security/approval-signature';
import type { ApprovalClaim } from './approval-gate';

export interface DecisionGuard {
  pair: string;
  /** The worker's verdict on a signed decision: undefined when the signature is good, else why not. */
  verify(claim: ApprovalClaim): Promise<string | undefined>;
  /** Every signature presented to this run: one use each. */
  seen: Set<string>;
}

/** How a run's pair identifies people: declared (names, shown as a warning) or signed (with the guard above). */
export type PairIdentity = { identity: 'declared' } | ({ identity: 'signed' } & DecisionGuard);

export interface SignedPayload {
  by: string;
  signature?: string;
  signedAt?: string;
}

/**
 * undefined when the signed decision is accepted, otherwise why not (for the audit trail). `subject` is what the
 * signature must cover besides pair, workflow, run and signer: the rejected plan, "<step> <action>", "stop".
 */
export async function refuseUnsigned(
  guard: DecisionGuard,
  purpose: SignedPurpose,
  p: SignedPayload,
  subject: { subject: string; planId?: string; runId?: string },
  how: string,
): Promise<string | undefined> {
  if (p.signature === undefined || p.signedAt === undefined) {
    return `pair ${guard.pair} accepts signed decisions only (approval.identity "signed"): an unsigned ${purpose} is refused; ${how}`;
  }
  if (guard.seen.has(p.signature))
    return `this signature was already presented to this run: a replayed ${purpose} is refused; sign again`;
  guard.seen.add(p.signature);
  const info = workflowInfo();
  return guard.verify({
    purpose,
    subject: subject.subject,
    pair: guard.pair,
    workflowId: info.workflowId,
    runId: subject.runId ?? info.runId,
    planId: subject.planId ?? '',
    by: p.by,
    signedAt: p.signedAt,
    signature: p.signature,
  });
}
