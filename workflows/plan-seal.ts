// The planId an approver approves covers EVERYTHING the approval authorises: the pair, the CNAME change (domain,
// from, to), the drain mode, every group's every target offset, the margin and the operator timestamp. It is a
// SHA-256 over the canonical JSON of those facts (truncated to 128 bits), computed in the workflow from what the
// plan activity returned, so a plan shown to an approver and the plan applied cannot differ under one id.
import { customDomain, type PairConfig } from '../src/config';
import { sealedPlanId, type FailoverMode, type FailoverPlan, type PlanAuthority, type SealedPlan } from './plan-view';
import { refused } from './runner';

export type { FailoverMode, PlanAuthority, SealedPlan };

export interface SealOptions {
  drain: boolean | 'auto';
  mode: FailoverMode;
  operatorTimestamp?: number;
  /** Newest record on the secondary (epoch ms): an operator timestamp after it would skip unreplicated records. */
  newestReplicatedAt: number | null;
}

/** Returns a function that seals every plan of this run (first, frozen and final) the same way. */
export function planSealer(pair: PairConfig, options: SealOptions): (plan: FailoverPlan) => SealedPlan {
  const ts = options.operatorTimestamp;
  return (plan) => {
    if (ts !== undefined && options.newestReplicatedAt !== null && ts > options.newestReplicatedAt) {
      throw refused(
        `translation.operatorTimestamp ${new Date(ts).toISOString()} is after the newest replicated record ` +
          `(${new Date(options.newestReplicatedAt).toISOString()}): groups would skip records the secondary never received; give an earlier time`,
      );
    }
    const authority: PlanAuthority = {
      pair: pair.name,
      cname: { domain: customDomain(pair), from: pair.primary.endpointHost, to: pair.secondary.endpointHost },
      drain: options.drain,
      mode: options.mode,
      marginMs: plan.marginMs,
      operatorTimestamp: ts ?? null,
    };
    return { ...plan, offsetsId: plan.planId, planId: sealedPlanId(plan, authority), authorises: authority };
  };
}
