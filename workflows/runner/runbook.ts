// The durable step runner: a runbook is an ordered list of named steps. A step that still fails after its
// activity retries does not fail the run: it blocks and waits for an operator's `resolve` (retry, skip, abort).
// Everything here is deterministic workflow code: time is workflow time, state changes only on events.
import {
  ApplicationFailure, condition, proxyActivities, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo,
  type ActivityInterfaceFor, type ActivityOptions,
} from '@temporalio/workflow';
import type { z } from 'zod';
import {
  ApprovePayloadSchema, RejectPayloadSchema, ResolvePayloadSchema, formatDuration, validate,
  type ApprovalPolicy, type ResolveAction,
} from '../../src/config';
import { approveSignal, planQuery, rejectSignal, resolveSignal, resolveUpdate, statusQuery } from '../definitions';
import { refuseApproval, refuseRejection } from './approval';
import { blocksStep, describeFailure, refusalIn } from './failures';
import { renderStatus } from './render';
import { DrPairKey, DrPhaseKey } from './search-attributes';
import type { ShownPlan } from '../plan-view';
import type { RunEvent } from '../../src/notify/events';
import type { ApprovalState, AuditEntry, PlanView, ResolveOutcome, RunReport, RunStatus, StepRecord } from './types';

export interface StepDeclaration {
  /** Shown in the status table; defaults to the step name. */
  title?: string;
  /** May an operator `resolve skip` this step when it is blocked? */
  skippable?: boolean;
  /** Options for `step.activities()` in this step: its timeouts and retry policy. */
  activities?: ActivityOptions;
}

export type StepDeclarations = Record<string, StepDeclaration>;

/** What a step function gets: its attempt number, a place for its one-line summary, and its activities. */
export interface StepContext {
  readonly name: string;
  /** 1 on the first run, +1 on each operator retry. */
  readonly attempt: number;
  /** The one-line summary shown in the table (last call wins). */
  summary(text: string): void;
  /** Activities with this step's declared options, optionally overridden. */
  activities<A>(options?: Partial<ActivityOptions>): ActivityInterfaceFor<A>;
}

type StepResult<D extends StepDeclaration, T> = D extends { skippable: true } ? T | undefined : T;

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

/** What a signed approval claims; the signature covers every field but `signature`. */
export interface ApprovalClaim {
  pair: string;
  workflowId: string;
  runId: string;
  planId: string;
  by: string;
  signedAt: string;
  signature: string;
}

export interface Approval {
  planId: string;
  approvedBy: { by: string; at: string; comment?: string }[];
}

const MAX_AUDIT = 200;
const MAX_SUMMARY = 200;
const RUNBOOK = 'runbook';

export class Runbook<S extends StepDeclarations> {
  private readonly records: StepRecord[];
  private readonly declarations: S;
  private readonly auditTrail: AuditEntry[] = [];
  private auditDropped = 0;
  private readonly decisions = new Map<string, { action: ResolveAction; by: string; note?: string }>();
  private phase = 'starting';
  private waitingFor: string | undefined;
  private pair: string | undefined;
  private plan: { id: string; plan: ShownPlan; markdown?: string } | undefined;
  private approvalWait: (ApprovalState & {
    policy: ApprovalPolicy; comments: Map<string, string | undefined>; at: Map<string, string>; rejected?: { by: string; reason: string };
    verify?: ApprovalOptions['verify'];
  }) | undefined;
  /** Every signature ever presented to this run: one use each, accepted or not (replays are refused). */
  private readonly seenSignatures = new Set<string>();
  private readonly startedAt = now();
  private endedAt: string | undefined;
  private publishedPhase: string | undefined;
  private readonly listeners: ((event: RunEvent) => Promise<void>)[] = [];

