// The durable step runner: a runbook is an ordered list of named steps. A step that still fails after its
// activity retries does not fail the run: it blocks and waits for an operator's `resolve` (retry, skip, abort).
// Everything here is deterministic workflow code: time is workflow time, state changes only on events.
import {
  ApplicationFailure,
  condition,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { z } from 'zod';
import { boundsProblem, DECLARED_IDENTITY_WARNING, formatDuration, SIGNAL_BOUNDS, validate } from '../../src/config';
import { approveSignal, planQuery, rejectSignal, resolveSignal, resolveUpdate, statusQuery } from '../contract';
import { ApprovalGate, type Approval, type ApprovalOptions } from './approval-gate';
import { AuditTrail } from './audit-trail';
import { blocksStep, describeFailure, refusalIn, stepFailure } from './failures';
import { renderStatus } from './render';
import { approvalNeeded, runEnded } from './events';
import { ResolveDesk } from './resolve';
import type { PairIdentity } from './signed-decisions';
import { refusing } from './handler-guard';
import { stepContext, type StepContext, type StepDeclarations, type StepResult } from './steps';
import { DrPairKey, DrPhaseKey } from './search-attributes';
import { clip, now } from './text';
import type { ShownPlan } from '../../src/plan/model';
import type { RunEvent } from '../../src/notify/events';
import type { AuditEntry, Phase, PlanView, RunReport, RunStatus, StepRecord } from './types';
import { PLAN_PAGE_GROUPS, planPage, type PlanPageRequest } from './types';

export type { Approval, ApprovalClaim, ApprovalOptions } from './approval-gate';
export type { StepContext, StepDeclaration, StepDeclarations } from './steps';

const RUNBOOK = 'runbook';

export class Runbook<S extends StepDeclarations> {
  private readonly records: StepRecord[];
  private readonly declarations: S;
  private readonly trail = new AuditTrail();
  private phase: Phase = 'starting';
  private waitingFor: string | undefined;
  private pair: string | undefined;
  private plan: { id: string; plan: ShownPlan; markdown?: string } | undefined;
  /** Markdown a step shows in the details when the run has no plan (drSetup's parity gaps and their fixes). */
  private notes: string | undefined;
  private readonly gate = new ApprovalGate({
    phase: () => this.phase,
    pair: () => this.pair,
    remember: (entry) => this.remember(entry),
    publish: () => this.publish(),
  });
  private readonly desk = new ResolveDesk({
    blocked: () => this.blockedNames(),
    skippable: (step) => this.record(step).skippable,
    phase: () => this.phase,
    remember: (entry) => this.remember(entry),
    publish: () => this.publish(),
  });
  private guarded = false;
  /** The pair uses declared identity: every plan and the details say what that means. */
  private declared = false;
  private deadlines: Record<string, number> = {};
  private readonly startedAt = now();
  private endedAt: string | undefined;
  private publishedPhase: string | undefined;
  private readonly listeners: ((event: RunEvent) => Promise<void>)[] = [];

  constructor(
    readonly name: string,
    steps: S,
  ) {
    this.declarations = steps;
    this.records = Object.entries(steps).map(([step, d]) => ({
      name: step,
      title: d.title ?? step,
      skippable: d.skippable === true,
      state: 'pending',
      attempts: 0,
    }));
    setHandler(statusQuery, () => this.status(), {
      description: 'Step table, phase, what the run waits for, audit trail',
    });
    setHandler(
      planQuery,
      (request?: PlanPageRequest): PlanView<ShownPlan> | null => {
        const tooBig = boundsProblem(request, SIGNAL_BOUNDS, 'request');
        if (tooBig) throw stepFailure('InvalidInput', `invalid plan request: ${tooBig.path}: ${tooBig.message}`);
        return this.plan ? planPage(this.plan.id, this.plan.plan, request) : null;
      },
      {
        description: `The current plan and its planId (approve with that planId); {"offset": n, "limit": m} pages its groups (unasked, a plan over 4 MB of JSON is answered ${PLAN_PAGE_GROUPS} groups at a time)`,
      },
    );
    // Every signal handler refuses (audited) rather than throws: see handler-guard.ts.
    const host = { remember: (entry: Omit<AuditEntry, 'at'>) => this.remember(entry), publish: () => this.publish() };
    setHandler(
      resolveSignal,
      refusing('resolve', host, (payload) => this.desk.signal(payload)),
      { description: 'Decide about a blocked step: {"action": "retry"|"skip"|"abort", "by": "...", "note": "..."}' },
    );
    setHandler(resolveUpdate, (payload) => this.desk.update(payload), {
      description: 'Like signal resolve, but an invalid request is rejected back to you at once',
      validator: (payload) => this.desk.validate(payload),
    });
    setHandler(
      approveSignal,
      refusing('approve', host, (payload) => this.gate.approve(payload)),
      { description: 'Approve the current plan: {"by": "...", "planId": "...", "comment": "..."}' },
    );
    setHandler(
      rejectSignal,
      refusing('reject', host, (payload) => this.gate.reject(payload)),
      { description: 'Reject the current plan, nothing is changed: {"by": "...", "reason": "..."}' },
    );
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
      throw stepFailure('InvalidInput', result.message);
    }
    return result.value;
  }

  /**
   * Names the DR pair this run acts on (search attribute DrPair, status, details). `guard` (a pair with signed
   * identity, approval-policy.ts decisionGuard): from now on rejects and resolves must be signed too.
   */
  setPair(name: string, who?: PairIdentity): void {
    // Runs recorded before signed rejects and resolves took them unsigned.
    if (who?.identity === 'signed' && !this.guarded && patched('signed-decisions')) {
      this.guarded = true;
      this.gate.guardWith(who);
      this.desk.guardWith(who);
    }
    if (who?.identity === 'declared' && !this.declared) {
      this.declared = true;
      // A plan shown before the run knew its pair's identity gets the warning too.
      if (this.plan) this.setPlan(this.plan.id, this.plan.plan, this.plan.markdown);
      else this.publish();
    }
    if (this.pair === name) return;
    this.pair = name;
    upsertSearchAttributes([{ key: DrPairKey, value: name }]);
    this.publish();
  }

  /** The pair's step deadlines (config `deadlines`): how long each later step's activities may retry. */
  setDeadlines(deadlines: Record<string, number> | undefined): void {
    this.deadlines = { ...deadlines };
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
  async step<K extends keyof S & string, T>(
    name: K,
    fn: (step: StepContext) => Promise<T>,
  ): Promise<StepResult<S[K], T>> {
    const record = this.record(name);
    if (record.state === 'succeeded' || record.state === 'skipped') {
      throw stepFailure('RunbookDefinition', `step ${name} already ran in this run; steps run once`);
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
        const value = await fn(
          stepContext(
            record,
            this.declarations[record.name]?.activities,
            () => this.publish(),
            this.deadlines[record.name],
          ),
        );
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
        const decided = condition(() => this.desk.has(name));
        await this.emit({
          ...this.origin(),
          kind: 'step-blocked',
          step: name,
          title: record.title,
          error: record.lastError,
          skippable: record.skippable,
        });
        await decided;
        const decision = this.desk.take(name);
        if (decision.action === 'retry') continue;
        if (decision.action === 'skip') {
          record.summary = clip(`skipped by ${decision.by}${decision.note ? `: ${decision.note}` : ''}`);
          this.end(record, 'skipped');
          return undefined as StepResult<S[K], T>;
        }
        this.end(record, 'aborted');
        throw await this.ending(
          'aborted',
          'Aborted',
          `aborted by ${decision.by} at step ${name}${decision.note ? `: ${decision.note}` : ''} (last error: ${record.lastError})`,
        );
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
    this.gate.planChanged(planId);
    // Not part of what the planId seals: it says who may approve it, not what approving it does.
    this.plan = this.declared
      ? {
          id: planId,
          plan: { ...plan, identityWarning: DECLARED_IDENTITY_WARNING },
          markdown: `> ⚠️ **Declared identity.** ${DECLARED_IDENTITY_WARNING}\n\n${markdown ?? ''}`,
        }
      : { id: planId, plan, markdown };
    this.publish();
  }

  /** Shows `markdown` in the run's details (not in history, like the plan); a plan, once set, is shown instead. */
  setNotes(markdown: string | undefined): void {
    this.notes = markdown;
    this.publish();
  }

  /**
   * Waits (as step `name`) until the current plan has the approvals the policy requires. A reject ends the run
   * (ApplicationFailure 'Rejected'), and so does the timeout (ApplicationFailure 'Aborted'); nothing is changed.
   */
  async approval<K extends keyof S & string>(name: K, options: ApprovalOptions): Promise<Approval> {
    if (!this.plan) throw stepFailure('RunbookDefinition', 'approval needs a plan: call setPlan first');
    const record = this.record(name);
    const { policy } = options;
    if (policy.identity === 'signed' && !options.verify) {
      throw stepFailure('RunbookDefinition', 'a signed approval policy needs options.verify');
    }
    record.state = 'running';
    record.attempts += 1;
    record.startedAt = now();
    this.phase = 'awaiting-approval';
    const outcome = await this.gate.decide(this.plan.id, options, (wait) =>
      this.emit(approvalNeeded(this.origin(), name, wait, policy, this.plan?.plan.totals)),
    );
    this.waitingFor = undefined;
    if (outcome.kind === 'rejected') {
      record.lastError = clip(`rejected by ${outcome.by}: ${outcome.reason}`);
      this.end(record, 'aborted');
      throw await this.ending(
        'rejected',
        'Rejected',
        `rejected by ${outcome.by}: ${outcome.reason}; nothing was changed`,
      );
    }
    if (outcome.kind === 'timed-out') {
      const reason = `no ${outcome.required} approval(s) within ${formatDuration(policy.timeout)} (got ${outcome.got}); nothing was changed`;
      this.remember({ by: RUNBOOK, action: 'timeout', accepted: true, step: name, planId: outcome.planId, reason });
      record.lastError = clip(reason);
      this.end(record, 'aborted');
      throw await this.ending('aborted', 'Aborted', `approval timed out: ${reason}`);
    }
    const { approval } = outcome;
    record.summary = clip(`plan ${approval.planId} approved by ${approval.approvedBy.map((a) => a.by).join(', ')}`);
    this.end(record, 'succeeded');
    return approval;
  }

  // ---- audit, status, result ----------------------------------------------------------------------------------

  /** Records a decision the workflow took (e.g. "cname: kafka.kdr.test from A to B"). */
  audit(entry: Omit<AuditEntry, 'at' | 'accepted' | 'by'> & { by?: string; accepted?: boolean }): void {
    this.remember({ by: RUNBOOK, accepted: true, ...entry });
  }

  status(): RunStatus {
    return {
      runbook: this.name,
      pair: this.pair,
      runId: workflowInfo().runId,
      phase: this.phase,
      waitingFor: this.gate.waitingFor() ?? this.waitingFor,
      steps: this.records.map((r) => ({ ...r })),
      approval: this.gate.state(),
      planId: this.plan?.id,
      audit: this.trail.list(),
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
      runbook: this.name,
      pair: this.pair,
      outcome,
      steps: this.records.map((r) => ({ ...r })),
      audit: this.trail.list(),
      startedAt: this.startedAt,
      endedAt: this.endedAt ?? now(),
    };
  }

  // ---- internals ----------------------------------------------------------------------------------------------

  private record(name: string): StepRecord {
    const record = this.records.find((r) => r.name === name);
    if (!record) throw stepFailure('RunbookDefinition', `step ${name} is not declared in runbook ${this.name}`);
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
    this.trail.add(entry);
  }

  /** terminate(), after telling the listeners (their audit entries land in the failure's report). */
  private async ending(
    outcome: 'aborted' | 'rejected',
    type: 'Aborted' | 'Rejected' | 'Refused',
    message: string,
  ): Promise<ApplicationFailure> {
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
    return runEnded(this.origin(), outcome, reason, this.startedAt, this.endedAt ?? now(), this.records);
  }

  private async emit(event: RunEvent): Promise<void> {
    for (const listener of this.listeners) await listener(event);
  }

  private terminate(
    outcome: 'aborted' | 'rejected',
    type: 'Aborted' | 'Rejected' | 'Refused',
    message: string,
  ): ApplicationFailure {
    this.phase = outcome;
    this.waitingFor = undefined;
    this.endedAt ??= now();
    this.publish();
    return ApplicationFailure.create({ message, type, nonRetryable: true, details: [this.report(outcome)] });
  }

  /** Pushes the state out: current details (not in history) and, when the phase changed, search attributes. */
  private publish(): void {
    const rendered = renderStatus(this.status(), this.plan?.markdown ?? this.notes);
    // The warning right under the heading: the first thing anyone about to approve from the UI reads.
    const cut = rendered.indexOf('\n');
    const details =
      this.declared && cut > 0
        ? `${rendered.slice(0, cut)}\n\n> ⚠️ **Declared identity**: anyone who can signal this run approves under any name.${this.plan ? ' See the plan below.' : ''}${rendered.slice(cut)}`
        : rendered;
    setCurrentDetails(
      details + (this.trail.dropped ? `\n\n_${this.trail.dropped} older refused request(s) not shown._` : ''),
    );
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
