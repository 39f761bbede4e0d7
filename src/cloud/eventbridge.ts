// EventBridge event streaming 2020-04-01 (docs/alicloud-emulator.md, Sources §1): the programmatic form of the ApsaraMQ
// "Kafka sink connector". Created in the destination (secondary) region.
import { z } from 'zod';
import type { PopRpc } from './rpc';
import { num, popEnvelope } from './schemas';

export type EventStreamingStatus = 'READY' | 'STARTING' | 'STARTING_FAILED' | 'RUNNING' | 'RUNNING_FAILED' | 'PAUSED';

export interface SinkField { Form: 'ORIGINAL' | 'JSONPATH' | 'CONSTANT' | 'TEMPLATE'; Value?: string; Template?: string }

export interface KafkaToKafkaStream {
  name: string;
  description?: string;
  filterPattern?: string;
  source: { regionId: string; instanceId: string; topic: string; consumerGroup: string; offsetReset: 'earliest' | 'latest'; network?: 'Default' | 'PublicNetwork'; valueDataType?: 'JSON' | 'Text' | 'Binary' };
  sink: { instanceId: string; topic: string; acks?: '0' | '1' | 'all'; key?: SinkField; value?: SinkField };
  runOptions?: { maximumTasks?: number; errorsTolerance?: 'NONE' | 'ALL'; retryStrategy?: { PushRetryStrategy: 'BACKOFF_RETRY' | 'EXPONENTIAL_DECAY_RETRY'; MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number } };
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
        RegionId: s.source.regionId, InstanceId: s.source.instanceId, Topic: s.source.topic,
        ConsumerGroup: s.source.consumerGroup, OffsetReset: s.source.offsetReset,
        Network: s.source.network ?? 'Default', ValueDataType: s.source.valueDataType ?? 'Binary',
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
      },
    },
    RunOptions: {
      MaximumTasks: s.runOptions?.maximumTasks ?? 1,
      ErrorsTolerance: s.runOptions?.errorsTolerance ?? 'NONE',
      RetryStrategy: s.runOptions?.retryStrategy ?? { PushRetryStrategy: 'BACKOFF_RETRY' },
    },
  };
}

const anyObject = z.record(z.string(), z.unknown());
const status = z.enum(['READY', 'STARTING', 'STARTING_FAILED', 'RUNNING', 'RUNNING_FAILED', 'PAUSED']);

const streamVO = z.looseObject({
  EventStreamingName: z.string(),
  Description: z.string().optional(),
  FilterPattern: z.string().optional(),
  Source: anyObject.optional(),
  Sink: anyObject.optional(),
  RunOptions: anyObject.optional(),
  Status: status,
});
export type EventStreaming = z.output<typeof streamVO>;

const detailedStatus = z.looseObject({
  DelayTime: num.optional(), DiffOffset: num.optional(), TPS: num.optional(), Extensions: z.unknown().optional(),
}).optional();

const getResponse = popEnvelope.extend({ Data: streamVO.extend({ DetailedStatus: detailedStatus }) });
export type EventStreamingDetail = z.output<typeof getResponse>['Data'];
const createResponse = popEnvelope.extend({ Data: z.looseObject({ EventStreamingARN: z.string() }) });
const ack = popEnvelope.extend({ Success: z.boolean().optional(), Code: z.string().optional() });
const listResponse = popEnvelope.extend({
  Data: z.looseObject({ EventStreamings: z.array(streamVO).optional().transform((v) => v ?? []), NextToken: z.string().optional(), Total: num.optional() }),
});

export class EventBridgeClient {
  constructor(private readonly rpc: PopRpc, readonly region: string) {}

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

  async listEventStreamingsPage(opts: { namePrefix?: string; limit?: number; nextToken?: string } = {}): Promise<{ items: EventStreaming[]; nextToken?: string; total?: number }> {
    const res = await this.rpc.call('ListEventStreamings', { NamePrefix: opts.namePrefix, Limit: opts.limit, NextToken: opts.nextToken }, listResponse);
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
