// The ApsaraMQ "sink connector" of the runbook, created programmatically: one EventBridge event stream per
// replicated topic (a stream has exactly one source topic), Kafka source on the primary instance, Kafka sink on
// the secondary instance, created and run in the secondary's region (docs/alicloud-emulator.md, Sources §1).
import * as crypto from 'node:crypto';
import type { EventBridgeClient, EventStreaming, EventStreamingDetail, KafkaToKafkaStream } from '../cloud';
import { CloudApiError } from '../cloud';
import type { AdminSession } from '../kafka/admin';
import { compareEndOffsets } from './kafka-connect';
import {
  EnsureResult, ReplicationLag, ReplicationPairSpec, ReplicationProvider, ReplicationSpecError, ReplicationStatus,
  ReplicationTask,
} from './types';

/** EventStreamingName: 2-127 characters of letters, digits, "-" and "_". */
export const STREAM_NAME_MAX = 127;
const HASH_CHARS = 10;

/**
 * The stream of one (pair, topic): `kdr-<pair>-<topic>-<hash>`, the topic cut to fit 127 characters and its
 * "." turned into "_", and the hash (SHA-256 of pair and topic, 40 bits) keeping names apart that would
 * otherwise meet: pair "a" + topic "b-c" vs pair "a-b" + topic "c", or two long topics with one prefix.
 * Streams are always found by this exact name, never by prefix (pair "orders" must not touch "orders-eu").
 */
export function streamName(pair: string, topic: string): string {
  const hash = crypto.createHash('sha256').update(`${pair}\n${topic}`).digest('hex').slice(0, HASH_CHARS);
  const head = `kdr-${pair}-`;
  const room = STREAM_NAME_MAX - head.length - 1 - HASH_CHARS;
  return `${head}${topic.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, Math.max(0, room))}-${hash}`;
}

/** The dedicated consumer group the streams use on the primary (never shared with business consumers). */
export function replicatorGroup(pair: string): string {
  return `kdr-replicator-${pair}`;
}

export function streamFor(spec: ReplicationPairSpec, topic: string): KafkaToKafkaStream {
  const { primary, secondary } = spec;
  if (!primary.region || !primary.instanceId || !secondary.instanceId) {
    throw new ReplicationSpecError('replication "eventbridge" needs primary.region, primary.instanceId and secondary.instanceId');
  }
  return {
    name: streamName(spec.pair, topic),
    description: `kafka-dr pair ${spec.pair}: ${topic} primary -> secondary`,
    source: {
      regionId: primary.region,
      instanceId: primary.instanceId,
      topic,
      consumerGroup: replicatorGroup(spec.pair),
      // A new stream must copy what is already on the primary, or consumers that fail over would lose it.
      offsetReset: 'earliest',
      valueDataType: 'Binary',
    },
    sink: { instanceId: secondary.instanceId, topic, acks: 'all' },
    runOptions: { maximumTasks: 1, errorsTolerance: 'NONE', retryStrategy: { PushRetryStrategy: 'BACKOFF_RETRY' } },
  };
}

function concreteTopics(spec: ReplicationPairSpec): string[] {
  if (!Array.isArray(spec.topics)) {
    throw new ReplicationSpecError('replication "eventbridge" needs the concrete topic list: resolve the pattern on the primary first');
  }
  return spec.topics;
}

function sourceOf(s: EventStreaming | EventStreamingDetail): Record<string, unknown> {
  return ((s.Source ?? {}) as Record<string, unknown>).SourceKafkaParameters as Record<string, unknown> ?? {};
}

function sinkValue(s: EventStreaming | EventStreamingDetail, field: string): unknown {
  const sink = ((s.Sink ?? {}) as Record<string, unknown>).SinkKafkaParameters as Record<string, { Value?: unknown }> | undefined;
  return sink?.[field]?.Value;
}

/** The fields that decide where records flow; other fields (description, run options) do not force a re-create. */
function sameRoute(existing: EventStreaming | EventStreamingDetail, wanted: KafkaToKafkaStream): boolean {
  const src = sourceOf(existing);
  return src.InstanceId === wanted.source.instanceId && src.Topic === wanted.source.topic &&
    src.RegionId === wanted.source.regionId && sinkValue(existing, 'InstanceId') === wanted.sink.instanceId &&
    sinkValue(existing, 'Topic') === wanted.sink.topic;
}

