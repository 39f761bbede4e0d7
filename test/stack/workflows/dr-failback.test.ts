// drFailback end to end on a MirrorMaker 2 pair: drSetup, records acknowledged and replicated, replication held
// back so the primary acknowledges records the secondary never gets (the unreplicated tail), the primary killed,
// drFailover (outage), records acknowledged on the secondary, the old primary restarted with its tail, then
// drFailback: the tail found, exported and counted exactly against what the old primary held and the secondary
// lacked; nothing acknowledged on either side lost; the old primary emptied and re-filled by reverse replication.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { openAdmin, partitionOffsets, type AdminSession } from '../../../src/kafka/admin';
import { createKafka } from '../../../src/kafka/clients';
import { createCloudClients } from '../../../src/cloud';
import { PairConfigSchema, type PairConfigInput } from '../../../src/config';
import { EventBridgeProvider } from '../../../src/connectors/eventbridge';
import { defaultDeps } from '../../../activities';
import { providerFor, replicationSpec } from '../../../activities/replication';
import { dataPlaneFromEnv } from '../../../stack/emulator/data-plane';
import { readRange } from '../../../src/kafka/protocol';
import { SOURCE_HEADER } from '../../../src/kafka/tail-export';
import { local } from '../../../stack/local-stack';
import { drFailback, drFailover, drSetup } from '../../../workflows';
import { approveSignal, resolveSignal } from '../../../workflows/definitions';
import {
  apsaramqPair,
  approveAll,
  blockedStep,
  execute,
  kafkaPair,
  removeMirror,
  runToEnd,
  status,
  testEnv,
  uniqueName,
  withKdrWorker,
} from '../../../stack/harness/kdr';
import { kdr } from '../../helpers/cli';
import { cloudEnvFor, startTestEmulator } from '../../../stack/harness/emulator';
import { startOwnPrimary } from '../../../stack/harness/own-primary';
import { closeTemporal, eventually, temporal } from '../../../stack/harness/temporal';

