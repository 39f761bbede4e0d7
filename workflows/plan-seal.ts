// Sealing in a run (src/plan/seal.ts): every plan of the run (first, frozen and final) is sealed the same way,
// and a seal the options forbid refuses the run.
import type { PairConfig } from '../src/config';
import type { FailoverPlan, SealedPlan } from '../src/plan/model';
import { sealPlan, sealRefusal, type SealOptions } from '../src/plan/seal';
import { refused } from './runner';

export type { FailoverMode, PlanAuthority, SealedPlan } from '../src/plan/model';
export type { SealOptions } from '../src/plan/seal';

/** Returns a function that seals every plan of this run (first, frozen and final) the same way. */
export function planSealer(pair: PairConfig, options: SealOptions): (plan: FailoverPlan) => SealedPlan {
  return (plan) => {
    const refusal = sealRefusal(options);
    if (refusal) throw refused(refusal);
    return sealPlan(pair, options, plan);
  };
}
