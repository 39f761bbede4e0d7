// IncrementalAlterConfigs (key 44, KIP-339; flexible from v1, Kafka >= 2.4): sets named topic configs and leaves
// the others alone. kafkajs 2.2.4 has only the legacy AlterConfigs, which replaces a topic's whole dynamic config
// set, so a parity fix through it would silently drop the settings it did not name.
import type { InternalBroker, ProtocolHandle } from './cluster';
import { KafkaErrorCode, sendFlexible, supports } from './flexible';
import { Writer } from './wire';

const API = 44;
const TOPIC = 2;
const SET = 0;

const ERRORS: Record<number, string> = {
  3: 'UNKNOWN_TOPIC_OR_PARTITION',
  29: 'TOPIC_AUTHORIZATION_FAILED',
  40: 'INVALID_CONFIG',
  42: 'INVALID_REQUEST',
  44: 'POLICY_VIOLATION',
};

/** Sets `configs` on `topic`; rejects with the broker's error (type and message) when it refuses one. */
export async function setTopicConfigs(
  handle: ProtocolHandle,
  topic: string,
  configs: Record<string, string>,
): Promise<void> {
  await handle.cluster.refreshMetadataIfNecessary();
  const broker: InternalBroker = await handle.cluster.findControllerBroker();
  if (!supports(broker, API, 1)) {
    throw new KafkaErrorCode(
      35,
      'UNSUPPORTED_VERSION',
      'IncrementalAlterConfigs v1 is not supported: Kafka 2.4 or newer is needed',
    );
  }
  const body = new Writer()
    .compactArray([topic], (w, name) =>
      w
        .int8(TOPIC)
        .compactString(name)
        .compactArray(Object.entries(configs), (c, [k, v]) =>
          c.compactString(k).int8(SET).compactNullableString(v).tags(),
        )
        .tags(),
    )
    .bool(false) // validateOnly
    .tags();
  const results = await sendFlexible(broker, API, 1, 'IncrementalAlterConfigs', body, (r) => {
    r.int32(); // throttle
    const list = r.compactArray(() => {
      const code = r.int16();
      const message = r.compactNullableString();
      r.int8();
      const name = r.compactString();
      r.tags();
      return { code, message, name };
    });
    r.tags();
    return list;
  });
  const bad = results.find((x) => x.code !== 0);
  if (bad) {
    const type = ERRORS[bad.code] ?? `KAFKA_ERROR_${bad.code}`;
    throw new KafkaErrorCode(bad.code, type, `topic ${topic}: ${type}${bad.message ? ` (${bad.message})` : ''}`);
  }
}
