// How drFailover shows a plan (with the parity of the side the clients move to and the automatic failover policy:
// query and details only, no command) and when a final plan needs a second approval.
import { comparePlans } from '../../src/plan/compare';
import { planMarkdown } from '../../src/plan/markdown';
import type { SealedPlan } from '../../src/plan/model';
import { parityMarkdown, type ParityReport } from '../../src/parity/report';
import type { Approval, ApprovalOptions } from '../runner';
import type { FailoverRun } from './steps';

export interface Cname {
  domain: string;
  from: string;
  to: string;
}

/** The plan as shown (query plan, details): with the parity of the side the clients move to. */
export function planShower(parity: ParityReport | undefined, autoFailover: string) {
  return {
    shown: <P extends object>(plan: P) => ({ ...plan, ...(parity ? { parity } : {}), autoFailover }),
    withParity: (markdown: string) =>
      `${parity ? `${parityMarkdown(parity)}\n` : ''}${markdown}\n- automatic failover: ${autoFailover}`,
  };
}

export interface Confirmation {
  run: FailoverRun;
  approved: SealedPlan;
  cname: Cname;
  show: ReturnType<typeof planShower>;
  /** The options of a second approval, as of the first. */
  options: () => ApprovalOptions;
  /** Everyone who approved so far; a second approval adds its approvers. */
  approvers: Approval['approvedBy'];
}

/** A final plan is applied under the first approval only if no group's bound grows and nothing new is untranslated. */
export async function confirmed(c: Confirmation, final: SealedPlan, why: string): Promise<SealedPlan> {
  const { run, approved, cname, show } = c;
  const worse = comparePlans(approved, final);
  if (worse.length === 0) {
    run.skip(
      'reapproval',
      `final plan ${final.planId} is no worse than the approved ${approved.planId} (${why}): applied under the first approval`,
    );
    // Query `plan` and the details show the plan that is applied, not the one it replaced.
    run.setPlan(
      final.planId,
      show.shown({ ...final, cname, comparedTo: approved.planId, worse }),
      show.withParity(planMarkdown(final, cname)),
    );
    return final;
  }
  run.audit({
    action: 'plan-changed',
    note: `final plan ${final.planId} is worse than approved ${approved.planId}: ${worse.slice(0, 5).join('; ')}`,
  });
  run.setPlan(
    final.planId,
    show.shown({ ...final, cname, comparedTo: approved.planId, worse }),
    show.withParity(planMarkdown(final, cname)),
  );
  const again = await run.approval('reapproval', c.options());
  c.approvers.push(...again.approvedBy);
  return final;
}
