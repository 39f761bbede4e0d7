// How long a step's activities may keep trying. A step that makes several cloud or Kafka calls per attempt turns
// a modest per-call failure rate into a high per-attempt one (30% per call, 3 calls: 66% per attempt), so a fixed
// attempt count blocks a step on errors that are only transient. Instead each profile retries transient errors,
// with backoff, until its deadline (scheduleToCloseTimeout); permanent errors (non-retryable failures) still stop
// it at once. The step blocks only then, and `kdr status` shows the attempts and the last error meanwhile.
import type { ActivityOptions } from '@temporalio/workflow';

const backoff = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s' } as const;

// Every activity heartbeats while it runs (activities/keep-alive.ts), so an attempt lost with its worker (a
// crash, a SIGKILL) is retried after this long instead of after its start-to-close timeout.
const crashDetection = '20s';

/** Short reads and cloud calls (resolve the pair, DNS, one connector call): 1 min per attempt, 10 min in all. */
export const quick: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: crashDetection,
  scheduleToCloseTimeout: '10 minutes',
  retry: backoff,
};

/** Several cloud calls in one activity (preflight, ensure connectors and streams): 2 min per attempt, 15 min in all. */
export const cloudCalls: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: crashDetection,
  scheduleToCloseTimeout: '15 minutes',
  retry: { ...backoff, maximumInterval: '30s' },
};

/** Reading both clusters to assess or plan: 5 min per attempt, 20 min in all. */
export const reading: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: crashDetection,
  scheduleToCloseTimeout: '20 minutes',
  retry: { ...backoff, initialInterval: '2s', maximumInterval: '30s' },
};

/** The failback's export reads the tail from the old primary and writes it in one attempt: longer than `reading`. */
export const exporting: ActivityOptions = {
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: crashDetection,
  scheduleToCloseTimeout: '1 hour',
  retry: { ...backoff, initialInterval: '2s', maximumInterval: '30s' },
};

/** connector-verify: a canary waits for its records (a result, not an error, when they are late). */
export const verifying: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: crashDetection,
  scheduleToCloseTimeout: '30 minutes',
  retry: { ...backoff, initialInterval: '2s', maximumInterval: '30s' },
};

/** Resetting groups in batches, heartbeating the groups done (a retry resumes there): 10 min per attempt, 1 h in all. */
export const resetting: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30s',
  scheduleToCloseTimeout: '1 hour',
  retry: { ...backoff, initialInterval: '2s', maximumInterval: '30s' },
};

/** Long waits that heartbeat (drain checks, the post-switch guard): bounded by their own timeouts. */
export const watching: ActivityOptions = {
  startToCloseTimeout: '25 hours',
  heartbeatTimeout: '30s',
  scheduleToCloseTimeout: '26 hours',
  retry: { ...backoff, initialInterval: '2s', maximumInterval: '30s' },
};
