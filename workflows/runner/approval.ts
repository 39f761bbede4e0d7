// The approval policy as a pure judgement: may this person approve this plan now?
import { normaliseName, type ApprovalPolicy } from '../../src/config';

export interface ApprovalWaitState {
  planId: string;
  policy: ApprovalPolicy;
  requestedBy?: string;
  approvedBy: string[];
}

/** undefined when the approval counts; otherwise why it is refused (recorded in the audit trail). */
export function refuseApproval(request: ApprovalWaitState, by: string, planId: string): string | undefined {
  const who = normaliseName(by);
  if (planId !== request.planId) {
    return `plan ${planId} is not the current plan (${request.planId}): query "plan" and approve what you reviewed`;
  }
  if (
    request.policy.forbidSelfApproval &&
    request.requestedBy !== undefined &&
    normaliseName(request.requestedBy) === who
  ) {
    return `${by} requested this run and may not approve it (approval.forbidSelfApproval)`;
  }
  if (request.policy.allowList && !request.policy.allowList.some((name) => normaliseName(name) === who)) {
    return `${by} is not in approval.allowList (${request.policy.allowList.join(', ')})`;
  }
  if (request.approvedBy.some((name) => normaliseName(name) === who)) {
    return `${by} has already approved plan ${planId}; a second approval must come from someone else`;
  }
  return undefined;
}

/** Anyone allowed to approve may reject, and so may the requester (withdrawing their own request). */
export function refuseRejection(request: ApprovalWaitState, by: string): string | undefined {
  const who = normaliseName(by);
  const isRequester = request.requestedBy !== undefined && normaliseName(request.requestedBy) === who;
  if (
    request.policy.allowList &&
    !isRequester &&
    !request.policy.allowList.some((name) => normaliseName(name) === who)
  ) {
    return `${by} is not in approval.allowList (${request.policy.allowList.join(', ')}) and did not request this run`;
  }
  return undefined;
}
