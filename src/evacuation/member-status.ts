// A member's row in the evacuation's table, from what its own `status` query answers: its phase and step, a block,
// whether its CNAME switched, and an approval it asks on its own run (its final plan got worse). Pure, so the
// activity that queries the members stays a thin reader.
import type { PairRow } from './types';

/** What the evacuation reads of a member's `status` query (workflows/runner/types.ts RunStatus). */
export interface MemberStatus {
  phase: string;
  waitingFor?: string;
  planId?: string;
  steps: { name: string; state: string; lastError?: string }[];
  /** The member's own open approval wait (a released member has none until its final plan is worse). */
  approval?: {
    planId: string;
    required: number;
    approvedBy: string[];
    allowList?: string[];
    requestedBy?: string;
    deadline: string;
  };
}

export function rowFromStatus(base: PairRow, s: MemberStatus): PairRow {
  const blocked = s.steps.find((x) => x.state === 'blocked');
  const running = s.steps.find((x) => x.state === 'running');
  const a = s.approval;
  return {
    ...base,
    phase: s.phase,
    step: running?.name,
    waitingFor: s.waitingFor,
    switched: s.steps.some((x) => x.name === 'switch-cname' && x.state === 'succeeded'),
    ...(blocked ? { blocked: { step: blocked.name, error: (blocked.lastError ?? '').slice(0, 300) } } : {}),
    ...(a
      ? {
          asks: {
            step: running?.name ?? 'approval',
            planId: a.planId,
            required: a.required,
            approvedBy: a.approvedBy,
            ...(a.allowList ? { allowList: a.allowList } : {}),
            ...(a.requestedBy ? { requestedBy: a.requestedBy } : {}),
            deadline: a.deadline,
          },
        }
      : {}),
  };
}
