// Durable polling with a bound, for "wait until the connector runs": each check is an activity, the waits are
// timers, so a worker restart resumes the wait. Every round costs ~8 history events: poll every few seconds
// for minutes, not every second for hours (a long wait belongs in one heartbeating activity).
import type { Duration } from '@temporalio/common';
import { sleep } from '@temporalio/workflow';
import { formatDuration, parseDuration } from '../../src/config';
import { stepFailure } from './failures';

export interface PollOptions {
  /** What is awaited, for the error: "connector kdr-local-kafka to run". */
  what: string;
  every: Duration;
  within: Duration;
}

/**
 * Calls `check` until it returns `{ done: value }`, sleeping `every` in between; `{ observed: what }` means "not
 * yet" and is kept for the error. After `within` it throws ApplicationFailure 'WaitTimedOut' with the last
 * observation, which blocks the step: the operator can retry. `check` may also throw an ApplicationFailure itself
 * to stop early (e.g. the connector FAILED: no use waiting). TypeScript widens the value with `undefined` when it
 * infers T from a conditional return: give the type arguments, `pollUntil<State, string>(...)`.
 */
export async function pollUntil<T, O = unknown>(
  check: () => Promise<{ done: T } | { observed: O }>,
  options: PollOptions,
): Promise<T> {
  const every = toMs(options.every, 'every');
  const within = toMs(options.within, 'within');
  const deadline = Date.now() + within;
  for (let round = 1; ; round++) {
    const result = await check();
    if ('done' in result) return result.done;
    if (Date.now() + every > deadline) {
      throw stepFailure(
        'WaitTimedOut',
        `${options.what}: not reached within ${formatDuration(within)} (${round} checks); last seen: ${brief(result.observed)}`,
      );
    }
    await sleep(every, { summary: `waiting for ${options.what} (check ${round})` });
  }
}

function toMs(value: Duration, name: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0)
    throw stepFailure('RunbookDefinition', `pollUntil: ${name} must be a positive duration`);
  return ms;
}

function brief(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
