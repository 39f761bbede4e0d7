// The one answer to "can trying again help?" for every error kafka-dr meets, as franz-go's kerr.IsRetriable is for
// Kafka's codes (https://pkg.go.dev/github.com/twmb/franz-go/pkg/kerr). A broker away or busy (connection refused
// or lost, a coordinator moving or loading), a throttled or failing cloud API: retriable. An answer about the
// request itself (authorization, an unknown topic, a bad parameter, a read-back that differs): not; an operator
// must act first. kafka-dr's own errors (src/errors.ts) say it themselves (`retryable`); cloud errors carry
// their code (src/cloud/errors.ts asks isRetriableCloudCode); kafkajs errors their name and Kafka error type.
import { KdrError } from './errors';

/** Kafka protocol error types (kafkajs `type`) a retry can cure. */
export const RETRIABLE_KAFKA_TYPES: ReadonlySet<string> = new Set([
  'COORDINATOR_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'LEADER_NOT_AVAILABLE',
]);

/** Errors of a cluster that does not answer (kafkajs's, and kafka-dr's own ClusterUnreachableError). */
const UNREACHABLE_NAMES: ReadonlySet<string> = new Set([
  'KafkaJSConnectionError',
  'KafkaJSRequestTimeoutError',
  'ClusterUnreachableError',
]);

/**
 * Alibaba Cloud error codes a retry can cure: throttling, a service busy or failing, an operation still running,
 * and the local codes for transport failures (src/cloud/errors.ts fromPopCoreError).
 */
export const RETRIABLE_CLOUD_CODES: ReadonlySet<string> = new Set([
  'Throttling',
  'Rejected.Throttling',
  'ServiceUnavailable',
  'InternalError',
  'TooManyRequests',
  'ONS_SYSTEM_FLOW_CONTROL',
  'ONS_SYSTEM_ERROR',
  'LastOperationNotFinished',
  'UnKnownError',
  // pop-core signs every call with a fresh nonce, so a replay complaint is cured by sending again.
  'SignatureNonceUsed',
  'RequestTimeout',
  'NetworkError',
  'InvalidResponse',
]);

/** Whether a cloud answer with this code (and HTTP status) can succeed when sent again. */
export function isRetriableCloudCode(code: string, httpStatus?: number): boolean {
  if (RETRIABLE_CLOUD_CODES.has(code)) return true;
  if (/Throttling/i.test(code)) return true;
  return httpStatus !== undefined && httpStatus >= 500;
}

type ErrorLike = { name?: unknown; type?: unknown; cause?: unknown; originalError?: unknown };

/**
 * Whether trying again can help. kafkajs wraps its last error when it gives up (KafkaJSNumberOfRetriesExceeded,
 * `originalError`), and errors may carry a `cause`: the chain counts, a few levels deep.
 */
export function isRetriable(err: unknown): boolean {
  let e = err as ErrorLike | undefined;
  for (let depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if (typeof e.name === 'string' && UNREACHABLE_NAMES.has(e.name)) return true;
    if (typeof e.type === 'string' && RETRIABLE_KAFKA_TYPES.has(e.type)) return true;
    if (e instanceof KdrError) return e.retryable;
    e = (e.cause ?? e.originalError) as ErrorLike | undefined;
  }
  return false;
}