  constructor(readonly name: string, steps: S) {
    this.declarations = steps;
    this.records = Object.entries(steps).map(([step, d]) => ({
      name: step, title: d.title ?? step, skippable: d.skippable === true, state: 'pending', attempts: 0,
    }));
    setHandler(statusQuery, () => this.status(), { description: 'Step table, phase, what the run waits for, audit trail' });
    setHandler(planQuery, (): PlanView<ShownPlan> | null => (this.plan ? { planId: this.plan.id, plan: this.plan.plan } : null),
      { description: 'The current plan and its planId (approve with that planId)' });
    setHandler(resolveSignal, (payload) => this.onResolve(payload),
      { description: 'Decide about a blocked step: {"action": "retry"|"skip"|"abort", "by": "...", "note": "..."}' });
    setHandler(resolveUpdate, (payload) => this.applyResolve(payload), {
      description: 'Like signal resolve, but an invalid request is rejected back to you at once',
      validator: (payload) => {
        const refusal = this.checkResolve(payload);
        if (typeof refusal === 'string') throw ApplicationFailure.nonRetryable(refusal, 'ResolveRefused');
      },
    });
    setHandler(approveSignal, (payload) => this.onApprove(payload),
      { description: 'Approve the current plan: {"by": "...", "planId": "...", "comment": "..."}' });
    setHandler(rejectSignal, (payload) => this.onReject(payload),
      { description: 'Reject the current plan, nothing is changed: {"by": "...", "reason": "..."}' });
    this.publish();
  }

  // ---- input and identity -------------------------------------------------------------------------------------

  /** Validates the run's input; a bad input fails the run at once (non-retryable InvalidInput) naming every field. */
  input<T extends z.ZodType>(schema: T, raw: unknown): z.output<T> {
    const result = validate(schema, raw);
    if (!result.ok) {
      this.phase = 'invalid-input';
      this.endedAt = now();
      this.publish();
      throw ApplicationFailure.nonRetryable(result.message, 'InvalidInput');
    }
    return result.value;
  }

  /** Names the DR pair this run acts on (search attribute DrPair, status, details). */
  setPair(name: string): void {
    if (this.pair === name) return;
    this.pair = name;
    upsertSearchAttributes([{ key: DrPairKey, value: name }]);
    this.publish();
  }

  /**
   * Calls `listener` when the run asks for approval, blocks, or ends (notifications, metrics: workflows/notify.ts).
   * It must not throw: a failed notification never changes the run.
   */
  onEvent(listener: (event: RunEvent) => Promise<void>): void {
    this.listeners.push(listener);
  }

  // ---- steps --------------------------------------------------------------------------------------------------

  /**
   * Runs one step. When it fails after its retries the step blocks until an operator resolves it:
   * retry runs `fn` again, skip (skippable steps only) returns undefined, abort ends the run.
   */
  async step<K extends keyof S & string, T>(name: K, fn: (step: StepContext) => Promise<T>): Promise<StepResult<S[K], T>> {
    const record = this.record(name);
    if (record.state === 'succeeded' || record.state === 'skipped') {
      throw ApplicationFailure.nonRetryable(`step ${name} already ran in this run; steps run once`, 'RunbookDefinitionError');
    }
    for (;;) {
      record.state = 'running';
      record.attempts += 1;
      record.startedAt ??= now();
      record.endedAt = undefined;
      record.durationMs = undefined;
      this.phase = name;
      this.waitingFor = undefined;
      this.publish();
      try {
        const value = await fn(this.context(record));
        this.end(record, 'succeeded');
        return value;
      } catch (err) {
        const refusal = refusalIn(err);
        if (refusal) {
          record.lastError = clip(`refused: ${refusal.message}`);
          this.end(record, 'aborted');
          this.remember({ by: RUNBOOK, action: 'refuse', accepted: false, step: name, reason: refusal.message });
          throw await this.ending('aborted', 'Refused', `refused: ${refusal.message}. Nothing was changed.`);
        }
        if (!blocksStep(err)) throw err;
        record.state = 'blocked';
        record.lastError = describeFailure(err);
        this.phase = 'blocked';
        this.waitingFor = `resolve on step ${name} (${record.skippable ? 'retry, skip or abort' : 'retry or abort'})`;
        this.publish();
        const decided = condition(() => this.decisions.has(name));
        await this.emit({ ...this.origin(), kind: 'step-blocked', step: name, title: record.title, error: record.lastError, skippable: record.skippable });
        await decided;
        const decision = this.decisions.get(name)!;
        this.decisions.delete(name);
        if (decision.action === 'retry') continue;
        if (decision.action === 'skip') {
          record.summary = clip(`skipped by ${decision.by}${decision.note ? `: ${decision.note}` : ''}`);
          this.end(record, 'skipped');
          return undefined as StepResult<S[K], T>;
        }
        this.end(record, 'aborted');
        throw await this.ending('aborted', 'Aborted',
          `aborted by ${decision.by} at step ${name}${decision.note ? `: ${decision.note}` : ''} (last error: ${record.lastError})`);
      }
    }
  }

