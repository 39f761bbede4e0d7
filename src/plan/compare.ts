// Whether a final plan (after the drain) is worse than the approved one, and so needs a new approval.
import type { FailoverPlan } from './model';

/** Why `final` needs a new approval: a group whose bound grew, or that has more untranslated partitions. */
export function comparePlans(approved: FailoverPlan, final: FailoverPlan): string[] {
  const before = new Map(approved.groups.map((g) => [g.group, g]));
  const worse: string[] = [];
  for (const g of final.groups) {
    const a = before.get(g.group);
    if (!a) {
      worse.push(`${g.group} was not in the approved plan`);
      continue;
    }
    if (g.duplicateBound > a.duplicateBound)
      worse.push(`${g.group} duplicate bound ${a.duplicateBound} -> ${g.duplicateBound}`);
    if (g.untranslated.length > a.untranslated.length)
      worse.push(`${g.group} untranslated partitions ${a.untranslated.length} -> ${g.untranslated.length}`);
  }
  // A replicator measured to preserve less than when the plan was approved: the approver relied on the old profile.
  if (approved.fidelity && final.fidelity) {
    const lost = FIDELITY_PROPERTIES.filter((k) => approved.fidelity![k] && !final.fidelity![k]);
    if (lost.length)
      worse.push(`replication fidelity no longer shows ${lost.join(', ')} (now: ${final.fidelity.description})`);
  }
  return worse;
}

const FIDELITY_PROPERTIES = [
  'measured',
  'partitionPreserved',
  'orderPreserved',
  'timestampPreserved',
  'keyValueIdentical',
  'headersPreserved',
] as const;
