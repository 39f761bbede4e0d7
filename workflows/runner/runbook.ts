// The durable step runner: a runbook is an ordered list of named steps. A step that still fails after its
// activity retries does not fail the run: it blocks and waits for an operator's `resolve` (retry, skip, abort).
// Everything here is deterministic workflow code: time is workflow time, state changes only on events.
// The run's state, its publishing and its end are in run-state.ts; its queries and signals in handlers.ts.
import { condition, patched, upsertSearchAttributes } from '@temporalio/workflow';
import type { z } from 'zod';
import { DECLARED_IDENTITY_WARNING, formatDuration, validate } from '../../src/config';
import type { Approval, ApprovalOptions } from './approval-gate';
import type { VetoWindow, Vetted } from './veto-window';
import { blocksStep, describeFailure, refusalIn, stepFailure } from './failures';
import { approvalNeeded } from './events';
import type { PairIdentity } from './signed-decisions';
import { stepContext, type StepContext, type StepDeclarations, type StepResult } from './steps';
import { DrPairKey } from './search-attributes';
import { clip, now } from './text';
import type { ShownPlan } from '../../src/plan/model';
import type { RunEvent } from '../../src/notify/events';
import { registerHandlers } from './handlers';
import { RUNBOOK, RunState } from './run-state';

export type { Approval, ApprovalClaim, ApprovalOptions, ApprovalOutcome } from './approval-gate';
export type { VetoWindow, Vetted } from './veto-window';
export type { StepContext, StepDeclaration, StepDeclarations } from './steps';

export class Runbook<S extends StepDeclarations> extends RunState<S> {
  constructor(name: string, steps: S) {
    super(name, steps);
    registerHandlers({
      status: () => this.status(),
      plan: () => this.plan,
      gate: this.gate,
      desk: this.desk,
      remember: (entry) => this.remember(entry),
      publish: () => this.publish(),
    });
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
    if (outcome.kind === 'interrupted')
      throw stepFailure('RunbookDefinition', 'an approval without interrupt ended early');
    const { approval } = outcome;
    record.summary = clip(`plan ${approval.planId} approved by ${approval.approvedBy.map((a) => a.by).join(', ')}`);
    this.end(record, 'succeeded');
    return approval;
  }

  /**
   * The approval step satisfied by a policy (drFailover's automatic failover) once `options.policy.timeout` has
   * passed without a veto: a reject ends the run (Rejected), an approval ends the wait at once, and `interrupt`
   * naming a reason ends the run (Aborted); nothing is changed in any of these. `decided` runs before the run ends
   * or goes on (notifications, metrics); it must not throw.
   */
  async vetoWindow<K extends keyof S & string>(name: K, options: ApprovalOptions, window: VetoWindow): Promise<Vetted> {
    if (!this.plan) throw stepFailure('RunbookDefinition', 'a veto window needs a plan: call setPlan first');
    const record = this.record(name);
    record.state = 'running';
    record.attempts += 1;
    record.startedAt = now();
    this.phase = 'awaiting-approval';
    const outcome = await this.gate.decide(
      this.plan.id,
      options,
      (wait) => window.opened(wait.deadline),
      () => window.interrupt() !== undefined,
    );
    this.waitingFor = undefined;
    await window.decided(outcome);
    if (outcome.kind === 'rejected') {
      record.lastError = clip(`vetoed by ${outcome.by}: ${outcome.reason}`);
      this.end(record, 'aborted');
      throw await this.ending(
        'rejected',
        'Rejected',
        `automatic failover vetoed by ${outcome.by}: ${outcome.reason}; nothing was changed`,
      );
    }
    if (outcome.kind === 'interrupted') {
      const reason = `${window.interrupt() ?? 'interrupted'}: automatic failover aborted; nothing was changed`;
      this.remember({ by: RUNBOOK, action: 'abort', accepted: true, step: name, planId: outcome.planId, reason });
      record.lastError = clip(reason);
      this.end(record, 'aborted');
      throw await this.ending('aborted', 'Aborted', reason);
    }
    if (outcome.kind === 'approved') {
      const { approval } = outcome;
      record.summary = clip(
        `plan ${approval.planId} approved early by ${approval.approvedBy.map((a) => a.by).join(', ')} ` +
          `inside the veto window of ${formatDuration(options.policy.timeout)}`,
      );
      this.end(record, 'succeeded');
      return { ...approval, early: true };
    }
    const approval = { planId: outcome.planId, approvedBy: [{ by: window.by, at: now(), comment: window.note }] };
    this.remember({
      by: window.by,
      action: 'approve',
      accepted: true,
      step: name,
      planId: outcome.planId,
      reason: `no veto within ${formatDuration(options.policy.timeout)}`,
      note: window.note,
    });
    record.summary = clip(
      `plan ${outcome.planId} approved by ${window.by}: no veto within ${formatDuration(options.policy.timeout)}`,
    );
    this.end(record, 'succeeded');
    return { ...approval, early: false };
  }
}

/** Declares a runbook: its steps in order (names are checked at compile time by `run.step`). */
export function runbook<const S extends StepDeclarations>(name: string, steps: S): Runbook<S> {
  return new Runbook(name, steps);
}
