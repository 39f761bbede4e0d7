// The state of one runbook run and how it leaves the workflow: the step table, phase, plan and audit trail; the
// status query's answer, the details and search attributes it publishes, and the run's end (finish, abort).
// Deterministic workflow code: time is workflow time, state changes only on events.
import { ApplicationFailure, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { ApprovalGate } from './approval-gate';
import { AuditTrail } from './audit-trail';
import { stepFailure } from './failures';
import { renderStatus } from './render';
import { runEnded } from './events';
import { ResolveDesk } from './resolve';
import type { StepDeclarations } from './steps';
import { DrPhaseKey } from './search-attributes';
import { now } from './text';
import type { ShownPlan } from '../../src/plan/model';
import type { RunEvent } from '../../src/notify/events';
import type { AuditEntry, Phase, RunReport, RunStatus, StepRecord } from './types';

export const RUNBOOK = 'runbook';

export class RunState<S extends StepDeclarations> {
  protected readonly records: StepRecord[];
  protected readonly declarations: S;
  protected readonly trail = new AuditTrail();
  protected phase: Phase = 'starting';
  protected waitingFor: string | undefined;
  protected pair: string | undefined;
  protected plan: { id: string; plan: ShownPlan; markdown?: string } | undefined;
  /** Markdown a step shows in the details when the run has no plan (drSetup's parity gaps and their fixes). */
  protected notes: string | undefined;
  protected readonly gate = new ApprovalGate({
    phase: () => this.phase,
    pair: () => this.pair,
    remember: (entry) => this.remember(entry),
    publish: () => this.publish(),
  });
  protected readonly desk = new ResolveDesk({
    blocked: () => this.blockedNames(),
    skippable: (step) => this.record(step).skippable,
    phase: () => this.phase,
    remember: (entry) => this.remember(entry),
    publish: () => this.publish(),
  });
  protected guarded = false;
  /** The pair uses declared identity: every plan and the details say what that means. */
  protected declared = false;
  protected deadlines: Record<string, number> = {};
  protected readonly startedAt = now();
  protected endedAt: string | undefined;
  protected publishedPhase: string | undefined;
  protected readonly listeners: ((event: RunEvent) => Promise<void>)[] = [];

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

  protected record(name: string): StepRecord {
    const record = this.records.find((r) => r.name === name);
    if (!record) throw stepFailure('RunbookDefinition', `step ${name} is not declared in runbook ${this.name}`);
    return record;
  }

  protected blockedNames(): string[] {
    return this.records.filter((r) => r.state === 'blocked').map((r) => r.name);
  }

  protected end(record: StepRecord, state: StepRecord['state']): void {
    record.state = state;
    record.endedAt = now();
    if (record.startedAt) record.durationMs = Date.parse(record.endedAt) - Date.parse(record.startedAt);
    this.publish();
  }

  protected remember(entry: Omit<AuditEntry, 'at'>): void {
    this.trail.add(entry);
  }

  /** terminate(), after telling the listeners (their audit entries land in the failure's report). */
  protected async ending(
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

  protected origin(): { runbook: string; pair: string } {
    return { runbook: this.name, pair: this.pair ?? 'unknown' };
  }

  protected ended(outcome: RunReport['outcome'], reason?: string): RunEvent {
    return runEnded(this.origin(), outcome, reason, this.startedAt, this.endedAt ?? now(), this.records);
  }

  protected async emit(event: RunEvent): Promise<void> {
    for (const listener of this.listeners) await listener(event);
  }

  protected terminate(
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
  protected publish(): void {
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
