// After a planned switch, the secondary holds copies of the primary's last records interleaved with what the
// applications already wrote there. Against the real local clusters, with "copies" written by hand (kept exactly,
// or re-produced: other partition, new timestamp, no headers), each case checks where the applications' own
// records begin (no group may start past it), where the copies end (the duplicate bound), and whether replication
// is complete — and that a look-alike is taken for a new record, never for a copy.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { partitionOffsets, type AdminSession } from '../../../src/kafka/admin';
import { UNMEASURED_PROFILE, type FidelityProfile } from '../../../src/kafka/fidelity';
import { makePlan } from '../../../src/plan/planner';
import { postSwitchRegion } from '../../../src/kafka/post-switch';
import { tpKey } from '../../../src/kafka/protocol';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { uniqueName } from '../../../stack/harness/stack';

type Rec = { key: string | null; value: string; ts?: number; headers?: Record<string, string> };

const EXACT: FidelityProfile = {
  measured: true,
  partitionPreserved: true,
  orderPreserved: true,
  timestampPreserved: true,
  keyValueIdentical: true,
  headersPreserved: true,
};
const REPRODUCE: FidelityProfile = {
  measured: true,
  partitionPreserved: false,
  orderPreserved: false,
  timestampPreserved: false,
  keyValueIdentical: true,
  headersPreserved: false,
};

