// drFailover against a real outage with real traffic: a producer writes continuously to the primary, consumer
// groups consume and commit there (bootstrapping from the custom domain, as applications in CNAME mode do),
// the primary broker is killed, drFailover runs and is approved by signal, and the groups resume on the
// secondary through the same domain. For every group: nothing that reached the secondary is lost, and the
// records read twice stay within the plan's stated bound.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openAdmin } from '../../../src/kafka/admin';
import { createKafka } from '../../../src/kafka/clients';
import { readCheckpoints } from '../../../src/kafka/checkpoints';
import { local } from '../../../stack/local-stack';
import { approveSignal, planQuery } from '../../../workflows/definitions';
import { drFailover, drSetup } from '../../../workflows';
import type { FailoverPlan } from '../../../src/plan/model';
import {
  kafkaPair,
  status,
  testEnv,
  uniqueName,
  withKdrWorker,
  removeMirror,
  execute,
  runToEnd,
} from '../../../stack/harness/kdr';
import { Consuming, Producing, viaDomain } from '../../../stack/harness/traffic';
import { startOwnPrimary } from '../../../stack/harness/own-primary';
import { closeTemporal, eventually, temporal } from '../../../stack/harness/temporal';

describe('drFailover after a real outage of the primary', () => {
  const id = uniqueName('outage');
  const cleanups: (() => Promise<unknown>)[] = [];
  before(() => temporal());
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await closeTemporal();
  });

  test('consumers resume on the secondary through the custom domain: 0 lost, duplicates within the plan bound', async () => {
    // A primary of its own (the shared one stays up for the other tests), with its DR listener on 127.0.0.4.
    const env = testEnv();
    const name = uniqueName('fo');
    const own = await startOwnPrimary(id, '127.0.0.4', env);
    cleanups.push(() => own.remove());
    const topic = `${name}-orders`;
    const config = kafkaPair(name, [topic]);
    config.primary = { provider: 'kafka', bootstrapServers: [own.bootstrap], endpointHost: own.endpointHost };
    const domain = `${name}.kdr.test`;
    const primaryAdmin = await openAdmin(createKafka({ bootstrapServers: [own.bootstrap] }));
    await primaryAdmin.admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
    await primaryAdmin.close();
    const secondary = await openAdmin(createKafka({ bootstrapServers: [local.secondaryBootstrap] }));
    cleanups.push(
      () => secondary.close(),
      () => secondary.admin.deleteTopics({ topics: [topic, `${name}-canary`] }),
    );
    cleanups.push(() => removeMirror(name));

    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const setup = await execute(client, drSetup, {
          taskQueue,
          workflowId: uniqueName('drSetup'),
          args: [{ config }],
        });
        assert.equal(setup.dns.target, own.endpointHost);

        // Live traffic through the custom domain: it resolves to the primary now.
        const producer = viaDomain(domain, 'orders-service');
        const producing = await Producing.start(producer.kafka, topic, 200);
        const groups = [`${name}-billing`, `${name}-ledger`];
        const apps = groups.map((g) => viaDomain(domain, g));
        // billing keeps up; ledger is slow and lags, so it has records left to process after the failover.
        const onPrimary = await Promise.all(
          groups.map((g, i) => Consuming.start(apps[i].kafka, g, topic, { delayMs: i === 1 ? 8 : 0 })),
        );
        // Until MirrorMaker 2 has checkpointed both groups, so the plan can translate them without the primary.
        await eventually(
          async () => (await readCheckpoints(secondary, { groups, topics: [topic] })).checkpoints,
          (cps) => groups.every((g) => [...cps.values()].some((c) => c.group === g && c.downstreamOffset > 0)),
          'MirrorMaker 2 checkpoints for both groups',
          90_000,
        );
        await new Promise((r) => setTimeout(r, 1500));

        // The outage: the primary broker dies mid-traffic, and the applications with it.
        await own.kill();
        for (const app of [producer, ...apps]) app.crash();
        await Promise.all([producing.stop(), ...onPrimary.map((c) => c.stop())]);
        assert.ok(
          producing.sent > 0 && onPrimary.every((c) => c.processed.size > 0),
          'traffic flowed before the outage',
        );

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
        // drSetup started drWatch: its snapshots come first; MM2 checkpoints where a snapshot is missing.
        assert.ok(
          plan.groups.every((g) =>
            g.offsets.every(([, , , source]) => source === 'snapshot' || source === 'checkpoint'),
          ),
          'translated from drWatch snapshots or MM2 checkpoints',
        );

        await handle.signal(approveSignal, { by: 'alice', planId: view!.planId });
        await handle.signal(approveSignal, { by: 'bob', planId: view!.planId, comment: 'outage drill' });
        const result = await runToEnd(handle);
        assert.equal(result.outcome, 'completed');
        if (result.dryRun) throw new Error('not a dry run');
        assert.deepEqual(
          result.approvedBy.map((a) => a.by),
          ['bob'],
        );
        assert.ok(
          result.audit.some((a) => a.action === 'approve' && a.by === 'alice' && !a.accepted),
          'self-approval refused and recorded',
        );
        assert.equal(result.steps.find((s) => s.name === 'drain')!.state, 'skipped');
        assert.equal(result.cname.before, own.endpointHost);
        assert.equal(result.cname.after, 'secondary.kdr.test');

        // What reached the secondary before the outage.
        const ends = await secondary.admin.fetchTopicOffsets(topic);
        const onSecondaryLog = await readAll(
          topic,
          ends.reduce((n, p) => n + Number(p.high) - Number(p.low), 0),
        );

        // The same groups restart, bootstrapping from the same custom domain: it now resolves to the secondary.
        for (const [i, group] of groups.entries()) {
          const resumed = await Consuming.start(viaDomain(domain, `${group}-restarted`).kafka, group, topic, {
            fromBeginning: false,
          });
          await eventually(
            () => secondary.admin.fetchOffsets({ groupId: group, topics: [topic] }),
            (o) =>
              o[0].partitions.every(
                (p) => Number(p.offset) === Number(ends.find((e) => e.partition === p.partition)!.high),
              ),
            `group ${group} to reach the end on the secondary`,
            60_000,
          );
          await resumed.stop();
          const before = onPrimary[i].processed;
          const lost = [...onSecondaryLog].filter((v) => !before.has(v) && !resumed.processed.has(v));
          const duplicates = resumed.seen.filter((v) => before.has(v)).length;
          const bound = plan.groups.find((g) => g.group === group)!.duplicateBound;
          console.log(
            `# ${group}: ${onSecondaryLog.size} records on the secondary, ${before.size} processed on the primary, ` +
              `${resumed.seen.length} on the secondary after failover: lost ${lost.length}, duplicates ${duplicates} (plan bound ${bound})`,
          );
          assert.equal(lost.length, 0, `${group}: ${lost.length} records on the secondary were never consumed`);
          assert.ok(duplicates <= bound, `${group}: ${duplicates} duplicates exceed the plan's bound ${bound}`);
          assert.ok(resumed.processed.size > 0, `${group} consumed on the secondary`);
        }
        const s = await status(handle);
        assert.equal(s.phase, 'completed');
      },
      { env },
    );
  });
});

/** Every record value of the topic on the secondary (a throwaway group reads it from the beginning). */
async function readAll(topic: string, count: number): Promise<Set<string>> {
  const kafka = createKafka({ bootstrapServers: [local.secondaryBootstrap] });
  const c = kafka.consumer({ groupId: uniqueName('kdr-test-reader') });
  const values = new Set<string>();
  await c.connect();
  await c.subscribe({ topic, fromBeginning: true });
  let n = 0;
  await c.run({
    eachMessage: async ({ message }) => {
      values.add(message.value?.toString() ?? '');
      n++;
    },
  });
  await eventually(
    async () => n,
    (x) => x >= count,
    `reading ${count} records of ${topic}`,
    60_000,
  );
  await c.disconnect();
  return values;
}
