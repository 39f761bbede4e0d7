// What MirrorMaker 2 (on Kafka Connect, IdentityReplicationPolicy, ByteArrayConverter for keys, values and
// headers) preserves when it copies records produced with kafkajs from the primary to the secondary.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureStack, uniqueName } from '../../../stack/harness/stack';
import {
  connectProvider,
  createTopic,
  deleteTopics,
  localPairSpec,
  openBoth,
  primaryKafka,
  waitFor,
} from '../../../stack/harness/kafka';
import { partitionOffsets, topicPartitionCounts, type AdminSession } from '../../../src/kafka/admin';
import { readRange, type FetchedRecord } from '../../../src/kafka/protocol';

describe('MirrorMaker 2 preserves what users rely on', () => {
  const pair = uniqueName('t-mm2p');
  const topic = uniqueName('t-mm2p-orders');
  const provider = connectProvider();
  const spec = localPairSpec(pair, [topic]);
  let clusters: { primary: AdminSession; secondary: AdminSession; close(): Promise<void> };
  const oldTimestamp = Date.UTC(2021, 0, 2, 3, 4, 5); // far from "now": a rewritten timestamp would show
  const sent: {
    key: string | null;
    value: Buffer | null;
    partition: number;
    timestamp: number;
    headers: Record<string, Buffer>;
  }[] = [];
  let primaryRecords: FetchedRecord[] = [];
  let secondaryRecords: FetchedRecord[] = [];

  before(async () => {
    await ensureStack();
    clusters = await openBoth();
    await createTopic(clusters.primary, topic, 4);
    for (let i = 0; i < 40; i++) {
      sent.push({
        key: i % 10 === 9 ? null : `key-${i}`,
        value: i % 13 === 12 ? null : Buffer.from(JSON.stringify({ i, text: 'zażółć ✓' })),
        partition: i % 4,
        timestamp: oldTimestamp + i * 1000,
        headers: { 'trace-id': Buffer.from(`trace-${i}`), binary: Buffer.from([0, 255, 1, 254, i]) },
      });
    }
    const producer = primaryKafka().producer();
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: sent.map((m) => ({
        key: m.key,
        value: m.value,
        partition: m.partition,
        timestamp: String(m.timestamp),
        headers: m.headers,
      })),
    });
    await producer.disconnect();

    await provider.ensure(spec);
    const ends = await partitionOffsets(clusters.primary, [topic]);
    await waitFor(
      'all 40 records on the secondary',
      async () => {
        const got = await partitionOffsets(clusters.secondary, [topic]).catch(() => undefined);
        if (!got) return undefined;
        return ends.every((p) => (got.find((g) => g.partition === p.partition)?.end ?? 0) >= p.end) ? true : undefined;
      },
      90000,
      500,
    );
    for (const p of ends) {
      primaryRecords.push(...(await readRange(clusters.primary.protocol, topic, p.partition, 0, p.end)));
      secondaryRecords.push(...(await readRange(clusters.secondary.protocol, topic, p.partition, 0, p.end)));
    }
    const order = (a: FetchedRecord, b: FetchedRecord) => a.partition - b.partition || a.offset - b.offset;
    primaryRecords = primaryRecords.sort(order);
    secondaryRecords = secondaryRecords.sort(order);
  });

  after(async () => {
    await provider.remove(spec).catch(() => undefined);
    if (clusters) {
      await deleteTopics(clusters.primary, [topic]);
      await deleteTopics(clusters.secondary, [topic]);
      await clusters.close();
    }
  });

  test('topic name and partition count are the same on the secondary (IdentityReplicationPolicy)', async () => {
    const counts = await topicPartitionCounts(clusters.secondary, [topic, `primary.${topic}`]);
    assert.equal(counts.get(topic), 4);
    assert.equal(counts.has(`primary.${topic}`), false);
  });

  test('every record arrives once, in the same partition, in the same order', () => {
    assert.equal(secondaryRecords.length, sent.length);
    assert.deepEqual(
      secondaryRecords.map((r) => [r.partition, r.key?.toString() ?? null]),
      primaryRecords.map((r) => [r.partition, r.key?.toString() ?? null]),
    );
  });

  test('keys and values are byte-identical, including null keys and null values', () => {
    for (let i = 0; i < primaryRecords.length; i++) {
      assert.deepEqual(secondaryRecords[i].key, primaryRecords[i].key);
      assert.deepEqual(secondaryRecords[i].value, primaryRecords[i].value);
    }
    assert.ok(secondaryRecords.some((r) => r.key === null));
    assert.ok(secondaryRecords.some((r) => r.value === null));
  });

  test('headers are byte-identical (text and binary)', () => {
    for (let i = 0; i < primaryRecords.length; i++) {
      const p = primaryRecords[i].headers;
      const s = secondaryRecords[i].headers;
      assert.deepEqual(Object.keys(s).sort(), Object.keys(p).sort());
      for (const k of Object.keys(p)) assert.deepEqual(s[k], p[k], `header ${k} of ${primaryRecords[i].key}`);
    }
  });

  test('record timestamps (CreateTime set by the producer) are preserved', () => {
    for (let i = 0; i < primaryRecords.length; i++)
      assert.equal(secondaryRecords[i].timestamp, primaryRecords[i].timestamp);
    assert.ok(secondaryRecords.every((r) => r.timestamp < Date.UTC(2022, 0, 1)));
  });

  test('offsets match here (fresh topic, copied from offset 0) — not a guarantee in general', () => {
    assert.deepEqual(
      secondaryRecords.map((r) => r.offset),
      primaryRecords.map((r) => r.offset),
    );
  });
});
