// EventBridge event streaming through the cloud layer; the data plane is MirrorMaker 2 on the local Kafka Connect.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { local } from '../../../stack/local-stack';
import { kafkaToKafkaParams, type KafkaToKafkaStream } from '../../../src/cloud';
import { connectorNameFor } from '../../../stack/emulator/eventbridge';
import { ensureStack, uniqueName } from '../../../stack/harness/stack';
import {
  PRIMARY_ID,
  PRIMARY_REGION,
  SECONDARY_ID,
  SECONDARY_REGION,
  rejection,
  startTestEmulator,
  type TestEmulator,
  until,
} from '../../../stack/harness/emulator';

describe('EventBridge emulator', () => {
  let emu: TestEmulator;
  const primary = new Kafka({ clientId: 'kdr-test-eb', brokers: [local.primaryBootstrap], logLevel: logLevel.NOTHING });
  const secondary = new Kafka({
    clientId: 'kdr-test-eb',
    brokers: [local.secondaryBootstrap],
    logLevel: logLevel.NOTHING,
  });
  const topic = uniqueName('kdrstream');
  const streams: string[] = [];
  const spec = (name: string): KafkaToKafkaStream => ({
    name,
    source: {
      regionId: PRIMARY_REGION,
      instanceId: PRIMARY_ID,
      topic,
      consumerGroup: `${name}-replicator`,
      offsetReset: 'earliest',
    },
    sink: { instanceId: SECONDARY_ID, topic },
  });

  before(async () => {
    await ensureStack();
    // These cases drive the MirrorMaker 2 connector behind each stream: the mirror plane, whatever the environment says.
    emu = await startTestEmulator({
      dnsPort: undefined,
      streamTimings: { missingGraceMs: 3_000 },
      eventBridgeDataPlane: { mode: 'mirror' },
    });
    await emu.clients
      .alikafka(PRIMARY_REGION)
      .createTopic({ instanceId: PRIMARY_ID, topic, remark: 'kdr-test', partitionNum: 1 });
  });
  after(async () => {
    const eb = emu.clients.eventbridge(SECONDARY_REGION);
    for (const s of streams) await eb.deleteEventStreaming(s).catch(() => undefined);
    for (const k of [primary, secondary]) {
      const a = k.admin();
      await a.connect();
      await a.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await a.disconnect();
    }
    await emu.close();
  });

  test('create (READY), get, list with pagination, and the documented errors', async () => {
    const eb = emu.clients.eventbridge(SECONDARY_REGION);
    const prefix = uniqueName('kdreb');
    for (const n of ['a', 'b', 'c']) {
      streams.push(`${prefix}-${n}`);
      const arn = await eb.createKafkaToKafka(spec(`${prefix}-${n}`));
      assert.match(arn, new RegExp(`^acs:eventbridge:${SECONDARY_REGION}:\\d+:eventstreaming/${prefix}-${n}$`));
    }
    const got = await eb.getEventStreaming(`${prefix}-a`);
    assert.equal(got.Status, 'READY');
    assert.equal((got.Source as { SourceKafkaParameters: { Topic: string } }).SourceKafkaParameters.Topic, topic);
    const page = await eb.listEventStreamingsPage({ namePrefix: prefix, limit: 2 });
    assert.equal(page.items.length, 2);
    assert.equal(page.total, 3);
    assert.ok(page.nextToken);
    assert.deepEqual(
      (await eb.listEventStreamings({ namePrefix: prefix, limit: 2 })).map((s) => s.EventStreamingName),
      ['a', 'b', 'c'].map((n) => `${prefix}-${n}`),
    );

    assert.equal((await rejection(eb.getEventStreaming(uniqueName('missing')))).code, 'EventStreamingNotExisted');
    assert.equal((await rejection(eb.createKafkaToKafka(spec(`${prefix}-a`)))).code, 'EventStreamingExisted');
    const badSource = kafkaToKafkaParams(spec(uniqueName('bad')));
    (badSource.Source as { SourceKafkaParameters: Record<string, unknown> }).SourceKafkaParameters.OffsetReset =
      'middle';
    const err = await rejection(eb.createEventStreaming(badSource));
    assert.equal(err.code, 'InvalidParameter');
    assert.match(err.message, /OffsetReset/);
    // The stream lives in the sink's region: creating it in the source region is refused.
    assert.equal(
      (await rejection(emu.clients.eventbridge(PRIMARY_REGION).createKafkaToKafka(spec(uniqueName('wrongregion')))))
        .code,
      'InvalidParameter',
    );
  });

  test('a started stream whose connector Kafka Connect does not list yet is STARTING, never STARTING_FAILED', async () => {
    const eb = emu.clients.eventbridge(SECONDARY_REGION);
    const name = uniqueName('kdrslow');
    streams.push(name);
    await eb.createKafkaToKafka(spec(name));
    await eb.startEventStreaming(name);
    // What Connect shows for a moment after a PUT (its herder has not read the config back): no such connector.
    const url = `${local.connectUrl}/connectors/${connectorNameFor(SECONDARY_REGION, name)}`;
    await until(
      'the connector gone from Connect',
      async () => {
        await fetch(url, { method: 'DELETE' });
        return (await fetch(url)).status === 404 ? true : undefined;
      },
      30_000,
    );
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) {
      seen.add((await eb.getEventStreaming(name)).Status as string);
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual([...seen], ['STARTING']);
    await eb.deleteEventStreaming(name);
  });

  test('start -> RUNNING, a record produced on the primary is read on the secondary, pause, delete', async () => {
    const eb = emu.clients.eventbridge(SECONDARY_REGION);
    const name = uniqueName('kdrflow');
    streams.push(name);
    await eb.createKafkaToKafka(spec(name));
    const producer = primary.producer();
    await producer.connect();
    const marker = `hello-${name}`;
    await producer.send({ topic, messages: [{ key: 'k1', value: marker }] });
    await producer.disconnect();

    await eb.startEventStreaming(name);
    await eb.startEventStreaming(name); // idempotent
    await until('RUNNING', async () => ((await eb.getEventStreaming(name)).Status === 'RUNNING' ? true : undefined));

    const consumer = secondary.consumer({ groupId: uniqueName('kdr-test-reader') });
    await consumer.connect();
    const received = await until('the record on the secondary', async () => {
      const admin = secondary.admin();
      await admin.connect();
      const exists = (await admin.listTopics()).includes(topic);
      await admin.disconnect();
      return exists ? true : undefined;
    }).then(async () => {
      await consumer.subscribe({ topic, fromBeginning: true });
      return new Promise<{ key: string; value: string }>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            if (message.value?.toString() === marker) resolve({ key: message.key?.toString() ?? '', value: marker });
          },
        });
      });
    });
    await consumer.disconnect();
    assert.deepEqual(received, { key: 'k1', value: marker });
    const detail = await until('lag 0', async () => {
      const d = await eb.getEventStreaming(name);
      return d.DetailedStatus?.DiffOffset === 0 ? d : undefined;
    });
    assert.equal(detail.Status, 'RUNNING');

    await eb.pauseEventStreaming(name);
    assert.equal((await eb.getEventStreaming(name)).Status, 'PAUSED');
    await eb.startEventStreaming(name);
    await until('RUNNING again', async () =>
      (await eb.getEventStreaming(name)).Status === 'RUNNING' ? true : undefined,
    );

    // A connector that disappears behind the stream's back is a failed stream (once the grace has passed).
    await fetch(`${local.connectUrl}/connectors/${connectorNameFor(SECONDARY_REGION, name)}`, { method: 'DELETE' });
    await until(
      'RUNNING_FAILED',
      async () => ((await eb.getEventStreaming(name)).Status === 'RUNNING_FAILED' ? true : undefined),
      30_000,
    );
    await eb.startEventStreaming(name);
    await until('recovered', async () => ((await eb.getEventStreaming(name)).Status === 'RUNNING' ? true : undefined));

    await eb.deleteEventStreaming(name);
    assert.equal((await rejection(eb.getEventStreaming(name))).code, 'EventStreamingNotExisted');
    const res = await fetch(`${local.connectUrl}/connectors/${connectorNameFor(SECONDARY_REGION, name)}`);
    assert.equal(res.status, 404);
  });
});
