// EventBridge event streaming 2020-04-01 (docs/alicloud-emulator.md, Sources §1): the programmatic form of the ApsaraMQ
// "Kafka sink connector". Created in the destination (secondary) region.
import { z } from 'zod';
import type { PopRpc } from './rpc';
import { num, popEnvelope } from './schemas';

/**
 * The statuses kafka-dr knows. The official model types Status as an open string (PyPI
 * alibabacloud-eventbridge20200401 8.7.0, GetEventStreamingResponseBodyData.status and
 * ListEventStreamingsResponseBodyDataEventStreamings.status: "The status of the event stream.", no value list;
 * the API reference's pages give these six). Any other value is kept as it is and read as "not running yet".
 */
export const KNOWN_STREAM_STATUSES = [
  'READY',
  'STARTING',
  'STARTING_FAILED',
  'RUNNING',
  'RUNNING_FAILED',
  'PAUSED',
] as const;
export type KnownStreamStatus = (typeof KNOWN_STREAM_STATUSES)[number];
export type EventStreamingStatus = KnownStreamStatus | (string & {});

export function isKnownStreamStatus(status: string): status is KnownStreamStatus {
  return (KNOWN_STREAM_STATUSES as readonly string[]).includes(status);
}

export interface SinkField {
  Form: 'ORIGINAL' | 'JSONPATH' | 'CONSTANT' | 'TEMPLATE';
  Value?: string;
  Template?: string;
}

export interface KafkaToKafkaStream {
  name: string;
  description?: string;
  filterPattern?: string;
  source: {
    regionId: string;
    instanceId: string;
    topic: string;
    consumerGroup: string;
    offsetReset: 'earliest' | 'latest';
    network?: 'Default' | 'PublicNetwork';
    valueDataType?: 'JSON' | 'Text' | 'Binary';
  };
  /** `headers`: SinkKafkaParameters.Headers (SDK 8.7.0 model CreateEventStreamingRequestSinkSinkKafkaParametersHeaders: Form, Template, Value). */
  sink: {
    instanceId: string;
    topic: string;
    acks?: '0' | '1' | 'all';
    key?: SinkField;
    value?: SinkField;
    headers?: SinkField;
  };
  runOptions?: {
    maximumTasks?: number;
    errorsTolerance?: 'NONE' | 'ALL';
    retryStrategy?: {
      PushRetryStrategy: 'BACKOFF_RETRY' | 'EXPONENTIAL_DECAY_RETRY';
      MaximumRetryAttempts?: number;
      MaximumEventAgeInSeconds?: number;
    };
    deadLetterQueue?: DeadLetterQueue;
  };
}

/**
 * RunOptions.DeadLetterQueue (SDK 8.7.0 model CreateEventStreamingRequestRunOptionsDeadLetterQueue: Arn, Network,
 * SecurityGroupId, VSwitchIds, VpcId; no Type field: the ARN says what the queue is).
 */
export interface DeadLetterQueue {
  Arn: string;
  Network?: 'PrivateNetwork' | 'PublicNetwork';
  VpcId?: string;
  VSwitchIds?: string;
  SecurityGroupId?: string;
}

/**
 * The ARN of an ApsaraMQ for Kafka topic as a dead-letter queue, in the form the SDK's PutTargets DeadLetterQueue
 * example gives (npm @alicloud/eventbridge20200401: "acs:alikafka:cn-hangzhou:123456789098****:instance/
 * alikafka_post-cn-123456/topic/deadlettertopic"). `accountId` "*" when unknown: UNCONFIRMED that the service
 * accepts it (docs/alicloud-emulator.md).
 */
export function kafkaTopicArn(region: string, accountId: string, instanceId: string, topic: string): string {
  return `acs:alikafka:${region}:${accountId}:instance/${instanceId}/topic/${topic}`;
}

/** The instance and topic of a `kafkaTopicArn`, or undefined for any other ARN. */
export function parseKafkaTopicArn(
  arn: string,
): { region: string; accountId: string; instanceId: string; topic: string } | undefined {
  const m = /^acs:alikafka:([a-z0-9-]+):([^:]*):instance\/([^/]+)\/topic\/(.+)$/.exec(arn);
  return m ? { region: m[1], accountId: m[2], instanceId: m[3], topic: m[4] } : undefined;
}

const constant = (value: string): SinkField => ({ Form: 'CONSTANT', Value: value });

/** The CreateEventStreaming body parameters for a Kafka -> Kafka copy (objects are JSON-encoded by PopRpc). */
export function kafkaToKafkaParams(s: KafkaToKafkaStream): Record<string, unknown> {
  return {
    EventStreamingName: s.name,
    Description: s.description,
    FilterPattern: s.filterPattern ?? '{}',
    Source: {
      SourceKafkaParameters: {
        RegionId: s.source.regionId,
        InstanceId: s.source.instanceId,
        Topic: s.source.topic,
        ConsumerGroup: s.source.consumerGroup,
        OffsetReset: s.source.offsetReset,
        Network: s.source.network ?? 'Default',
        ValueDataType: s.source.valueDataType ?? 'Binary',
      },
    },
    Sink: {
      SinkKafkaParameters: {
        InstanceId: constant(s.sink.instanceId),
        Topic: constant(s.sink.topic),
        Acks: constant(s.sink.acks ?? 'all'),
        // UNCONFIRMED JSONPaths (UNCONFIRMED in the public docs: docs/alicloud-emulator.md, Sources §8.3): key and value of the original record.
        Key: s.sink.key ?? { Form: 'JSONPATH', Value: '$.data.key' },
        Value: s.sink.value ?? { Form: 'JSONPATH', Value: '$.data.value' },
        ...(s.sink.headers ? { Headers: s.sink.headers } : {}),
      },
    },
    RunOptions: {
      MaximumTasks: s.runOptions?.maximumTasks ?? 1,
      ErrorsTolerance: s.runOptions?.errorsTolerance ?? 'NONE',
      RetryStrategy: s.runOptions?.retryStrategy ?? { PushRetryStrategy: 'BACKOFF_RETRY' },
      ...(s.runOptions?.deadLetterQueue ? { DeadLetterQueue: s.runOptions.deadLetterQueue } : {}),
    },
  };
}

