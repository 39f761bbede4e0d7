// The `reproduce` data plane of the emulated EventBridge: records re-produced through a producer, as the real
// service's Kafka sink is documented to do. Checked on the real local clusters: what survives (key, value,
// order per key), what does not (partition, timestamp, headers), and that each switch brings one property back.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { local } from '../../../stack/local-stack';
import { readRange } from '../../../src/kafka/protocol';
import { openCluster } from '../../../src/kafka/protocol';
import type { KafkaToKafkaStream } from '../../../src/cloud';
import { dataPlaneFromEnv, DataPlaneConfigError } from '../../../stack/emulator/data-plane';
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

const PARTITIONS = 4;
const OLD = Date.parse('2024-01-01T00:00:00Z');

interface Sent {
  seq: number;
  partition: number;
  key: string | null;
  timestamp: number;
}

const primary = new Kafka({ clientId: 'kdr-test-ebr', brokers: [local.primaryBootstrap], logLevel: logLevel.NOTHING });
const secondary = new Kafka({
  clientId: 'kdr-test-ebr',
  brokers: [local.secondaryBootstrap],
  logLevel: logLevel.NOTHING,
});

/** 24 records: keys k0..k3 (and null every third), each on a chosen partition, with an old timestamp and a header. */
async function produceSamples(topic: string): Promise<Sent[]> {
  const producer = primary.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const sent: Sent[] = [];
  for (let seq = 0; seq < 24; seq++) {
    const s: Sent = {
      seq,
      partition: seq % PARTITIONS,
      key: seq % 3 === 0 ? null : `k${seq % 4}`,
      timestamp: OLD + seq,
    };
    await producer.send({
      topic,
      acks: -1,
      messages: [
        {
          partition: s.partition,
          key: s.key,
          value: JSON.stringify({ seq }),
          timestamp: String(s.timestamp),
          headers: { 'kdr-seq': String(seq) },
        },
      ],
    });
    sent.push(s);
  }
  await producer.disconnect();
  return sent;
}

interface Copy {
  seq: number;
  partition: number;
  offset: number;
  key: string | null;
  timestamp: number;
  headers: Record<string, unknown>;
}

async function readCopies(topic: string, expected: number): Promise<Copy[]> {
  const handle = await openCluster(secondary);
  try {
    return await until(`${expected} copies on the secondary`, async () => {
      const out: Copy[] = [];
      for (let p = 0; p < PARTITIONS; p++) {
        for (const r of await readRange(handle, topic, p, 0, Number.MAX_SAFE_INTEGER)) {
          out.push({
            seq: (JSON.parse(r.value!.toString()) as { seq: number }).seq,
            partition: p,
            offset: r.offset,
            key: r.key ? r.key.toString() : null,
            timestamp: r.timestamp,
            headers: r.headers,
          });
        }
      }
      return out.length >= expected ? out : undefined;
    });
  } finally {
    await handle.close();
  }
}

