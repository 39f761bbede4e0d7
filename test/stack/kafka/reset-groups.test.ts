// drFailover's reset on the real secondary (src/kafka/admin/set-offsets.ts resetGroupOffsets): one commit per
// group, the reads batched (old offsets, members, the read-back), and every guarantee kept: a group with live
// members is refused and left alone, a group already at its plan is not committed again, every other group is
// read back before it counts as done, and the report gives each partition's offset before and after.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Consumer } from 'kafkajs';
import { ensureStack, uniqueName } from '../../../stack/harness/stack';
import { createTopic, deleteTopics, openBoth, secondaryKafka } from '../../../stack/harness/kafka';
import { committedOffsets, resetGroupOffsets, type AdminSession, type CommittedOffset } from '../../../src/kafka/admin';
import { commitOffsets, fetchCommittedEach } from '../../../src/kafka/protocol';

describe('resetting groups on the secondary', () => {
  const wide = uniqueName('t-rst-wide');
  const narrow = uniqueName('t-rst-narrow');
  let c: { primary: AdminSession; secondary: AdminSession; close(): Promise<void> };
  const consumers: Consumer[] = [];
  const groups: string[] = [];
  const group = (what: string) => {
    const g = uniqueName(`g-rst-${what}`);
    groups.push(g);
    return g;
  };
  const at = (topic: string, partitions: number[], offset: number): CommittedOffset[] =>
    partitions.map((partition) => ({ topic, partition, offset }));
  const all = (g: string, topic: string, n: number) =>
    committedOffsets(
      c.secondary,
      g,
      Array.from({ length: n }, (_, partition) => ({ topic, partition })),
    );

  before(async () => {
    await ensureStack();
    c = await openBoth();
    await createTopic(c.secondary, wide, 4);
    await createTopic(c.secondary, narrow, 2);
  });

  after(async () => {
    for (const k of consumers) await k.disconnect().catch(() => undefined);
    if (c) {
      await c.secondary.admin.deleteGroups(groups).catch(() => undefined);
      await deleteTopics(c.secondary, [wide, narrow]);
      await c.close();
    }
  });

  test('new, moved, at-plan and live groups: each committed once or refused, read back, reported before -> after', async () => {
    const fresh = group('fresh');
    const moved = group('moved');
    const atPlan = group('at-plan');
    const mixed = group('mixed');
    const live = group('live');
    await commitOffsets(c.secondary.protocol, moved, [{ topic: wide, partition: 0, offset: 1 }]);
    await commitOffsets(c.secondary.protocol, atPlan, at(narrow, [0, 1], 7));
    await commitOffsets(c.secondary.protocol, live, at(wide, [0, 1, 2, 3], 2));
    const consumer = secondaryKafka().consumer({ groupId: live, sessionTimeout: 10000, heartbeatInterval: 1000 });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [wide] });
    const joined = new Promise<void>((r) => consumer.on(consumer.events.GROUP_JOIN, () => r()));
    await consumer.run({ eachMessage: async () => undefined });
    await joined;

    const plans = [
      { group: fresh, offsets: at(wide, [0, 1, 2, 3], 5) },
      { group: moved, offsets: at(wide, [0, 1], 9) },
      { group: atPlan, offsets: at(narrow, [0, 1], 7) },
      { group: mixed, offsets: [...at(wide, [3], 4), ...at(narrow, [1], 6)] },
      { group: live, offsets: at(wide, [0, 1, 2, 3], 8) },
    ];
    const heard: string[] = [];
    const r = await resetGroupOffsets(c.secondary, plans, { concurrency: 4, onReset: (d) => heard.push(d.group) });

    assert.deepEqual(r.failed, []);
    assert.deepEqual(
      r.live.map((e) => e.group),
      [live],
      'the group with a member is refused',
    );
    // (its own consumer may commit meanwhile: only the reset's offsets must be absent)
    assert.equal(
      (await all(live, wide, 4)).some((o) => o.offset === 8),
      false,
      'and the plan is not applied to it',
    );
    const done = new Map(r.done.map((d) => [d.group, d.changes]));
    assert.deepEqual([...done.keys()].sort(), [fresh, moved, atPlan, mixed].sort());
    assert.deepEqual([...heard].sort(), [...done.keys()].sort(), 'each group done is heard once');
    assert.deepEqual(done.get(fresh), [
      [wide, 0, -1, 5],
      [wide, 1, -1, 5],
      [wide, 2, -1, 5],
      [wide, 3, -1, 5],
    ]);
    assert.deepEqual(done.get(moved), [
      [wide, 0, 1, 9],
      [wide, 1, -1, 9],
    ]);
    assert.deepEqual(
      done.get(atPlan),
      [
        [narrow, 0, 7, 7],
        [narrow, 1, 7, 7],
      ],
      'already at its plan: no change',
    );
    assert.deepEqual(done.get(mixed), [
      [wide, 3, -1, 4],
      [narrow, 1, -1, 6],
    ]);
    // What the broker holds now is the plan, exactly (and nothing on the partitions a group was not given).
    assert.deepEqual(await all(fresh, wide, 4), at(wide, [0, 1, 2, 3], 5));
    assert.deepEqual(await all(moved, wide, 4), at(wide, [0, 1], 9));
    assert.deepEqual(await all(mixed, wide, 4), at(wide, [3], 4));
    assert.deepEqual(await all(mixed, narrow, 2), at(narrow, [1], 6));

    // The same plan again (a retried step): every group found at its plan, nothing moves.
    await consumer.disconnect();
    const again = await resetGroupOffsets(
      c.secondary,
      plans.filter((p) => p.group !== live),
    );
    assert.equal(again.done.length, 4);
    assert.equal(
      again.done.every((d) => d.changes.every(([, , before, after]) => before === after)),
      true,
    );
  });

  test('a stopped reset commits nothing more', async () => {
    const g = group('stopped');
    const r = await resetGroupOffsets(c.secondary, [{ group: g, offsets: at(wide, [0], 3) }], { stopped: () => true });
    assert.deepEqual(r.done, []);
    assert.deepEqual(await all(g, wide, 4), []);
  });

  test('the batched read asks each group for its own partitions', async () => {
    const a = group('each-a');
    const b = group('each-b');
    await commitOffsets(c.secondary.protocol, a, [...at(wide, [0, 2], 11), ...at(narrow, [0], 12)]);
    await commitOffsets(c.secondary.protocol, b, at(narrow, [1], 13));
    const got = await fetchCommittedEach(c.secondary.protocol, [
      {
        group: a,
        partitions: [
          { topic: wide, partition: 2 },
          { topic: narrow, partition: 0 },
        ],
      },
      {
        group: b,
        partitions: [
          { topic: narrow, partition: 1 },
          { topic: wide, partition: 0 },
        ],
      },
    ]);
    assert.deepEqual(
      [...(got.get(a) ?? [])].sort(),
      [
        [`${narrow}:0`, 12],
        [`${wide}:2`, 11],
      ].sort(),
    );
    assert.deepEqual(
      [...(got.get(b) ?? [])].sort(),
      [
        [`${narrow}:1`, 13],
        [`${wide}:0`, -1],
      ].sort(),
    );
  });
});