  /** Marks a step skipped by the runbook itself (e.g. drain when the primary is down), with the reason. */
  skip<K extends keyof S & string>(name: K, reason: string): void {
    const record = this.record(name);
    record.summary = clip(reason);
    this.end(record, 'skipped');
    this.remember({ by: RUNBOOK, action: 'skip', accepted: true, step: name, reason });
  }

  /** Marks every step not yet run as skipped (e.g. a dry run ends after the plan). */
  skipRemaining(reason: string): void {
    for (const record of this.records) {
      if (record.state === 'pending') {
        record.summary = clip(reason);
        this.end(record, 'skipped');
      }
    }
    this.remember({ by: RUNBOOK, action: 'skip', accepted: true, reason: `remaining steps: ${reason}` });
  }

  // ---- plan and approval --------------------------------------------------------------------------------------

  /** Publishes the plan (query `plan`, details). A new planId discards approvals given for the old one. */
  setPlan(planId: string, plan: ShownPlan, markdown?: string): void {
    if (this.approvalWait && this.approvalWait.planId !== planId && this.approvalWait.approvedBy.length > 0) {
      this.remember({ by: RUNBOOK, action: 'plan', accepted: true, planId,
        reason: `plan changed from ${this.approvalWait.planId}: approvals by ${this.approvalWait.approvedBy.join(', ')} no longer count` });
      this.approvalWait.approvedBy = [];
    }
    if (this.approvalWait) this.approvalWait.planId = planId;
    this.plan = { id: planId, plan, markdown };
    this.publish();
  }

  /**
   * Waits (as step `name`) until the current plan has the approvals the policy requires. A reject ends the run
   * (ApplicationFailure 'Rejected'), and so does the timeout (ApplicationFailure 'Aborted'); nothing is changed.
   */
  async approval<K extends keyof S & string>(name: K, options: ApprovalOptions): Promise<Approval> {
    if (!this.plan) throw ApplicationFailure.nonRetryable('approval needs a plan: call setPlan first', 'RunbookDefinitionError');
    const record = this.record(name);
    const { policy } = options;
    if (policy.identity === 'signed' && !options.verify) {
      throw ApplicationFailure.nonRetryable('a signed approval policy needs options.verify', 'RunbookDefinitionError');
    }
    record.state = 'running';
    record.attempts += 1;
    record.startedAt = now();
    const wait = {
      planId: this.plan.id, required: policy.required, approvedBy: [] as string[], requestedBy: options.requestedBy,
      allowList: policy.allowList, deadline: new Date(Date.now() + policy.timeout).toISOString(), policy,
      comments: new Map<string, string | undefined>(), at: new Map<string, string>(), identity: policy.identity, verify: options.verify,
    };
    this.approvalWait = wait;
    this.phase = 'awaiting-approval';
    this.refreshApprovalWait();
    this.publish();
    // The wait starts before the notification goes out: its deadline is the one just shown.
    const deciding = condition(() => wait.approvedBy.length >= wait.required || this.approvalWait?.rejected !== undefined,
      policy.timeout);
    const totals = this.plan.plan.totals;
    await this.emit({
      ...this.origin(), kind: 'approval-needed', step: name, planId: wait.planId, required: wait.required, approvedBy: [...wait.approvedBy],
      ...(wait.allowList ? { allowList: wait.allowList } : {}), ...(wait.requestedBy ? { requestedBy: wait.requestedBy } : {}),
      forbidSelfApproval: policy.forbidSelfApproval, identity: policy.identity, deadline: wait.deadline,
      ...(totals ? { plan: { groups: totals.groups, partitions: totals.partitions, duplicateBound: totals.duplicateBound, untranslated: totals.untranslated, liveGroups: totals.liveGroups } } : {}),
    });
    const decided = await deciding;
    const rejected = this.approvalWait?.rejected;
    this.approvalWait = undefined;
    this.waitingFor = undefined;
    if (rejected) {
      record.lastError = clip(`rejected by ${rejected.by}: ${rejected.reason}`);
      this.end(record, 'aborted');
      throw await this.ending('rejected', 'Rejected', `rejected by ${rejected.by}: ${rejected.reason}; nothing was changed`);
    }
    if (!decided) {
      const reason = `no ${wait.required} approval(s) within ${formatDuration(policy.timeout)} (got ${wait.approvedBy.length}); nothing was changed`;
      this.remember({ by: RUNBOOK, action: 'timeout', accepted: true, step: name, planId: wait.planId, reason });
      record.lastError = clip(reason);
      this.end(record, 'aborted');
      throw await this.ending('aborted', 'Aborted', `approval timed out: ${reason}`);
    }
    record.summary = clip(`plan ${wait.planId} approved by ${wait.approvedBy.join(', ')}`);
    this.end(record, 'succeeded');
    return {
      planId: wait.planId,
      approvedBy: wait.approvedBy.map((by) => ({ by, at: wait.at.get(by)!, comment: wait.comments.get(by) })),
    };
  }

