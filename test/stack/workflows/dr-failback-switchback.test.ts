// The whole DR cycle of a MirrorMaker 2 pair, with applications running through the custom domain:
// protected (drSetup) -> an outage of the primary with records it acknowledged and never replicated -> drFailover
// -> the applications carry on on the secondary -> the old primary comes back with its tail -> drFailback
// re-protects (the tail exported and counted) -> drFailback stage switch-back: drFailover in reverse as its child,
// approved through the pair's failover id, the applications moved at its drain step -> forward replication again.
// Counted from the applications' own records: nothing acknowledged on either side lost and nothing else processed,
// the consumers' re-reads within the switch-back plan's stated bound, the CNAME on the primary, forward replication
// copying new records and nothing written since the switch-back skipped.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { openAdmin, partitionOffsets, type AdminSession } from '../../../src/kafka/admin';
import { createKafka } from '../../../src/kafka/clients';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { PairConfigSchema, type PairConfigInput } from '../../../src/config';
import { switchBackWorkflowId } from '../../../workflows/contract';
import { defaultDeps } from '../../../activities';
import { providerFor, replicationSpec } from '../../../activities/replication';
import { readRange } from '../../../src/kafka/protocol';
import { local } from '../../../stack/local-stack';
import { drFailback, drFailover, drSetup } from '../../../workflows';
import { approveSignal, planQuery } from '../../../workflows/definitions';
import type { FailoverPlan } from '../../../src/plan/model';
import { reversedPair } from '../../../src/config/reverse-pair';
import {
  apsaramqPair,
  approveAll,
  execute,
  kafkaPair,
  removeMirror,
  runToEnd,
  status,
  testEnv,
  uniqueName,
  withKdrWorker,
} from '../../../stack/harness/kdr';
import { startOwnPrimary } from '../../../stack/harness/own-primary';
import { kdr, shown as shownCli, writePairsFile } from '../../helpers/cli';
import { createCloudClients } from '../../../src/cloud';
import { EventBridgeProvider } from '../../../src/connectors/eventbridge';
import { dataPlaneFromEnv } from '../../../stack/emulator/data-plane';
import { cloudEnvFor, startTestEmulator } from '../../../stack/harness/emulator';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { assertNothingLostWithinBound, switchoverWithRunningApps } from '../../helpers/switchover';
import { closeTemporal, eventually, temporal } from '../../../stack/harness/temporal';
import {
  Consuming,
  readValues,
  RetryingProducer,
  tally,
  viaDomain,
  viaDomain as appVia,
  waitCaughtUp,
} from '../../../stack/harness/traffic';

