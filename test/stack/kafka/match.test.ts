// The exact matcher against the real local clusters: records written to the primary and "copies" written to the
// secondary by hand (same timestamps, keys, values, headers), with records of the secondary's own in between and
// look-alikes, so each case proves the match or refuses it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findCopy, identityOf, matchTails } from '../../../src/kafka/match';
import { partitionOffsets } from '../../../src/kafka/admin';
import { comparePlans } from '../../../src/plan/compare';
import { type FailoverPlan } from '../../../src/plan/model';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { uniqueName } from '../../../stack/harness/stack';

type Rec = { key: string | null; value: string; ts: number; headers?: Record<string, string> };

describe('exact offset matching by record identity', () => {
  let kafka: Awaited<ReturnType<typeof openBoth>>;
  const topic = uniqueName('match');
  const t0 = Date.now() - 3_600_000;
  const write = async (side: 'primary' | 'secondary', partition: number, records: Rec[]) => {
    const producer = kafka[side].kafka.producer();
    await producer.connect();
    for (const r of records) {
      await producer.send({
        topic,
        messages: [{ partition, key: r.key, value: r.value, timestamp: String(r.ts), headers: r.headers }],
      });
    }
    await producer.disconnect();
  };

  before(async () => {
    kafka = await openBoth();
    for (const s of [kafka.primary, kafka.secondary]) await createTopic(s, topic, 4);
    // p0: the secondary has a record of its own first, then the copies with a foreign record in between.
    const a = { key: 'k', value: 'a', ts: t0 + 1 };
    const b = { key: 'k', value: 'b', ts: t0 + 2, headers: { h: '1' } };
    const c = { key: null, value: 'c', ts: t0 + 3 };
    await write('primary', 0, [a, b, c]);
    await write('secondary', 0, [
      { key: 'x', value: 'foreign', ts: t0 },
      a,
      b,
      { key: 'y', value: 'foreign2', ts: t0 + 2 },
      c,
    ]);
    // p1: look-alikes — the record to find has the same identity as an earlier one; only its neighbour tells them apart.
    const same = { key: 'k', value: 'same', ts: t0 + 10 };
    const mid = { key: 'k', value: 'mid', ts: t0 + 10 };
    await write('primary', 1, [same, mid, same]);
    await write('secondary', 1, [same, mid, same]);
    // p2: the last primary record was never replicated.
    await write('primary', 2, [
      { key: 'k', value: 'r1', ts: t0 + 20 },
      { key: 'k', value: 'r2', ts: t0 + 21 },
    ]);
    await write('secondary', 2, [{ key: 'k', value: 'r1', ts: t0 + 20 }]);
    // p3: empty on the primary.
  });
  after(async () => {
    await deleteTopics(kafka.primary, [topic]);
    await deleteTopics(kafka.secondary, [topic]);
    await kafka.close();
  });

  test('identity covers timestamp, key, value and headers', () => {
    const r = { timestamp: 1, key: Buffer.from('k'), value: Buffer.from('v'), headers: {} };
    assert.equal(identityOf(r), identityOf({ ...r }));
    assert.notEqual(identityOf(r), identityOf({ ...r, timestamp: 2 }));
    assert.notEqual(identityOf(r), identityOf({ ...r, key: null }));
    assert.notEqual(identityOf(r), identityOf({ ...r, headers: { h: Buffer.from('1') } }));
  });

  test('finds the copy among records the secondary wrote itself', async () => {
    const m = await findCopy(kafka.primary, kafka.secondary, { topic, partition: 0 }, 2);
    assert.ok(m.found, JSON.stringify(m));
    assert.equal(m.secondaryOffset, 4);
    const first = await findCopy(kafka.primary, kafka.secondary, { topic, partition: 0 }, 0);
    assert.ok(first.found && first.secondaryOffset === 1, JSON.stringify(first));
  });

  test('a look-alike earlier in the log does not match: the neighbour decides', async () => {
    const m = await findCopy(kafka.primary, kafka.secondary, { topic, partition: 1 }, 2);
    assert.ok(m.found, JSON.stringify(m));
    assert.equal(m.secondaryOffset, 2);
  });

  test('a record not replicated is not found (no proof, no guess)', async () => {
    const m = await findCopy(kafka.primary, kafka.secondary, { topic, partition: 2 }, 1);
    assert.equal(m.found, false);
  });

  test("tails: where each partition's newest primary record is, missing where it is not replicated, empty partitions pass", async () => {
    const logs = await partitionOffsets(kafka.primary, [topic]);
    const tails = await matchTails(kafka.primary, kafka.secondary, logs);
    const by = new Map(tails.map((t) => [t.partition, t]));
    assert.deepEqual([by.get(0)!.found, by.get(0)!.lastCopy], [true, 4]);
    assert.deepEqual([by.get(1)!.found, by.get(1)!.lastCopy], [true, 2]);
    assert.equal(by.get(2)!.found, false);
    assert.deepEqual([by.get(3)!.found, by.get(3)!.lastCopy], [true, null]);
  });

  test('a final plan needs a new approval when a bound grows or a partition becomes untranslated', () => {
    const plan = (bound: number, untranslated = 0): FailoverPlan => ({
      planId: `p${bound}${untranslated}`,
      pair: 'x',
      marginMs: 0,
      latencyMs: 0,
      primaryReachable: true,
      totals: { groups: 1, partitions: 1, duplicateBound: bound, untranslated, liveGroups: 0, sources: {} },
      groups: [
        {
          group: 'g',
          duplicateBound: bound,
          liveMembers: 0,
          offsets: [['t', 0, 1, 'matched']],
          untranslated: Array.from({ length: untranslated }, () => ({ topic: 't', partition: 0, reason: 'r' })),
        },
      ],
    });
    assert.deepEqual(comparePlans(plan(10), plan(3)), []);
    assert.match(comparePlans(plan(10), plan(11)).join(), /g duplicate bound 10 -> 11/);
    assert.match(comparePlans(plan(10), plan(10, 1)).join(), /untranslated partitions 0 -> 1/);
  });
});