  // ---- audit, status, result ----------------------------------------------------------------------------------

  /** Records a decision the workflow took (e.g. "cname: kafka.kdr.test from A to B"). */
  audit(entry: Omit<AuditEntry, 'at' | 'accepted' | 'by'> & { by?: string; accepted?: boolean }): void {
    this.remember({ by: RUNBOOK, accepted: true, ...entry });
  }

  status(): RunStatus {
    const approval = this.approvalWait;
    return {
      runbook: this.name,
      pair: this.pair,
      runId: workflowInfo().runId,
      phase: this.phase,
      waitingFor: this.waitingFor,
      steps: this.records.map((r) => ({ ...r })),
      approval: approval && {
        planId: approval.planId, required: approval.required, approvedBy: [...approval.approvedBy],
        requestedBy: approval.requestedBy, allowList: approval.allowList, deadline: approval.deadline, identity: approval.identity,
      },
      planId: this.plan?.id,
      audit: [...this.auditTrail],
      startedAt: this.startedAt,
      endedAt: this.endedAt,
    };
  }

  /** Ends the run successfully: the workflow's own result plus the step table and the audit trail. */
  async finish<R extends object>(result: R): Promise<R & RunReport> {
    this.phase = 'completed';
    this.waitingFor = undefined;
    this.endedAt = now();
    this.publish();
    await this.emit(this.ended('completed'));
    return { ...result, ...this.report('completed') };
  }

  /** Ends the run as aborted by the runbook itself (not by an operator), with the audit trail. */
  abort(reason: string): never {
    this.remember({ by: RUNBOOK, action: 'abort', accepted: true, reason });
    throw this.terminate('aborted', 'Aborted', reason);
  }

  report(outcome: RunReport['outcome']): RunReport {
    return {
      runbook: this.name, pair: this.pair, outcome, steps: this.records.map((r) => ({ ...r })),
      audit: [...this.auditTrail], startedAt: this.startedAt, endedAt: this.endedAt ?? now(),
    };
  }

  // ---- signal handlers ----------------------------------------------------------------------------------------

  private onResolve(raw: unknown): void {
    const refusal = this.checkResolve(raw);
    if (typeof refusal === 'string') {
      const p = loose(raw);
      this.remember({ by: p.by ?? 'unknown', action: `resolve:${p.action ?? '?'}`, accepted: false, step: p.step ?? this.blockedNames()[0], reason: refusal, note: p.note });
      this.publish();
      return;
    }
    this.applyResolve(raw);
  }

  private applyResolve(raw: unknown): ResolveOutcome {
    const checked = this.checkResolve(raw);
    if (typeof checked === 'string') throw ApplicationFailure.nonRetryable(checked, 'ResolveRefused');
    const { step, action, by, note } = checked;
    this.decisions.set(step, { action, by, note });
    this.remember({ by, action: `resolve:${action}`, accepted: true, step, note });
    this.publish();
    return { step, action };
  }

  /** The step and decision, or why the request is refused. */
  private checkResolve(raw: unknown): string | { step: string; action: ResolveAction; by: string; note?: string } {
    const parsed = validate(ResolvePayloadSchema, raw, { what: 'resolve' });
    if (!parsed.ok) return parsed.message;
    const { action, by, note, step } = parsed.value;
    const blocked = this.blockedNames().filter((n) => !this.decisions.has(n));
    if (blocked.length === 0) return `no step is blocked (phase ${this.phase}); nothing to ${action}`;
    let target: string;
    if (step !== undefined) {
      if (!blocked.includes(step)) return `step ${step} is not blocked (blocked: ${blocked.join(', ')})`;
      target = step;
    } else if (blocked.length > 1) {
      return `several steps are blocked (${blocked.join(', ')}): say which one with "step"`;
    } else {
      target = blocked[0];
    }
    if (action === 'skip' && !this.record(target).skippable) {
      return `step ${target} is not skippable: retry it after fixing the cause, or abort the run`;
    }
    return { step: target, action, by, note };
  }

