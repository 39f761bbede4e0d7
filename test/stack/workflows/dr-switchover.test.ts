// drFailover with the applications still running, counted from the applications' own records (numbered
// records, a producer that remembers what a cluster acknowledged, consumers that remember every record they
// processed, repeats included):
// - planned switchover: producers and consumers run through the custom domain until the run tells the operator
//   to move them; every record the primary acknowledged ends up on the secondary and processed;
// - outage: the primary broker dies and the applications keep running and retrying through the domain,
//   never restarted;
// - a long TTL: the DNS wait is one timer, whatever the TTL, and every line's CNAME record moves.
// Lost must be 0; re-delivered must stay within the bound of the plan the run applied.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createCloudClients } from '../../../src/cloud';
import { openAdmin } from '../../../src/kafka/admin';
import { createKafka } from '../../../src/kafka/clients';
import { local } from '../../../stack/local-stack';
import { planQuery } from '../../../workflows/definitions';
import { drFailover, drSetup } from '../../../workflows';
import type { FailoverPlan } from '../../../src/plan/model';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import {
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
import { closeTemporal, eventually, temporal } from '../../../stack/harness/temporal';
import {
  Consuming,
  readValues,
  RetryingProducer,
  splitRedeliveries,
  tally,
  viaDomain,
  waitCaughtUp,
} from '../../../stack/harness/traffic';
import { assertNothingLostWithinBound, switchoverWithRunningApps } from '../../helpers/switchover';

describe('drFailover with running applications', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  before(() => temporal());
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await closeTemporal();
  });

  test("planned switchover: producers and consumers run until told to move; 0 lost, re-reads within the applied plan's bound", async () => {
    const env = testEnv();
    const name = uniqueName('sw');
    const topic = `${name}-orders`;
    const config = kafkaPair(name, [topic]);
    const kafka = await openBoth();
    cleanups.push(
      () => kafka.close(),
      () => removeMirror(name),
      () => deleteTopics(kafka.primary, [topic, `${name}-canary`]),
      () => deleteTopics(kafka.secondary, [topic, `${name}-canary`]),
    );
    await createTopic(kafka.primary, topic, 3);

    await withKdrWorker(
      async ({ client, taskQueue }) => {
        await execute(client, drSetup, { taskQueue, workflowId: uniqueName('drSetup'), args: [{ config }] });
        const drill = await switchoverWithRunningApps(client, taskQueue, config, kafka.secondary, {
          label: 'switchover',
          onStop: (stop) => cleanups.push(async () => stop()),
        });
        if (drill.result.dryRun) throw new Error('not a dry run');
        assert.equal(drill.result.mode, 'switchover');
        assert.equal(drill.result.steps.find((s) => s.name === 'drain')!.state, 'succeeded');
        assertNothingLostWithinBound(drill);
      },
      { env },
    );
  });

  test('outage: applications keep running and retrying through the domain, never restarted; 0 lost, re-reads within the bound', async () => {
    const env = testEnv();
    const name = uniqueName('ko');
    const own = await startOwnPrimary(name, '127.0.0.5', env);
    cleanups.push(() => own.remove());
    const topic = `${name}-orders`;
    const domain = `${name}.kdr.test`;
    const config = kafkaPair(name, [topic]);
    config.primary = { provider: 'kafka', bootstrapServers: [own.bootstrap], endpointHost: own.endpointHost };
    const primary = await openAdmin(createKafka({ bootstrapServers: [own.bootstrap] }));
    await primary.admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
    await primary.close();
    const secondary = await openAdmin(createKafka({ bootstrapServers: [local.secondaryBootstrap] }));
    cleanups.push(
      () => secondary.close(),
      () => deleteTopics(secondary, [topic, `${name}-canary`]),
      () => removeMirror(name),
    );

    await withKdrWorker(
      async ({ client, taskQueue }) => {
        await execute(client, drSetup, { taskQueue, workflowId: uniqueName('drSetup'), args: [{ config }] });
        const producer = await RetryingProducer.start(viaDomain(domain, 'orders-service').kafka, topic, 150);
        const groups = [`${name}-billing`, `${name}-ledger`];
        const apps = await Promise.all(
          groups.map((g, i) =>
            Consuming.start(viaDomain(domain, g).kafka, g, topic, { delayMs: i === 1 ? 9 : 0, commitEveryMs: 5000 }),
          ),
        );
        // Until MirrorMaker 2 has checkpointed both groups: the plan translates them without the primary.
        await eventually(
          async () => {
            const { readCheckpoints } = await import('../../../src/kafka/checkpoints');
            return (await readCheckpoints(secondary, { groups, topics: [topic] })).checkpoints;
          },
          (cps) => groups.every((g) => [...cps.values()].some((c) => c.group === g && c.downstreamOffset > 0)),
          'checkpoints for both groups',
          90_000,
        );
        await new Promise((r) => setTimeout(r, 2000));

        await own.kill(); // the applications are NOT stopped: they retry through the domain
        await new Promise((r) => setTimeout(r, 500));
        const marks = apps.map((c) => c.seen.length); // processed on the primary (nothing more can arrive from it)
        const handle = await client.workflow.start(drFailover, {
          taskQueue,
          workflowId: uniqueName('drFailover'),
          args: [{ config, requestedBy: 'alice', switchover: { guard: '15s' } }],
        });
        const approvals = approveAll(handle, 'bob');
        cleanups.push(async () => approvals.stop());
        const result = await runToEnd(handle, 300_000);
        assert.equal(result.outcome, 'completed');
        if (result.dryRun) throw new Error('not a dry run');
        assert.equal(result.mode, 'outage');
        assert.equal(result.steps.find((s) => s.name === 'freeze')!.state, 'succeeded');
        const applied = (await handle.query(planQuery))!.plan as FailoverPlan;

        // The same processes, never restarted, find their way to the secondary through the domain.
        await eventually(
          async () => producer.acked.size,
          (n) => n > 0,
          'the producer',
          10_000,
        );
        const ackedBefore = producer.acked.size;
        await eventually(
          async () => producer.acked.size,
          (n) => n > ackedBefore + 300,
          'the producer to write on the secondary',
          120_000,
        );
        await producer.stop();
        for (const g of groups) await waitCaughtUp(secondary, g, topic);
        await Promise.all(apps.map((c) => c.stop()));

        const onSecondaryLog = await readValues(secondary, topic);
        // Acknowledged by the primary but never replicated before it died: the outage's RPO, not a failover loss.
        const rpo = [...producer.acked].filter((v) => !onSecondaryLog.has(v));
        const acked = new Set([...producer.acked].filter((v) => onSecondaryLog.has(v)));
        for (const [i, g] of groups.entries()) {
          const t = tally(acked, [apps[i]], producer.resent);
          const split = splitRedeliveries(apps[i], marks[i], producer.resent);
          const bound = applied.groups.find((x) => x.group === g)!.duplicateBound;
          console.log(
            `# outage ${g}: ${acked.size} acknowledged and on the secondary (${rpo.length} lost with the primary, RPO), ` +
              `${t.processed} processed, lost ${t.lost.length}, re-delivered ${t.redelivered}: ${split.failover} re-read because of the failover (bound ${bound}), ` +
              `${split.ownRepeats} repeats of the application's own uncommitted work after its retries; resent by the producer ${producer.resent.size}; ` +
              `guard ${JSON.stringify(result.guard)}`,
          );
          assert.equal(t.lost.length, 0, `${g}: lost ${t.lost.slice(0, 10).join(', ')}`);
          assert.ok(
            split.failover <= bound,
            `${g}: ${split.failover} re-read because of the failover, above the stated bound ${bound}`,
          );
        }
      },
      { env },
    );
  });

  test("a long TTL: the DNS wait is one timer (the history does not grow) and every line's CNAME record moves", async () => {
    const env = testEnv();
    const name = uniqueName('ttl');
    const topic = `${name}-orders`;
    const kafka = await openBoth();
    cleanups.push(
      () => kafka.close(),
      () => removeMirror(name),
      () => deleteTopics(kafka.primary, [topic, `${name}-canary`]),
      () => deleteTopics(kafka.secondary, [topic, `${name}-canary`]),
    );
    await createTopic(kafka.primary, topic, 1);
    const base = kafkaPair(name, [topic]);
    const config = { ...base, dns: { ...base.dns!, ttl: 86_400 } };
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        await execute(client, drSetup, {
          taskQueue,
          workflowId: uniqueName('drSetup'),
          args: [{ config: { ...config, dns: { ...config.dns, ttl: 5 } } }],
        });
        const alidns = createCloudClients(env).alidns();
        // A second resolution line, and a resolver that never answers: the run has to wait out the TTL.
        await alidns.addDomainRecord('kdr.test', {
          rr: name,
          type: 'CNAME',
          value: 'primary.kdr.test',
          ttl: 600,
          line: 'telecom',
        });
        const slow = { ...config, dns: { ...config.dns, resolvers: [...config.dns.resolvers, '127.0.0.1:9'] } };
        const handle = await client.workflow.start(drFailover, {
          taskQueue,
          workflowId: uniqueName('drFailover'),
          args: [{ config: slow, requestedBy: 'alice', drain: false, switchover: { guard: 0 } }],
        });
        const approvals = approveAll(handle, 'bob');
        cleanups.push(
          async () => approvals.stop(),
          () => handle.terminate('test over'),
        );
        await eventually(
          () => status(handle),
          (s) => s.phase === 'switch-cname',
          'the switch',
          120_000,
        );
        const events = async () => ((await handle.fetchHistory()).events ?? []).length;
        await new Promise((r) => setTimeout(r, 15_000)); // the quick checks (5 x 1 s, each waiting for the dead resolver) are over
        const a = await events();
        await new Promise((r) => setTimeout(r, 8_000));
        const b = await events();
        console.log(`# TTL 86400 s: ${a} history events, ${b} eight seconds later`);
        assert.equal(b, a, 'no polling while the TTL runs');
        assert.ok(a < 200, `history stays small (${a} events)`);
        const records = (
          await alidns.listSubDomainRecords({ subDomain: `${name}.kdr.test`, domainName: 'kdr.test' })
        ).filter((r) => r.Type === 'CNAME');
        assert.deepEqual(records.map((r) => [r.Line, r.Value]).sort(), [
          ['default', 'secondary.kdr.test'],
          ['telecom', 'secondary.kdr.test'],
        ]);
      },
      { env },
    );
  });
});
