// An operator's decision about a blocked step (retry, skip, abort): checked here, applied by the runner.
import { ResolvePayloadSchema, validate, type ResolveAction } from '../../src/config';
import { loose } from './text';
import type { AuditEntry, Phase, ResolveOutcome } from './types';
import { stepFailure } from './failures';
import { refuseUnsigned, type DecisionGuard } from './signed-decisions';

export interface ResolveDecision {
  step: string;
  action: ResolveAction;
  by: string;
  note?: string;
}

/**
 * The decision a resolve request makes, or why it is refused. `blocked` lists the steps still waiting for a
 * decision; a request without "step" is only unambiguous when one step waits.
 */
export function checkResolve(
  raw: unknown,
  blocked: string[],
  skippable: (step: string) => boolean,
  phase: Phase,
): string | ResolveDecision {
  const parsed = validate(ResolvePayloadSchema, raw, { what: 'resolve' });
  if (!parsed.ok) return parsed.message;
  const { action, by, note, step } = parsed.value;
  if (blocked.length === 0) return `no step is blocked (phase ${phase}); nothing to ${action}`;
  let target: string;
  if (step !== undefined) {
    if (!blocked.includes(step)) return `step ${step} is not blocked (blocked: ${blocked.join(', ')})`;
    target = step;
  } else if (blocked.length > 1) {
    return `several steps are blocked (${blocked.join(', ')}): say which one with "step"`;
  } else {
    target = blocked[0];
  }
  if (action === 'skip' && !skippable(target)) {
    return `step ${target} is not skippable: retry it after fixing the cause, or abort the run`;
  }
  return { step: target, action, by, note };
}

/** What the desk needs from the run: its blocked steps and its audit trail. */
export interface DeskHost {
  blocked(): string[];
  skippable(step: string): boolean;
  phase(): Phase;
  remember(entry: Omit<AuditEntry, 'at'>): void;
  publish(): void;
}

/** Takes resolve requests (signal or update) and holds each blocked step's decision until the step takes it. */
export class ResolveDesk {
  private readonly decisions = new Map<string, Omit<ResolveDecision, 'step'>>();
  private guard: DecisionGuard | undefined;

  constructor(private readonly host: DeskHost) {}

  /** Signed pairs: a resolve must be signed (purpose "resolve", over "<step> <action>"). */
  guardWith(guard: DecisionGuard): void {
    this.guard = guard;
  }

  has(step: string): boolean {
    return this.decisions.has(step);
  }

  take(step: string): Omit<ResolveDecision, 'step'> {
    const decision = this.decisions.get(step)!;
    this.decisions.delete(step);
    return decision;
  }

  /** The signal: a refused request is recorded in the audit trail (a signal has nobody to answer). */
  signal(raw: unknown): void | Promise<void> {
    // Unsigned pairs decide at once, in signal order, as before; signed ones after the worker checked the signature.
    if (!this.guard) return this.settle(raw, this.check(raw));
    return this.judge(raw).then((checked) => this.settle(raw, checked));
  }

  private settle(raw: unknown, refusal: string | ResolveDecision): void {
    if (typeof refusal === 'string') {
      const p = loose(raw);
      this.host.remember({
        by: p.by ?? 'unknown',
        action: `resolve:${p.action ?? '?'}`,
        accepted: false,
        step: p.step ?? this.host.blocked()[0],
        reason: refusal,
        note: p.note,
      });
      this.host.publish();
      return;
    }
    this.apply(refusal);
  }

  /** The update's validator: a refused request goes back to the caller at once. */
  validate(raw: unknown): void {
    const refusal = this.check(raw);
    if (typeof refusal === 'string') throw stepFailure('ResolveRefused', refusal);
  }

  update(raw: unknown): ResolveOutcome | Promise<ResolveOutcome> {
    if (!this.guard) {
      const checked = this.check(raw);
      if (typeof checked === 'string') throw stepFailure('ResolveRefused', checked);
      return this.apply(checked);
    }
    return this.signedUpdate(raw);
  }

  private async signedUpdate(raw: unknown): Promise<ResolveOutcome> {
    const checked = await this.judge(raw);
    if (typeof checked === 'string') {
      // An update's refusal goes back to the caller; on a signed pair it is audited too (a forged decision).
      this.settle(raw, checked);
      throw stepFailure('ResolveRefused', checked);
    }
    return this.apply(checked);
  }

  /** The request's decision, or why not: on a signed pair after the worker checked its signature. */
  private async judge(raw: unknown): Promise<string | ResolveDecision> {
    const checked = this.check(raw);
    if (typeof checked === 'string' || !this.guard) return checked;
    const parsed = validate(ResolvePayloadSchema, raw, { what: 'resolve' });
    const proof = parsed.ok ? { signature: parsed.value.signature, signedAt: parsed.value.signedAt } : {};
    const problem = await refuseUnsigned(
      this.guard,
      'resolve',
      { by: checked.by, ...proof },
      { subject: `${checked.step} ${checked.action}` },
      `resolve with kdr resolve <run> --action ${checked.action} --by <you> --key <your private key>`,
    );
    // The check took a worker round trip: another decision may have been taken meanwhile.
    return problem ?? this.check(raw);
  }

  private apply(checked: ResolveDecision): ResolveOutcome {
    const { step, action, by, note } = checked;
    this.decisions.set(step, { action, by, note });
    this.host.remember({ by, action: `resolve:${action}`, accepted: true, step, note });
    this.host.publish();
    return { step, action };
  }

  private check(raw: unknown): string | ResolveDecision {
    const waiting = this.host.blocked().filter((n) => !this.decisions.has(n));
    return checkResolve(raw, waiting, (step) => this.host.skippable(step), this.host.phase());
  }
}
