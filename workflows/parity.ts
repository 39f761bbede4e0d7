// Parity in the runbooks: drSetup's step (check: block with every gap and its fix; sync: create what is missing on
// the secondary, then check again), drFailback's re-protect in the reverse direction, and what drFailover shows the
// approver (and whether the pair's policy asks one approval more). The activities are activities/parity.ts.
import type { ApprovalPolicy, PairConfig } from '../src/config';
import type { KdrActivities } from '../activities';
import { parityMarkdown, type ParityDirection, type ParityReport } from '../src/parity/report';
import { stepFailure, type StepContext } from './runner';
import { acts } from './acts';

type Published = (report: ParityReport, markdown: string) => void;

const firstFixes = (r: ParityReport, n = 2) =>
  r.gaps
    .slice(0, n)
    .map((g) => `${g.item}: ${g.fix}`)
    .join(' | ');

/**
 * The parity step: `check` blocks (ParityGaps) while anything differs, with the fixes; `sync` creates the missing
 * users and ACLs and aligns topic settings on the target side, then checks again, and blocks (ParitySyncIncomplete)
 * naming every item it could not do. `publish` shows the full list (the run's details and its `plan` query).
 */
export async function ensureParity(
  step: StepContext,
  pair: PairConfig,
  direction: ParityDirection,
  publish: Published,
) {
  const act = acts(step);
  if (pair.parity.mode === 'sync') {
    const s = await act.syncParity(pair, direction);
    publish(s.after, syncMarkdown(s));
    const did = [
      s.applied.length
        ? `${s.applied.length} applied (${s.applied
            .slice(0, 3)
            .map((a) => a.item)
            .join(', ')}${s.applied.length > 3 ? ', …' : ''})`
        : 'nothing to create',
      s.byMirrorMaker.length ? `${s.byMirrorMaker.length} topic config(s) synced by MirrorMaker 2` : '',
    ]
      .filter(Boolean)
      .join('; ');
    if (s.failed.length > 0 || !s.after.checked || s.after.total > 0) {
      const failed = s.failed.map((f) => `${f.kind} ${f.item}: ${f.error}`);
      throw stepFailure(
        'ParitySyncIncomplete',
        `parity sync incomplete on the ${s.after.target}: ${did}; ` +
          (failed.length ? `FAILED ${failed.length}: ${failed.slice(0, 3).join('; ')}; ` : '') +
          `${s.after.summary}${s.after.total ? `; fix: ${firstFixes(s.after, 1)}` : ''}. The full list is in the run's details. ` +
          "Fix them (or the pair's parity.users), then resolve retry: what exists is left as it is.",
      );
    }
    step.summary(`sync: ${did}; ${s.after.summary}`);
    return { mode: 'sync' as const, report: s.after, applied: s.applied.length, byMirrorMaker: s.byMirrorMaker.length };
  }
  const r = await act.checkParity(pair, direction);
  publish(r, parityMarkdown(r));
  if (!r.checked) throw stepFailure('ParityGaps', `${r.summary}; resolve retry once both sides answer`);
  if (r.total > 0) {
    const more = r.total > 2 ? ` (+${r.total - 2} more: every gap and its fix is in the run's details)` : '';
    throw stepFailure(
      'ParityGaps',
      `${r.summary}. Fix: ${firstFixes(r)}${more}. Or set the pair's parity to "sync" ` +
        '(users from parity.users). Then resolve retry; skip accepts the gaps.',
    );
  }
  step.summary(r.summary);
  return { mode: 'check' as const, report: r, applied: 0, byMirrorMaker: 0 };
}

type SyncResult = Awaited<ReturnType<KdrActivities['syncParity']>>;

function syncMarkdown(s: SyncResult): string {
  const applied = s.applied.map((a) => `- ✅ ${a.kind} \`${a.item}\`: ${a.action}`);
  const mm2 = s.byMirrorMaker.map((t) => `- ✅ topic config \`${t}\`: synced by MirrorMaker 2 (sync.topic.configs)`);
  const failed = s.failed.map((f) => `- ❌ ${f.kind} \`${f.item}\`: ${f.error}`);
  const done = [...applied, ...mm2, ...failed];
  return `${parityMarkdown(s.after)}${done.length ? `\n#### What sync did\n\n${done.join('\n')}\n` : ''}`;
}

/** One line for a plan and its approver: the sentence, and what the pair's policy makes of it. */
export function parityNote(pair: PairConfig, r: ParityReport | undefined): string | undefined {
  if (!r) return undefined;
  if (r.checked && r.total === 0) return r.summary;
  return `${r.summary}${needsParityApproval(pair, r) ? ' (the pair\'s parity.failover "approve": one approval more)' : ''}`;
}

/** A failover whose target lacks what the clients need (or could not be checked) under parity.failover "approve". */
export function needsParityApproval(pair: PairConfig, r: ParityReport | undefined): boolean {
  return r !== undefined && pair.parity.failover === 'approve' && (!r.checked || r.total > 0);
}

/** The policy the failover's approval waits under: one approval more when parity needs it. */
export function policyWithParity(
  policy: ApprovalPolicy,
  pair: PairConfig,
  r: ParityReport | undefined,
): ApprovalPolicy {
  return needsParityApproval(pair, r) ? { ...policy, required: policy.required + 1 } : policy;
}