async function produce(bootstrap: string, topic: string, prefix: string, count: number): Promise<string[]> {
  const kafka = new Kafka({ clientId: `failback-${prefix}`, brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const values = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  // acks -1: every value returned here was acknowledged by the cluster.
  for (let i = 0; i < values.length; i += 50) {
    await producer.send({
      topic,
      acks: -1,
      messages: values
        .slice(i, i + 50)
        .map((v, j) => ({ key: `k${(i + j) % 7}`, value: v, headers: { app: 'orders' } })),
    });
  }
  await producer.disconnect();
  return values;
}

async function valuesOf(s: AdminSession, topic: string): Promise<string[]> {
  const out: string[] = [];
  for (const p of await partitionOffsets(s, [topic])) {
    for (const r of await readRange(s.protocol, topic, p.partition, p.earliest, p.end))
      out.push(r.value?.toString() ?? '');
  }
  return out;
}

describe('drFailback after an outage with an unreplicated tail', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  before(() => temporal());
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await closeTemporal();
  });

  /**
   * The pair on a primary of its own (killed and restarted): MirrorMaker 2, or an ApsaraMQ pair on an emulator of
   * its own whose primary instance is that broker, with event streams that re-produce records.
   */
  async function ownPair(kind: 'mm2' | 'eventbridge', name: string, topic: string) {
    const own = await startOwnPrimary(name, kind === 'mm2' ? '127.0.0.6' : '127.0.0.8', testEnv());
    cleanups.push(() => own.remove());
    if (kind === 'mm2') {
      // Only this test's groups: other tests' groups on the shared secondary are none of this pair's business.
      const config = kafkaPair(name, [topic], { groups: { pattern: `${name}-.*` } });
      config.primary = { provider: 'kafka', bootstrapServers: [own.bootstrap], endpointHost: own.endpointHost };
      cleanups.push(
        () => removeMirror(name),
        () => removeMirror(`${name}_reverse`),
      );
      return { own, config, env: testEnv() };
    }
    const emu = await startTestEmulator({
      dnsPort: 0,
      primaryBootstrap: own.bootstrap,
      eventBridgeDataPlane: { mode: 'reproduce', fidelity: dataPlaneFromEnv(process.env).fidelity },
    });
    const env = testEnv(cloudEnvFor(emu.emulator.url));
    const base = apsaramqPair(name, [topic], { groups: { pattern: `${name}-.*` } });
    const config: PairConfigInput = {
      ...base,
      primary: { ...base.primary!, bootstrapServers: [own.bootstrap] },
      dns: { ...base.dns, resolvers: [`127.0.0.1:${emu.emulator.dnsPort}`] } as typeof base.dns,
    };
    const streams = {
      pair: name,
      primary: { bootstrapServers: [] },
      secondary: { bootstrapServers: [] },
      topics: [topic, `${name}-canary`],
    };
    cleanups.push(async () => {
      await new EventBridgeProvider(createCloudClients(env).eventbridge('cn-shanghai'))
        .remove(streams)
        .catch(() => undefined);
      await new EventBridgeProvider(createCloudClients(env).eventbridge('cn-hangzhou'))
        .remove({ ...streams, pair: `${name}_reverse` })
        .catch(() => undefined);
      await emu.close();
    });
    return { own, config, env };
  }

  for (const kind of ['mm2', 'eventbridge'] as const) {
    test(`${kind}: the tail is exported exactly, nothing acknowledged is lost, the old primary becomes a verified replica`, () =>
      scenario(kind));
  }

  async function scenario(kind: 'mm2' | 'eventbridge') {
    const name = uniqueName(kind === 'mm2' ? 'fb' : 'fbe');
    const topic = `${name}-orders`;
    const exportTopic = `${topic}.kdr-unreplicated`;
    const { own, config, env } = await ownPair(kind, name, topic);
    let primary = await openAdmin(createKafka({ bootstrapServers: [own.bootstrap] }));
    await primary.admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
    const secondary = await openAdmin(createKafka({ bootstrapServers: [local.secondaryBootstrap] }));
    cleanups.push(
      () => secondary.close(),
      () => secondary.admin.deleteTopics({ topics: [topic, `${name}-canary`, exportTopic] }),
    );

    await withKdrWorker(
      async ({ client, taskQueue }) => {
        await execute(client, drSetup, {
          taskQueue,
          workflowId: uniqueName('drSetup'),
          args: [{ config, watch: false }],
        });

        // Not failed over: refused, nothing changed.
        const early = await client.workflow.start(drFailback, {
          taskQueue,
          workflowId: uniqueName('dr-failback-early'),
          args: [{ config, requestedBy: 'alice' }],
        });
        await assert.rejects(
          early.result(),
          (err: Error & { cause?: { type?: string; message?: string } }) =>
            err.cause?.type === 'Refused' && /has not failed over/.test(err.cause.message ?? ''),
        );

        // Acknowledged and replicated.
        const replicated = await produce(own.bootstrap, topic, 'before', 300);
        await eventually(
          () => valuesOf(secondary, topic),
          (v) => v.length === replicated.length,
          'the first records on the secondary',
          60_000,
        );
        // Replication held back: what the primary acknowledges now stays there (the tail).
        const pair = PairConfigSchema.parse(config);
        const forward = providerFor(defaultDeps(env), pair);
        const spec = replicationSpec(pair, [topic, `${name}-canary`], env);
        await forward.pause(spec);
        await eventually(
          () => forward.state(spec),
          (s) => s.state === 'paused',
          'the forward replication to pause',
          30_000,
        );
        await new Promise((r) => setTimeout(r, 2000));
        const tail = await produce(own.bootstrap, topic, 'tail', 137);
        await new Promise((r) => setTimeout(r, 2000));
        const onPrimary = await valuesOf(primary, topic);
        const onSecondary = new Set(await valuesOf(secondary, topic));
        const lacked = onPrimary.filter((v) => !onSecondary.has(v));
        assert.deepEqual(lacked.sort(), [...tail].sort(), 'the secondary lacks exactly the tail');
        await primary.close();

        // The outage, and the failover.
        await own.kill();
        const failover = await client.workflow.start(drFailover, {
          taskQueue,
          workflowId: uniqueName('drFailover'),
          args: [{ config, requestedBy: 'alice', approval: { timeout: '10m' }, switchover: { guard: 0 } }],
        });
        const approver = approveAll(failover, 'bob');
        const fo = await runToEnd(failover);
        approver.stop();
        assert.equal(fo.outcome, 'completed');

        // The applications carry on on the secondary.
        const afterFailover = await produce(local.secondaryBootstrap, topic, 'after', 211);

        // The old primary comes back with its tail.
        await own.restart();
        primary = await openAdmin(createKafka({ bootstrapServers: [own.bootstrap] }));
        cleanups.push(() => primary.close());

        // Stages alone: assess and export first; nothing is deleted, replication is unchanged.
        const staged = await execute(client, drFailback, {
          taskQueue,
          workflowId: uniqueName('dr-failback-staged'),
          args: [{ config, requestedBy: 'alice', stages: ['assess', 'export'] }],
        });
        assert.equal(staged.reprotected, false);
        assert.equal(staged.tailRecords, tail.length);
        assert.equal((await valuesOf(secondary, exportTopic)).length, tail.length, 'the staged run exported the tail');
        assert.equal(
          (await valuesOf(primary, topic)).filter((v) => v.startsWith('tail-')).length,
          tail.length,
          'nothing deleted on the old primary',
        );

        // A client writes to the old primary while the approval waits: those records are in no export, so nothing
        // is deleted; the step blocks, naming them.
        const guarded = await client.workflow.start(drFailback, {
          taskQueue,
          workflowId: uniqueName('dr-failback-guarded'),
          args: [{ config, requestedBy: 'alice', approval: { timeout: '10m' } }],
        });
        const waiting = await eventually(
          () => status(guarded),
          (x) => x.phase === 'awaiting-approval',
          'the approval',
          120_000,
        );
        const late = await produce(own.bootstrap, topic, 'late', 3);
        await guarded.signal(approveSignal, { by: 'bob', planId: waiting.approval!.planId });
        const blocked = await blockedStep(guarded);
        assert.equal(blocked.name, 'clear-old-primary');
        assert.match(blocked.lastError ?? '', /written on the old primary after the assessment/);
        assert.equal(
          (await valuesOf(primary, topic)).filter((v) => v.startsWith('tail-')).length,
          tail.length,
          'nothing deleted',
        );
        await guarded.signal(resolveSignal, { action: 'abort', by: 'bob', note: 'a client still wrote there' });
        await assert.rejects(guarded.result());
        tail.push(...late);

        const handle = await client.workflow.start(drFailback, {
          taskQueue,
          workflowId: `dr-failback-${name}`,
          args: [{ config, requestedBy: 'alice', approval: { timeout: '10m' } }],
        });
        const approving = approveAll(handle, 'bob');
        const t0 = Date.now();
        const result = await runToEnd(handle, 300_000);
        approving.stop();
        const took = Date.now() - t0;
        assert.equal(result.outcome, 'completed');
        if (!result.reprotected) throw new Error('not re-protected');

        // The tail: counted exactly, exported exactly once each, with its source.
        const line = result.tail.find((t) => t.topic === topic)!;
        assert.equal(result.tailRecords, tail.length);
        assert.equal(line.tailRecords, tail.length);
        assert.equal(line.exported, tail.length);
        const exportStep = result.steps.find((x) => x.name === 'export')!;
        assert.match(
          exportStep.summary ?? '',
          new RegExp(`${tail.length}/${tail.length} \\(${staged.tailRecords} from an earlier run\\)`),
          'the full run exported only the late records',
        );
        assert.equal(
          line.writtenOnSecondary,
          afterFailover.length,
          'records written on the secondary since the failover',
        );
        const exported: string[] = [];
        const sources = new Set<string>();
        for (const p of await partitionOffsets(secondary, [exportTopic])) {
          for (const r of await readRange(secondary.protocol, exportTopic, p.partition, p.earliest, p.end)) {
            exported.push(r.value!.toString());
            sources.add(r.headers[SOURCE_HEADER]!.toString());
            assert.equal(r.headers.app?.toString(), 'orders', "the record's own headers kept");
          }
        }
        assert.deepEqual([...exported].sort(), [...tail].sort(), 'the export holds exactly the tail');
        assert.equal(sources.size, tail.length, 'each tail record exported once');

        // Nothing acknowledged is lost: the active side has everything but the tail; the tail is in the export;
        // the old primary, emptied and re-filled in reverse, holds the active side's records.
        const active = new Set(await valuesOf(secondary, topic));
        assert.ok(
          [...replicated, ...afterFailover].every((v) => active.has(v)),
          'every acknowledged record on the active side',
        );
        assert.equal(
          (await valuesOf(secondary, topic)).length,
          replicated.length + afterFailover.length,
          'no loop: the active side holds each record once',
        );
        await eventually(
          () => valuesOf(primary, topic),
          (v) => [...replicated, ...afterFailover].every((x) => v.includes(x)),
          'the old primary to hold every record of the active side',
          60_000,
        );
        const replica = await valuesOf(primary, topic);
        assert.equal(
          replica.filter((v) => v.startsWith('tail-')).length,
          0,
          'the tail is gone from the old primary (it lives in the export)',
        );
        assert.equal(replica.length, replicated.length + afterFailover.length, 'the old primary is an exact replica');
        assert.match(result.reverse.canary, /canary \d+\/\d+/);
        assert.match(
          result.steps.find((x) => x.name === 'pause-forward')!.summary ?? '',
          /forward watch dr-watch-\S+ (not running|asked to stop)/,
        );
        // What the approver was shown, as `kdr plan` prints it: the tail counts, the partitions emptied, the reverse replication.
        const shownPlan = await kdr(['plan', `dr-failback-${name}`]);
        assert.equal(shownPlan.code, 0, shownPlan.stderr);
        assert.match(
          shownPlan.stdout,
          new RegExp(
            `Failback plan ${result.planId} .*\\n  ${topic}: tail ${tail.length} record\\(s\\) in \\d partition`,
          ),
        );
        assert.match(shownPlan.stdout, /then replication in reverse: /);

        // A second run changes nothing: no tail left, nothing exported twice, nothing deleted.
        const again = await client.workflow.start(drFailback, {
          taskQueue,
          workflowId: `dr-failback-${name}-again`,
          args: [{ config, requestedBy: 'alice', approval: { timeout: '10m' } }],
        });
        const approvingAgain = approveAll(again, 'bob');
        const second = await runToEnd(again, 300_000);
        approvingAgain.stop();
        if (!second.reprotected) throw new Error('not re-protected');
        assert.equal(second.tailRecords, 0);
        assert.equal(second.cleared.byEarlierRun, true);
        assert.equal((await valuesOf(secondary, exportTopic)).length, tail.length, 'nothing exported twice');
        assert.equal((await valuesOf(primary, topic)).length, replicated.length + afterFailover.length);
        const s = await status(again);
        assert.equal(s.steps.find((x) => x.name === 'switch-back')!.state, 'skipped');
        console.log(
          `# failback: tail ${tail.length} exported ${line.exported}, written on the secondary ${line.writtenOnSecondary}, ` +
            `old primary re-filled with ${replica.length} records, first run ${took} ms (approval included); ${result.reverse.canary}`,
        );
      },
      { env },
    );
  }
});
