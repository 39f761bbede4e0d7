// The shared shape of applying parity gaps on either provider: each gap is done, failed or manual, and every
// outcome is reported by item so nothing half-applied goes unnoticed.
import type { ParityChange, ParityGap } from './model';

export interface ParityOutcome {
  kind: ParityGap['kind'];
  item: string;
  /** What was done, or why it failed (never a password), or the fix to apply by hand. */
  detail: string;
}

export interface ParityApplyResult {
  done: ParityOutcome[];
  failed: ParityOutcome[];
  /** Gaps without an automatic change (a DENY only the secondary has, more partitions, instance settings). */
  manual: ParityOutcome[];
}

/** The error of a user to create whose secret variable is not set: names the user and the variable. */
export class ParitySecretMissing extends Error {
  override name = 'ParitySecretMissing';
}

export function missingSecret(change: Extract<ParityChange, { op: 'create-user' }>): ParitySecretMissing {
  return new ParitySecretMissing(
    `user ${change.user}: set ${change.secretVar} (its password) where the worker runs; the value is read there only`,
  );
}

function reason(err: unknown): string {
  const e = err as { type?: string; code?: string | number; message?: string };
  const text = e.message ?? String(err);
  return e.type && !text.includes(e.type) ? `${e.type}: ${text}` : text;
}

/** Applies every gap's change in order (users first: ACLs name them), each on its own. */
export async function applyEach(
  gaps: readonly ParityGap[],
  apply: (change: ParityChange) => Promise<string>,
): Promise<ParityApplyResult> {
  const result: ParityApplyResult = { done: [], failed: [], manual: [] };
  const order: Record<ParityChange['op'], number> = {
    'create-user': 0,
    'create-topic': 1,
    'add-partitions': 2,
    'set-topic-config': 3,
    'create-acl': 4,
  };
  const sorted = [...gaps].sort((a, b) => (a.change ? order[a.change.op] : 9) - (b.change ? order[b.change.op] : 9));
  for (const gap of sorted) {
    if (!gap.change) {
      result.manual.push({ kind: gap.kind, item: gap.item, detail: gap.fix });
      continue;
    }
    try {
      result.done.push({ kind: gap.kind, item: gap.item, detail: await apply(gap.change) });
    } catch (err) {
      result.failed.push({ kind: gap.kind, item: gap.item, detail: reason(err) });
    }
  }
  return result;
}
