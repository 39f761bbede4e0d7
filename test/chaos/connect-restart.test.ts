// Kafka Connect (MirrorMaker 2's home) restarts while drSetup waits for the connectors to run, and again while a
// planned drFailover drains the last records: both runs must wait it out and finish without an operator, and
// the switchover must still lose nothing. The local stack's Connect is restarted for real (stopped, started
// again with its stored connector configs), so this runs with `npm run chaos` only, when nothing else uses it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { drFailover, drSetup } from '../../workflows';
import { statusQuery } from '../../workflows/definitions';
import { up } from '../../stack/stack';
import { stopService } from '../../stack/process';
import { setManyGroupOffsets } from '../../src/kafka/admin';
import { createTopic, deleteTopics, openBoth } from '../../stack/harness/kafka';
import { approveAll, kafkaPair, removeMirror, runToEnd, uniqueName, withKdrWorker } from '../../stack/harness/kdr';
import { closeTemporal, eventually, temporal } from '../../stack/harness/temporal';
import { readValues } from '../../stack/harness/traffic';

const full = process.env.KDR_CHAOS === 'full';

async function restartConnect(): Promise<number> {
  const t0 = Date.now();
  await stopService('kafka-connect');
  await up(() => undefined, ['kafka-connect']);
  return Date.now() - t0;
}

describe(
  'Kafka Connect restarts during drSetup and during the drain',
  { skip: !full && 'npm run chaos only (restarts the shared Kafka Connect)' },
  () => {
    let kafka: Awaited<ReturnType<typeof openBoth>>;
    const name = uniqueName('cr');
    const topic = `${name}-orders`;
    const group = `${name}-billing`;

    before(async () => {
      await temporal();
      kafka = await openBoth();
      await createTopic(kafka.primary, topic, 2);
    });
    after(async () => {
      await up(() => undefined, ['kafka-connect']).catch(() => undefined);
      await removeMirror(name).catch(() => undefined);
      await deleteTopics(kafka.primary, [topic, `${name}-canary`]).catch(() => undefined);
      await deleteTopics(kafka.secondary, [topic, `${name}-canary`]).catch(() => undefined);
      await kafka.close();
      await closeTemporal();
    });

    test('both runs wait for Connect and complete unattended; every record written before the switch reaches the secondary', async () => {
      const config = kafkaPair(name, [topic]);
      const producer = kafka.primary.kafka.producer();
      await producer.connect();
      await producer.send({
        topic,
        messages: Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, value: `a-${i}` })),
      });
      await setManyGroupOffsets(kafka.primary, [
        { group, offsets: [0, 1].map((partition) => ({ topic, partition, offset: 10 })) },
      ]);
      const restarts: string[] = [];
      try {
        await withKdrWorker(async ({ client, taskQueue }) => {
          const phase = (h: WorkflowHandle) => h.query(statusQuery).then((s) => s.phase);
          const setup = await client.workflow.start(drSetup, {
            taskQueue,
            workflowId: uniqueName('drSetup'),
            args: [{ config, watch: false }],
          });
          await eventually(
            () => phase(setup),
            (p) => p === 'wait-running',
            'drSetup to wait for the connectors',
            120_000,
          );
          restarts.push(`drSetup wait-running: Connect back after ${((await restartConnect()) / 1000).toFixed(0)} s`);
          assert.equal((await runToEnd(setup)).outcome, 'completed');

          const failover = await client.workflow.start(drFailover, {
            taskQueue,
            workflowId: uniqueName('drFailover'),
            args: [{ config, requestedBy: 'alice', switchover: { quietWindow: '3s', guard: 0 } }],
          });
          const approver = approveAll(failover, 'bob');
          await eventually(
            () => phase(failover),
            (p) => p === 'drain',
            'the drain',
            180_000,
          );
          // Records the applications wrote just before they moved: Connect is down while they wait to be copied.
          await producer.send({
            topic,
            messages: Array.from({ length: 50 }, (_, i) => ({ key: `late${i}`, value: `b-${i}` })),
          });
          restarts.push(`drain: Connect back after ${((await restartConnect()) / 1000).toFixed(0)} s`);
          const result = await runToEnd(failover).finally(() => approver.stop());
          assert.equal(result.outcome, 'completed');
          const blocked = result.steps.filter((s) => s.attempts > 1);
          assert.deepEqual(
            blocked.map((s) => s.name),
            [],
            'no step needed an operator retry',
          );
          const onSecondary = await readValues(kafka.secondary, topic);
          const missing = [
            ...Array.from({ length: 200 }, (_, i) => `a-${i}`),
            ...Array.from({ length: 50 }, (_, i) => `b-${i}`),
          ].filter((v) => !onSecondary.has(v));
          console.log(
            `# Kafka Connect restarted twice (${restarts.join('; ')}): drSetup and drFailover completed, operator interventions 0 ` +
              `(approvals only), records written before the switch missing on the secondary: ${missing.length}`,
          );
          assert.deepEqual(missing, [], 'every record written before the switch was copied');
        });
      } finally {
        await producer.disconnect();
      }
    });
  },
);
