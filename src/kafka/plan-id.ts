// The plan's id: a content hash an approval names. Pure TypeScript (no node:crypto) so a workflow can recompute it.
import { PlanInputError } from './plan-inputs';
import type { GroupPlan, OffsetPlan } from './plan-types';

/** Recomputes the id of a plan's content (ignores the stored planId), e.g. to check an approval. */
export function planIdOf(plan: {
  marginMs: number;
  groups: readonly GroupPlan[];
  fidelity?: OffsetPlan['fidelity'];
}): string {
  return fnv1a64Hex(canonicalJson({ marginMs: plan.marginMs, groups: plan.groups, fidelity: plan.fidelity }));
}

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

/**
 * FNV-1a 64-bit over the UTF-8 bytes of `text`, as 16 hex digits. The 64-bit state is kept in four 16-bit
 * limbs so every step is exact double arithmetic: a 10,000-group plan hashes megabytes, and BigInt per byte
 * took seconds. The prime is 2^40 + 0x1b3.
 */
export function fnv1a64Hex(text: string): string {
  const bytes = new TextEncoder().encode(text);
  // 0xcbf29ce484222325, low limb first.
  let h0 = 0x2325,
    h1 = 0x8422,
    h2 = 0x9ce4,
    h3 = 0xcbf2;
  for (let i = 0; i < bytes.length; i++) {
    h0 ^= bytes[i];
    // h * 0x1b3 + (h << 40), limb by limb with carries.
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3 + (t0 >>> 16);
    const t2 = h2 * 0x1b3 + (h0 << 8) + (t1 >>> 16);
    const t3 = h3 * 0x1b3 + (h1 << 8) + (t2 >>> 16);
    h0 = t0 & 0xffff;
    h1 = t1 & 0xffff;
    h2 = t2 & 0xffff;
    h3 = t3 & 0xffff;
  }
  const hex = (n: number) => n.toString(16).padStart(4, '0');
  return hex(h3) + hex(h2) + hex(h1) + hex(h0);
}
