// The batched admin reads a 10,000-group plan relies on (src/kafka/protocol/): commits of many groups per
// OffsetFetch v8, coordinators by FindCoordinator v4, DescribeGroups per coordinator, and record timestamps swept
// once per partition. Each gives the answers of the one-at-a-time calls, and so does the fallback for brokers
// without those versions. Against the real local secondary.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openAdmin, setManyGroupOffsets, type AdminSession } from '../../../src/kafka/admin';
import { describeGroupsMany, fetchCommitted, fetchCommittedMany, recordsAt } from '../../../src/kafka/protocol';
import { createTopic, deleteTopics, secondaryKafka } from '../../../stack/harness/kafka';
import { ensureStack, uniqueName } from '../../../stack/harness/stack';

const PARTITIONS = 4;

describe('batched admin reads', () => {
  let s: AdminSession;
  let topic: string;
  let groups: string[];
  const parts = Array.from({ length: PARTITIONS }, (_, partition) => ({ partition }));
  before(async () => {
    await ensureStack();
    s = await openAdmin(secondaryKafka());
    const prefix = uniqueName('batched');
    topic = `${prefix}-t`;
    await createTopic(s, topic, PARTITIONS);
    const producer = s.kafka.producer();
    await producer.connect();
    // Partition p: 30 records, record i stamped 1_000_000 + p * 1000 + i.
    await producer.send({
      topic,
      acks: -1,
      messages: parts.flatMap(({ partition }) =>
        Array.from({ length: 30 }, (_, i) => ({
          partition,
          value: `${partition}-${i}`,
          timestamp: String(1_000_000 + partition * 1000 + i),
        })),
      ),
    });
    await producer.disconnect();
    groups = Array.from({ length: 25 }, (_, i) => `${prefix}-g${String(i).padStart(2, '0')}`);
    // Every third group commits nothing; the others commit some partitions only.
    const plans = groups
      .filter((_, i) => i % 3 !== 0)
      .map((group, i) => ({
        group,
        offsets: parts
          .filter(({ partition }) => (i + partition) % 4 !== 0)
          .map(({ partition }) => ({ topic, partition, offset: (i * 3 + partition) % 30 })),
      }));
    const r = await setManyGroupOffsets(s, plans);
    assert.equal(r.done.length, plans.length);
  });
  after(async () => {
    await s.admin.deleteGroups(groups).catch(() => undefined);
    await deleteTopics(s, [topic]);
    await s.close();
  });

  const refs = () => parts.map(({ partition }) => ({ topic, partition }));

  async function oneByOne(session: AdminSession): Promise<Map<string, Map<string, number>>> {
    const out = new Map<string, Map<string, number>>();
    for (const g of groups) out.set(g, await fetchCommitted(session.protocol, g, refs()));
    return out;
  }

  it('OffsetFetch for many groups per request answers what one request per group does', async () => {
    const expected = await oneByOne(s);
    assert.ok(
      [...expected.values()].some((m) => [...m.values()].some((o) => o >= 0)),
      'some commits',
    );
    const batched = await fetchCommittedMany(s.protocol, groups, refs(), { perRequest: 7 });
    assert.deepEqual(batched, expected);
  });

  it('brokers without OffsetFetch v8 / FindCoordinator v4 get one request per group, with the same answers', async () => {
    const old = await openAdmin(secondaryKafka());
    try {
      const expected = await oneByOne(old);
      const brokers = Object.values(old.protocol.cluster.brokerPool.brokers) as {
        versions: Record<number, { maxVersion: number }>;
      }[];
      for (const b of brokers) {
        b.versions = {
          ...b.versions,
          9: { ...b.versions[9], maxVersion: 4 },
          10: { ...b.versions[10], maxVersion: 3 },
        };
      }
      let counted = 0;
      const got = await fetchCommittedMany(old.protocol, groups, refs(), {
        onGroups: (n) => {
          counted += n;
        },
      });
      assert.deepEqual(got, expected);
      assert.equal(counted, groups.length);
    } finally {
      await old.close();
    }
  });

  it('DescribeGroups per coordinator describes every group', async () => {
    const described = await describeGroupsMany(s.protocol, groups, 10);
    assert.deepEqual(described.map((g) => g.groupId).sort(), [...groups].sort());
    assert.ok(described.every((g) => g.members.length === 0));
  });

  it('record timestamps: one sweep per partition answers every offset asked, none past the end', async () => {
    const queries = parts.flatMap(({ partition }) =>
      [0, 1, 5, 17, 17, 29, 30, 400].map((offset) => ({ topic, partition, offset })),
    );
    const found = await recordsAt(s.protocol, queries);
    for (const { partition } of parts) {
      for (const offset of [0, 1, 5, 17, 29]) {
        assert.deepEqual(found.get(`${topic}:${partition}@${offset}`), {
          topic,
          partition,
          offset,
          timestamp: 1_000_000 + partition * 1000 + offset,
        });
      }
      assert.equal(found.has(`${topic}:${partition}@30`), false, 'at the log end: no record');
      assert.equal(found.has(`${topic}:${partition}@400`), false, 'past the log end: no record');
    }
  });
});
