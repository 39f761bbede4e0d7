// Admin operations against the real local clusters.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Consumer } from 'kafkajs';
import { ensureStack, uniqueName } from '../../../stack/harness/stack';
import { createTopic, deleteTopics, openBoth, primaryKafka, secondaryKafka } from '../../../stack/harness/kafka';
import {
  committedOffsets,
  describeCluster,
  describeGroupMembers,
  ensureTopicsLike,
  GroupHasLiveMembersError,
  groupsOnTopics,
  offsetsForTimes,
  partitionOffsets,
  partitionsOf,
  PartitionCountMismatchError,
  recordTimestamps,
  setGroupOffsets,
  setManyGroupOffsets,
  TopicMissingError,
  type AdminSession,
} from '../../../src/kafka/admin';
import { commitOffsets } from '../../../src/kafka/protocol';
import { createKafka, KafkaConfigError, kafkaConfig } from '../../../src/kafka/clients';

describe('kafka admin on the local clusters', () => {
  const topic = uniqueName('t-adm');
  const other = uniqueName('t-adm-other');
  let c: { primary: AdminSession; secondary: AdminSession; close(): Promise<void> };
  const consumers: Consumer[] = [];
  const groups: string[] = [];

  before(async () => {
    await ensureStack();
    c = await openBoth();
    await createTopic(c.primary, topic, 8);
    await createTopic(c.primary, other, 3);
    await createTopic(c.secondary, other, 2);
  });

  after(async () => {
    for (const k of consumers) await k.disconnect().catch(() => undefined);
    if (c) {
      await c.secondary.admin.deleteGroups(groups).catch(() => undefined);
      await deleteTopics(c.primary, [topic, other]);
      await deleteTopics(c.secondary, [topic, other]);
      await c.close();
    }
  });

  test('a dead broker is reported unreachable, not thrown', async () => {
    const dead = createKafka({ bootstrapServers: ['127.0.0.1:1'] }, { retries: 0, connectionTimeoutMs: 1000 });
    const d = await describeCluster(dead, 5000);
    assert.equal(d.reachable, false);
    assert.ok(d.error);
    console.log(`# unreachable primary detected in ${d.elapsedMs} ms`);
    const live = await describeCluster(primaryKafka());
    assert.equal(live.reachable, true);
    assert.ok(live.clusterId);
  });

  test('ensureTopicsLike creates the missing topic with the primary partition count, then is a no-op', async () => {
    const first = await ensureTopicsLike(c.primary, c.secondary, [topic], { replicationFactor: 1 });
    assert.deepEqual(first, { created: [topic], existing: [] });
    assert.equal((await partitionsOf(c.secondary, [topic])).length, 8);
    const again = await ensureTopicsLike(c.primary, c.secondary, [topic], { replicationFactor: 1 });
    assert.deepEqual(again, { created: [], existing: [topic] });
  });

  test('ensureTopicsLike names partition-count mismatches and topics missing on the primary', async () => {
    await assert.rejects(
      ensureTopicsLike(c.primary, c.secondary, [other]),
      (e: unknown) =>
        e instanceof PartitionCountMismatchError && e.mismatches[0].primary === 3 && e.mismatches[0].secondary === 2,
    );
    await assert.rejects(ensureTopicsLike(c.primary, c.secondary, ['no-such-topic-kdr']), TopicMissingError);
  });

  test('offsets by timestamp and record timestamps per partition', async () => {
    const producer = primaryKafka().producer();
    await producer.connect();
    const t0 = Date.UTC(2024, 5, 1);
    await producer.send({
      topic,
      messages: Array.from({ length: 10 }, (_, i) => ({
        value: `r${i}`,
        partition: 0,
        timestamp: String(t0 + i * 100),
      })),
    });
    await producer.disconnect();
    const [p0] = (await partitionOffsets(c.primary, [topic])).filter((p) => p.partition === 0);
    assert.deepEqual({ earliest: p0.earliest, end: p0.end }, { earliest: 0, end: 10 });
    const byTime = await offsetsForTimes(c.primary, [
      { topic, partition: 0, timestamp: t0 + 350 },
      { topic, partition: 0, timestamp: t0 + 99999 },
      { topic, partition: 1, timestamp: t0 },
    ]);
    assert.equal(byTime.get(`${topic}:0@${t0 + 350}`), 4);
    assert.equal(byTime.get(`${topic}:0@${t0 + 99999}`), null);
    assert.equal(byTime.get(`${topic}:1@${t0}`), null);
    const stamps = await recordTimestamps(c.primary, [
      { topic, partition: 0, offset: 7 },
      { topic, partition: 0, offset: 10 },
    ]);
    assert.equal(stamps.get(`${topic}:0@7`)?.timestamp, t0 + 700);
    assert.equal(stamps.has(`${topic}:0@10`), false);
  });

  test('set offsets: refused while the group has a live member (by us and by the broker), then applied and read back', async () => {
    const group = uniqueName('g-live');
    groups.push(group);
    const consumer = secondaryKafka().consumer({ groupId: group, sessionTimeout: 10000, heartbeatInterval: 1000 });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic] });
    let joined!: () => void;
    const hasJoined = new Promise<void>((r) => {
      joined = r;
    });
    consumer.on(consumer.events.GROUP_JOIN, () => joined());
    await consumer.run({ eachMessage: async () => undefined });
    await hasJoined;

    const [state] = await describeGroupMembers(c.secondary, [group]);
    assert.equal(state.live, true);
    const offsets = [
      { topic, partition: 0, offset: 0 },
      { topic, partition: 3, offset: 0 },
    ];
    await assert.rejects(
      setGroupOffsets(c.secondary, group, offsets),
      (e: unknown) =>
        e instanceof GroupHasLiveMembersError && e.group === group && /stop its consumers/.test(e.message),
    );
    // Even without our own check, the broker refuses an admin commit into a group with members.
    await assert.rejects(commitOffsets(c.secondary.protocol, group, offsets), /member|generation|rebalanc/i);

    await consumer.disconnect();
    const res = await setGroupOffsets(c.secondary, group, offsets);
    assert.deepEqual(res.applied, offsets);
    const back = await committedOffsets(c.secondary, group, await partitionsOf(c.secondary, [topic]));
    assert.deepEqual(back, offsets);
    // Same plan again: still fine (idempotent).
    await setGroupOffsets(c.secondary, group, offsets);
  });

  test('100 groups x 8 partitions set, read back, and found again by groupsOnTopics', async () => {
    const prefix = uniqueName('g-many');
    const parts = await partitionsOf(c.secondary, [topic]);
    const plans = Array.from({ length: 100 }, (_, i) => ({
      group: `${prefix}-${String(i).padStart(3, '0')}`,
      offsets: parts.map((p) => ({ ...p, offset: 0 })),
    }));
    groups.push(...plans.map((p) => p.group));
    const started = Date.now();
    const res = await setManyGroupOffsets(c.secondary, plans, { concurrency: 32 });
    const elapsed = Date.now() - started;
    console.log(`# set+verify offsets for 100 groups x 8 partitions: ${elapsed} ms`);
    assert.equal(res.done.length, 100);
    assert.deepEqual(res.live, []);
    assert.deepEqual(res.failed, []);
    const found = await groupsOnTopics(c.secondary, [topic], new RegExp(`^${prefix}-`));
    assert.equal(found.size, 100);
    assert.equal(
      [...found.values()].every((offs) => offs.length === 8),
      true,
    );
  });
});

