// Issue 24, findings 2 and 3, on the emulator's `reproduce` plane and the real local clusters: no record the sink
// refuses is lost without a trace. kafka-dr's own streams (EventBridgeProvider.ensure) name the pair's dead-letter
// topic on the secondary, so a record the sink topic refuses (larger than its max.message.bytes) lands there with
// where it came from, and the stream goes on; a stream with no dead-letter queue discards it, as the SDK's model
// says, and the emulator counts it. kafka-dr's streams also map record headers (SinkKafkaParameters.Headers).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudApiError, kafkaTopicArn, type KafkaToKafkaStream } from '../../../src/cloud';
import { deadLetterTopic, EventBridgeProvider, streamName } from '../../../src/connectors/eventbridge';
import type { ReplicationPairSpec } from '../../../src/connectors/types';
import { readRange, type FetchedRecord } from '../../../src/kafka/protocol';
import { deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { replicatedTopics } from '../../../activities/sessions';
import type { PairConfig } from '../../../src/config';
import { ensureStack, uniqueName } from '../../../stack/harness/stack';
import {
  PRIMARY_ID,
  PRIMARY_REGION,
  SECONDARY_ID,
  SECONDARY_REGION,
  startTestEmulator,
  type TestEmulator,
  until,
} from '../../../stack/harness/emulator';

const SINK_MAX_BYTES = 2048;
const BIG = Buffer.alloc(8 * 1024, 'x');

describe('EventBridge dead-letter queue and headers (reproduce plane)', () => {
  let emu: TestEmulator;
  let kafka: Awaited<ReturnType<typeof openBoth>>;
  const primaryTopics: string[] = [];
  const secondaryTopics: string[] = [];

  before(async () => {
    await ensureStack();
    kafka = await openBoth();
    emu = await startTestEmulator({ dnsPort: undefined, eventBridgeDataPlane: { mode: 'reproduce' } });
  });
  after(async () => {
    await emu?.close();
    await deleteTopics(kafka.primary, primaryTopics).catch(() => undefined);
    await deleteTopics(kafka.secondary, secondaryTopics).catch(() => undefined);
    await kafka?.close();
  });

  /** A one-partition topic on the primary, and its copy on the secondary refusing records over SINK_MAX_BYTES. */
  async function topics(prefix: string): Promise<string> {
    const topic = uniqueName(prefix);
    await emu.clients
      .alikafka(PRIMARY_REGION)
      .createTopic({ instanceId: PRIMARY_ID, topic, remark: 'kdr-test', partitionNum: 1 });
    await kafka.secondary.admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: String(SINK_MAX_BYTES) }] },
      ],
    });
    primaryTopics.push(topic);
    secondaryTopics.push(topic);
    return topic;
  }

  /** small, too big for the sink, small: each with the header kdr-seq. */
  async function produce(topic: string): Promise<void> {
    const producer = kafka.primary.kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: [
        { key: 'k0', value: 'small-0', headers: { 'kdr-seq': '0' } },
        { key: 'k1', value: BIG, headers: { 'kdr-seq': '1' } },
        { key: 'k2', value: 'small-2', headers: { 'kdr-seq': '2' } },
      ],
    });
    await producer.disconnect();
  }

  const read = (topic: string, n: number): Promise<FetchedRecord[]> =>
    until(
      `${n} record(s) in ${topic}`,
      async () => {
        const r = await readRange(kafka.secondary.protocol, topic, 0, 0, Number.MAX_SAFE_INTEGER).catch(() => []);
        return r.length >= n ? r : undefined;
      },
      60_000,
    );

  test("dead-letter queue: a record the sink refuses lands in the pair's dead-letter topic with its origin; headers arrive; the stream keeps running", async () => {
    const pair = uniqueName('dlq');
    const topic = await topics('t-dlq');
    const dlq = deadLetterTopic(pair);
    await emu.clients
      .alikafka(SECONDARY_REGION)
      .createTopic({ instanceId: SECONDARY_ID, topic: dlq, remark: 'kdr-test', partitionNum: 1 });
    secondaryTopics.push(dlq);
    const spec: ReplicationPairSpec = {
      pair,
      primary: { bootstrapServers: [], region: PRIMARY_REGION, instanceId: PRIMARY_ID },
      secondary: { bootstrapServers: [], region: SECONDARY_REGION, instanceId: SECONDARY_ID },
      topics: [topic],
    };
    const eb = emu.clients.eventbridge(SECONDARY_REGION);
    const provider = new EventBridgeProvider(eb);
    await provider.ensure(spec);
    const name = streamName(pair, topic);
    const created = await eb.getEventStreaming(name);
    assert.deepEqual((created.RunOptions as { DeadLetterQueue?: unknown }).DeadLetterQueue, {
      Arn: kafkaTopicArn(SECONDARY_REGION, '*', SECONDARY_ID, dlq),
    });
    assert.equal((created.RunOptions as { ErrorsTolerance?: unknown }).ErrorsTolerance, 'ALL');
    assert.deepEqual((created.Sink as { SinkKafkaParameters: { Headers?: unknown } }).SinkKafkaParameters.Headers, {
      Form: 'JSONPATH',
      Value: '$.data.headers',
    });

    await produce(topic);
    const copies = await read(topic, 2);
    assert.deepEqual(
      copies.map((r) => r.value?.toString()),
      ['small-0', 'small-2'],
      'the records the sink accepts arrive, in order',
    );
    assert.deepEqual(
      copies.map((r) => String(r.headers['kdr-seq'])),
      ['0', '2'],
      'headers arrive: the stream maps them',
    );
    const [dead] = await read(dlq, 1);
    assert.equal(dead.key?.toString(), 'k1');
    assert.ok(dead.value?.equals(BIG), 'the refused record, byte for byte');
    assert.equal(String(dead.headers['kdr-seq']), '1', 'with its own headers');
    assert.equal(String(dead.headers['kdr-dlq-source-topic']), topic);
    assert.equal(String(dead.headers['kdr-dlq-source-offset']), '1', 'and where it came from');
    const detail = await until('the dead letter counted', async () => {
      const d = await eb.getEventStreaming(name);
      return (d.DetailedStatus?.Extensions as { deadLettered?: number })?.deadLettered === 1 ? d : undefined;
    });
    assert.equal((detail.DetailedStatus?.Extensions as { discarded?: number }).discarded, 0);
    assert.equal((await provider.state(spec)).state, 'running', 'a dead-lettered record does not stop the stream');
    // A topic pattern never selects the dead-letter topic (a failback's reverse replication reads the secondary's topics).
    const selected = await replicatedTopics(kafka.secondary, {
      replication: { topics: { pattern: `${dlq}|${topic}` }, canaryTopic: `${pair}-canary` },
    } as PairConfig);
    assert.deepEqual(selected, [`${pair}-canary`, topic].sort());
    await provider.remove(spec);
  });

  test('a fault injected at the sink (faults.ts SinkRecord) sends exactly the refused record to the dead-letter topic', async () => {
    const pair = uniqueName('dlqf');
    const topic = await topics('t-dlqf');
    const dlq = deadLetterTopic(pair);
    await emu.clients
      .alikafka(SECONDARY_REGION)
      .createTopic({ instanceId: SECONDARY_ID, topic: dlq, remark: 'kdr-test', partitionNum: 1 });
    secondaryTopics.push(dlq);
    const spec: ReplicationPairSpec = {
      pair,
      primary: { bootstrapServers: [], region: PRIMARY_REGION, instanceId: PRIMARY_ID },
      secondary: { bootstrapServers: [], region: SECONDARY_REGION, instanceId: SECONDARY_ID },
      topics: [topic],
    };
    const provider = new EventBridgeProvider(emu.clients.eventbridge(SECONDARY_REGION));
    await provider.ensure(spec);
    // A '*' rule is for API requests only: it must not touch records.
    await emu.setFaults([
      { action: 'SinkRecord', product: 'eventbridge', failNext: 1 },
      { action: '*', product: 'alidns', errorRate: 1 },
    ]);
    try {
      const producer = kafka.primary.kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: ['a', 'b', 'c'].map((v) => ({ key: v, value: v })) });
      await producer.disconnect();
      const copies = await read(topic, 2);
      const [dead] = await read(dlq, 1);
      assert.deepEqual(
        [...copies.map((r) => r.value?.toString()), dead.value?.toString()].sort(),
        ['a', 'b', 'c'],
        'every record is either copied or dead-lettered',
      );
      assert.equal(copies.length, 2);
      assert.match(String(dead.headers['kdr-dlq-error']), /Injected fault/);
    } finally {
      await emu.clearFaults();
      await provider.remove(spec);
    }
  });

  test("no dead-letter queue (the seed's ErrorsTolerance NONE, BACKOFF_RETRY): a refused record is discarded, and the emulator counts it", async () => {
    const topic = await topics('t-nodlq');
    const name = uniqueName('kdr-nodlq');
    const stream: KafkaToKafkaStream = {
      name,
      source: {
        regionId: PRIMARY_REGION,
        instanceId: PRIMARY_ID,
        topic,
        consumerGroup: `${name}-replicator`,
        offsetReset: 'earliest',
      },
      sink: { instanceId: SECONDARY_ID, topic },
      runOptions: { maximumTasks: 1, errorsTolerance: 'NONE', retryStrategy: { PushRetryStrategy: 'BACKOFF_RETRY' } },
    };
    const eb = emu.clients.eventbridge(SECONDARY_REGION);
    await eb.createKafkaToKafka(stream);
    await eb.startEventStreaming(name);
    await produce(topic);
    const copies = await read(topic, 2);
    assert.deepEqual(
      copies.map((r) => r.value?.toString()),
      ['small-0', 'small-2'],
    );
    assert.deepEqual(
      copies.map((r) => Object.keys(r.headers)),
      [[], []],
      'no header mapping: headers dropped (the reproduce default)',
    );
    const ext = await until('the discarded record counted', async () => {
      const e = (await eb.getEventStreaming(name)).DetailedStatus?.Extensions as {
        discarded?: number;
        deadLettered?: number;
      };
      return e?.discarded === 1 ? e : undefined;
    });
    assert.equal(ext.deadLettered, 0);
    await eb.deleteEventStreaming(name);
  });

  test('a dead-letter queue the emulator cannot deliver to is refused at creation, naming the field', async () => {
    const topic = await topics('t-badarn');
    const name = uniqueName('kdr-badarn');
    const eb = emu.clients.eventbridge(SECONDARY_REGION);
    const base: KafkaToKafkaStream = {
      name,
      source: {
        regionId: PRIMARY_REGION,
        instanceId: PRIMARY_ID,
        topic,
        consumerGroup: `${name}-replicator`,
        offsetReset: 'earliest',
      },
      sink: { instanceId: SECONDARY_ID, topic },
    };
    for (const Arn of [
      'acs:mns:cn-shanghai:1:/queues/q',
      kafkaTopicArn(SECONDARY_REGION, '*', 'alikafka_pre-cn-nosuch00001', 'x'),
    ]) {
      await assert.rejects(
        eb.createKafkaToKafka({ ...base, runOptions: { errorsTolerance: 'ALL', deadLetterQueue: { Arn } } }),
        (e: unknown) =>
          e instanceof CloudApiError &&
          e.code === 'InvalidParameter' &&
          /RunOptions\.DeadLetterQueue\.Arn/.test(e.message),
      );
    }
  });
});
