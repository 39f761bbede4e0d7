// The approval gate: the state of one wait for approval and the approve/reject handlers that change it.
// Apart from the step runner (which only drFailover needs it for) so each reads as one concept; the judgement
// of who may approve lives in ./approval, the runner decides what an approval or its absence does to the run.
import { condition, workflowInfo } from '@temporalio/workflow';
import { ApprovePayloadSchema, RejectPayloadSchema, validate, type ApprovalPolicy } from '../../src/config';
import { refuseApproval, refuseRejection } from './approval';
import type { ApprovalClaim } from '../../src/security/approval-signature';
import { loose, now } from './text';
import { refuseUnsigned, type DecisionGuard } from './signed-decisions';
import type { ApprovalState, AuditEntry, Phase } from './types';

export interface ApprovalOptions {
  policy: ApprovalPolicy;
  /** Who started the run; may not approve it when policy.forbidSelfApproval. */
  requestedBy?: string;
  /**
   * Checks a signed approval (policy.identity "signed") in the worker: undefined when the signature is good,
   * otherwise why not (forged, wrong or unknown key, expired). Required for signed policies.
   */
  verify?: (claim: ApprovalClaim) => Promise<string | undefined>;
}

export type { ApprovalClaim };

export interface Approval {
  planId: string;
  approvedBy: { by: string; at: string; comment?: string }[];
}

/** How a wait ended: enough approvals, a rejection, or the policy's timeout. */
export type ApprovalOutcome =
  | { kind: 'approved'; approval: Approval }
  | { kind: 'rejected'; by: string; reason: string }
  | { kind: 'timed-out'; planId: string; required: number; got: number }
  /** `interrupt` (a veto window's probe: the primary answers again) ended the wait before anyone decided. */
  | { kind: 'interrupted'; planId: string };

/** What the gate needs from the run it guards. */
export interface GateHost {
  phase(): Phase;
  pair(): string | undefined;
  remember(entry: Omit<AuditEntry, 'at'>): void;
  publish(): void;
}

interface Wait extends ApprovalState {
  policy: ApprovalPolicy;
  comments: Map<string, string | undefined>;
  at: Map<string, string>;
  rejected?: { by: string; reason: string };
  verify?: ApprovalOptions['verify'];
}

export class ApprovalGate {
  private wait: Wait | undefined;
  /** Every signature ever presented to this run: one use each, accepted or not (replays are refused). */
  private readonly seenSignatures = new Set<string>();
  private guard: DecisionGuard | undefined;

  constructor(private readonly host: GateHost) {}

  /** The open wait as the status query shows it, if any. */
  state(): ApprovalState | undefined {
    const w = this.wait;
    return (
      w && {
        planId: w.planId,
        required: w.required,
        approvedBy: [...w.approvedBy],
        requestedBy: w.requestedBy,
        allowList: w.allowList,
        deadline: w.deadline,
        identity: w.identity,
      }
    );
  }

  waitingFor(): string | undefined {
    const w = this.wait;
    return (
      w && `approval: ${w.approvedBy.length}/${w.required} for plan ${w.planId} (until ${w.deadline.slice(0, 19)}Z)`
    );
  }

  /** A new plan replaces the one under review: approvals given for the old one no longer count. */
  planChanged(planId: string): void {
    const w = this.wait;
    if (!w) return;
    if (w.planId !== planId && w.approvedBy.length > 0) {
      this.host.remember({
        by: 'runbook',
        action: 'plan',
        accepted: true,
        planId,
        reason: `plan changed from ${w.planId}: approvals by ${w.approvedBy.join(', ')} no longer count`,
      });
      w.approvedBy = [];
    }
    w.planId = planId;
  }

  /**
   * Opens a wait for `planId` and resolves when it is decided. `opened` runs once the wait (and its timer)
   * exists, before anything is decided: it announces the wait with the deadline just set. `interrupt` (an
   * automatic failover's veto window) ends the wait undecided when it turns true.
   */
  async decide(
    planId: string,
    options: ApprovalOptions,
    opened: (state: ApprovalState) => Promise<void>,
    interrupt?: () => boolean,
  ): Promise<ApprovalOutcome> {
    const { policy } = options;
    const wait: Wait = {
      planId,
      required: policy.required,
      approvedBy: [],
      requestedBy: options.requestedBy,
      allowList: policy.allowList,
      deadline: new Date(Date.now() + policy.timeout).toISOString(),
      policy,
      comments: new Map(),
      at: new Map(),
      identity: policy.identity,
      verify: options.verify,
    };
    this.wait = wait;
    if (policy.requesterUnproven) {
      this.host.remember({
        by: 'runbook',
        action: 'policy',
        accepted: true,
        planId,
        reason:
          `the request is not signed: ${options.requestedBy ?? 'the requester'} is not proven, so ${policy.required} approvals ` +
          `(one more than the pair requires) from distinct keys; sign the request (kdr failover --key) to need ${policy.required - 1}`,
      });
    }
    this.host.publish();
    const deciding = condition(
      () => wait.approvedBy.length >= wait.required || wait.rejected !== undefined || (interrupt?.() ?? false),
      policy.timeout,
    );
    await opened(this.state()!);
    const decided = await deciding;
    this.wait = undefined;
    if (wait.rejected) return { kind: 'rejected', ...wait.rejected };
    if (decided && wait.approvedBy.length < wait.required) return { kind: 'interrupted', planId: wait.planId };
    if (!decided)
      return { kind: 'timed-out', planId: wait.planId, required: wait.required, got: wait.approvedBy.length };
    return {
      kind: 'approved',
      approval: {
        planId: wait.planId,
        approvedBy: wait.approvedBy.map((by) => ({ by, at: wait.at.get(by)!, comment: wait.comments.get(by) })),
      },
    };
  }

