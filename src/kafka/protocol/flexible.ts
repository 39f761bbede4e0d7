// Flexible-version requests (KIP-482) kafkajs 2.2.4 does not have: FindCoordinator v4 (many keys, KIP-699) and
// OffsetFetch v8 (many groups, KIP-709), both in Kafka since 3.0. They turn the 20,000 requests of reading
// 10,000 groups' commits into a few dozen. kafkajs writes request header v1; a flexible request needs v2, which
// is v1 plus an empty tagged-field section, so the body starts with that byte. Brokers without these
// versions get one request per group (find-coordinator.ts, offset-fetch.ts).
import type { InternalBroker } from './cluster';
import { Reader, type Writer } from './wire';

/** A Kafka error code of a flexible response, as an Error with kafkajs's `type` where kafka-dr looks at it. */
export class KafkaErrorCode extends Error {
  override name = 'KafkaErrorCode';
  constructor(
    readonly code: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}
export const ERROR_TYPES: Record<number, string> = {
  14: 'COORDINATOR_LOAD_IN_PROGRESS',
  15: 'COORDINATOR_NOT_AVAILABLE',
  16: 'NOT_COORDINATOR',
  3: 'UNKNOWN_TOPIC_OR_PARTITION',
  30: 'GROUP_AUTHORIZATION_FAILED',
  29: 'TOPIC_AUTHORIZATION_FAILED',
  69: 'GROUP_ID_NOT_FOUND',
};

export function supports(broker: InternalBroker, apiKey: number, version: number): boolean {
  const v = broker?.versions?.[apiKey];
  return v !== undefined && v.minVersion <= version && v.maxVersion >= version;
}

export async function sendFlexible<T>(
  broker: InternalBroker,
  apiKey: number,
  apiVersion: number,
  apiName: string,
  body: Writer,
  decode: (r: Reader) => T,
): Promise<T> {
  const payload = Buffer.concat([Buffer.from([0]), body.buffer()]);
  return broker.connectionPool.send({
    request: { apiKey, apiVersion, apiName, encode: async () => ({ buf: payload, buffer: payload }) },
    response: {
      decode: async (raw: Buffer) => {
        const r = new Reader(raw);
        r.tags();
        return decode(r);
      },
      parse: async (data: T) => data,
    },
  });
}
