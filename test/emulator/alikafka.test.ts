// alikafka through the cloud layer, against the real local Kafka clusters behind the emulator.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { local } from '../../stack/local-stack';
import { ensureStack, uniqueName } from '../helpers/stack';
import { PRIMARY_ID, PRIMARY_REGION, SECONDARY_ID, SECONDARY_REGION, rejection, startTestEmulator, type TestEmulator } from '../helpers/emulator';

describe('alikafka emulator', () => {
  let emu: TestEmulator;
  let kafka: Kafka;
  let admin: Admin;
  const topics: string[] = [];
  before(async () => {
    await ensureStack();
    emu = await startTestEmulator({ dnsPort: undefined });
    kafka = new Kafka({ clientId: 'kdr-test-alikafka', brokers: [local.primaryBootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
  });
  after(async () => {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    await emu.close();
  });

  test('GetInstanceList: one instance per region, endpoints in the documented format', async () => {
    const [primary] = await emu.clients.alikafka(PRIMARY_REGION).getInstanceList();
    assert.equal(primary.InstanceId, PRIMARY_ID);
    assert.equal(primary.DomainEndpoint, 'alikafka-pre-cn-kdrprimary01-1-vpc.alikafka.aliyuncs.com:39092');
    assert.match(primary.EndPoint!, /^\d+\.\d+\.\d+\.\d+:\d+$/);
    assert.equal(primary.ServiceStatus, 5);
    const secondary = await emu.clients.alikafka(SECONDARY_REGION).getInstance(SECONDARY_ID);
    assert.equal(secondary?.RegionId, SECONDARY_REGION);
    assert.equal(await emu.clients.alikafka(SECONDARY_REGION).getInstance(PRIMARY_ID), undefined);
  });

  test('CreateTopic acts on the cluster; GetTopicList filters and paginates; duplicates are refused', async () => {
    const client = emu.clients.alikafka(PRIMARY_REGION);
    const prefix = uniqueName('kdrtopic');
    for (const n of ['a', 'b', 'c']) {
      topics.push(`${prefix}-${n}`);
      await client.createTopic({ instanceId: PRIMARY_ID, topic: `${prefix}-${n}`, remark: 'kdr-test', partitionNum: 3 });
    }
    const meta = await admin.fetchTopicMetadata({ topics: [`${prefix}-a`] });
    assert.equal(meta.topics[0].partitions.length, 3);
    const page1 = await client.getTopicList({ instanceId: PRIMARY_ID, topic: prefix, currentPage: 1, pageSize: 2 });
    assert.equal(page1.total, 3);
    assert.deepEqual(page1.items.map((t) => t.Topic), [`${prefix}-a`, `${prefix}-b`]);
    const all = await client.listTopics({ instanceId: PRIMARY_ID, topic: prefix, pageSize: 2 });
    assert.deepEqual(all.map((t) => [t.Topic, t.PartitionNum, t.Remark]), ['a', 'b', 'c'].map((n) => [`${prefix}-${n}`, 3, 'kdr-test']));
    assert.equal((await rejection(client.createTopic({ instanceId: PRIMARY_ID, topic: `${prefix}-a`, remark: 'kdr-test' }))).code, 'BIZ_TOPIC_EXISTED');
    assert.equal((await rejection(client.createTopic({ instanceId: PRIMARY_ID, topic: 'x', remark: 'kdr-test' }))).code, 'InvalidParameter');
    const wrong = await rejection(client.getTopicList({ instanceId: 'alikafka_pre-cn-nosuch000001' }));
    assert.equal(wrong.code, 'AUTH_RESOURCE_OWNER_ERROR');
    assert.equal(wrong.transient, false);
  });

  test('groups: create, list, progress, reset by offset / time / earliest / latest; refused while members are online', async () => {
    const client = emu.clients.alikafka(PRIMARY_REGION);
    const topic = uniqueName('kdrprog');
    topics.push(topic);
    await client.createTopic({ instanceId: PRIMARY_ID, topic, remark: 'kdr-test', partitionNum: 2 });
    const group = uniqueName('kdrgroup');
    await client.createConsumerGroup({ instanceId: PRIMARY_ID, consumerId: group, remark: 'kdr-test' });
    assert.equal((await rejection(client.createConsumerGroup({ instanceId: PRIMARY_ID, consumerId: group }))).code, 'BIZ_SUBSCRIPTION_EXISTED');
    const listed = await client.listConsumerGroups({ instanceId: PRIMARY_ID, consumerId: group });
    assert.deepEqual(listed.map((g) => [g.ConsumerId, g.AutomaticallyCreatedGroup]), [[group, false]]);

    const producer = kafka.producer();
    await producer.connect();
    const before = Date.now();
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: `m${i}` })) });
    await producer.disconnect();

    await client.updateConsumerOffset({ instanceId: PRIMARY_ID, consumerId: group, topic, resetType: 'offset', offsets: [{ partition: 0, offset: 2 }, { partition: 1, offset: 4 }] });
    let progress = await client.getConsumerProgress({ instanceId: PRIMARY_ID, consumerId: group, hideLastTimestamp: true });
    assert.equal(progress.State, 'EMPTY');
    assert.equal(progress.TotalDiff, 3 + 1);
    const offs = progress.TopicList.find((t) => t.Topic === topic)!.OffsetList;
    assert.deepEqual(offs.map((o) => [o.Partition, o.BrokerOffset, o.ConsumerOffset]), [[0, '5', '2'], [1, '5', '4']]);

    await client.updateConsumerOffset({ instanceId: PRIMARY_ID, consumerId: group, topic, resetType: 'timestamp', time: -2 });
    progress = await client.getConsumerProgress({ instanceId: PRIMARY_ID, consumerId: group });
    assert.equal(progress.TotalDiff, 10);
    await client.updateConsumerOffset({ instanceId: PRIMARY_ID, consumerId: group, topic: '', resetType: 'timestamp', time: -1 });
    progress = await client.getConsumerProgress({ instanceId: PRIMARY_ID, consumerId: group });
    assert.equal(progress.TotalDiff, 0);
    await client.updateConsumerOffset({ instanceId: PRIMARY_ID, consumerId: group, topic, resetType: 'timestamp', time: before - 60_000 });
    progress = await client.getConsumerProgress({ instanceId: PRIMARY_ID, consumerId: group });
    assert.equal(progress.TotalDiff, 10);
    const bad = await rejection(client.updateConsumerOffset({ instanceId: PRIMARY_ID, consumerId: group, topic, resetType: 'offset', offsets: [{ partition: 7, offset: 0 }] }));
    assert.equal(bad.code, 'InvalidParameter');
    assert.equal((await rejection(client.getConsumerProgress({ instanceId: PRIMARY_ID, consumerId: uniqueName('nogroup') }))).code, 'BIZ_SUBSCRIPTION_NOT_FOUND');

    const consumer = kafka.consumer({ groupId: group, sessionTimeout: 6000 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let seen = 0;
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({ eachMessage: async () => { seen++; } });
    await joined;
    try {
      progress = await client.getConsumerProgress({ instanceId: PRIMARY_ID, consumerId: group });
      assert.equal(progress.State, 'STABLE');
      assert.ok(progress.TopicList[0].OffsetList.some((o) => o.ClientId !== ''));
      const online = await rejection(client.updateConsumerOffset({ instanceId: PRIMARY_ID, consumerId: group, topic, resetType: 'timestamp', time: -2 }));
      assert.equal(online.code, 'BIZ_CONSUMER_ONLINE');
      assert.equal(online.transient, false);
      assert.match(online.message, /stop every consumer/);
    } finally {
      await consumer.disconnect();
    }
    assert.ok(seen >= 0);
  });
});
