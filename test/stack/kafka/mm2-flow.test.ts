// The failover data path on real MirrorMaker 2: canary round trip, checkpoints after groups commit on the
// primary, evidence gathering and the offset plan, applied on the secondary, skipping nothing.
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
import {
  committedOffsets,
  partitionOffsets,
  partitionsOf,
  setGroupOffsets,
  setManyGroupOffsets,
  type AdminSession,
} from '../../../src/kafka/admin';
import { runCanary } from '../../../src/kafka/canary';
import { checkpointKey, readCheckpoints } from '../../../src/kafka/checkpoints';
import { gatherEvidence } from '../../../src/kafka/evidence';
import { makePlan } from '../../../src/plan/planner';
import { compactPlan } from '../../../src/plan/compact';
import { planCsv } from '../../../src/plan/csv';
import { readRange } from '../../../src/kafka/protocol';

describe('MirrorMaker 2 data path: canary, checkpoints, evidence and plan', () => {
  const pair = uniqueName('t-flow');
  const topic = uniqueName('t-flow-orders');
  const canaryTopic = uniqueName('t-flow-canary');
  const checkpointed = uniqueName('g-flow-cp');
  const uncheckpointed = uniqueName('g-flow-ts');
  const provider = connectProvider();
  // Only `checkpointed` is given to the checkpoint connector, so the other group must be planned from the primary.
  const spec = localPairSpec(pair, [topic, canaryTopic], [checkpointed]);
  let c: { primary: AdminSession; secondary: AdminSession; close(): Promise<void> };
  const t0 = Date.now() - 3_600_000;
  const committed = new Map<number, number>([
    [0, 30],
    [1, 0],
    [2, 50],
    [3, 17],
  ]);
  let committedAt = 0;
  let replicationLatencyMs = 0;

  before(async () => {
    await ensureStack();
    c = await openBoth();
    await createTopic(c.primary, topic, 4);
    await createTopic(c.primary, canaryTopic, 2);
    const producer = primaryKafka().producer();
    await producer.connect();
    // 50 records per partition, 100 ms apart in record time.
    for (let i = 0; i < 50; i++) {
      await producer.send({
        topic,
        messages: [0, 1, 2, 3].map((p) => ({
          partition: p,
          key: `p${p}-${i}`,
          value: `v${i}`,
          timestamp: String(t0 + i * 100),
        })),
      });
    }
    await producer.disconnect();
    await provider.ensure(spec);
    await waitFor(
      'MM2 running',
      async () => ((await provider.state(spec)).state === 'running' ? true : undefined),
      90000,
      500,
    );
    await waitFor(
      'topic replicated',
      async () => ((await provider.lag(spec, c).catch(() => undefined))?.caughtUp ? true : undefined),
      60000,
      500,
    );
  });

  after(async () => {
    await provider.remove(spec).catch(() => undefined);
    if (c) {
      await c.primary.admin.deleteGroups([checkpointed, uncheckpointed]).catch(() => undefined);
      await c.secondary.admin.deleteGroups([checkpointed, uncheckpointed]).catch(() => undefined);
      await deleteTopics(c.primary, [topic, canaryTopic]);
      await deleteTopics(c.secondary, [topic, canaryTopic]);
      await c.close();
    }
  });

  test('canary records come back on the secondary with their run id, latency measured', async () => {
    const res = await runCanary(primaryKafka(), c.secondary, {
      runId: uniqueName('run'),
      topic: canaryTopic,
      count: 20,
      timeoutMs: 30000,
    });
    assert.equal(res.received, 20);
    assert.deepEqual(res.missing, []);
    assert.ok(res.latencyMs);
    assert.equal(res.timestampsPreserved, true);
    const f = res.fidelity;
    assert.deepEqual(
      [
        f.measured,
        f.partitionPreserved,
        f.orderPreserved,
        f.timestampPreserved,
        f.keyValueIdentical,
        f.headersPreserved,
      ],
      [true, true, true, true, true, true],
      'MirrorMaker 2 (identity policy, byte-array converters) preserves everything',
    );
    replicationLatencyMs = res.latencyMs.max;
    console.log(
      `# MM2 end-to-end latency: p50 ${res.latencyMs.p50} ms, max ${res.latencyMs.max} ms, min ${res.latencyMs.min} ms (20 records)`,
    );
  });

  test('a canary that cannot arrive reports what is missing', async () => {
    const res = await runCanary(primaryKafka(), c.secondary, {
      runId: uniqueName('run'),
      topic: canaryTopic,
      count: 2,
      timeoutMs: 1,
    });
    assert.equal(res.produced, 2);
    assert.equal(res.received + res.missing.length, 2);
  });

  test('after groups commit on the primary, MM2 checkpoints appear on the secondary for the checkpointed one', async () => {
    const offsets = [...committed].map(([partition, offset]) => ({ topic, partition, offset }));
    await setGroupOffsets(c.primary, checkpointed, offsets);
    await setGroupOffsets(c.primary, uncheckpointed, offsets);
    committedAt = Date.now();
    const first = await waitFor(
      'first checkpoint',
      async () => {
        const r = await readCheckpoints(c.secondary, { groups: [checkpointed] });
        return r.checkpoints.size > 0 ? Date.now() : undefined;
      },
      90000,
      250,
    );
    const read = await waitFor(
      'checkpoints for every partition',
      async () => {
        const r = await readCheckpoints(c.secondary, { groups: [checkpointed, uncheckpointed] });
        const all = [...committed.keys()].every(
          (p) => r.checkpoints.get(checkpointKey(checkpointed, topic, p))?.upstreamOffset === committed.get(p),
        );
        return all ? r : undefined;
      },
      90000,
      250,
    );
    console.log(
      `# first checkpoint after ${first - committedAt} ms, all 4 partitions after ${Date.now() - committedAt} ms`,
    );
    assert.equal(read.undecodable, 0);
    for (const [p, off] of committed) {
      const cp = read.checkpoints.get(checkpointKey(checkpointed, topic, p));
      assert.ok(cp);
      // MM2 translation never goes past the group's position (offsets are equal on this fresh pair).
      assert.ok(cp.downstreamOffset <= off, `partition ${p}: downstream ${cp.downstreamOffset} > committed ${off}`);
    }
    assert.equal(
      [...read.checkpoints.values()].some((x) => x.group === uncheckpointed),
      false,
    );
    console.log(
      `# checkpoints (upstream -> downstream): ${[...committed.keys()]
        .map((p) => {
          const cp = read.checkpoints.get(checkpointKey(checkpointed, topic, p));
          return `p${p} ${cp?.upstreamOffset}->${cp?.downstreamOffset}`;
        })
        .join(', ')}`,
    );

    // A group MM2 already knows: how long until a new commit shows in its checkpoints.
    await setGroupOffsets(c.primary, checkpointed, [{ topic, partition: 0, offset: 40 }]);
    const movedAt = Date.now();
    const moved = await waitFor(
      'checkpoint to follow a new commit',
      async () => {
        const r = await readCheckpoints(c.secondary, { groups: [checkpointed] });
        return r.checkpoints.get(checkpointKey(checkpointed, topic, 0))?.upstreamOffset === 40 ? r : undefined;
      },
      60000,
      250,
    );
    console.log(`# checkpoint followed a commit of a known group after ${Date.now() - movedAt} ms`);
    assert.ok((moved.checkpoints.get(checkpointKey(checkpointed, topic, 0))?.downstreamOffset ?? 99) <= 40);
    committed.set(0, 40);
  });

  test('evidence + plan on real data: checkpoint and primary-timestamp targets skip nothing; applied on the secondary', async () => {
    const gathered = await gatherEvidence({
      groups: [checkpointed, uncheckpointed],
      topics: [topic],
      primary: c.primary,
      secondary: c.secondary,
      useCheckpoints: true,
      plan: { marginMs: 1000, replicationLatencyMs },
    });
    assert.equal(gathered.stats.primaryAnswered, true);
    const plan = makePlan(gathered.groups, { marginMs: 1000, replicationLatencyMs });
    const byGroup = new Map(plan.groups.map((g) => [g.group, g]));
    const cpPlan = byGroup.get(checkpointed);
    const tsPlan = byGroup.get(uncheckpointed);
    assert.ok(cpPlan && tsPlan);
    // Both sources are usable for the checkpointed group: each partition takes the higher of the two targets.
    for (const t of cpPlan.partitions) {
      assert.ok(['checkpoint', 'primary-timestamp'].includes(t.source), `p${t.partition}: ${t.source}`);
      assert.match(t.notes.join(';'), /best of 2 proven-safe sources/);
    }
    assert.ok(
      cpPlan.partitions.some((t) => t.source === 'checkpoint'),
      'the checkpoint is the better target somewhere',
    );
    assert.deepEqual(
      tsPlan.partitions.map((t) => t.source),
      Array(4).fill('primary-timestamp'),
    );
    assert.deepEqual(cpPlan.untranslated, []);

    // Skips nothing: every record the group had not processed on the primary is at or after its target.
    for (const g of [cpPlan, tsPlan]) {
      for (const t of g.partitions) {
        const primaryEnd = (await partitionOffsets(c.primary, [topic])).find((p) => p.partition === t.partition)
          ?.end as number;
        const unprocessed = (
          await readRange(c.primary.protocol, topic, t.partition, committed.get(t.partition) as number, primaryEnd)
        ).map((r) => r.key?.toString());
        const fromTarget = new Set(
          (await readRange(c.secondary.protocol, topic, t.partition, t.offset, t.offset + 10_000)).map((r) =>
            r.key?.toString(),
          ),
        );
        for (const k of unprocessed)
          assert.ok(fromTarget.has(k), `${g.group} ${topic}[${t.partition}] target ${t.offset} skips ${k}`);
        const reread = (committed.get(t.partition) as number) - t.offset;
        assert.ok(
          reread <= t.duplicateBound,
          `${g.group} p${t.partition}: re-reads ${reread} > bound ${t.duplicateBound}`,
        );
      }
    }
    // The timestamp route re-reads about margin / spacing = 10 records per partition that had any processed.
    const p2 = tsPlan.partitions.find((t) => t.partition === 2);
    assert.ok(p2 && p2.offset < 50 && p2.offset >= 35, `partition 2 target ${p2?.offset}`);
    assert.equal(tsPlan.partitions.find((t) => t.partition === 1)?.offset, 0);

    console.log(
      `# plan: ${plan.groups.map((g) => `${g.group.split('-').slice(0, 3).join('-')}: ${g.partitions.map((t) => `p${t.partition}=${t.offset}(${t.source[0]})`).join(' ')} dupBound=${g.duplicateBound}`).join(' | ')}`,
    );
    assert.equal(
      planCsv(compactPlan(plan, { pair: 'mm2-flow', latencyMs: 0, primaryReachable: true }), checkpointed)
        .split('\n')
        .filter(Boolean).length,
      4,
    );

    // Primary gone, no checkpoints for this group: only earliest is left, and it says so.
    const blind = await gatherEvidence({
      groups: [uncheckpointed],
      topics: [topic],
      primary: null,
      secondary: c.secondary,
      useCheckpoints: true,
      plan: { marginMs: 1000, replicationLatencyMs },
    });
    const blindPlan = makePlan(blind.groups, { marginMs: 1000, replicationLatencyMs });
    assert.equal(blindPlan.groups[0].untranslated.length, 4);

    // Apply on the secondary and read back.
    const res = await setManyGroupOffsets(
      c.secondary,
      plan.groups.map((g) => ({
        group: g.group,
        offsets: g.partitions.map((t) => ({ topic: t.topic, partition: t.partition, offset: t.offset })),
      })),
    );
    assert.equal(res.done.length, 2);
    const back = await committedOffsets(c.secondary, checkpointed, await partitionsOf(c.secondary, [topic]));
    assert.deepEqual(
      back.map((b) => b.offset),
      cpPlan.partitions.map((t) => t.offset),
    );
  });
});
