// How activity errors reach the workflow: permanent problems (bad config, missing topic, a group with live
// consumers) become non-retryable failures whose type names the problem, so the step blocks at once with a
// message that says what to fix; everything else is retried by the step's retry policy.
import { ApplicationFailure } from '@temporalio/common';
import { CloudApiError, CloudConfigError, toActivityFailure } from '../src/cloud';
import { PairsFileError, UnknownPairError } from '../src/config/file';
import { ConnectApiError } from '../src/connectors/kafka-connect';
import { ReplicationSpecError } from '../src/connectors/types';
import {
  GroupHasLiveMembersError, OffsetReadBackError, PartitionCountMismatchError, TopicMissingError,
} from '../src/kafka/admin';
import { KafkaConfigError } from '../src/kafka/clients';
import { PlanInputError } from '../src/kafka/plan';
import { PlanStoreError } from '../src/kafka/plan-store';
import { keptAlive } from './keep-alive';

const PERMANENT: (new (...args: never[]) => Error)[] = [
  CloudConfigError, PairsFileError, UnknownPairError, ReplicationSpecError, KafkaConfigError, TopicMissingError,
  PartitionCountMismatchError, GroupHasLiveMembersError, PlanInputError, OffsetReadBackError, PlanStoreError,
];

/** A permanent, operator-actionable failure raised by kafka-dr itself. */
export function permanent(type: string, message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: details === undefined ? undefined : [details] });
}

export function asActivityFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof CloudApiError || err instanceof CloudConfigError) return toActivityFailure(err);
  if (err instanceof ConnectApiError) {
    // Connect answers 4xx for a bad connector config (permanent) and 5xx/409 while rebalancing (transient).
    const status = err.status ?? 0;
    const transient = status === 0 || status >= 500 || status === 409;
    return ApplicationFailure.create({ type: err.name, message: err.message, nonRetryable: !transient });
  }
  if (err instanceof Error && PERMANENT.some((cls) => err instanceof cls)) {
    return ApplicationFailure.create({ type: err.name, message: err.message, nonRetryable: true });
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
