// Notifications from the real runbooks on the local stack: a pair in the worker's pairs file with a signed
// DingTalk robot and a webhook. drSetup reports completed; drFailover reports "approval needed" with its real
// plan and the exact approve command, then "rejected"; a dry run reports completed.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { setManyGroupOffsets } from '../../../src/kafka/admin';
import { planQuery, rejectSignal } from '../../../workflows/definitions';
import { drFailover, drSetup } from '../../../workflows';
import { execute, kafkaPair, removeMirror, testEnv, uniqueName, withKdrWorker } from '../../../stack/harness/kdr';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { closeTemporal, eventually, temporal } from '../../../stack/harness/temporal';
import { startReceiver, type Receiver } from './receiver';

const SECRET = `SEC${'beef'.repeat(12)}`;

describe('notifications from drSetup and drFailover on the local stack', () => {
  let kafka: Awaited<ReturnType<typeof openBoth>>;
  let receiver: Receiver;
  const name = uniqueName('nf');
  const topic = `${name}-orders`;
  const groups = [`${name}-billing`, `${name}-ledger`];
  const file = path.join(os.tmpdir(), `${name}-pairs.json`);
  let env: NodeJS.ProcessEnv;
  const cleanups: (() => Promise<unknown>)[] = [];
  const bodies = () =>
    receiver.received.map((r) => ({ path: r.path, signed: r.signed, body: r.body as Record<string, unknown> }));

  before(async () => {
    await temporal();
    receiver = await startReceiver(SECRET);
    kafka = await openBoth();
    await createTopic(kafka.primary, topic, 3);
    const producer = kafka.primary.kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: String(i) })),
    });
    await producer.disconnect();
    for (const [i, group] of groups.entries()) {
      await setManyGroupOffsets(kafka.primary, [
        { group, offsets: [0, 1, 2].map((partition) => ({ topic, partition, offset: 2 + i })) },
      ]);
    }
    fs.writeFileSync(
      file,
      JSON.stringify({
        pairs: [
          {
            ...kafkaPair(name, [topic]),
            notify: [
              { type: 'dingtalk', urlEnv: 'KDR_SECRET_NF_DINGTALK_URL', secretEnv: 'KDR_SECRET_NF_DINGTALK_SIGN' },
              { type: 'webhook', urlEnv: 'KDR_SECRET_NF_HOOK_URL' },
            ],
          },
        ],
      }),
    );
    env = testEnv({
      KDR_PAIRS_FILE: file,
      KDR_TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
      KDR_SECRET_NF_DINGTALK_URL: `${receiver.url}/robot/send?access_token=nf-token`,
      KDR_SECRET_NF_DINGTALK_SIGN: SECRET,
      KDR_SECRET_NF_HOOK_URL: `${receiver.url}/hook/${name}`,
    });
    cleanups.push(
      () => deleteTopics(kafka.primary, [topic, `${name}-canary`]),
      () => deleteTopics(kafka.secondary, [topic, `${name}-canary`]),
    );
    cleanups.push(
      () => removeMirror(name),
      async () => fs.rmSync(file, { force: true }),
    );
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await kafka?.close();
    await receiver?.close();
    await closeTemporal();
  });

  test('setup completed; failover approval needed (real plan, approve command) then rejected; dry run completed', async () => {
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        await execute(client, drSetup, {
          taskQueue,
          workflowId: uniqueName('drSetup'),
          args: [{ pair: name, watch: false }],
        });
        const setupDone = bodies().filter(
          (b) => b.path.startsWith('/hook/') && b.body.kind === 'run-completed' && b.body.runbook === 'drSetup',
        );
        assert.equal(setupDone.length, 1);

        const handle = await client.workflow.start(drFailover, {
          taskQueue,
          workflowId: uniqueName('drFailover'),
          args: [{ pair: name, requestedBy: 'alice' }],
        });
        const asked = await eventually(
          async () =>
            bodies().filter((b) => b.body.kind === 'approval-needed' || /needs approval/.test(JSON.stringify(b.body))),
          (list) => list.length >= 2,
          'approval-needed on both targets',
          120_000,
        );
        const plan = await handle.query(planQuery);
        assert.ok(plan);
        const hook = asked.find((b) => b.path.startsWith('/hook/'))!.body as {
          planId: string;
          plan: { groups: number; partitions: number; duplicateBound: number };
          commands: string[];
        };
        assert.equal(hook.planId, plan.planId);
        assert.deepEqual({ groups: hook.plan.groups, partitions: hook.plan.partitions }, { groups: 2, partitions: 6 });
        assert.equal(hook.plan.duplicateBound, plan.plan.totals.duplicateBound);
        assert.ok(
          hook.commands.includes(`kdr approve ${name} --by <you> --plan-id ${plan.planId}`),
          hook.commands.join('\n'),
        );
        const ding = asked.find((b) => b.path === '/robot/send')!;
        assert.equal(ding.signed, true);

        await handle.signal(rejectSignal, { by: 'bob', reason: 'drill only' });
        const err = await handle.result().then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(err instanceof WorkflowFailedError);
        const rejected = bodies().filter((b) => b.path.startsWith('/hook/') && b.body.kind === 'run-rejected');
        assert.equal(rejected.length, 1);
        assert.match(String(rejected[0].body.reason), /^rejected by bob: drill only/);

        await execute(client, drFailover, {
          taskQueue,
          workflowId: uniqueName('drFailover'),
          args: [{ pair: name, requestedBy: 'alice', dryRun: true }],
        });
        const dry = bodies().filter(
          (b) => b.path.startsWith('/hook/') && b.body.kind === 'run-completed' && b.body.runbook === 'drFailover',
        );
        assert.equal(dry.length, 1);
        assert.ok(
          bodies()
            .filter((b) => b.path === '/robot/send')
            .every((b) => b.signed),
          'every DingTalk post signed',
        );
      },
      { env },
    );
  });
});
