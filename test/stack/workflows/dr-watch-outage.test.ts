// The outage drWatch exists for: a MirrorMaker 2 pair with live traffic through the custom domain, two consumer
// groups committing on the primary (one keeps up, one lags), drWatch snapshotting their positions, then the primary
// broker killed with the applications. drFailover plans every partition from the `snapshot` source and, counted
// from the applications' own records, each group loses nothing and re-reads no more than the plan's bound and no
// more than what it processed in one snapshot interval plus its own commit interval (the target).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Consumer, Kafka } from 'kafkajs';
import { watchWorkflowId } from '../../../workflows/contract';
import { openAdmin, type AdminSession } from '../../../src/kafka/admin';
import { createKafka } from '../../../src/kafka/clients';
import { readPositions } from '../../../src/kafka/positions';
import { readRange } from '../../../src/kafka/protocol';
import { local } from '../../../stack/local-stack';
import { approveSignal, planQuery, watchQuery } from '../../../workflows/definitions';
import { drFailover, drSetup, drWatch } from '../../../workflows';
import type { FailoverPlan } from '../../../src/plan/model';
import {
  execute,
  kafkaPair,
  removeMirror,
  runToEnd,
  testEnv,
  uniqueName,
  withKdrWorker,
} from '../../../stack/harness/kdr';
import { startOwnPrimary } from '../../../stack/harness/own-primary';
import { closeTemporal, eventually, temporal } from '../../../stack/harness/temporal';
import { Producing, viaDomain } from '../../../stack/harness/traffic';

const INTERVAL_MS = 2_000;
const COMMIT_MS = 1_000;

/** A consumer application that remembers when it processed each record (to count what one interval holds). */
class TimedApp {
  readonly processed: { v: string; at: number }[] = [];
  private constructor(private readonly consumer: Consumer) {}
  static async start(kafka: Kafka, group: string, topic: string, delayMs = 0): Promise<TimedApp> {
    const consumer = kafka.consumer({
      groupId: group,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      retry: { retries: 2 },
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const app = new TimedApp(consumer);
    await consumer.run({
      autoCommitInterval: COMMIT_MS,
      eachMessage: async ({ message }) => {
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        app.processed.push({ v: message.value?.toString() ?? '', at: Date.now() });
      },
    });
    return app;
  }
  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
  }
}

async function everyValue(s: AdminSession, topic: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const p of await s.admin.fetchTopicOffsets(topic)) {
    for (const r of await readRange(s.protocol, topic, p.partition, Number(p.low), Number(p.high)))
      out.add(r.value?.toString() ?? '');
  }
  return out;
}