const notFound = (err: unknown) => err instanceof CloudApiError && err.code === 'EventStreamingNotExisted';

export class EventBridgeProvider implements ReplicationProvider {
  readonly kind = 'eventbridge' as const;

  /** `client` must be for the secondary's region: the stream lives where the data goes. */
  constructor(private readonly client: EventBridgeClient) {}

  /** The pair's streams for the spec's topics, each looked up by its exact name (absent ones are left out). */
  private async existing(spec: ReplicationPairSpec): Promise<Map<string, EventStreaming | EventStreamingDetail>> {
    const found = new Map<string, EventStreaming | EventStreamingDetail>();
    for (const topic of concreteTopics(spec)) {
      const name = streamName(spec.pair, topic);
      try {
        found.set(name, await this.client.getEventStreaming(name));
      } catch (err) {
        if (!notFound(err)) throw err;
      }
    }
    return found;
  }

  async ensure(spec: ReplicationPairSpec): Promise<EnsureResult> {
    const existing = await this.existing(spec);
    let created = false;
    let updated = false;
    for (const topic of concreteTopics(spec)) {
      const wanted = streamFor(spec, topic);
      const current = existing.get(wanted.name);
      if (current && !sameRoute(current, wanted)) {
        // UpdateEventStreaming needs Source, Sink and FilterPattern resent anyway; a re-create is the same call
        // count and keeps the emulator and the real service on one code path.
        await this.client.deleteEventStreaming(wanted.name).catch((e) => { if (!notFound(e)) throw e; });
        updated = true;
      }
      if (!current || !sameRoute(current, wanted)) {
        await this.client.createKafkaToKafka(wanted);
        if (!current) created = true;
      }
      const status = current && sameRoute(current, wanted) ? current.Status : 'READY';
      if (status === 'READY' || status === 'PAUSED') await this.client.startEventStreaming(wanted.name);
    }
    return { id: concreteTopics(spec).map((t) => streamName(spec.pair, t)).join(','), created, updated };
  }

  async state(spec: ReplicationPairSpec): Promise<ReplicationStatus> {
    const topics = concreteTopics(spec);
    const existing = await this.existing(spec);
    const id = topics.map((t) => streamName(spec.pair, t)).join(',');
    const tasks: ReplicationTask[] = [];
    const missing: string[] = [];
    for (const topic of topics) {
      const s = existing.get(streamName(spec.pair, topic));
      if (!s) missing.push(topic);
      else tasks.push({ id: s.EventStreamingName, state: s.Status });
    }
    if (tasks.length === 0) return { id, state: 'absent' };
    if (missing.length > 0) return { id, state: 'failed', cause: `no event stream for topic(s) ${missing.join(', ')}: run ensure again`, tasks };
    const failed = tasks.find((t) => t.state.endsWith('FAILED'));
    if (failed) return { id, state: 'failed', cause: `event stream ${failed.id} is ${failed.state} (see its dead-letter queue or the EventBridge console)`, tasks };
    if (tasks.some((t) => t.state === 'STARTING')) return { id, state: 'starting', tasks };
    if (tasks.some((t) => t.state === 'READY')) return { id, state: 'ready', tasks };
    if (tasks.some((t) => t.state === 'PAUSED')) return { id, state: 'paused', tasks };
    return { id, state: 'running', tasks };
  }

  async pause(spec: ReplicationPairSpec): Promise<void> {
    for (const s of (await this.existing(spec)).values()) {
      if (s.Status === 'RUNNING' || s.Status === 'STARTING') await this.client.pauseEventStreaming(s.EventStreamingName);
    }
  }

  async resume(spec: ReplicationPairSpec): Promise<void> {
    for (const s of (await this.existing(spec)).values()) {
      if (s.Status === 'PAUSED' || s.Status === 'READY') await this.client.startEventStreaming(s.EventStreamingName);
    }
  }

  async remove(spec: ReplicationPairSpec): Promise<{ removed: boolean }> {
    let removed = false;
    for (const name of (await this.existing(spec)).keys()) {
      await this.client.deleteEventStreaming(name).then(() => { removed = true; }, (e) => { if (!notFound(e)) throw e; });
    }
    return { removed };
  }

  async lag(spec: ReplicationPairSpec, clusters: { primary: AdminSession; secondary: AdminSession }, tolerance = 0): Promise<ReplicationLag> {
    return compareEndOffsets(clusters.primary, clusters.secondary, spec.topics, tolerance);
  }
}
