// Signed approvals are checked here, in the worker, against the public keys of the pair's approval policy
// (the worker's pairs file). Registered as a LOCAL activity: its input (which carries the signature) is not
// written to the workflow history, only its verdict is.
import { verifyApproval, type ApprovalClaim, type Verdict } from '../src/security/approval-signature';

export function approvalActivities() {
  return {
    /** The verdict on one signed approval; never throws for a bad signature (a refusal is an answer). */
    async verifySignedApproval(
      claim: ApprovalClaim,
      approvers: { name: string; publicKey: string }[],
      maxAgeMs: number,
    ): Promise<Verdict> {
      return verifyApproval(claim, approvers, { maxAgeMs, now: Date.now() });
    },
  };
}
