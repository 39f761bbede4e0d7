// A veto window: an approval step a policy satisfies once its time has passed without a veto (drFailover's
// automatic failover, workflows/failover/auto-approval.ts). Runbook.vetoWindow runs it.
import type { Approval, ApprovalOutcome } from './approval-gate';

/** How a veto window behaves. */
export interface VetoWindow {
  /** Who the approval is recorded as when the window passes, e.g. "policy autoFailover". */
  by: string;
  /** The approval's comment: the evidence the policy acted on, in one line. */
  note: string;
  /** A reason to end the window and the run (the primary answers again), or undefined. */
  interrupt: () => string | undefined;
  /** Announces the window with its end (ISO, workflow time). */
  opened: (deadline: string) => Promise<void>;
  decided: (outcome: ApprovalOutcome) => Promise<void>;
}

export type Vetted = Approval & { early: boolean };