  async approve(raw: unknown): Promise<void> {
    const parsed = validate(ApprovePayloadSchema, raw, { what: 'approve' });
    const p = loose(raw);
    const wait = this.wait;
    const refuse = (reason: string | undefined, planId = p.planId) => {
      this.host.remember({
        by: p.by ?? 'unknown',
        action: 'approve',
        accepted: false,
        planId,
        reason,
        note: p.comment,
      });
      this.host.publish();
    };
    if (!parsed.ok) return refuse(parsed.message);
    if (!wait || wait.rejected) return refuse(`nothing is waiting for approval (phase ${this.host.phase()})`);
    const { by, planId, comment, signature, signedAt } = parsed.value;
    const refusal = refuseApproval(wait, by, planId);
    if (refusal !== undefined) return refuse(refusal);
    if (wait.policy.identity === 'signed') {
      if (signature === undefined || signedAt === undefined) {
        return refuse(
          `pair ${this.host.pair() ?? '?'} accepts signed approvals only (approval.identity "signed"): ` +
            `approve with kdr approve --by <you> --key <your private key> --plan-id ${planId}`,
        );
      }
      if (this.seenSignatures.has(signature))
        return refuse('this signature was already presented to this run: a replayed approval is refused; sign again');
      this.seenSignatures.add(signature);
      const info = workflowInfo();
      const problem = await wait.verify!({
        pair: this.host.pair() ?? '',
        workflowId: info.workflowId,
        runId: info.runId,
        planId,
        by,
        signedAt,
        signature,
      });
      if (problem !== undefined) return refuse(problem);
      // The check took an activity round trip: the wait may have ended, the plan changed, or the same person been counted.
      if (this.wait !== wait || wait.rejected)
        return refuse(`nothing is waiting for approval any more (phase ${this.host.phase()})`);
      const again = refuseApproval(wait, by, planId);
      if (again !== undefined) return refuse(again);
    } else if (signature !== undefined) {
      return refuse(
        `pair ${this.host.pair() ?? '?'} uses declared identity: send the approval without signature and signedAt`,
      );
    }
    wait.approvedBy.push(by);
    wait.comments.set(by, comment);
    wait.at.set(by, now());
    this.host.remember({
      by,
      action: 'approve',
      accepted: true,
      planId,
      note: comment,
      reason: `${wait.approvedBy.length}/${wait.required}${wait.policy.identity === 'signed' ? ' (signature verified)' : ''}`,
    });
    this.host.publish();
  }

  /** Signed pairs: rejects must be signed too (set once the run knows its pair; see Runbook.setPair). */
  guardWith(guard: DecisionGuard): void {
    this.guard = guard;
  }

  async reject(raw: unknown): Promise<void> {
    const parsed = validate(RejectPayloadSchema, raw, { what: 'reject' });
    const p = loose(raw);
    const wait = this.wait;
    let refusal: string | undefined;
    if (!parsed.ok) refusal = parsed.message;
    else if (!wait || wait.rejected) refusal = `nothing is waiting for approval (phase ${this.host.phase()})`;
    else refusal = refuseRejection(wait, parsed.value.by);
    if (refusal === undefined && parsed.ok && wait && this.guard) {
      refusal = await refuseUnsigned(
        this.guard,
        'reject',
        parsed.value,
        { subject: 'reject', planId: wait.planId },
        `reject with kdr reject <pair> --by <you> --key <your private key> --reason "..."`,
      );
      // The check took a worker round trip: the wait may have ended meanwhile.
      if (refusal === undefined && (this.wait !== wait || wait.rejected))
        refusal = `nothing is waiting for approval any more (phase ${this.host.phase()})`;
    }
    if (refusal !== undefined || !parsed.ok || !wait) {
      this.host.remember({
        by: p.by ?? 'unknown',
        action: 'reject',
        accepted: false,
        planId: wait?.planId,
        reason: refusal,
        note: p.reason,
      });
    } else {
      wait.rejected = { by: parsed.value.by, reason: parsed.value.reason };
      this.host.remember({
        by: parsed.value.by,
        action: 'reject',
        accepted: true,
        planId: wait.planId,
        note: parsed.value.reason,
      });
    }
    this.host.publish();
  }
}
