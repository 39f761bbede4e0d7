// The `mirror` data plane: an event stream is a MirrorMaker 2 MirrorSourceConnector on the local Kafka Connect.
import type { StreamState } from './state';
import type { EmulatedInstance } from './instances';

export function connectorNameFor(region: string, streamName: string): string {
  return `eventstreaming-${region}-${streamName}`;
}

export function mirrorConnectorConfig(
  s: StreamState,
  instances: readonly EmulatedInstance[],
  replicationFactor: number,
): Record<string, string> {
  const sk = (s.Source.SourceKafkaParameters ?? {}) as Record<string, string>;
  const kp = (s.Sink.SinkKafkaParameters ?? {}) as Record<string, { Value?: string }>;
  const src = instances.find((i) => i.instanceId === sk.InstanceId)!;
  const dst = instances.find((i) => i.instanceId === kp.InstanceId?.Value)!;
  const tasks = Number((s.RunOptions as { MaximumTasks?: unknown }).MaximumTasks ?? 1);
  const escaped = sk.Topic.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    'connector.class': 'org.apache.kafka.connect.mirror.MirrorSourceConnector',
    'tasks.max': String(Number.isInteger(tasks) && tasks > 0 ? tasks : 1),
    'source.cluster.alias': src.instanceId,
    'target.cluster.alias': dst.instanceId,
    'source.cluster.bootstrap.servers': src.bootstrap,
    'target.cluster.bootstrap.servers': dst.bootstrap,
    // Records go to the sink instance even if the Connect worker's own cluster is another one.
    'producer.override.bootstrap.servers': dst.bootstrap,
    'producer.override.acks': kp.Acks?.Value ?? 'all',
    topics: `^${escaped}$`,
    'replication.policy.class': 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy',
    'replication.factor': String(replicationFactor),
    // An event stream re-produces records; it does not translate consumer offsets (docs/alicloud-emulator.md, Sources §6.3).
    'emit.offset-syncs.enabled': 'false',
    'sync.topic.configs.enabled': 'false',
    'sync.topic.acls.enabled': 'false',
    'refresh.topics.interval.seconds': '5',
    'source.consumer.auto.offset.reset': sk.OffsetReset === 'latest' ? 'latest' : 'earliest',
    'key.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter',
    'value.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter',
    'header.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter',
  };
}