describe('drWatch snapshots carry a failover through an outage of the primary', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  before(() => temporal());
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await closeTemporal();
  });

  test('MirrorMaker 2 pair, primary killed: plan from snapshot, 0 lost per group, re-reads within the bound and one interval', async () => {
    const env = testEnv();
    const name = uniqueName('wo');
    const own = await startOwnPrimary(name, '127.0.0.7', env);
    cleanups.push(() => own.remove());
    const topic = `${name}-orders`;
    const config = kafkaPair(name, [topic], { watch: { interval: INTERVAL_MS, canaryEvery: '10m' } });
    config.primary = { provider: 'kafka', bootstrapServers: [own.bootstrap], endpointHost: own.endpointHost };
    const domain = `${name}.kdr.test`;
    const primaryAdmin = await openAdmin(createKafka({ bootstrapServers: [own.bootstrap] }));
    await primaryAdmin.admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
    await primaryAdmin.close();
    const secondary = await openAdmin(createKafka({ bootstrapServers: [local.secondaryBootstrap] }));
    cleanups.push(
      () => secondary.close(),
      () => secondary.admin.deleteTopics({ topics: [topic, `${name}-canary`] }),
      () => removeMirror(name),
    );

    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const setup = await execute(client, drSetup, {
          taskQueue,
          workflowId: uniqueName('drSetup'),
          args: [{ config }],
        });
        assert.equal(setup.watch?.outcome, 'started');
        const watch = client.workflow.getHandle<typeof drWatch>(watchWorkflowId(name));
        cleanups.push(() => watch.terminate('test cleanup'));

        const producer = viaDomain(domain, 'orders-service');
        const producing = await Producing.start(producer.kafka, topic, 150);
        const groups = [`${name}-billing`, `${name}-ledger`];
        const clients = groups.map((g) => viaDomain(domain, g));
        // billing keeps up; ledger is slow (about 100 records/s of 150) and falls behind.
        const apps = await Promise.all(
          groups.map((g, i) => TimedApp.start(clients[i].kafka, g, topic, i === 1 ? 10 : 0)),
        );
        // Until the watch has stored exact positions of both groups on every partition, and a few snapshots more.
        await eventually(
          () => readPositions(secondary, name),
          (r) =>
            groups.every(
              (g) => r.byGroup.get(g)?.size === 3 && [...r.byGroup.get(g)!.values()].every((p) => p.matched),
            ),
          'exact snapshots of both groups',
          120_000,
        );
        await new Promise((r) => setTimeout(r, 3 * INTERVAL_MS + 500));
        const lastTick = (await watch.query(watchQuery)).last;

        // The outage: the broker dies mid-traffic, the applications with it.
        await own.kill();
        const killedAt = Date.now();
        for (const c of [producer, ...clients]) c.crash();
        await Promise.all([producing.stop(), ...apps.map((a) => a.stop())]);

        const handle = await client.workflow.start(drFailover, {
          taskQueue,
          workflowId: uniqueName('drFailover'),
          args: [{ config, requestedBy: 'alice', approval: { timeout: '10m' }, switchover: { guard: '10s' } }],
        });
        const view = await eventually(
          () => handle.query(planQuery),
          (p) => p !== null,
          'the plan',
          120_000,
        );
        const plan = view!.plan as FailoverPlan;
        assert.equal(plan.primaryReachable, false);
        assert.deepEqual(plan.groups.map((g) => g.group).sort(), [...groups].sort());
        // The highest proven-safe target wins per partition: the snapshot, or an MM2 checkpoint where it is newer.
        for (const g of plan.groups)
          for (const [t, p, , source] of g.offsets)
            assert.ok(['snapshot', 'checkpoint'].includes(source), `${g.group} ${t}[${p}]: ${source}`);
        assert.ok(
          plan.totals.sources.snapshot,
          `the snapshot placed some partitions: ${JSON.stringify(plan.totals.sources)}`,
        );
        assert.ok(
          plan.snapshot && plan.snapshot.positions === 6 && plan.snapshot.ageMs !== null,
          JSON.stringify(plan.snapshot),
        );
        await handle.signal(approveSignal, { by: 'bob', planId: view!.planId });
        const result = await runToEnd(handle);
        assert.equal(result.outcome, 'completed');

        const onSecondary = await everyValue(secondary, topic);
        const ends = await secondary.admin.fetchTopicOffsets(topic);
        const window = INTERVAL_MS + (lastTick?.elapsedMs ?? 0) + COMMIT_MS;
        for (const [i, group] of groups.entries()) {
          const before = new Set(apps[i].processed.map((x) => x.v));
          // The same group restarts through the same domain, now the secondary.
          const resumed = await TimedApp.start(viaDomain(domain, `${group}-restarted`).kafka, group, topic);
          await eventually(
            () => secondary.admin.fetchOffsets({ groupId: group, topics: [topic] }),
            (o) =>
              o[0].partitions.every(
                (p) => Number(p.offset) >= Number(ends.find((e) => e.partition === p.partition)!.high),
              ),
            `${group} to reach the end on the secondary`,
            60_000,
          );
          await resumed.stop();
          const after = resumed.processed.map((x) => x.v);
          const afterSet = new Set(after);
          const lost = [...onSecondary].filter((v) => !before.has(v) && !afterSet.has(v));
          const redelivered = after.filter((v) => before.has(v)).length;
          const bound = plan.groups.find((g) => g.group === group)!.duplicateBound;
          // What the group processed after its position in the snapshot the plan read: everything since that snapshot
          // was taken, plus one commit interval before it (the commit the snapshot saw) and 1 s for the commit's own
          // latency. Dated from the snapshot itself, not from a guess at the tick timing, so it is the same measure
          // however busy the machine is.
          const target = apps[i].processed.filter((x) => x.at > plan.snapshot!.takenAt! - COMMIT_MS - 1_000).length;
          console.log(
            `# ${group}: processed ${before.size} on the primary, lost ${lost.length}, re-delivered ${redelivered} ` +
              `(plan bound ${bound}; processed since the snapshot, taken ${killedAt - plan.snapshot!.takenAt!} ms before the kill, plus one commit interval: ${target}; ` +
              `one interval + check + commit would be ${window} ms; snapshot age at planning ${plan.snapshot!.ageMs} ms)`,
          );
          assert.equal(
            lost.length,
            0,
            `${group}: ${lost.length} records never consumed, e.g. ${lost.slice(0, 5).join(', ')}`,
          );
          assert.ok(redelivered <= bound, `${group}: ${redelivered} re-delivered > plan bound ${bound}`);
          assert.ok(
            redelivered <= target,
            `${group}: ${redelivered} re-delivered > ${target} processed since the snapshot (and one commit interval before it)`,
          );
        }
      },
      { env },
    );
  });
});
