// Issue 24, finding 2, end to end on the real stack: an EventBridge pair whose sink refuses a record (larger than
// the secondary topic's max.message.bytes). The product notices: the record is in the pair's dead-letter topic on
// the secondary, drWatch turns degraded naming it and sends a notification, `kdr pairs` shows the count, and the
// next failover plan names how many records are there and where. Nothing is discarded without a trace.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { watchWorkflowId } from '../../../workflows/contract';
import { loadPairsFile } from '../../../src/config/file';
import { deadLetterTopic, EventBridgeProvider } from '../../../src/connectors/eventbridge';
import { createCloudClients } from '../../../src/cloud';
import { describeDeadLetter, pairStates } from '../../../app/cli/pairs';
import { readRange } from '../../../src/kafka/protocol';
import { drFailover, drSetup, drVerify } from '../../../workflows';
import { planQuery, watchQuery } from '../../../workflows/definitions';
import { planMarkdown } from '../../../src/plan/markdown';
import { deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { apsaramqPair, execute, runToEnd, testEnv, uniqueName, withKdrWorker } from '../../../stack/harness/kdr';
import { cloudEnvFor, startTestEmulator, type TestEmulator } from '../../../stack/harness/emulator';
import { closeTemporal, eventually, temporal } from '../../../stack/harness/temporal';
import { startReceiver, type Receiver } from '../notify/receiver';

describe('EventBridge dead letters: drWatch alerts, kdr pairs and the failover plan name them', () => {
  let kafka: Awaited<ReturnType<typeof openBoth>>;
  let emu: TestEmulator;
  let receiver: Receiver;
  const name = uniqueName('dl');
  const topic = `${name}-orders`;
  const dlq = deadLetterTopic(name);
  const file = path.join(os.tmpdir(), `${name}-pairs.json`);
  const cleanups: (() => Promise<unknown>)[] = [];

  before(async () => {
    await temporal();
    kafka = await openBoth();
    receiver = await startReceiver('unused-secret');
    emu = await startTestEmulator({ dnsPort: 0, eventBridgeDataPlane: { mode: 'reproduce' } });
    await kafka.primary.admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    // The secondary's copy refuses records over 2 KB: the sink cannot write an 8 KB record there, ever.
    await kafka.secondary.admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '2048' }] }],
    });
    cleanups.push(
      () => emu.close(),
      () => receiver.close(),
      async () => fs.rmSync(file, { force: true }),
      () => deleteTopics(kafka.primary, [topic, `${name}-canary`]),
      () => deleteTopics(kafka.secondary, [topic, `${name}-canary`, dlq]),
    );
  });
  after(async () => {
    const env = testEnv(cloudEnvFor(emu.emulator.url));
    await new EventBridgeProvider(createCloudClients(env).eventbridge('cn-shanghai'))
      .remove({
        pair: name,
        primary: { bootstrapServers: [] },
        secondary: { bootstrapServers: [] },
        topics: [topic, `${name}-canary`],
      })
      .catch(() => undefined);
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await kafka?.close();
    await closeTemporal();
  });

  test('a record the sink refuses: in the dead-letter topic, drWatch degraded + notified, kdr pairs and the plan name it', async () => {
    const config = apsaramqPair(name, [topic], {
      watch: { interval: '1s' },
      notify: [{ type: 'webhook', urlEnv: 'KDR_SECRET_DL_HOOK_URL' }],
      // The 2 KB limit is a parity gap drSetup would block on: accepted here, so the dead letter is what degrades.
      parity: { accept: [`${topic}/max.message.bytes`] },
    });
    config.dns = { ...config.dns, resolvers: [`127.0.0.1:${emu.emulator.dnsPort}`] } as typeof config.dns;
    fs.writeFileSync(file, JSON.stringify({ pairs: [config] }));
    const env = testEnv({
      ...cloudEnvFor(emu.emulator.url),
      KDR_PAIRS_FILE: file,
      KDR_SECRET_DL_HOOK_URL: `${receiver.url}/hook/${name}`,
    });
    const pair = loadPairsFile(file).pairs.get(name)!;

    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const setup = await execute(client, drSetup, {
          taskQueue,
          workflowId: uniqueName('drSetup'),
          args: [{ pair: name }],
        });
        assert.equal(setup.outcome, 'completed');
        const watch = client.workflow.getHandle(watchWorkflowId(name));
        await eventually(
          () => watch.query(watchQuery),
          (s) => s.health === 'healthy' && s.last?.deadLetter?.records === 0,
          'drWatch healthy, the dead-letter topic empty',
          90_000,
        );

        const producer = kafka.primary.kafka.producer({ allowAutoTopicCreation: false });
        await producer.connect();
        await producer.send({
          topic,
          acks: -1,
          messages: [
            { key: 'big', value: Buffer.alloc(8 * 1024, 'x') },
            { key: 'small', value: 'fits' },
          ],
        });
        await producer.disconnect();

        const dead = await eventually(
          () =>
            readRange(kafka.secondary.protocol, dlq, 0, 0, 1e9)
              .catch(() => [])
              .then(async (p0) => [
                ...p0,
                ...(await readRange(kafka.secondary.protocol, dlq, 1, 0, 1e9).catch(() => [])),
                ...(await readRange(kafka.secondary.protocol, dlq, 2, 0, 1e9).catch(() => [])),
              ]),
          (r) => r.length === 1,
          `the refused record in ${dlq}`,
          60_000,
        );
        assert.equal(dead[0].key?.toString(), 'big');

        const status = await eventually(
          () => watch.query(watchQuery),
          (s) => s.health === 'degraded' && s.last?.deadLetter?.records === 1,
          'drWatch degraded by the dead letter',
          60_000,
        );
        assert.ok(
          status.last!.reasons.some((r) => r.includes(`1 record(s) in the dead-letter topic ${dlq}`)),
          status.last!.reasons.join(' | '),
        );
        const notified = await eventually(
          async () => receiver.received.map((r) => r.body as { kind?: string; to?: string; why?: string }),
          (bodies) =>
            bodies.some((b) => b.kind === 'health-changed' && b.to === 'degraded' && (b.why ?? '').includes(dlq)),
          'a health-changed notification naming the dead-letter topic',
          30_000,
        );
        assert.ok(notified.length > 0);

        const [state] = await pairStates(client, [pair]);
        assert.deepEqual(
          { topic: state.deadLetter?.topic, records: state.deadLetter?.records },
          { topic: dlq, records: 1 },
          'kdr pairs shows the dead letters',
        );
        assert.match(
          describeDeadLetter(state.deadLetter!),
          new RegExp(`dead-letter topic ${dlq} on the secondary: 1 record\\(s\\) NOT replicated`),
        );
        const verify = await execute(client, drVerify, {
          taskQueue,
          workflowId: uniqueName('drVerify'),
          args: [{ pair: name }],
        });
        assert.deepEqual(verify.deadLetter, { topic: dlq, records: 1 }, 'kdr verify shows them too');

        const failover = await client.workflow.start(drFailover, {
          taskQueue,
          workflowId: uniqueName('drFailover'),
          args: [{ pair: name, requestedBy: 'test', dryRun: true }],
        });
        const result = await runToEnd(failover, 180_000);
        assert.equal(result.outcome, 'completed');
        const plan = (await failover.query(planQuery))?.plan;
        assert.deepEqual(
          plan?.deadLetter,
          { topic: dlq, records: 1 },
          'the plan names how many records are in the dead-letter topic, and where',
        );
        const shown = planMarkdown(plan!, plan!.cname);
        assert.ok(shown.includes(`1 record(s) in the dead-letter topic \`${dlq}\``), shown);
      },
      { env },
    );
  });
});
