// A step as the runbook declares it, and what the step's function gets while it runs.
import { proxyActivities, type ActivityInterfaceFor, type ActivityOptions } from '@temporalio/workflow';
import { clip } from './text';
import type { StepRecord } from './types';
import { stepFailure } from './failures';

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

export type StepResult<D extends StepDeclaration, T> = D extends { skippable: true } ? T | undefined : T;

/** The context of one attempt of a step; `publish` pushes a changed summary out. */
export function stepContext(
  record: StepRecord,
  declared: ActivityOptions | undefined,
  publish: () => void,
  deadlineMs?: number,
): StepContext {
  return {
    name: record.name,
    attempt: record.attempts,
    summary: (text) => {
      record.summary = clip(text);
      publish();
    },
    activities: <A>(options?: Partial<ActivityOptions>) => {
      // The pair's deadline for this step replaces the profile's; the step's own per-call options still win.
      const merged = {
        ...declared,
        ...(deadlineMs !== undefined ? { scheduleToCloseTimeout: deadlineMs } : {}),
        ...options,
      } as ActivityOptions;
      if (merged.startToCloseTimeout === undefined && merged.scheduleToCloseTimeout === undefined) {
        throw stepFailure(
          'RunbookDefinition',
          `step ${record.name} declares no activity timeouts: give it "activities: { startToCloseTimeout }"`,
        );
      }
      return proxyActivities<A>(merged);
    },
  };
}
