// The one transient-error classifier (src/retriable.ts): Kafka brokers away or busy, throttled or failing cloud
// APIs and kafka-dr's own retryable errors are retried; answers about the request itself are not.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isRetriable, isRetriableCloudCode } from '../../../src/retriable';
import { CloudApiError } from '../../../src/cloud/errors';
import { ClusterUnreachableError, OffsetReadBackError, TopicMissingError } from '../../../src/kafka/admin';

const kafkajs = (name: string, type?: string, originalError?: unknown) =>
  Object.assign(new Error(name), { name, ...(type ? { type } : {}), ...(originalError ? { originalError } : {}) });

describe('isRetriable', () => {
  test('a broker away or a coordinator moving is retried, also when kafkajs wrapped it after its own retries', () => {
    assert.equal(isRetriable(kafkajs('KafkaJSConnectionError')), true);
    assert.equal(isRetriable(kafkajs('KafkaJSProtocolError', 'NOT_COORDINATOR')), true);
    assert.equal(isRetriable(kafkajs('KafkaJSProtocolError', 'COORDINATOR_LOAD_IN_PROGRESS')), true);
    const gaveUp = kafkajs('KafkaJSNumberOfRetriesExceeded', undefined, kafkajs('KafkaJSRequestTimeoutError'));
    assert.equal(isRetriable(gaveUp), true);
    assert.equal(isRetriable(new Error('wrapped', { cause: new ClusterUnreachableError('no broker') })), true);
  });

  test('an answer about the request is not retried', () => {
    assert.equal(isRetriable(kafkajs('KafkaJSProtocolError', 'TOPIC_AUTHORIZATION_FAILED')), false);
    assert.equal(isRetriable(new OffsetReadBackError('read back differs')), false);
    assert.equal(isRetriable(new TopicMissingError(['t'], 'secondary')), false);
    assert.equal(isRetriable(new Error('a bug')), false);
    assert.equal(isRetriable(undefined), false);
  });

  test('cloud errors: throttling, 5xx and transport failures are retried; a bad key or parameter is not', () => {
    assert.equal(isRetriable(new CloudApiError({ code: 'Throttling.User', message: 'slow down' })), true);
    assert.equal(isRetriable(new CloudApiError({ code: 'Whatever', message: 'm', httpStatus: 503 })), true);
    assert.equal(isRetriable(new CloudApiError({ code: 'NetworkError', message: 'ECONNRESET' })), true);
    assert.equal(isRetriable(new CloudApiError({ code: 'InvalidAccessKeyId.NotFound', message: 'm' })), false);
    assert.equal(isRetriableCloudCode('SignatureNonceUsed'), true);
    assert.equal(isRetriableCloudCode('InvalidParameter', 400), false);
  });
});
