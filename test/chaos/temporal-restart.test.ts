// The Temporal server restarts while a drFailover waits: for its approval, on a blocked step, and in the drain.
// The run must go on from where it was (the dev server keeps its state in a SQLite file, as a production
// cluster keeps it in its database); the worker and the client reconnect by themselves. This file starts a
// Temporal dev server of its own so the restarts touch nothing else. `npm run chaos` only (about 2 minutes).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createActivities, defaultDeps } from '../../activities';
import { dataConverter } from '../../src/data-converter';
import { createWorker } from '../../app/worker';
import { setManyGroupOffsets } from '../../src/kafka/admin';
import { drFailover, drSetup } from '../../workflows';
import { approveSignal, planQuery, resolveSignal, statusQuery } from '../../workflows/definitions';
import { createTopic, deleteTopics, openBoth } from '../../stack/harness/kafka';
import { approveAll, kafkaPair, removeMirror, testEnv, uniqueName } from '../../stack/harness/kdr';
import { OwnTemporal, within } from '../../stack/harness/own-temporal';
import { eventually } from '../../stack/harness/temporal';
import { Consuming } from '../../stack/harness/traffic';

const full = process.env.KDR_CHAOS === 'full';
const say = (line: string) => console.log(`#   ${new Date().toISOString().slice(11, 19)} ${line}`);

describe(
  'the Temporal server restarts at each wait of a drFailover',
  { skip: !full && 'npm run chaos only (about 2 minutes)' },
  () => {
    let kafka: Awaited<ReturnType<typeof openBoth>>;
    let temporal: OwnTemporal;
    const name = uniqueName('tr');
    const topic = `${name}-orders`;
    const groups = [`${name}-billing`, `${name}-ledger`];

    before(async () => {
      kafka = await openBoth();
      temporal = await OwnTemporal.start();
      await createTopic(kafka.primary, topic, 1);
    });
    after(async () => {
      await temporal.down();
      await removeMirror(name).catch(() => undefined);
      await deleteTopics(kafka.primary, [topic, `${name}-canary`]).catch(() => undefined);
      await deleteTopics(kafka.secondary, [topic, `${name}-canary`]).catch(() => undefined);
      await kafka.close();
    });

    test('waiting for approval, blocked on a step, in the drain: the run continues after each restart', async () => {
      const env = testEnv();
      const config = kafkaPair(name, [topic]);
      const native = await NativeConnection.connect({ address: temporal.address });
      const connection = await Connection.connect({ address: temporal.address });
      const client = new Client({ connection, namespace: 'default', dataConverter });
      const taskQueue = uniqueName('kdr-tq');
      const worker = await createWorker({
        connection: native,
        namespace: 'default',
        taskQueue,
        activities: createActivities(defaultDeps(env)),
      });
      const producer = kafka.primary.kafka.producer();
      await producer.connect();
      let writing = false;
      let written = 0;
      const restarts: string[] = [];
      let member: Consuming | undefined;
      try {
        await worker.runUntil(async () => {
          await producer.send({ topic, messages: Array.from({ length: 50 }, (_, i) => ({ value: String(i) })) });
          await setManyGroupOffsets(
            kafka.primary,
            groups.map((group) => ({ group, offsets: [{ topic, partition: 0, offset: 20 }] })),
          );
          const setup = await client.workflow.start(drSetup, {
            taskQueue,
            workflowId: uniqueName('drSetup'),
            args: [{ config, watch: false }],
          });
          await setup.result();
          member = await Consuming.start(kafka.secondary.kafka, groups[0], topic);
          const handle: WorkflowHandle<typeof drFailover> = await client.workflow.start(drFailover, {
            taskQueue,
            workflowId: uniqueName('drFailover'),
            args: [{ config, requestedBy: 'alice', switchover: { quietWindow: '3s', guard: 0 } }],
          });
          const phase = () => within(handle.query(statusQuery), 10_000, 'status query').then((s) => s.phase);

          // 1. Waiting for approval.
          const view = await eventually(
            () => handle.query(planQuery),
            (p) => p !== null,
            'the plan',
            120_000,
          );
          say('restarting the server during the approval wait');
          restarts.push(`approval wait ${(await temporal.restart()) / 1000} s`);
          say('restarted; approving');
          await eventually(
            () =>
              within(handle.signal(approveSignal, { by: 'bob', planId: view!.planId }), 5_000, 'approve').then(
                () => true,
              ),
            (ok) => ok,
            'the approval to be accepted',
            60_000,
          );
          say('approved');

          // 2. Blocked: a live member of a group on the secondary blocks the reset.
          await eventually(phase, (p) => p === 'blocked', 'the reset to block on the live group', 180_000);
          say('blocked; restarting the server');
          restarts.push(`blocked step ${(await temporal.restart()) / 1000} s`);
          say('restarted');
          await member!.stop();
          // 3. The drain waits for the primary to be quiet: keep writing until the server has restarted under it.
          writing = true;
          void (async () => {
            while (writing) {
              await producer.send({ topic, messages: [{ value: `late-${written++}` }] }).catch(() => undefined);
              await new Promise((r) => setTimeout(r, 200));
            }
          })();
          await eventually(
            () =>
              within(
                handle.signal(resolveSignal, { action: 'retry', by: 'bob', note: 'consumer stopped' }),
                5_000,
                'resolve',
              ).then(() => true),
            (ok) => ok,
            'the resolve to be accepted',
            60_000,
          );
          say('resolve sent');
          await eventually(phase, (p) => p === 'drain', 'the drain', 180_000);
          say('in the drain; restarting the server');
          restarts.push(`drain wait ${(await temporal.restart()) / 1000} s`);
          say('restarted');
          writing = false;
          // Records written during the drain raise the final plan's bound: the run asks again (reapproval).
          const approver = approveAll(handle, 'bob');
          const result = await handle.result().finally(() => approver.stop());
          assert.equal(result.outcome, 'completed');
          if (result.dryRun) throw new Error('not a dry run');
          assert.equal(result.cname.after, 'secondary.kdr.test');
          assert.deepEqual(result.groups.map((g) => g.group).sort(), [...groups].sort());
          console.log(
            `# Temporal server restarted ${restarts.length} times (${restarts.join('; ')}): the run completed; ` +
              `operator actions only those the scenario asks for (approve, resolve retry after the live consumer stopped, approve the final plan: ${approver.approved.length} approval(s)); ${written} records written during the drain`,
          );
        });
      } finally {
        writing = false;
        await member?.stop();
        await producer.disconnect();
        await connection.close();
        await native.close();
      }
    });
  },
);
