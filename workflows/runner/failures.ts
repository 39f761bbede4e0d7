// Which errors block a step (the operator decides) and which end the run, and how an error reads in one line.
import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  TemporalFailure,
  TimeoutFailure,
  isCancellation,
} from '@temporalio/workflow';
import type { FailureType } from '../../src/errors';

/**
 * A business failure of a step, typed by src/errors.ts FAILURE_TYPES (the one list the CLI, the tests and the
 * operator guide share): non-retryable, so the step blocks at once (or the run ends, for the terminal types).
 */
export function stepFailure(type: FailureType, message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}

/** Failure types that end the run instead of blocking a step. */
export const TERMINAL_FAILURE_TYPES = ['Aborted', 'Rejected', 'InvalidInput', 'Refused'] as const;

/**
 * A security refusal thrown by a step (an input that tries to loosen the pair's policy, an inline config the
 * worker does not admit): the run ends at once with type Refused, nothing changed, and the refusal audited.
 */
export function refused(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'Refused', message, nonRetryable: true });
}

/** The Refused failure inside `err` (directly, or as the cause of a failed activity), if any. */
export function refusalIn(err: unknown): ApplicationFailure | undefined {
  for (let current = err, depth = 0; current && depth < 3; depth++) {
    if (current instanceof ApplicationFailure && current.type === 'Refused') return current;
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}

/**
 * A step blocks on Temporal failures: an activity that failed after its retries, a child workflow that failed,
 * or an ApplicationFailure the step threw itself (e.g. "lag above threshold"). Cancellation and plain Errors
 * (bugs: Temporal retries the workflow task until the code is fixed) are not blocking.
 */
export function blocksStep(err: unknown): err is TemporalFailure {
  if (!(err instanceof TemporalFailure) || isCancellation(err)) return false;
  if (err instanceof ApplicationFailure && (TERMINAL_FAILURE_TYPES as readonly string[]).includes(err.type ?? ''))
    return false;
  return true;
}

const MAX_ERROR = 400;

/** One line, innermost cause last: "activity ensureConnector (retries exhausted): ConnectorFailed: auth failed". */
export function describeFailure(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current instanceof ActivityFailure) {
      parts.push(`activity ${current.activityType}${retryNote(current.retryState)}`);
    } else if (current instanceof ChildWorkflowFailure) {
      parts.push(`child workflow ${current.execution.workflowId}`);
    } else if (current instanceof TimeoutFailure) {
      // The attempt's own error reaches us only through its last heartbeat (activities/keep-alive.ts).
      const last = (current.lastHeartbeatDetails as { lastError?: unknown } | undefined)?.lastError;
      parts.push(
        `${(current.timeoutType ?? 'activity').toLowerCase().replace(/_/g, '-')} timeout${typeof last === 'string' ? ` (the step's deadline passed), last error ${last}` : ''}`,
      );
    } else if (current instanceof ApplicationFailure) {
      parts.push(current.type ? `${current.type}: ${current.message}` : current.message);
    } else if (current instanceof Error) {
      parts.push(current.message || current.name);
    } else {
      parts.push(String(current));
    }
    current = current instanceof Error ? current.cause : undefined;
  }
  const line = parts.filter(Boolean).join(': ').replace(/\s+/g, ' ');
  return line.length > MAX_ERROR ? `${line.slice(0, MAX_ERROR - 3)}...` : line;
}

function retryNote(state: string | undefined): string {
  if (state === 'MAXIMUM_ATTEMPTS_REACHED') return ' (retries exhausted)';
  if (state === 'NON_RETRYABLE_FAILURE') return ' (non-retryable)';
  // The server gives up before the deadline when the next backoff would end past it; the cause is the last error.
  if (state === 'TIMEOUT') return " (retry time exhausted: the step's deadline passed)";
  return '';
}
