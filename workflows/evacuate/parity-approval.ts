// A pair whose parity.failover is "approve" asks one approval more when it fails over alone with parity gaps
// (workflows/parity.ts policyWithParity). Released by an evacuation, it must not be approved more loosely: the
// evacuation's approval asks one more when its plan names such a pair (src/evacuation/plan.ts parityApprovals).
import { patched } from '@temporalio/workflow';
import type { EvacuationPlan, PairFacts } from '../../src/evacuation/types';
import type { AuditEntry } from '../runner/types';

type Audit = (entry: Omit<AuditEntry, 'at' | 'accepted' | 'by'> & { by?: string; accepted?: boolean }) => void;

/** The pairs whose parity.failover is "approve", for evacuationPlan's parityApprove. */
export const parityApprovePairs = (pairs: PairFacts[]): string[] =>
  pairs.filter((p) => p.parityFailover === 'approve').map((p) => p.name);

/** `policy`, or one approval more when `plan` names a pair whose parity asks it (behind a patch: replays hold). */
export function withParityApprovals<P extends { required: number }>(policy: P, plan: EvacuationPlan, audit: Audit): P {
  if (!plan.parityApprovals?.length || !patched('evacuation-parity-approval')) return policy;
  audit({
    action: 'policy',
    note: `parity.failover "approve" on ${plan.parityApprovals.map((x) => x.pair).join(', ')}: one approval more`,
  });
  return { ...policy, required: policy.required + 1 };
}
