// kafkajs keeps its cluster factory behind a private symbol; this is the only place that relies on it, pinned to
// kafkajs 2.2.4 (package.json), and it fails loudly if that ever changes.
import type { Kafka } from 'kafkajs';
import { KdrError } from '../../errors';

/* eslint-disable @typescript-eslint/no-explicit-any -- kafkajs's internal cluster/broker API is untyped */
export type InternalCluster = any;
export type InternalBroker = any;

export class KafkaInternalsError extends KdrError {
  override name = 'KafkaInternalsError';
  readonly retryable = true;
}

export interface ProtocolHandle {
  readonly cluster: InternalCluster;
  close(): Promise<void>;
}

/** Opens a cluster connection sharing the Kafka instance's settings (brokers, TLS, SASL, timeouts). */
export async function openCluster(kafka: Kafka): Promise<ProtocolHandle> {
  const sym = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  const create = sym ? (kafka as any)[sym] : undefined;
  if (typeof create !== 'function') {
    throw new KafkaInternalsError(
      'kafkajs internals changed: no cluster factory on the Kafka instance (kafka-dr needs kafkajs 2.2.4)',
    );
  }
  const cluster = create({ metadataMaxAge: 60000, allowAutoTopicCreation: false });
  await cluster.connect();
  return { cluster, close: () => cluster.disconnect() };
}