describe("post-switch region: copies vs. the applications' own records", () => {
  let kafka: Awaited<ReturnType<typeof openBoth>>;
  const topics: string[] = [];
  const now = Date.now();

  async function write(s: AdminSession, topic: string, partition: number, records: Rec[]): Promise<void> {
    const producer = s.kafka.producer();
    await producer.connect();
    for (const r of records) {
      await producer.send({
        topic,
        messages: [
          {
            partition,
            key: r.key,
            value: r.value,
            ...(r.ts !== undefined ? { timestamp: String(r.ts) } : {}),
            headers: r.headers,
          },
        ],
      });
    }
    await producer.disconnect();
  }
  async function ends(s: AdminSession, topic: string): Promise<Map<string, number>> {
    return new Map((await partitionOffsets(s, [topic])).map((p) => [tpKey(p.topic, p.partition), p.end]));
  }
  async function fresh(partitions: number): Promise<string> {
    const topic = uniqueName('postsw');
    topics.push(topic);
    for (const s of [kafka.primary, kafka.secondary]) await createTopic(s, topic, partitions);
    return topic;
  }
  const rec = (n: number, extra: Partial<Rec> = {}): Rec => ({
    key: `k${n % 3}`,
    value: `order-${n}`,
    ts: now - 30_000 + n,
    headers: { trace: String(n) },
    ...extra,
  });

  before(async () => {
    kafka = await openBoth();
  });
  after(async () => {
    await deleteTopics(kafka.primary, topics).catch(() => undefined);
    await deleteTopics(kafka.secondary, topics).catch(() => undefined);
    await kafka.close();
  });

  test('exact copies: the first application record between the copies is found, the copies end after it', async () => {
    const topic = await fresh(2);
    const all = Array.from({ length: 20 }, (_, n) => rec(n));
    await write(kafka.primary, topic, 0, all);
    await write(kafka.secondary, topic, 0, all.slice(0, 12));
    const pre = await ends(kafka.secondary, topic);
    // After the switch: an application record, then the last copies, then more application records.
    await write(kafka.secondary, topic, 0, [
      { key: 'app', value: 'new-1' },
      ...all.slice(12, 16),
      { key: 'app', value: 'new-2' },
      ...all.slice(16),
    ]);
    await write(kafka.secondary, topic, 1, [{ key: 'app', value: 'new-3' }]);
    const r = await postSwitchRegion(kafka.primary, kafka.secondary, [topic], pre, EXACT, { checkTails: true });
    assert.equal(r.provable, true);
    assert.equal(r.complete, true, JSON.stringify(r.missing));
    const p0 = r.ends.find(([, p]) => p === 0)!;
    const p1 = r.ends.find(([, p]) => p === 1)!;
    assert.deepEqual(p0.slice(2), [12, 22], 'first application record at 12; the last copy at 21');
    assert.deepEqual(p1.slice(2), [0, 0], 'partition 1 holds only application records');

    // The planner never starts a group past the first application record, whatever its source said.
    const plan = makePlan(
      [
        {
          group: 'g',
          partitions: [
            {
              topic,
              partition: 0,
              secondary: { earliest: 0, end: 23, firstNew: p0[2], replicatedEnd: p0[3] },
              matched: { offset: 22, proof: 'test' },
            },
          ],
        },
      ],
      { marginMs: 0, replicationLatencyMs: 0, fidelity: EXACT },
    );
    const t = plan.groups[0].partitions[0];
    assert.equal(t.offset, 12);
    assert.equal(t.duplicateBound, 10, 'bound = copies from the target to the last copy');
    assert.match(t.notes.join(' '), /after the switch start at 12/);
  });

  test('replication not complete: the newest primary records missing on the secondary are reported', async () => {
    const topic = await fresh(1);
    const all = Array.from({ length: 6 }, (_, n) => rec(n));
    await write(kafka.primary, topic, 0, all);
    await write(kafka.secondary, topic, 0, all.slice(0, 4));
    const r = await postSwitchRegion(
      kafka.primary,
      kafka.secondary,
      [topic],
      await ends(kafka.secondary, topic),
      REPRODUCE,
      { checkTails: true },
    );
    assert.equal(r.complete, false);
    assert.equal(r.missing[0].partition, 0);
    assert.match(r.missing[0].reason, /2 of the primary's newest 3/);
  });

  test('re-produced copies (other partition, append time, no headers) are recognised by key and value', async () => {
    const topic = await fresh(3);
    const all = Array.from({ length: 12 }, (_, n) => rec(n));
    for (let p = 0; p < 3; p++)
      await write(
        kafka.primary,
        topic,
        p,
        all.filter((_, n) => n % 3 === p),
      );
    // The copies land by key hash, with the secondary's time and no headers.
    const reproduced = (n: number): Rec => ({ key: all[n].key, value: all[n].value });
    await write(kafka.secondary, topic, 2, [0, 1, 2, 3].map(reproduced));
    const pre = await ends(kafka.secondary, topic);
    await write(kafka.secondary, topic, 2, [4, 5].map(reproduced));
    await write(kafka.secondary, topic, 1, [
      reproduced(6),
      { key: 'app', value: 'new-1' },
      ...[7, 8, 9, 10, 11].map(reproduced),
    ]);
    const r = await postSwitchRegion(kafka.primary, kafka.secondary, [topic], pre, REPRODUCE, { checkTails: true });
    assert.equal(r.complete, true, JSON.stringify(r.missing));
    const at = (p: number) => r.ends.find(([, q]) => q === p)!.slice(2);
    assert.deepEqual(at(1), [1, 7], 'partition 1: application record at 1, copies up to 6');
    assert.deepEqual(at(2), [6, 6], 'partition 2: copies only');
    assert.deepEqual(at(0), [0, 0], 'partition 0: nothing');
  });

  test('a look-alike of a copy is taken for an application record (never skipped)', async () => {
    const topic = await fresh(1);
    const all = Array.from({ length: 4 }, (_, n) => ({ key: 'k', value: `v${n}` }));
    await write(kafka.primary, topic, 0, all);
    await write(kafka.secondary, topic, 0, all.slice(0, 2));
    const pre = await ends(kafka.secondary, topic);
    // An application writes a record with the same key and value as a primary record, before that record's copy.
    await write(kafka.secondary, topic, 0, [all[2], all[2], all[3]]);
    const r = await postSwitchRegion(kafka.primary, kafka.secondary, [topic], pre, REPRODUCE, { checkTails: true });
    assert.equal(r.ends[0][2], 2, 'the first of the two look-alikes counts as new: the group starts there');
  });

  test('an unmeasured replicator gives nothing to compare: not provable, says how to proceed', async () => {
    const topic = await fresh(1);
    const r = await postSwitchRegion(kafka.primary, kafka.secondary, [topic], new Map(), UNMEASURED_PROFILE, {
      checkTails: true,
    });
    assert.equal(r.provable, false);
    assert.match(r.reason!, /drain: false/);
  });
});
