// Reading a runbook run from a test: wait for the state an assertion needs (runs are asynchronous), and the
// failure a run ended with.
import assert from 'node:assert/strict';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { statusQuery, type RunReport, type RunStatus, type StepRecord } from '../../../../workflows/contract';

/**
 * Polls `read` until `done` holds. The bound only keeps a broken run from hanging the tier; no assertion depends
 * on how long it took.
 */
export async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  boundMs = 30_000,
): Promise<T> {
  const end = Date.now() + boundMs;
  let last: T | undefined;
  let error: unknown;
  while (Date.now() < end) {
    try {
      last = await read();
      if (done(last)) return last;
    } catch (err) {
      error = err; // the run may not have registered its query handlers yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 1500) ?? String(error)}`);
}

export const status = (h: WorkflowHandle) => h.query(statusQuery);

/** Waits until the run waits for an approval of some plan (`step` names the approval step). */
export function awaitingApproval(h: WorkflowHandle, step = 'approval'): Promise<RunStatus> {
  return until(
    () => status(h),
    (s) => s.phase === 'awaiting-approval' && s.steps.some((x) => x.name === step && x.state === 'running'),
    `approval step ${step}`,
  );
}

/** Waits until a step blocks and returns its row. */
export async function blocked(h: WorkflowHandle, step: string): Promise<StepRecord> {
  const s = await until(
    () => status(h),
    (x) => x.steps.some((r) => r.name === step && r.state === 'blocked'),
    `step ${step} to block`,
  );
  return s.steps.find((r) => r.name === step)!;
}

/** The ApplicationFailure a run ended with (its details[0] is the RunReport). */
export async function endedWith(
  h: WorkflowHandle,
): Promise<{ failure: ApplicationFailure; report: RunReport | undefined }> {
  const err = await h.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError, `expected the run to fail, got ${String(err)}`);
  assert.ok(err.cause instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err.cause)}`);
  return { failure: err.cause, report: err.cause.details?.[0] as RunReport | undefined };
}

/** step name -> state, in the runbook's order. */
export function states(steps: { name: string; state: string }[]): Record<string, string> {
  return Object.fromEntries(steps.map((s) => [s.name, s.state]));
}
