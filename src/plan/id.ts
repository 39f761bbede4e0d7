// The plan's one hash: SHA-256 over the canonical JSON of what is identified, cut to 128 bits. The offset plan's
// own id (planIdOf), the sealed plan an approver approves (seal.ts) and the failback plan all use it. Pure
// (SHA-256 from @noble/hashes through src/security/sha256.ts, no node:crypto) so workflow code computes it too.
import { sha256Hex } from '../security/sha256';
import { PlanInputError } from './inputs';
import type { GroupPlan, OffsetPlan } from './types';

/** JSON with object keys sorted at every level, so equal content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new PlanInputError(`cannot hash non-finite number ${value}`);
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** The id of `value`'s content: 32 hex digits (SHA-256 over its canonical JSON, truncated to 128 bits). */
export function planHash(value: unknown): string {
  return sha256Hex(canonicalJson(value)).slice(0, 32);
}

/** Recomputes the id of a plan's content (ignores the stored planId), e.g. to check an approval. */
export function planIdOf(plan: {
  marginMs: number;
  groups: readonly GroupPlan[];
  fidelity?: OffsetPlan['fidelity'];
}): string {
  return planHash({ marginMs: plan.marginMs, groups: plan.groups, fidelity: plan.fidelity });
}