async function produce(bootstrap: string, topic: string, prefix: string, count: number): Promise<string[]> {
  const kafka = new Kafka({ clientId: `switchback-${prefix}`, brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const values = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  for (let i = 0; i < values.length; i += 50) {
    await producer.send({
      topic,
      acks: -1,
      messages: values.slice(i, i + 50).map((v, j) => ({ key: `k${(i + j) % 7}`, value: v })),
    });
  }
  await producer.disconnect();
  return values;
}

interface SwitchBackDrill {
  client: Client;
  taskQueue: string;
  config: PairConfigInput;
  env: NodeJS.ProcessEnv;
  primary: AdminSession;
  secondary: AdminSession;
  groups: string[];
  first: Consuming[];
  onSecondary: RetryingProducer;
  label: string;
  tail: number;
  dnsServer?: string;
  cleanups: (() => Promise<unknown>)[];
  /**
   * Records acknowledged by the primary and already on the secondary when the groups first ran there: groups new
   * on the secondary start from the beginning and process them too (none when the groups resumed committed offsets).
   */
  alreadyThere: readonly string[];
}

/**
 * The switch back, as an operator runs it, with the applications running on the secondary through the domain:
 * drFailback stage switch-back; its drFailover (the pair's failover id) is approved like any failover; at its drain
 * step the producers restart (the domain now leads to the primary) and the consumers stop; they start again once
 * the final plan is applied. Then the counts, and forward replication checked record by record.
 */
async function switchBackWithRunningApps(d: SwitchBackDrill): Promise<void> {
  const { client, taskQueue, config, env, primary, secondary, groups, first, onSecondary } = d;
  const name = config.name;
  const topic = (config.replication!.topics as string[])[0];
  const domain = `${name}.kdr.test`;
  const pair = PairConfigSchema.parse(config);
  const forward = providerFor(defaultDeps(env), pair);
  const spec = replicationSpec(pair, [topic, pair.replication.canaryTopic], env);
  const viaDomain = (clientId: string) => appVia(domain, clientId, d.dnsServer);
  // kdr as the operator uses it, with a pairs file naming the pair: where it is, and the switch-back's approval.
  const cli = { KDR_PAIRS_FILE: writePairsFile([config]), KDR_TASK_QUEUE: taskQueue };
  const before = await kdr(['pairs'], cli);
  assert.match(
    before.stdout,
    new RegExp(`${name}: re-protected \\(clients on the secondary, replication reverse; per dr-failback-${name}`),
    shownCli(before),
  );
  const t0 = Date.now();
  const back = await client.workflow.start(drFailback, {
    taskQueue,
    workflowId: `dr-failback-${name}`,
    args: [
      {
        config,
        requestedBy: 'alice',
        stages: ['switch-back'],
        approval: { timeout: '10m' },
        switchover: { quietWindow: '4s', timeout: '5m', guard: '8s' },
      },
    ],
  });
  const child = client.workflow.getHandle(switchBackWorkflowId(name));
  d.cleanups.push(
    () => child.terminate('test ended'),
    () => back.terminate('test ended'),
  );
  const summaryOf = async () => (await status(back)).steps.find((s) => s.name === 'switch-back')!;
  await eventually(
    summaryOf,
    (s) => /switches back/.test(s.summary ?? '') || s.state === 'blocked',
    'the switch-back step to start its drFailover',
    180_000,
  );
  const shown = await summaryOf();
  assert.notEqual(shown.state, 'blocked', shown.lastError);
  assert.match(
    shown.summary ?? '',
    new RegExp(
      `drFailover ${switchBackWorkflowId(name)} switches back in reverse. Approve its plan: kdr approve ${name} --by`,
    ),
  );
  const waiting = await eventually(
    () => status(child).catch(() => undefined),
    (s) => s?.phase === 'awaiting-approval' || s?.phase === 'blocked',
    "the switch-back's approval",
    180_000,
  );
  assert.ok(waiting?.approval, JSON.stringify(waiting?.steps.find((s) => s.state === 'blocked')));
  const approvedByCli = await kdr(['approve', name, '--by', 'bob', '--plan-id', waiting.approval.planId], cli);
  assert.equal(approvedByCli.code, 0, shownCli(approvedByCli));
  const approvingBack = approveEachStep(child, 'bob', [`approval:${waiting.approval.planId}`]);
  await eventually(
    () => status(child).catch(() => undefined),
    (s) => s?.phase === 'drain' || s?.phase === 'blocked',
    "the switch-back's drain step",
    180_000,
  );
  assert.equal(
    (await status(child)).phase,
    'drain',
    JSON.stringify((await status(child)).steps.find((s) => s.state === 'blocked')),
  );
  await new Promise((r) => setTimeout(r, 3000)); // the applications keep running into the drain
  await onSecondary.stop();
  const onPrimary = await RetryingProducer.start(viaDomain('orders-service-restarted').kafka, topic, 150, 3_000_000);
  await Promise.all(first.map((c) => c.stop()));
  await eventually(
    () => status(child),
    (s) => ['guard', 'verify', 'completed', 'blocked'].includes(s.phase),
    'the final plan to be applied',
    300_000,
  );
  assert.notEqual(
    (await status(child)).phase,
    'blocked',
    JSON.stringify((await status(child)).steps.find((s) => s.state === 'blocked')),
  );
  const second = await Promise.all(
    groups.map((g) =>
      Consuming.start(viaDomain(`${g}-back`).kafka, g, topic, { fromBeginning: false, commitEveryMs: 5000 }),
    ),
  );
  const result = await runToEnd(back, 300_000);
  approvingBack.stop();
  const took = Date.now() - t0;
  assert.equal(result.outcome, 'completed');
  if (!('switchedBack' in result)) throw new Error('not switched back');
  const sb = result as unknown as SwitchedBack;
  const applied = (await child.query(planQuery))!.plan as FailoverPlan;
  assert.equal(applied.planId, sb.switchedBack.planId, 'the switch-back applied the plan its drFailover shows');
  assert.equal(sb.switchedBack.workflowId, switchBackWorkflowId(name));
  const childResult = await child.result();
  if (childResult.dryRun) throw new Error('dry run');
  assert.equal(childResult.mode, 'switchover');
  assert.equal(childResult.cname.after.replace(/\.$/, ''), pair.primary.endpointHost, 'the CNAME ends on the primary');

  await new Promise((r) => setTimeout(r, 3000));
  await onPrimary.stop();
  for (const g of groups) await waitCaughtUp(primary, g, topic);
  await Promise.all(second.map((c) => c.stop()));

  // Nothing acknowledged is lost: what the applications wrote on the secondary is on the primary; per group,
  // every acknowledged record processed and nothing else (the tail stays in its export topic, nothing copied back
  // under new values), re-reads within the switch-back plan's bound.
  const onPrimaryLog = await readValues(primary, topic);
  const missing = [...onSecondary.acked].filter((v) => !onPrimaryLog.has(v));
  assert.equal(missing.length, 0, `${missing.length} records acknowledged by the secondary never reached the primary`);
  const acked = new Set([...d.alreadyThere, ...onSecondary.acked, ...onPrimary.acked]);
  const resent = new Set([...onSecondary.resent, ...onPrimary.resent]);
  for (const [i, group] of groups.entries()) {
    const t = tally(acked, [first[i], second[i]], resent);
    const bound = applied.groups.find((x) => x.group === group)!.duplicateBound;
    console.log(
      `# switch-back ${d.label} ${group}: ${acked.size} acknowledged (${d.alreadyThere.length} already on the secondary, ` +
        `${onSecondary.acked.size} by the secondary, ${onPrimary.acked.size} by the primary since), ${t.processed} processed, lost ${t.lost.length}, re-delivered ${t.redelivered} ` +
        `(bound ${bound}); sources ${JSON.stringify(applied.totals.sources)}`,
    );
    assert.equal(t.lost.length, 0, `${group}: lost ${t.lost.slice(0, 10).join(', ')}`);
    const unaccounted = [...new Set([...first[i].seen, ...second[i].seen])].filter((v) => !acked.has(v));
    assert.equal(
      unaccounted.length,
      0,
      `${group}: processed ${unaccounted.length} record(s) nobody acknowledged: ${unaccounted.slice(0, 10).join(', ')}`,
    );
    assert.equal(t.processed, acked.size);
    assert.ok(t.redelivered <= bound, `${group}: ${t.redelivered} re-delivered, above the stated bound ${bound}`);
  }

  // Forward replication runs again: the reverse connectors are gone, everything written on the primary since the
  // switch-back reaches the secondary (nothing skipped), and new records follow.
  const reverse = providerFor(defaultDeps(env), reversedPair(pair));
  assert.equal(
    (await reverse.state(replicationSpec(reversedPair(pair), [topic], env))).state,
    'absent',
    'the reverse replication is removed',
  );
  assert.equal((await forward.state(spec)).state, 'running');
  const later = await produce(pair.primary.bootstrapServers[0], topic, 'later', 40);
  const expected = [...onPrimary.acked, ...later];
  await eventually(
    () => readValues(secondary, topic),
    (v) => expected.every((x) => v.has(x)),
    'every record written on the primary since the switch-back on the secondary',
    90_000,
  );
  const secondaryLog = await allValues(secondary, topic);
  const counts = new Map<string, number>();
  for (const v of secondaryLog) counts.set(v, (counts.get(v) ?? 0) + 1);
  // Copies beyond one, among this drill's records only (earlier phases are none of the switch-back's business):
  // records written since the switch-back must be there exactly once (nothing skipped, nothing doubled); records
  // written on the secondary during the re-protect may come back once more, at most as many as stated.
  const extra = (values: Iterable<string>) =>
    [...values].filter((v) => !resent.has(v)).reduce((n, v) => n + Math.max(0, (counts.get(v) ?? 0) - 1), 0);
  const doubledNew = extra([...onPrimary.acked, ...later]);
  const carriedBack = extra(onSecondary.acked);
  assert.equal(
    doubledNew,
    0,
    `${doubledNew} record(s) written since the switch-back are on the secondary more than once`,
  );
  assert.ok(
    carriedBack <= sb.forward.recopied,
    `${carriedBack} record(s) written on the secondary came back again, above the ${sb.forward.recopied} stated`,
  );
  assert.equal(later.filter((v) => counts.get(v) !== 1).length, 0, 'new records copied once each');
  assert.match(sb.forward.canary, /canary \d+\/\d+/);
  assert.match(sb.forward.watch, /dr-watch-\S+ (started|already running)/);
  console.log(
    `# switch-back ${d.label}: tail ${d.tail} exported; switch-back ${took} ms (approval and drain included); ` +
      `forward restarted at ${sb.forward.starts} position(s), ${sb.forward.written} record(s) written since the switch to copy, ` +
      `${sb.forward.recopied} reverse copies carried back (measured: ${carriedBack} came back, ${doubledNew} new record(s) doubled); ${sb.forward.canary}`,
  );

  const after = await kdr(['pairs'], cli);
  assert.match(
    after.stdout,
    new RegExp(`${name}: protected \\(clients on the primary, replication forward; per dr-failback-${name}`),
    shownCli(after),
  );

  // Idempotent: a second switch-back run finds the CNAME on the primary and only checks forward replication.
  const again = await execute(client, drFailback, {
    taskQueue,
    workflowId: `dr-failback-${name}`,
    args: [{ config, requestedBy: 'alice', stages: ['switch-back'] }],
  });
  assert.equal(again.outcome, 'completed');
  assert.equal((again as unknown as SwitchedBack).switchedBack.byEarlierRun, true);
  assert.equal((await allValues(secondary, topic)).length, secondaryLog.length, 'nothing copied again');
}

/**
 * Approves each approval the run asks for, once per approval step: a final plan worse than the approved one asks
 * again (reapproval) under the same planId when only its duplicate bounds grew, which approveAll (one approval per
 * planId) leaves waiting.
 */
function approveEachStep(
  handle: WorkflowHandle,
  by: string,
  already: string[] = [],
): { stop(): void; approved: string[] } {
  const approved: string[] = [];
  const done = new Set<string>(already);
  let stopped = false;
  void (async () => {
    while (!stopped) {
      const s = await status(handle).catch(() => undefined);
      const step = s?.steps.find(
        (x) => (x.name === 'approval' || x.name === 'reapproval') && x.state === 'running',
      )?.name;
      if (s?.approval && step && !done.has(`${step}:${s.approval.planId}`)) {
        done.add(`${step}:${s.approval.planId}`);
        approved.push(s.approval.planId);
        await handle.signal(approveSignal, { by, planId: s.approval.planId }).catch(() => undefined);
      }
      if (s && ['completed', 'aborted', 'rejected'].includes(s.phase)) return;
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    stop: () => {
      stopped = true;
    },
    approved,
  };
}

interface SwitchedBack {
  switchedBack: { workflowId: string | null; byEarlierRun: boolean; planId?: string };
  forward: { canary: string; watch: string; starts: number; written: number; recopied: number };
}

/** Every value of the topic, as often as the log holds it. */
async function allValues(s: AdminSession, topic: string): Promise<string[]> {
  const out: string[] = [];
  for (const p of await partitionOffsets(s, [topic])) {
    for (const r of await readRange(s.protocol, topic, p.partition, p.earliest, p.end))
      out.push(r.value?.toString() ?? '');
  }
  return out;
}

describe('drFailback switch-back: the full cycle with applications running', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  before(() => temporal());
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await closeTemporal();
  });

  test('mm2: outage with a tail, failover, re-protect, switch back: 0 lost, re-reads within the bound, forward replication again', async () => {
    const name = uniqueName('fbsb');
    const topic = `${name}-orders`;
    const domain = `${name}.kdr.test`;
    const own = await startOwnPrimary(name, '127.0.0.10', testEnv());
    cleanups.push(() => own.remove());
    const config = kafkaPair(name, [topic], { groups: { pattern: `${name}-.*` } });
    config.primary = { provider: 'kafka', bootstrapServers: [own.bootstrap], endpointHost: own.endpointHost };
    cleanups.push(
      () => removeMirror(name),
      () => removeMirror(`${name}_reverse`),
    );
    const env = testEnv();

    let primary = await openAdmin(createKafka({ bootstrapServers: [own.bootstrap] }));
    await primary.admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
    const secondary = await openAdmin(createKafka({ bootstrapServers: [local.secondaryBootstrap] }));
    cleanups.push(
      () => secondary.close(),
      () => secondary.admin.deleteTopics({ topics: [topic, `${name}-canary`, `${topic}.kdr-unreplicated`] }),
    );

    await withKdrWorker(
      async ({ client, taskQueue }) => {
        await execute(client, drSetup, {
          taskQueue,
          workflowId: uniqueName('drSetup'),
          args: [{ config, watch: false }],
        });
        const replicated = await produce(own.bootstrap, topic, 'before', 300);
        await eventually(
          () => allValues(secondary, topic),
          (v) => v.length === replicated.length,
          'the first records on the secondary',
          60_000,
        );

        // Replication held back: the primary acknowledges records the secondary never gets; then the outage.
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
        const tail = await produce(own.bootstrap, topic, 'tail', 57);
        await primary.close();
        await own.kill();
        const failover = await client.workflow.start(drFailover, {
          taskQueue,
          workflowId: uniqueName('drFailover'),
          args: [{ config, requestedBy: 'alice', approval: { timeout: '10m' }, switchover: { guard: 0 } }],
        });
        const approvingFailover = approveAll(failover, 'bob');
        assert.equal((await runToEnd(failover)).outcome, 'completed');
        approvingFailover.stop();

        // The applications run on the secondary through the domain: a producer and two groups (one lagging). The
        // groups are new there and start from the beginning: they process the replicated records first.
        const groups = [`${name}-billing`, `${name}-ledger`];
        const onSecondary = await RetryingProducer.start(viaDomain(domain, 'orders-service').kafka, topic, 150);
        const first = await Promise.all(
          groups.map((g, i) =>
            Consuming.start(viaDomain(domain, g).kafka, g, topic, { delayMs: i === 1 ? 9 : 0, commitEveryMs: 5000 }),
          ),
        );

        // The old primary comes back with its tail; re-protect (the default stages) while the applications run.
        await own.restart();
        primary = await openAdmin(createKafka({ bootstrapServers: [own.bootstrap] }));
        cleanups.push(() => primary.close());
        const reprotect = await client.workflow.start(drFailback, {
          taskQueue,
          workflowId: `dr-failback-${name}`,
          args: [{ config, requestedBy: 'alice', approval: { timeout: '10m' } }],
        });
        const approvingReprotect = approveAll(reprotect, 'bob');
        const reprotected = await runToEnd(reprotect, 300_000);
        approvingReprotect.stop();
        assert.equal(reprotected.outcome, 'completed');
        assert.equal(reprotected.tailRecords, tail.length, 'the tail counted exactly');
        assert.equal(
          (await status(reprotect)).steps.find((s) => s.name === 'switch-back')!.state,
          'skipped',
          'switch-back only when asked for',
        );

        await switchBackWithRunningApps({
          client,
          taskQueue,
          config,
          env,
          primary,
          secondary,
          groups,
          first,
          onSecondary,
          label: 'mm2',
          tail: reprotected.tailRecords,
          cleanups,
          alreadyThere: replicated,
        });
      },
      { env },
    );
  });

  test('eventbridge: planned failover with running applications, re-protect, switch back: 0 lost, re-reads within the bound, forward streams again', async () => {
    const name = uniqueName('fbsbe');
    const topic = `${name}-orders`;
    // An emulator of its own: its streams run this checkout's re-producing data plane, and its DNS serves the domain.
    const emu = await startTestEmulator({
      dnsPort: 0,
      eventBridgeDataPlane: { mode: 'reproduce', fidelity: dataPlaneFromEnv(process.env).fidelity },
    });
    const dnsServer = `127.0.0.1:${emu.emulator.dnsPort}`;
    const env = testEnv(cloudEnvFor(emu.emulator.url));
    const base = apsaramqPair(name, [topic], { groups: { pattern: `${name}-.*` } });
    const config: PairConfigInput = { ...base, dns: { ...base.dns, resolvers: [dnsServer] } as typeof base.dns };
    const kafka = await openBoth();
    const streams = {
      pair: name,
      primary: { bootstrapServers: [] },
      secondary: { bootstrapServers: [] },
      topics: [topic, `${name}-canary`],
    };
    cleanups.push(
      async () => {
        await new EventBridgeProvider(createCloudClients(env).eventbridge('cn-shanghai'))
          .remove(streams)
          .catch(() => undefined);
        await new EventBridgeProvider(createCloudClients(env).eventbridge('cn-hangzhou'))
          .remove({ ...streams, pair: `${name}_reverse` })
          .catch(() => undefined);
        await emu.close();
      },
      () => kafka.close(),
      () => deleteTopics(kafka.primary, [topic, `${name}-canary`]),
      () => deleteTopics(kafka.secondary, [topic, `${name}-canary`, `${topic}.kdr-unreplicated`]),
    );
    await createTopic(kafka.primary, topic, 3);

    await withKdrWorker(
      async ({ client, taskQueue }) => {
        assert.equal(
          (
            await execute(client, drSetup, {
              taskQueue,
              workflowId: uniqueName('drSetup'),
              args: [{ config, watch: false }],
            })
          ).outcome,
          'completed',
        );
        const drill = await switchoverWithRunningApps(client, taskQueue, config, kafka.secondary, {
          label: 'eventbridge failover before the switch-back',
          dnsServer,
          approver: approveEachStep,
          onStop: (stop) => cleanups.push(async () => stop()),
        });
        assertNothingLostWithinBound(drill);

        // The applications on the secondary through the domain, while the failback re-protects.
        const groups = [`${name}-billing`, `${name}-ledger`];
        const first = await Promise.all(
          groups.map((g, i) =>
            Consuming.start(viaDomain(`${name}.kdr.test`, `${g}-on-secondary`, dnsServer).kafka, g, topic, {
              fromBeginning: false,
              delayMs: i === 1 ? 9 : 0,
              commitEveryMs: 5000,
            }),
          ),
        );
        const onSecondary = await RetryingProducer.start(
          viaDomain(`${name}.kdr.test`, 'orders-service-on-secondary', dnsServer).kafka,
          topic,
          150,
          2_000_000,
        );
        const reprotect = await client.workflow.start(drFailback, {
          taskQueue,
          workflowId: `dr-failback-${name}`,
          args: [{ config, requestedBy: 'alice', approval: { timeout: '10m' } }],
        });
        const approving = approveAll(reprotect, 'bob');
        const reprotected = await runToEnd(reprotect, 300_000);
        approving.stop();
        assert.equal(reprotected.outcome, 'completed');
        assert.equal(reprotected.tailRecords, 0, 'a planned failover leaves no tail');

        await switchBackWithRunningApps({
          client,
          taskQueue,
          config,
          env,
          primary: kafka.primary,
          secondary: kafka.secondary,
          groups,
          first,
          onSecondary,
          label: 'eventbridge',
          tail: reprotected.tailRecords,
          dnsServer,
          cleanups,
          alreadyThere: [],
        });
      },
      { env },
    );
  });
});
