// The planId an approver approves covers EVERYTHING the approval authorises: the pair, the CNAME change (domain,
// from, to), the drain mode, every group's every target offset, the margin and the operator timestamp. It is the
// plan hash (id.ts) of those facts, computed in the workflow from what the plan activity returned, so a plan shown
// to an approver and the plan applied cannot differ under one id.
import { customDomain, type PairConfig } from '../config';
import { planHash } from './id';
import type { FailoverMode, FailoverPlan, PlanAuthority, SealedPlan } from './model';

export interface SealOptions {
  drain: boolean | 'auto';
  mode: FailoverMode;
  operatorTimestamp?: number;
  /** Newest record on the secondary (epoch ms): an operator timestamp after it would skip unreplicated records. */
  newestReplicatedAt: number | null;
}

/** The approval id of `authority` + the offsets of `plan`. */
export function sealedPlanId(plan: Pick<FailoverPlan, 'groups'>, authority: PlanAuthority): string {
  const offsets = plan.groups.map((g) => [
    g.group,
    g.offsets.map(([topic, partition, offset]) => [topic, partition, offset]),
  ]);
  return planHash({ v: 1, ...authority, offsets });
}

/** Why no plan of this run can be sealed (an operator timestamp after the newest replicated record), if so. */
export function sealRefusal(options: SealOptions): string | undefined {
  const ts = options.operatorTimestamp;
  if (ts === undefined || options.newestReplicatedAt === null || ts <= options.newestReplicatedAt) return undefined;
  return (
    `translation.operatorTimestamp ${new Date(ts).toISOString()} is after the newest replicated record ` +
    `(${new Date(options.newestReplicatedAt).toISOString()}): groups would skip records the secondary never received; ` +
    'give an earlier time'
  );
}

/** The plan as approved and applied: its planId becomes `offsetsId`, the seal over `authorises` its planId. */
export function sealPlan(pair: PairConfig, options: SealOptions, plan: FailoverPlan): SealedPlan {
  const authority: PlanAuthority = {
    pair: pair.name,
    cname: { domain: customDomain(pair), from: pair.primary.endpointHost, to: pair.secondary.endpointHost },
    drain: options.drain,
    mode: options.mode,
    marginMs: plan.marginMs,
    operatorTimestamp: options.operatorTimestamp ?? null,
  };
  return { ...plan, offsetsId: plan.planId, planId: sealedPlanId(plan, authority), authorises: authority };
}