describe('EventBridge emulator, reproduce data plane', () => {
  const emus: TestEmulator[] = [];
  const topics: string[] = [];

  before(ensureStack);
  after(async () => {
    for (const e of emus) await e.close();
    for (const k of [primary, secondary]) {
      const a = k.admin();
      await a.connect();
      await a.deleteTopics({ topics }).catch(() => undefined);
      await a.disconnect();
    }
  });

  async function runStream(
    fidelity: Partial<{ keepPartition: boolean; keepTimestamp: boolean; keepHeaders: boolean }>,
  ) {
    const emu = await startTestEmulator({ dnsPort: undefined, eventBridgeDataPlane: { mode: 'reproduce', fidelity } });
    emus.push(emu);
    const topic = uniqueName('kdrrepro');
    topics.push(topic);
    await emu.clients
      .alikafka(PRIMARY_REGION)
      .createTopic({ instanceId: PRIMARY_ID, topic, remark: 'kdr-test', partitionNum: PARTITIONS });
    const sent = await produceSamples(topic);
    const name = uniqueName('kdrrepro');
    const spec: KafkaToKafkaStream = {
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
    const eb = emu.clients.eventbridge(SECONDARY_REGION);
    await eb.createKafkaToKafka(spec);
    const started = Date.now();
    await eb.startEventStreaming(name);
    const copies = await readCopies(topic, sent.length);
    const detail = await until('DiffOffset 0 and RUNNING', async () => {
      const d = await eb.getEventStreaming(name);
      return d.Status === 'RUNNING' && d.DetailedStatus?.DiffOffset === 0 ? d : undefined;
    });
    return { emu, eb, name, topic, sent, copies, started, detail };
  }

  test('default reproduce: key and value kept, partition by key hash (null keys spread), append time, no headers, order per key', async () => {
    const { sent, copies, started, detail, eb, name, topic } = await runStream({});
    assert.equal(copies.length, sent.length, 'every record is copied exactly once');
    assert.equal((detail.DetailedStatus?.Extensions as { dataPlane?: string }).dataPlane, 'reproduce');
    const partitioner = Partitioners.DefaultPartitioner();
    const meta = Array.from({ length: PARTITIONS }, (_, i) => ({ partitionId: i, leader: 1, replicas: [1], isr: [1] }));
    for (const c of copies) {
      const s = sent[c.seq];
      assert.equal(c.key, s.key, `record ${c.seq}: key kept`);
      assert.ok(
        c.timestamp >= started - 1000,
        `record ${c.seq}: timestamp ${c.timestamp} is the sink's append time, not ${s.timestamp}`,
      );
      assert.deepEqual(Object.keys(c.headers), [], `record ${c.seq}: headers dropped`);
      if (s.key !== null) {
        const expected = partitioner({ topic, partitionMetadata: meta as never, message: { key: s.key, value: null } });
        assert.equal(c.partition, expected, `record ${c.seq} (key ${s.key}): murmur2 partition on the sink`);
      }
    }
    const moved = copies.filter((c) => c.partition !== sent[c.seq].partition).length;
    assert.ok(moved > 0, 'some records land in another partition than on the primary');
    const nullParts = new Set(copies.filter((c) => c.key === null).map((c) => c.partition));
    assert.ok(nullParts.size > 1, `null-keyed records are spread (got partitions ${[...nullParts].join(',')})`);
    // Records of one key came from one source partition each in this sample only when the key hashes there; what
    // the sink keeps is the order in which the stream read them: per source partition, in offset order.
    for (let p = 0; p < PARTITIONS; p++) {
      const fromP = sent.filter((s) => s.partition === p).map((s) => s.seq);
      for (let q = 0; q < PARTITIONS; q++) {
        const landed = copies
          .filter((c) => c.partition === q && fromP.includes(c.seq))
          .sort((a, b) => a.offset - b.offset)
          .map((c) => c.seq);
        assert.deepEqual(
          landed,
          [...landed].sort((a, b) => a - b),
          `source partition ${p} -> sink partition ${q}: order kept`,
        );
      }
    }
    // Pause stops copying; start resumes where it was (no duplicates of what was copied).
    await eb.pauseEventStreaming(name);
    const more = await produceSamples(topic);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await readCopies(topic, sent.length)).length, sent.length, 'a paused stream copies nothing');
    await eb.startEventStreaming(name);
    assert.equal(
      (await readCopies(topic, sent.length + more.length)).length,
      sent.length + more.length,
      'resumed without duplicates',
    );
  });

  test('every switch on: partition, offsets, timestamps and headers are kept', async () => {
    const { sent, copies } = await runStream({ keepPartition: true, keepTimestamp: true, keepHeaders: true });
    for (const c of copies) {
      const s = sent[c.seq];
      assert.equal(c.partition, s.partition);
      assert.equal(c.timestamp, s.timestamp);
      assert.equal(String(c.headers['kdr-seq']), String(s.seq));
    }
  });

  test('switches come from the environment; a bad value names the variable and the fix', () => {
    // Unset: the stack's default, the pessimistic reading of the real service.
    assert.deepEqual(dataPlaneFromEnv({}), {
      mode: 'reproduce',
      fidelity: { keepPartition: false, keepTimestamp: false, keepHeaders: false },
    });
    assert.deepEqual(
      dataPlaneFromEnv({ KDR_EMULATOR_EVENTBRIDGE_MODE: 'reproduce', KDR_EMULATOR_EVENTBRIDGE_KEEP_TIMESTAMP: 'true' })
        .fidelity,
      { keepPartition: false, keepTimestamp: true, keepHeaders: false },
    );
    assert.throws(
      () => dataPlaneFromEnv({ KDR_EMULATOR_EVENTBRIDGE_MODE: 'mm2' }),
      (e: Error) =>
        e instanceof DataPlaneConfigError && /KDR_EMULATOR_EVENTBRIDGE_MODE.*mirror or reproduce/.test(e.message),
    );
    assert.throws(
      () => dataPlaneFromEnv({ KDR_EMULATOR_EVENTBRIDGE_KEEP_HEADERS: 'yes' }),
      /KDR_EMULATOR_EVENTBRIDGE_KEEP_HEADERS="yes".*true or false/,
    );
  });
});