// Open on purpose: a status the service adds later must not turn every read of the stream into a failure.
const status = z.string();

// The fields of a stream's Source, Sink and RunOptions that src/connectors/eventbridge.ts compares (sameRoute):
// declared here so test/unit/conformance checks them against the official response models; anything else passes through.
const sinkField = z.looseObject({ Value: z.unknown().optional() }).optional();
const streamSource = z.looseObject({
  SourceKafkaParameters: z
    .looseObject({ RegionId: z.string().optional(), InstanceId: z.string().optional(), Topic: z.string().optional() })
    .optional(),
});
const streamSink = z.looseObject({
  SinkKafkaParameters: z.looseObject({ InstanceId: sinkField, Topic: sinkField }).optional(),
});
// Headers only in GetEventStreaming's model (ListEventStreamings' SinkKafkaParameters has none): sameRoute reads a Get.
const streamSinkDetail = z.looseObject({
  SinkKafkaParameters: z.looseObject({ InstanceId: sinkField, Topic: sinkField, Headers: sinkField }).optional(),
});
const streamRunOptions = z.looseObject({ DeadLetterQueue: z.looseObject({ Arn: z.string().optional() }).optional() });

const streamVO = z.looseObject({
  EventStreamingName: z.string(),
  Description: z.string().optional(),
  FilterPattern: z.string().optional(),
  Source: streamSource.optional(),
  Sink: streamSink.optional(),
  RunOptions: streamRunOptions.optional(),
  Status: status,
});
export type EventStreaming = z.output<typeof streamVO>;

const detailedStatus = z
  .looseObject({
    DelayTime: num.optional(),
    DiffOffset: num.optional(),
    TPS: num.optional(),
    Extensions: z.unknown().optional(),
  })
  .optional();

const getResponse = popEnvelope.extend({
  Data: streamVO.extend({ Sink: streamSinkDetail.optional(), DetailedStatus: detailedStatus }),
});
export type EventStreamingDetail = z.output<typeof getResponse>['Data'];
const createResponse = popEnvelope.extend({ Data: z.looseObject({ EventStreamingARN: z.string() }) });
const ack = popEnvelope.extend({ Success: z.boolean().optional(), Code: z.string().optional() });
const listResponse = popEnvelope.extend({
  Data: z.looseObject({
    EventStreamings: z
      .array(streamVO)
      .optional()
      .transform((v) => v ?? []),
    NextToken: z.string().optional(),
    Total: num.optional(),
  }),
});

export class EventBridgeClient {
  constructor(
    private readonly rpc: PopRpc,
    readonly region: string,
  ) {}

  /** Returns the stream's ARN. The stream is READY (not running) afterwards. */
  async createEventStreaming(params: Record<string, unknown>): Promise<string> {
    return (await this.rpc.call('CreateEventStreaming', params, createResponse)).Data.EventStreamingARN;
  }

  async createKafkaToKafka(stream: KafkaToKafkaStream): Promise<string> {
    return this.createEventStreaming(kafkaToKafkaParams(stream));
  }

  async getEventStreaming(name: string): Promise<EventStreamingDetail> {
    return (await this.rpc.call('GetEventStreaming', { EventStreamingName: name }, getResponse)).Data;
  }

  async startEventStreaming(name: string): Promise<void> {
    await this.rpc.call('StartEventStreaming', { EventStreamingName: name }, ack);
  }

  async pauseEventStreaming(name: string): Promise<void> {
    await this.rpc.call('PauseEventStreaming', { EventStreamingName: name }, ack);
  }

  async deleteEventStreaming(name: string): Promise<void> {
    await this.rpc.call('DeleteEventStreaming', { EventStreamingName: name }, ack);
  }

  async listEventStreamingsPage(
    opts: { namePrefix?: string; limit?: number; nextToken?: string } = {},
  ): Promise<{ items: EventStreaming[]; nextToken?: string; total?: number }> {
    const res = await this.rpc.call(
      'ListEventStreamings',
      { NamePrefix: opts.namePrefix, Limit: opts.limit, NextToken: opts.nextToken },
      listResponse,
    );
    return { items: res.Data.EventStreamings, nextToken: res.Data.NextToken || undefined, total: res.Data.Total };
  }

  /** Every stream (follows NextToken). */
  async listEventStreamings(opts: { namePrefix?: string; limit?: number } = {}): Promise<EventStreaming[]> {
    const all: EventStreaming[] = [];
    let nextToken: string | undefined;
    for (let i = 0; i < 10_000; i++) {
      const p = await this.listEventStreamingsPage({ ...opts, limit: opts.limit ?? 100, nextToken });
      all.push(...p.items);
      nextToken = p.nextToken;
      if (!nextToken || p.items.length === 0) return all;
    }
    throw new Error('ListEventStreamings pagination did not terminate');
  }
}
