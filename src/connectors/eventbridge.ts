// The ApsaraMQ "sink connector" of the runbook, created programmatically: one EventBridge event stream per
// replicated topic (a stream has exactly one source topic), Kafka source on the primary instance, Kafka sink on
// the secondary instance, created and run in the secondary's region (docs/alicloud-emulator.md, Sources §1).
import * as crypto from 'node:crypto';
import type { EventBridgeClient, EventStreaming, EventStreamingDetail, KafkaToKafkaStream } from '../cloud';
import { CloudApiError, isKnownStreamStatus, kafkaTopicArn } from '../cloud';
import { observeUnknownStreamStatus } from '../metrics/kdr';
import type { AdminSession } from '../kafka/admin';
import { compareEndOffsets } from './kafka-connect';
import {
  EnsureResult,
  ReplicationLag,
  ReplicationPairSpec,
  ReplicationProvider,
  ReplicationSpecError,
  ReplicationStatus,
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

/**
 * The pair's dead-letter queue: one topic on the secondary for every stream of the pair. Records a stream could
 * not write after its retries land there instead of being discarded (docs/alicloud-emulator.md, "Dead-letter queue").
 */
export function deadLetterTopic(pair: string): string {
  const full = `${DEAD_LETTER_PREFIX}${pair}`;
  if (full.length <= TOPIC_NAME_MAX) return full;
  // A long pair name (or a failback's "<pair>_reverse") is cut, and a hash keeps cut names apart.
  const hash = crypto.createHash('sha256').update(pair).digest('hex').slice(0, 8);
  return `${DEAD_LETTER_PREFIX}${pair.slice(0, TOPIC_NAME_MAX - DEAD_LETTER_PREFIX.length - 1 - hash.length)}-${hash}`;
}

const DEAD_LETTER_PREFIX = 'kdr-dlq-';
/** ApsaraMQ for Kafka topic names: 3-64 letters, digits, _ - . (PyPI alibabacloud-alikafka20190916, CreateTopicRequest.topic). */
const TOPIC_NAME_MAX = 64;

/** kafka-dr's dead-letter topics are never application topics: a topic pattern must not replicate them. */
export function isDeadLetterTopic(topic: string): boolean {
  return topic.startsWith(DEAD_LETTER_PREFIX);
}

/** Account id for ARNs when none is configured (KDR_ALIBABA_CLOUD_ACCOUNT_ID): UNCONFIRMED that the service accepts it. */
export const ANY_ACCOUNT = '*';

/**
 * Record headers: SinkKafkaParameters.Headers (SDK 8.7.0) from the source event's headers, by the same JSONPath
 * convention as $.data.key and $.data.value. UNCONFIRMED; the canary measures whether headers arrive.
 */
export const HEADERS_MAPPING = { Form: 'JSONPATH', Value: '$.data.headers' } as const;

/** `streamRegion`: where the stream lives (the secondary's region), when the spec does not say. */
export function streamFor(
  spec: ReplicationPairSpec,
  topic: string,
  accountId: string = ANY_ACCOUNT,
  streamRegion?: string,
): KafkaToKafkaStream {
  const { primary, secondary } = spec;
  const region = secondary.region ?? streamRegion;
  if (!primary.region || !primary.instanceId || !secondary.instanceId || !region) {
    throw new ReplicationSpecError(
      'replication "eventbridge" needs primary.region, primary.instanceId, secondary.region and secondary.instanceId',
    );
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
    sink: { instanceId: secondary.instanceId, topic, acks: 'all', headers: { ...HEADERS_MAPPING } },
    // Without a dead-letter queue, "Messages that exceed the retry policy are discarded" (SDK 8.7.0,
    // CreateEventStreamingRequestRunOptions.dead_letter_queue). ALL sends them to the queue ("the event is sent to
    // the configured dead-letter queue or discarded", PutTargets ErrorsTolerance); NONE would leave its meaning open.
    runOptions: {
      maximumTasks: 1,
      errorsTolerance: 'ALL',
      retryStrategy: { PushRetryStrategy: 'BACKOFF_RETRY' },
      deadLetterQueue: { Arn: kafkaTopicArn(region, accountId, secondary.instanceId, deadLetterTopic(spec.pair)) },
    },
  };
}

function concreteTopics(spec: ReplicationPairSpec): string[] {
  if (!Array.isArray(spec.topics)) {
    throw new ReplicationSpecError(
      'replication "eventbridge" needs the concrete topic list: resolve the pattern on the primary first',
    );
  }
  return spec.topics;
}

function sourceOf(s: EventStreaming | EventStreamingDetail): Record<string, unknown> {
  return (((s.Source ?? {}) as Record<string, unknown>).SourceKafkaParameters as Record<string, unknown>) ?? {};
}

function sinkValue(s: EventStreaming | EventStreamingDetail, field: string): unknown {
  const sink = ((s.Sink ?? {}) as Record<string, unknown>).SinkKafkaParameters as
    Record<string, { Value?: unknown }> | undefined;
  return sink?.[field]?.Value;
}

function deadLetterArnOf(s: EventStreaming | EventStreamingDetail): unknown {
  return ((s.RunOptions ?? {}) as { DeadLetterQueue?: { Arn?: unknown } }).DeadLetterQueue?.Arn;
}

/**
 * The fields that decide where records flow, and where the ones the sink refuses go (a stream created before
 * kafka-dr configured a dead-letter queue and header mapping is re-created); description and other run options
 * do not force a re-create.
 */
function sameRoute(existing: EventStreaming | EventStreamingDetail, wanted: KafkaToKafkaStream): boolean {
  const src = sourceOf(existing);
  return (
    src.InstanceId === wanted.source.instanceId &&
    src.Topic === wanted.source.topic &&
    src.RegionId === wanted.source.regionId &&
    sinkValue(existing, 'InstanceId') === wanted.sink.instanceId &&
    sinkValue(existing, 'Topic') === wanted.sink.topic &&
    sinkValue(existing, 'Headers') === wanted.sink.headers?.Value &&
    deadLetterArnOf(existing) === wanted.runOptions?.deadLetterQueue?.Arn
  );
}

/** A status kafka-dr does not know: shown as it is, counted, and read as "not running yet" (never as failed). */
function unknownStatus(status: string): boolean {
  if (isKnownStreamStatus(status)) return false;
  observeUnknownStreamStatus(status);
  return true;
}

const notFound = (err: unknown) => err instanceof CloudApiError && err.code === 'EventStreamingNotExisted';

export class EventBridgeProvider implements ReplicationProvider {
  readonly kind = 'eventbridge' as const;

  /** `client` must be for the secondary's region: the stream lives where the data goes. */
  /** `accountId` goes into the dead-letter queue's ARN (KDR_ALIBABA_CLOUD_ACCOUNT_ID; "*" when not set). */
  constructor(
    private readonly client: EventBridgeClient,
    private readonly accountId: string = ANY_ACCOUNT,
  ) {}

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
      const wanted = streamFor(spec, topic, this.accountId, this.client.region);
      const current = existing.get(wanted.name);
      if (current && !sameRoute(current, wanted)) {
        // UpdateEventStreaming needs Source, Sink and FilterPattern resent anyway; a re-create is the same call
        // count and keeps the emulator and the real service on one code path.
        await this.client.deleteEventStreaming(wanted.name).catch((e) => {
          if (!notFound(e)) throw e;
        });
        updated = true;
      }
      if (!current || !sameRoute(current, wanted)) {
        await this.client.createKafkaToKafka(wanted);
        if (!current) created = true;
      }
      const status = current && sameRoute(current, wanted) ? current.Status : 'READY';
      if (status === 'READY' || status === 'PAUSED') await this.client.startEventStreaming(wanted.name);
    }
    return {
      id: concreteTopics(spec)
        .map((t) => streamName(spec.pair, t))
        .join(','),
      created,
      updated,
    };
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
    if (missing.length > 0)
      return {
        id,
        state: 'failed',
        cause: `no event stream for topic(s) ${missing.join(', ')}: run ensure again`,
        tasks,
      };
    const failed = tasks.find((t) => t.state === 'STARTING_FAILED' || t.state === 'RUNNING_FAILED');
    if (failed) {
      return {
        id,
        state: 'failed',
        tasks,
        cause:
          `event stream ${failed.id} is ${failed.state} (records it could not write are in the ` +
          `dead-letter topic ${deadLetterTopic(spec.pair)} on the secondary; see also the EventBridge console)`,
      };
    }
    const unknown = tasks.find((t) => unknownStatus(t.state));
    if (unknown) {
      return {
        id,
        state: 'starting',
        tasks,
        cause: `event stream ${unknown.id} reports status "${unknown.state}", which kafka-dr does not know: read as not running yet`,
      };
    }
    if (tasks.some((t) => t.state === 'STARTING')) return { id, state: 'starting', tasks };
    if (tasks.some((t) => t.state === 'READY')) return { id, state: 'ready', tasks };
    if (tasks.some((t) => t.state === 'PAUSED')) return { id, state: 'paused', tasks };
    return { id, state: 'running', tasks };
  }

  async pause(spec: ReplicationPairSpec): Promise<void> {
    for (const s of (await this.existing(spec)).values()) {
      // A status kafka-dr does not know may be a running one: pausing a stream that is not running is harmless.
      if (s.Status === 'RUNNING' || s.Status === 'STARTING' || !isKnownStreamStatus(s.Status))
        await this.client.pauseEventStreaming(s.EventStreamingName);
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
      await this.client.deleteEventStreaming(name).then(
        () => {
          removed = true;
        },
        (e) => {
          if (!notFound(e)) throw e;
        },
      );
    }
    return { removed };
  }

  async lag(
    spec: ReplicationPairSpec,
    clusters: { primary: AdminSession; secondary: AdminSession },
    tolerance = 0,
  ): Promise<ReplicationLag> {
    return compareEndOffsets(clusters.primary, clusters.secondary, spec.topics, tolerance);
  }
}
