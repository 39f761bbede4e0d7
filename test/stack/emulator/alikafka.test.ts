// alikafka through the cloud layer, against the real local Kafka clusters behind the emulator.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { local } from '../../../stack/local-stack';
import { ensureStack, uniqueName } from '../../../stack/harness/stack';
import {
  PRIMARY_ID,
  PRIMARY_REGION,
  SECONDARY_ID,
  SECONDARY_REGION,
  rejection,
  startTestEmulator,
  type TestEmulator,
} from '../../../stack/harness/emulator';
import { sendV3 } from './acs3-request';

describe('alikafka emulator', () => {
  let emu: TestEmulator;
  let kafka: Kafka;
  let admin: Admin;
  const topics: string[] = [];
  const groups: string[] = [];
  before(async () => {
    await ensureStack();
    emu = await startTestEmulator({ dnsPort: undefined });
    kafka = new Kafka({ clientId: 'kdr-test-alikafka', brokers: [local.primaryBootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
  });
  after(async () => {
    // Cleanup through the API, as a user of the real service would (DeleteTopic, DeleteConsumerGroup).
    const client = emu.clients.alikafka(PRIMARY_REGION);
    for (const consumerId of groups)
      await client.deleteConsumerGroup({ instanceId: PRIMARY_ID, consumerId }).catch(() => undefined);
    for (const topic of topics) await client.deleteTopic({ instanceId: PRIMARY_ID, topic }).catch(() => undefined);
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
      await client.createTopic({
        instanceId: PRIMARY_ID,
        topic: `${prefix}-${n}`,
        remark: 'kdr-test',
        partitionNum: 3,
      });
    }
    const meta = await admin.fetchTopicMetadata({ topics: [`${prefix}-a`] });
    assert.equal(meta.topics[0].partitions.length, 3);
    const page1 = await client.getTopicList({ instanceId: PRIMARY_ID, topic: prefix, currentPage: 1, pageSize: 2 });
    assert.equal(page1.total, 3);
    assert.deepEqual(
      page1.items.map((t) => t.Topic),
      [`${prefix}-a`, `${prefix}-b`],
    );
    const all = await client.listTopics({ instanceId: PRIMARY_ID, topic: prefix, pageSize: 2 });
    assert.deepEqual(
      all.map((t) => [t.Topic, t.PartitionNum, t.Remark]),
      ['a', 'b', 'c'].map((n) => [`${prefix}-${n}`, 3, 'kdr-test']),
    );
    assert.equal(
      (await rejection(client.createTopic({ instanceId: PRIMARY_ID, topic: `${prefix}-a`, remark: 'kdr-test' }))).code,
      'BIZ_TOPIC_EXISTED',
    );
    assert.equal(
      (await rejection(client.createTopic({ instanceId: PRIMARY_ID, topic: 'x', remark: 'kdr-test' }))).code,
      'InvalidParameter',
    );
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
    groups.push(group);
    await client.createConsumerGroup({ instanceId: PRIMARY_ID, consumerId: group, remark: 'kdr-test' });
    assert.equal(
      (await rejection(client.createConsumerGroup({ instanceId: PRIMARY_ID, consumerId: group }))).code,
      'BIZ_SUBSCRIPTION_EXISTED',
    );
    const listed = await client.listConsumerGroups({ instanceId: PRIMARY_ID, consumerId: group });
    assert.deepEqual(
      listed.map((g) => [g.ConsumerId, g.AutomaticallyCreatedGroup]),
      [[group, false]],
    );

    const producer = kafka.producer();
    await producer.connect();
    const before = Date.now();
    await producer.send({
      topic,
      messages: Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: `m${i}` })),
    });
    await producer.disconnect();

    await client.updateConsumerOffset({
      instanceId: PRIMARY_ID,
      consumerId: group,
      topic,
      resetType: 'offset',
      offsets: [
        { partition: 0, offset: 2 },
        { partition: 1, offset: 4 },
      ],
    });
    let progress = await client.getConsumerProgress({
      instanceId: PRIMARY_ID,
      consumerId: group,
      hideLastTimestamp: true,
    });
    assert.equal(progress.state, 'EMPTY');
    assert.equal(progress.TotalDiff, 3 + 1);
    const offs = progress.TopicList.find((t) => t.Topic === topic)!.OffsetList;
    assert.deepEqual(
      offs.map((o) => [o.Partition, o.BrokerOffset, o.ConsumerOffset]),
      [
        [0, '5', '2'],
        [1, '5', '4'],
      ],
    );

    await client.updateConsumerOffset({
      instanceId: PRIMARY_ID,
      consumerId: group,
      topic,
      resetType: 'timestamp',
      time: -2,
    });
    progress = await client.getConsumerProgress({ instanceId: PRIMARY_ID, consumerId: group });
    assert.equal(progress.TotalDiff, 10);
    await client.updateConsumerOffset({
      instanceId: PRIMARY_ID,
      consumerId: group,
      topic: '',
      resetType: 'timestamp',
      time: -1,
    });
    progress = await client.getConsumerProgress({ instanceId: PRIMARY_ID, consumerId: group });
    assert.equal(progress.TotalDiff, 0);
    await client.updateConsumerOffset({
      instanceId: PRIMARY_ID,
      consumerId: group,
      topic,
      resetType: 'timestamp',
      time: before - 60_000,
    });
    progress = await client.getConsumerProgress({ instanceId: PRIMARY_ID, consumerId: group });
    assert.equal(progress.TotalDiff, 10);
    const bad = await rejection(
      client.updateConsumerOffset({
        instanceId: PRIMARY_ID,
        consumerId: group,
        topic,
        resetType: 'offset',
        offsets: [{ partition: 7, offset: 0 }],
      }),
    );
    assert.equal(bad.code, 'InvalidParameter');
    assert.equal(
      (await rejection(client.getConsumerProgress({ instanceId: PRIMARY_ID, consumerId: uniqueName('nogroup') }))).code,
      'BIZ_SUBSCRIPTION_NOT_FOUND',
    );

    const consumer = kafka.consumer({ groupId: group, sessionTimeout: 6000 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let seen = 0;
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      eachMessage: async () => {
        seen++;
      },
    });
    await joined;
    try {
      progress = await client.getConsumerProgress({ instanceId: PRIMARY_ID, consumerId: group });
      assert.equal(progress.state, 'STABLE');
      assert.ok(progress.TopicList[0].OffsetList.some((o) => o.ClientId !== ''));
      const online = await rejection(
        client.updateConsumerOffset({
          instanceId: PRIMARY_ID,
          consumerId: group,
          topic,
          resetType: 'timestamp',
          time: -2,
        }),
      );
      assert.equal(online.code, 'BIZ_CONSUMER_ONLINE');
      assert.equal(online.transient, false);
      assert.match(online.message, /stop every consumer/);
    } finally {
      await consumer.disconnect();
    }
    assert.ok(seen >= 0);
  });
  test('the official SDK sends booleans as True/False: LocalTopic=True created a cloud-storage topic; every case form is now a boolean, anything else is refused naming the parameter', async () => {
    const prefix = uniqueName('kdrbool');
    const create = (topic: string, extra: Record<string, string>) =>
      sendV3(emu.emulator.url, {
        action: 'CreateTopic',
        version: '2019-09-16',
        query: {
          RegionId: PRIMARY_REGION,
          InstanceId: PRIMARY_ID,
          Topic: topic,
          Remark: 'kdr-test',
          PartitionNum: '1',
          ...extra,
        },
      });
    const cases: [string, Record<string, string>, boolean, boolean][] = [
      [`${prefix}-py`, { LocalTopic: 'True', CompactTopic: 'True' }, true, true],
      [`${prefix}-up`, { LocalTopic: 'TRUE' }, true, false],
      [`${prefix}-lo`, { LocalTopic: 'true', CompactTopic: 'False' }, true, false],
      [`${prefix}-no`, { LocalTopic: 'FALSE' }, false, false],
    ];
    for (const [topic, extra] of cases) {
      topics.push(topic);
      const r = await create(topic, extra);
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    const listed = await emu.clients.alikafka(PRIMARY_REGION).listTopics({ instanceId: PRIMARY_ID, topic: prefix });
    assert.deepEqual(
      listed.map((t) => [t.Topic, t.LocalTopic, t.CompactTopic]),
      cases.map(([t, , local, compact]) => [t, local, compact]).sort(),
    );
    const compacted = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2, name: `${prefix}-py`, configNames: ['cleanup.policy'] }],
    });
    assert.equal(compacted.resources[0].configEntries[0].configValue, 'compact');
    for (const bad of ['yes', '1', 'tru']) {
      const r = await create(`${prefix}-bad`, { LocalTopic: bad });
      assert.deepEqual([r.status, r.body.Code], [400, 'InvalidParameter']);
      assert.match(String(r.body.Message), new RegExp(`LocalTopic is not valid: "${bad}" is not a boolean`));
    }
    assert.equal((await admin.listTopics()).includes(`${prefix}-bad`), false, 'a refused boolean creates nothing');
  });

  test('official name limits: topics and groups may contain "."; groups are 3-64 characters (65-128 were accepted, "." refused)', async () => {
    const client = emu.clients.alikafka(PRIMARY_REGION);
    const topic = `${uniqueName('kdr.dot')}.v1`;
    const group = `${uniqueName('kdr.dot')}.billing`;
    topics.push(topic);
    groups.push(group);
    await client.createTopic({ instanceId: PRIMARY_ID, topic, remark: 'kdr-test', partitionNum: 1 });
    await client.createConsumerGroup({ instanceId: PRIMARY_ID, consumerId: group });
    assert.ok((await client.listTopics({ instanceId: PRIMARY_ID, topic })).some((t) => t.Topic === topic));
    assert.ok(
      (await client.listConsumerGroups({ instanceId: PRIMARY_ID, consumerId: group })).some(
        (g) => g.ConsumerId === group,
      ),
    );
    const long = await rejection(
      client.createConsumerGroup({ instanceId: PRIMARY_ID, consumerId: `g${'x'.repeat(64)}` }),
    );
    assert.equal(long.code, 'InvalidParameter');
    assert.match(long.message, /ConsumerId .* 65 characters \(allowed 3-64\)/);
    assert.equal(
      (await rejection(client.createConsumerGroup({ instanceId: PRIMARY_ID, consumerId: 'gg' }))).code,
      'InvalidParameter',
    );
    assert.equal(
      (await rejection(client.createConsumerGroup({ instanceId: PRIMARY_ID, consumerId: 'a/b/c' }))).code,
      'InvalidParameter',
    );
    const longTopic = await rejection(
      client.createTopic({ instanceId: PRIMARY_ID, topic: `t${'x'.repeat(64)}`, remark: 'kdr-test' }),
    );
    assert.match(longTopic.message, /Topic .* 65 characters/);
    assert.equal(
      (await rejection(client.createTopic({ instanceId: PRIMARY_ID, topic: 'a b c', remark: 'kdr-test' }))).code,
      'InvalidParameter',
    );
  });

  test('DeleteTopic and DeleteConsumerGroup: gone from the API and from the cluster; a second delete says not found', async () => {
    const client = emu.clients.alikafka(PRIMARY_REGION);
    const topic = uniqueName('kdrdel');
    const group = uniqueName('kdrdelgroup');
    topics.push(topic);
    groups.push(group);
    await client.createTopic({ instanceId: PRIMARY_ID, topic, remark: 'kdr-test', partitionNum: 1 });
    await client.createConsumerGroup({ instanceId: PRIMARY_ID, consumerId: group });
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '0' }] });
    await client.deleteConsumerGroup({ instanceId: PRIMARY_ID, consumerId: group });
    assert.deepEqual(await client.listConsumerGroups({ instanceId: PRIMARY_ID, consumerId: group }), []);
    assert.equal(
      (await admin.listGroups()).groups.some((g) => g.groupId === group),
      false,
      'the committed offsets are gone with the group',
    );
    assert.equal(
      (await rejection(client.deleteConsumerGroup({ instanceId: PRIMARY_ID, consumerId: group }))).code,
      'BIZ_SUBSCRIPTION_NOT_FOUND',
    );
    await client.deleteTopic({ instanceId: PRIMARY_ID, topic });
    assert.deepEqual(await client.listTopics({ instanceId: PRIMARY_ID, topic }), []);
    assert.equal((await admin.listTopics()).includes(topic), false);
    const again = await rejection(client.deleteTopic({ instanceId: PRIMARY_ID, topic }));
    assert.equal(again.code, 'BIZ_TOPIC_NOT_FOUND');
    assert.equal(again.transient, false);
  });
});