  private async onApprove(raw: unknown): Promise<void> {
    const parsed = validate(ApprovePayloadSchema, raw, { what: 'approve' });
    const p = loose(raw);
    const wait = this.approvalWait;
    const refuse = (reason: string | undefined, planId = p.planId) => {
      this.remember({ by: p.by ?? 'unknown', action: 'approve', accepted: false, planId, reason, note: p.comment });
      this.publish();
    };
    if (!parsed.ok) return refuse(parsed.message);
    if (!wait || wait.rejected) return refuse(`nothing is waiting for approval (phase ${this.phase})`);
    const { by, planId, comment, signature, signedAt } = parsed.value;
    const refusal = refuseApproval({ ...wait, policy: wait.policy }, by, planId);
    if (refusal !== undefined) return refuse(refusal);
    if (wait.policy.identity === 'signed') {
      if (signature === undefined || signedAt === undefined) {
        return refuse(`pair ${this.pair ?? '?'} accepts signed approvals only (approval.identity "signed"): ` +
          `approve with kdr approve --by <you> --key <your private key> --plan-id ${planId}`);
      }
      if (this.seenSignatures.has(signature)) return refuse('this signature was already presented to this run: a replayed approval is refused; sign again');
      this.seenSignatures.add(signature);
      const info = workflowInfo();
      const problem = await wait.verify!({ pair: this.pair ?? '', workflowId: info.workflowId, runId: info.runId, planId, by, signedAt, signature });
      if (problem !== undefined) return refuse(problem);
      // The check took an activity round trip: the wait may have ended, the plan changed, or the same person been counted.
      if (this.approvalWait !== wait || wait.rejected) return refuse(`nothing is waiting for approval any more (phase ${this.phase})`);
      const again = refuseApproval({ ...wait, policy: wait.policy }, by, planId);
      if (again !== undefined) return refuse(again);
    } else if (signature !== undefined) {
      return refuse(`pair ${this.pair ?? '?'} uses declared identity: send the approval without signature and signedAt`);
    }
    wait.approvedBy.push(by);
    wait.comments.set(by, comment);
    wait.at.set(by, now());
    this.remember({ by, action: 'approve', accepted: true, planId, note: comment,
      reason: `${wait.approvedBy.length}/${wait.required}${wait.policy.identity === 'signed' ? ' (signature verified)' : ''}` });
    this.refreshApprovalWait();
    this.publish();
  }

  private onReject(raw: unknown): void {
    const parsed = validate(RejectPayloadSchema, raw, { what: 'reject' });
    const p = loose(raw);
    const wait = this.approvalWait;
    let refusal: string | undefined;
    if (!parsed.ok) refusal = parsed.message;
    else if (!wait || wait.rejected) refusal = `nothing is waiting for approval (phase ${this.phase})`;
    else refusal = refuseRejection({ ...wait, policy: wait.policy }, parsed.value.by);
    if (refusal !== undefined || !parsed.ok || !wait) {
      this.remember({ by: p.by ?? 'unknown', action: 'reject', accepted: false, planId: wait?.planId, reason: refusal, note: p.reason });
    } else {
      wait.rejected = { by: parsed.value.by, reason: parsed.value.reason };
      this.remember({ by: parsed.value.by, action: 'reject', accepted: true, planId: wait.planId, note: parsed.value.reason });
    }
    this.publish();
  }

  // ---- internals ----------------------------------------------------------------------------------------------

  private context(record: StepRecord): StepContext {
    const declared = this.declarations[record.name]?.activities;
    return {
      name: record.name,
      attempt: record.attempts,
      summary: (text) => {
        record.summary = clip(text);
        this.publish();
      },
      activities: <A>(options?: Partial<ActivityOptions>) => {
        const merged = { ...declared, ...options } as ActivityOptions;
        if (merged.startToCloseTimeout === undefined && merged.scheduleToCloseTimeout === undefined) {
          throw ApplicationFailure.nonRetryable(`step ${record.name} declares no activity timeouts: give it "activities: { startToCloseTimeout }"`,
            'RunbookDefinitionError');
        }
        return proxyActivities<A>(merged);
      },
    };
  }

  private refreshApprovalWait(): void {
    const w = this.approvalWait;
    if (!w) return;
    this.waitingFor = `approval: ${w.approvedBy.length}/${w.required} for plan ${w.planId} (until ${w.deadline.slice(0, 19)}Z)`;
  }

