// How activity errors reach the workflow: kafka-dr's own errors (src/errors.ts) become failures typed by the
// problem, non-retryable when only an operator can fix it (bad config, a missing topic, a group with live
// consumers; src/retriable.ts decides), so the step blocks at once with a message that says what to fix;
// everything else (a kafkajs network error, a bug) is retried by the step's policy until the step's deadline.
import { ApplicationFailure } from '@temporalio/common';
import { KdrError, type FailureType } from '../src/errors';
import { isRetriable } from '../src/retriable';
import { keptAlive } from './keep-alive';

/** A permanent, operator-actionable failure raised by an activity itself; its type is one of FAILURE_TYPES. */
export function permanent(type: FailureType, message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: true,
    details: details === undefined ? undefined : [details],
  });
}

/** The one mapping from kafka-dr's errors to Temporal failures: the error's type, and non-retryable unless it can heal. */
export function asActivityFailure(err: KdrError | ApplicationFailure): ApplicationFailure;
export function asActivityFailure(err: unknown): unknown;
export function asActivityFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof KdrError) {
    const details = err.details();
    return ApplicationFailure.create({
      type: err.type,
      message: err.message,
      nonRetryable: !isRetriable(err),
      details: details ? [details] : undefined,
    });
  }
  return err;
}

/**
 * Wraps every function of an activities object so its errors are classified as above, and so it heartbeats
 * while it runs (./keep-alive: a crashed worker's activity is retried within its heartbeat timeout).
 */
export function classified<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    out[name] = async (...args: never[]) => {
      try {
        return await keptAlive(() => fn(...args));
      } catch (err) {
        throw asActivityFailure(err);
      }
    };
  }
  return out as T;
}
