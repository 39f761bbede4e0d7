// drWatch on the real stack: drSetup starts it for a MirrorMaker 2 pair; it stores every group's position on the
// secondary (__kdr_positions, translated exactly where the records are replicated), publishes DrHealth and its
// details, refuses a second watch of the pair, stops on signal, and keeps its state across continue-as-new.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { watchWorkflowId } from '../../../workflows/contract';
import { readPositions, POSITIONS_TOPIC } from '../../../src/kafka/positions';
import { fetchFrom, tpKey } from '../../../src/kafka/protocol';
import { stopWatchSignal, watchQuery } from '../../../workflows/definitions';
import { drSetup, drWatch } from '../../../workflows';
import { DrHealthKey, DrPairKey } from '../../../workflows/runner';
import {
  execute,
  kafkaPair,
  removeMirror,
  runToEnd,
  testEnv,
  uniqueName,
  withKdrWorker,
} from '../../../stack/harness/kdr';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { closeTemporal, currentDetails, eventually, temporal } from '../../../stack/harness/temporal';

describe('drWatch', () => {
  let kafka: Awaited<ReturnType<typeof openBoth>>;
  const cleanups: (() => Promise<unknown>)[] = [];
  before(async () => {
    await temporal();
    kafka = await openBoth();
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await kafka.close();
    await closeTemporal();
  });

  test('started by drSetup: snapshots into __kdr_positions (exact where replicated), DrHealth, one per pair, stops on signal', async () => {
    const name = uniqueName('wa');
    const topic = `${name}-orders`;
    await createTopic(kafka.primary, topic, 3);
    const producer = kafka.primary.kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 60 }, (_, i) => ({ key: `k${i % 7}`, value: `v${i}`, partition: i % 3 })),
    });
    await producer.disconnect();
    const group = `${name}-billing`;
    // p0 mid-log, p1 at its start, p2 at its end (the group had processed everything there).
    await kafka.primary.admin.setOffsets({
      groupId: group,
      topic,
      partitions: [
        { partition: 0, offset: '7' },
        { partition: 1, offset: '0' },
        { partition: 2, offset: '20' },
      ],
    });
    const config = kafkaPair(name, [topic], { watch: { interval: '1s' } });
    cleanups.push(
      () => removeMirror(name),
      () => deleteTopics(kafka.primary, [topic, `${name}-canary`]),
      () => deleteTopics(kafka.secondary, [topic, `${name}-canary`]),
    );

    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const setup = await execute(client, drSetup, {
          taskQueue,
          workflowId: uniqueName('drSetup'),
          args: [{ config }],
        });
        assert.equal(setup.outcome, 'completed');
        assert.deepEqual(setup.watch, { workflowId: watchWorkflowId(name), outcome: 'started' });
        const handle = client.workflow.getHandle<typeof drWatch>(watchWorkflowId(name));
        cleanups.push(() => handle.terminate('test cleanup'));

        const positions = await eventually(
          () => readPositions(kafka.secondary, name),
          (r) => r.byGroup.get(group)?.size === 3 && [...r.byGroup.get(group)!.values()].every((p) => p.matched),
          `exact positions of ${group} in ${POSITIONS_TOPIC}`,
          90_000,
        );
        const stored = positions.byGroup.get(group)!;
        assert.deepEqual(
          [0, 1, 2].map((p) => stored.get(tpKey(topic, p))!.committedOffset),
          [7, 0, 20],
        );
        for (const p of [0, 1]) {
          // The matched offset holds the copy of the record at the commit: same value.
          const s = stored.get(tpKey(topic, p))!;
          const onPrimary = (await fetchFrom(kafka.primary.protocol, topic, p, s.committedOffset)).records[0];
          const onSecondary = (await fetchFrom(kafka.secondary.protocol, topic, p, s.matched!.offset)).records[0];
          assert.equal(onSecondary.value?.toString(), onPrimary.value?.toString(), `p${p}: ${s.matched!.proof}`);
          assert.ok(s.firstUnprocessedTimestamp! > 0);
        }
        const end = stored.get(tpKey(topic, 2))!;
        assert.equal(end.matched!.offset, 20, 'at the log end: just after the copy of the last record');
        assert.ok(end.lastProcessedTimestamp! > 0 && end.firstUnprocessedTimestamp === undefined);
        assert.ok(positions.marker && positions.marker.positions >= 3);

        const description = await eventually(
          () => handle.describe(),
          (d) => d.typedSearchAttributes.get(DrHealthKey) === 'healthy',
          'DrHealth healthy',
          60_000,
        );
        assert.equal(description.typedSearchAttributes.get(DrPairKey), name);
        const status = await handle.query(watchQuery);
        assert.equal(status.health, 'healthy');
        assert.equal(status.unregistered, undefined, 'the server knows DrHealth (asked through the operator service)');
        assert.ok(status.last?.snapshot && !('error' in status.last.snapshot) && status.last.snapshot.groups >= 1);
        assert.equal(status.last?.exact, true, 'MirrorMaker 2 keeps records identical: exact translation allowed');
        assert.ok(status.transitions.some((t) => t.from === 'unknown' && t.to === 'healthy'));
        const details = await currentDetails(handle);
        assert.match(details, /drWatch · pair `wa-[a-z0-9-]+` · ✔ \*\*healthy\*\*/);
        assert.match(details, /position snapshot \| \d+ groups/);

        // One watch per pair: a second start is refused, and drSetup again keeps the running one.
        await assert.rejects(
          client.workflow.start(drWatch, { taskQueue, workflowId: watchWorkflowId(name), args: [{ pair: name }] }),
          (err) => err instanceof WorkflowExecutionAlreadyStartedError,
        );
        const again = await execute(client, drSetup, {
          taskQueue,
          workflowId: uniqueName('drSetup'),
          args: [{ config }],
        });
        assert.deepEqual(again.watch, { workflowId: watchWorkflowId(name), outcome: 'already running' });

        // A position that moves is written again; an unchanged one is not.
        await kafka.primary.admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '15' }] });
        await eventually(
          () => readPositions(kafka.secondary, name),
          (r) => r.byGroup.get(group)?.get(tpKey(topic, 0))?.committedOffset === 15,
          'the new position of p0',
          30_000,
        );

        await handle.signal(stopWatchSignal, { by: 'alice', reason: 'test over' });
        const result = await runToEnd(handle, 60_000);
        assert.equal(result.stoppedBy, 'alice');
        assert.equal(result.health, 'healthy');
        assert.match(await currentDetails(handle), /Stopped by alice/);
      },
      { env: testEnv() },
    );
  });

  test('continue-as-new keeps the health, since when and why, and the count of checks; cancel stops it', async () => {
    const name = uniqueName('wb');
    const topic = `${name}-orders`;
    await createTopic(kafka.primary, topic, 1);
    await createTopic(kafka.secondary, topic, 1);
    await createTopic(kafka.primary, `${name}-canary`, 1);
    await createTopic(kafka.secondary, `${name}-canary`, 1);
    cleanups.push(
      () => deleteTopics(kafka.primary, [topic, `${name}-canary`]),
      () => deleteTopics(kafka.secondary, [topic, `${name}-canary`]),
    );
    // No replication was ever set up for this pair: the watch must call it broken, and say why.
    const config = kafkaPair(name, [topic], { watch: { interval: '1s', canaryEvery: '10m' } });
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const handle = await client.workflow.start(drWatch, {
          taskQueue,
          workflowId: watchWorkflowId(name),
          args: [{ config, continueAsNewEvery: 2 }],
        });
        cleanups.push(() => handle.terminate('test cleanup'));
        const first = await eventually(
          () => handle.query(watchQuery),
          (s) => s.health === 'broken',
          'health broken',
          60_000,
        );
        assert.match(first.why, /replication absent/);
        const later = await eventually(
          () => handle.query(watchQuery),
          (s) => s.runs >= 3,
          'two continue-as-new',
          60_000,
        );
        assert.equal(later.since, first.since, 'the health did not change, so neither did "since"');
        assert.equal(later.startedAt, first.startedAt);
        assert.ok(later.ticks >= 4, `checks counted across runs: ${later.ticks}`);
        assert.deepEqual(
          later.transitions.map((t) => `${t.from}->${t.to}`),
          ['unknown->broken'],
        );
        const d = await handle.describe();
        assert.equal(d.typedSearchAttributes.get(DrHealthKey), 'broken', 'DrHealth carried into the new run');
        assert.notEqual(d.runId, handle.firstExecutionRunId ?? '');
        await handle.cancel();
        await assert.rejects(handle.result());
        assert.equal((await handle.describe()).status.name, 'CANCELLED');
      },
      { env: testEnv() },
    );
  });
});
