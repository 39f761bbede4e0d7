// drSetup end to end on the real stack: Temporal dev server, both Kafka clusters, MirrorMaker 2 on Kafka
// Connect, the Alibaba Cloud emulator (alikafka, EventBridge, alidns) and the loopback DNS server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { createActivities, defaultDeps } from '../../../activities';
import { createCloudClients } from '../../../src/cloud';
import { EventBridgeProvider } from '../../../src/connectors/eventbridge';
import { dataConverter } from '../../../src/data-converter';
import { createWorker, workflowBundle } from '../../../app/worker';
import { resolveSignal } from '../../../workflows/definitions';
import { drSetup } from '../../../workflows';
import {
  apsaramqPair,
  blockedStep,
  kafkaPair,
  status,
  testEnv,
  uniqueName,
  withKdrWorker,
  removeMirror,
  execute,
  runToEnd,
} from '../../../stack/harness/kdr';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { closeTemporal, temporal } from '../../../stack/harness/temporal';
import { stackAdminEnv, startTestEmulator } from '../../../stack/harness/emulator';

const cleanups: (() => Promise<unknown>)[] = [];

describe('drSetup', () => {
  let kafka: Awaited<ReturnType<typeof openBoth>>;
  before(async () => {
    await temporal();
    kafka = await openBoth();
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await kafka.close();
    await closeTemporal();
  });

  async function topicsWithData(prefix: string, count = 2): Promise<string[]> {
    const topics = Array.from({ length: count }, (_, i) => uniqueName(`${prefix}${i}`));
    for (const t of topics) await createTopic(kafka.primary, t, 3);
    const producer = kafka.primary.kafka.producer();
    await producer.connect();
    for (const t of topics)
      await producer.send({
        topic: t,
        messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
      });
    await producer.disconnect();
    cleanups.push(
      () => deleteTopics(kafka.primary, topics),
      () => deleteTopics(kafka.secondary, topics),
    );
    return topics;
  }

  test('kafka-connect pair: sets up MirrorMaker 2, verifies it, points the CNAME at the primary; a second run changes nothing', async () => {
    const name = uniqueName('su-kc');
    const topics = await topicsWithData('su-kc-t');
    const config = kafkaPair(name, topics);
    cleanups.push(() => removeMirror(name));
    await withKdrWorker(async ({ client, taskQueue }) => {
      const first = await execute(client, drSetup, {
        taskQueue,
        workflowId: uniqueName('drSetup'),
        args: [{ config }],
      });
      assert.equal(first.outcome, 'completed');
      assert.deepEqual(
        first.steps.map((s) => `${s.name} ${s.state}`),
        [
          'load-pair',
          'not-failed-over',
          'preflight',
          'ensure-connector',
          'wait-running',
          'connector-verify',
          'parity',
          'ensure-cname',
          'report',
        ].map((n) => `${n} succeeded`),
      );
      assert.equal(first.connector.state, 'running');
      assert.equal(first.connector.created, true);
      assert.equal(first.verify.received, first.verify.produced, 'every canary record reached the secondary');
      assert.deepEqual(
        [
          first.verify.fidelity.measured,
          first.verify.fidelity.partitionPreserved,
          first.verify.fidelity.orderPreserved,
          first.verify.fidelity.timestampPreserved,
          first.verify.fidelity.keyValueIdentical,
          first.verify.fidelity.headersPreserved,
        ],
        [true, true, true, true, true, true],
        `drSetup reports the measured fidelity profile: ${first.verify.fidelitySummary}`,
      );
      assert.equal(first.dns.target, 'primary.kdr.test');
      assert.equal(first.dns.action, 'added');
      assert.ok(
        first.dns.resolvers.every((r) => r.target === 'primary.kdr.test'),
        'the loopback DNS server answers the new CNAME',
      );
      // The topics now exist on the secondary with the primary's partition counts, holding the replicated data.
      const counts = await kafka.secondary.admin.fetchTopicMetadata({ topics });
      assert.deepEqual(
        counts.topics.map((t) => t.partitions.length),
        [3, 3],
      );

      const second = await execute(client, drSetup, {
        taskQueue,
        workflowId: uniqueName('drSetup'),
        args: [{ config }],
      });
      assert.equal(second.connector.created, false);
      assert.equal(second.dns.action, 'unchanged');
      assert.ok(!second.audit.some((a) => a.action === 'cname'), 'no CNAME change recorded on the second run');
    });
  });

  test('apsaramq pair: creates EventBridge event streams in the secondary region through the emulator', async () => {
    const name = uniqueName('su-eb');
    const topics = await topicsWithData('su-eb-t', 1);
    const config = apsaramqPair(name, topics);
    const env = testEnv();
    cleanups.push(() =>
      new EventBridgeProvider(createCloudClients(env).eventbridge('cn-shanghai')).remove({
        pair: name,
        primary: { bootstrapServers: [] },
        secondary: { bootstrapServers: [] },
        topics: [...topics, `${name}-canary`],
      }),
    );
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const result = await execute(client, drSetup, {
          taskQueue,
          workflowId: uniqueName('drSetup'),
          args: [{ config }],
        });
        assert.equal(result.outcome, 'completed');
        assert.equal(result.connector.provider, 'eventbridge');
        assert.equal(result.connector.state, 'running');
        assert.match(result.connector.id, new RegExp(`kdr-${name}-`));
        assert.equal(result.dns.target, 'alikafka-pre-cn-kdrprimary01-1-vpc.alikafka.aliyuncs.com');
        // Listed with the admin key: the worker's RAM policy leaves out ListEventStreamings (kafka-dr never lists by prefix).
        const streams = await createCloudClients(stackAdminEnv(env))
          .eventbridge('cn-shanghai')
          .listEventStreamings({ namePrefix: `kdr-${name}-` });
        assert.equal(streams.length, topics.length + 1, 'one stream per topic plus the canary topic');
        assert.ok(streams.every((s) => s.Status === 'RUNNING'));
      },
      { env },
    );
  });

  test('a missing topic blocks preflight; once it exists, resolve retry completes the run', async () => {
    const name = uniqueName('su-miss');
    const [present] = await topicsWithData('su-miss-t', 1);
    const missing = uniqueName('su-miss-late');
    cleanups.push(
      () => deleteTopics(kafka.primary, [missing]),
      () => deleteTopics(kafka.secondary, [missing]),
    );
    cleanups.push(() => removeMirror(name));
    await withKdrWorker(async ({ client, taskQueue }) => {
      const handle = await client.workflow.start(drSetup, {
        taskQueue,
        workflowId: uniqueName('drSetup'),
        args: [{ config: kafkaPair(name, [present, missing]) }],
      });
      const blocked = await blockedStep(handle);
      assert.equal(blocked.name, 'preflight');
      assert.match(blocked.lastError ?? '', new RegExp(`TopicMissing: .*${missing}`));
      const s = await status(handle);
      assert.match(s.waitingFor ?? '', /resolve on step preflight/);

      await createTopic(kafka.primary, missing, 2);
      await handle.signal(resolveSignal, { action: 'retry', by: 'alice', note: 'topic created' });
      const result = await runToEnd(handle);
      assert.equal(result.outcome, 'completed');
      const preflight = result.steps.find((x) => x.name === 'preflight')!;
      assert.equal(preflight.attempts, 2);
      assert.ok(result.audit.some((a) => a.action === 'resolve:retry' && a.by === 'alice' && a.accepted));
    });
  });

  test('a topic pattern that selects no application topic blocks preflight (no false "protected"), naming the pattern and the fix', async () => {
    const name = uniqueName('su-none');
    const wanted = uniqueName('su-none-orders');
    cleanups.push(
      () => deleteTopics(kafka.primary, [wanted, `${name}-canary`]),
      () => deleteTopics(kafka.secondary, [wanted, `${name}-canary`]),
    );
    cleanups.push(() => removeMirror(name));
    await withKdrWorker(async ({ client, taskQueue }) => {
      const config = {
        ...kafkaPair(name, [wanted]),
        replication: { ...kafkaPair(name, [wanted]).replication, topics: { pattern: `${wanted}|${wanted}-payments` } },
      };
      const handle = await client.workflow.start(drSetup, {
        taskQueue,
        workflowId: uniqueName('drSetup'),
        args: [{ config, watch: false }],
      });
      const blocked = await blockedStep(handle);
      assert.equal(blocked.name, 'preflight');
      assert.match(blocked.lastError ?? '', /NoApplicationTopics/);
      assert.match(blocked.lastError ?? '', new RegExp(`pattern "${wanted}\\|${wanted}-payments"`));
      assert.match(blocked.lastError ?? '', /create the topics, or change replication.topics/);
      const s = await status(handle);
      assert.notEqual(s.phase, 'completed');

      await createTopic(kafka.primary, wanted, 2);
      await handle.signal(resolveSignal, { action: 'retry', by: 'alice', note: 'topics created' });
      const result = await runToEnd(handle);
      assert.equal(result.outcome, 'completed');
      assert.deepEqual(
        result.topics.filter((t) => t !== `${name}-canary`),
        [wanted],
      );
    });
  });

  test('apsaramq pair: groups of which none is declared on the primary instance block preflight; declaring one completes, and the summary names it', async () => {
    const name = uniqueName('su-grp');
    const topics = await topicsWithData('su-grp-t', 1);
    const listed = [uniqueName('su-grp-billing'), uniqueName('su-grp-ledger')];
    const env = testEnv();
    const primaryInstance = apsaramqPair(name, topics).primary;
    cleanups.push(() =>
      new EventBridgeProvider(createCloudClients(env).eventbridge('cn-shanghai')).remove({
        pair: name,
        primary: { bootstrapServers: [] },
        secondary: { bootstrapServers: [] },
        topics: [...topics, `${name}-canary`],
      }),
    );
    cleanups.push(
      () => kafka.primary.admin.deleteGroups(listed),
      () => kafka.secondary.admin.deleteGroups(listed),
    );
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const handle = await client.workflow.start(drSetup, {
          taskQueue,
          workflowId: uniqueName('drSetup'),
          args: [{ config: apsaramqPair(name, topics, { groups: listed }), watch: false }],
        });
        const blocked = await blockedStep(handle);
        assert.equal(blocked.name, 'preflight');
        assert.match(blocked.lastError ?? '', /NoConsumerGroups/);
        assert.match(
          blocked.lastError ?? '',
          new RegExp(`none is declared on the primary instance ${primaryInstance.instanceId}`),
        );
        assert.match(blocked.lastError ?? '', /fix groups in the pairs file, or declare them on the instance/);

        await createCloudClients(env)
          .alikafka(primaryInstance.region!)
          .createConsumerGroup({ instanceId: primaryInstance.instanceId!, consumerId: listed[0], remark: 'test' });
        await handle.signal(resolveSignal, { action: 'retry', by: 'alice', note: 'group declared' });
        const result = await runToEnd(handle);
        assert.equal(result.outcome, 'completed');
        const preflight = result.steps.find((x) => x.name === 'preflight')!;
        assert.match(
          preflight.summary ?? '',
          new RegExp(
            `1 consumer group\\(s\\) selected \\(${listed[0]}\\); NOT declared on the primary instance: ${listed[1]}`,
          ),
        );
      },
      { env },
    );
  });

  test('apsaramq pair: names an ApsaraMQ secondary cannot hold (over 64 characters) block preflight, listed with the fix; nothing is created on the secondary', async () => {
    const name = uniqueName('su-nm');
    const topics = await topicsWithData(`su-nm-${'t'.repeat(44)}`, 1);
    const declared = uniqueName('su-nm.billing');
    const tooLong = uniqueName(`su-nm-${'g'.repeat(45)}`);
    // An emulator of its own: the check runs against the current emulator code whatever the shared stack runs.
    const emu = await startTestEmulator({ dnsPort: undefined });
    cleanups.push(() => emu.close());
    const env = testEnv(emu.env);
    const primary = apsaramqPair(name, topics).primary;
    const secondary = apsaramqPair(name, topics).secondary;
    const cloud = createCloudClients(env);
    await cloud
      .alikafka(primary.region!)
      .createConsumerGroup({ instanceId: primary.instanceId!, consumerId: declared, remark: 'test' });
    cleanups.push(() =>
      cloud.alikafka(primary.region!).deleteConsumerGroup({ instanceId: primary.instanceId!, consumerId: declared }),
    );
    cleanups.push(() => deleteTopics(kafka.primary, [`${name}-canary`]));
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const handle = await client.workflow.start(drSetup, {
          taskQueue,
          workflowId: uniqueName('drSetup'),
          args: [{ config: apsaramqPair(name, topics, { groups: [declared, tooLong] }), watch: false }],
        });
        const blocked = await blockedStep(handle);
        assert.equal(blocked.name, 'preflight');
        assert.match(
          blocked.lastError ?? '',
          new RegExp(
            `NamesNotAllowedOnSecondary: the ApsaraMQ secondary instance ${secondary.instanceId} of pair ${name} cannot hold 2`,
          ),
        );
        // The step record keeps a clipped line; the activity failure in the history (Temporal UI) has the whole list.
        const failures =
          (await handle.fetchHistory()).events
            ?.map((e) => e.activityTaskFailedEventAttributes?.failure)
            .filter((f) => f?.applicationFailureInfo?.type === 'NamesNotAllowedOnSecondary') ?? [];
        const error = failures[0]?.message ?? '';
        assert.ok(error.includes(`topic "${topics[0]}" (${topics[0].length} characters (allowed 3-64))`), error);
        assert.ok(error.includes(`group "${tooLong}" (${tooLong.length} characters (allowed 3-64))`), error);
        assert.ok(!error.includes(`group "${declared}"`), 'a name with "." fits an ApsaraMQ instance');
        assert.match(
          error,
          /Nothing was created on the secondary\. Fix: rename them on the primary .* or leave them out of replication\.topics \/ groups/,
        );
        assert.equal((await kafka.secondary.admin.listTopics()).includes(topics[0]), false);
        const declaredThere = await cloud
          .alikafka(secondary.region!)
          .listConsumerGroups({ instanceId: secondary.instanceId!, consumerId: 'su-nm' });
        assert.deepEqual(
          declaredThere.map((g) => g.ConsumerId).filter((g) => g === declared),
          [],
          'no group was declared on the secondary',
        );
        await handle.signal(resolveSignal, { action: 'abort', by: 'dave', note: 'renaming the topic' });
        await assert.rejects(handle.result(), WorkflowFailedError);
      },
      { env },
    );
  });

  test('wrong AccessKey secret on the worker: the cloud step blocks; redeploying the worker with the right one and resolve retry completes', async () => {
    const name = uniqueName('su-ak');
    const topics = await topicsWithData('su-ak-t', 1);
    const good = testEnv();
    cleanups.push(() =>
      new EventBridgeProvider(createCloudClients(good).eventbridge('cn-shanghai')).remove({
        pair: name,
        primary: { bootstrapServers: [] },
        secondary: { bootstrapServers: [] },
        topics: [...topics, `${name}-canary`],
      }),
    );
    const { client, native } = await temporal();
    const taskQueue = uniqueName('kdr-tq');
    const workerWith = (env: NodeJS.ProcessEnv) =>
      createWorker({ connection: native, taskQueue, activities: createActivities(defaultDeps(env)) });
    const bad = await workerWith(testEnv({ ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'not-the-secret' }));
    const handle = await bad.runUntil(async () => {
      const h = await client.workflow.start(drSetup, {
        taskQueue,
        workflowId: uniqueName('drSetup'),
        args: [{ config: apsaramqPair(name, topics) }],
      });
      const blocked = await blockedStep(h);
      // The first cloud call is the failover guard's CNAME read (before anything is changed).
      assert.equal(blocked.name, 'not-failed-over');
      assert.match(blocked.lastError ?? '', /SignatureDoesNotMatch/);
      assert.doesNotMatch(
        blocked.lastError ?? '',
        /not-the-secret|LTAI5tKdrLocalStack0001/,
        'no secret or AccessKey id in the error',
      );
      return h;
    });
    const fixed = await workerWith(good);
    const result = await fixed.runUntil(async () => {
      await handle.signal(resolveSignal, {
        action: 'retry',
        by: 'alice',
        note: 'worker redeployed with the right AccessKey',
      });
      return runToEnd(handle);
    });
    assert.equal(result.outcome, 'completed');
    assert.equal(result.connector.state, 'running');
  });

  test('canary records that do not arrive in time block connector-verify; abort ends the run with the audit trail', async () => {
    const name = uniqueName('su-slow');
    const topics = await topicsWithData('su-slow-t', 1);
    // 1 ms cannot be met by any replication: the canary check must block, not pass.
    const config = kafkaPair(name, topics, {});
    (config.replication as { thresholds: Record<string, number> }).thresholds = {
      canaryTimeoutMs: 1,
      connectorReadyTimeoutMs: 120_000,
    };
    cleanups.push(() => removeMirror(name));
    await withKdrWorker(async ({ client, taskQueue }) => {
      const handle = await client.workflow.start(drSetup, {
        taskQueue,
        workflowId: uniqueName('drSetup'),
        args: [{ config }],
      });
      const blocked = await blockedStep(handle);
      assert.equal(blocked.name, 'connector-verify');
      assert.match(blocked.lastError ?? '', /VerifyFailed: .*canary records did not reach the secondary within 1 ms/);
      await handle.signal(resolveSignal, { action: 'abort', by: 'bob', note: 'replication too slow' });
      const err = await handle.result().then(
        () => undefined,
        (e) => e,
      );
      assert.ok(err instanceof WorkflowFailedError);
      assert.ok(err.cause instanceof ApplicationFailure);
      assert.equal(err.cause.type, 'Aborted');
      assert.match(err.cause.message, /aborted by bob at step connector-verify/);
    });
  });

  test('a CNAME name already taken by an A record blocks ensure-cname with a clear error', async () => {
    const name = uniqueName('su-a');
    const topics = await topicsWithData('su-a-t', 1);
    // primary.kdr.test is an A record (the local broker host): a CNAME cannot share its name.
    const config = kafkaPair(name, topics, {});
    (config.dns as { rr: string }).rr = 'primary';
    cleanups.push(() => removeMirror(name));
    await withKdrWorker(async ({ client, taskQueue }) => {
      const handle = await client.workflow.start(drSetup, {
        taskQueue,
        workflowId: uniqueName('drSetup'),
        args: [{ config }],
      });
      const blocked = await blockedStep(handle);
      assert.equal(blocked.name, 'ensure-cname');
      assert.match(
        blocked.lastError ?? '',
        /DomainRecordConflict: primary\.kdr\.test already has A 127\.0\.0\.2 .*choose another dns\.rr/,
      );
      await handle.signal(resolveSignal, { action: 'abort', by: 'carol' });
      await assert.rejects(handle.result(), WorkflowFailedError);
    });
  });

  test('bad input fails the run at once, non-retryably, naming every wrong field', async () => {
    await withKdrWorker(async ({ client, taskQueue }) => {
      const bad = kafkaPair('Bad Name', ['t']) as Record<string, unknown>;
      (bad.dns as Record<string, unknown>).ttl = 'sixty';
      const err = await execute(client, drSetup, {
        taskQueue,
        workflowId: uniqueName('drSetup'),
        args: [{ config: bad }],
      }).then(
        () => undefined,
        (e) => e,
      );
      assert.ok(err instanceof WorkflowFailedError);
      assert.ok(err.cause instanceof ApplicationFailure);
      assert.equal(err.cause.type, 'InvalidInput');
      assert.equal(err.cause.nonRetryable, true);
      assert.match(err.cause.message, /config\.name/);
      assert.match(err.cause.message, /config\.dns\.ttl/);
    });
  });

  test('the recorded history of a full run replays against the current workflow code', async () => {
    const { client } = await temporal();
    // The first test's runs are in the dev server; replay every completed drSetup of this test file.
    const histories = client.workflow
      .list({ query: `WorkflowType = 'drSetup' AND ExecutionStatus = 'Completed'` })
      .intoHistories();
    let replayed = 0;
    for await (const r of Worker.runReplayHistories(
      { workflowBundle: await workflowBundle(), dataConverter },
      histories,
    )) {
      assert.equal(r.error, undefined, `replay of ${r.workflowId} failed: ${r.error?.message}`);
      if (++replayed >= 3) break;
    }
    assert.ok(replayed >= 1, 'at least one completed drSetup history was replayed');
  });
});