describe('client settings', () => {
  test('SASL passwords come from the named environment variables, and their absence is named', () => {
    const cluster = {
      bootstrapServers: ['b:9093'],
      security: {
        protocol: 'sasl_ssl' as const,
        mechanism: 'scram-sha-256' as const,
        usernameEnv: 'KDR_T_USER',
        passwordEnv: 'KDR_T_PASS',
      },
    };
    delete process.env.KDR_T_USER;
    delete process.env.KDR_T_PASS;
    assert.throws(
      () => kafkaConfig(cluster),
      (e: unknown) => e instanceof KafkaConfigError && /KDR_T_USER, KDR_T_PASS/.test((e as Error).message),
    );
    process.env.KDR_T_USER = 'alice';
    process.env.KDR_T_PASS = 's3cret';
    const cfg = kafkaConfig(cluster);
    assert.deepEqual(cfg.sasl, { mechanism: 'scram-sha-256', username: 'alice', password: 's3cret' });
    assert.equal(cfg.ssl, true);
    assert.throws(() => kafkaConfig({ bootstrapServers: ['nohost'] }), /not "host:port"/);
  });

  test('security.caFile: its certificates are trusted; an unreadable or non-PEM file is named, never echoed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdr-ca-'));
    const pem = path.join(dir, 'ca.pem');
    fs.writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const cluster = (caFile: string) => ({
      bootstrapServers: ['b:9093'],
      security: { protocol: 'ssl' as const, caFile },
    });
    assert.deepEqual(kafkaConfig(cluster(pem)).ssl, { ca: [fs.readFileSync(pem, 'utf8')] });
    assert.throws(
      () => kafkaConfig(cluster(path.join(dir, 'missing.pem'))),
      (e: unknown) =>
        e instanceof KafkaConfigError &&
        /security\.caFile .*missing\.pem cannot be read on the worker \(ENOENT\)/.test((e as Error).message),
    );
    const secret = path.join(dir, 'not-a-ca');
    fs.writeFileSync(secret, 'top-secret-content');
    assert.throws(
      () => kafkaConfig(cluster(secret)),
      (e: unknown) =>
        e instanceof KafkaConfigError &&
        /holds no PEM certificate/.test((e as Error).message) &&
        !(e as Error).message.includes('top-secret'),
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