  private record(name: string): StepRecord {
    const record = this.records.find((r) => r.name === name);
    if (!record) throw ApplicationFailure.nonRetryable(`step ${name} is not declared in runbook ${this.name}`, 'RunbookDefinitionError');
    return record;
  }

  private blockedNames(): string[] {
    return this.records.filter((r) => r.state === 'blocked').map((r) => r.name);
  }

  private end(record: StepRecord, state: StepRecord['state']): void {
    record.state = state;
    record.endedAt = now();
    if (record.startedAt) record.durationMs = Date.parse(record.endedAt) - Date.parse(record.startedAt);
    this.publish();
  }

  private remember(entry: Omit<AuditEntry, 'at'>): void {
    const clean: AuditEntry = { at: now(), ...entry };
    if (clean.note) clean.note = clip(clean.note, 500);
    if (clean.reason) clean.reason = clip(clean.reason, 500);
    for (const key of Object.keys(clean) as (keyof AuditEntry)[]) if (clean[key] === undefined) delete clean[key];
    this.auditTrail.push(clean);
    // Refusals can be sent without limit; keep the trail (and the result) bounded, accepted decisions first.
    if (this.auditTrail.length > MAX_AUDIT) {
      const i = this.auditTrail.findIndex((a) => !a.accepted);
      this.auditTrail.splice(i >= 0 ? i : 0, 1);
      this.auditDropped += 1;
    }
  }

  /** terminate(), after telling the listeners (their audit entries land in the failure's report). */
  private async ending(outcome: 'aborted' | 'rejected', type: 'Aborted' | 'Rejected' | 'Refused', message: string): Promise<ApplicationFailure> {
    this.phase = outcome;
    this.waitingFor = undefined;
    this.endedAt = now();
    await this.emit(this.ended(outcome, message));
    return this.terminate(outcome, type, message);
  }

  private origin(): { runbook: string; pair: string } {
    return { runbook: this.name, pair: this.pair ?? 'unknown' };
  }

  private ended(outcome: RunReport['outcome'], reason?: string): RunEvent {
    return {
      ...this.origin(), kind: `run-${outcome}`, ...(reason ? { reason } : {}), startedAt: this.startedAt, endedAt: this.endedAt ?? now(),
      steps: this.records.map((r) => ({ name: r.name, state: r.state, ...(r.durationMs !== undefined ? { durationMs: r.durationMs } : {}), ...(r.endedAt ? { endedAt: r.endedAt } : {}) })),
    };
  }

  private async emit(event: RunEvent): Promise<void> {
    for (const listener of this.listeners) await listener(event);
  }

  private terminate(outcome: 'aborted' | 'rejected', type: 'Aborted' | 'Rejected' | 'Refused', message: string): ApplicationFailure {
    this.phase = outcome;
    this.waitingFor = undefined;
    this.endedAt ??= now();
    this.publish();
    return ApplicationFailure.create({ message, type, nonRetryable: true, details: [this.report(outcome)] });
  }

  /** Pushes the state out: current details (not in history) and, when the phase changed, search attributes. */
  private publish(): void {
    setCurrentDetails(renderStatus(this.status(), this.plan?.markdown) +
      (this.auditDropped ? `\n\n_${this.auditDropped} older refused request(s) not shown._` : ''));
    if (this.publishedPhase !== this.phase) {
      this.publishedPhase = this.phase;
      upsertSearchAttributes([{ key: DrPhaseKey, value: this.phase }]);
    }
  }
}

/** Declares a runbook: its steps in order (names are checked at compile time by `run.step`). */
export function runbook<const S extends StepDeclarations>(name: string, steps: S): Runbook<S> {
  return new Runbook(name, steps);
}

function now(): string {
  return new Date(Date.now()).toISOString();
}

function clip(text: string, max = MAX_SUMMARY): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

/** Best-effort fields of an invalid payload, for the audit entry that records its refusal. */
function loose(raw: unknown): { by?: string; action?: string; step?: string; note?: string; planId?: string; comment?: string; reason?: string } {
  if (!raw || typeof raw !== 'object') return {};
  const out: Record<string, string> = {};
  for (const key of ['by', 'action', 'step', 'note', 'planId', 'comment', 'reason']) {
    const v = (raw as Record<string, unknown>)[key];
    if (typeof v === 'string') out[key] = clip(v, 128);
  }
  return out;
}
